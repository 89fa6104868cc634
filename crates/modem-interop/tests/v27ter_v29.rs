//! ferrofax's V.27ter and V.29 modems against SpanDSP's, both ways: our transmitter into
//! SpanDSP's receiver and SpanDSP's transmitter into our receiver, data compared bit for bit,
//! clean and through the line impairments of `ferrofax_modem::sim`.
#![cfg(feature = "spandsp")]

use ferrofax_modem::v27ter::V27terReceiver;
use ferrofax_modem::v27ter::{V27terRate, V27terTransmitter};
use ferrofax_modem::v29::V29Receiver;
use ferrofax_modem::v29::{V29Rate, V29Transmitter};
use ferrofax_modem::{BitQueue, RxEvent};
use ferrofax_spandsp_peer::v27ter_v29::{SpanFastModem, SpanFastReceiver, SpanFastSender};

const LEVEL: f32 = -14.0;

fn prbs(n: usize, seed: u64) -> Vec<bool> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s & 1 == 1
        })
        .collect()
}

/// Our transmitter's whole signal for `bits`, with silence before and after.
fn our_signal(modem: SpanFastModem, bits: &[bool], tep: bool) -> Vec<i16> {
    let mut q = BitQueue::new();
    bits.iter().for_each(|&b| q.push(b));
    let mut signal = vec![0i16; 800];
    let mut buf = [0i16; 160];
    let mut run = |f: &mut dyn FnMut(&mut [i16], &mut BitQueue) -> usize| loop {
        let n = f(&mut buf, &mut q);
        signal.extend_from_slice(&buf[..n]);
        if n < buf.len() {
            break;
        }
    };
    match modem {
        SpanFastModem::V27ter(r) => {
            let mut tx = V27terTransmitter::new(V27terRate::from_bps(r).unwrap(), LEVEL, tep);
            run(&mut |b, q| tx.transmit(b, q));
        }
        SpanFastModem::V29(r) => {
            let mut tx = V29Transmitter::new(V29Rate::from_bps(r).unwrap(), LEVEL, tep);
            run(&mut |b, q| tx.transmit(b, q));
        }
    }
    signal.extend(std::iter::repeat_n(0, 1600));
    signal
}

/// How many of `sent` SpanDSP got wrong or missed, counting from the first bit after training.
fn errors(sent: &[bool], got: &[bool]) -> usize {
    let n = sent.len().min(got.len());
    sent[..n].iter().zip(&got[..n]).filter(|(a, b)| a != b).count() + (sent.len() - n)
}

fn spandsp_hears(modem: SpanFastModem, signal: &[i16]) -> ferrofax_spandsp_peer::v27ter_v29::FastHeard {
    let mut rx = SpanFastReceiver::new(modem);
    rx.receive(signal);
    rx.heard().clone()
}

const ALL: [SpanFastModem; 5] = [
    SpanFastModem::V27ter(4800),
    SpanFastModem::V27ter(2400),
    SpanFastModem::V29(9600),
    SpanFastModem::V29(7200),
    SpanFastModem::V29(4800),
];

#[test]
fn our_transmitters_train_spandsp_bit_exact() {
    let mut failures = Vec::new();
    for modem in ALL {
        for tep in [false, true] {
            let bits = prbs(4000, 1);
            let signal = our_signal(modem, &bits, tep);
            let heard = spandsp_hears(modem, &signal);
            let e = errors(&bits, heard.bits_after_training());
            if !heard.trained() || e != 0 {
                failures.push(format!("{modem:?} tep {tep}: {:?} {e} errors {:?}", heard.statuses, heard.log));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn spandsp_signal(modem: SpanFastModem, bits: &[bool], tep: bool, level: f32) -> Vec<i16> {
    let mut tx = SpanFastSender::new(modem, tep, level, bits);
    let mut signal = vec![0i16; 800];
    signal.extend(tx.transmit_all(8000 * 60));
    signal.extend(std::iter::repeat_n(0, 1600));
    signal
}

/// What our receiver reports: bits after training and the other events.
#[derive(Debug, Default)]
struct OursHeard {
    bits: Vec<bool>,
    events: Vec<RxEvent>,
}

enum Ours {
    V27ter(V27terReceiver),
    V29(V29Receiver),
}

impl Ours {
    fn new(modem: SpanFastModem) -> Self {
        match modem {
            SpanFastModem::V27ter(r) => Ours::V27ter(V27terReceiver::new(V27terRate::from_bps(r).unwrap())),
            SpanFastModem::V29(r) => Ours::V29(V29Receiver::new(V29Rate::from_bps(r).unwrap())),
        }
    }

    fn receive(&mut self, samples: &[i16], heard: &mut OursHeard) {
        let mut on = |e| match e {
            RxEvent::Bit(b) => heard.bits.push(b),
            e => heard.events.push(e),
        };
        match self {
            Ours::V27ter(rx) => rx.receive(samples, &mut on),
            Ours::V29(rx) => rx.receive(samples, &mut on),
        }
    }

    fn fill_in(&mut self, samples: usize) {
        match self {
            Ours::V27ter(rx) => rx.fill_in(samples),
            Ours::V29(rx) => rx.fill_in(samples),
        }
    }
}

fn we_hear(modem: SpanFastModem, signal: &[i16]) -> OursHeard {
    let mut rx = Ours::new(modem);
    let mut heard = OursHeard::default();
    for chunk in signal.chunks(160) {
        rx.receive(chunk, &mut heard);
    }
    heard
}

#[test]
fn spandsp_transmitters_train_our_receivers_bit_exact() {
    let mut failures = Vec::new();
    for modem in ALL {
        for tep in [false, true] {
            let bits = prbs(4000, 2);
            let signal = spandsp_signal(modem, &bits, tep, LEVEL);
            let heard = we_hear(modem, &signal);
            let e = errors(&bits, &heard.bits);
            if !heard.events.contains(&RxEvent::TrainingSucceeded) || e != 0 {
                failures.push(format!("{modem:?} tep {tep}: {:?}, {e} errors", heard.events));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Which end transmits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    OursToSpandsp,
    SpandspToOurs,
}

const BOTH: [Direction; 2] = [Direction::OursToSpandsp, Direction::SpandspToOurs];

/// Sends `bits` one way through `impair`; returns whether the receiver trained and how many
/// bits it got wrong or missed.
fn through(
    modem: SpanFastModem,
    dir: Direction,
    level: f32,
    bits: &[bool],
    impair: &dyn Fn(Vec<i16>) -> Vec<i16>,
) -> (bool, usize) {
    match dir {
        Direction::OursToSpandsp => {
            let mut signal = our_signal(modem, bits, false);
            ferrofax_modem::sim::gain(&mut signal, level - LEVEL);
            let heard = spandsp_hears(modem, &impair(signal));
            (heard.trained(), errors(bits, heard.bits_after_training()))
        }
        Direction::SpandspToOurs => {
            let signal = spandsp_signal(modem, bits, false, level);
            let heard = we_hear(modem, &impair(signal));
            (heard.events.contains(&RxEvent::TrainingSucceeded), errors(bits, &heard.bits))
        }
    }
}

/// Runs every modem both ways through `impair` and lists what failed.
fn every_modem_both_ways(level: f32, impair: &dyn Fn(SpanFastModem, Direction, Vec<i16>) -> Vec<i16>) -> Vec<String> {
    let mut failures = Vec::new();
    for modem in ALL {
        for dir in BOTH {
            let bits = prbs(4000, 3);
            let (trained, e) = through(modem, dir, level, &bits, &|s| impair(modem, dir, s));
            if !trained || e != 0 {
                failures.push(format!("{modem:?} {dir:?}: trained {trained}, {e} errors"));
            }
        }
    }
    failures
}

/// SpanDSP's error-free SNR (notes §8.3; V.29 4800 not measured there, taken as V.27ter 4800's).
fn error_free_snr(modem: SpanFastModem) -> f32 {
    match modem {
        SpanFastModem::V29(9600) => 20.0,
        SpanFastModem::V29(7200) => 17.0,
        SpanFastModem::V29(_) => 16.0,
        SpanFastModem::V27ter(4800) => 16.0,
        SpanFastModem::V27ter(_) => 8.0,
    }
}

#[test]
fn white_noise_3_db_above_spandsps_error_free_snr() {
    let failures = every_modem_both_ways(LEVEL, &|modem, _, mut s| {
        ferrofax_modem::sim::add_noise_at_snr(&mut s, error_free_snr(modem) + 3.0, 11);
        s
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn received_levels_from_minus_43_to_minus_10_dbm0() {
    for level in [-43.0, -10.0] {
        let failures = every_modem_both_ways(level, &|_, _, mut s| {
            ferrofax_modem::sim::add_noise_floor(&mut s, -70.0, 5);
            s
        });
        assert!(failures.is_empty(), "{level} dBm0: {failures:#?}");
    }
}

#[test]
fn carrier_offset_of_7_hz() {
    for hz in [-7.0, 7.0] {
        let failures = every_modem_both_ways(LEVEL, &|_, _, s| ferrofax_modem::sim::shift_frequency(&s, hz));
        assert!(failures.is_empty(), "{hz} Hz: {failures:#?}");
    }
}

#[test]
fn clock_offset() {
    for sign in [-1.0, 1.0] {
        // SpanDSP's V.27ter receiver holds only about ±30 ppm; ours and SpanDSP's V.29 ±100.
        let failures = every_modem_both_ways(LEVEL, &|modem, dir, s| {
            let ppm = match (modem, dir) {
                (SpanFastModem::V27ter(_), Direction::OursToSpandsp) => 30.0,
                _ => 100.0,
            };
            ferrofax_modem::sim::clock_offset(&s, sign * ppm)
        });
        assert!(failures.is_empty(), "{sign}: {failures:#?}");
    }
}

#[test]
fn g711_mu_law_round_trip() {
    let failures = every_modem_both_ways(LEVEL, &|_, _, mut s| {
        ferrofax_modem::sim::g711_round_trip(&mut s, ferrofax_modem::Law::Ulaw);
        s
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Where to lose a 20 ms frame: a packet boundary about 40 % into the data.
fn lost_frame_at(modem: SpanFastModem, bits: usize) -> usize {
    let (training_samples, bps) = match modem {
        SpanFastModem::V29(r) => (608 * 10 / 3, r),
        SpanFastModem::V27ter(4800) => (1164 * 5, 4800),
        SpanFastModem::V27ter(r) => (1164 * 20 / 3, r),
    };
    let data = bits * 8000 / bps as usize;
    (800 + training_samples + data * 2 / 5) / 160 * 160
}

/// Compares what came through a lost frame with what was sent: `missing` bits gone at the
/// gap, wrong bits only within `slack` of it (the symbol decoded across the gap is wrong, and
/// the V.29 descrambler repeats each error 18 and 23 bits later), none anywhere else.
fn check_gap(sent: &[bool], got: &[bool], missing: usize, slack: usize) -> Result<(), String> {
    // The gap is where the received bits stop matching.
    let gap = sent.iter().zip(got).position(|(a, b)| a != b).unwrap_or(got.len().min(sent.len()));
    let before = gap.saturating_sub(8);
    let after_sent = &sent[(before + missing).min(sent.len())..];
    let after_got = &got[before.min(got.len())..];
    let n = after_sent.len().min(after_got.len());
    let wrong: Vec<usize> = (0..n).filter(|&i| after_sent[i] != after_got[i]).collect();
    let late = wrong.iter().filter(|&&i| i >= slack).count();
    if n + 100 < after_sent.len() || late > 0 {
        return Err(format!(
            "gap at bit {gap}: {} wrong after it ({late} beyond {slack}), {n} of {} compared",
            wrong.len(),
            after_sent.len()
        ));
    }
    Ok(())
}

#[test]
fn a_lost_20_ms_frame_is_filled_in() {
    let mut failures = Vec::new();
    for modem in ALL {
        let bits = prbs(4000, 4);
        let at = lost_frame_at(modem, bits.len());
        let missing = match modem {
            SpanFastModem::V29(r) => 48 * r as usize / 2400,
            SpanFastModem::V27ter(4800) => 96,
            SpanFastModem::V27ter(_) => 48,
        };
        // SpanDSP receiving.
        let signal = our_signal(modem, &bits, false);
        let mut rx = SpanFastReceiver::new(modem);
        rx.receive(&signal[..at]);
        rx.fill_in(160);
        rx.receive(&signal[at + 160..]);
        let heard = rx.heard();
        if let Err(e) = check_gap(&bits, heard.bits_after_training(), missing, 48) {
            failures.push(format!("{modem:?} into SpanDSP: {e} {:?}", heard.statuses));
        }
        // We receive.
        let signal = spandsp_signal(modem, &bits, false, LEVEL);
        let mut rx = Ours::new(modem);
        let mut heard = OursHeard::default();
        for (i, chunk) in signal.chunks(160).enumerate() {
            if i * 160 == at {
                rx.fill_in(160);
            } else {
                rx.receive(chunk, &mut heard);
            }
        }
        if let Err(e) = check_gap(&bits, &heard.bits, missing, 48) {
            failures.push(format!("{modem:?} into ours: {e} {:?}", heard.events));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
