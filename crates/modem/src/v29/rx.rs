//! The V.29 receiver: carrier detection, then on the A B A B segment symbol timing, the gain
//! and a coarse carrier phase and frequency (from which of A and B is which), the jump to
//! segment 3 found by its first two points (C D), the equaliser trained on the 7-bit
//! generator's C/D sequence, the result checked on segment 4 (scrambled ones must come back as
//! ones), and data decisions, differential decoding and descrambling after that.

use super::{
    ALTERNATION_SYMBOLS, BAUD, CARRIER_HZ, EQUALIZER_SYMBOLS, ONES_SYMBOLS, TEP_SYMBOLS, TrainingGenerator, V29Rate,
    phase_bits, point,
};
use crate::level::{CarrierChange, CarrierDetector};
use crate::qam::agc::{LevelChange, LevelWatch};
use crate::qam::demodulator::Demodulator;
use crate::qam::equalizer::Equalizer;
use crate::qam::frontend::FrontEnd;
use crate::qam::scrambler::Scrambler23;
use crate::qam::{Complex32, angle, nearest};
use crate::rx::RxEvent;

/// Carrier on and off levels (dBm0).
const ON_DBM0: f32 = -45.5;
const OFF_DBM0: f32 = -50.5;
/// Symbols for timing to settle, then for the gain, then for the coarse carrier.
const SETTLE: u32 = 16;
const GAIN: u32 = 32;
const COARSE: u32 = 56;
/// Give up on finding segment 3 this long after the carrier came up.
const FIND_LIMIT: u32 = (TEP_SYMBOLS + ALTERNATION_SYMBOLS) as u32 + 100;
/// Training passes when the mean squared error over the last symbols of segment 3 is below
/// this fraction of the mean symbol energy.
const MAX_TRAINING_ERROR: f32 = 0.1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Idle,
    /// On the alternation, `n` symbols since the carrier came up.
    Acquire(u32),
    /// Following A B A B; `a_next`: the next symbol should be A.
    Alternation {
        n: u32,
        a_next: bool,
        candidate: bool,
    },
    /// Segment 3, symbol `i`.
    Train(usize),
    /// Segment 4, symbol `i`.
    Ones(usize),
    Data,
    /// Training failed: wait for the carrier to drop or the level to rise.
    Failed,
}

/// Demodulates V.29.
#[derive(Debug, Clone)]
pub struct V29Receiver {
    rate: V29Rate,
    demod: Demodulator,
    carrier: CarrierDetector,
    stage: Stage,
    /// The data points with their (phase, amplitude).
    points: Vec<Complex32>,
    generator: TrainingGenerator,
    descrambler: Scrambler23,
    /// Phase (45° steps) of the last decided symbol.
    last_phase: u8,
    /// Coarse carrier: sums of z(k)·conj(z(k−2)) and the last two symbols.
    history: [Complex32; 2],
    drift: Complex32,
    /// Symbols stored for the coarse phase estimate.
    coarse: [Complex32; (COARSE - GAIN) as usize],
    error_sum: f32,
    ones: u32,
    level: LevelWatch,
    reported_failure: bool,
    /// Running mean energy of the data symbols.
    symbol_power: f32,
}

impl V29Receiver {
    pub fn new(rate: V29Rate) -> Self {
        let front = FrontEnd::new(CARRIER_HZ, BAUD, 0.5, 8.0);
        let demod = Demodulator::new(front, Equalizer::new(33, 16), rate.mean_energy());
        V29Receiver {
            rate,
            demod,
            carrier: CarrierDetector::new(ON_DBM0, OFF_DBM0, 32.0),
            stage: Stage::Idle,
            points: rate.points().iter().map(|&(p, h)| point(p, h)).collect(),
            generator: TrainingGenerator::default(),
            descrambler: Scrambler23::default(),
            last_phase: 0,
            history: [Complex32::new(0.0, 0.0); 2],
            drift: Complex32::new(0.0, 0.0),
            coarse: [Complex32::new(0.0, 0.0); (COARSE - GAIN) as usize],
            error_sum: 0.0,
            ones: 0,
            level: LevelWatch::default(),
            reported_failure: false,
            symbol_power: 0.0,
        }
    }

    pub fn rate(&self) -> V29Rate {
        self.rate
    }

    /// Whether a carrier is present.
    pub fn carrier(&self) -> bool {
        self.carrier.present()
    }

    /// The carrier frequency error the loop has found, in Hz.
    pub fn carrier_offset_hz(&self) -> f32 {
        self.demod.carrier.frequency() * BAUD as f32 / (2.0 * std::f32::consts::PI)
    }

    /// Starts over, waiting for a carrier.
    pub fn reset(&mut self) {
        self.carrier.reset();
        self.stage = Stage::Idle;
        self.reported_failure = false;
    }

    fn arm(&mut self) {
        // A first gain from the level that raised the carrier (a passband mean square P is a
        // baseband energy 2P); the preamble sets it properly.
        let power = 2.0 * crate::level::mean_square(self.carrier.level_dbm0());
        self.demod.reset((self.rate.mean_energy() / power.max(1.0)).sqrt());
        self.demod.timing.set_gains(0.15, 0.0);
        self.demod.set_tracking(true);
        self.demod.set_measuring(false);
        self.demod.carrier.set_gains(0.0, 0.0);
        self.generator = TrainingGenerator::default();
        self.drift = Complex32::new(0.0, 0.0);
        self.history = [Complex32::new(0.0, 0.0); 2];
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
            if self.stage == Stage::Idle {
                continue;
            }
            if self.stage == Stage::Failed {
                // Re-arm when a new signal starts over what failed (never park on noise).
                if self.level.waiting(self.carrier.level_dbm0()) {
                    self.arm();
                }
                continue;
            }
            if matches!(self.stage, Stage::Acquire(_) | Stage::Alternation { .. }) {
                match self.level.check(self.carrier.level_dbm0()) {
                    LevelChange::Steady => {}
                    LevelChange::Rose => self.arm(),
                    LevelChange::Fell => {
                        self.level.set(self.carrier.level_dbm0());
                        self.stage = Stage::Failed;
                    }
                }
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
        let [a, b, c, d] = self.rate.training_points();
        match self.stage {
            Stage::Acquire(n) => {
                let n = n + 1;
                if n == SETTLE / 2 || n == SETTLE {
                    self.demod.check_alternation();
                }
                if n == SETTLE - 4 {
                    self.demod.restart_alternation_check();
                }
                if n == SETTLE {
                    self.demod.set_measuring(true);
                    self.demod.timing.set_gains(0.05, 0.0005);
                }
                if n == GAIN {
                    let energy = (a.norm_sqr() + b.norm_sqr()) / 2.0;
                    if !self.demod.lock_gain(energy) {
                        self.fail(on_event);
                        return;
                    }
                    self.level.set(self.carrier.level_dbm0());
                }
                if n > GAIN {
                    let k = (n - GAIN - 1) as usize;
                    self.coarse[k] = z;
                    self.drift += z * self.history[0].conj();
                }
                self.history = [self.history[1], z];
                if n == COARSE {
                    self.coarse_carrier(a, b);
                    return;
                }
                self.stage = Stage::Acquire(n);
            }
            Stage::Alternation { n, a_next, candidate } => {
                let expected = if a_next { a } else { b };
                if n > FIND_LIMIT {
                    self.fail(on_event);
                    return;
                }
                if candidate {
                    // After a C in place of an A, a D in place of a B confirms segment 3.
                    if (z - d).norm_sqr() < (z - expected).norm_sqr() {
                        self.generator = TrainingGenerator::default();
                        self.generator.next_is_d();
                        self.generator.next_is_d();
                        self.demod.learn(z, d, 0.0);
                        self.error_sum = 0.0;
                        self.demod.carrier.set_gains(0.1, 0.004);
                        self.stage = Stage::Train(2);
                        return;
                    }
                    self.demod.learn(z, expected, 0.0);
                    self.stage = Stage::Alternation { n: n + 1, a_next: !a_next, candidate: false };
                    return;
                }
                let candidate = (z - c).norm_sqr() < (z - expected).norm_sqr();
                self.demod.learn(z, if candidate { c } else { expected }, 0.0);
                self.stage = Stage::Alternation { n: n + 1, a_next: !a_next, candidate };
            }
            Stage::Train(i) => {
                let wanted = if self.generator.next_is_d() { d } else { c };
                self.demod.learn(z, wanted, 0.25);
                if i + 48 >= EQUALIZER_SYMBOLS {
                    self.error_sum += (z - wanted).norm_sqr();
                }
                if i + 1 < EQUALIZER_SYMBOLS {
                    self.stage = Stage::Train(i + 1);
                    return;
                }
                if self.error_sum / 48.0 > MAX_TRAINING_ERROR * self.rate.mean_energy() {
                    self.fail(on_event);
                    return;
                }
                self.last_phase = nearest_phase(wanted);
                self.demod.timing.set_gains(0.02, 0.0002);
                self.demod.carrier.set_gains(0.05, 0.001);
                self.descrambler = Scrambler23::default();
                self.ones = 0;
                self.stage = Stage::Ones(0);
            }
            Stage::Ones(i) => {
                let bits_per_symbol = self.rate.bits_per_symbol() as usize;
                let mut ones = 0;
                self.decide(z, 0.05, |b| ones += u32::from(b));
                if i * bits_per_symbol >= 24 {
                    self.ones += bits_per_symbol as u32 - ones;
                }
                if i + 1 < ONES_SYMBOLS {
                    self.stage = Stage::Ones(i + 1);
                    return;
                }
                // `ones` counts the zeros seen once the descrambler is in step.
                if self.ones > 4 {
                    self.fail(on_event);
                    return;
                }
                self.stage = Stage::Data;
                self.symbol_power = self.rate.mean_energy();
                on_event(RxEvent::TrainingSucceeded);
            }
            Stage::Data => {
                // The signal has ended when the symbols fade, well before the power meter
                // falls through its threshold: no bits are made up from the silence.
                self.symbol_power += (z.norm_sqr() - self.symbol_power) * 0.25;
                if self.symbol_power < 0.1 * self.rate.mean_energy() {
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

    /// The coarse carrier from the alternation: frequency from the drift between symbols two
    /// apart, phase and the A/B order from which assignment fits.
    fn coarse_carrier(&mut self, a: Complex32, b: Complex32) {
        // A steady signal (the echo protection tone) is not the alternation: wait for a gap
        // and a new signal.
        let swing: f32 =
            self.coarse.windows(2).map(|w| (w[1] - w[0]).norm_sqr()).sum::<f32>() / (self.coarse.len() - 1) as f32;
        if swing < 0.25 * (a - b).norm_sqr() {
            self.level.set(self.carrier.level_dbm0());
            self.stage = Stage::Failed;
            return;
        }
        let freq = angle(self.drift) / 2.0;
        let mut best = (0.0f32, 0.0f32, false);
        for a_first in [true, false] {
            let mut sum = Complex32::new(0.0, 0.0);
            for (k, z) in self.coarse.iter().enumerate() {
                let want = if (k % 2 == 0) == a_first { a } else { b };
                let back = Complex32::from_polar(1.0, -freq * k as f32);
                sum += z * back * want.conj();
            }
            if sum.norm() > best.0 {
                best = (sum.norm(), angle(sum), a_first);
            }
        }
        let (_, phase, a_first) = best;
        let last = self.coarse.len() - 1;
        // The loop phase applies from the next symbol on.
        self.demod.carrier.set(phase + freq * (last as f32 + 1.0), freq);
        self.demod.carrier.set_gains(0.1, 0.002);
        // The symbol after the last stored one (index len) is A if A was at even indices and
        // len is even.
        let a_next = self.coarse.len().is_multiple_of(2) == a_first;
        self.stage = Stage::Alternation { n: COARSE, a_next, candidate: false };
    }

    /// A data symbol: decision, learning, differential decoding, descrambling.
    fn decide(&mut self, z: Complex32, mu: f32, mut bit: impl FnMut(bool)) {
        let i = nearest(&self.points, z);
        let wanted = self.points[i];
        self.demod.learn(z, wanted, mu);
        let (phase, high) = self.rate.points()[i];
        let change = phase.wrapping_sub(self.last_phase) & 7;
        self.last_phase = phase;
        let bits = phase_bits(self.rate, change);
        if self.rate == V29Rate::Bps9600 {
            bit(self.descrambler.descramble(high));
        }
        let n = if self.rate == V29Rate::Bps4800 { 2 } else { 3 };
        for k in (0..n).rev() {
            bit(self.descrambler.descramble(bits >> k & 1 == 1));
        }
    }
}

/// The phase (45° steps) of a point.
fn nearest_phase(p: Complex32) -> u8 {
    let a = angle(p).rem_euclid(2.0 * std::f32::consts::PI);
    ((a / (std::f32::consts::PI / 4.0)).round() as u8) & 7
}
