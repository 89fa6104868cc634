//! Pulse shaping: the root-raised-cosine response every fast fax modem shapes its symbols with
//! (V.27ter 50 % roll-off, V.17 and V.29 commonly 25 %), evaluated at any time offset so that
//! transmitters and receivers can build polyphase filters for 10/3, 5 or 20/3 samples per
//! symbol; and a plain FIR filter over a ring of samples.

use std::f64::consts::PI;

/// The root-raised-cosine impulse response with roll-off `beta` (0 < β ≤ 1) at `t` symbol
/// periods from its centre; 1 − β + 4β/π at the centre.
pub fn root_raised_cosine(beta: f64, t: f64) -> f64 {
    if t.abs() < 1e-9 {
        return 1.0 - beta + 4.0 * beta / PI;
    }
    let singular = 1.0 / (4.0 * beta);
    if (t.abs() - singular).abs() < 1e-9 {
        let a = PI / (4.0 * beta);
        return beta / 2f64.sqrt() * ((1.0 + 2.0 / PI) * a.sin() + (1.0 - 2.0 / PI) * a.cos());
    }
    let x = PI * t;
    let num = (x * (1.0 - beta)).sin() + 4.0 * beta * t * (x * (1.0 + beta)).cos();
    let den = x * (1.0 - (4.0 * beta * t).powi(2));
    num / den
}

/// `taps` samples of the response, `samples_per_symbol` apart in time per symbol, centred,
/// normalised to unit gain at DC (the taps sum to 1 per symbol period).
pub fn root_raised_cosine_taps(beta: f64, samples_per_symbol: f64, taps: usize) -> Vec<f32> {
    let centre = (taps as f64 - 1.0) / 2.0;
    let raw: Vec<f64> = (0..taps).map(|i| root_raised_cosine(beta, (i as f64 - centre) / samples_per_symbol)).collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|v| (v * samples_per_symbol / sum) as f32).collect()
}

/// A FIR filter with real taps over a ring of its last inputs.
#[derive(Debug, Clone)]
pub struct Fir {
    taps: Vec<f32>,
    /// The inputs, written twice so that the newest `taps.len()` are always contiguous.
    ring: Vec<f32>,
    at: usize,
}

impl Fir {
    pub fn new(taps: Vec<f32>) -> Self {
        let n = taps.len().max(1);
        Fir { taps, ring: vec![0.0; 2 * n], at: 0 }
    }

    pub fn reset(&mut self) {
        self.ring.iter_mut().for_each(|v| *v = 0.0);
        self.at = 0;
    }

    /// Takes one input; returns the filter's output.
    #[inline]
    pub fn push(&mut self, x: f32) -> f32 {
        let n = self.taps.len();
        if n == 0 {
            return 0.0;
        }
        self.ring[self.at] = x;
        self.ring[self.at + n] = x;
        self.at = (self.at + 1) % n;
        // ring[at..at + n] holds the inputs oldest first; taps are applied newest first.
        self.ring[self.at..self.at + n].iter().zip(self.taps.iter().rev()).map(|(a, b)| a * b).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrc_squared_is_nyquist() {
        // The RRC convolved with itself (a raised cosine) is zero at every other symbol time.
        let sps = 8.0;
        let taps = root_raised_cosine_taps(0.5, sps, 8 * 12 + 1);
        let rc: Vec<f64> = (0..taps.len() * 2 - 1)
            .map(|k| {
                (0..taps.len())
                    .filter_map(|i| k.checked_sub(i).and_then(|j| taps.get(j)).map(|t| f64::from(taps[i] * t)))
                    .sum()
            })
            .collect();
        let centre = taps.len() - 1;
        for m in 1..5 {
            let isi = rc[centre + m * 8] / rc[centre];
            assert!(isi.abs() < 0.01, "ISI {isi} at {m} symbols");
        }
        // The singular points are continuous.
        let at = 1.0 / (4.0 * 0.25);
        assert!((root_raised_cosine(0.25, at) - root_raised_cosine(0.25, at + 1e-6)).abs() < 1e-4);
    }

    #[test]
    fn fir_convolves() {
        let mut f = Fir::new(vec![1.0, 2.0, 3.0]);
        let out: Vec<f32> = [1.0, 0.0, 0.0, 0.0, 1.0].iter().map(|&x| f.push(x)).collect();
        assert_eq!(out, [1.0, 2.0, 3.0, 0.0, 1.0]);
    }
}
