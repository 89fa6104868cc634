//! Bit error rate versus SNR of SpanDSP's V.17 receiver on SpanDSP's transmitter's signal and
//! on ferrofax's, the same pseudo-random data, white noise under the signal at a full-band
//! SNR (as in the research notes §8.2–8.3). A third column runs ferrofax's Viterbi decoder on
//! the equalised points SpanDSP's receiver reports for our signal, against SpanDSP's own
//! decoding of the same points. Our receiver on both signals too. Prints a table; not a
//! timed benchmark. V17_RATE=14400 runs one rate; BER_BITS sets the bits per point.
//!
//! cargo bench -p ferrofax-modem-interop --features spandsp --bench v17_ber

use ferrofax_modem::qam::Complex32;
use ferrofax_modem::qam::scrambler::Scrambler23;
use ferrofax_modem::v17::constellation::{A, B, C, D};
use ferrofax_modem::v17::scrambler::TRAINING_SEED;
use ferrofax_modem::v17::{DEFAULT_LEVEL_DBM0, V17Rate, V17Receiver, V17Transmitter, ViterbiDecoder, segment};
use ferrofax_modem::{BitQueue, RxEvent, sim};
use ferrofax_spandsp_peer::v17::{QamReport, SpanV17Receiver, SpanV17Transmitter, status};

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

fn spandsp_signal(rate: V17Rate, bits: &[bool]) -> Vec<i16> {
    let mut tx = SpanV17Transmitter::new(rate.bit_rate(), false, DEFAULT_LEVEL_DBM0);
    tx.push_bits(bits.iter().copied());
    let mut s = vec![0i16; 800];
    s.extend(tx.transmit_all(8000 * 120));
    s.extend(std::iter::repeat_n(0, 1600));
    s
}

fn our_signal(rate: V17Rate, bits: &[bool]) -> Vec<i16> {
    let mut q = BitQueue::new();
    bits.iter().for_each(|&b| q.push(b));
    let mut tx = V17Transmitter::new(rate, true, DEFAULT_LEVEL_DBM0, false);
    let mut s = vec![0i16; 800];
    let mut buf = [0i16; 160];
    loop {
        let n = tx.transmit(&mut buf, &mut q);
        s.extend_from_slice(&buf[..n]);
        if n < buf.len() {
            break;
        }
    }
    s.extend(std::iter::repeat_n(0, 1600));
    s
}

/// SpanDSP's receiver: its errors (None if it did not train) and the points it reported.
fn spandsp_receives(rate: V17Rate, signal: &[i16], bits: &[bool]) -> (Option<usize>, Vec<QamReport>) {
    let mut rx = SpanV17Receiver::new(rate.bit_rate());
    rx.record_points();
    rx.receive(signal);
    let trained = rx.statuses().iter().any(|&(s, _)| s == status::TRAINING_SUCCEEDED);
    (trained.then(|| errors(bits, rx.bits())), rx.reports().to_vec())
}

/// Our Viterbi decoder and descrambler on SpanDSP's equalised points. Segment 2 is found by
/// lining the points, each taken as the nearest of A B C D, up with the segment regenerated
/// from the scrambler (symbols 500–1500 of it, well after SpanDSP's receiver has settled);
/// coding starts at segment 4 (state 0, Y2Y1 = 1).
fn our_viterbi_errors(rate: V17Rate, reports: &[QamReport], bits: &[bool]) -> Option<usize> {
    let points: Vec<Complex32> = reports.iter().map(|r| Complex32::new(r.point.0, r.point.1)).collect();
    let abcd = [A, B, C, D].map(|(x, y)| Complex32::new(f32::from(x), f32::from(y)));
    let nearest = |z: Complex32| -> usize {
        (0..4).min_by(|&a, &b| (z - abcd[a]).norm_sqr().total_cmp(&(z - abcd[b]).norm_sqr())).unwrap_or(0)
    };
    let mut scrambler = Scrambler23::new(TRAINING_SEED);
    let expected: Vec<usize> = (0..segment::TWO_LONG)
        .map(|_| match (scrambler.scramble(true), scrambler.scramble(true)) {
            (false, false) => 2,
            (false, true) => 3,
            (true, false) => 1,
            (true, true) => 0,
        })
        .collect();
    let classes: Vec<usize> = points.iter().map(|&z| nearest(z)).collect();
    let window = 500..1500;
    let start = (0..2000usize.min(classes.len().saturating_sub(window.end)))
        .max_by_key(|&s| window.clone().filter(|&k| classes[s + k] == expected[k]).count())?;
    if window.clone().filter(|&k| classes[start + k] == expected[k]).count() < 900 {
        return None;
    }
    let coded = start + segment::TWO_LONG + segment::THREE;
    let data_bits = rate.data_bits();
    let mut viterbi = ViterbiDecoder::new(data_bits, 32);
    viterbi.reset(Some(0), 1);
    let mut descrambler = Scrambler23::default();
    let mut got = Vec::new();
    let mut symbols = 0usize;
    let mut take = |q: u32| {
        for b in 0..data_bits {
            let bit = descrambler.descramble((q >> b) & 1 == 1);
            if symbols >= segment::FOUR {
                got.push(bit);
            }
        }
        symbols += 1;
    };
    for &z in points.get(coded..)? {
        if let Some(q) = viterbi.push(z) {
            take(q);
        }
    }
    viterbi.flush(&mut take);
    Some(errors(bits, &got))
}

/// Our receiver's errors, or None if it did not train.
fn our_errors(rate: V17Rate, signal: &[i16], bits: &[bool]) -> Option<usize> {
    let mut rx = V17Receiver::new(rate);
    let mut got = Vec::new();
    let mut trained = false;
    for chunk in signal.chunks(160) {
        rx.receive(chunk, |e| match e {
            RxEvent::TrainingSucceeded => {
                trained = true;
                got.clear();
            }
            RxEvent::Bit(b) => got.push(b),
            _ => {}
        });
    }
    trained.then(|| errors(bits, &got))
}

fn ber(e: Option<usize>, n: usize) -> String {
    match e {
        None => "no train".to_owned(),
        Some(0) => format!("0(<{:.0e})", 1.0 / n as f64),
        Some(e) => format!("{:.1e}", e as f64 / n as f64),
    }
}

fn main() {
    let bits_per_run: usize = std::env::var("BER_BITS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let only: Option<u32> = std::env::var("V17_RATE").ok().and_then(|v| v.parse().ok());
    let table = [
        (V17Rate::Bps14400, 19..=25),
        (V17Rate::Bps12000, 17..=23),
        (V17Rate::Bps9600, 13..=18),
        (V17Rate::Bps7200, 10..=15),
    ];
    println!("bits per point: {bits_per_run} (set BER_BITS to change); SNR full band, noise under the signal");
    println!(
        "{:<6} {:>4}  {:>11} {:>11} {:>11} {:>11}  {:>24}",
        "rate", "SNR", "span→span", "ours→span", "span→ours", "ours→ours", "ours→span, our Viterbi"
    );
    for (rate, snrs) in table {
        if only.is_some_and(|r| r != rate.bit_rate()) {
            continue;
        }
        let bits = prbs(bits_per_run, 42);
        let span = spandsp_signal(rate, &bits);
        let ours = our_signal(rate, &bits);
        let data_level = |s: &[i16]| {
            let (a, b) = sim::active_span(s);
            let training = 3344 * 10 / 3;
            (sim::signal_level_dbm0(&s[a..b]), sim::signal_level_dbm0(&s[a + training + 100..b - 400]))
        };
        println!(
            "{}: level (whole, data) SpanDSP {:?} dBm0, ours {:?} dBm0",
            rate.bit_rate(),
            data_level(&span),
            data_level(&ours)
        );
        for snr in snrs {
            let mut a = span.clone();
            sim::add_noise_at_snr(&mut a, snr as f32, 1000 + snr as u64);
            let mut b = ours.clone();
            sim::add_noise_at_snr(&mut b, snr as f32, 1000 + snr as u64);
            let (span_span, _) = spandsp_receives(rate, &a, &bits);
            let (ours_span, points) = spandsp_receives(rate, &b, &bits);
            println!(
                "{:<6} {:>4}  {:>11} {:>11} {:>11} {:>11}  {:>24}",
                rate.bit_rate(),
                snr,
                ber(span_span, bits.len()),
                ber(ours_span, bits.len()),
                ber(our_errors(rate, &a, &bits), bits.len()),
                ber(our_errors(rate, &b, &bits), bits.len()),
                ber(ours_span.and(our_viterbi_errors(rate, &points, &bits)), bits.len()),
            );
        }
    }
}
