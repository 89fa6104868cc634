//! The symbol pipeline every fast receiver runs, per 8 kHz sample: front end (mixer, matched
//! filter, T/2 interpolation) → gain → Gardner timing → T/2 equaliser → carrier derotation.
//! It returns one derotated symbol per symbol period; the modem's own state machine decides
//! what the symbol should have been (a known training point or the nearest constellation
//! point) and hands that back through [`Demodulator::learn`], which adapts the equaliser and
//! the carrier loop. The modems differ only in their state machines and constellations.

use super::Complex32;
use super::agc::Agc;
use super::carrier::CarrierLoop;
use super::equalizer::Equalizer;
use super::frontend::FrontEnd;
use super::timing::GardnerTiming;

/// Front end, gain, timing, equaliser and carrier loop, wired together.
#[derive(Debug, Clone)]
pub struct Demodulator {
    pub front: FrontEnd,
    pub agc: Agc,
    pub timing: GardnerTiming,
    pub equalizer: Equalizer,
    pub carrier: CarrierLoop,
    /// Mean symbol energy of the signal in constellation units.
    energy: f32,
    on_time: bool,
    mid: Complex32,
    /// Whether symbol-instant samples feed the gain measurement.
    measuring: bool,
    /// Whether the timing loop runs.
    tracking: bool,
    /// The last symbol-instant sample (after the gain, before the equaliser).
    last_on: Complex32,
    /// How much symbol-instant and mid samples change from one symbol to the next.
    swing_on: f32,
    swing_mid: f32,
    last_mid: Complex32,
}

impl Demodulator {
    pub fn new(front: FrontEnd, equalizer: Equalizer, energy: f32) -> Self {
        Demodulator {
            front,
            agc: Agc::default(),
            timing: GardnerTiming::default(),
            equalizer,
            carrier: CarrierLoop::default(),
            energy,
            on_time: false,
            mid: Complex32::new(0.0, 0.0),
            measuring: false,
            tracking: true,
            last_on: Complex32::new(0.0, 0.0),
            swing_on: 0.0,
            swing_mid: 0.0,
            last_mid: Complex32::new(0.0, 0.0),
        }
    }

    /// Everything back to its start, with gain `initial_gain`.
    pub fn reset(&mut self, initial_gain: f32) {
        self.front.reset();
        self.agc.reset(initial_gain);
        self.timing.reset();
        self.equalizer.reset();
        self.carrier.set(0.0, 0.0);
        self.on_time = false;
        self.mid = Complex32::new(0.0, 0.0);
        self.measuring = false;
        self.tracking = true;
        self.last_on = Complex32::new(0.0, 0.0);
        self.swing_on = 0.0;
        self.swing_mid = 0.0;
    }

    /// Starts a new comparison of the swings (see [`Demodulator::check_alternation`]),
    /// forgetting the symbols before the timing loop settled.
    pub fn restart_alternation_check(&mut self) {
        self.swing_on = 0.0;
        self.swing_mid = 0.0;
    }

    /// On an alternating preamble (A B A B, reversals) the symbol instants must see the
    /// alternation and the mid samples its average; Gardner's detector can also rest with
    /// the two swapped when the alternation is not antipodal. Swaps them if so (returns
    /// whether it did) and starts a new comparison.
    pub fn check_alternation(&mut self) -> bool {
        let swap = self.swing_mid > self.swing_on;
        if swap {
            self.on_time = !self.on_time;
            self.timing.reset();
        }
        self.swing_on = 0.0;
        self.swing_mid = 0.0;
        swap
    }

    /// Whether symbol-instant samples feed the gain measurement.
    pub fn set_measuring(&mut self, on: bool) {
        self.measuring = on;
    }

    /// Whether the timing loop runs.
    pub fn set_tracking(&mut self, on: bool) {
        self.tracking = on;
    }

    /// Sets the gain from what was measured (the preamble has mean energy `target`).
    pub fn lock_gain(&mut self, target: f32) -> bool {
        self.measuring = false;
        self.agc.lock(target)
    }

    /// The last symbol-instant sample, after the gain and before the equaliser.
    pub fn last_on_time(&self) -> Complex32 {
        self.last_on
    }

    /// One line sample in; a derotated equaliser output when a symbol is due.
    #[inline]
    pub fn push(&mut self, x: f32) -> Option<Complex32> {
        let raw = self.front.push(x)?;
        let s = raw * self.agc.gain();
        self.equalizer.push(s);
        self.on_time = !self.on_time;
        if !self.on_time {
            self.swing_mid += (s - self.last_mid).norm_sqr();
            self.last_mid = s;
            self.mid = s;
            return None;
        }
        self.swing_on += (s - self.last_on).norm_sqr();
        if self.measuring {
            self.agc.measure(raw);
        }
        self.last_on = s;
        // Normalised by the measured power (two T/2 samples a symbol), so the loop gain does
        // not depend on how well the gain has been set yet.
        let power = (2.0 * self.equalizer.input_power()).max(self.energy * 1e-3);
        let correction = self.timing.update(self.mid, s, power);
        if self.tracking {
            let sps = self.front.samples_per_symbol();
            self.front.adjust(correction * sps);
        }
        let y = self.equalizer.output();
        Some(self.carrier.derotate(y))
    }

    /// The symbol `z` (as [`Demodulator::push`] returned it) should have been `wanted`:
    /// adapt the equaliser with step `mu` (none if 0) and correct the carrier loop.
    #[inline]
    pub fn learn(&mut self, z: Complex32, wanted: Complex32, mu: f32) {
        if mu > 0.0 {
            let error = (wanted - z) * self.carrier.rotation();
            self.equalizer.adapt(error, mu);
        }
        self.carrier.update(z, wanted);
    }

    /// Lost audio: time goes by without a signal; returns the symbols the gap held.
    pub fn skip(&mut self, samples: usize) -> usize {
        let instants = self.front.skip(samples);
        // Every second instant is a symbol instant; an odd count swaps which is next.
        let mut symbols = instants / 2;
        if instants % 2 == 1 {
            symbols += usize::from(!self.on_time);
            self.on_time = !self.on_time;
        }
        self.carrier.advance(samples as f32 / self.front.samples_per_symbol());
        symbols
    }
}
