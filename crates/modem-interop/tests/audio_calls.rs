//! Whole fax calls over audio: ferrofax's T.30 with its audio terminal against SpanDSP's audio
//! fax terminal (`fax_init`), both directions, each modem forced, ECM on and off, through a
//! G.711 round trip; and ferrofax against itself. Pages are compared pixel for pixel and
//! SpanDSP's own phase-E result is checked.
#![cfg(feature = "spandsp")]

use ferrofax_image::{Coding, Resolution};
use ferrofax_modem::Law;
use ferrofax_modem::call::AudioCall;
use ferrofax_modem::terminal::AudioConfig;
use ferrofax_spandsp_peer::pages::{page, read_pages, write_pages};
use ferrofax_spandsp_peer::{Compressions, Modems, Role, RxEncoding, SpandspAudioTerminal, T30_ERR_OK, TerminalConfig};
use ferrofax_t30::{CallRole, Completion, Config, Event, ModemFamilies, ReceivedPage, SendPage, Session};

const FRAME: usize = 160;
const OUR_ID: &str = "+1 555 0100";
const SPANDSP_ID: &str = "+49 30 1234567";

#[derive(Debug, Clone, Copy)]
struct Case {
    family: &'static str,
    ecm: bool,
    law: Law,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, family) in ["V.17", "V.29", "V.27ter"].into_iter().enumerate() {
        for ecm in [false, true] {
            out.push(Case { family, ecm, law: if (i + usize::from(ecm)) % 2 == 0 { Law::Ulaw } else { Law::Alaw } });
        }
    }
    out
}

fn our_families(family: &str) -> ModemFamilies {
    match family {
        "V.17" => ModemFamilies { v27ter: false, v29: false, v17: true },
        "V.29" => ModemFamilies { v27ter: false, v29: true, v17: false },
        _ => ModemFamilies { v27ter: true, v29: false, v17: false },
    }
}

fn spandsp_modems(family: &str) -> Modems {
    match family {
        "V.17" => Modems::V17,
        "V.29" => Modems::V29,
        _ => Modems::V27TER,
    }
}

fn expected_rate(family: &str) -> u32 {
    match family {
        "V.17" => 14400,
        "V.29" => 9600,
        _ => 4800,
    }
}

fn our_config(role: CallRole, case: &Case) -> Config {
    let mut c = Config::new(role, OUR_ID);
    c.capabilities.modems = our_families(case.family);
    c.capabilities.ecm = case.ecm;
    c.capabilities.mmr = case.ecm;
    c
}

fn spandsp_config(role: Role, case: &Case) -> TerminalConfig {
    let mut c = TerminalConfig::new(role, 0);
    c.ecm = case.ecm;
    c.modems = Some(spandsp_modems(case.family));
    c.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
    c.local_ident = Some(SPANDSP_ID.into());
    c
}

/// A G.711 leg: each 20 ms frame encoded and decoded with one law.
fn carry(law: Law, samples: &[i16]) -> Vec<i16> {
    let mut codes = vec![0u8; samples.len()];
    law.encode(samples, &mut codes);
    let mut out = vec![0i16; samples.len()];
    law.decode(&codes, &mut out);
    out
}

/// What our side of a call ended with.
struct Ours {
    completion: Completion,
    received: Vec<ReceivedPage>,
    seconds: f64,
}

fn run_against_spandsp(ours: &mut AudioCall, peer: &mut SpandspAudioTerminal, law: Law, limit_s: usize) -> Ours {
    ours.start();
    let mut received = Vec::new();
    let mut samples = 0;
    let mut after_both = 0;
    while samples < limit_s * 8000 && after_both < 8000 {
        let mut mine = [0i16; FRAME];
        ours.transmit(&mut mine);
        let theirs = peer.transmit(FRAME);
        peer.receive(&carry(law, &mine));
        ours.receive(&carry(law, &theirs));
        while let Some(e) = ours.poll_event() {
            if let Event::PageReceived { received: p, .. } = e {
                received.push(*p);
            }
        }
        samples += FRAME;
        if ours.is_finished() && peer.is_finished() {
            after_both += FRAME;
        }
    }
    let completion = ours.session().completion().cloned().unwrap_or_else(|| {
        panic!(
            "our session did not finish in {limit_s} s\nSpanDSP: {:?}\n{}",
            peer.phase_e(),
            peer.log_lines().join("\n")
        )
    });
    Ours { completion, received, seconds: samples as f64 / 8000.0 }
}

fn doc(seed: u32, n: u32) -> Vec<SendPage> {
    (0..n).map(|i| SendPage::new(page(seed + i, Resolution::Fine), Resolution::Fine)).collect()
}

#[test]
fn ferrofax_sends_to_spandsp_over_audio() {
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in cases().into_iter().enumerate() {
        let pages = doc(10 * i as u32, 2);
        let rx_path = dir.path().join(format!("rx{i}.tif"));
        let mut peer_cfg = spandsp_config(Role::Answering, &case);
        peer_cfg.rx_file = Some(rx_path.clone());
        peer_cfg.rx_encoding = Some(RxEncoding::Mmr);
        let mut peer = SpandspAudioTerminal::new(&peer_cfg).unwrap();
        let mut ours = AudioCall::new(
            Session::sender(our_config(CallRole::Calling, &case), pages.clone()),
            AudioConfig::default(),
        );
        let r = run_against_spandsp(&mut ours, &mut peer, case.law, 300);
        let why = format!("{case:?}: ours {:?}, SpanDSP {:?} after {} s", r.completion, peer.phase_e(), r.seconds);
        let log = || peer.log_lines().join("\n");
        assert!(r.completion.result.is_ok(), "{why}\n{}", log());
        assert_eq!(peer.phase_e().map(|e| e.0), Some(T30_ERR_OK), "{why}\n{}", log());
        let stats = peer.stats();
        assert_eq!(stats.bit_rate, expected_rate(case.family) as i32, "{why}");
        assert_eq!(stats.error_correcting_mode != 0, case.ecm, "{why}");
        assert_eq!(peer.remote_ident().as_deref(), Some(OUR_ID), "{why}");
        let got = read_pages(&rx_path);
        assert_eq!(got.len(), pages.len(), "{why}");
        for (n, (g, p)) in got.iter().zip(&pages).enumerate() {
            assert!(g == &*p.bitmap().unwrap(), "{why}: page {n} differs");
        }
        eprintln!("{case:?}: ok, {} s", r.seconds);
    }
}

#[test]
fn spandsp_sends_to_ferrofax_over_audio() {
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in cases().into_iter().enumerate() {
        let pages = doc(100 + 10 * i as u32, 2);
        let tx_path = dir.path().join(format!("tx{i}.tif"));
        write_pages(&tx_path, &pages);
        let mut peer_cfg = spandsp_config(Role::Calling, &case);
        peer_cfg.tx_file = Some(tx_path);
        let mut peer = SpandspAudioTerminal::new(&peer_cfg).unwrap();
        let mut ours =
            AudioCall::new(Session::receiver(our_config(CallRole::Answering, &case)), AudioConfig::default());
        let r = run_against_spandsp(&mut ours, &mut peer, case.law, 300);
        let why = format!("{case:?}: ours {:?}, SpanDSP {:?} after {} s", r.completion, peer.phase_e(), r.seconds);
        let log = || peer.log_lines().join("\n");
        assert!(r.completion.result.is_ok(), "{why}\n{}", log());
        assert_eq!(peer.phase_e().map(|e| e.0), Some(T30_ERR_OK), "{why}\n{}", log());
        let n = r.completion.negotiated.expect("negotiated");
        assert_eq!((n.ecm, n.modulation.bit_rate()), (case.ecm, expected_rate(case.family)), "{why}");
        if case.ecm {
            assert_eq!(n.coding, Coding::Mmr, "{why}");
        }
        assert_eq!(r.received.len(), pages.len(), "{why}");
        for (k, (g, p)) in r.received.iter().zip(&pages).enumerate() {
            assert_eq!(g.quality.bad_lines, 0, "{why}: page {k}");
            assert!(g.bitmap == *p.bitmap().unwrap(), "{why}: page {k} differs");
        }
        eprintln!("{case:?}: ok, {} s", r.seconds);
    }
}

#[test]
fn ferrofax_sends_to_ferrofax_over_audio() {
    for (i, case) in cases().into_iter().enumerate() {
        let pages = doc(200 + 10 * i as u32, 2);
        let mut caller = AudioCall::new(
            Session::sender(our_config(CallRole::Calling, &case), pages.clone()),
            AudioConfig::default(),
        );
        let mut answerer =
            AudioCall::new(Session::receiver(our_config(CallRole::Answering, &case)), AudioConfig::default());
        caller.start();
        answerer.start();
        let mut received = Vec::new();
        let mut samples = 0;
        while samples < 300 * 8000 && !(caller.is_finished() && answerer.is_finished()) {
            let (mut a, mut b) = ([0i16; FRAME], [0i16; FRAME]);
            caller.transmit(&mut a);
            answerer.transmit(&mut b);
            answerer.receive(&carry(case.law, &a));
            caller.receive(&carry(case.law, &b));
            while let Some(e) = answerer.poll_event() {
                if let Event::PageReceived { received: p, .. } = e {
                    received.push(*p);
                }
            }
            samples += FRAME;
        }
        let (c, a) = (caller.session().completion(), answerer.session().completion());
        let why = format!("{case:?}: caller {c:?}, answerer {a:?} after {} s", samples / 8000);
        assert!(c.is_some_and(|c| c.result.is_ok()) && a.is_some_and(|a| a.result.is_ok()), "{why}");
        assert_eq!(received.len(), pages.len(), "{why}");
        for (k, (g, p)) in received.iter().zip(&pages).enumerate() {
            assert!(g.bitmap == *p.bitmap().unwrap(), "{why}: page {k} differs");
        }
    }
}
