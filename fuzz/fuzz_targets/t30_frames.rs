//! T.30 frames from a hostile or broken peer: the HDLC frame parser, the DIS/DCS/PPS/identity
//! decoders, and whole sending and receiving sessions fed those frames (and image data, signal
//! ends and timeouts) in any order. Nothing may panic, and every session must end once time
//! runs on.
#![no_main]

use std::time::Duration;

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_t30::frame::{Frame, frames_in_map, parse_ident};
use ferrofax_t30::{CallRole, Capabilities, Config, Dcs, ModemEvent, Modulation, Pps, SendPage, Session};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Frames are length-prefixed pieces of the input.
    let mut frames: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let n = (len as usize).min(tail.len());
        frames.push(&tail[..n]);
        rest = &tail[n..];
    }
    for f in &frames {
        if let Ok(frame) = Frame::parse(f) {
            let _ = Capabilities::decode(&frame.fif).encode();
            if let Ok(d) = Dcs::decode(&frame.fif) {
                assert_eq!(Dcs::decode(&d.encode()), Ok(d));
            }
            let _ = Pps::decode(&frame.fif);
            let _ = parse_ident(&frame.fif);
            let _ = frames_in_map(&frame.fif);
        }
    }
    let page = SendPage::new(Bitmap::new(1728, 40), Resolution::Fine);
    let sessions = [
        Session::receiver(Config::new(CallRole::Answering, "+1 555 0100")),
        Session::sender(Config::new(CallRole::Calling, "+1 555 0199"), vec![page]),
    ];
    for mut s in sessions {
        let mut now = Duration::ZERO;
        s.start(now);
        for (i, f) in frames.iter().enumerate() {
            now += Duration::from_millis(200);
            // The modem finished whatever it was asked to send.
            while s.poll_command().is_some() {}
            s.handle_modem(now, ModemEvent::TransmitDone);
            let event = match f.first().copied().unwrap_or(0) % 8 {
                0 => ModemEvent::ImageData(f.to_vec()),
                1 => ModemEvent::SignalEnded,
                2 => ModemEvent::ImageStarted(Modulation::V17_14400),
                3 => ModemEvent::Frame { data: f.to_vec(), fcs_ok: false, modulation: None },
                4 => ModemEvent::Frame { data: f.to_vec(), fcs_ok: true, modulation: Some(Modulation::V29_9600) },
                _ => ModemEvent::Frame { data: f.to_vec(), fcs_ok: true, modulation: None },
            };
            s.handle_modem(now, event);
            if i % 5 == 4 {
                now += Duration::from_secs(4);
                s.handle_timeout(now);
            }
            while s.poll_event().is_some() {}
        }
        // Left alone, every session ends within T1 + a few T2/T4 rounds.
        for _ in 0..400 {
            if s.is_finished() {
                break;
            }
            while s.poll_command().is_some() {}
            s.handle_modem(now, ModemEvent::TransmitDone);
            now = s.poll_timeout().unwrap_or(now).max(now) + Duration::from_millis(1);
            s.handle_timeout(now);
        }
        assert!(s.is_finished(), "session still running at {now:?}");
    }
});
