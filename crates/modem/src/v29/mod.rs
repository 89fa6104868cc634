//! V.29: 9600, 7200 and 4800 bit/s at 2400 baud on a 1700 Hz carrier, the modem of most
//! fax pages. Each symbol carries four (9600), three (7200) or two (4800) scrambled bits: the
//! first (9600 only) picks the amplitude, the rest the phase change from the previous symbol.
//!
//! Training (symbols): optional 480 of unmodulated carrier, then 48 of silence, 128 alternating
//! B A B A … (ending on A, so that the first C stands where a B would; SpanDSP's receiver
//! finds the segment boundary by that 180° jump and misses the 45° one of an A → C start),
//! 384 of C/D chosen by a 7-bit generator seeded 0x2A, 48 of scrambled ones; data follows,
//! scrambled by 1 + x⁻¹⁸ + x⁻²³ (register cleared at the start of segment 4); after the data
//! 32 symbols of scrambled ones end the signal.

mod rx;
mod tx;

pub use rx::V29Receiver;
pub use tx::V29Transmitter;

use crate::qam::Complex32;

/// Symbols per second.
pub const BAUD: u32 = 2400;
/// Carrier frequency.
pub const CARRIER_HZ: f64 = 1700.0;
/// Pulse roll-off of the transmitter.
pub const ROLL_OFF: f64 = 0.25;
/// Segment lengths in symbols.
pub const TEP_SYMBOLS: usize = 480;
pub const SILENCE_SYMBOLS: usize = 48;
pub const ALTERNATION_SYMBOLS: usize = 128;
pub const EQUALIZER_SYMBOLS: usize = 384;
pub const ONES_SYMBOLS: usize = 48;
pub const TAIL_SYMBOLS: usize = 32;
/// The training generator's seed.
pub const TRAINING_SEED: u8 = 0x2A;

/// A V.29 bit rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum V29Rate {
    Bps9600,
    Bps7200,
    Bps4800,
}

impl V29Rate {
    /// The rate for a bit/s figure.
    pub fn from_bps(bps: u32) -> Option<Self> {
        match bps {
            9600 => Some(V29Rate::Bps9600),
            7200 => Some(V29Rate::Bps7200),
            4800 => Some(V29Rate::Bps4800),
            _ => None,
        }
    }

    pub fn bps(self) -> u32 {
        match self {
            V29Rate::Bps9600 => 9600,
            V29Rate::Bps7200 => 7200,
            V29Rate::Bps4800 => 4800,
        }
    }

    /// Bits per symbol.
    pub fn bits_per_symbol(self) -> u32 {
        self.bps() / BAUD
    }

    /// The training points A, B, C, D.
    pub fn training_points(self) -> [Complex32; 4] {
        let c = Complex32::new;
        match self {
            V29Rate::Bps9600 => [c(3.0, -3.0), c(-3.0, 0.0), c(3.0, 0.0), c(-3.0, 3.0)],
            V29Rate::Bps7200 => [c(1.0, -1.0), c(-3.0, 0.0), c(3.0, 0.0), c(-1.0, 1.0)],
            V29Rate::Bps4800 => [c(0.0, -3.0), c(-3.0, 0.0), c(3.0, 0.0), c(0.0, 3.0)],
        }
    }

    /// The mean energy of the data points.
    pub fn mean_energy(self) -> f32 {
        match self {
            V29Rate::Bps9600 => 13.5,
            V29Rate::Bps7200 => 5.5,
            V29Rate::Bps4800 => 9.0,
        }
    }

    /// The data points this rate uses.
    pub(crate) fn points(self) -> &'static [(u8, bool)] {
        const ALL: [(u8, bool); 16] = [
            (0, false),
            (1, false),
            (2, false),
            (3, false),
            (4, false),
            (5, false),
            (6, false),
            (7, false),
            (0, true),
            (1, true),
            (2, true),
            (3, true),
            (4, true),
            (5, true),
            (6, true),
            (7, true),
        ];
        const AXES: [(u8, bool); 4] = [(0, false), (2, false), (4, false), (6, false)];
        match self {
            V29Rate::Bps9600 => &ALL,
            V29Rate::Bps7200 => &ALL[..8],
            V29Rate::Bps4800 => &AXES,
        }
    }
}

/// The point at absolute phase `phase` (in 45° steps) and amplitude (`high`: 5 or 3√2
/// instead of 3 or √2).
pub fn point(phase: u8, high: bool) -> Complex32 {
    let (re, im): (f32, f32) = match (phase & 7, high) {
        (0, false) => (3.0, 0.0),
        (0, true) => (5.0, 0.0),
        (2, false) => (0.0, 3.0),
        (2, true) => (0.0, 5.0),
        (4, false) => (-3.0, 0.0),
        (4, true) => (-5.0, 0.0),
        (6, false) => (0.0, -3.0),
        (6, true) => (0.0, -5.0),
        (p, h) => {
            let m = if h { 3.0 } else { 1.0 };
            let (sx, sy) = match p {
                1 => (1.0, 1.0),
                3 => (-1.0, 1.0),
                5 => (-1.0, -1.0),
                _ => (1.0, -1.0),
            };
            (sx * m, sy * m)
        }
    };
    Complex32::new(re, im)
}

/// The phase change (45° steps) for the phase bits of a symbol, first bit most significant:
/// Q2Q3Q4 at 9600 and 7200, Q2Q3 at 4800.
pub(crate) fn phase_change(rate: V29Rate, bits: u8) -> u8 {
    match rate {
        V29Rate::Bps4800 => [0, 2, 6, 4][usize::from(bits & 3)],
        _ => [1, 0, 2, 3, 6, 7, 5, 4][usize::from(bits & 7)],
    }
}

/// The phase bits for a phase change (inverse of [`phase_change`]).
pub(crate) fn phase_bits(rate: V29Rate, change: u8) -> u8 {
    match rate {
        V29Rate::Bps4800 => [0, 0, 1, 1, 3, 3, 2, 2][usize::from(change & 7)],
        _ => [1, 0, 2, 3, 7, 6, 4, 5][usize::from(change & 7)],
    }
}

/// The segment-3 generator: 1 + x⁻⁶ + x⁻⁷ on a 7-bit register; false = C, true = D.
#[derive(Debug, Clone, Copy)]
pub struct TrainingGenerator {
    reg: u8,
}

impl Default for TrainingGenerator {
    fn default() -> Self {
        TrainingGenerator { reg: TRAINING_SEED }
    }
}

impl TrainingGenerator {
    #[inline]
    pub fn next_is_d(&mut self) -> bool {
        let out = self.reg & 1;
        let feed = (self.reg ^ (self.reg >> 1)) & 1;
        self.reg = (self.reg >> 1) | (feed << 6);
        out == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_3_golden_vector() {
        let mut g = TrainingGenerator::default();
        let s: String = (0..24).map(|_| if g.next_is_d() { 'D' } else { 'C' }).collect();
        assert_eq!(s, "CDCDCDCDDDDDDDCCCCCCDCCC");
    }

    fn round_trip(rate: V29Rate, bits: &[bool]) -> (Vec<bool>, Vec<crate::RxEvent>) {
        let mut q = crate::BitQueue::new();
        bits.iter().for_each(|&b| q.push(b));
        let mut tx = V29Transmitter::new(rate, -14.0, false);
        let mut signal = vec![0i16; 400];
        let mut buf = [0i16; 160];
        while {
            let n = tx.transmit(&mut buf, &mut q);
            signal.extend_from_slice(&buf[..n]);
            n == buf.len()
        } {}
        signal.extend(std::iter::repeat_n(0, 800));
        let mut rx = V29Receiver::new(rate);
        let mut got = Vec::new();
        let mut events = Vec::new();
        for chunk in signal.chunks(160) {
            rx.receive(chunk, |e| match e {
                crate::RxEvent::Bit(b) => got.push(b),
                e => events.push(e),
            });
        }
        (got, events)
    }

    #[test]
    fn our_receiver_hears_our_transmitter() {
        let mut r = 5u32;
        let bits: Vec<bool> = (0..3000)
            .map(|_| {
                r = r.wrapping_mul(1_103_515_245).wrapping_add(12345);
                r >> 16 & 1 == 1
            })
            .collect();
        for rate in [V29Rate::Bps9600, V29Rate::Bps7200, V29Rate::Bps4800] {
            let (got, events) = round_trip(rate, &bits);
            use crate::RxEvent::*;
            assert_eq!(events, [CarrierUp, TrainingSucceeded, CarrierDown], "{rate:?}");
            assert!(got.len() >= bits.len(), "{rate:?} {}", got.len());
            assert_eq!(&got[..bits.len()], &bits[..], "{rate:?}");
        }
    }

    #[test]
    fn phase_tables_invert() {
        for rate in [V29Rate::Bps9600, V29Rate::Bps4800] {
            let n = if rate == V29Rate::Bps4800 { 4 } else { 8 };
            for b in 0..n {
                assert_eq!(phase_bits(rate, phase_change(rate, b)), b);
            }
        }
    }

    #[test]
    fn training_points_lie_on_the_constellation() {
        for rate in [V29Rate::Bps9600, V29Rate::Bps7200, V29Rate::Bps4800] {
            let pts: Vec<Complex32> = rate.points().iter().map(|&(p, h)| point(p, h)).collect();
            for t in rate.training_points() {
                assert!(pts.iter().any(|p| (p - t).norm() < 1e-6), "{rate:?} {t}");
            }
            let e: f32 = pts.iter().map(|p| p.norm_sqr()).sum::<f32>() / pts.len() as f32;
            assert!((e - rate.mean_energy()).abs() < 1e-4);
        }
    }
}
