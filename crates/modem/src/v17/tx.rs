//! The V.17 transmitter: training, scrambled trellis-coded data from a [`BitSource`], and the
//! shutdown tail, as 8 kHz samples.
//!
//! Symbols are shaped and put on the 1800 Hz carrier by the shared polyphase
//! root-raised-cosine [`Modulator`] (25 % roll-off; 10/3 samples a symbol). The output level
//! is set for the data: a data signal's mean power is `level_dbm0`.

use super::constellation::{self, A, ABCD, B, C, D};
use super::scrambler::{Scrambler23, TRAINING_SEED};
use super::trellis::TrellisEncoder;
use super::{BAUD, CARRIER_HZ, V17Rate, segment};
use crate::bits::BitSource;
use crate::qam::Complex32;
use crate::qam::modulator::Modulator;

/// Pulse roll-off.
const ROLL_OFF: f64 = 0.25;
/// The word segment 3 sends, least significant bit first.
const BRIDGE_WORD: u16 = 0x8880;

/// Where in the burst the transmitter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    TepTone,
    TepSilence,
    Segment1,
    Segment2,
    Segment3,
    Segment4,
    Data,
    TailOnes,
    TailSilence,
    Finished,
}

/// Sends V.17 (see the module documentation of [`super`]).
#[derive(Debug, Clone)]
pub struct V17Transmitter {
    rate: V17Rate,
    long_training: bool,
    tep: bool,
    level_dbm0: f32,
    modulator: Modulator,
    stage: Stage,
    /// Symbols sent in the current stage.
    count: usize,
    scrambler: Scrambler23,
    /// The training point last sent in segments 2 and 3 (index into ABCD).
    abcd: usize,
    trellis: TrellisEncoder,
    map: &'static [(i8, i8)],
}

impl V17Transmitter {
    /// A transmitter for a burst at `rate`, with a long or a short training, at `level_dbm0`
    /// ([`super::DEFAULT_LEVEL_DBM0`] is usual), with or without TEP.
    pub fn new(rate: V17Rate, long_training: bool, level_dbm0: f32, tep: bool) -> Self {
        let map = constellation::map(rate.data_bits());
        let mut tx = V17Transmitter {
            rate,
            long_training,
            tep,
            level_dbm0,
            modulator: Modulator::new(BAUD, CARRIER_HZ, ROLL_OFF, constellation::mean_power(map), level_dbm0),
            stage: Stage::Finished,
            count: 0,
            scrambler: Scrambler23::new(TRAINING_SEED),
            abcd: 0,
            trellis: TrellisEncoder::new(1),
            map,
        };
        tx.restart(rate, long_training, tep);
        tx
    }

    /// Prepares the next burst: from the start of its training (T.30: long for TCF and
    /// after FTT, short for pages after CFR).
    pub fn restart(&mut self, rate: V17Rate, long_training: bool, tep: bool) {
        self.rate = rate;
        self.long_training = long_training;
        self.tep = tep;
        if self.map.len() != constellation::map(rate.data_bits()).len() {
            self.map = constellation::map(rate.data_bits());
            self.modulator =
                Modulator::new(BAUD, CARRIER_HZ, ROLL_OFF, constellation::mean_power(self.map), self.level_dbm0);
        }
        self.modulator.reset();
        self.stage = if tep { Stage::TepTone } else { Stage::Segment1 };
        self.count = 0;
        self.scrambler = Scrambler23::new(TRAINING_SEED);
        self.abcd = 0;
    }

    pub fn rate(&self) -> V17Rate {
        self.rate
    }

    /// Whether the burst is over (until [`Self::restart`]).
    pub fn is_finished(&self) -> bool {
        self.stage == Stage::Finished
    }

    /// Fills `out` with the burst: training, then the bits `source` gives, scrambled and
    /// coded, then — once the source has run dry — the shutdown tail. Returns the samples
    /// written: fewer than `out.len()` when the burst ended (then 0 until a restart).
    pub fn transmit(&mut self, out: &mut [i16], source: &mut impl BitSource) -> usize {
        for (n, o) in out.iter_mut().enumerate() {
            if self.modulator.symbol_due() {
                let Some(symbol) = self.next_symbol(source) else {
                    return n;
                };
                self.modulator.push(symbol);
            }
            *o = self.modulator.sample();
        }
        out.len()
    }

    /// The next symbol's point, or `None` when the burst is over.
    fn next_symbol(&mut self, source: &mut impl BitSource) -> Option<Complex32> {
        loop {
            let (limit, next) = match self.stage {
                Stage::TepTone => (segment::TEP_TONE, Stage::TepSilence),
                Stage::TepSilence => (segment::TEP_SILENCE, Stage::Segment1),
                Stage::Segment1 => (segment::ONE, Stage::Segment2),
                Stage::Segment2 if self.long_training => (segment::TWO_LONG, Stage::Segment3),
                Stage::Segment2 => (segment::TWO_SHORT, Stage::Segment4),
                Stage::Segment3 => (segment::THREE, Stage::Segment4),
                Stage::Segment4 => (segment::FOUR, Stage::Data),
                Stage::Data => (usize::MAX, Stage::TailOnes),
                Stage::TailOnes => (segment::TAIL_ONES, Stage::TailSilence),
                Stage::TailSilence => (segment::TAIL_SILENCE, Stage::Finished),
                Stage::Finished => return None,
            };
            if self.count >= limit {
                self.stage = next;
                self.count = 0;
                continue;
            }
            let first = self.count == 0;
            self.count += 1;
            let point = match self.stage {
                Stage::TepTone => A,
                Stage::TepSilence | Stage::TailSilence => return Some(Complex32::new(0.0, 0.0)),
                Stage::Segment1 => {
                    if self.count % 2 == 1 {
                        A
                    } else {
                        B
                    }
                }
                Stage::Segment2 => {
                    if first {
                        self.scrambler = Scrambler23::new(TRAINING_SEED);
                    }
                    let b1 = self.scrambler.scramble(true);
                    let b2 = self.scrambler.scramble(true);
                    let p = match (b1, b2) {
                        (false, false) => C,
                        (false, true) => D,
                        (true, false) => B,
                        (true, true) => A,
                    };
                    self.abcd = ABCD.iter().position(|&x| x == p).unwrap_or(0);
                    p
                }
                Stage::Segment3 => {
                    let at = 2 * (self.count - 1) % 16;
                    let b1 = self.scrambler.scramble((BRIDGE_WORD >> at) & 1 == 1);
                    let b2 = self.scrambler.scramble((BRIDGE_WORD >> (at + 1)) & 1 == 1);
                    let step = match (b1, b2) {
                        (false, false) => 1,
                        (false, true) => 0,
                        (true, false) => 2,
                        (true, true) => 3,
                    };
                    self.abcd = (self.abcd + step) % 4;
                    ABCD[self.abcd]
                }
                Stage::Segment4 => {
                    if first {
                        self.trellis = TrellisEncoder::new(if self.long_training { 1 } else { 0 });
                    }
                    self.coded_ones()
                }
                Stage::TailOnes => self.coded_ones(),
                Stage::Data => {
                    let mut q = 0u32;
                    for b in 0..self.rate.data_bits() {
                        let bit = match source.next_bit() {
                            Some(bit) => bit,
                            None if b == 0 => {
                                self.stage = Stage::TailOnes;
                                self.count = 0;
                                break;
                            }
                            // The source ran dry within a symbol: fill it with ones.
                            None => true,
                        };
                        q |= u32::from(self.scrambler.scramble(bit)) << b;
                    }
                    if self.stage != Stage::Data {
                        continue;
                    }
                    self.map[self.trellis.encode(q)]
                }
                Stage::Finished => return None,
            };
            return Some(Complex32::new(f32::from(point.0), f32::from(point.1)));
        }
    }

    /// A symbol of scrambled ones, coded.
    fn coded_ones(&mut self) -> (i8, i8) {
        let mut q = 0u32;
        for b in 0..self.rate.data_bits() {
            q |= u32::from(self.scrambler.scramble(true)) << b;
        }
        self.map[self.trellis.encode(q)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bits::BitQueue;
    use crate::level::block_dbm0;

    fn burst(rate: V17Rate, long: bool, tep: bool, data_bits: usize) -> Vec<i16> {
        let mut q = BitQueue::new();
        q.push_repeated(false, data_bits);
        let mut tx = V17Transmitter::new(rate, long, -14.0, tep);
        let mut all = Vec::new();
        let mut buf = [0i16; 160];
        loop {
            let n = tx.transmit(&mut buf, &mut q);
            all.extend_from_slice(&buf[..n]);
            if n < buf.len() {
                break;
            }
        }
        assert!(tx.is_finished());
        assert_eq!(tx.transmit(&mut buf, &mut q), 0);
        all
    }

    #[test]
    fn burst_lengths_follow_the_segments() {
        // Symbols: training + data + 32 + 48; 10/3 samples each, rounded up to whole samples.
        for (long, tep) in [(true, false), (false, false), (true, true)] {
            let rate = V17Rate::Bps14400;
            let data_symbols = 100;
            let signal = burst(rate, long, tep, data_symbols * 6);
            let symbols = super::super::training_symbols(long, tep) + data_symbols + 80;
            assert_eq!(signal.len(), (symbols * 10).div_ceil(3), "long {long} tep {tep}");
        }
    }

    #[test]
    fn data_is_sent_at_the_level_asked() {
        for rate in V17Rate::ALL {
            let signal = burst(rate, false, false, 24_000);
            // The data part: after the short training, before the tail.
            let start = 342 * 10 / 3 + 100;
            let level = block_dbm0(&signal[start..signal.len() - 400]);
            assert!((level + 14.0).abs() < 0.3, "{rate:?}: {level} dBm0");
        }
    }

    #[test]
    fn same_input_same_output() {
        assert_eq!(burst(V17Rate::Bps9600, true, true, 1000), burst(V17Rate::Bps9600, true, true, 1000));
    }
}
