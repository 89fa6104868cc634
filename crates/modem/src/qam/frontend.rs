//! The receiver's front end: the line signal mixed down to complex baseband by a local
//! carrier, low-pass filtered by a root-raised-cosine matched filter, and read out at T/2
//! instants that the symbol timing loop moves. The matched filter is evaluated at the exact
//! instant through 64 polyphase rows, so the filter is also the interpolator.
//!
//! `FrontEnd::push` takes one 8 kHz sample and returns a baseband sample when a T/2 instant
//! falls inside it; `adjust` moves the instants (symbol timing); `skip` stands for lost audio.

use super::Complex32;
use crate::filter::root_raised_cosine;
use crate::oscillator::{Oscillator, SAMPLE_RATE};

/// Fractional-delay resolution: 1/64 of a sample.
const PHASES: usize = 64;

/// Mixer, matched filter and T/2 interpolator.
#[derive(Debug, Clone)]
pub struct FrontEnd {
    osc: Oscillator,
    taps: usize,
    /// PHASES rows of `taps` coefficients; row p is for an instant p/PHASES sample before the
    /// newest sample.
    coeffs: Vec<f32>,
    /// Baseband inputs, written twice so that the newest `taps` are contiguous.
    ring: Vec<Complex32>,
    at: usize,
    /// Samples per T/2.
    half_symbol: f32,
    /// Samples since the last T/2 instant.
    clock: f32,
}

impl FrontEnd {
    /// A front end for `baud` symbols per second on `carrier_hz`, matched filter roll-off
    /// `beta`, spanning `span` symbols.
    pub fn new(carrier_hz: f64, baud: u32, beta: f64, span: f64) -> Self {
        let sps = f64::from(SAMPLE_RATE) / f64::from(baud);
        let taps = ((span * sps).ceil() as usize) | 1;
        let centre = (taps - 1) as f64 / 2.0;
        let mut coeffs = vec![0f32; PHASES * taps];
        for p in 0..PHASES {
            for k in 0..taps {
                let t = (k as f64 - centre - p as f64 / PHASES as f64) / sps;
                // ×2 undoes the mixer's halving; /sps makes a symbol's peak come out at its
                // amplitude.
                coeffs[p * taps + k] = (2.0 * root_raised_cosine(beta, t) / sps) as f32;
            }
        }
        FrontEnd {
            osc: Oscillator::new(carrier_hz),
            taps,
            coeffs,
            ring: vec![Complex32::new(0.0, 0.0); 2 * taps],
            at: 0,
            half_symbol: (sps / 2.0) as f32,
            clock: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.ring.iter_mut().for_each(|v| *v = Complex32::new(0.0, 0.0));
        self.at = 0;
        self.clock = 0.0;
        self.osc.reset();
    }

    /// Samples per symbol.
    pub fn samples_per_symbol(&self) -> f32 {
        2.0 * self.half_symbol
    }

    /// One line sample in; a baseband sample out when a T/2 instant has passed.
    #[inline]
    pub fn push(&mut self, x: f32) -> Option<Complex32> {
        let (c, s) = self.osc.next_cos_sin();
        let v = Complex32::new(x * c, -x * s);
        self.ring[self.at] = v;
        self.ring[self.at + self.taps] = v;
        self.at = (self.at + 1) % self.taps;
        self.clock += 1.0;
        if self.clock < self.half_symbol {
            return None;
        }
        self.clock -= self.half_symbol;
        // The instant was `clock` samples before the newest sample (0 ≤ clock < 1, or a
        // little more right after a timing step).
        let p = ((self.clock * PHASES as f32) as usize).min(PHASES - 1);
        let row = &self.coeffs[p * self.taps..(p + 1) * self.taps];
        // ring[at..at + taps] holds the inputs oldest first; row[k] applies k samples back.
        let window = &self.ring[self.at..self.at + self.taps];
        let mut y = Complex32::new(0.0, 0.0);
        for (v, c) in window.iter().rev().zip(row) {
            y += v * c;
        }
        Some(y)
    }

    /// Moves the sampling instants later by `samples` (earlier if negative).
    #[inline]
    pub fn adjust(&mut self, samples: f32) {
        self.clock = (self.clock - samples).clamp(-self.half_symbol, self.half_symbol);
    }

    /// Lost audio: `samples` go by without a signal. The carrier keeps its phase and the
    /// filter keeps the audio before the gap, so the signal after it continues the one before
    /// (a whole number of symbols later when the gap is, as for 20 ms). Returns how many T/2
    /// instants the gap held.
    pub fn skip(&mut self, samples: usize) -> usize {
        self.osc.skip(samples);
        let total = f64::from(self.clock) + samples as f64;
        let half = f64::from(self.half_symbol);
        let instants = (total / half).floor();
        self.clock = (total - instants * half) as f32;
        instants as usize
    }
}
