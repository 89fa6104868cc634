//! A fractionally spaced (T/2) adaptive equaliser: a complex FIR over the last baseband
//! samples, read once per symbol, whose taps follow the normalised LMS rule — trained on a
//! known sequence first, then on its own decisions. It undoes the line's amplitude and delay
//! distortion and whatever the matched filter leaves, and absorbs a fixed timing offset.

use super::Complex32;

/// The equaliser.
#[derive(Debug, Clone)]
pub struct Equalizer {
    taps: Vec<Complex32>,
    /// Inputs, written twice so the newest `len` are contiguous.
    ring: Vec<Complex32>,
    at: usize,
    centre: usize,
    /// Running mean energy of the inputs, for normalising the step.
    power: f32,
}

impl Equalizer {
    /// `len` taps at T/2; the initial response passes the sample `centre` T/2 back.
    pub fn new(len: usize, centre: usize) -> Self {
        let len = len.max(1);
        let mut e = Equalizer {
            taps: vec![Complex32::new(0.0, 0.0); len],
            ring: vec![Complex32::new(0.0, 0.0); 2 * len],
            at: 0,
            centre: centre.min(len - 1),
            power: 1.0,
        };
        e.reset();
        e
    }

    /// Back to the pass-through response with an empty history.
    pub fn reset(&mut self) {
        self.taps.iter_mut().for_each(|t| *t = Complex32::new(0.0, 0.0));
        self.taps[self.centre] = Complex32::new(1.0, 0.0);
        self.ring.iter_mut().for_each(|v| *v = Complex32::new(0.0, 0.0));
        self.at = 0;
        self.power = 1.0;
    }

    /// Running mean energy of the T/2 inputs.
    pub fn input_power(&self) -> f32 {
        self.power
    }

    /// Delay of the pass-through response, in T/2 samples.
    pub fn centre(&self) -> usize {
        self.centre
    }

    pub fn taps(&self) -> &[Complex32] {
        &self.taps
    }

    /// A T/2 sample in.
    #[inline]
    pub fn push(&mut self, x: Complex32) {
        let len = self.taps.len();
        self.ring[self.at] = x;
        self.ring[self.at + len] = x;
        self.at = (self.at + 1) % len;
        self.power += (x.norm_sqr() - self.power) * (1.0 / 64.0);
    }

    /// The output for the inputs so far.
    #[inline]
    pub fn output(&self) -> Complex32 {
        let len = self.taps.len();
        // ring[at..at + len] is oldest first; taps[i] applies i samples back.
        let window = &self.ring[self.at..self.at + len];
        let mut y = Complex32::new(0.0, 0.0);
        for (x, t) in window.iter().rev().zip(&self.taps) {
            y += x * t;
        }
        y
    }

    /// One LMS step towards removing `error` (wanted − output) from the last output, with
    /// step `mu` normalised by the input energy over the taps.
    #[inline]
    pub fn adapt(&mut self, error: Complex32, mu: f32) {
        let len = self.taps.len();
        let norm = mu / (len as f32 * self.power.max(1e-6));
        let e = error * norm;
        let window = &self.ring[self.at..self.at + len];
        for (x, t) in window.iter().rev().zip(self.taps.iter_mut()) {
            *t += e * x.conj();
        }
        if !self.taps.iter().all(|t| t.re.is_finite() && t.im.is_finite()) {
            self.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_an_echo() {
        // Symbols through a channel with a 40 % echo one symbol later.
        let mut eq = Equalizer::new(17, 8);
        let mut r = 7u32;
        let mut last = Complex32::new(0.0, 0.0);
        let mut history = std::collections::VecDeque::new();
        let mut err = 0.0;
        for n in 0..4000 {
            r = r.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let s =
                Complex32::new(if r >> 16 & 1 == 1 { 1.0 } else { -1.0 }, if r >> 17 & 1 == 1 { 1.0 } else { -1.0 });
            let x = s + last * 0.4;
            last = s;
            eq.push(x * 0.5);
            eq.push(x);
            history.push_back(s);
            if history.len() > 5 {
                history.pop_front();
            }
            let want = history[0];
            let y = eq.output();
            eq.adapt(want - y, 0.1);
            if n > 3500 {
                err += (want - y).norm_sqr();
            }
        }
        assert!(err / 500.0 < 0.01, "{}", err / 500.0);
    }
}
