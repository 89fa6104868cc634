//! Automatic gain control for the fast receivers: the gain is measured once on the training
//! preamble, whose symbol energy is known, and then held; the equaliser trims what is left.

use super::Complex32;

/// A gain measured from the mean energy of symbol-instant samples.
#[derive(Debug, Clone)]
pub struct Agc {
    sum: f32,
    count: u32,
    gain: f32,
}

impl Default for Agc {
    fn default() -> Self {
        Agc { sum: 0.0, count: 0, gain: 1.0 }
    }
}

impl Agc {
    /// Starts a new measurement with gain `initial`.
    pub fn reset(&mut self, initial: f32) {
        self.sum = 0.0;
        self.count = 0;
        self.gain = initial;
    }

    /// Adds an (unscaled) symbol-instant sample to the measurement.
    #[inline]
    pub fn measure(&mut self, y: Complex32) {
        self.sum += y.norm_sqr();
        self.count += 1;
    }

    /// Sets the gain so that the measured samples have mean energy `target`; false if
    /// nothing usable was measured (the gain is then kept).
    pub fn lock(&mut self, target: f32) -> bool {
        if self.count == 0 || self.sum <= 0.0 || !self.sum.is_finite() {
            return false;
        }
        let mean = self.sum / self.count as f32;
        let gain = (target / mean).sqrt();
        if !gain.is_finite() {
            return false;
        }
        self.gain = gain;
        self.sum = 0.0;
        self.count = 0;
        true
    }

    #[inline]
    pub fn gain(&self) -> f32 {
        self.gain
    }
}

/// What a change of the received level means while a receiver is looking for its training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelChange {
    /// Nothing to do.
    Steady,
    /// The level rose well above where training started: a new signal (start again).
    Rose,
    /// The level fell well below: a gap (e.g. after the echo protection tone).
    Fell,
}

/// Follows the received level against a reference so that a receiver that started training
/// on noise or on the echo protection tone starts again on the real preamble instead of
/// waiting for a carrier drop that may never come.
#[derive(Debug, Clone, Copy, Default)]
pub struct LevelWatch {
    reference: f32,
}

impl LevelWatch {
    /// Rise and fall thresholds in dB.
    const RISE: f32 = 6.0;
    const FALL: f32 = 10.0;

    pub fn set(&mut self, level_dbm0: f32) {
        self.reference = level_dbm0;
    }

    /// Compares `level_dbm0` with the reference.
    #[inline]
    pub fn check(&mut self, level_dbm0: f32) -> LevelChange {
        if level_dbm0 > self.reference + Self::RISE {
            LevelChange::Rose
        } else if level_dbm0 < self.reference - Self::FALL {
            LevelChange::Fell
        } else {
            LevelChange::Steady
        }
    }

    /// While waiting: the reference follows the level down, and a rise from the lowest point
    /// says a new signal has started.
    #[inline]
    pub fn waiting(&mut self, level_dbm0: f32) -> bool {
        self.reference = self.reference.min(level_dbm0);
        level_dbm0 > self.reference + Self::RISE
    }
}
