//! Any audio at all — noise, clipping, silence, DC, tones, bursts of a fax signal cut anywhere
//! — into the audio terminal in every listening mode and into the recording decoder: they
//! never panic, and what they hand out stays within what the input could carry.

use ferrofax_modem::recording::{ChannelDecoder, Observed};
use ferrofax_modem::sim::Awgn;
use ferrofax_modem::terminal::{AudioConfig, AudioTerminal};
use ferrofax_t30::{Listen, ModemCommand, ModemEvent, Modulation};
use proptest::prelude::*;

const MODULATIONS: [Modulation; 8] = [
    Modulation::V27ter2400,
    Modulation::V27ter4800,
    Modulation::V29_7200,
    Modulation::V29_9600,
    Modulation::V17_7200,
    Modulation::V17_9600,
    Modulation::V17_12000,
    Modulation::V17_14400,
];

/// A piece of audio of one kind.
#[derive(Debug, Clone)]
enum Piece {
    Noise { rms: f64, seed: u64, len: usize },
    Square { period: usize, len: usize },
    Dc { level: i16, len: usize },
    Silence { len: usize },
    Sine { hz: u16, amplitude: i16, len: usize },
    Fax { seed: u64, from: usize, len: usize },
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        (1.0f64..20_000.0, any::<u64>(), 1usize..4000).prop_map(|(rms, seed, len)| Piece::Noise { rms, seed, len }),
        (2usize..200, 1usize..4000).prop_map(|(period, len)| Piece::Square { period, len }),
        (any::<i16>(), 1usize..4000).prop_map(|(level, len)| Piece::Dc { level, len }),
        (1usize..4000).prop_map(|len| Piece::Silence { len }),
        (1u16..4000, any::<i16>(), 1usize..4000).prop_map(|(hz, amplitude, len)| Piece::Sine { hz, amplitude, len }),
        (any::<u64>(), 0usize..40_000, 1usize..8000).prop_map(|(seed, from, len)| Piece::Fax { seed, from, len }),
    ]
}

/// A fax signal to cut pieces from: a V.17 training and data, then V.21 frames.
fn fax_signal(seed: u64) -> Vec<i16> {
    use ferrofax_modem::v17::{V17Rate, V17Transmitter};
    use ferrofax_modem::{BitQueue, FskTransmitter, HdlcEncoder};
    let mut out = vec![0i16; 48_000];
    let mut bits = BitQueue::new();
    let mut x = seed | 1;
    for _ in 0..4000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bits.push(x & 1 == 1);
    }
    let mut tx = V17Transmitter::new(V17Rate::Bps14400, true, -14.0, false);
    let n = tx.transmit(&mut out, &mut bits);
    let mut v21 = HdlcEncoder::burst(32, &[vec![0xff, 0xc8, 0x21]], 2);
    let mut fsk = FskTransmitter::new(-14.0);
    let m = fsk.transmit(&mut out[n..], &mut v21);
    out.truncate(n + m);
    out
}

fn render(pieces: &[Piece]) -> Vec<i16> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Noise { rms, seed, len } => {
                let mut s = vec![0i16; *len];
                Awgn::new(*seed).add(&mut s, *rms);
                out.extend(s);
            }
            Piece::Square { period, len } => {
                out.extend((0..*len).map(|i| if (i / period) % 2 == 0 { i16::MAX } else { i16::MIN }));
            }
            Piece::Dc { level, len } => out.extend(std::iter::repeat_n(*level, *len)),
            Piece::Silence { len } => out.extend(std::iter::repeat_n(0, *len)),
            Piece::Sine { hz, amplitude, len } => out.extend((0..*len).map(|i| {
                (f64::from(*amplitude) * (2.0 * std::f64::consts::PI * f64::from(*hz) * i as f64 / 8000.0).sin()) as i16
            })),
            Piece::Fax { seed, from, len } => {
                let s = fax_signal(*seed);
                let from = (*from).min(s.len());
                out.extend(&s[from..(from + len).min(s.len())]);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_audio_is_heard_safely(pieces in proptest::collection::vec(piece(), 1..8), mode in 0usize..32, chunk in 1usize..400) {
        let samples = render(&pieces);
        let m = MODULATIONS[mode % 8];
        let listen = match mode / 8 {
            0 => Listen::Control,
            1 => Listen::TrainingCheck(m),
            2 => Listen::Image(m),
            _ => Listen::EcmImage(m),
        };
        let mut t = AudioTerminal::new(AudioConfig::default());
        t.handle_command(ModemCommand::Receive(listen));
        let mut image = 0usize;
        let mut frames = 0usize;
        for c in samples.chunks(chunk) {
            t.receive(c);
            if c.len() % 3 == 0 {
                t.fill_in(c.len());
            }
            while let Some(e) = t.poll_event() {
                match e {
                    ModemEvent::ImageData(d) => image += d.len(),
                    ModemEvent::Frame { data, .. } => {
                        frames += 1;
                        prop_assert!(data.len() <= 270);
                    }
                    _ => {}
                }
            }
        }
        // No more than the input's duration could carry at 14,400 bit/s (or at 300 bit/s for
        // frames of at least 3 octets).
        prop_assert!(image <= samples.len() * 14_400 / 8000 / 8 + 16, "{image} octets from {} samples", samples.len());
        prop_assert!(frames <= samples.len() / 100 + 2);

        let mut d = ChannelDecoder::new();
        for c in samples.chunks(chunk) {
            d.receive(c);
        }
        for o in d.take_observed() {
            if let Observed::Page { page, .. } = o {
                prop_assert!(page.bitmap.height() <= 10_000);
            }
        }
    }
}
