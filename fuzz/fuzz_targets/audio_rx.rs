//! Arbitrary audio (the input's octets as 16-bit samples, or as G.711 codes when the first
//! octet is odd) into the audio terminal in every listening mode and into the recording
//! decoder: both return, never panic, and keep what they hold bounded.
#![no_main]

use ferrofax_modem::recording::ChannelDecoder;
use ferrofax_modem::terminal::{AudioConfig, AudioTerminal};
use ferrofax_modem::Law;
use ferrofax_t30::{Listen, ModemCommand, ModemEvent, Modulation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let samples: Vec<i16> = if mode & 1 == 1 {
        rest.iter().map(|&c| Law::Ulaw.decode_sample(c)).collect()
    } else {
        rest.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
    };
    let modulations = [
        Modulation::V27ter2400,
        Modulation::V27ter4800,
        Modulation::V29_7200,
        Modulation::V29_9600,
        Modulation::V17_7200,
        Modulation::V17_9600,
        Modulation::V17_12000,
        Modulation::V17_14400,
    ];
    let m = modulations[usize::from(mode >> 1) % modulations.len()];
    let listen = match (mode >> 4) % 4 {
        0 => Listen::Control,
        1 => Listen::TrainingCheck(m),
        2 => Listen::Image(m),
        _ => Listen::EcmImage(m),
    };
    let mut t = AudioTerminal::new(AudioConfig::default());
    t.handle_command(ModemCommand::Receive(listen));
    let mut image = 0usize;
    for chunk in samples.chunks(160) {
        t.receive(chunk);
        while let Some(e) = t.poll_event() {
            if let ModemEvent::ImageData(d) = e {
                image += d.len();
            }
        }
    }
    // No more image data than the input's length could carry at 14,400 bit/s.
    assert!(image <= samples.len() * 14_400 / 8000 / 8 + 16);
    let mut d = ChannelDecoder::new();
    d.receive(&samples);
    let _ = d.take_observed();
});
