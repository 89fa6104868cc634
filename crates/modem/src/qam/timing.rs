//! Symbol timing recovery by Gardner's detector: with samples at T/2, the sample between two
//! symbol instants should sit on the zero crossing of a transition, so
//! Re{(y(k−1) − y(k)) · conj(y(k−½))} measures how late the instants are. A
//! proportional-integral loop turns it into a per-symbol correction of the front end's
//! instants; the integral holds a clock offset (±100 ppm and more) without a standing error.

use super::Complex32;

/// Gardner timing loop.
#[derive(Debug, Clone)]
pub struct GardnerTiming {
    prev: Complex32,
    integral: f32,
    kp: f32,
    ki: f32,
}

impl Default for GardnerTiming {
    fn default() -> Self {
        GardnerTiming { prev: Complex32::new(0.0, 0.0), integral: 0.0, kp: 0.0, ki: 0.0 }
    }
}

impl GardnerTiming {
    /// Loop gains, as fractions of a symbol per unit of normalised error.
    pub fn set_gains(&mut self, kp: f32, ki: f32) {
        self.kp = kp;
        self.ki = ki;
    }

    pub fn reset(&mut self) {
        self.prev = Complex32::new(0.0, 0.0);
        self.integral = 0.0;
    }

    /// The drift the integrator holds, in symbols per symbol (≈ the clock offset).
    pub fn drift(&self) -> f32 {
        self.integral
    }

    /// Takes the mid sample and the new symbol-instant sample; returns how much later (in
    /// symbols, negative = earlier) the next instants should be. `energy` is the mean symbol
    /// energy the samples have, for normalising.
    #[inline]
    pub fn update(&mut self, mid: Complex32, on: Complex32, energy: f32) -> f32 {
        let e = ((self.prev - on) * mid.conj()).re / energy.max(1e-9);
        self.prev = on;
        let e = e.clamp(-1.0, 1.0);
        self.integral += self.ki * e;
        self.integral = self.integral.clamp(-0.01, 0.01);
        self.kp * e + self.integral
    }
}
