//! ferrofax against SpanDSP off the straight path: packet loss recovered by UDPTL redundancy,
//! a receiver that needs fill bits (minimum scan-line time), ECM flow control (RNR/RR), a
//! receiver that refuses the call at phase B, 20-character identities.
#![cfg(feature = "spandsp")]

mod interop;

use ferrofax_image::Resolution;
use ferrofax_spandsp_peer::pages::{page, read_pages, write_pages};
use ferrofax_spandsp_peer::{Compressions, Role, RxEncoding, T30_ERR_OK, TerminalConfig};
use ferrofax_t30::{CallRole, Failure, SendPage, Session};
use ferrofax_t38::sim::LineModel;
use interop::{SPANDSP_ID, check, our_config, run, spandsp, t38};

fn doc(n: u32, seed: u32) -> Vec<SendPage> {
    (0..n).map(|i| SendPage::new(page(seed + i, Resolution::Fine), Resolution::Fine)).collect()
}

fn spandsp_sender(version: u8, ecm: bool, tx: &std::path::Path) -> TerminalConfig {
    let mut c = TerminalConfig::new(Role::Calling, version);
    c.ecm = ecm;
    c.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
    c.local_ident = Some(SPANDSP_ID.into());
    c.tx_file = Some(tx.to_path_buf());
    c
}

fn spandsp_receiver(version: u8, ecm: bool, rx: &std::path::Path) -> TerminalConfig {
    let mut c = TerminalConfig::new(Role::Answering, version);
    c.ecm = ecm;
    c.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
    c.local_ident = Some(SPANDSP_ID.into());
    c.rx_file = Some(rx.to_path_buf());
    c.rx_encoding = Some(RxEncoding::Mmr);
    c
}

#[test]
fn three_pages_survive_five_percent_loss_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (ecm, seed)) in [(false, 11u64), (true, 12), (false, 13), (true, 14)].into_iter().enumerate() {
        let pages = doc(3, 40 + i as u32);
        let line = LineModel::lossy(0.05, seed);
        // ferrofax sends.
        let rx_path = dir.path().join(format!("rx{i}.tif"));
        let mut peer = spandsp(&spandsp_receiver(3, ecm, &rx_path));
        let mut cfg = our_config(CallRole::Calling);
        cfg.capabilities.ecm = ecm;
        let r = run(Session::sender(cfg, pages.clone()), t38(3), &mut peer, line, 900);
        check(r.ours.result == Ok(()), &format!("ecm {ecm}: our sender failed at 5 % loss"), &peer, &r);
        check(peer.terminal.succeeded(), &format!("ecm {ecm}: SpanDSP receiver failed"), &peer, &r);
        assert!(r.link.dropped[0] > 20 && r.link.dropped[1] > 0, "{:?}", r.link);
        let got = read_pages(&rx_path);
        assert_eq!(got.len(), 3);
        assert!(got.iter().zip(&pages).all(|(g, p)| g == &(*p.bitmap().unwrap())), "ecm {ecm}: pages differ");
        // SpanDSP sends.
        let tx_path = dir.path().join(format!("tx{i}.tif"));
        write_pages(&tx_path, &pages);
        let mut peer = spandsp(&spandsp_sender(3, ecm, &tx_path));
        let r = run(Session::receiver(our_config(CallRole::Answering)), t38(3), &mut peer, line, 900);
        check(r.ours.result == Ok(()), &format!("ecm {ecm}: our receiver failed at 5 % loss"), &peer, &r);
        check(peer.terminal.succeeded(), &format!("ecm {ecm}: SpanDSP sender failed"), &peer, &r);
        assert_eq!(r.received.len(), 3);
        for (g, p) in r.received.iter().zip(&pages) {
            assert!(g.bitmap == (*p.bitmap().unwrap()), "ecm {ecm}: received page differs");
        }
        eprintln!("ecm {ecm}: both ways at 5 % loss, {:?} dropped", r.link.dropped);
    }
}

#[test]
fn fill_bits_for_a_receiver_that_needs_20_ms_per_line() {
    // With fill (the DIS asks for 20 ms per line), and with the fill taken out again by T.38
    // fill-bit removal: SpanDSP's terminal takes lines of any length.
    let dir = tempfile::tempdir().unwrap();
    for removal in [false, true] {
        let rx_path = dir.path().join(format!("rx{removal}.tif"));
        let mut c = spandsp_receiver(0, false, &rx_path);
        c.min_scan_line_time_ms = Some(20);
        let mut peer = spandsp(&c);
        let pages = doc(2, 70);
        let mut cfg = our_config(CallRole::Calling);
        cfg.capabilities.ecm = false;
        let mut t = t38(0);
        t.terminal.fill_bit_removal = removal;
        let r = run(Session::sender(cfg, pages.clone()), t, &mut peer, LineModel::clean(), 900);
        check(r.ours.result == Ok(()) && peer.terminal.succeeded(), "20 ms scan line time", &peer, &r);
        assert_eq!(peer.terminal.stats().bad_rows, 0);
        assert!(read_pages(&rx_path).iter().zip(&pages).all(|(g, p)| g == &(*p.bitmap().unwrap())));
        eprintln!("fill-bit removal {removal}: {} datagrams in {:?}", r.link.sent[0], r.link.elapsed);
    }
}

#[test]
fn ecm_receiver_not_ready_is_polled_with_rr() {
    let dir = tempfile::tempdir().unwrap();
    let rx_path = dir.path().join("rx.tif");
    let mut c = spandsp_receiver(3, true, &rx_path);
    c.receiver_not_ready = Some(2);
    let mut peer = spandsp(&c);
    let pages = doc(2, 80);
    let r =
        run(Session::sender(our_config(CallRole::Calling), pages.clone()), t38(3), &mut peer, LineModel::clean(), 900);
    check(r.ours.result == Ok(()) && peer.terminal.succeeded(), "RNR/RR", &peer, &r);
    let names: Vec<String> = peer.terminal.frames().iter().map(|f| f.name()).collect();
    assert!(names.iter().any(|n| n.contains("RNR")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("RR") || n.contains(" RR")), "{names:?}");
    assert!(read_pages(&rx_path).iter().zip(&pages).all(|(g, p)| g == &(*p.bitmap().unwrap())));
}

#[test]
fn receiver_refusing_at_phase_b_ends_our_call_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = spandsp_receiver(0, false, &dir.path().join("rx.tif"));
    c.phase_b_refusal = Some(51);
    let mut peer = spandsp(&c);
    let r = run(Session::sender(our_config(CallRole::Calling), doc(1, 90)), t38(0), &mut peer, LineModel::clean(), 300);
    assert_eq!(r.ours.result, Err(Failure::BadDcsResponse), "SpanDSP sends DCN instead of CFR");
    assert_ne!(peer.terminal.phase_e().map(|p| p.0), Some(T30_ERR_OK));
    assert!(r.link.elapsed.as_secs() < 60);
}

#[test]
fn twenty_character_identities() {
    let dir = tempfile::tempdir().unwrap();
    let long_id = "+44 20 7946 0000 123";
    assert_eq!(long_id.len(), 20);
    let rx_path = dir.path().join("rx.tif");
    let mut c = spandsp_receiver(2, false, &rx_path);
    c.local_ident = Some("+1 212 555 0199 9876".into());
    let mut peer = spandsp(&c);
    let mut cfg = our_config(CallRole::Calling);
    cfg.ident = long_id.into();
    let r = run(Session::sender(cfg, doc(1, 95)), t38(2), &mut peer, LineModel::clean(), 300);
    check(r.ours.result == Ok(()) && peer.terminal.succeeded(), "20-character idents", &peer, &r);
    assert_eq!(peer.terminal.remote_ident().as_deref(), Some(long_id));
    assert_eq!(r.ours.remote_ident.as_deref(), Some("+1 212 555 0199 9876"));
}

#[test]
fn a_change_of_resolution_mid_document_goes_through_eom_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    for ecm in [false, true] {
        let pages: Vec<SendPage> = [Resolution::Fine, Resolution::Standard, Resolution::Standard, Resolution::Fine]
            .into_iter()
            .enumerate()
            .map(|(i, r)| SendPage::new(page(200 + i as u32, r), r))
            .collect();
        // ferrofax sends.
        let rx_path = dir.path().join(format!("eom-rx{ecm}.tif"));
        let mut peer = spandsp(&spandsp_receiver(3, ecm, &rx_path));
        let mut cfg = our_config(CallRole::Calling);
        cfg.capabilities.ecm = ecm;
        let r = run(Session::sender(cfg, pages.clone()), t38(3), &mut peer, LineModel::clean(), 900);
        check(r.ours.result == Ok(()) && peer.terminal.succeeded(), &format!("ecm {ecm}: EOM to SpanDSP"), &peer, &r);
        // Two changes of resolution: EOM (in ECM, PPS-EOM) twice, so three DCS.
        let dcs = peer.terminal.frames().iter().filter(|f| f.name().contains("DCS")).count();
        assert_eq!(dcs, 3, "ecm {ecm}: {dcs} DCS frames");
        let got = read_pages(&rx_path);
        assert_eq!(got.len(), 4);
        assert!(got.iter().zip(&pages).all(|(g, p)| g == &*p.bitmap().unwrap()), "ecm {ecm}");
        // SpanDSP sends.
        let tx_path = dir.path().join(format!("eom-tx{ecm}.tif"));
        write_pages(&tx_path, &pages);
        let mut peer = spandsp(&spandsp_sender(3, ecm, &tx_path));
        let r = run(Session::receiver(our_config(CallRole::Answering)), t38(3), &mut peer, LineModel::clean(), 900);
        check(r.ours.result == Ok(()) && peer.terminal.succeeded(), &format!("ecm {ecm}: EOM from SpanDSP"), &peer, &r);
        assert_eq!(r.received.len(), 4);
        for (g, p) in r.received.iter().zip(&pages) {
            assert_eq!(g.resolution, p.resolution);
            assert!(g.bitmap == *p.bitmap().unwrap(), "ecm {ecm}");
        }
    }
}

#[test]
fn mismatched_t38_versions_fail_cleanly() {
    // ferrofax speaks version 3, SpanDSP version 0: field types differ, so the frames SpanDSP
    // needs never end. The call must fail on both sides within T.30's timers, not hang.
    let dir = tempfile::tempdir().unwrap();
    let mut peer = spandsp(&spandsp_receiver(0, false, &dir.path().join("rx.tif")));
    let r = run(Session::sender(our_config(CallRole::Calling), doc(1, 99)), t38(3), &mut peer, LineModel::clean(), 300);
    assert!(r.ours.result.is_err(), "{:?}", r.ours);
    assert!(!peer.terminal.succeeded());
    assert!(r.link.elapsed.as_secs() < 120, "{:?}", r.link.elapsed);
}
