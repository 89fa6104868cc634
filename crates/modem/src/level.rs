//! Signal levels in dBm0 for 16-bit samples, on SpanDSP's scale (a full-scale sine is
//! +3.14 dBm0), and the power meter the receivers detect a carrier with.

/// The level of a full-scale sine, in dBm0.
#[allow(clippy::approx_constant, reason = "a level of 3.14 dBm0 (G.711's full-scale sine), not π")]
pub const FULL_SCALE_SINE_DBM0: f32 = 3.14;

/// The peak amplitude of a sine at `dbm0`.
pub fn sine_amplitude(dbm0: f32) -> f32 {
    32767.0 * 10f32.powf((dbm0 - FULL_SCALE_SINE_DBM0) / 20.0)
}

/// The mean square of 16-bit samples at `dbm0`.
pub fn mean_square(dbm0: f32) -> f32 {
    let a = sine_amplitude(dbm0);
    a * a / 2.0
}

/// The level in dBm0 of a mean square.
pub fn dbm0(mean_square: f32) -> f32 {
    if mean_square <= 0.0 {
        return f32::NEG_INFINITY;
    }
    10.0 * (mean_square / (32767.0 * 32767.0 / 2.0)).log10() + FULL_SCALE_SINE_DBM0
}

/// The level in dBm0 of a block of samples.
pub fn block_dbm0(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return f32::NEG_INFINITY;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    dbm0((sum / samples.len() as f64) as f32)
}

/// A carrier detector: a one-pole power meter with an on level and a lower off level, so that
/// a signal near the threshold does not flicker on and off.
#[derive(Debug, Clone)]
pub struct CarrierDetector {
    power: f32,
    on: f32,
    off: f32,
    present: bool,
    decay: f32,
}

/// What a sample did to the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarrierChange {
    Up,
    Down,
}

impl CarrierDetector {
    /// On at `on_dbm0`, off below `off_dbm0`; the meter averages over about `time_constant`
    /// samples.
    pub fn new(on_dbm0: f32, off_dbm0: f32, time_constant: f32) -> Self {
        CarrierDetector {
            power: 0.0,
            on: mean_square(on_dbm0),
            off: mean_square(off_dbm0),
            present: false,
            decay: 1.0 / time_constant.max(1.0),
        }
    }

    /// Feeds one sample (any scale matching 16-bit samples).
    #[inline]
    pub fn update(&mut self, sample: f32) -> Option<CarrierChange> {
        self.power += (sample * sample - self.power) * self.decay;
        if !self.present && self.power >= self.on {
            self.present = true;
            return Some(CarrierChange::Up);
        }
        if self.present && self.power < self.off {
            self.present = false;
            return Some(CarrierChange::Down);
        }
        None
    }

    /// Whether a carrier is present.
    pub fn present(&self) -> bool {
        self.present
    }

    /// The measured level, in dBm0.
    pub fn level_dbm0(&self) -> f32 {
        dbm0(self.power)
    }

    /// Forgets the carrier and the measured power.
    pub fn reset(&mut self) {
        self.power = 0.0;
        self.present = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip() {
        assert!((sine_amplitude(FULL_SCALE_SINE_DBM0) - 32767.0).abs() < 0.5);
        assert!((dbm0(mean_square(-14.0)) + 14.0).abs() < 1e-3);
        let tone: Vec<i16> = (0..8000)
            .map(|n| (sine_amplitude(-11.0) * (2.0 * std::f32::consts::PI * 1100.0 * n as f32 / 8000.0).sin()) as i16)
            .collect();
        assert!((block_dbm0(&tone) + 11.0).abs() < 0.05, "{}", block_dbm0(&tone));
    }

    #[test]
    fn carrier_has_hysteresis() {
        let mut c = CarrierDetector::new(-43.0, -48.0, 32.0);
        let a = sine_amplitude(-40.0);
        let mut up = None;
        for n in 0..400 {
            let s = a * (n as f32 * 0.7).sin();
            if c.update(s) == Some(CarrierChange::Up) {
                up = Some(n);
            }
        }
        assert!(up.is_some_and(|n| n < 200), "{up:?}");
        // 3 dB lower is still on; 10 dB lower is off.
        let a = sine_amplitude(-46.0);
        assert!((0..400).all(|n| c.update(a * (n as f32 * 0.7).sin()).is_none()));
        let a = sine_amplitude(-55.0);
        assert!((0..400).any(|n| c.update(a * (n as f32 * 0.7).sin()) == Some(CarrierChange::Down)));
    }
}
