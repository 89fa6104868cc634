//! ferrofax's G.711 codec, V.21 channel 2 modem with HDLC, and connect tones against
//! SpanDSP's, both ways: each end's signal is understood by the other.
#![cfg(feature = "spandsp")]

use ferrofax_modem::fsk::{DEFAULT_LEVEL_DBM0, FskReceiver, FskTransmitter};
use ferrofax_modem::{ConnectTone, HdlcDecoder, HdlcEncoder, HdlcEvent, Law, RxEvent, ToneDetector, ToneSender};
use ferrofax_spandsp_peer::audio::{SpanG711, SpanTone, SpanV21Receiver, SpanV21Sender, span_tone, span_tones_heard};

/// T.30 frames as ferrofax writes them: CSI, DIS, CFR, and frames whose octets need zero
/// insertion and carry every value.
fn frames() -> Vec<Vec<u8>> {
    let mut lcg = 12345u32;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                lcg = lcg.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (lcg >> 16) as u8
            })
            .collect()
    };
    vec![
        vec![0xff, 0x03, 0x40, 0x04, 0x4c, 0x4c, 0x4c, 0x4c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        vec![0xff, 0x03, 0x80, 0x00, 0xee, 0xf8, 0x80, 0x80, 0x91, 0x80, 0x80, 0x80, 0x18],
        vec![0xff, 0x13, 0x84],
        vec![0xff, 0x03, 0xff, 0xff, 0xfe, 0x7e, 0x7f, 0x3f, 0x1f],
        [vec![0xff, 0x03], random(60)].concat(),
    ]
}

fn our_burst(frames: &[Vec<u8>], level_dbm0: f32) -> Vec<i16> {
    let mut bits = HdlcEncoder::burst(32, frames, 2);
    let mut tx = FskTransmitter::new(level_dbm0);
    let mut signal = vec![0i16; 600];
    let mut buf = [0i16; 160];
    loop {
        let n = tx.transmit(&mut buf, &mut bits);
        signal.extend_from_slice(&buf[..n]);
        if n < buf.len() {
            break;
        }
    }
    signal.extend(std::iter::repeat_n(0, 1600));
    signal
}

fn our_receiver_hears(signal: &[i16]) -> Vec<(Vec<u8>, bool)> {
    let mut rx = FskReceiver::new(-43.0);
    let mut hdlc = HdlcDecoder::new(8, 256);
    let mut got = Vec::new();
    for chunk in signal.chunks(160) {
        rx.receive(chunk, |e| match e {
            RxEvent::Bit(b) => {
                if let Some(HdlcEvent::Frame { octets, fcs_ok }) = hdlc.put_bit(b) {
                    got.push((octets.to_vec(), fcs_ok));
                }
            }
            RxEvent::CarrierDown => hdlc.reset(),
            _ => {}
        });
    }
    got
}

/// A deterministic Gaussian noise source (Box–Muller over a 64-bit LCG).
fn add_noise(signal: &mut [i16], rms: f64, seed: u64) {
    let mut state = seed;
    let mut uniform = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for x in signal.iter_mut() {
        let g = (-2.0 * uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform()).cos();
        *x = (f64::from(*x) + g * rms).round().clamp(-32768.0, 32767.0) as i16;
    }
}

fn good(frames: &[Vec<u8>]) -> Vec<(Vec<u8>, bool)> {
    frames.iter().map(|f| (f.clone(), true)).collect()
}

#[test]
fn g711_agrees_with_spandsp_on_every_sample_and_code() {
    let all: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    let codes: Vec<u8> = (0..=255).collect();
    for (law, ulaw) in [(Law::Ulaw, true), (Law::Alaw, false)] {
        let mut theirs = SpanG711::new(ulaw);
        let mut ours = vec![0u8; all.len()];
        law.encode(&all, &mut ours);
        let expected = theirs.encode(&all);
        let differ: Vec<(i16, u8, u8)> = all
            .iter()
            .zip(ours.iter().zip(&expected))
            .filter(|(_, (a, b))| a != b)
            .map(|(&x, (&a, &b))| (x, a, b))
            .take(8)
            .collect();
        assert!(differ.is_empty(), "{law:?}: encoding differs from SpanDSP's (sample, ours, theirs): {differ:?}");
        let mut decoded = vec![0i16; 256];
        law.decode(&codes, &mut decoded);
        assert_eq!(decoded, theirs.decode(&codes), "{law:?}: decoding differs from SpanDSP's");
    }
}

#[test]
fn spandsp_hears_our_v21_frames_at_every_level() {
    let frames = frames();
    for level in [-6.0, DEFAULT_LEVEL_DBM0, -30.0, -43.0] {
        let mut rx = SpanV21Receiver::new();
        rx.receive(&our_burst(&frames, level));
        assert_eq!(rx.heard().frames, good(&frames), "at {level} dBm0");
    }
}

#[test]
fn we_hear_spandsps_v21_frames_at_every_level() {
    let frames = frames();
    for level in [-6.0, DEFAULT_LEVEL_DBM0, -30.0, -43.0] {
        let mut signal = vec![0i16; 437];
        signal.extend(SpanV21Sender::new(32, &frames, level).transmit_all(8000 * 10));
        signal.extend(std::iter::repeat_n(0, 1600));
        assert_eq!(our_receiver_hears(&signal), good(&frames), "at {level} dBm0");
    }
}

#[test]
fn v21_both_ways_under_noise() {
    // −14 dBm0 signal, noise at 8 dB SNR over the whole band: both receivers decode every frame.
    let frames = frames();
    let rms = ferrofax_modem::level::sine_amplitude(DEFAULT_LEVEL_DBM0) as f64 / 2f64.sqrt() / 10f64.powf(8.0 / 20.0);
    for seed in 1..=3 {
        let mut ours = our_burst(&frames, DEFAULT_LEVEL_DBM0);
        add_noise(&mut ours, rms, seed);
        let mut rx = SpanV21Receiver::new();
        rx.receive(&ours);
        // SpanDSP also reports the noise after the burst as damaged frames; the good ones count.
        let heard: Vec<_> = rx.heard().frames.iter().filter(|f| f.1).cloned().collect();
        assert_eq!(heard, good(&frames), "SpanDSP hearing us, seed {seed}");

        let mut theirs = vec![0i16; 300];
        theirs.extend(SpanV21Sender::new(32, &frames, DEFAULT_LEVEL_DBM0).transmit_all(8000 * 10));
        theirs.extend(std::iter::repeat_n(0, 1600));
        add_noise(&mut theirs, rms, seed + 100);
        let heard: Vec<_> = our_receiver_hears(&theirs).into_iter().filter(|f| f.1).collect();
        assert_eq!(heard, good(&frames), "us hearing SpanDSP, seed {seed}");
    }
}

fn our_tones_heard(signal: &[i16]) -> Vec<ConnectTone> {
    let mut d = ToneDetector::new();
    let mut out = Vec::new();
    for chunk in signal.chunks(160) {
        d.receive(chunk, |t| out.push(t));
    }
    out
}

fn our_tone(mut s: ToneSender, samples: usize) -> Vec<i16> {
    let mut out = vec![0i16; samples];
    let n = s.transmit(&mut out);
    out.truncate(n);
    out.resize(samples, 0);
    out
}

#[test]
fn we_hear_spandsps_tones() {
    // Two CNG bursts in 4 s; CED once.
    assert_eq!(our_tones_heard(&span_tone(SpanTone::Cng, 32_000)), [ConnectTone::Cng, ConnectTone::Cng]);
    assert_eq!(our_tones_heard(&span_tone(SpanTone::Ced, 24_000)), [ConnectTone::Ced]);
}

#[test]
fn spandsp_hears_our_tones() {
    const FAX_CNG: i32 = 1;
    const ANS: i32 = 2;
    const FAX_PREAMBLE: i32 = 6;
    let cng = span_tones_heard(SpanTone::Cng, &our_tone(ToneSender::cng(4000), 32_000));
    assert!(cng.iter().any(|&(c, _)| c == FAX_CNG), "{cng:?}");
    let ced = span_tones_heard(SpanTone::CedOrPreamble, &our_tone(ToneSender::ced(3000), 32_000));
    assert!(ced.iter().any(|&(c, _)| c == ANS), "{ced:?}");
    // Our V.21 preamble is a fax preamble to SpanDSP's detector too.
    let pre = span_tones_heard(SpanTone::CedOrPreamble, &our_burst(&frames(), DEFAULT_LEVEL_DBM0));
    assert!(pre.iter().any(|&(c, _)| c == FAX_PREAMBLE), "{pre:?}");
    // And nothing in a V.21 burst is taken for CNG or CED by our detector.
    assert!(our_tones_heard(&our_burst(&frames(), DEFAULT_LEVEL_DBM0)).is_empty());
}
