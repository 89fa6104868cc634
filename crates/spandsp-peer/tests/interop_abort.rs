//! A fax cancelled at our end while its page is on the line: our session ends with DCN, and
//! SpanDSP's terminal hears that DCN and ends its call at once rather than by a timer.
#![cfg(feature = "spandsp")]

mod interop;

use std::time::Duration;

use ferrofax_image::Resolution;
use ferrofax_spandsp_peer::codes::t30_err;
use ferrofax_spandsp_peer::pages::{page, write_pages};
use ferrofax_spandsp_peer::{Compressions, Role, RxEncoding, SpandspOverUdptl, TerminalConfig};
use ferrofax_t30::{CallRole, Event, Failure, SendPage, Session};
use ferrofax_t38::T38Call;
use ferrofax_t38::sim::{LineModel, Link};
use interop::{SPANDSP_ID, our_config, spandsp, t38};

fn doc(n: u32) -> Vec<SendPage> {
    (0..n).map(|i| SendPage::new(page(300 + i, Resolution::Fine), Resolution::Fine)).collect()
}

fn spandsp_terminal(role: Role, ecm: bool) -> TerminalConfig {
    let mut c = TerminalConfig::new(role, 3);
    c.ecm = ecm;
    c.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
    c.local_ident = Some(SPANDSP_ID.into());
    c
}

/// How a cancelled call went on both ends.
struct Cancelled {
    /// When our side was cancelled, and when SpanDSP reported the end of its call.
    aborted_at: Duration,
    peer_ended_at: Duration,
}

/// Runs `ours` against `peer` and cancels our side `after_page_start` into its first page;
/// runs on until both ends are done (at most 120 simulated seconds).
fn cancel_mid_page(ours: Session, peer: &mut SpandspOverUdptl, after_page_start: Duration) -> (T38Call, Cancelled) {
    let mut call = T38Call::new(ours, t38(3));
    let mut link = Link::new(LineModel::clean(), LineModel { seed: 78, ..LineModel::clean() });
    link.start(&mut call, peer);
    let step = Duration::from_millis(20);
    let mut now = Duration::ZERO;
    let mut page_started = None;
    let mut aborted_at = None;
    while now < Duration::from_secs(120) {
        now += step;
        let more = link.run_until(&mut call, peer, now);
        while let Some(e) = call.poll_event() {
            if matches!(e, Event::PageStarted { page: 0 }) {
                page_started.get_or_insert(now);
            }
        }
        if aborted_at.is_none() && page_started.is_some_and(|t| now >= t + after_page_start) {
            call.abort(now);
            aborted_at = Some(now);
        }
        if more.is_none() {
            break;
        }
    }
    let log = || peer.terminal.log_lines().join("\n");
    let aborted_at = aborted_at.unwrap_or_else(|| panic!("the page never started\nSpanDSP log:\n{}", log()));
    let peer_ended_at = peer
        .terminal
        .phase_e_event()
        .map(|e| Duration::from_millis(e.at_ms))
        .unwrap_or_else(|| panic!("SpanDSP's call did not end\nSpanDSP log:\n{}", log()));
    assert!(call.is_finished(), "our call did not finish");
    (call, Cancelled { aborted_at, peer_ended_at })
}

/// SpanDSP heard our DCN after the abort and ended its call on it at once (not by a timer).
/// Returns its completion code, which says why.
fn check_peer_ended_on_dcn(peer: &SpandspOverUdptl, c: &Cancelled) -> i32 {
    let log = peer.terminal.log_lines().join("\n");
    let dcn_at = peer
        .terminal
        .frames()
        .iter()
        .find(|f| f.incoming && f.name() == "DCN")
        .map(|f| Duration::from_millis(f.at_ms))
        .unwrap_or_else(|| panic!("SpanDSP never received DCN\nSpanDSP log:\n{log}"));
    let (code, text) = peer.terminal.phase_e().unwrap_or_default();
    assert!(dcn_at >= c.aborted_at, "DCN at {dcn_at:?} before the abort at {:?}", c.aborted_at);
    // SpanDSP answers DCN with its own (one V.21 transmission), well within its shortest
    // timer (T4, 3.45 s).
    assert!(
        c.peer_ended_at <= dcn_at + Duration::from_millis(2500),
        "SpanDSP ended at {:?}, {:?} after our DCN arrived at {dcn_at:?} ({code} {text})\nSpanDSP log:\n{log}",
        c.peer_ended_at,
        c.peer_ended_at.saturating_sub(dcn_at)
    );
    eprintln!(
        "SpanDSP: {code} {text}; DCN {:?} after the abort, its call ended {:?} later",
        dcn_at - c.aborted_at,
        c.peer_ended_at.saturating_sub(dcn_at)
    );
    code
}

#[test]
fn our_sender_cancelled_mid_page_ends_spandsps_receiver_with_dcn() {
    let dir = tempfile::tempdir().unwrap();
    for ecm in [false, true] {
        let mut c = spandsp_terminal(Role::Answering, ecm);
        c.rx_file = Some(dir.path().join(format!("rx{ecm}.tif")));
        c.rx_encoding = Some(RxEncoding::Mmr);
        let mut peer = spandsp(&c);
        let mut cfg = our_config(CallRole::Calling);
        cfg.capabilities.ecm = ecm;
        let (call, cancelled) = cancel_mid_page(Session::sender(cfg, doc(2)), &mut peer, Duration::from_millis(500));
        let ours = call.session().completion().cloned().expect("our call ended");
        assert_eq!(ours.result, Err(Failure::Cancelled), "ecm {ecm}");
        assert_eq!(ours.pages_sent, 0, "ecm {ecm}");
        // The page on the air goes out whole, then DCN, which SpanDSP hears where it waits
        // for the end-of-page command (non-ECM) or for more of the block (ECM).
        let code = check_peer_ended_on_dcn(&peer, &cancelled);
        let want = if ecm { t30_err::RX_DCNDATA } else { t30_err::RX_DCNFAX };
        assert_eq!(code, want, "ecm {ecm}");
        assert_eq!(peer.terminal.phase_d_events().len(), 0, "ecm {ecm}: no page was confirmed");
    }
}

#[test]
fn our_receiver_cancelled_mid_page_ends_spandsps_sender_with_dcn() {
    let dir = tempfile::tempdir().unwrap();
    for ecm in [false, true] {
        let tx_path = dir.path().join(format!("tx{ecm}.tif"));
        write_pages(&tx_path, &doc(2));
        let mut c = spandsp_terminal(Role::Calling, ecm);
        c.tx_file = Some(tx_path);
        let mut peer = spandsp(&c);
        let (call, cancelled) =
            cancel_mid_page(Session::receiver(our_config(CallRole::Answering)), &mut peer, Duration::from_millis(500));
        let ours = call.session().completion().cloned().expect("our call ended");
        assert_eq!((ours.result, ours.pages_received), (Err(Failure::Cancelled), 0), "ecm {ecm}");
        // SpanDSP stops its page on our DCN, answers with its own and hangs up.
        assert_eq!(check_peer_ended_on_dcn(&peer, &cancelled), t30_err::UNEXPECTED, "ecm {ecm}");
    }
}
