//! Bit error rate versus SNR of ferrofax's V.27ter and V.29 receivers and SpanDSP's, on the
//! very same signals: SpanDSP's transmitter (long training, pseudo-random data), white noise
//! under the signal at a full-band SNR (as in the research notes §8.2), then both receivers.
//! Also our transmitter into both receivers. Prints a table; not a timed benchmark.
//!
//! cargo bench -p ferrofax-modem-interop --features spandsp --bench ber_vs_snr

use ferrofax_modem::{BitQueue, V27terTransmitter, V29Transmitter};
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

fn our_signal(modem: SpanFastModem, bits: &[bool]) -> Vec<i16> {
    let mut q = BitQueue::new();
    bits.iter().for_each(|&b| q.push(b));
    let mut s = vec![0i16; 800];
    let mut buf = [0i16; 160];
    let mut run = |f: &mut dyn FnMut(&mut [i16], &mut BitQueue) -> usize| {
        while {
            let n = f(&mut buf, &mut q);
            s.extend_from_slice(&buf[..n]);
            n == buf.len()
        } {}
    };
    match modem {
        SpanFastModem::V27ter(r) => {
            let mut tx = V27terTransmitter::new(V27terRate::from_bps(r).unwrap(), -14.0, false);
            run(&mut |b, q| tx.transmit(b, q));
        }
        SpanFastModem::V29(r) => {
            let mut tx = V29Transmitter::new(V29Rate::from_bps(r).unwrap(), -14.0, false);
            run(&mut |b, q| tx.transmit(b, q));
        }
    }
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
    let bits_per_run: usize = std::env::var("BER_BITS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let table: [(SpanFastModem, std::ops::RangeInclusive<i32>); 5] = [
        (SpanFastModem::V29(9600), 15..=23),
        (SpanFastModem::V29(7200), 12..=20),
        (SpanFastModem::V29(4800), 8..=17),
        (SpanFastModem::V27ter(4800), 10..=19),
        (SpanFastModem::V27ter(2400), 3..=11),
    ];
    println!("bits per point: {bits_per_run} (set BER_BITS to change); SNR full band, noise under the signal");
    println!(
        "{:<14} {:>4}  {:>14} {:>14}  {:>14} {:>14}",
        "modem", "SNR", "span→span", "span→ours", "ours→span", "ours→ours"
    );
    for (modem, snrs) in table {
        let bits = prbs(bits_per_run, 42);
        let span = spandsp_signal(modem, &bits);
        let ours = our_signal(modem, &bits);
        for snr in snrs {
            let mut a = span.clone();
            sim::add_noise_at_snr(&mut a, snr as f32, 1000 + snr as u64);
            let mut b = ours.clone();
            sim::add_noise_at_snr(&mut b, snr as f32, 2000 + snr as u64);
            println!(
                "{:<14} {:>4}  {:>14} {:>14}  {:>14} {:>14}",
                format!("{modem:?}"),
                snr,
                ber(spandsp_errors(modem, &a, &bits), bits.len()),
                ber(our_errors(modem, &a, &bits), bits.len()),
                ber(spandsp_errors(modem, &b, &bits), bits.len()),
                ber(our_errors(modem, &b, &bits), bits.len()),
            );
        }
    }
}
