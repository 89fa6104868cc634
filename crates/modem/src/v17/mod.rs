//! V.17: 14400, 12000, 9600 and 7200 bit/s, trellis-coded QAM on an 1800 Hz carrier at 2400
//! baud, the fastest of the classic fax modems (T.30 uses it for TCF and pages).
//!
//! Modules: `constellation` (the four signal spaces and the training points A B C D),
//! `scrambler` (the training seed of the shared 1 + x⁻¹⁸ + x⁻²³ scrambler), `trellis` (differential and convolutional coding, and the
//! Viterbi decoder), `tx` (the transmitter: training, data, shutdown tail) and `rx` (the
//! receiver, on the shared QAM blocks).
//!
//! A burst is: an optional TEP (480 symbols of unmodulated carrier, 48 of silence); training
//! segment 1 (256 symbols alternating A and B); segment 2 (scrambled ones two bits a symbol as
//! C D B A — 2976 symbols in a long training, 38 in a short one); in a long training only,
//! segment 3 (64 symbols bridging with the word 0x8880); segment 4 (48 symbols of scrambled
//! ones, fully coded); the data, coded; and a tail of 32 coded symbols of ones and 48 of
//! silence. A short training assumes the receiver kept what it learnt from a long one at the
//! same rate (T.30: TCF long, pages after CFR short).

pub mod constellation;
mod rx;
pub mod scrambler;
pub mod trellis;
mod tx;

pub use rx::V17Receiver;
pub use trellis::{TrellisEncoder, ViterbiDecoder};
pub use tx::V17Transmitter;

/// Carrier frequency.
pub const CARRIER_HZ: f64 = 1800.0;
/// Symbols per second.
pub const BAUD: u32 = 2400;
/// The level SpanDSP and most fax machines send at.
pub const DEFAULT_LEVEL_DBM0: f32 = -14.0;

/// Training segment lengths, in symbols.
pub mod segment {
    /// TEP: unmodulated carrier, then silence.
    pub const TEP_TONE: usize = 480;
    pub const TEP_SILENCE: usize = 48;
    /// Segment 1: A B A B …
    pub const ONE: usize = 256;
    /// Segment 2: C D B A from scrambled ones.
    pub const TWO_LONG: usize = 2976;
    pub const TWO_SHORT: usize = 38;
    /// Segment 3 (long training only): the bridge word.
    pub const THREE: usize = 64;
    /// Segment 4: coded scrambled ones.
    pub const FOUR: usize = 48;
    /// After the data: coded scrambled ones, then silence.
    pub const TAIL_ONES: usize = 32;
    pub const TAIL_SILENCE: usize = 48;
}

/// V.17's bit rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum V17Rate {
    Bps14400,
    Bps12000,
    Bps9600,
    Bps7200,
}

impl V17Rate {
    pub const ALL: [V17Rate; 4] = [V17Rate::Bps14400, V17Rate::Bps12000, V17Rate::Bps9600, V17Rate::Bps7200];

    /// Bits per second.
    pub fn bit_rate(self) -> u32 {
        self.data_bits() * BAUD
    }

    /// Data bits per symbol (one more, Y0, is added by the code).
    pub fn data_bits(self) -> u32 {
        match self {
            V17Rate::Bps14400 => 6,
            V17Rate::Bps12000 => 5,
            V17Rate::Bps9600 => 4,
            V17Rate::Bps7200 => 3,
        }
    }

    pub fn from_bit_rate(bit_rate: u32) -> Option<V17Rate> {
        V17Rate::ALL.into_iter().find(|r| r.bit_rate() == bit_rate)
    }
}

/// Symbols of training before the first data symbol.
pub fn training_symbols(long_training: bool, tep: bool) -> usize {
    let tep = if tep { segment::TEP_TONE + segment::TEP_SILENCE } else { 0 };
    let rest = if long_training {
        segment::ONE + segment::TWO_LONG + segment::THREE + segment::FOUR
    } else {
        segment::ONE + segment::TWO_SHORT + segment::FOUR
    };
    tep + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_lengths_are_the_notes() {
        assert_eq!(training_symbols(true, false), 3344);
        assert_eq!(training_symbols(false, false), 342);
        // TEP adds 220 ms.
        assert_eq!((training_symbols(true, true) - 3344) * 1000 / BAUD as usize, 220);
        assert_eq!(V17Rate::from_bit_rate(12000), Some(V17Rate::Bps12000));
        assert_eq!(V17Rate::Bps7200.bit_rate(), 7200);
    }
}
