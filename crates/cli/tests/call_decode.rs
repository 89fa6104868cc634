//! `fax call decode` reads a fax out of a recording: a call between two ferrofax audio
//! terminals is recorded, written as a stereo WAV file by Python's `wave` module (an
//! independent writer) and as raw μ-law, and the command finds both sides' frames and the
//! page, which it writes to a TIFF.

use std::path::Path;
use std::process::Command;

use ferrofax_image::{Bitmap, ReadLimits, Resolution, read_tiff};
use ferrofax_modem::Law;
use ferrofax_modem::call::AudioCall;
use ferrofax_modem::terminal::AudioConfig;
use ferrofax_t30::{CallRole, Config, ModemFamilies, SendPage, Session};

fn fax(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fax")).args(args).env_remove("FAX_URL").env_remove("FAX_TOKEN").output().unwrap()
}

fn page() -> Bitmap {
    let mut b = Bitmap::new(1728, 400);
    for y in (20..380).step_by(9) {
        b.fill_run(y, 100 + y % 50, 900 + y);
    }
    b
}

/// A V.29 fax of one page between two ferrofax terminals: the caller's audio and the
/// answerer's.
fn recorded_call() -> (Vec<i16>, Vec<i16>) {
    let cfg = |role| {
        let mut c = Config::new(role, "+1 555 0100");
        c.capabilities.modems = ModemFamilies { v27ter: false, v29: true, v17: false };
        c
    };
    let mut caller = AudioCall::new(
        Session::sender(cfg(CallRole::Calling), vec![SendPage::new(page(), Resolution::Fine)]),
        AudioConfig::default(),
    );
    let mut answerer = AudioCall::new(Session::receiver(cfg(CallRole::Answering)), AudioConfig::default());
    caller.start();
    answerer.start();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    while a.len() < 8000 * 120 && !(caller.is_finished() && answerer.is_finished()) {
        let (mut x, mut y) = ([0i16; 160], [0i16; 160]);
        caller.transmit(&mut x);
        answerer.transmit(&mut y);
        answerer.receive(&x);
        caller.receive(&y);
        a.extend(x);
        b.extend(y);
    }
    assert!(caller.session().completion().is_some_and(|c| c.result.is_ok()), "the call itself fails");
    (a, b)
}

fn write_wav_with_python(path: &Path, left: &[i16], right: &[i16]) {
    let raw = path.with_extension("raw");
    let bytes: Vec<u8> =
        left.iter().zip(right).flat_map(|(l, r)| [l.to_le_bytes(), r.to_le_bytes()].concat()).collect();
    std::fs::write(&raw, bytes).unwrap();
    let script = "import sys, wave\nw = wave.open(sys.argv[2], 'wb')\nw.setnchannels(2)\nw.setsampwidth(2)\nw.setframerate(8000)\nw.writeframes(open(sys.argv[1], 'rb').read())\nw.close()\n";
    let out = Command::new("python3").arg("-c").arg(script).arg(&raw).arg(path).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_recorded_call_is_decoded_to_its_frames_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (caller, answerer) = recorded_call();

    let wav = dir.path().join("call.wav");
    write_wav_with_python(&wav, &caller, &answerer);
    let tif = dir.path().join("pages.tif");
    let out = fax(&["call", "decode", wav.to_str().unwrap(), "-o", tif.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for needle in [
        "2  V.21          DIS",
        "1  V.21          DCS (V.29 9600, Fine",
        "1  V.29 9600     TCF",
        "2  V.21          CFR",
        "1  V.29 9600     page: 1728×400",
        "2  V.21          MCF",
        "1 page(s) written",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    let bytes = std::fs::read(&tif).unwrap();
    let t = read_tiff(&bytes, ReadLimits::default()).unwrap();
    assert_eq!(t.pages.len(), 1);
    assert!(t.decode_page(0).unwrap() == page());

    // Both sides mixed into one raw μ-law channel.
    let ulaw = dir.path().join("call.ulaw");
    let mixed: Vec<u8> =
        caller.iter().zip(&answerer).map(|(&x, &y)| Law::Ulaw.encode_sample(x.saturating_add(y))).collect();
    std::fs::write(&ulaw, mixed).unwrap();
    let out = fax(&["call", "decode", "--json", "--format", "ulaw", ulaw.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let what: Vec<&str> = seen.as_array().unwrap().iter().filter_map(|s| s["what"].as_str()).collect();
    for name in ["DIS", "DCS", "CFR", "MCF", "DCN", "page: 1728×400"] {
        assert!(what.iter().any(|w| w.contains(name)), "{name} not in {what:?}");
    }
}

#[test]
fn what_is_not_a_recording_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("x.wav");
    std::fs::write(&bad, b"RIFF\x04\x00\x00\x00WAVEjunk").unwrap();
    let out = fax(&["call", "decode", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no data chunk") && err.contains("--format"), "{err}");

    let wav = dir.path().join("fast.wav");
    let script = "import sys, wave\nw = wave.open(sys.argv[1], 'wb')\nw.setnchannels(1)\nw.setsampwidth(2)\nw.setframerate(44100)\nw.writeframes(b'\\0' * 882)\nw.close()\n";
    assert!(Command::new("python3").arg("-c").arg(script).arg(&wav).status().unwrap().success());
    let out = fax(&["call", "decode", wav.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("44100 Hz"), "{err}");

    // Silence: nothing heard, and no TIFF made from nothing.
    let quiet = dir.path().join("quiet.sln");
    std::fs::write(&quiet, vec![0u8; 16_000]).unwrap();
    let out = fax(&[
        "call",
        "decode",
        "--format",
        "s16",
        quiet.to_str().unwrap(),
        "-o",
        dir.path().join("none.tif").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("no page could be read"), "{err}");
}
