//! V.27ter: 4800 bit/s (1600 baud, eight phases) and 2400 bit/s (1200 baud, four phases) on
//! an 1800 Hz carrier, the fax modem every G3 machine has. Each symbol's scrambled tribit or
//! dibit (first bit most significant) picks the phase change from the previous symbol.
//!
//! Training (symbols): optional 320 of unmodulated carrier, then 32 of silence, 50 of 180°
//! reversals, 1074 of equaliser conditioning (0° or 180° by the first of every three bits of
//! the scrambler fed ones, register 0x3C at the start), 8 of scrambled ones; data follows
//! through the same scrambler; after the data 32 symbols of scrambled ones end the signal.
//! The scrambler is 1 + x⁻⁶ + x⁻⁷ with V.27ter's guard against repeating patterns.

mod rx;
mod tx;

pub use rx::V27terReceiver;
pub use tx::V27terTransmitter;

use crate::qam::Complex32;

/// Carrier frequency.
pub const CARRIER_HZ: f64 = 1800.0;
/// Pulse roll-off.
pub const ROLL_OFF: f64 = 0.5;
/// Segment lengths in symbols.
pub const TEP_SYMBOLS: usize = 320;
pub const SILENCE_SYMBOLS: usize = 32;
pub const REVERSAL_SYMBOLS: usize = 50;
pub const EQUALIZER_SYMBOLS: usize = 1074;
pub const ONES_SYMBOLS: usize = 8;
pub const TAIL_SYMBOLS: usize = 32;
/// The scrambler register at the start of segment 4.
pub const TRAINING_SEED: u16 = 0x3C;
/// Scrambled bits per equaliser-conditioning symbol (the first decides the phase).
pub const BITS_PER_CONDITIONING_SYMBOL: usize = 3;

/// A V.27ter bit rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum V27terRate {
    Bps4800,
    Bps2400,
}

impl V27terRate {
    pub fn from_bps(bps: u32) -> Option<Self> {
        match bps {
            4800 => Some(V27terRate::Bps4800),
            2400 => Some(V27terRate::Bps2400),
            _ => None,
        }
    }

    pub fn bps(self) -> u32 {
        match self {
            V27terRate::Bps4800 => 4800,
            V27terRate::Bps2400 => 2400,
        }
    }

    /// Symbols per second.
    pub fn baud(self) -> u32 {
        match self {
            V27terRate::Bps4800 => 1600,
            V27terRate::Bps2400 => 1200,
        }
    }

    pub fn bits_per_symbol(self) -> u32 {
        self.bps() / self.baud()
    }
}

/// The point at absolute phase `phase` (45° steps): radius √2, (±1, ±1) on the diagonals.
pub fn point(phase: u8) -> Complex32 {
    const R: f32 = std::f32::consts::SQRT_2;
    let (re, im) = match phase & 7 {
        0 => (R, 0.0),
        1 => (1.0, 1.0),
        2 => (0.0, R),
        3 => (-1.0, 1.0),
        4 => (-R, 0.0),
        5 => (-1.0, -1.0),
        6 => (0.0, -R),
        _ => (1.0, -1.0),
    };
    Complex32::new(re, im)
}

/// The phase change (45° steps) for a symbol's bits, first bit most significant.
pub(crate) fn phase_change(rate: V27terRate, bits: u8) -> u8 {
    match rate {
        V27terRate::Bps4800 => [1, 0, 2, 3, 6, 7, 5, 4][usize::from(bits & 7)],
        V27terRate::Bps2400 => [0, 2, 6, 4][usize::from(bits & 3)],
    }
}

/// The bits for a phase change (inverse of [`phase_change`]; odd changes at 2400 round down).
pub(crate) fn phase_bits(rate: V27terRate, change: u8) -> u8 {
    match rate {
        V27terRate::Bps4800 => [1, 0, 2, 3, 7, 6, 4, 5][usize::from(change & 7)],
        V27terRate::Bps2400 => [0, 0, 1, 1, 3, 3, 2, 2][usize::from(change & 7)],
    }
}

/// The V.27ter scrambler and descrambler: 1 + x⁻⁶ + x⁻⁷, and a guard that counts line bits
/// equal to one of the bits 8, 9 or 12 places earlier; after 33 in a row the next line bit
/// is inverted (breaking up patterns of period 1, 2, 3, 4, 6, 8, 9 and 12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scrambler27 {
    /// Line bits, bit 0 the latest.
    reg: u16,
    count: u8,
}

impl Scrambler27 {
    pub fn new(seed: u16) -> Self {
        Scrambler27 { reg: seed, count: 0 }
    }

    #[inline]
    fn tap(&self, k: u32) -> bool {
        self.reg >> k & 1 == 1
    }

    /// Whether the line bit `line` continues a repeating pattern; updates the guard.
    #[inline]
    fn guard(&mut self, line: bool) -> bool {
        if self.count >= 33 {
            self.count = 0;
            return true;
        }
        if line != self.tap(7) && line != self.tap(8) && line != self.tap(11) {
            self.count = 0;
        } else {
            self.count += 1;
        }
        false
    }

    /// A data bit in, the line bit out.
    #[inline]
    pub fn scramble(&mut self, bit: bool) -> bool {
        let mut line = bit ^ self.tap(5) ^ self.tap(6);
        if self.count >= 33 {
            line = !line;
            self.count = 0;
        } else {
            self.guard(line);
        }
        self.reg = self.reg << 1 | u16::from(line);
        line
    }

    /// A line bit in, the data bit out.
    #[inline]
    pub fn descramble(&mut self, line: bool) -> bool {
        let mut bit = line ^ self.tap(5) ^ self.tap(6);
        if self.guard(line) {
            bit = !bit;
        }
        self.reg = self.reg << 1 | u16::from(line);
        bit
    }
}

/// The equaliser-conditioning pattern: for each symbol of segment 4, whether it is a 180°
/// step, from a scrambler seeded [`TRAINING_SEED`] fed ones.
#[derive(Debug, Clone, Copy)]
pub struct ConditioningPattern {
    scrambler: Scrambler27,
    bits_per_symbol: usize,
}

impl ConditioningPattern {
    pub fn new(rate: V27terRate) -> Self {
        let bits_per_symbol = match rate {
            V27terRate::Bps4800 => BITS_PER_CONDITIONING_SYMBOL,
            V27terRate::Bps2400 => BITS_PER_CONDITIONING_SYMBOL,
        };
        ConditioningPattern { scrambler: Scrambler27::new(TRAINING_SEED), bits_per_symbol }
    }

    /// Whether the next symbol reverses.
    #[inline]
    pub fn next_reverses(&mut self) -> bool {
        let first = self.scrambler.scramble(true);
        for _ in 1..self.bits_per_symbol {
            self.scrambler.scramble(true);
        }
        first
    }

    /// The scrambler as it stands (data follows on from it).
    pub fn scrambler(&self) -> Scrambler27 {
        self.scrambler
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_4_golden_vector() {
        let mut p = ConditioningPattern::new(V27terRate::Bps4800);
        let s: String = (0..24).map(|_| if p.next_reverses() { 'R' } else { '0' }).collect();
        assert_eq!(s, "0RRRRR0000RRR0R00R0R00RR");
    }

    #[test]
    fn descrambler_undoes_the_guard() {
        let mut s = Scrambler27::new(0x3C);
        let mut d = Scrambler27::new(0x3C);
        // Ones and zeros in long runs make the guard fire.
        for i in 0..5000 {
            let bit = (i / 700) % 2 == 0;
            assert_eq!(d.descramble(s.scramble(bit)), bit, "bit {i}");
        }
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
        for rate in [V27terRate::Bps4800, V27terRate::Bps2400] {
            let mut q = crate::BitQueue::new();
            bits.iter().for_each(|&b| q.push(b));
            let mut tx = V27terTransmitter::new(rate, -14.0, false);
            let mut signal = vec![0i16; 400];
            let mut buf = [0i16; 160];
            while {
                let n = tx.transmit(&mut buf, &mut q);
                signal.extend_from_slice(&buf[..n]);
                n == buf.len()
            } {}
            signal.extend(std::iter::repeat_n(0, 800));
            let mut rx = V27terReceiver::new(rate);
            let mut got = Vec::new();
            let mut events = Vec::new();
            for chunk in signal.chunks(160) {
                rx.receive(chunk, |e| match e {
                    crate::RxEvent::Bit(b) => got.push(b),
                    e => events.push(e),
                });
            }
            use crate::RxEvent::*;
            assert_eq!(events, [CarrierUp, TrainingSucceeded, CarrierDown], "{rate:?}");
            assert!(got.len() >= bits.len(), "{rate:?} {}", got.len());
            let errors = got.iter().zip(&bits).filter(|(a, b)| a != b).count();
            assert_eq!(errors, 0, "{rate:?}");
        }
    }

    #[test]
    fn phase_tables_invert() {
        for b in 0..8 {
            assert_eq!(phase_bits(V27terRate::Bps4800, phase_change(V27terRate::Bps4800, b)), b);
        }
        for b in 0..4 {
            assert_eq!(phase_bits(V27terRate::Bps2400, phase_change(V27terRate::Bps2400, b)), b);
        }
    }
}
