//! The transmit half of every fast modem: complex symbols at the modulation rate, shaped by a
//! polyphase root-raised-cosine filter and put onto the carrier, at 8,000 samples/s.
//!
//! The symbol clock is an integer accumulator (the baud rate added per sample, a symbol every
//! 8,000), so 2400, 1600 and 1200 baud are exact and the filter has one phase per distinct
//! offset between sample and symbol instants (10, 5 and 20 phases).

use super::Complex32;
use crate::filter::root_raised_cosine;
use crate::level::sine_amplitude;
use crate::oscillator::{Oscillator, SAMPLE_RATE};

/// Symbols the pulse spans.
const SPAN: usize = 10;

/// Pulse shaping and carrier.
#[derive(Debug, Clone)]
pub struct Modulator {
    osc: Oscillator,
    baud: u32,
    /// Time since the newest symbol, in 1/SAMPLE_RATE of a symbol period.
    acc: u32,
    /// Distinct sample offsets: SAMPLE_RATE / gcd(baud, SAMPLE_RATE).
    phases: usize,
    /// `phases` × SPAN coefficients; row p is for an offset of p/phases symbol.
    coeffs: Vec<f32>,
    /// The last SPAN symbols, newest at `at`.
    history: [Complex32; SPAN],
    at: usize,
    scale: f32,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Modulator {
    /// `baud` symbols per second onto `carrier_hz`, with roll-off `beta`, scaled so that
    /// symbols of mean energy `mean_energy` come out at `level_dbm0`.
    pub fn new(baud: u32, carrier_hz: f64, beta: f64, mean_energy: f32, level_dbm0: f32) -> Self {
        let step = gcd(baud, SAMPLE_RATE);
        let phases = (SAMPLE_RATE / step) as usize;
        let mut coeffs = vec![0f32; phases * SPAN];
        let centre = SPAN as f64 / 2.0;
        let mut energy = 0f64;
        for p in 0..phases {
            for j in 0..SPAN {
                let t = p as f64 / phases as f64 + j as f64 - centre;
                let h = root_raised_cosine(beta, t);
                energy += h * h;
                coeffs[p * SPAN + j] = h as f32;
            }
        }
        // Mean output power per unit symbol energy (the pulse's energy per symbol period).
        let norm = (energy / phases as f64) as f32;
        let scale = sine_amplitude(level_dbm0) / (mean_energy * norm).sqrt();
        Modulator {
            osc: Oscillator::new(carrier_hz),
            baud,
            acc: 0,
            phases,
            coeffs,
            history: [Complex32::new(0.0, 0.0); SPAN],
            at: 0,
            scale,
        }
    }

    /// Forgets the symbols sent and restarts the carrier and symbol clock.
    pub fn reset(&mut self) {
        self.history = [Complex32::new(0.0, 0.0); SPAN];
        self.acc = 0;
        self.osc.reset();
    }

    /// Whether the next sample starts a new symbol (call [`Modulator::push`] first).
    #[inline]
    pub fn symbol_due(&self) -> bool {
        self.acc < self.baud
    }

    /// Enters the next symbol.
    #[inline]
    pub fn push(&mut self, symbol: Complex32) {
        self.at = (self.at + 1) % SPAN;
        self.history[self.at] = symbol;
    }

    /// The next sample.
    #[inline]
    pub fn sample(&mut self) -> i16 {
        let p = (self.acc as usize * self.phases) / SAMPLE_RATE as usize;
        let row = &self.coeffs[p * SPAN..(p + 1) * SPAN];
        let mut b = Complex32::new(0.0, 0.0);
        for (j, c) in row.iter().enumerate() {
            b += self.history[(self.at + SPAN - j) % SPAN] * *c;
        }
        let (cos, sin) = self.osc.next_cos_sin();
        let x = (b.re * cos - b.im * sin) * self.scale;
        self.acc += self.baud;
        if self.acc >= SAMPLE_RATE {
            self.acc -= SAMPLE_RATE;
        }
        x.round().clamp(-32768.0, 32767.0) as i16
    }
}
