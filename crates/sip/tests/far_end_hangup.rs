//! The far end hanging up (BYE) is seen at once by our side of the call, whichever end placed
//! it: [`Call::ended`] returns [`CallEnd::HungUp`] within a second, [`Call::has_ended`] says so
//! from then on, and a switch to T.38 still waiting for the far end gives up with
//! [`SipError::CallEnded`]. A line driver waits on these to stop a fax the far end has left.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ferrofax_sip::{Call, CallEnd, SipAgent, SipError, T38Params, T38Plan, audio_session};
use tokio_util::sync::CancellationToken;

/// How soon a hang-up must be seen.
const AT_ONCE: Duration = Duration::from_secs(1);

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// An audio call from `a` to `b`: (the caller's side, the callee's side).
async fn audio_call(a: &SipAgent, b: &mut SipAgent) -> (Call, Call) {
    let target = format!("sip:fax@{}", b.local_addr());
    let offer = audio_session("127.0.0.1:44000".parse().unwrap());
    let never = CancellationToken::new();
    let (caller, callee) = tokio::join!(a.call(&target, "100", offer, Duration::from_secs(5), &never), async {
        let incoming = b.next_incoming().await.expect("a call");
        let offer = incoming.offer.clone().expect("an offer");
        let answer = ferrofax_sip::media::answer(&offer, None, [127, 0, 0, 1].into(), |m| {
            ferrofax_sip::media::answer_audio(m, 44002)
        })
        .expect("G.711 offered");
        incoming.accept(answer).unwrap()
    });
    (caller.expect("the call"), callee)
}

/// `hanging_up` hangs up its side; `other` must see it within [`AT_ONCE`] while it is busy
/// with something that would otherwise go on for a long time (as a fax does).
async fn seen_at_once(hanging_up: &Call, other: &mut Call) {
    assert_eq!(other.has_ended(), None);
    let started = Instant::now();
    let (_, end) = tokio::join!(hanging_up.hangup(), async {
        tokio::select! {
            e = other.ended() => e,
            _ = tokio::time::sleep(Duration::from_secs(20)) => panic!("the hang-up was not seen"),
        }
    });
    assert_eq!(end, CallEnd::HungUp);
    assert!(started.elapsed() < AT_ONCE, "seen after {:?}", started.elapsed());
    assert_eq!(other.has_ended(), Some(CallEnd::HungUp));
    assert!(other.next_offer().await.is_none(), "no offers once the call has ended");
}

#[tokio::test]
async fn the_callee_hanging_up_ends_the_call_we_placed_at_once() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, callee) = audio_call(&a, &mut b).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    seen_at_once(&callee, &mut caller).await;

    // The same once the call is on T.38 (the callee asked for it), as in the middle of a fax.
    let (mut caller, mut callee) = audio_call(&a, &mut b).await;
    let ours = T38Params::default();
    let (wait, ask) = (
        T38Plan { request_after: None, give_up: Duration::from_secs(10), ..T38Plan::default() },
        T38Plan { request_after: Some(Duration::ZERO), give_up: Duration::from_secs(10), ..T38Plan::default() },
    );
    let (sa, sb) = tokio::join!(
        caller.switch_to_t38("127.0.0.1:44006".parse().unwrap(), &ours, &wait),
        callee.switch_to_t38("127.0.0.1:44008".parse().unwrap(), &ours, &ask),
    );
    assert!(sa.unwrap().by_far_end && !sb.unwrap().by_far_end);
    seen_at_once(&callee, &mut caller).await;
}

#[tokio::test]
async fn the_caller_hanging_up_ends_the_call_we_answered_at_once() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (caller, mut callee) = audio_call(&a, &mut b).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    seen_at_once(&caller, &mut callee).await;
}

#[tokio::test]
async fn the_callee_hanging_up_ends_our_wait_for_t38() {
    let a = SipAgent::bind(local()).await.unwrap();
    let mut b = SipAgent::bind(local()).await.unwrap();
    let (mut caller, callee) = audio_call(&a, &mut b).await;
    // We wait for the far end's T.38 re-INVITE (for a minute at most); it hangs up instead.
    let plan = T38Plan { request_after: None, give_up: Duration::from_secs(60), ..T38Plan::default() };
    let (udptl, ours) = ("127.0.0.1:44004".parse().unwrap(), T38Params::default());
    let started = Instant::now();
    let (r, _) = tokio::join!(caller.switch_to_t38(udptl, &ours, &plan), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        callee.hangup().await;
    });
    assert!(matches!(r, Err(SipError::CallEnded)), "{r:?}");
    assert!(started.elapsed() < Duration::from_millis(300) + AT_ONCE, "{:?}", started.elapsed());
    assert_eq!(caller.has_ended(), Some(CallEnd::HungUp));
}
