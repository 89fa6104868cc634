//! Registration against Kamailio (an independent registrar, see `kamailio/mod.rs`): digest
//! authentication with qop=auth, the refresh before the granted expiry, a wrong password as a
//! clear error retried with back-off, TCP, the unregistration on shutdown, and a call routed by
//! the registrar to the registered agent after a 407 challenge to the caller's INVITE.

mod kamailio;

use std::time::{Duration, SystemTime};

use ferrofax_sip::media::{answer, answer_audio};
use ferrofax_sip::{
    Account, AgentConfig, RegistrationState, RetryPolicy, SipAgent, SipError, T38Params, T38Plan, audio_session,
    t38_session,
};
use kamailio::Kamailio;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "s3cret-Fax";

fn account(k: &Kamailio, user: &str, password: &str, expires: u32) -> Account {
    Account {
        registrar: k.addr.to_string(),
        domain: None,
        user: user.into(),
        auth_user: None,
        password: password.into(),
        expires,
    }
}

fn config(account: Account, tcp: bool) -> AgentConfig {
    let listen = "127.0.0.1:0".parse().unwrap();
    let mut c = if tcp { AgentConfig::tcp(listen) } else { AgentConfig::udp(listen) };
    c.account = Some(account);
    c.register_retry = RetryPolicy { min: Duration::from_millis(300), max: Duration::from_secs(1) };
    c
}

async fn until(
    state: &mut watch::Receiver<RegistrationState>,
    what: impl Fn(&RegistrationState) -> bool,
) -> RegistrationState {
    let r = tokio::time::timeout(Duration::from_secs(15), state.wait_for(|s| what(s))).await;
    r.expect("in time").expect("the agent runs").clone()
}

#[tokio::test]
async fn registers_with_digest_auth_refreshes_and_takes_a_call_routed_by_the_registrar() {
    if !kamailio::available() {
        return;
    }
    let k = Kamailio::start(PASSWORD);
    let mut callee = SipAgent::start(config(account(&k, "fax200", PASSWORD, 4), false)).await.unwrap();
    let mut state = callee.registration().expect("an account");
    let first = until(&mut state, |s| matches!(s, RegistrationState::Registered { .. })).await;
    let RegistrationState::Registered { until: first_until, expires } = first else { unreachable!() };
    assert!((2..=4).contains(&expires), "{expires}");
    assert!(first_until > SystemTime::now());
    // Refreshed before it lapses: a later expiry, and never a failure in between.
    state.mark_unchanged();
    let again =
        until(&mut state, |s| !matches!(s, RegistrationState::Registered { until, .. } if *until == first_until)).await;
    assert!(
        matches!(again, RegistrationState::Registered { until, .. } if until > first_until),
        "{again:?}\n{}",
        k.log()
    );

    // A caller registered as another user calls fax200 at the registrar with G.711: its INVITE
    // is challenged (407), answered with the digest, and routed to the callee's binding; then the
    // call goes to T.38 by a re-INVITE that follows the registrar's Record-Route.
    let caller = SipAgent::start(config(account(&k, "fax100", PASSWORD, 60), false)).await.unwrap();
    let mut cs = caller.registration().unwrap();
    until(&mut cs, |s| matches!(s, RegistrationState::Registered { .. })).await;
    let offer = audio_session("127.0.0.1:40100".parse().unwrap());
    let target = format!("sip:fax200@{}", k.addr);
    let never = CancellationToken::new();
    let (call, answered) =
        tokio::join!(caller.call(&target, "+15550100", offer, Duration::from_secs(10), &never), async {
            let incoming = callee.next_incoming().await.expect("the call routed to us");
            assert!(incoming.from.contains("fax100"), "{}", incoming.from);
            let offer = incoming.offer.clone().unwrap();
            let audio = answer(&offer, None, "127.0.0.1".parse().unwrap(), |m| answer_audio(m, 40102)).unwrap();
            incoming.accept(audio).unwrap()
        });
    let mut call = call.unwrap_or_else(|e| panic!("{e}\n{}", k.log()));
    let mut answered = answered;
    assert_eq!(call.remote().media[0].port, 40102);
    let now = T38Plan { request_after: Some(Duration::ZERO), ..T38Plan::default() };
    let wait = T38Plan { request_after: None, ..T38Plan::default() };
    let d = T38Params::default();
    let (sa, sb) = tokio::join!(
        call.switch_to_t38("127.0.0.1:40104".parse().unwrap(), &d, &now),
        answered.switch_to_t38("127.0.0.1:40106".parse().unwrap(), &d, &wait),
    );
    assert_eq!(sa.unwrap_or_else(|e| panic!("{e}\n{}", k.log())).far.port(), 40106);
    assert_eq!(sb.unwrap().far.port(), 40104);
    assert!(k.log().contains("in-dialog INVITE routed"), "the re-INVITE took the registrar's route\n{}", k.log());
    call.hangup().await;
    let end = tokio::time::timeout(Duration::from_secs(5), answered.ended()).await;
    assert!(end.is_ok(), "the BYE went through the registrar's route");

    // Shutting down unregisters: the registrar no longer knows fax200.
    callee.shutdown().await;
    assert_eq!(*state.borrow(), RegistrationState::Stopped);
    let offer = t38_session("127.0.0.1:40100".parse().unwrap(), &T38Params::default());
    let r = caller.call(&target, "+15550100", offer, Duration::from_secs(10), &never).await;
    assert!(matches!(r, Err(SipError::Refused { code: 404, .. })), "{:?}", r.err());
}

#[tokio::test]
async fn a_wrong_password_is_a_clear_error_and_is_retried() {
    if !kamailio::available() {
        return;
    }
    let k = Kamailio::start(PASSWORD);
    let agent = SipAgent::start(config(account(&k, "fax300", "wrong", 60), false)).await.unwrap();
    let mut state = agent.registration().unwrap();
    let failed = until(&mut state, |s| matches!(s, RegistrationState::Failed { .. })).await;
    let RegistrationState::Failed { error, code, tries, .. } = failed else { unreachable!() };
    assert_eq!((code, tries), (Some(401), 1));
    assert!(error.contains("refused our credentials"), "{error}");
    let later = until(&mut state, |s| matches!(s, RegistrationState::Failed { tries, .. } if *tries >= 3)).await;
    assert!(matches!(later, RegistrationState::Failed { code: Some(401), .. }));
    // Its INVITEs through the registrar meet the same refusal (407 again after the digest).
    let offer = t38_session("127.0.0.1:40100".parse().unwrap(), &T38Params::default());
    let never = CancellationToken::new();
    let r = agent.call(&format!("sip:fax200@{}", k.addr), "1", offer, Duration::from_secs(5), &never).await;
    assert!(matches!(r, Err(SipError::AuthRejected { code: 407, .. })), "{:?}", r.err());
    // The agent itself still works: it answers calls.
    let other = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let offer = t38_session("127.0.0.1:40100".parse().unwrap(), &T38Params::default());
    let mut agent = agent;
    let target = format!("sip:fax@{}", agent.local_addr());
    let never = CancellationToken::new();
    let (r, _) = tokio::join!(other.call(&target, "1", offer, Duration::from_secs(5), &never), async {
        agent.next_incoming().await.unwrap().reject(486)
    });
    assert!(matches!(r, Err(SipError::Refused { code: 486, .. })), "{:?}", r.err());
}

#[tokio::test]
async fn registers_over_tcp() {
    if !kamailio::available() {
        return;
    }
    let k = Kamailio::start(PASSWORD);
    let agent = SipAgent::start(config(account(&k, "fax400", PASSWORD, 60), true)).await.unwrap();
    let mut state = agent.registration().unwrap();
    let s = until(&mut state, |s| !matches!(s, RegistrationState::Starting)).await;
    assert!(matches!(s, RegistrationState::Registered { .. }), "{s:?}\n{}", k.log());
    // Kamailio logs the binding just after its 200 went out.
    for _ in 0..40 {
        if k.log().contains("REGISTERED sip:fax400@") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Kamailio did not log the binding:\n{}", k.log());
}
