//! The V.17 receiver, built on the shared QAM blocks ([`Demodulator`]): carrier detection;
//! on segment 1 (A B A B) symbol timing, the gain and a coarse carrier phase and frequency;
//! the start of segment 2 found by its first two points (C in place of A, D in place of B);
//! the equaliser trained on segment 2 regenerated from the scrambler (and on the bridge,
//! segment 3, in a long training); segment 4 decoded by the Viterbi decoder and checked (its
//! scrambled ones must come back as ones); then data: Viterbi decisions, descrambling, and
//! decision-directed tracking on the best trellis path's newest point.
//!
//! A short training keeps the equaliser of the last long training (call
//! [`V17Receiver::restart`] with `short_train`), as V.17 intends; segment 1 still sets timing,
//! gain and carrier.

use super::constellation::{self, A, ABCD, B, C, D};
use super::scrambler::{Scrambler23, TRAINING_SEED};
use super::trellis::ViterbiDecoder;
use super::{BAUD, CARRIER_HZ, V17Rate, segment};
use crate::level::{CarrierChange, CarrierDetector};
use crate::qam::agc::{LevelChange, LevelWatch};
use crate::qam::demodulator::Demodulator;
use crate::qam::equalizer::Equalizer;
use crate::qam::frontend::FrontEnd;
use crate::qam::{Complex32, angle};
use crate::rx::RxEvent;

/// Carrier on and off levels (dBm0).
const ON_DBM0: f32 = -45.5;
const OFF_DBM0: f32 = -50.5;
/// Symbols for timing to settle, then for the gain, then for the coarse carrier (counted
/// from the last arming; after TEP that can be late in the rise of segment 1, and 16
/// symbols of settling then left the gain measured off the symbol peaks).
const SETTLE: u32 = 32;
const GAIN: u32 = 64;
const COARSE: u32 = 96;
/// Give up on finding segment 2 this long after the carrier came up.
const FIND_LIMIT: u32 = (segment::TEP_TONE + segment::TEP_SILENCE + segment::ONE) as u32 + 100;
/// Training passes when the mean squared error over the last symbols of segment 2 is below
/// this fraction of the training points' energy (an SNR of about 8 dB: the trellis decodes
/// 7200 bit/s error-free from about 12 dB, so a stricter check only throws good signals
/// away); looser after a short training, whose 38 symbols leave the carrier loop little
/// time. Segment 4's check of the decoded ones decides in the end.
const MAX_TRAINING_ERROR: f32 = 0.15;
const MAX_SHORT_TRAINING_ERROR: f32 = 0.25;
/// Symbols of segment 2 whose error is judged (before its last 20).
const JUDGED: usize = 64;
/// Viterbi decisions come this many symbols late.
const TRACEBACK: usize = 24;
/// Energy of the training points.
const TRAINING_ENERGY: f32 = 40.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Idle,
    /// On segment 1, `n` symbols since the carrier came up.
    Acquire(u32),
    /// Following A B A B; `a_next`: the next symbol should be A.
    Alternation {
        n: u32,
        a_next: bool,
        candidate: bool,
    },
    /// Segment 2, symbol `i`.
    Segment2(usize),
    /// Segment 3, symbol `i`.
    Bridge(usize),
    /// Segment 4 and data: coded symbols.
    Coded,
    /// Training failed: wait for the carrier to drop or the level to rise.
    Failed,
}

/// Demodulates V.17.
#[derive(Debug, Clone)]
pub struct V17Receiver {
    rate: V17Rate,
    short_train: bool,
    demod: Demodulator,
    carrier: CarrierDetector,
    stage: Stage,
    points: Vec<Complex32>,
    abcd: [Complex32; 4],
    /// Regenerates segments 2 and 3.
    generator: Scrambler23,
    /// The training point last expected (index into ABCD).
    last_abcd: usize,
    viterbi: ViterbiDecoder,
    descrambler: Scrambler23,
    /// Coded symbols decided so far in this burst.
    decided: usize,
    /// Zeros seen among segment 4's descrambled bits.
    zeros: u32,
    trained: bool,
    history: [Complex32; 2],
    drift: Complex32,
    coarse: [Complex32; (COARSE - GAIN) as usize],
    error_sum: f32,
    level: LevelWatch,
    reported_failure: bool,
    symbol_power: f32,
    /// The equaliser a long training left, for short trainings.
    kept_equalizer: Option<Equalizer>,
}

impl V17Receiver {
    /// A receiver expecting a long training at `rate`.
    pub fn new(rate: V17Rate) -> Self {
        let front = FrontEnd::new(CARRIER_HZ, BAUD, 0.5, 8.0);
        let map = constellation::map(rate.data_bits());
        let demod = Demodulator::new(front, Equalizer::new(33, 16), constellation::mean_power(map));
        let to_point = |&(x, y): &(i8, i8)| Complex32::new(f32::from(x), f32::from(y));
        V17Receiver {
            rate,
            short_train: false,
            demod,
            carrier: CarrierDetector::new(ON_DBM0, OFF_DBM0, 32.0),
            stage: Stage::Idle,
            points: map.iter().map(to_point).collect(),
            abcd: [A, B, C, D].map(|p| to_point(&p)),
            generator: Scrambler23::new(TRAINING_SEED),
            last_abcd: 0,
            viterbi: ViterbiDecoder::new(rate.data_bits(), TRACEBACK),
            descrambler: Scrambler23::default(),
            decided: 0,
            zeros: 0,
            trained: false,
            history: [Complex32::new(0.0, 0.0); 2],
            drift: Complex32::new(0.0, 0.0),
            coarse: [Complex32::new(0.0, 0.0); (COARSE - GAIN) as usize],
            error_sum: 0.0,
            level: LevelWatch::default(),
            reported_failure: false,
            symbol_power: 0.0,
            kept_equalizer: None,
        }
    }

    pub fn rate(&self) -> V17Rate {
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

    /// Expects the next burst at `rate`: with a short training (which needs a long one at
    /// the same rate before) or a long one.
    pub fn restart(&mut self, rate: V17Rate, short_train: bool) {
        if rate != self.rate {
            // What a training at another rate learnt does not carry over.
            *self = V17Receiver::new(rate);
        }
        self.short_train = short_train && self.kept_equalizer.is_some();
        self.reset();
    }

    /// Starts over, waiting for a carrier.
    pub fn reset(&mut self) {
        self.carrier.reset();
        self.stage = Stage::Idle;
        self.reported_failure = false;
    }

    fn arm(&mut self) {
        let power = 2.0 * crate::level::mean_square(self.carrier.level_dbm0());
        self.demod.reset((TRAINING_ENERGY / power.max(1.0)).sqrt());
        if self.short_train
            && let Some(eq) = &self.kept_equalizer
        {
            self.demod.equalizer = eq.clone();
        }
        self.demod.timing.set_gains(0.15, 0.0);
        self.demod.set_tracking(true);
        self.demod.set_measuring(false);
        self.demod.carrier.set_gains(0.0, 0.0);
        self.drift = Complex32::new(0.0, 0.0);
        self.history = [Complex32::new(0.0, 0.0); 2];
        self.level.set(self.carrier.level_dbm0());
        self.trained = false;
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

    /// A lost block of `samples`: timing and carrier move on without audio.
    pub fn fill_in(&mut self, samples: usize) {
        if matches!(self.stage, Stage::Idle | Stage::Failed) {
            return;
        }
        self.demod.skip(samples);
    }

    /// The next segment 2 point, from two scrambled ones.
    fn segment2_point(&mut self) -> Complex32 {
        let i = match (self.generator.scramble(true), self.generator.scramble(true)) {
            (false, false) => 2,
            (false, true) => 3,
            (true, false) => 1,
            (true, true) => 0,
        };
        self.last_abcd = i;
        self.abcd[i]
    }

    fn symbol(&mut self, z: Complex32, on_event: &mut impl FnMut(RxEvent)) {
        let [a, b, c, d] = self.abcd;
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
                    if !self.demod.lock_gain(TRAINING_ENERGY) {
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
                    if (z - d).norm_sqr() < (z - expected).norm_sqr() {
                        // Segment 2 began with C D: regenerate it from there.
                        self.generator = Scrambler23::new(TRAINING_SEED);
                        self.segment2_point();
                        self.segment2_point();
                        self.demod.learn(z, d, 0.0);
                        self.error_sum = 0.0;
                        self.demod.carrier.set_gains(0.1, 0.004);
                        self.stage = Stage::Segment2(2);
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
            Stage::Segment2(i) => {
                let length = if self.short_train { segment::TWO_SHORT } else { segment::TWO_LONG };
                let wanted = self.segment2_point();
                let mu = if self.short_train { 0.15 } else { 0.25 };
                self.demod.learn(z, wanted, mu);
                if i + 20 + JUDGED >= length && i + 20 < length {
                    self.error_sum += (z - wanted).norm_sqr();
                }
                if i + 1 < length {
                    self.stage = Stage::Segment2(i + 1);
                    return;
                }
                let judged = JUDGED.min(length.saturating_sub(20 + 2)).max(1);
                let limit = if self.short_train { MAX_SHORT_TRAINING_ERROR } else { MAX_TRAINING_ERROR };
                if self.error_sum / judged as f32 > limit * TRAINING_ENERGY {
                    self.fail(on_event);
                    return;
                }
                self.demod.timing.set_gains(0.02, 0.0002);
                self.demod.carrier.set_gains(0.05, 0.001);
                if self.short_train {
                    self.start_coding(0);
                } else {
                    self.stage = Stage::Bridge(0);
                }
            }
            Stage::Bridge(i) => {
                const BRIDGE_WORD: u16 = 0x8880;
                let at = 2 * i % 16;
                let b1 = self.generator.scramble((BRIDGE_WORD >> at) & 1 == 1);
                let b2 = self.generator.scramble((BRIDGE_WORD >> (at + 1)) & 1 == 1);
                let step = match (b1, b2) {
                    (false, false) => 1,
                    (false, true) => 0,
                    (true, false) => 2,
                    (true, true) => 3,
                };
                self.last_abcd = (self.last_abcd + step) % 4;
                self.demod.learn(z, ABCD_POINTS[self.last_abcd], 0.1);
                if i + 1 < segment::THREE {
                    self.stage = Stage::Bridge(i + 1);
                    return;
                }
                self.start_coding(1);
            }
            Stage::Coded => self.coded(z, on_event),
            Stage::Idle | Stage::Failed => {}
        }
    }

    fn start_coding(&mut self, y21: u8) {
        self.viterbi.reset(Some(0), y21);
        self.descrambler = Scrambler23::default();
        self.decided = 0;
        self.zeros = 0;
        self.symbol_power = constellation::mean_power(constellation::map(self.rate.data_bits()));
        self.stage = Stage::Coded;
    }

    /// Segment 4 and data: decide by Viterbi, track on its newest point.
    fn coded(&mut self, z: Complex32, on_event: &mut impl FnMut(RxEvent)) {
        let energy = constellation::mean_power(constellation::map(self.rate.data_bits()));
        self.symbol_power += (z.norm_sqr() - self.symbol_power) * 0.25;
        if self.trained && self.symbol_power < 0.1 * energy {
            // The signal has ended: the symbols fade before the power meter drops.
            self.carrier.reset();
            self.stage = Stage::Idle;
            on_event(RxEvent::CarrierDown);
            return;
        }
        let decided = self.viterbi.push(z);
        // Track on the best path's newest point (the trellis's zero-delay decision).
        let wanted = self.points[self.viterbi.tentative()];
        self.demod.learn(z, wanted, if self.trained { 0.03 } else { 0.05 });
        let Some(q) = decided else {
            return;
        };
        let bits = self.rate.data_bits() as usize;
        let first_data = self.decided >= segment::FOUR;
        self.decided += 1;
        for k in 0..bits {
            let bit = self.descrambler.descramble((q >> k) & 1 == 1);
            if first_data {
                on_event(RxEvent::Bit(bit));
            } else if (self.decided - 1) * bits + k >= 24 && !bit {
                self.zeros += 1;
            }
        }
        if self.decided == segment::FOUR {
            if self.zeros > 4 {
                self.fail(on_event);
                return;
            }
            self.trained = true;
            if !self.short_train {
                self.kept_equalizer = Some(self.demod.equalizer.clone());
            }
            on_event(RxEvent::TrainingSucceeded);
        }
    }

    /// The coarse carrier from the alternation: frequency from the drift between symbols two
    /// apart, phase and the A/B order from which assignment fits.
    fn coarse_carrier(&mut self, a: Complex32, b: Complex32) {
        let swing: f32 =
            self.coarse.windows(2).map(|w| (w[1] - w[0]).norm_sqr()).sum::<f32>() / (self.coarse.len() - 1) as f32;
        if swing < 0.25 * (a - b).norm_sqr() {
            // A steady tone (TEP) is not the alternation: wait for a gap and a new signal.
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
        self.demod.carrier.set(phase + freq * (last as f32 + 1.0), freq);
        self.demod.carrier.set_gains(0.1, 0.002);
        let a_next = self.coarse.len().is_multiple_of(2) == a_first;
        self.stage = Stage::Alternation { n: COARSE, a_next, candidate: false };
    }
}

const ABCD_POINTS: [Complex32; 4] = [
    Complex32::new(ABCD[0].0 as f32, ABCD[0].1 as f32),
    Complex32::new(ABCD[1].0 as f32, ABCD[1].1 as f32),
    Complex32::new(ABCD[2].0 as f32, ABCD[2].1 as f32),
    Complex32::new(ABCD[3].0 as f32, ABCD[3].1 as f32),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bits::BitQueue;
    use crate::v17::V17Transmitter;

    fn prbs(n: usize, seed: u32) -> Vec<bool> {
        let mut r = seed | 1;
        (0..n)
            .map(|_| {
                r ^= r << 13;
                r ^= r >> 17;
                r ^= r << 5;
                r & 1 == 1
            })
            .collect()
    }

    fn burst(tx: &mut V17Transmitter, bits: &[bool]) -> Vec<i16> {
        let mut q = BitQueue::new();
        bits.iter().for_each(|&b| q.push(b));
        let mut s = vec![0i16; 600];
        let mut buf = [0i16; 160];
        loop {
            let n = tx.transmit(&mut buf, &mut q);
            s.extend_from_slice(&buf[..n]);
            if n < buf.len() {
                break;
            }
        }
        s.extend(std::iter::repeat_n(0, 600));
        s
    }

    fn hear(rx: &mut V17Receiver, signal: &[i16]) -> (Vec<RxEvent>, Vec<bool>) {
        let mut events = Vec::new();
        let mut bits = Vec::new();
        for chunk in signal.chunks(160) {
            rx.receive(chunk, |e| match e {
                RxEvent::Bit(b) => bits.push(b),
                other => events.push(other),
            });
        }
        (events, bits)
    }

    #[test]
    fn tep_long_then_short() {
        let rate = V17Rate::Bps14400;
        let bits = prbs(3000, 5);
        let mut tx = V17Transmitter::new(rate, true, -14.0, true);
        let mut rx = V17Receiver::new(rate);
        let (events, got) = hear(&mut rx, &burst(&mut tx, &bits));
        assert!(events.contains(&RxEvent::TrainingSucceeded), "long: {events:?}");
        assert_eq!(&got[..bits.len()], &bits[..], "long");
        tx.restart(rate, false, true);
        rx.restart(rate, true);
        let (events, got) = hear(&mut rx, &burst(&mut tx, &bits));
        assert!(events.contains(&RxEvent::TrainingSucceeded), "short: {events:?}");
        assert_eq!(&got[..bits.len()], &bits[..], "short");
    }

    #[test]
    fn our_transmitter_long_then_short_every_rate() {
        for rate in V17Rate::ALL {
            let bits = prbs(3000, rate.bit_rate());
            let mut tx = V17Transmitter::new(rate, true, -14.0, false);
            let mut rx = V17Receiver::new(rate);
            let (events, got) = hear(&mut rx, &burst(&mut tx, &bits));
            assert!(events.contains(&RxEvent::TrainingSucceeded), "{rate:?} long: {events:?}");
            assert!(got.len() >= bits.len(), "{rate:?} long: {} bits", got.len());
            assert_eq!(&got[..bits.len()], &bits[..], "{rate:?} long");
            tx.restart(rate, false, false);
            rx.restart(rate, true);
            let (events, got) = hear(&mut rx, &burst(&mut tx, &bits));
            assert!(events.contains(&RxEvent::TrainingSucceeded), "{rate:?} short: {events:?}");
            assert!(got.len() >= bits.len(), "{rate:?} short: {} bits", got.len());
            assert_eq!(&got[..bits.len()], &bits[..], "{rate:?} short");
        }
    }
}
