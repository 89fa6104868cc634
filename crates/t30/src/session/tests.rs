//! Two sessions joined by an instant modem pair, stopped at chosen transmissions to look at the
//! states of both halves and to cancel the fax ([`Session::abort`]) at those moments.

use std::time::Duration;

use ferrofax_image::{Bitmap, Resolution};

use super::{Half, Session};
use crate::receiver::Receiving;
use crate::sender::{EcmCommand, Sending};
use crate::{CallRole, Completion, Config, Event, Failure, FrameType, ModemCommand, ModemEvent, Phase, SendPage};

const TX: usize = 0;
const RX: usize = 1;

fn pair(pages: usize, ecm: bool) -> [Session; 2] {
    let mut tx_cfg = Config::new(CallRole::Calling, "+1 555 0100");
    tx_cfg.capabilities.ecm = ecm;
    let mut rx_cfg = Config::new(CallRole::Answering, "+44 20 7946 0000");
    rx_cfg.ced_ms = 0;
    let doc = (0..pages)
        .map(|i| {
            let mut b = Bitmap::new(1728, 400);
            b.fill_run(20 + i as u32 * 10, 100, 900);
            SendPage::new(b, Resolution::Standard)
        })
        .collect();
    let mut s = [Session::sender(tx_cfg, doc), Session::receiver(rx_cfg)];
    s[TX].start(Duration::ZERO);
    s[RX].start(Duration::ZERO);
    s
}

/// What the other side hears of a transmission.
fn heard(cmd: &ModemCommand) -> Vec<ModemEvent> {
    let signal = |start: ModemEvent, mut body: Vec<ModemEvent>| {
        body.insert(0, start);
        body.push(ModemEvent::SignalEnded);
        body
    };
    match cmd {
        ModemCommand::SendControl(frames) => signal(
            ModemEvent::ControlStarted,
            frames.iter().map(|f| ModemEvent::Frame { data: f.clone(), fcs_ok: true, modulation: None }).collect(),
        ),
        ModemCommand::SendTcf { modulation } => signal(
            ModemEvent::ImageStarted(*modulation),
            vec![ModemEvent::ImageData(vec![0; crate::tcf::tcf_octets(modulation.bit_rate())])],
        ),
        ModemCommand::SendImage { modulation, data, .. } => {
            signal(ModemEvent::ImageStarted(*modulation), vec![ModemEvent::ImageData(data.clone())])
        }
        ModemCommand::SendEcmFrames { modulation, frames, .. } => signal(
            ModemEvent::ImageStarted(*modulation),
            frames
                .iter()
                .map(|f| ModemEvent::Frame { data: f.clone(), fcs_ok: true, modulation: Some(*modulation) })
                .collect(),
        ),
        ModemCommand::SendTone { .. } | ModemCommand::Receive(_) | ModemCommand::Hangup => Vec::new(),
    }
}

fn is_transmission(cmd: &ModemCommand) -> bool {
    !matches!(cmd, ModemCommand::Receive(_) | ModemCommand::Hangup)
}

/// Runs the two sides, each transmission done at once, until `hold` picks a transmission
/// (returned with its side, neither done nor heard) or nothing is left to do.
fn run_until(
    s: &mut [Session; 2],
    now: &mut Duration,
    mut hold: impl FnMut(usize, &ModemCommand) -> bool,
) -> Option<(usize, ModemCommand)> {
    loop {
        let mut moved = false;
        for side in [TX, RX] {
            let Some(cmd) = s[side].poll_command() else { continue };
            moved = true;
            if !is_transmission(&cmd) {
                continue;
            }
            if hold(side, &cmd) {
                return Some((side, cmd));
            }
            deliver(s, now, side, &cmd);
        }
        if !moved {
            return None;
        }
    }
}

/// The transmission `cmd` of `side` ends, and the other side hears it.
fn deliver(s: &mut [Session; 2], now: &mut Duration, side: usize, cmd: &ModemCommand) {
    *now += Duration::from_millis(10);
    s[side].handle_modem(*now, ModemEvent::TransmitDone);
    for e in heard(cmd) {
        s[1 - side].handle_modem(*now, e);
    }
}

/// What `s` asks of its modem now, listening modes left out.
fn commands(s: &mut Session) -> Vec<ModemCommand> {
    std::iter::from_fn(|| s.poll_command()).filter(|c| !matches!(c, ModemCommand::Receive(_))).collect()
}

fn finishes(s: &mut Session) -> Vec<Completion> {
    std::iter::from_fn(|| s.poll_event())
        .filter_map(|e| match e {
            Event::Finished(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// The frame types of a control transmission.
fn control(cmd: &ModemCommand) -> Vec<FrameType> {
    match cmd {
        ModemCommand::SendControl(frames) => frames.iter().filter_map(|f| FrameType::from_fcf(f[2])).collect(),
        _ => Vec::new(),
    }
}

fn sending(s: &Session) -> &Sending {
    match &s.half {
        Half::Sending(tx) => &tx.state,
        Half::Receiving(_) => panic!("not a sender"),
    }
}

fn receiving(s: &Session) -> &Receiving {
    match &s.half {
        Half::Receiving(rx) => &rx.state,
        Half::Sending(_) => panic!("not a receiver"),
    }
}

fn images(n: usize) -> impl FnMut(usize, &ModemCommand) -> bool {
    let mut seen = 0;
    move |side, cmd| {
        if side == TX && matches!(cmd, ModemCommand::SendImage { .. } | ModemCommand::SendEcmFrames { .. }) {
            seen += 1;
        }
        seen == n
    }
}

#[test]
fn the_sender_holds_the_mode_from_dcs_on_and_the_page_command_with_each_page() {
    let mut s = pair(2, false);
    let mut now = Duration::ZERO;
    assert_eq!(sending(&s[TX]), &Sending::AwaitDis);
    assert_eq!(receiving(&s[RX]), &Receiving::PhaseB { mode: None });
    let held = run_until(&mut s, &mut now, |side, c| side == TX && matches!(c, ModemCommand::SendTcf { .. }));
    let (_, tcf) = held.expect("training check");
    let Sending::TrainingCheck(mode) = sending(&s[TX]) else { panic!("{:?}", sending(&s[TX])) };
    assert!(mode.remote.ready_to_receive && !mode.dcs.ecm);
    let dcs = mode.dcs;
    assert_eq!(receiving(&s[RX]), &Receiving::TrainingCheck { dcs, data: Vec::new() });
    deliver(&mut s, &mut now, TX, &tcf);
    let (_, page) = run_until(&mut s, &mut now, images(1)).expect("first page");
    assert!(matches!(sending(&s[TX]), Sending::Page { post_page: FrameType::Mps, .. }));
    assert_eq!(receiving(&s[RX]), &Receiving::Page { dcs, started: false, data: Vec::new() });
    deliver(&mut s, &mut now, TX, &page);
    assert!(matches!(receiving(&s[RX]), Receiving::AwaitPostPage { page: Some(_), .. }));
    run_until(&mut s, &mut now, images(1)).expect("second page");
    assert!(matches!(sending(&s[TX]), Sending::Page { post_page: FrameType::Eop, .. }));
    assert_eq!(s[TX].call.pages_sent, 1);
}

#[test]
fn the_ecm_sender_holds_the_page_in_hand_block_by_block() {
    let mut s = pair(1, true);
    let mut now = Duration::ZERO;
    let (_, frames) = run_until(&mut s, &mut now, images(1)).expect("ECM block");
    let Sending::EcmBlock { mode, post_page, ecm, sent } = sending(&s[TX]) else { panic!("{:?}", sending(&s[TX])) };
    assert!(mode.dcs.ecm);
    assert_eq!((*post_page, *sent, ecm.block, ecm.pprs), (FrameType::Eop, EcmCommand::Pps, 0, 0));
    deliver(&mut s, &mut now, TX, &frames);
    assert!(matches!(receiving(&s[RX]), Receiving::AwaitPostPage { page: None, dcs } if dcs.ecm));
    assert_eq!(run_until(&mut s, &mut now, |_, _| false), None);
    assert!(s[TX].is_finished() && s[RX].is_finished());
    assert_eq!(s[TX].completion().map(|c| c.result), Some(Ok(())));
    assert_eq!(s[RX].completion().map(|c| c.pages_received), Some(1));
}

#[test]
fn a_sender_cancelled_mid_page_sends_dcn_when_the_page_is_out() {
    let mut s = pair(2, false);
    let mut now = Duration::ZERO;
    let (_, page) = run_until(&mut s, &mut now, images(2)).expect("second page");
    s[TX].abort(now);
    // The outcome is known at once; DCN waits for the page on the air.
    let c = s[TX].completion().cloned().expect("decided");
    assert_eq!((c.result, c.pages_sent), (Err(Failure::Cancelled), 1));
    assert!(!s[TX].is_finished());
    assert_eq!(commands(&mut s[TX]), Vec::new());
    assert_eq!(s[TX].poll_timeout(), None);
    deliver(&mut s, &mut now, TX, &page);
    let out = commands(&mut s[TX]);
    assert_eq!(out.len(), 1);
    assert_eq!(control(&out[0]), vec![FrameType::Dcn]);
    let ModemCommand::SendControl(frames) = &out[0] else { unreachable!() };
    assert_eq!(frames[0][2], 0xDF, "DCN with the X bit of a station that received DIS");
    deliver(&mut s, &mut now, TX, &out[0]);
    assert_eq!(commands(&mut s[TX]), vec![ModemCommand::Hangup]);
    assert!(s[TX].is_finished());
    // The receiver got the page but no end-of-page command: DCN ends its call early.
    assert_eq!(s[RX].completion().map(|c| c.result), Some(Err(Failure::UnexpectedDcn)));
    assert_eq!(finishes(&mut s[TX]).len(), 1);
}

#[test]
fn a_receiver_cancelled_while_the_page_is_expected_sends_dcn_at_once() {
    let mut s = pair(1, false);
    let mut now = Duration::ZERO;
    let (_, _page) = run_until(&mut s, &mut now, images(1)).expect("page");
    s[RX].abort(now);
    let c = s[RX].completion().cloned().expect("decided");
    assert_eq!((c.result, c.pages_received), (Err(Failure::Cancelled), 0));
    assert_eq!(s[RX].call.phase, Phase::E);
    let out = commands(&mut s[RX]);
    assert_eq!(control(&out[0]), vec![FrameType::Dcn]);
    let ModemCommand::SendControl(frames) = &out[0] else { unreachable!() };
    assert_eq!(frames[0][2], 0x5F, "DCN without the X bit of the station that sent DIS");
    // The sender hears DCN even while its page is on the air.
    deliver(&mut s, &mut now, RX, &out[0]);
    assert_eq!(s[TX].completion().map(|c| c.result), Some(Err(Failure::DcnAfterPage)));
    assert!(s[TX].is_finished() && s[RX].is_finished());
}

#[test]
fn a_receiver_cancelled_after_pages_reports_them() {
    let mut s = pair(3, false);
    let mut now = Duration::ZERO;
    run_until(&mut s, &mut now, images(3)).expect("third page");
    s[RX].abort(now);
    assert_eq!(s[RX].completion().map(|c| (c.result, c.pages_received)), Some((Err(Failure::Cancelled), 2)));
}

#[test]
fn a_caller_cancelled_while_waiting_for_dis_says_dcn() {
    let mut tx = Session::sender(Config::new(CallRole::Calling, "1"), Vec::new());
    tx.start(Duration::ZERO);
    assert!(matches!(tx.poll_command(), Some(ModemCommand::SendTone { .. })));
    // Cancelled during CNG: DCN follows the tone.
    tx.abort(Duration::from_millis(100));
    assert_eq!(tx.poll_command(), None);
    tx.handle_modem(Duration::from_millis(500), ModemEvent::TransmitDone);
    let out = commands(&mut tx);
    assert_eq!(control(&out[0]), vec![FrameType::Dcn]);
    // The far end hangs up before our DCN is out: the call is over all the same.
    let dcn = crate::frame::build(FrameType::Dcn, false, true, &[]);
    tx.handle_modem(Duration::from_secs(1), ModemEvent::Frame { data: dcn, fcs_ok: true, modulation: None });
    assert!(tx.is_finished());
    assert_eq!(commands(&mut tx), vec![ModemCommand::Hangup]);
    assert_eq!(tx.completion().map(|c| c.result), Some(Err(Failure::Cancelled)));
}

#[test]
fn cancelled_before_start_the_call_never_begins() {
    let mut rx = Session::receiver(Config::new(CallRole::Answering, "1"));
    rx.abort(Duration::ZERO);
    assert!(rx.is_finished());
    let c = rx.completion().cloned().expect("over");
    assert_eq!((c.result, c.pages_received, c.pages_sent), (Err(Failure::Cancelled), 0, 0));
    rx.start(Duration::from_secs(1));
    assert_eq!(commands(&mut rx), vec![ModemCommand::Hangup]);
    assert_eq!(rx.poll_timeout(), None);
    assert_eq!(finishes(&mut rx).len(), 1);
}

#[test]
fn cancelling_twice_or_after_the_end_changes_nothing() {
    let mut s = pair(1, false);
    let mut now = Duration::ZERO;
    run_until(&mut s, &mut now, |side, c| side == RX && control(c) == [FrameType::Cfr]).expect("CFR");
    s[TX].abort(now);
    s[TX].abort(now + Duration::from_secs(1));
    let out = commands(&mut s[TX]);
    assert_eq!(out.iter().filter(|c| control(c) == [FrameType::Dcn]).count(), 1, "{out:?}");
    assert_eq!(finishes(&mut s[TX]).len(), 1);
    // A call that ended well stays ended well.
    let mut s = pair(1, false);
    let mut now = Duration::ZERO;
    assert_eq!(run_until(&mut s, &mut now, |_, _| false), None);
    for side in [TX, RX] {
        assert!(s[side].is_finished());
        s[side].abort(now);
        assert_eq!(s[side].completion().map(|c| c.result), Some(Ok(())));
        assert_eq!(commands(&mut s[side]), Vec::new());
    }
}
