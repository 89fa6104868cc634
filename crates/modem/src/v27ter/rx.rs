//! The V.27ter receiver: carrier detection, then on the 180° reversals symbol timing, the
//! gain and a coarse carrier (frequency from the turn between symbols, phase from the
//! squared symbols), the first symbol that does not reverse taken as the start of segment 4,
//! the equaliser trained on the 0°/180° conditioning pattern, and data decisions,
//! differential decoding and descrambling (the descrambler continues from the pattern's
//! scrambler, guard counter included) after the 8 symbols of segment 5.

use super::{CARRIER_HZ, ConditioningPattern, EQUALIZER_SYMBOLS, ONES_SYMBOLS, Scrambler27, TEP_SYMBOLS, V27terRate};
use super::{phase_bits, point};
use crate::level::{CarrierChange, CarrierDetector, mean_square};
use crate::qam::agc::{LevelChange, LevelWatch};
use crate::qam::demodulator::Demodulator;
use crate::qam::equalizer::Equalizer;
use crate::qam::frontend::FrontEnd;
use crate::qam::{Complex32, angle, nearest};
use crate::rx::RxEvent;

const ON_DBM0: f32 = -45.5;
const OFF_DBM0: f32 = -50.5;
/// Symbols for timing to settle, then for the gain, then for the coarse carrier.
const SETTLE: u32 = 10;
const GAIN: u32 = 16;
const COARSE: u32 = 28;
/// Give up on finding segment 4 this long after the carrier came up.
const FIND_LIMIT: u32 = TEP_SYMBOLS as u32 + 120;
/// Training passes when the mean squared error over the last 64 symbols of segment 4 is below
/// this fraction of the symbol energy (2).
const MAX_TRAINING_ERROR: f32 = 0.15;
const ENERGY: f32 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Idle,
    Acquire(u32),
    /// Following the reversals; `pending`: the last symbol did not reverse.
    Reversals {
        n: u32,
        pending: bool,
    },
    Train(usize),
    Ones(usize),
    Data,
    Failed,
}

/// Demodulates V.27ter.
#[derive(Debug, Clone)]
pub struct V27terReceiver {
    rate: V27terRate,
    demod: Demodulator,
    carrier: CarrierDetector,
    stage: Stage,
    points: [Complex32; 8],
    pattern: ConditioningPattern,
    descrambler: Scrambler27,
    /// The training reference point (turns 180° on every reversal).
    reference: Complex32,
    last_phase: u8,
    turn: Complex32,
    square: Complex32,
    coarse: [Complex32; (COARSE - GAIN) as usize],
    error_sum: f32,
    level: LevelWatch,
    reported_failure: bool,
    /// Running mean energy of the data symbols.
    symbol_power: f32,
}

impl V27terReceiver {
    pub fn new(rate: V27terRate) -> Self {
        let front = FrontEnd::new(CARRIER_HZ, rate.baud(), 0.5, 6.0);
        let demod = Demodulator::new(front, Equalizer::new(33, 16), ENERGY);
        V27terReceiver {
            rate,
            demod,
            carrier: CarrierDetector::new(ON_DBM0, OFF_DBM0, 32.0),
            stage: Stage::Idle,
            points: std::array::from_fn(|i| point(i as u8)),
            pattern: ConditioningPattern::new(rate),
            descrambler: Scrambler27::default(),
            reference: point(0),
            last_phase: 0,
            turn: Complex32::new(0.0, 0.0),
            square: Complex32::new(0.0, 0.0),
            coarse: [Complex32::new(0.0, 0.0); (COARSE - GAIN) as usize],
            error_sum: 0.0,
            level: LevelWatch::default(),
            reported_failure: false,
            symbol_power: 0.0,
        }
    }

    pub fn rate(&self) -> V27terRate {
        self.rate
    }

    pub fn carrier(&self) -> bool {
        self.carrier.present()
    }

    /// The carrier frequency error the loop has found, in Hz.
    pub fn carrier_offset_hz(&self) -> f32 {
        self.demod.carrier.frequency() * self.rate.baud() as f32 / (2.0 * std::f32::consts::PI)
    }

    /// Starts over, waiting for a carrier.
    pub fn reset(&mut self) {
        self.carrier.reset();
        self.stage = Stage::Idle;
        self.reported_failure = false;
    }

    fn arm(&mut self) {
        let power = 2.0 * mean_square(self.carrier.level_dbm0());
        self.demod.reset((ENERGY / power.max(1.0)).sqrt());
        self.demod.timing.set_gains(0.15, 0.0);
        self.demod.set_tracking(true);
        self.demod.set_measuring(false);
        self.demod.carrier.set_gains(0.0, 0.0);
        self.pattern = ConditioningPattern::new(self.rate);
        self.turn = Complex32::new(0.0, 0.0);
        self.square = Complex32::new(0.0, 0.0);
        self.level.set(self.carrier.level_dbm0());
        self.stage = Stage::Acquire(0);
    }

    fn fail(&mut self, on_event: &mut impl FnMut(RxEvent)) {
        if !self.reported_failure {
            self.reported_failure = true;
            on_event(RxEvent::TrainingFailed);
        }
        self.level.set(self.carrier.level_dbm0());
        self.stage = Stage::Failed;
    }

    /// Demodulates `samples`, reporting to `on_event`.
    pub fn receive(&mut self, samples: &[i16], mut on_event: impl FnMut(RxEvent)) {
        for &x in samples {
            let x = f32::from(x);
            match self.carrier.update(x) {
                Some(CarrierChange::Up) => {
                    self.reported_failure = false;
                    self.arm();
                    on_event(RxEvent::CarrierUp);
                }
                Some(CarrierChange::Down) => {
                    self.stage = Stage::Idle;
                    on_event(RxEvent::CarrierDown);
                }
                None => {}
            }
            match self.stage {
                Stage::Idle => continue,
                Stage::Failed => {
                    if self.level.waiting(self.carrier.level_dbm0()) {
                        self.arm();
                    }
                    continue;
                }
                Stage::Acquire(_) | Stage::Reversals { .. } => match self.level.check(self.carrier.level_dbm0()) {
                    LevelChange::Steady => {}
                    LevelChange::Rose => self.arm(),
                    LevelChange::Fell => {
                        self.level.set(self.carrier.level_dbm0());
                        self.stage = Stage::Failed;
                        continue;
                    }
                },
                _ => {}
            }
            if let Some(z) = self.demod.push(x) {
                self.symbol(z, &mut on_event);
            }
        }
    }

    /// A lost block of `samples` (e.g. a 20 ms packet): timing and carrier move on without
    /// audio; the bits of the lost symbols are not reported.
    pub fn fill_in(&mut self, samples: usize) {
        if matches!(self.stage, Stage::Idle | Stage::Failed) {
            return;
        }
        self.demod.skip(samples);
    }

    fn symbol(&mut self, z: Complex32, on_event: &mut impl FnMut(RxEvent)) {
        match self.stage {
            Stage::Acquire(n) => {
                let n = n + 1;
                if n == SETTLE / 2 || n == SETTLE {
                    self.demod.check_alternation();
                }
                if n == SETTLE - 3 {
                    self.demod.restart_alternation_check();
                }
                if n == SETTLE {
                    self.demod.set_measuring(true);
                    self.demod.timing.set_gains(0.05, 0.0005);
                }
                if n == GAIN {
                    if !self.demod.lock_gain(ENERGY) {
                        self.fail(on_event);
                        return;
                    }
                    // The level meter has settled by now: later rises are new signals.
                    self.level.set(self.carrier.level_dbm0());
                }
                if n > GAIN {
                    self.coarse[(n - GAIN - 1) as usize] = z;
                }
                if n == COARSE {
                    self.coarse_carrier();
                    return;
                }
                self.stage = Stage::Acquire(n);
            }
            Stage::Reversals { n, pending } => {
                if n > FIND_LIMIT {
                    self.fail(on_event);
                    return;
                }
                // Binary decision: the reference or its opposite.
                let same = (z * self.reference.conj()).re > 0.0;
                if pending {
                    if !same {
                        // "0 R": segment 4 began with the symbol before this one.
                        self.pattern = ConditioningPattern::new(self.rate);
                        self.pattern.next_reverses();
                        self.pattern.next_reverses();
                        self.reference = -self.reference;
                        self.demod.learn(z, self.reference, 0.0);
                        self.error_sum = 0.0;
                        self.demod.carrier.set_gains(0.1, 0.004);
                        self.stage = Stage::Train(2);
                        return;
                    }
                    // Two without a reversal: still not training (e.g. the echo tone).
                    self.demod.learn(z, self.reference, 0.0);
                    self.stage = Stage::Reversals { n: n + 1, pending: false };
                    return;
                }
                if same {
                    self.demod.learn(z, self.reference, 0.0);
                    self.stage = Stage::Reversals { n: n + 1, pending: true };
                } else {
                    self.reference = -self.reference;
                    self.demod.learn(z, self.reference, 0.0);
                    self.stage = Stage::Reversals { n: n + 1, pending: false };
                }
            }
            Stage::Train(i) => {
                if self.pattern.next_reverses() {
                    self.reference = -self.reference;
                }
                self.demod.learn(z, self.reference, 0.25);
                if i + 64 >= EQUALIZER_SYMBOLS {
                    self.error_sum += (z - self.reference).norm_sqr();
                }
                if i + 1 < EQUALIZER_SYMBOLS {
                    self.stage = Stage::Train(i + 1);
                    return;
                }
                if self.error_sum / 64.0 > MAX_TRAINING_ERROR * ENERGY {
                    self.fail(on_event);
                    return;
                }
                self.last_phase = nearest(&self.points, self.reference) as u8;
                self.descrambler = self.pattern.scrambler();
                self.demod.timing.set_gains(0.02, 0.0002);
                self.demod.carrier.set_gains(0.05, 0.001);
                self.stage = Stage::Ones(0);
            }
            Stage::Ones(i) => {
                self.decide(z, 0.05, |_| {});
                if i + 1 < ONES_SYMBOLS {
                    self.stage = Stage::Ones(i + 1);
                    return;
                }
                self.stage = Stage::Data;
                self.symbol_power = ENERGY;
                on_event(RxEvent::TrainingSucceeded);
            }
            Stage::Data => {
                // The signal has ended when the symbols fade, well before the power meter
                // falls through its threshold: no bits are made up from the silence.
                self.symbol_power += (z.norm_sqr() - self.symbol_power) * 0.25;
                if self.symbol_power < 0.1 * ENERGY {
                    self.carrier.reset();
                    self.stage = Stage::Idle;
                    on_event(RxEvent::CarrierDown);
                    return;
                }
                self.decide(z, 0.03, |b| on_event(RxEvent::Bit(b)));
            }
            Stage::Idle | Stage::Failed => {}
        }
    }

    /// The coarse carrier from the reversals: frequency from the turn between neighbouring
    /// symbols (less the 180°), phase from the squared symbols (the sign does not matter: the
    /// coding is differential).
    fn coarse_carrier(&mut self) {
        let mut turn = Complex32::new(0.0, 0.0);
        for w in self.coarse.windows(2) {
            turn += -(w[1] * w[0].conj());
        }
        let freq = angle(turn);
        // More than ±60 Hz of turn is not a reversal segment (the echo protection tone turns
        // by 180° per symbol here): wait for a gap and a new signal.
        if freq.abs() > 2.0 * std::f32::consts::PI * 60.0 / self.rate.baud() as f32 {
            self.level.set(self.carrier.level_dbm0());
            self.stage = Stage::Failed;
            return;
        }
        let mut square = Complex32::new(0.0, 0.0);
        for (k, z) in self.coarse.iter().enumerate() {
            let back = z * Complex32::from_polar(1.0, -freq * k as f32);
            square += back * back;
        }
        let phase = angle(square) / 2.0;
        let len = self.coarse.len() as f32;
        self.demod.carrier.set(phase + freq * len, freq);
        self.demod.carrier.set_gains(0.1, 0.002);
        // The reference is the last symbol's point; the next should be its opposite.
        let last = self.coarse[self.coarse.len() - 1] * Complex32::from_polar(1.0, -phase - freq * (len - 1.0));
        self.reference = if last.re > 0.0 { point(0) } else { -point(0) };
        self.stage = Stage::Reversals { n: COARSE, pending: false };
    }

    fn decide(&mut self, z: Complex32, mu: f32, mut bit: impl FnMut(bool)) {
        let candidates: &[u8] = match self.rate {
            V27terRate::Bps4800 => &[0, 1, 2, 3, 4, 5, 6, 7],
            V27terRate::Bps2400 => &[0, 2, 4, 6],
        };
        let mut best = candidates[0];
        let mut best_d = f32::INFINITY;
        for &p in candidates {
            let d = (z - self.points[usize::from(p)]).norm_sqr();
            if d < best_d {
                best_d = d;
                best = p;
            }
        }
        self.demod.learn(z, self.points[usize::from(best)], mu);
        let change = best.wrapping_sub(self.last_phase) & 7;
        self.last_phase = best;
        let bits = phase_bits(self.rate, change);
        for k in (0..self.rate.bits_per_symbol()).rev() {
            bit(self.descrambler.descramble(bits >> k & 1 == 1));
        }
    }
}
