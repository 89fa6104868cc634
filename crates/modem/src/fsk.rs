//! V.21 channel 2: 300 bit/s binary FSK, 1650 Hz for a one (mark) and 1850 Hz for a zero
//! (space), the modulation of every T.30 control frame on an audio line.
//!
//! The transmitter keeps the phase continuous across bits. The receiver correlates the signal
//! with both tones over one bit time (a sliding window kept exactly in integers), decides by
//! which is stronger, and recovers the bit clock from the decisions' transitions with a
//! digital phase-locked loop that samples each bit at its end, when the window holds it whole.

use crate::bits::BitSource;
use crate::level::{CarrierChange, CarrierDetector, sine_amplitude};
use crate::oscillator::{Oscillator, SAMPLE_RATE, phase_step};
use crate::rx::RxEvent;

/// Bits per second.
pub const BAUD: u32 = 300;
/// The frequency of a one.
pub const MARK_HZ: f64 = 1650.0;
/// The frequency of a zero.
pub const SPACE_HZ: f64 = 1850.0;
/// The level SpanDSP and most fax machines send at.
pub const DEFAULT_LEVEL_DBM0: f32 = -14.0;

/// Sends bits as V.21 channel 2 FSK.
#[derive(Debug, Clone)]
pub struct FskTransmitter {
    osc: Oscillator,
    amplitude: f32,
    mark: u32,
    space: u32,
    /// Samples into the current bit, in 1/BAUD of a sample (a bit is SAMPLE_RATE of them).
    baud_phase: u32,
    /// The current bit is over: take the next one before the next sample.
    need_bit: bool,
}

impl FskTransmitter {
    pub fn new(level_dbm0: f32) -> Self {
        FskTransmitter {
            osc: Oscillator::new(MARK_HZ),
            amplitude: sine_amplitude(level_dbm0),
            mark: phase_step(MARK_HZ),
            space: phase_step(SPACE_HZ),
            baud_phase: 0,
            need_bit: true,
        }
    }

    /// Fills `out` with the signal of the bits `source` gives, and returns how many samples
    /// were written: fewer than `out.len()` once the source has run dry at a bit boundary (the
    /// transmission is then over, and the next call starts a new one).
    pub fn transmit(&mut self, out: &mut [i16], source: &mut impl BitSource) -> usize {
        for (n, o) in out.iter_mut().enumerate() {
            if self.need_bit {
                let Some(bit) = source.next_bit() else {
                    self.baud_phase = 0;
                    return n;
                };
                self.osc.set_step(if bit { self.mark } else { self.space });
                self.need_bit = false;
            }
            *o = (self.osc.next_sin() * self.amplitude) as i16;
            self.baud_phase += BAUD;
            if self.baud_phase >= SAMPLE_RATE {
                self.baud_phase -= SAMPLE_RATE;
                self.need_bit = true;
            }
        }
        out.len()
    }
}

/// One baud at 8,000 samples/s is 26⅔ samples; the correlation window is the whole samples
/// of it.
const WINDOW: usize = 27;
/// Fixed-point scale of the correlators' reference tones.
const REF_SCALE: f32 = 16384.0;

/// A correlator: x·e^(−jωn) summed over the last `WINDOW` samples, kept exactly.
#[derive(Debug, Clone)]
struct Correlator {
    osc: Oscillator,
    products: [(i32, i32); WINDOW],
    sum: (i64, i64),
}

impl Correlator {
    fn new(hz: f64) -> Self {
        Correlator { osc: Oscillator::new(hz), products: [(0, 0); WINDOW], sum: (0, 0) }
    }

    #[inline]
    fn update(&mut self, x: i16, slot: usize) -> f32 {
        let (c, s) = self.osc.next_cos_sin();
        let p = (i32::from(x) * (c * REF_SCALE) as i32, -(i32::from(x) * (s * REF_SCALE) as i32));
        let old = std::mem::replace(&mut self.products[slot], p);
        self.sum.0 += i64::from(p.0) - i64::from(old.0);
        self.sum.1 += i64::from(p.1) - i64::from(old.1);
        let (re, im) = (self.sum.0 as f32, self.sum.1 as f32);
        re * re + im * im
    }

    fn reset(&mut self) {
        self.products = [(0, 0); WINDOW];
        self.sum = (0, 0);
    }
}

/// Demodulates V.21 channel 2.
#[derive(Debug, Clone)]
pub struct FskReceiver {
    mark: Correlator,
    space: Correlator,
    slot: usize,
    carrier: CarrierDetector,
    /// Samples since the carrier came up (the window fills first).
    warm: usize,
    last_decision: bool,
    /// Position in the bit, 0..1; a bit is taken when it wraps.
    clock: f32,
    transitions: u32,
}

/// The bit clock advances this much per sample.
const CLOCK_STEP: f32 = BAUD as f32 / SAMPLE_RATE as f32;

impl FskReceiver {
    /// A receiver whose carrier is on at `on_dbm0` and off 5 dB lower (fax terminals listen
    /// down to about −43 dBm0).
    pub fn new(on_dbm0: f32) -> Self {
        FskReceiver {
            mark: Correlator::new(MARK_HZ),
            space: Correlator::new(SPACE_HZ),
            slot: 0,
            carrier: CarrierDetector::new(on_dbm0, on_dbm0 - 5.0, 40.0),
            warm: 0,
            last_decision: true,
            clock: 0.0,
            transitions: 0,
        }
    }

    /// Whether a carrier is present.
    pub fn carrier(&self) -> bool {
        self.carrier.present()
    }

    /// The level of what is being received, in dBm0.
    pub fn level_dbm0(&self) -> f32 {
        self.carrier.level_dbm0()
    }

    /// Starts over.
    pub fn reset(&mut self) {
        self.mark.reset();
        self.space.reset();
        self.carrier.reset();
        self.warm = 0;
        self.clock = 0.0;
        self.transitions = 0;
    }

    /// Demodulates `samples`, reporting carrier changes and bits (only while the carrier is
    /// up) to `on_event`.
    pub fn receive(&mut self, samples: &[i16], mut on_event: impl FnMut(RxEvent)) {
        for &x in samples {
            let em = self.mark.update(x, self.slot);
            let es = self.space.update(x, self.slot);
            self.slot = (self.slot + 1) % WINDOW;
            match self.carrier.update(f32::from(x)) {
                Some(CarrierChange::Up) => {
                    self.warm = 0;
                    self.clock = 0.0;
                    self.transitions = 0;
                    on_event(RxEvent::CarrierUp);
                }
                Some(CarrierChange::Down) => {
                    on_event(RxEvent::CarrierDown);
                }
                None => {}
            }
            if !self.carrier.present() {
                continue;
            }
            self.warm += 1;
            let decision = em > es;
            if decision != self.last_decision && self.warm > WINDOW / 2 {
                // A transition belongs half a bit before the sampling instant; pull the clock
                // towards it, hard at first, then gently.
                let error = self.clock - 0.5;
                let gain = if self.transitions < 8 { 0.5 } else { 0.125 };
                self.clock -= error * gain;
                self.transitions = self.transitions.saturating_add(1);
            }
            self.last_decision = decision;
            self.clock += CLOCK_STEP;
            if self.clock >= 1.0 {
                self.clock -= 1.0;
                if self.warm >= WINDOW {
                    on_event(RxEvent::Bit(decision));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bits::BitQueue;
    use crate::hdlc::{HdlcDecoder, HdlcEncoder, HdlcEvent};

    fn prbs(n: usize, seed: u32) -> Vec<bool> {
        let mut r = seed | 1;
        (0..n)
            .map(|_| {
                r ^= r << 13;
                r ^= r >> 17;
                r ^= r << 5;
                r & 1 == 1
            })
            .collect()
    }

    #[test]
    fn bits_come_back() {
        let bits = prbs(600, 7);
        let mut q = BitQueue::new();
        q.push_repeated(true, 16);
        bits.iter().for_each(|&b| q.push(b));
        q.push_repeated(true, 8);
        let mut tx = FskTransmitter::new(DEFAULT_LEVEL_DBM0);
        let mut signal = vec![0i16; 200];
        let mut buf = [0i16; 160];
        loop {
            let n = tx.transmit(&mut buf, &mut q);
            signal.extend_from_slice(&buf[..n]);
            if n < buf.len() {
                break;
            }
        }
        signal.extend(std::iter::repeat_n(0, 400));
        assert_eq!(signal.len(), 600 + (624 * 8000usize).div_ceil(300));
        let mut rx = FskReceiver::new(-43.0);
        let mut got = Vec::new();
        let mut events = Vec::new();
        for chunk in signal.chunks(160) {
            rx.receive(chunk, |e| match e {
                RxEvent::Bit(b) => got.push(b),
                other => events.push(other),
            });
        }
        assert_eq!(events, [RxEvent::CarrierUp, RxEvent::CarrierDown]);
        let at = (0..got.len() - bits.len()).find(|&i| got[i..i + bits.len()] == bits[..]);
        assert!(at.is_some(), "the bits are not in what was received");
    }

    #[test]
    fn a_control_burst_decodes() {
        let frames = vec![vec![0xff, 0xc0, 0xc2, 0x31, 0x32], vec![0xff, 0xc8, 0x21]];
        let mut q = HdlcEncoder::burst(32, &frames, 2);
        let mut tx = FskTransmitter::new(-30.0);
        let mut signal = vec![0i16; 8000];
        let mut buf = [0i16; 160];
        while {
            let n = tx.transmit(&mut buf, &mut q);
            signal.extend_from_slice(&buf[..n]);
            n == buf.len()
        } {}
        signal.extend(std::iter::repeat_n(0, 800));
        let mut rx = FskReceiver::new(-43.0);
        let mut hdlc = HdlcDecoder::new(8, 256);
        let mut got = Vec::new();
        rx.receive(&signal, |e| {
            if let RxEvent::Bit(b) = e
                && let Some(HdlcEvent::Frame { octets, fcs_ok }) = hdlc.put_bit(b)
            {
                got.push((octets.to_vec(), fcs_ok));
            }
        });
        assert_eq!(got, frames.into_iter().map(|f| (f, true)).collect::<Vec<_>>());
    }
}
