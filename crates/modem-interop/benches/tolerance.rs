//! Carrier frequency and sample clock offset tolerance of ferrofax's V.27ter and V.29
//! receivers and SpanDSP's, on the same signals from SpanDSP's transmitter (20 s of data for
//! the clock offsets, as in the research notes §8.4), no noise. Prints a table; not a timed
//! benchmark.
//!
//! cargo bench -p ferrofax-modem-interop --features spandsp --bench tolerance

use ferrofax_modem::{RxEvent, V27terRate, V27terReceiver, V29Rate, V29Receiver, sim};
use ferrofax_spandsp_peer::v27ter_v29::{SpanFastModem, SpanFastReceiver, SpanFastSender};

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

fn errors(sent: &[bool], got: &[bool]) -> usize {
    let n = sent.len().min(got.len());
    sent[..n].iter().zip(&got[..n]).filter(|(a, b)| a != b).count() + (sent.len() - n)
}

fn spandsp_signal(modem: SpanFastModem, bits: &[bool]) -> Vec<i16> {
    let mut tx = SpanFastSender::new(modem, false, -14.0, bits);
    let mut s = vec![0i16; 800];
    s.extend(tx.transmit_all(8000 * 120));
    s.extend(std::iter::repeat_n(0, 1600));
    s
}

/// Errors of SpanDSP's receiver, or None if it did not train.
fn spandsp_errors(modem: SpanFastModem, signal: &[i16], bits: &[bool]) -> Option<usize> {
    let mut rx = SpanFastReceiver::new(modem);
    rx.receive(signal);
    rx.heard().trained().then(|| errors(bits, rx.heard().bits_after_training()))
}

/// Errors of our receiver, or None if it did not train.
fn our_errors(modem: SpanFastModem, signal: &[i16], bits: &[bool]) -> Option<usize> {
    let mut got = Vec::new();
    let mut trained = false;
    let mut on = |e| match e {
        RxEvent::Bit(b) => got.push(b),
        RxEvent::TrainingSucceeded => {
            trained = true;
            got.clear();
        }
        _ => {}
    };
    match modem {
        SpanFastModem::V27ter(r) => {
            let mut rx = V27terReceiver::new(V27terRate::from_bps(r).unwrap());
            signal.chunks(160).for_each(|c| rx.receive(c, &mut on));
        }
        SpanFastModem::V29(r) => {
            let mut rx = V29Receiver::new(V29Rate::from_bps(r).unwrap());
            signal.chunks(160).for_each(|c| rx.receive(c, &mut on));
        }
    }
    trained.then(|| errors(bits, &got))
}

fn ber(e: Option<usize>, n: usize) -> String {
    match e {
        None => "no train".to_owned(),
        Some(0) => format!("0 (<{:.0e})", 1.0 / n as f64),
        Some(e) => format!("{:.1e}", e as f64 / n as f64),
    }
}

fn main() {
    let modems =
        [SpanFastModem::V29(9600), SpanFastModem::V29(7200), SpanFastModem::V27ter(4800), SpanFastModem::V27ter(2400)];
    println!("{:<14} {:>12}  {:>14} {:>14}", "modem", "offset", "span→span", "span→ours");
    for modem in modems {
        let bps = match modem {
            SpanFastModem::V29(r) | SpanFastModem::V27ter(r) => r as usize,
        };
        let short = prbs(bps * 4, 7);
        let signal = spandsp_signal(modem, &short);
        for hz in [-30.0, -25.0, -20.0, -15.0, -10.0, 10.0, 15.0, 20.0, 25.0, 30.0] {
            let s = sim::shift_frequency(&signal, hz);
            println!(
                "{:<14} {:>12}  {:>14} {:>14}",
                format!("{modem:?}"),
                format!("{hz:+} Hz"),
                ber(spandsp_errors(modem, &s, &short), short.len()),
                ber(our_errors(modem, &s, &short), short.len())
            );
        }
        let long = prbs(bps * 20, 8);
        let signal = spandsp_signal(modem, &long);
        for ppm in [-1000.0, -500.0, -300.0, -200.0, -100.0, -50.0, 50.0, 100.0, 200.0, 300.0, 500.0, 1000.0] {
            let s = sim::clock_offset(&signal, ppm);
            println!(
                "{:<14} {:>12}  {:>14} {:>14}",
                format!("{modem:?}"),
                format!("{ppm:+} ppm"),
                ber(spandsp_errors(modem, &s, &long), long.len()),
                ber(our_errors(modem, &s, &long), long.len())
            );
        }
    }
}
