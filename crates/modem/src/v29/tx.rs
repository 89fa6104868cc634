//! The V.29 transmitter.

use super::{
    ALTERNATION_SYMBOLS, BAUD, CARRIER_HZ, EQUALIZER_SYMBOLS, ONES_SYMBOLS, ROLL_OFF, SILENCE_SYMBOLS, TAIL_SYMBOLS,
    TEP_SYMBOLS, TrainingGenerator, V29Rate, phase_change, point,
};
use crate::bits::BitSource;
use crate::qam::Complex32;
use crate::qam::modulator::Modulator;
use crate::qam::scrambler::Scrambler23;

/// Where the transmitter is in its signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Tep(usize),
    Silence(usize),
    Alternation(usize),
    Equalizer(usize),
    Ones(usize),
    Data,
    Tail(usize),
    Done,
}

/// Sends bits as V.29, training first.
#[derive(Debug, Clone)]
pub struct V29Transmitter {
    rate: V29Rate,
    tep: bool,
    modulator: Modulator,
    stage: Stage,
    generator: TrainingGenerator,
    scrambler: Scrambler23,
    /// Absolute phase of the last symbol, in 45° steps.
    phase: u8,
}

impl V29Transmitter {
    /// A transmitter at `rate`, sending at `level_dbm0` (fax: −14), with or without the
    /// 200 ms talker echo protection tone.
    pub fn new(rate: V29Rate, level_dbm0: f32, tep: bool) -> Self {
        V29Transmitter {
            rate,
            tep,
            modulator: Modulator::new(BAUD, CARRIER_HZ, ROLL_OFF, rate.mean_energy(), level_dbm0),
            stage: Self::first_stage(tep),
            generator: TrainingGenerator::default(),
            scrambler: Scrambler23::default(),
            phase: 0,
        }
    }

    fn first_stage(tep: bool) -> Stage {
        if tep { Stage::Tep(0) } else { Stage::Silence(0) }
    }

    pub fn rate(&self) -> V29Rate {
        self.rate
    }

    /// Starts a new transmission (training again) at the next call.
    pub fn restart(&mut self) {
        self.stage = Self::first_stage(self.tep);
        self.generator = TrainingGenerator::default();
        self.scrambler = Scrambler23::default();
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

    /// A data-coded symbol from the bits `bit` gives, first bit first.
    fn data_symbol(&mut self, mut bit: impl FnMut(&mut Scrambler23) -> bool) -> Complex32 {
        let mut high = false;
        if self.rate == V29Rate::Bps9600 {
            high = bit(&mut self.scrambler);
        }
        let n = if self.rate == V29Rate::Bps4800 { 2 } else { 3 };
        let mut bits = 0u8;
        for _ in 0..n {
            bits = bits << 1 | u8::from(bit(&mut self.scrambler));
        }
        self.phase = (self.phase + phase_change(self.rate, bits)) & 7;
        point(self.phase, high)
    }

    fn ones_symbol(&mut self) -> Complex32 {
        self.data_symbol(|s| s.scramble(true))
    }

    fn next_symbol(&mut self, source: &mut impl BitSource) -> Option<Complex32> {
        let [a, b, c, d] = self.rate.training_points();
        let zero = Complex32::new(0.0, 0.0);
        let sym = match self.stage {
            Stage::Tep(i) => {
                self.stage = if i + 1 == TEP_SYMBOLS { Stage::Silence(0) } else { Stage::Tep(i + 1) };
                Complex32::new(3.0, 0.0)
            }
            Stage::Silence(i) => {
                self.stage = if i + 1 == SILENCE_SYMBOLS { Stage::Alternation(0) } else { Stage::Silence(i + 1) };
                zero
            }
            Stage::Alternation(i) => {
                self.stage = if i + 1 == ALTERNATION_SYMBOLS { Stage::Equalizer(0) } else { Stage::Alternation(i + 1) };
                if i % 2 == 0 { b } else { a }
            }
            Stage::Equalizer(i) => {
                self.stage = if i + 1 == EQUALIZER_SYMBOLS { Stage::Ones(0) } else { Stage::Equalizer(i + 1) };
                let (p, phase) = if self.generator.next_is_d() { (d, 3) } else { (c, 0) };
                self.phase = if self.rate == V29Rate::Bps4800 && phase == 3 { 2 } else { phase };
                p
            }
            Stage::Ones(i) => {
                self.stage = if i + 1 == ONES_SYMBOLS { Stage::Data } else { Stage::Ones(i + 1) };
                self.ones_symbol()
            }
            Stage::Data => {
                let Some(first) = source.next_bit() else {
                    self.stage = Stage::Tail(1);
                    return Some(self.ones_symbol());
                };
                let mut pending = Some(first);
                self.data_symbol(|s| {
                    // Pad a symbol the source cannot fill with ones.
                    let b = pending.take().or_else(|| source.next_bit()).unwrap_or(true);
                    s.scramble(b)
                })
            }
            Stage::Tail(i) => {
                if i == TAIL_SYMBOLS {
                    return None;
                }
                self.stage = Stage::Tail(i + 1);
                self.ones_symbol()
            }
            Stage::Done => return None,
        };
        Some(sym)
    }
}
