//! The fax connect tones: CNG, the caller's 1100 Hz calling tone (0.5 s on, 3 s off, again
//! and again), and CED, the answerer's 2100 Hz identification tone (2.6 to 4 s, no phase
//! reversals). Both sent at −11 dBm0, and detected by their share of the signal's power.

use crate::level::{mean_square, sine_amplitude};
use crate::oscillator::Oscillator;

/// A connect tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectTone {
    /// Calling tone, 1100 Hz.
    Cng,
    /// Called terminal identification (V.25 answer tone), 2100 Hz.
    Ced,
}

impl ConnectTone {
    pub const fn hz(self) -> f64 {
        match self {
            ConnectTone::Cng => 1100.0,
            ConnectTone::Ced => 2100.0,
        }
    }
}

/// The level SpanDSP and most fax machines send the tones at.
pub const TONE_LEVEL_DBM0: f32 = -11.0;

/// Generates a tone, in bursts or continuously, for a set time.
#[derive(Debug, Clone)]
pub struct ToneSender {
    osc: Oscillator,
    amplitude: f32,
    on: u32,
    period: u32,
    at: u32,
    total: u32,
}

impl ToneSender {
    /// CNG's cadence (0.5 s on, 3 s off) for `ms` milliseconds, starting with the tone.
    pub fn cng(ms: u32) -> Self {
        Self::cadence(ConnectTone::Cng, 4000, 28_000, ms)
    }

    /// CNG's cadence going on after its first burst: 3 s of silence first, then 0.5 s of tone,
    /// and so on, for `ms` milliseconds.
    pub fn cng_after_first_burst(ms: u32) -> Self {
        let mut s = Self::cadence(ConnectTone::Cng, 4000, 28_000, ms.saturating_add(500));
        s.at = 4000;
        s
    }

    /// CED, continuously for `ms` milliseconds.
    pub fn ced(ms: u32) -> Self {
        Self::cadence(ConnectTone::Ced, u32::MAX, u32::MAX, ms)
    }

    fn cadence(tone: ConnectTone, on: u32, period: u32, ms: u32) -> Self {
        ToneSender {
            osc: Oscillator::new(tone.hz()),
            amplitude: sine_amplitude(TONE_LEVEL_DBM0),
            on,
            period,
            at: 0,
            total: ms.saturating_mul(8),
        }
    }

    /// Fills `out`; returns how many samples were written, fewer than asked once the time is
    /// up.
    pub fn transmit(&mut self, out: &mut [i16]) -> usize {
        for (n, o) in out.iter_mut().enumerate() {
            if self.at >= self.total {
                return n;
            }
            let in_period = if self.period == u32::MAX { self.at } else { self.at % self.period };
            *o = if in_period < self.on {
                (self.osc.next_sin() * self.amplitude) as i16
            } else {
                self.osc.reset();
                0
            };
            self.at += 1;
        }
        out.len()
    }
}

/// Samples per detection block (10 ms).
const BLOCK: u32 = 80;

/// A Goertzel filter at one frequency over a block.
#[derive(Debug, Clone)]
struct Goertzel {
    coeff: f32,
    s1: f32,
    s2: f32,
}

impl Goertzel {
    fn new(hz: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
        Goertzel { coeff: (2.0 * w.cos()) as f32, s1: 0.0, s2: 0.0 }
    }

    #[inline]
    fn update(&mut self, x: f32) {
        let s = x + self.coeff * self.s1 - self.s2;
        self.s2 = self.s1;
        self.s1 = s;
    }

    /// The mean square of the block's component at this frequency; resets.
    fn take_power(&mut self) -> f32 {
        let p = self.s1 * self.s1 + self.s2 * self.s2 - self.coeff * self.s1 * self.s2;
        self.s1 = 0.0;
        self.s2 = 0.0;
        2.0 * p / (BLOCK * BLOCK) as f32
    }
}

/// Detects CNG and CED: a tone is heard once it has held at least 70 % of the signal's power,
/// above −43 dBm0, for 400 ms (CNG) or 500 ms (CED) without a break. Reported once per tone.
#[derive(Debug, Clone)]
pub struct ToneDetector {
    cng: Goertzel,
    ced: Goertzel,
    power: f32,
    at: u32,
    floor: f32,
    cng_blocks: u32,
    ced_blocks: u32,
}

impl Default for ToneDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl ToneDetector {
    pub fn new() -> Self {
        ToneDetector {
            cng: Goertzel::new(ConnectTone::Cng.hz()),
            ced: Goertzel::new(ConnectTone::Ced.hz()),
            power: 0.0,
            at: 0,
            floor: mean_square(-43.0),
            cng_blocks: 0,
            ced_blocks: 0,
        }
    }

    pub fn reset(&mut self) {
        *self = ToneDetector::new();
    }

    /// Listens to `samples`; reports each tone heard to `on_tone`.
    pub fn receive(&mut self, samples: &[i16], mut on_tone: impl FnMut(ConnectTone)) {
        for &x in samples {
            let x = f32::from(x);
            self.cng.update(x);
            self.ced.update(x);
            self.power += x * x;
            self.at += 1;
            if self.at < BLOCK {
                continue;
            }
            let total = self.power / BLOCK as f32;
            let (pc, pd) = (self.cng.take_power(), self.ced.take_power());
            self.at = 0;
            self.power = 0.0;
            let loud = total >= self.floor;
            self.cng_blocks = if loud && pc >= 0.7 * total { self.cng_blocks + 1 } else { 0 };
            self.ced_blocks = if loud && pd >= 0.7 * total { self.ced_blocks + 1 } else { 0 };
            if self.cng_blocks == 40 {
                on_tone(ConnectTone::Cng);
            }
            if self.ced_blocks == 50 {
                on_tone(ConnectTone::Ced);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(signal: &[i16]) -> Vec<(ConnectTone, usize)> {
        let mut d = ToneDetector::new();
        let mut out = Vec::new();
        for (i, chunk) in signal.chunks(160).enumerate() {
            d.receive(chunk, |t| out.push((t, i * 160)));
        }
        out
    }

    fn send(mut s: ToneSender) -> Vec<i16> {
        let mut out = vec![0i16; 40_000];
        let n = s.transmit(&mut out);
        out.truncate(n);
        out
    }

    #[test]
    fn cng_has_its_cadence_and_is_heard_once_per_burst() {
        let sig = send(ToneSender::cng(4000));
        assert_eq!(sig.len(), 32_000);
        assert!(sig[..4000].iter().any(|&x| x > 5000));
        assert!(sig[4000..28_000].iter().all(|&x| x == 0));
        assert!(sig[28_000..].iter().any(|&x| x > 5000));
        let h = heard(&sig);
        assert_eq!(h.iter().map(|x| x.0).collect::<Vec<_>>(), [ConnectTone::Cng, ConnectTone::Cng]);
        // Heard in the chunk where 400 ms of tone are complete.
        assert!(h[0].1 + 160 >= 3200 && h[0].1 < 4000, "{h:?}");
    }

    #[test]
    fn cng_goes_on_with_silence_first() {
        let sig = send(ToneSender::cng_after_first_burst(4000));
        assert_eq!(sig.len(), 32_000);
        assert!(sig[..24_000].iter().all(|&x| x == 0));
        assert!(sig[24_000..28_000].iter().any(|&x| x > 5000));
    }

    #[test]
    fn ced_is_heard_and_not_taken_for_cng() {
        let h = heard(&send(ToneSender::ced(3000)));
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].0, ConnectTone::Ced);
    }

    #[test]
    fn short_or_quiet_tones_are_not_heard() {
        assert!(heard(&send(ToneSender::ced(300))).is_empty());
        let quiet: Vec<i16> = send(ToneSender::ced(3000)).iter().map(|&x| x / 100).collect();
        assert!(heard(&quiet).is_empty());
    }
}
