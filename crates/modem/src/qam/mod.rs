//! Building blocks of the fast fax modems (V.27ter, V.29, and next V.17): everything between
//! 8 kHz samples and complex baseband symbols, shared by every phase/amplitude modem.
//!
//! Transmit side: [`modulator`] (polyphase root-raised-cosine pulse shaping onto a carrier).
//! Receive side, in signal order: [`frontend`] (down-mix to baseband, matched filter and
//! interpolation at T/2 instants, gain), [`agc`] (the gain set from the training preamble),
//! [`timing`] (Gardner symbol timing recovery), [`equalizer`] (fractionally spaced complex
//! LMS equalizer), [`carrier`] (carrier phase/frequency loop after the equalizer), all wired
//! together per sample by [`demodulator`]. The
//! [`scrambler`] module holds the 1 + x⁻¹⁸ + x⁻²³ scrambler of V.29 and V.17.
//!
//! Symbols are `Complex32` in constellation units (V.29 points like (3, 0), V.27ter points on
//! a circle of radius √2); the receive blocks work in the same units once the gain is set.

pub mod agc;
pub mod carrier;
pub mod demodulator;
pub mod equalizer;
pub mod frontend;
pub mod modulator;
pub mod scrambler;
pub mod timing;

pub use num_complex::Complex32;

/// The phase of `z` as a fraction of a turn's 2π, in (−π, π]; 0 for zero.
#[inline]
pub fn angle(z: Complex32) -> f32 {
    if z.re == 0.0 && z.im == 0.0 { 0.0 } else { z.im.atan2(z.re) }
}

/// The index (0..n) of the point nearest to `z`.
#[inline]
pub fn nearest(points: &[Complex32], z: Complex32) -> usize {
    let mut best = 0;
    let mut best_d = f32::INFINITY;
    for (i, p) in points.iter().enumerate() {
        let d = (z - p).norm_sqr();
        if d < best_d {
            best_d = d;
            best = i;
        }
    }
    best
}
