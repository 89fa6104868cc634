//! Two ferrofax calls over the in-memory T.38 link: pages arrive intact over UDPTL with and
//! without ECM, at every T.38 version, with loss recovered by redundancy.

use std::time::Duration;

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_t30::{CallRole, Config, Event, SendPage, Session};
use ferrofax_t38::sim::{LineModel, run_link};
use ferrofax_t38::{T38Call, T38Config};

fn page(seed: u32) -> SendPage {
    let mut b = Bitmap::new(1728, 2200);
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    for y in (40..2150).step_by(23) {
        for x in (100..1600).step_by(37) {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            if !s.is_multiple_of(3) {
                for yy in y..y + 12 {
                    b.fill_run(yy, x, x + 5 + s % 25);
                }
            }
        }
    }
    SendPage::new(b, Resolution::Fine)
}

fn call(session: Session, version: u8) -> T38Call {
    let mut cfg = T38Config::default();
    cfg.terminal.version = version;
    T38Call::new(session, cfg)
}

fn events(c: &mut T38Call) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

#[test]
fn ours_to_ours_over_udptl() {
    for (ecm, version, loss) in [(false, 0, 0.0), (true, 3, 0.0), (false, 2, 0.05), (true, 0, 0.05)] {
        let pages: Vec<SendPage> = (0..3).map(page).collect();
        let mut tx_cfg = Config::new(CallRole::Calling, "+1 555 0100");
        tx_cfg.capabilities.ecm = ecm;
        let mut a = call(Session::sender(tx_cfg, pages.clone()), version);
        let mut b = call(Session::receiver(Config::new(CallRole::Answering, "+1 555 0199")), version);
        let out =
            run_link(&mut a, &mut b, LineModel::lossy(loss, 7), LineModel::lossy(loss, 8), Duration::from_secs(900));
        let (ea, eb) = (events(&mut a), events(&mut b));
        let ca = a.session().completion().cloned();
        let cb = b.session().completion().cloned();
        assert!(out.finished == [true, true], "ecm {ecm} v{version} loss {loss}: {out:?}\n{ca:?}\n{cb:?}");
        assert_eq!(ca.as_ref().unwrap().result, Ok(()), "{ea:?}");
        assert_eq!(cb.as_ref().unwrap().result, Ok(()), "{eb:?}");
        let got: Vec<Bitmap> = eb
            .iter()
            .filter_map(|e| match e {
                Event::PageReceived { received, .. } => Some(received.bitmap.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(got.len(), 3);
        for (g, p) in got.iter().zip(&pages) {
            assert!(g == &(*p.bitmap().unwrap()));
        }
        eprintln!(
            "ecm {ecm} v{version} loss {loss}: {:?} simulated, {:?} datagrams, {:?} dropped",
            out.elapsed, out.sent, out.dropped
        );
    }
}

#[test]
fn local_tcf_between_two_ferrofax_terminals() {
    let pages: Vec<SendPage> = (0..2).map(page).collect();
    let mut cfg = T38Config::default();
    cfg.terminal.rate_management = ferrofax_t38::RateManagement::LocalTcf;
    let mut a = T38Call::new(Session::sender(Config::new(CallRole::Calling, "1"), pages.clone()), cfg);
    let mut b = T38Call::new(Session::receiver(Config::new(CallRole::Answering, "2")), cfg);
    let out = run_link(&mut a, &mut b, LineModel::clean(), LineModel::clean(), Duration::from_secs(900));
    let (ea, eb) = (events(&mut a), events(&mut b));
    assert!(out.finished == [true, true], "{out:?}");
    assert_eq!(a.session().completion().unwrap().result, Ok(()), "{ea:?}\n{eb:?}");
    let got = eb.iter().filter(|e| matches!(e, Event::PageReceived { .. })).count();
    assert_eq!(got, 2);
}

#[test]
fn the_far_end_vanishing_mid_page_ends_both_sides_with_reasons() {
    use ferrofax_t30::Failure;
    for ecm in [false, true] {
        let mut tx_cfg = Config::new(CallRole::Calling, "1");
        tx_cfg.capabilities.ecm = ecm;
        let mut a = call(Session::sender(tx_cfg, vec![page(1), page(2)]), 0);
        let mut b = call(Session::receiver(Config::new(CallRole::Answering, "2")), 0);
        // About 2 s into the first page nothing gets through any more, either way.
        let cut = LineModel { cut_at: Some(Duration::from_secs(19)), ..LineModel::clean() };
        let out = run_link(&mut a, &mut b, cut, cut, Duration::from_secs(600));
        assert!(out.finished == [true, true], "ecm {ecm}: {out:?}");
        let (ra, rb) = (a.session().completion().unwrap(), b.session().completion().unwrap());
        assert!(matches!(ra.result, Err(Failure::NoResponseAfterPage | Failure::EcmProtocol)), "ecm {ecm}: {ra:?}");
        assert!(matches!(rb.result, Err(Failure::NoPageData | Failure::NoCommand)), "ecm {ecm}: {rb:?}");
        assert_eq!((ra.pages_sent, rb.pages_received), (0, 0));
        // T.30's own timers end it: T4 × 3 on the sender, T2 on the receiver.
        assert!(out.elapsed < Duration::from_secs(120), "{:?}", out.elapsed);
    }
}
