//! A numerically controlled oscillator: a 32-bit phase accumulator read through a sine table.
//! Exact in frequency over any length of signal (the phase never accumulates rounding), and
//! cheap per sample; the table's 4096 points keep spurious tones below −70 dB, far under what
//! G.711 adds.

use std::sync::LazyLock;

/// Sample rate of every signal in this crate.
pub const SAMPLE_RATE: u32 = 8000;

const TABLE_BITS: u32 = 12;
const TABLE_LEN: usize = 1 << TABLE_BITS;

static SINE: LazyLock<[f32; TABLE_LEN]> = LazyLock::new(|| {
    let mut t = [0f32; TABLE_LEN];
    for (i, v) in t.iter_mut().enumerate() {
        *v = (2.0 * std::f64::consts::PI * i as f64 / TABLE_LEN as f64).sin() as f32;
    }
    t
});

/// The phase step per sample of a frequency, in 2³² per cycle.
pub fn phase_step(hz: f64) -> u32 {
    let cycles_per_sample = hz / f64::from(SAMPLE_RATE);
    (cycles_per_sample.rem_euclid(1.0) * 4_294_967_296.0).round() as u32
}

/// A sine and cosine source at a set frequency.
#[derive(Debug, Clone)]
pub struct Oscillator {
    phase: u32,
    step: u32,
    table: &'static [f32; TABLE_LEN],
}

impl Oscillator {
    pub fn new(hz: f64) -> Self {
        Oscillator { phase: 0, step: phase_step(hz), table: &SINE }
    }

    /// Changes the frequency, keeping the phase (continuous-phase FSK).
    pub fn set_frequency(&mut self, hz: f64) {
        self.step = phase_step(hz);
    }

    /// Changes the frequency by a phase step, keeping the phase.
    pub fn set_step(&mut self, step: u32) {
        self.step = step;
    }

    pub fn step(&self) -> u32 {
        self.step
    }

    pub fn phase(&self) -> u32 {
        self.phase
    }

    /// Moves the phase by `delta` (2³² per cycle).
    pub fn shift_phase(&mut self, delta: i32) {
        self.phase = self.phase.wrapping_add_signed(delta);
    }

    pub fn reset(&mut self) {
        self.phase = 0;
    }

    /// Advances `samples` samples without producing them.
    pub fn skip(&mut self, samples: usize) {
        self.phase = self.phase.wrapping_add(self.step.wrapping_mul(samples as u32));
    }

    /// The sine at the current phase, then advances one sample.
    #[inline]
    pub fn next_sin(&mut self) -> f32 {
        let v = self.table[(self.phase >> (32 - TABLE_BITS)) as usize];
        self.phase = self.phase.wrapping_add(self.step);
        v
    }

    /// The cosine and sine at the current phase, then advances one sample.
    #[inline]
    pub fn next_cos_sin(&mut self) -> (f32, f32) {
        let i = (self.phase >> (32 - TABLE_BITS)) as usize;
        let s = self.table[i];
        let c = self.table[(i + TABLE_LEN / 4) & (TABLE_LEN - 1)];
        self.phase = self.phase.wrapping_add(self.step);
        (c, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_is_exact_over_a_long_signal() {
        // 1650 Hz: after 8000·60 samples, exactly 99,000 cycles.
        let mut o = Oscillator::new(1650.0);
        let mut crossings = 0;
        let mut last = o.next_sin();
        for _ in 1..8000 * 60 {
            let v = o.next_sin();
            if last < 0.0 && v >= 0.0 {
                crossings += 1;
            }
            last = v;
        }
        assert!((crossings as i64 - 99_000).abs() <= 1, "{crossings}");
    }

    #[test]
    fn cos_leads_sin_by_a_quarter() {
        let mut o = Oscillator::new(1000.0);
        let (c, s) = o.next_cos_sin();
        assert!((c - 1.0).abs() < 1e-6 && s.abs() < 1e-6);
        let (c, s) = o.next_cos_sin();
        let w = 2.0 * std::f32::consts::PI * 1000.0 / 8000.0;
        assert!((c - w.cos()).abs() < 2e-3 && (s - w.sin()).abs() < 2e-3);
    }
}
