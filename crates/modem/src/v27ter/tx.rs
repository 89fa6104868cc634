//! The V.27ter transmitter.

use super::{
    CARRIER_HZ, ConditioningPattern, EQUALIZER_SYMBOLS, ONES_SYMBOLS, REVERSAL_SYMBOLS, ROLL_OFF, SILENCE_SYMBOLS,
    Scrambler27, TAIL_SYMBOLS, TEP_SYMBOLS, V27terRate, phase_change, point,
};
use crate::bits::BitSource;
use crate::qam::Complex32;
use crate::qam::modulator::Modulator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Tep(usize),
    Silence(usize),
    Reversals(usize),
    Conditioning(usize),
    Ones(usize),
    Data,
    Tail(usize),
    Done,
}

/// Sends bits as V.27ter, training first.
#[derive(Debug, Clone)]
pub struct V27terTransmitter {
    rate: V27terRate,
    tep: bool,
    modulator: Modulator,
    stage: Stage,
    pattern: ConditioningPattern,
    scrambler: Scrambler27,
    /// Absolute phase of the last symbol, in 45° steps.
    phase: u8,
}

impl V27terTransmitter {
    /// A transmitter at `rate`, sending at `level_dbm0` (fax: −14), with or without the
    /// talker echo protection tone.
    pub fn new(rate: V27terRate, level_dbm0: f32, tep: bool) -> Self {
        V27terTransmitter {
            rate,
            tep,
            modulator: Modulator::new(rate.baud(), CARRIER_HZ, ROLL_OFF, 2.0, level_dbm0),
            stage: if tep { Stage::Tep(0) } else { Stage::Silence(0) },
            pattern: ConditioningPattern::new(rate),
            scrambler: Scrambler27::default(),
            phase: 0,
        }
    }

    pub fn rate(&self) -> V27terRate {
        self.rate
    }

    /// Starts a new transmission (training again) at the next call.
    pub fn restart(&mut self) {
        self.stage = if self.tep { Stage::Tep(0) } else { Stage::Silence(0) };
        self.pattern = ConditioningPattern::new(self.rate);
        self.phase = 0;
        self.modulator.reset();
    }

    /// Fills `out` with the signal: training, the bits of `source` until it runs dry, then the
    /// closing symbols. Returns the samples written, fewer than `out.len()` when the
    /// transmission has ended (the next call starts a new one).
    pub fn transmit(&mut self, out: &mut [i16], source: &mut impl BitSource) -> usize {
        if self.stage == Stage::Done {
            self.restart();
        }
        for (n, o) in out.iter_mut().enumerate() {
            if self.modulator.symbol_due() {
                match self.next_symbol(source) {
                    Some(s) => self.modulator.push(s),
                    None => {
                        self.stage = Stage::Done;
                        return n;
                    }
                }
            }
            *o = self.modulator.sample();
        }
        out.len()
    }

    fn data_symbol(&mut self, mut bit: impl FnMut() -> bool) -> Complex32 {
        let mut bits = 0u8;
        for _ in 0..self.rate.bits_per_symbol() {
            bits = bits << 1 | u8::from(self.scrambler.scramble(bit()));
        }
        self.phase = (self.phase + phase_change(self.rate, bits)) & 7;
        point(self.phase)
    }

    fn next_symbol(&mut self, source: &mut impl BitSource) -> Option<Complex32> {
        let sym = match self.stage {
            Stage::Tep(i) => {
                self.stage = if i + 1 == TEP_SYMBOLS { Stage::Silence(0) } else { Stage::Tep(i + 1) };
                point(0)
            }
            Stage::Silence(i) => {
                self.stage = if i + 1 == SILENCE_SYMBOLS { Stage::Reversals(0) } else { Stage::Silence(i + 1) };
                Complex32::new(0.0, 0.0)
            }
            Stage::Reversals(i) => {
                self.stage = if i + 1 == REVERSAL_SYMBOLS { Stage::Conditioning(0) } else { Stage::Reversals(i + 1) };
                self.phase = (self.phase + 4) & 7;
                point(self.phase)
            }
            Stage::Conditioning(i) => {
                if self.pattern.next_reverses() {
                    self.phase = (self.phase + 4) & 7;
                }
                if i + 1 == EQUALIZER_SYMBOLS {
                    self.stage = Stage::Ones(0);
                    self.scrambler = self.pattern.scrambler();
                } else {
                    self.stage = Stage::Conditioning(i + 1);
                }
                point(self.phase)
            }
            Stage::Ones(i) => {
                self.stage = if i + 1 == ONES_SYMBOLS { Stage::Data } else { Stage::Ones(i + 1) };
                self.data_symbol(|| true)
            }
            Stage::Data => {
                let Some(first) = source.next_bit() else {
                    self.stage = Stage::Tail(1);
                    return Some(self.data_symbol(|| true));
                };
                let mut pending = Some(first);
                self.data_symbol(|| pending.take().or_else(|| source.next_bit()).unwrap_or(true))
            }
            Stage::Tail(i) => {
                if i == TAIL_SYMBOLS {
                    return None;
                }
                self.stage = Stage::Tail(i + 1);
                self.data_symbol(|| true)
            }
            Stage::Done => return None,
        };
        Some(sym)
    }
}
