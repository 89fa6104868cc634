//! ferrofax's T.30 over T.38 against SpanDSP's T.38 terminal (Debian libspandsp 0.0.6), both
//! directions: ECM off (MH, MR) and on (MR, MMR); standard and fine; V.17 14400, V.29 9600 and
//! V.27ter 4800; several pages. The pages that arrive are compared pixel for pixel with the
//! pages sent, and SpanDSP's own phase-E result and statistics are checked.
#![cfg(feature = "spandsp")]

mod interop;

use ferrofax_image::{Coding, Resolution};
use ferrofax_spandsp_peer::pages::{page, read_pages, write_pages};
use ferrofax_spandsp_peer::{Compressions, Modems, Role, RxEncoding, T30_ERR_OK, TerminalConfig};
use ferrofax_t30::{CallRole, ModemFamilies, SendPage, Session};
use ferrofax_t38::sim::LineModel;
use interop::{OUR_ID, SPANDSP_ID, check, our_config, run, spandsp, t38};

#[derive(Debug, Clone, Copy)]
struct Case {
    version: u8,
    ecm: bool,
    coding: Coding,
    resolution: Resolution,
    rate: u32,
    pages: u32,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let codings = [(false, Coding::Mh), (false, Coding::Mr), (true, Coding::Mr), (true, Coding::Mmr)];
    let mut n = 0u32;
    for (ecm, coding) in codings {
        for resolution in [Resolution::Standard, Resolution::Fine] {
            for rate in [14400, 9600, 4800] {
                n += 1;
                out.push(Case {
                    version: if n.is_multiple_of(2) { 3 } else { 0 },
                    ecm,
                    coding,
                    resolution,
                    rate,
                    pages: 2 + n % 2,
                });
            }
        }
    }
    out
}

fn families(rate: u32) -> ModemFamilies {
    match rate {
        14400 => ModemFamilies::ALL,
        9600 => ModemFamilies { v27ter: true, v29: true, v17: false },
        _ => ModemFamilies { v27ter: true, v29: false, v17: false },
    }
}

fn spandsp_modems(rate: u32) -> Modems {
    match rate {
        14400 => Modems::V27TER | Modems::V29 | Modems::V17,
        9600 => Modems::V27TER | Modems::V29,
        _ => Modems::V27TER,
    }
}

fn spandsp_code(c: Coding) -> i32 {
    match c {
        Coding::Mh => 1,
        Coding::Mr => 2,
        Coding::Mmr => 3,
    }
}

fn y_ppm(r: Resolution) -> i32 {
    if r == Resolution::Standard { 3850 } else { 7700 }
}

fn doc(case: &Case, seed: u32) -> Vec<SendPage> {
    (0..case.pages).map(|i| SendPage::new(page(seed + i, case.resolution), case.resolution)).collect()
}

#[test]
fn ferrofax_sends_to_spandsp() {
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in cases().into_iter().enumerate() {
        let mut pages = doc(&case, 10 * i as u32);
        if i % 2 == 0 {
            // Pages as a TIFF file codes them: MMR in ECM goes out without decoding.
            pages = pages
                .iter()
                .map(|p| SendPage::coded(ferrofax_image::CodedPage::encode_mmr(&p.bitmap().unwrap(), p.resolution)))
                .collect();
        }
        let mut cfg = our_config(CallRole::Calling);
        cfg.capabilities.ecm = case.ecm;
        cfg.capabilities.mmr = case.coding == Coding::Mmr;
        cfg.capabilities.mr = case.coding != Coding::Mh;
        cfg.capabilities.modems = families(case.rate);
        let rx_path = dir.path().join(format!("rx{i}.tif"));
        let mut peer_cfg = TerminalConfig::new(Role::Answering, case.version);
        peer_cfg.ecm = case.ecm;
        peer_cfg.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
        peer_cfg.local_ident = Some(SPANDSP_ID.into());
        peer_cfg.rx_file = Some(rx_path.clone());
        peer_cfg.rx_encoding = Some(RxEncoding::Mmr);
        let mut peer = spandsp(&peer_cfg);
        let r = run(Session::sender(cfg, pages.clone()), t38(case.version), &mut peer, LineModel::clean(), 600);
        let what = format!("{case:?}");
        check(r.ours.result == Ok(()), &format!("{what}: our sender failed"), &peer, &r);
        check(peer.terminal.phase_e().map(|p| p.0) == Some(T30_ERR_OK), &format!("{what}: SpanDSP failed"), &peer, &r);
        let stats = peer.terminal.stats();
        assert_eq!(stats.bit_rate, case.rate as i32, "{what}");
        assert_eq!(stats.error_correcting_mode != 0, case.ecm, "{what}");
        assert_eq!(stats.encoding, spandsp_code(case.coding), "{what}");
        assert_eq!(stats.pages_rx, case.pages as i32, "{what}");
        assert_eq!(stats.y_resolution, y_ppm(case.resolution), "{what}");
        assert_eq!(peer.terminal.remote_ident().as_deref(), Some(OUR_ID), "{what}");
        assert_eq!(r.ours.remote_ident.as_deref(), Some(SPANDSP_ID), "{what}");
        assert_eq!(r.ours.pages_sent, case.pages, "{what}");
        let got = read_pages(&rx_path);
        assert_eq!(got.len(), pages.len(), "{what}");
        for (n, (g, p)) in got.iter().zip(&pages).enumerate() {
            assert!(
                g == &(*p.bitmap().unwrap()),
                "{what}: page {n} differs ({}x{} vs {}x{})",
                g.width(),
                g.height(),
                (*p.bitmap().unwrap()).width(),
                (*p.bitmap().unwrap()).height()
            );
        }
        eprintln!("{what}: ok in {:?} simulated", r.link.elapsed);
    }
}

#[test]
fn spandsp_sends_to_ferrofax() {
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in cases().into_iter().enumerate() {
        let pages = doc(&case, 100 + 10 * i as u32);
        let tx_path = dir.path().join(format!("tx{i}.tif"));
        write_pages(&tx_path, &pages);
        let mut peer_cfg = TerminalConfig::new(Role::Calling, case.version);
        peer_cfg.ecm = case.ecm;
        peer_cfg.compressions = Some(match case.coding {
            Coding::Mh => Compressions::T4_1D,
            Coding::Mr => Compressions::T4_1D | Compressions::T4_2D,
            Coding::Mmr => Compressions::T4_1D | Compressions::T4_2D | Compressions::T6,
        });
        peer_cfg.modems = Some(spandsp_modems(case.rate));
        peer_cfg.local_ident = Some(SPANDSP_ID.into());
        peer_cfg.tx_file = Some(tx_path);
        let mut peer = spandsp(&peer_cfg);
        let cfg = our_config(CallRole::Answering);
        let r = run(Session::receiver(cfg), t38(case.version), &mut peer, LineModel::clean(), 600);
        let what = format!("{case:?}");
        check(r.ours.result == Ok(()), &format!("{what}: our receiver failed"), &peer, &r);
        check(peer.terminal.phase_e().map(|p| p.0) == Some(T30_ERR_OK), &format!("{what}: SpanDSP failed"), &peer, &r);
        let stats = peer.terminal.stats();
        assert_eq!(stats.bit_rate, case.rate as i32, "{what}");
        assert_eq!(stats.error_correcting_mode != 0, case.ecm, "{what}");
        assert_eq!(stats.encoding, spandsp_code(case.coding), "{what}");
        assert_eq!(stats.pages_tx, case.pages as i32, "{what}");
        assert_eq!(peer.terminal.remote_ident().as_deref(), Some(OUR_ID), "{what}");
        assert_eq!(r.ours.remote_ident.as_deref(), Some(SPANDSP_ID), "{what}");
        let n = r.ours.negotiated.expect("negotiated");
        assert_eq!((n.coding, n.ecm, n.modulation.bit_rate()), (case.coding, case.ecm, case.rate), "{what}");
        assert_eq!(r.received.len(), pages.len(), "{what}");
        for (k, (g, p)) in r.received.iter().zip(&pages).enumerate() {
            assert_eq!(g.quality.bad_lines, 0, "{what}: page {k}");
            assert_eq!(g.resolution, case.resolution, "{what}: page {k}");
            assert!(g.bitmap == (*p.bitmap().unwrap()), "{what}: page {k} differs");
        }
        eprintln!("{what}: ok in {:?} simulated", r.link.elapsed);
    }
}
