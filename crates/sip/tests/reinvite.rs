//! Calls that start as G.711 audio and move to T.38 by re-INVITE, between two agents on the
//! loopback interface: the caller asks, the answerer asks, both ask at once (glare: 491 and the
//! RFC 3261 back-off), a session refresh in the middle of the fax, and the ways it fails — the
//! far end refuses T.38, never asks, or stops answering altogether.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_sip::{
    Call, CallEnd, ReinvitePolicy, SessionDescription, SipAgent, SipError, T38Params, T38Plan, T38Switch, audio_session,
};
use ferrofax_t30::{CallRole, Config, Event, SendPage, Session};
use ferrofax_t38::T38Call;
use ferrofax_t38_udp::{FarEnd, run_call};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// An audio call from `a` to `b`, answered with audio; the calls on both sides.
async fn audio_call(a: &SipAgent, b: &mut SipAgent) -> (Call, Call) {
    let target = format!("sip:fax@{}", b.local_addr());
    let offer = audio_session("127.0.0.1:40000".parse().unwrap());
    let never = CancellationToken::new();
    let (caller, callee) = tokio::join!(a.call(&target, "100", offer, Duration::from_secs(10), &never), async {
        let incoming = b.next_incoming().await.expect("a call");
        let offer = incoming.offer.clone().expect("an offer");
        assert!(offer.t38().is_none() && offer.media[0].is_audio());
        let answer = ferrofax_sip::media::answer(&offer, None, "127.0.0.1".parse().unwrap(), |m| {
            ferrofax_sip::media::answer_audio(m, 40002)
        })
        .expect("G.711 offered");
        incoming.accept(answer).unwrap()
    });
    let caller = caller.unwrap();
    assert!(caller.remote().media[0].is_audio());
    (caller, callee)
}

fn plan(request_after: Option<u64>) -> T38Plan {
    T38Plan {
        request_after: request_after.map(Duration::from_millis),
        give_up: Duration::from_secs(20),
        ..T38Plan::default()
    }
}

fn page() -> Bitmap {
    let mut b = Bitmap::new(1728, 300);
    for y in (10..290).step_by(9) {
        b.fill_run(y, 100 + y, 700 + y);
    }
    b
}

/// Sends one page from `tx` to `rx` over the switched calls' UDPTL, while `rx` answers a
/// session refresh sent by `refresher` halfway; returns the pages received.
async fn fax(tx: (T38Switch, &UdpSocket), rx: (T38Switch, &UdpSocket)) -> Vec<Bitmap> {
    let sender =
        Session::sender(Config::new(CallRole::Calling, "100"), vec![SendPage::new(page(), Resolution::Standard)]);
    let mut cfg = Config::new(CallRole::Answering, "200");
    cfg.ced_ms = 0;
    let receiver = Session::receiver(cfg);
    let mut pages = Vec::new();
    let (s, r) = tokio::join!(
        run_call(
            T38Call::new(sender, T38Params::call_config(&tx.0.agreed, &tx.0.far_params)),
            tx.1,
            FarEnd::Fixed(tx.0.far),
            Duration::from_secs(60),
            |_| {}
        ),
        run_call(
            T38Call::new(receiver, T38Params::call_config(&rx.0.agreed, &rx.0.far_params)),
            rx.1,
            FarEnd::Learn(rx.0.far),
            Duration::from_secs(60),
            |e| {
                if let Event::PageReceived { received, .. } = e {
                    pages.push(received.bitmap.clone());
                }
            }
        )
    );
    assert_eq!(s.unwrap().result, Ok(()));
    assert_eq!(r.unwrap().result, Ok(()));
    pages
}

#[tokio::test]
async fn the_caller_switches_an_audio_call_to_t38_and_a_refresh_mid_fax_changes_nothing() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, mut callee) = audio_call(&a, &mut b).await;
    let (ua, ub) = (UdpSocket::bind(local()).await.unwrap(), UdpSocket::bind(local()).await.unwrap());
    let (p0, pn) = (plan(Some(0)), plan(None));
    let ours = T38Params::default();
    let theirs = T38Params { version: 3, max_bit_rate: 9600, ..T38Params::default() };
    let (sa, sb) = tokio::join!(
        caller.switch_to_t38(ua.local_addr().unwrap(), &ours, &p0),
        callee.switch_to_t38(ub.local_addr().unwrap(), &theirs, &pn),
    );
    let (sa, sb) = (sa.unwrap(), sb.unwrap());
    assert!(!sa.by_far_end && sb.by_far_end);
    assert_eq!((sa.far, sb.far), (ub.local_addr().unwrap(), ua.local_addr().unwrap()));
    // The answer takes the lower rate and the offered version.
    assert_eq!((sb.agreed.version, sb.agreed.max_bit_rate), (0, 9600));
    assert_eq!(sa.agreed, sb.agreed);
    assert_eq!(caller.local().origin.session_version, caller.local().origin.session_id + 1, "our o= version went up");
    assert!(callee.local().t38().is_some() && callee.remote().t38().is_some());

    // Halfway through the fax the caller refreshes the session with what is in force; the
    // answerer's T.38 description comes back unchanged and the fax goes on.
    let before = callee.local();
    let refresh = caller.local();
    let (pages, refreshed) = tokio::join!(fax((sa, &ua), (sb, &ub)), async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        caller.reinvite(refresh, ReinvitePolicy::default()).await
    });
    assert_eq!(pages, vec![page()]);
    assert_eq!(refreshed.unwrap(), before);
    assert_eq!(callee.local(), before);
    caller.hangup().await;
    assert_eq!(tokio::time::timeout(Duration::from_secs(5), callee.ended()).await.unwrap(), CallEnd::HungUp);
}

#[tokio::test]
async fn the_answerer_asks_for_t38_when_the_caller_does_not() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, mut callee) = audio_call(&a, &mut b).await;
    let (ua, ub) = (UdpSocket::bind(local()).await.unwrap(), UdpSocket::bind(local()).await.unwrap());
    let (pn, p300, d) = (plan(None), plan(Some(300)), T38Params::default());
    let started = Instant::now();
    let (sa, sb) = tokio::join!(
        caller.switch_to_t38(ua.local_addr().unwrap(), &d, &pn),
        callee.switch_to_t38(ub.local_addr().unwrap(), &d, &p300),
    );
    let (sa, sb) = (sa.unwrap(), sb.unwrap());
    assert!(sa.by_far_end && !sb.by_far_end);
    assert!(started.elapsed() >= Duration::from_millis(300), "the answerer waited for the caller first");
    assert_eq!(fax((sa, &ua), (sb, &ub)).await, vec![page()]);
    // After the fax the far end goes back to audio: accepted with our RTP port.
    callee.set_audio_port(40002);
    let back =
        ferrofax_sip::next_version(&caller.local(), audio_session("127.0.0.1:40000".parse().unwrap()).media.remove(0));
    let (answer, _) = tokio::join!(caller.reinvite(back, ReinvitePolicy::default()), async {
        tokio::time::timeout(Duration::from_secs(2), callee.ended()).await
    });
    let answer = answer.unwrap();
    assert!(answer.media[0].is_audio() && answer.media[0].port == 40002, "{answer}");
    caller.hangup().await;
}

#[tokio::test]
async fn a_reinvite_meeting_ours_gets_491_and_ours_goes_through_after_the_back_off() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, mut callee) = audio_call(&a, &mut b).await;
    let d = T38Params::default();
    let t38 = |call: &Call, port: u16| {
        ferrofax_sip::next_version(
            &call.local(),
            ferrofax_sip::t38_session(([127, 0, 0, 1], port).into(), &d).media.remove(0),
        )
    };
    // The answerer's re-INVITE is out and not answered yet (the caller is busy elsewhere) …
    let offer_b = t38(&callee, 40030);
    let started = Instant::now();
    let theirs = tokio::spawn(async move {
        let r = callee.reinvite(offer_b, ReinvitePolicy::default()).await;
        (r, callee)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // … when the caller sends its own: the answerer answers 491, and with one try allowed the
    // caller gives up with glare.
    let once = ReinvitePolicy { attempts: 1, ..ReinvitePolicy::default() };
    let r = caller.reinvite(t38(&caller, 40032), once).await;
    assert!(matches!(r, Err(SipError::Glare(1))), "{r:?}");
    // The caller then answers the answerer's waiting re-INVITE 491 as well; the answerer (not
    // the owner of the Call-ID) tries again within 2 s, and that one is accepted.
    caller.next_offer().await.expect("the answerer's re-INVITE").reject(491).await;
    let retry =
        tokio::time::timeout(Duration::from_secs(3), caller.next_offer()).await.expect("a retry within 2 s").unwrap();
    let answer = ferrofax_sip::media::answer(&retry.offer, Some(&caller.local()), [127, 0, 0, 1].into(), |m| {
        m.is_t38().then(|| ferrofax_sip::t38_session(([127, 0, 0, 1], 40034).into(), &d).media.remove(0))
    })
    .unwrap();
    retry.accept(answer).await.unwrap();
    let (r, callee) = theirs.await.unwrap();
    assert_eq!(r.unwrap().t38().unwrap().port, 40034);
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(callee.remote().t38().unwrap().port, 40034);
    caller.hangup().await;
}

#[tokio::test]
async fn both_ends_asking_for_t38_at_once_end_on_one_t38_stream() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, mut callee) = audio_call(&a, &mut b).await;
    let (ua, ub) = (UdpSocket::bind(local()).await.unwrap(), UdpSocket::bind(local()).await.unwrap());
    // Whether the two re-INVITEs cross (491 both ways, then the answerer's retry within 2 s
    // wins over the caller's after 2.1 s) or one arrives before the other leaves, both ends
    // end up on the same T.38 stream, one by its own re-INVITE, one by the other's.
    let (p0, d) = (plan(Some(0)), T38Params::default());
    let (sa, sb) = tokio::join!(
        caller.switch_to_t38(ua.local_addr().unwrap(), &d, &p0),
        callee.switch_to_t38(ub.local_addr().unwrap(), &d, &p0),
    );
    let (sa, sb) = (sa.unwrap(), sb.unwrap());
    assert_ne!(sa.by_far_end, sb.by_far_end);
    assert_eq!((sa.far, sb.far), (ub.local_addr().unwrap(), ua.local_addr().unwrap()));
    assert_eq!(sa.agreed, sb.agreed);
    caller.hangup().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), callee.ended()).await;
}

#[tokio::test]
async fn a_far_end_that_refuses_t38_or_never_asks_fails_the_switch() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, mut callee) = audio_call(&a, &mut b).await;
    let udptl: SocketAddr = "127.0.0.1:40010".parse().unwrap();
    let (p0, d) = (plan(Some(0)), T38Params::default());
    let (r, _) = tokio::join!(caller.switch_to_t38(udptl, &d, &p0), async {
        let o = callee.next_offer().await.expect("the T.38 offer");
        assert!(o.offer.t38().is_some());
        o.reject(488).await;
    });
    assert!(matches!(r, Err(SipError::ReinviteRefused { code: 488, .. })), "{r:?}");
    assert!(caller.remote().media[0].is_audio(), "still on audio");
    // Nobody asks: the switch gives up when told to.
    let started = Instant::now();
    let wait = T38Plan { request_after: None, give_up: Duration::from_millis(800), ..T38Plan::default() };
    let r = callee.switch_to_t38(udptl, &T38Params::default(), &wait).await;
    assert!(matches!(r, Err(SipError::NoT38(_))), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    caller.hangup().await;
}

#[tokio::test]
async fn a_reinvite_nobody_answers_times_out_and_the_call_can_still_be_ended() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, callee) = audio_call(&a, &mut b).await;
    // The far end vanishes (its agent stops: nothing answers on its port any more).
    drop(callee);
    drop(b);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let offer: SessionDescription = ferrofax_sip::next_version(
        &caller.local(),
        ferrofax_sip::t38_session("127.0.0.1:40020".parse().unwrap(), &T38Params::default()).media.remove(0),
    );
    let policy = ReinvitePolicy { attempts: 3, answer_within: Duration::from_millis(1500) };
    let r = caller.reinvite(offer, policy).await;
    assert!(matches!(r, Err(SipError::ReinviteTimeout(_))), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "one try, bounded: {:?}", started.elapsed());
    // The same through the T.38 switch, and hanging up does not hang either.
    let plan = T38Plan { request_after: Some(Duration::ZERO), give_up: Duration::from_secs(30), reinvite: policy };
    let r = caller.switch_to_t38("127.0.0.1:40020".parse().unwrap(), &T38Params::default(), &plan).await;
    assert!(matches!(r, Err(SipError::ReinviteTimeout(_))), "{r:?}");
    let started = Instant::now();
    caller.hangup().await;
    assert!(started.elapsed() < Duration::from_secs(6));
}
