//! The T.30 procedure between two ferrofax sessions over an ideal modem pair, including the
//! failure paths and their documented results.

mod support;

use std::time::Duration;

use ferrofax_image::Resolution;
use ferrofax_t30::{CallRole, Completion, Config, Event, Failure, PageResponse, ReceivedPage, Session};
use support::{Signal, no_fault, page, run};

fn sender_cfg() -> Config {
    Config::new(CallRole::Calling, "+1 555 0100")
}

fn receiver_cfg() -> Config {
    Config::new(CallRole::Answering, "+44 20 7946 0000")
}

fn finished(events: &[Event]) -> Completion {
    events
        .iter()
        .find_map(|e| match e {
            Event::Finished(c) => Some(c.clone()),
            _ => None,
        })
        .expect("session finished")
}

fn received(events: &[Event]) -> Vec<ReceivedPage> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PageReceived { received, .. } => Some((**received).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn pages_arrive_intact_with_and_without_ecm() {
    for ecm in [false, true] {
        let pages = vec![page(1, Resolution::Fine), page(2, Resolution::Fine), page(3, Resolution::Standard)];
        let mut tx_cfg = sender_cfg();
        tx_cfg.capabilities.ecm = ecm;
        let (r, _, _) = run(
            Session::sender(tx_cfg, pages.clone()),
            Session::receiver(receiver_cfg()),
            no_fault(),
            Duration::from_secs(600),
        );
        let tx = finished(&r.events[0]);
        let rx = finished(&r.events[1]);
        if tx.result.is_err() {
            for e in &r.events[1] {
                if !matches!(e, Event::PageReceived { .. }) {
                    eprintln!("rx {e:?}");
                } else {
                    eprintln!("rx page");
                }
            }
            for e in &r.events[0] {
                eprintln!("tx {e:?}");
            }
        }
        assert_eq!(tx.result, Ok(()), "ecm {ecm}: {tx:?}");
        assert_eq!(rx.result, Ok(()), "ecm {ecm}: {rx:?}");
        assert_eq!((tx.pages_sent, rx.pages_received), (3, 3));
        assert_eq!(tx.remote_ident.as_deref(), Some("+44 20 7946 0000"));
        assert_eq!(rx.remote_ident.as_deref(), Some("+1 555 0100"));
        let got = received(&r.events[1]);
        for (sent, got) in pages.iter().zip(&got) {
            assert_eq!(got.bitmap, (*sent.bitmap().unwrap()));
            assert_eq!(got.resolution, sent.resolution);
            assert_eq!(got.quality.bad_lines, 0);
        }
        let n = tx.negotiated.unwrap();
        assert_eq!(n.ecm, ecm);
        assert_eq!(n.coding, if ecm { ferrofax_image::Coding::Mmr } else { ferrofax_image::Coding::Mr });
        assert_eq!(n.modulation, ferrofax_t30::Modulation::V17_14400);
        eprintln!("ecm {ecm}: {:?} simulated", r.elapsed);
    }
}

#[test]
fn no_answer_to_dcs_repeats_then_fails() {
    // Everything the sender transmits is lost.
    let dcs_sent = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = dcs_sent.clone();
    let fault = Box::new(move |side: usize, s: Signal| {
        if side == 0 {
            if let Signal::Control(frames) = &s
                && frames.last().is_some_and(|f| f[2] & 0x7f == 0x41)
            {
                seen.set(seen.get() + 1);
            }
            return None;
        }
        Some(s)
    });
    let (r, _, _) = run(
        Session::sender(sender_cfg(), vec![page(1, Resolution::Fine)]),
        Session::receiver(receiver_cfg()),
        fault,
        Duration::from_secs(600),
    );
    let tx = finished(&r.events[0]);
    assert_eq!(tx.result, Err(Failure::NoResponseToDcs));
    // DCS went out three times (T4 between), then DCN.
    assert_eq!(dcs_sent.get(), 3);
    // The receiver saw nothing after DIS and gave up on its own.
    assert_eq!(finished(&r.events[1]).result, Err(Failure::T1Expired));
    assert!(r.elapsed < Duration::from_secs(60), "{:?}", r.elapsed);
}

#[test]
fn ftt_at_every_rate_ends_in_cannot_train() {
    // The training check is always damaged.
    let fault = Box::new(|_: usize, s: Signal| match s {
        Signal::Tcf(mut d) => {
            for (i, b) in d.iter_mut().enumerate() {
                if i % 50 == 0 {
                    *b = 0x10;
                }
            }
            Some(Signal::Tcf(d))
        }
        s => Some(s),
    });
    let (r, _, _) = run(
        Session::sender(sender_cfg(), vec![page(1, Resolution::Fine)]),
        Session::receiver(receiver_cfg()),
        fault,
        Duration::from_secs(900),
    );
    let tx = finished(&r.events[0]);
    assert_eq!(tx.result, Err(Failure::CannotTrain));
    let rx = finished(&r.events[1]);
    assert_eq!(rx.result, Err(Failure::UnexpectedDcn));
}

#[test]
fn damaged_pages_get_rtn_and_are_sent_again() {
    let mut cfg = sender_cfg();
    cfg.capabilities.ecm = false;
    // The first transmission of the page is badly damaged; the second arrives clean.
    let mut images = 0;
    let fault = Box::new(move |_: usize, s: Signal| match s {
        Signal::Image(mut d) => {
            images += 1;
            if images == 1 {
                for i in (100..d.len()).step_by(40) {
                    d[i] ^= 0x5a;
                }
            }
            Some(Signal::Image(d))
        }
        s => Some(s),
    });
    let p = page(7, Resolution::Fine);
    let (r, _, _) =
        run(Session::sender(cfg, vec![p.clone()]), Session::receiver(receiver_cfg()), fault, Duration::from_secs(900));
    let tx = finished(&r.events[0]);
    assert_eq!(tx.result, Ok(()));
    let answers: Vec<PageResponse> = r.events[0]
        .iter()
        .filter_map(|e| match e {
            Event::PageAnswered { response, .. } => Some(*response),
            _ => None,
        })
        .collect();
    assert_eq!(answers, vec![PageResponse::Rejected, PageResponse::Confirmed]);
    assert_eq!(received(&r.events[1])[0].bitmap, (*p.bitmap().unwrap()));
}

#[test]
fn pages_refused_every_time_end_the_call() {
    let mut cfg = sender_cfg();
    cfg.capabilities.ecm = false;
    let fault = Box::new(|_: usize, s: Signal| match s {
        Signal::Image(d) => Some(Signal::Image(d.iter().map(|b| b ^ 0x33).collect())),
        s => Some(s),
    });
    let (r, _, _) = run(
        Session::sender(cfg, vec![page(7, Resolution::Fine)]),
        Session::receiver(receiver_cfg()),
        fault,
        Duration::from_secs(900),
    );
    assert_eq!(finished(&r.events[0]).result, Err(Failure::PageRefused));
    assert_eq!(finished(&r.events[1]).result, Err(Failure::UnexpectedDcn));
}

#[test]
fn ecm_frames_lost_four_times_lead_to_ctc_at_a_lower_rate() {
    // Frame 1 of each block transmission is lost the first five times it is sent.
    let mut losses = 0;
    let fault = Box::new(move |_: usize, s: Signal| match s {
        Signal::Ecm(frames) => {
            let kept: Vec<Vec<u8>> = frames
                .into_iter()
                .filter(|f| {
                    let is_frame_1 = f.len() > 4 && f[2] == 0x60 && f[3] == 0x80;
                    if is_frame_1 && losses < 5 {
                        losses += 1;
                        return false;
                    }
                    true
                })
                .collect();
            Some(Signal::Ecm(kept))
        }
        s => Some(s),
    });
    let p = page(9, Resolution::Fine);
    let (r, _, _) = run(
        Session::sender(sender_cfg(), vec![p.clone()]),
        Session::receiver(receiver_cfg()),
        fault,
        Duration::from_secs(900),
    );
    let tx = finished(&r.events[0]);
    assert_eq!(tx.result, Ok(()), "{tx:?}");
    // Four PPRs for the block, then CTC down one step, then the frame got through.
    assert_eq!(tx.negotiated.unwrap().modulation, ferrofax_t30::Modulation::V17_12000);
    assert_eq!(finished(&r.events[1]).negotiated.unwrap().modulation, ferrofax_t30::Modulation::V17_12000);
    assert_eq!(received(&r.events[1])[0].bitmap, (*p.bitmap().unwrap()));
}

#[test]
fn far_end_hanging_up_mid_page_is_reported() {
    let mut cfg = sender_cfg();
    cfg.capabilities.ecm = false;
    let (r, mut tx, mut rx) = run(
        Session::sender(cfg, vec![page(3, Resolution::Fine)]),
        Session::receiver(receiver_cfg()),
        no_fault(),
        Duration::from_secs(14),
    );
    assert!(r.events[0].contains(&Event::PageStarted { page: 0 }), "{:?}", r.events[0]);
    assert!(!tx.is_finished() && !rx.is_finished());
    // The line goes: each side learns it from its transport.
    tx.handle_modem(Duration::from_secs(15), ferrofax_t30::ModemEvent::LineLost);
    rx.handle_modem(Duration::from_secs(15), ferrofax_t30::ModemEvent::LineLost);
    assert_eq!(tx.completion().unwrap().result, Err(Failure::CallDropped));
    assert_eq!(rx.completion().unwrap().result, Err(Failure::CallDropped));
    assert_eq!(rx.completion().unwrap().pages_received, 0);
}

#[test]
fn damaged_commands_are_asked_for_again_with_crp() {
    // The first DCS and the first MPS arrive damaged; the receiver answers CRP and the sender
    // repeats them.
    let crps = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = crps.clone();
    let mut damaged = [false; 2];
    let fault = Box::new(move |side: usize, s: Signal| match s {
        Signal::Control(mut frames) => {
            let fcf = frames.last().map(|f| f[2] & 0x7f).unwrap_or(0);
            if side == 1 && fcf == 0x58 {
                seen.set(seen.get() + 1);
            }
            let which = match fcf {
                0x41 => Some(0),
                0x72 => Some(1),
                _ => None,
            };
            if side == 0
                && let Some(i) = which
                && !damaged[i]
            {
                damaged[i] = true;
                for f in &mut frames {
                    f[0] = 0x7f;
                }
            }
            Some(Signal::Control(frames))
        }
        s => Some(s),
    });
    let mut cfg = sender_cfg();
    cfg.capabilities.ecm = false;
    let pages = vec![page(1, Resolution::Fine), page(2, Resolution::Fine)];
    let (r, _, _) =
        run(Session::sender(cfg, pages), Session::receiver(receiver_cfg()), fault, Duration::from_secs(900));
    assert_eq!(finished(&r.events[0]).result, Ok(()));
    assert_eq!(finished(&r.events[1]).pages_received, 2);
    assert_eq!(crps.get(), 2);
}

/// Drops the `n`-th control transmission (from 1) of `side` whose last frame has FCF `fcf`
/// (X bit ignored).
fn drop_nth(side: usize, fcf: u8, n: u32) -> support::Fault {
    let mut seen = 0;
    Box::new(move |s: usize, sig: Signal| match sig {
        Signal::Control(frames) if s == side && frames.last().is_some_and(|f| f[2] & 0x7f == fcf) => {
            seen += 1;
            if seen == n { None } else { Some(Signal::Control(frames)) }
        }
        sig => Some(sig),
    })
}

fn page_answers(events: &[Event]) -> Vec<PageResponse> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PageAnswered { response, .. } => Some(*response),
            _ => None,
        })
        .collect()
}

#[test]
fn a_lost_mcf_is_repeated_without_a_duplicate_page() {
    for ecm in [false, true] {
        let mut cfg = sender_cfg();
        cfg.capabilities.ecm = ecm;
        let pages = vec![page(1, Resolution::Fine), page(2, Resolution::Fine), page(3, Resolution::Fine)];
        // The receiver's first MCF never arrives.
        let (r, _, _) = run(
            Session::sender(cfg, pages.clone()),
            Session::receiver(receiver_cfg()),
            drop_nth(1, 0x31, 1),
            Duration::from_secs(900),
        );
        assert_eq!(finished(&r.events[0]).result, Ok(()), "ecm {ecm}");
        let got = received(&r.events[1]);
        assert_eq!(got.len(), 3, "ecm {ecm}: no page twice, none lost");
        for (g, p) in got.iter().zip(&pages) {
            assert_eq!(g.bitmap, *p.bitmap().unwrap());
        }
    }
}

#[test]
fn a_page_change_goes_through_eom_even_when_its_mcf_is_lost() {
    for ecm in [false, true] {
        let mut cfg = sender_cfg();
        cfg.capabilities.ecm = ecm;
        // Fine, then standard: EOM after the first page, then phase B again.
        let pages = vec![page(1, Resolution::Fine), page(2, Resolution::Standard), page(3, Resolution::Standard)];
        let (r, _, _) = run(
            Session::sender(cfg, pages.clone()),
            Session::receiver(receiver_cfg()),
            drop_nth(1, 0x31, 1),
            Duration::from_secs(900),
        );
        assert_eq!(finished(&r.events[0]).result, Ok(()), "ecm {ecm}: {:?}", r.events[0]);
        let got = received(&r.events[1]);
        assert_eq!(got.len(), 3, "ecm {ecm}");
        assert_eq!(
            got.iter().map(|g| g.resolution).collect::<Vec<_>>(),
            vec![Resolution::Fine, Resolution::Standard, Resolution::Standard]
        );
        for (g, p) in got.iter().zip(&pages) {
            assert_eq!(g.bitmap, *p.bitmap().unwrap());
        }
        let dcs_count = r.events[0].iter().filter(|e| matches!(e, Event::Phase(ferrofax_t30::Phase::B))).count();
        assert!(dcs_count >= 2, "phase B twice");
    }
}

#[test]
fn a_page_that_never_arrives_is_refused_not_confirmed() {
    // Non-ECM: the second page's data is lost on the way (its training arrives); the repeated
    // MPS must not be taken for a lost answer.
    let mut cfg = sender_cfg();
    cfg.capabilities.ecm = false;
    let mut images = 0;
    let fault = Box::new(move |_: usize, s: Signal| match s {
        Signal::Image(d) => {
            images += 1;
            Some(Signal::Image(if images == 2 { Vec::new() } else { d }))
        }
        s => Some(s),
    });
    let pages = vec![page(1, Resolution::Fine), page(2, Resolution::Fine)];
    let (r, _, _) =
        run(Session::sender(cfg, pages.clone()), Session::receiver(receiver_cfg()), fault, Duration::from_secs(900));
    assert_eq!(
        finished(&r.events[0]).result,
        Ok(()),
        "{:?}\n{:?}",
        r.events[0],
        r.events[1].iter().filter(|e| !matches!(e, Event::PageReceived { .. })).collect::<Vec<_>>()
    );
    assert_eq!(
        page_answers(&r.events[0]),
        vec![PageResponse::Confirmed, PageResponse::Rejected, PageResponse::Confirmed]
    );
    let got = received(&r.events[1]);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].bitmap, *pages[1].bitmap().unwrap());
}

#[test]
fn at_the_lowest_rate_four_pprs_lead_to_eor_a_lost_err_is_repeated_and_the_send_fails() {
    let mut cfg = sender_cfg();
    cfg.capabilities.modems = ferrofax_t30::ModemFamilies { v27ter: false, v29: false, v17: false };
    // Frame 1 of the block is always lost: the receiver can never complete the block.
    let fault_frames = Box::new(|_: usize, s: Signal| match s {
        Signal::Ecm(frames) => {
            Some(Signal::Ecm(frames.into_iter().filter(|f| !(f.len() > 4 && f[2] == 0x60 && f[3] == 0x80)).collect()))
        }
        s => Some(s),
    });
    let mut drop_err = drop_nth(1, 0x38, 1);
    let fault = Box::new(move |side: usize, s: Signal| fault_frames(side, s).and_then(|s| drop_err(side, s)));
    let p = page(5, Resolution::Standard);
    let (r, _, _) =
        run(Session::sender(cfg, vec![p]), Session::receiver(receiver_cfg()), fault, Duration::from_secs(1800));
    let tx = finished(&r.events[0]);
    // The page went with a gap: the sender must not call that a success (it hangs up after ERR).
    assert_eq!(tx.result, Err(Failure::PageIncomplete), "{tx:?}");
    assert_eq!(tx.pages_sent, 0);
    assert!(!page_answers(&r.events[0]).contains(&PageResponse::Confirmed));
    assert_eq!(tx.negotiated.unwrap().modulation, ferrofax_t30::Modulation::V27ter2400);
    // The repeated EOR was answered again (the lost ERR) and the page taken with its gap, once.
    let got = received(&r.events[1]);
    assert_eq!(got.len(), 1);
    assert!(got[0].quality.bad_lines > 0 || got[0].bitmap.height() < 1100);
}
