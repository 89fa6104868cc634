//! Carrier recovery after the equaliser: the equaliser's output is turned back by the loop's
//! phase, compared with the wanted point (known in training, the decision afterwards), and
//! the phase error drives a proportional-integral loop whose integral is the residual carrier
//! frequency (±7 Hz and more). Coarse estimates from the training preamble preset it.

use super::{Complex32, angle};
use std::f32::consts::PI;

/// Phase and frequency of the carrier as the receiver sees it, per symbol.
#[derive(Debug, Clone, Default)]
pub struct CarrierLoop {
    /// Radians.
    phase: f32,
    /// Radians per symbol.
    freq: f32,
    kp: f32,
    ki: f32,
}

impl CarrierLoop {
    pub fn set_gains(&mut self, kp: f32, ki: f32) {
        self.kp = kp;
        self.ki = ki;
    }

    /// Presets phase (radians) and frequency (radians per symbol).
    pub fn set(&mut self, phase: f32, freq: f32) {
        self.phase = phase;
        self.freq = freq;
    }

    pub fn phase(&self) -> f32 {
        self.phase
    }

    /// Radians per symbol.
    pub fn frequency(&self) -> f32 {
        self.freq
    }

    /// The equaliser output turned back by the current phase; then advances one symbol.
    #[inline]
    pub fn derotate(&mut self, y: Complex32) -> Complex32 {
        let z = y * Complex32::from_polar(1.0, -self.phase);
        self.advance(1.0);
        z
    }

    /// The rotation that takes a derotated error back to the equaliser's output frame (as
    /// it was for the last derotated symbol).
    #[inline]
    pub fn rotation(&self) -> Complex32 {
        Complex32::from_polar(1.0, self.phase - self.freq)
    }

    /// Moves on `symbols` symbol periods at the current frequency.
    #[inline]
    pub fn advance(&mut self, symbols: f32) {
        self.phase = wrap(self.phase + self.freq * symbols);
    }

    /// Corrects by the phase between the derotated output `z` and the point it should be.
    #[inline]
    pub fn update(&mut self, z: Complex32, wanted: Complex32) {
        let e = angle(z * wanted.conj());
        self.freq = (self.freq + self.ki * e).clamp(-0.3, 0.3);
        self.phase = wrap(self.phase + self.kp * e);
    }
}

fn wrap(p: f32) -> f32 {
    if p.is_finite() { (p + PI).rem_euclid(2.0 * PI) - PI } else { 0.0 }
}
