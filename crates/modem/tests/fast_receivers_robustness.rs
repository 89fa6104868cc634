//! The V.27ter and V.29 receivers on hostile input: they never panic, re-arm after training
//! on noise (instead of parking until the carrier drops), and hold a ±200 ppm clock offset
//! and a ±10 Hz carrier offset from our own transmitters.

use ferrofax_modem::sim;
use ferrofax_modem::{
    BitQueue, RxEvent, V27terRate, V27terReceiver, V27terTransmitter, V29Rate, V29Receiver, V29Transmitter,
};
use proptest::prelude::*;

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

#[derive(Clone, Copy, Debug)]
enum Modem {
    V27ter(V27terRate),
    V29(V29Rate),
}

const ALL: [Modem; 5] = [
    Modem::V27ter(V27terRate::Bps4800),
    Modem::V27ter(V27terRate::Bps2400),
    Modem::V29(V29Rate::Bps9600),
    Modem::V29(V29Rate::Bps7200),
    Modem::V29(V29Rate::Bps4800),
];

fn transmit(modem: Modem, bits: &[bool]) -> Vec<i16> {
    let mut q = BitQueue::new();
    bits.iter().for_each(|&b| q.push(b));
    let mut out = Vec::new();
    let mut buf = [0i16; 160];
    let mut run = |f: &mut dyn FnMut(&mut [i16], &mut BitQueue) -> usize| {
        while {
            let n = f(&mut buf, &mut q);
            out.extend_from_slice(&buf[..n]);
            n == buf.len()
        } {}
    };
    match modem {
        Modem::V27ter(r) => {
            let mut tx = V27terTransmitter::new(r, -14.0, false);
            run(&mut |b, q| tx.transmit(b, q));
        }
        Modem::V29(r) => {
            let mut tx = V29Transmitter::new(r, -14.0, false);
            run(&mut |b, q| tx.transmit(b, q));
        }
    }
    out
}

/// The bits after the last successful training, and every other event.
fn receive(modem: Modem, signal: &[i16]) -> (Vec<bool>, Vec<RxEvent>) {
    let mut bits = Vec::new();
    let mut events = Vec::new();
    let mut on = |e| match e {
        RxEvent::Bit(b) => bits.push(b),
        RxEvent::TrainingSucceeded => {
            bits.clear();
            events.push(e);
        }
        e => events.push(e),
    };
    match modem {
        Modem::V27ter(r) => {
            let mut rx = V27terReceiver::new(r);
            signal.chunks(160).for_each(|c| rx.receive(c, &mut on));
        }
        Modem::V29(r) => {
            let mut rx = V29Receiver::new(r);
            signal.chunks(160).for_each(|c| rx.receive(c, &mut on));
        }
    }
    (bits, events)
}

fn errors(sent: &[bool], got: &[bool]) -> usize {
    let n = sent.len().min(got.len());
    sent[..n].iter().zip(&got[..n]).filter(|(a, b)| a != b).count() + (sent.len() - n)
}

#[test]
fn training_on_noise_fails_and_the_real_signal_still_trains() {
    for modem in ALL {
        let bits = prbs(3000, 9);
        // One second of noise at −40 dBm0 (above the carrier threshold), then the signal
        // at −14 dBm0 with the noise still under it.
        let mut signal = vec![0i16; 8000];
        signal.extend(transmit(modem, &bits));
        signal.extend(std::iter::repeat_n(0, 800));
        sim::add_noise_floor(&mut signal, -40.0, 3);
        let (got, events) = receive(modem, &signal);
        assert!(events.contains(&RxEvent::TrainingSucceeded), "{modem:?}: {events:?}");
        // The carrier came up on the noise and never dropped before the signal: the receiver
        // re-armed by itself (with or without reporting a failed attempt). After the signal
        // the noise raises the carrier again.
        let trained = events.iter().position(|&e| e == RxEvent::TrainingSucceeded).unwrap_or(0);
        let tried = [RxEvent::CarrierUp, RxEvent::TrainingFailed];
        assert!(events[..trained] == [RxEvent::CarrierUp] || events[..trained] == tried, "{modem:?}: {events:?}");
        assert_eq!(events[trained + 1..].first(), Some(&RxEvent::CarrierDown), "{modem:?}: {events:?}");
        assert_eq!(errors(&bits, &got), 0, "{modem:?}: {events:?}");
    }
}

#[test]
fn our_receivers_hold_200_ppm_and_10_hz() {
    for modem in ALL {
        let bits = prbs(6000, 5);
        let mut clean = vec![0i16; 400];
        clean.extend(transmit(modem, &bits));
        clean.extend(std::iter::repeat_n(0, 800));
        for ppm in [-200.0, 200.0] {
            let (got, events) = receive(modem, &sim::clock_offset(&clean, ppm));
            assert!(events.contains(&RxEvent::TrainingSucceeded), "{modem:?} {ppm}: {events:?}");
            assert_eq!(errors(&bits, &got), 0, "{modem:?} {ppm} ppm");
        }
        for hz in [-10.0, 10.0] {
            let (got, events) = receive(modem, &sim::shift_frequency(&clean, hz));
            assert!(events.contains(&RxEvent::TrainingSucceeded), "{modem:?} {hz}: {events:?}");
            assert_eq!(errors(&bits, &got), 0, "{modem:?} {hz} Hz");
        }
    }
}

#[test]
fn extreme_signals_do_not_train() {
    let square: Vec<i16> = (0..16_000).map(|n| if n / 3 % 2 == 0 { i16::MAX } else { i16::MIN }).collect();
    let dc = vec![i16::MIN; 16_000];
    for modem in ALL {
        for s in [&square, &dc] {
            let (_, events) = receive(modem, s);
            assert!(!events.contains(&RxEvent::TrainingSucceeded), "{modem:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn any_input_is_safe(samples in proptest::collection::vec(any::<i16>(), 0..4000), cut in 1usize..400, gap in 0usize..400) {
        for modem in ALL {
            let mut on = |_e: RxEvent| {};
            match modem {
                Modem::V27ter(r) => {
                    let mut rx = V27terReceiver::new(r);
                    for c in samples.chunks(cut) {
                        rx.receive(c, &mut on);
                        rx.fill_in(gap);
                    }
                    rx.reset();
                }
                Modem::V29(r) => {
                    let mut rx = V29Receiver::new(r);
                    for c in samples.chunks(cut) {
                        rx.receive(c, &mut on);
                        rx.fill_in(gap);
                    }
                    rx.reset();
                }
            }
        }
    }
}

#[test]
fn transmitters_send_at_the_asked_level_and_receivers_stop_with_the_signal() {
    for modem in ALL {
        let bits = prbs(4000, 7);
        let signal = transmit(modem, &bits);
        let level = sim::signal_level_dbm0(&signal);
        assert!((level + 14.0).abs() < 0.3, "{modem:?}: {level} dBm0");
        let mut padded = signal.clone();
        padded.extend(std::iter::repeat_n(0, 4000));
        let (got, events) = receive(modem, &padded);
        assert_eq!(events, [RxEvent::CarrierUp, RxEvent::TrainingSucceeded, RxEvent::CarrierDown], "{modem:?}");
        // Data, the closing 32 symbols of ones, and at most a few symbols more.
        let bps = match modem {
            Modem::V27ter(r) => r.bits_per_symbol() as usize,
            Modem::V29(r) => r.bits_per_symbol() as usize,
        };
        assert!(got.len() <= bits.len() + 40 * bps, "{modem:?}: {} bits for {}", got.len(), bits.len());
        assert_eq!(errors(&bits, &got), 0);
    }
}
