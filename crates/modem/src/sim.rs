//! The line simulator for tests and benchmarks: deterministic impairments of an 8 kHz
//! signal — gain, white Gaussian noise at a set SNR (seeded), a carrier frequency shift (as
//! an FDM link makes it), a sample-clock offset (a resampler), G.711 round trips and lost
//! 20 ms frames. Nothing here runs in a real call; it exists so that every modem test uses
//! the same, reproducible line.

use crate::g711::Law;
use crate::level::{dbm0, mean_square};

/// A seeded Gaussian noise source (Box–Muller over a 64-bit LCG).
#[derive(Debug, Clone)]
pub struct Awgn {
    state: u64,
    spare: Option<f64>,
}

impl Awgn {
    pub fn new(seed: u64) -> Self {
        Awgn { state: seed ^ 0x9E37_79B9_7F4A_7C15, spare: None }
    }

    fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A standard normal value.
    pub fn gaussian(&mut self) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        let r = (-2.0 * self.uniform().ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * self.uniform();
        self.spare = Some(r * t.sin());
        r * t.cos()
    }

    /// Adds noise of RMS `rms` to every sample.
    pub fn add(&mut self, signal: &mut [i16], rms: f64) {
        for x in signal.iter_mut() {
            *x = (f64::from(*x) + self.gaussian() * rms).round().clamp(-32768.0, 32767.0) as i16;
        }
    }
}

/// The level (dBm0) of the non-silent part of `signal` (first to last non-zero sample).
pub fn signal_level_dbm0(signal: &[i16]) -> f32 {
    let (a, b) = active_span(signal);
    if a >= b {
        return f32::NEG_INFINITY;
    }
    let sum: f64 = signal[a..b].iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    dbm0((sum / (b - a) as f64) as f32)
}

/// The range from the first to just after the last non-zero sample.
pub fn active_span(signal: &[i16]) -> (usize, usize) {
    let a = signal.iter().position(|&x| x != 0).unwrap_or(signal.len());
    let b = signal.iter().rposition(|&x| x != 0).map_or(a, |i| i + 1);
    (a, b)
}

/// Adds white Gaussian noise over the whole band at `snr_db` below the level of the signal,
/// under the signal only (from its first to its last non-zero sample), as SpanDSP's
/// measurements were made.
pub fn add_noise_at_snr(signal: &mut [i16], snr_db: f32, seed: u64) {
    let (a, b) = active_span(signal);
    if a >= b {
        return;
    }
    let level = signal_level_dbm0(signal);
    let rms = f64::from(mean_square(level - snr_db)).sqrt();
    Awgn::new(seed).add(&mut signal[a..b], rms);
}

/// Adds a noise floor at `level_dbm0` everywhere.
pub fn add_noise_floor(signal: &mut [i16], level_dbm0: f32, seed: u64) {
    let rms = f64::from(mean_square(level_dbm0)).sqrt();
    Awgn::new(seed).add(signal, rms);
}

/// Scales by `db`.
pub fn gain(signal: &mut [i16], db: f32) {
    let g = 10f32.powf(db / 20.0);
    for x in signal.iter_mut() {
        *x = (f32::from(*x) * g).round().clamp(-32768.0, 32767.0) as i16;
    }
}

/// Encodes and decodes every sample with `law`.
pub fn g711_round_trip(signal: &mut [i16], law: Law) {
    for x in signal.iter_mut() {
        *x = law.decode_sample(law.encode_sample(*x));
    }
}

/// Shifts every frequency in the signal by `hz` (positive or negative): the analytic signal
/// (a 127-tap Hilbert transformer) turned by e^{j2π·hz·n/8000}, real part taken.
pub fn shift_frequency(signal: &[i16], hz: f64) -> Vec<i16> {
    const TAPS: usize = 127;
    let centre = (TAPS / 2) as isize;
    let h: Vec<f64> = (0..TAPS as isize)
        .map(|k| {
            let n = k - centre;
            if n % 2 == 0 {
                0.0
            } else {
                let w = 0.54 - 0.46 * (2.0 * std::f64::consts::PI * k as f64 / (TAPS - 1) as f64).cos();
                2.0 / (std::f64::consts::PI * n as f64) * w
            }
        })
        .collect();
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    (0..signal.len())
        .map(|n| {
            let mut q = 0.0;
            for (k, c) in h.iter().enumerate() {
                let i = n as isize + centre - k as isize;
                if i >= 0 && (i as usize) < signal.len() {
                    q += c * f64::from(signal[i as usize]);
                }
            }
            let i = f64::from(signal[n]);
            let ph = w * n as f64;
            (i * ph.cos() - q * ph.sin()).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// The signal as a receiver whose sample clock is `ppm` parts per million slow would take it
/// (the transmitter's clock `ppm` fast): y(n) = x(n·(1 + ppm·10⁻⁶)), by 64-tap windowed-sinc
/// interpolation.
pub fn clock_offset(signal: &[i16], ppm: f64) -> Vec<i16> {
    const HALF: isize = 32;
    let ratio = 1.0 + ppm * 1e-6;
    let out_len = (signal.len() as f64 / ratio).floor() as usize;
    (0..out_len)
        .map(|n| {
            let t = n as f64 * ratio;
            let base = t.floor() as isize;
            let frac = t - base as f64;
            let mut acc = 0.0;
            for k in -HALF + 1..=HALF {
                let i = base + k;
                if i < 0 || i as usize >= signal.len() {
                    continue;
                }
                let x = k as f64 - frac;
                let sinc =
                    if x.abs() < 1e-12 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
                let win = 0.5 + 0.5 * (std::f64::consts::PI * x / HALF as f64).cos();
                acc += f64::from(signal[i as usize]) * sinc * win;
            }
            acc.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::{block_dbm0, sine_amplitude};

    fn tone(hz: f64, n: usize) -> Vec<i16> {
        let a = f64::from(sine_amplitude(-14.0));
        (0..n).map(|i| (a * (2.0 * std::f64::consts::PI * hz * i as f64 / 8000.0).sin()) as i16).collect()
    }

    #[test]
    fn noise_has_the_asked_snr() {
        let mut s = tone(1000.0, 80_000);
        let clean = s.clone();
        add_noise_at_snr(&mut s, 20.0, 1);
        let noise: Vec<i16> = s.iter().zip(&clean).map(|(a, b)| a - b).collect();
        let snr = block_dbm0(&clean) - block_dbm0(&noise);
        assert!((snr - 20.0).abs() < 0.2, "{snr}");
    }

    #[test]
    fn frequency_shift_moves_a_tone() {
        let s = shift_frequency(&tone(1000.0, 8000), 7.0);
        // Count zero crossings over the middle 0.5 s: 1007 Hz → 1007 crossings per 0.5 s.
        let mid = &s[2000..6000];
        let crossings = mid.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        assert!((crossings as i64 - 503).abs() <= 1, "{crossings}");
    }

    #[test]
    fn clock_offset_stretches() {
        let s = clock_offset(&tone(1000.0, 80_000), 1000.0);
        assert_eq!(s.len(), (80_000.0f64 / 1.001).floor() as usize);
        let crossings = s[4000..76_000].windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        // 1000 Hz sampled 0.1 % slower reads as 1001 Hz: 9009 crossings in 9 s.
        assert!((crossings as i64 - 9009).abs() <= 2, "{crossings}");
    }
}
