//! Two SIP user agents on the loopback interface: one calls the other offering a T.38 image
//! stream, the answer agrees the T.38 parameters, and a fax goes over UDPTL between the
//! addresses the SDP gave, in real time; then BYE ends the call on both sides.

use std::net::SocketAddr;
use std::time::Duration;

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_sip::{AgentConfig, CallEnd, SessionDescription, SipAgent, T38Params, Transport};
use ferrofax_t30::{CallRole, Config, Event, SendPage, Session};
use ferrofax_t38::T38Call;
use ferrofax_t38_udp::{FarEnd, run_call};
use tokio::net::UdpSocket;

fn t38_sdp(udptl: SocketAddr, params: &T38Params) -> SessionDescription {
    ferrofax_sip::t38_session(udptl, params)
}

fn far_end(sdp: &SessionDescription) -> (SocketAddr, T38Params) {
    ferrofax_sip::t38_far_end(sdp).expect("a T.38 stream")
}

#[tokio::test]
async fn a_fax_over_sip_and_t38() {
    let caller = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let callee = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    fax_between(caller, callee, Transport::Udp).await;
}

/// The same over SIP on TCP (UDPTL stays on UDP); an agent that only speaks TCP is not
/// reached over UDP.
#[tokio::test]
async fn a_fax_over_sip_on_tcp() {
    let caller = SipAgent::start(AgentConfig::tcp("127.0.0.1:0".parse().unwrap())).await.unwrap();
    let callee = SipAgent::start(AgentConfig::tcp("127.0.0.1:0".parse().unwrap())).await.unwrap();
    let udp = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let offer = t38_sdp("127.0.0.1:40000".parse().unwrap(), &T38Params::default());
    let never = tokio_util::sync::CancellationToken::new();
    let target = format!("sip:fax@{}", callee.local_addr());
    let r = udp.call(&target, "1", offer, Duration::from_secs(2), &never).await;
    assert!(r.is_err(), "a TCP-only agent answered over UDP");
    fax_between(caller, callee, Transport::Tcp).await;
}

async fn fax_between(caller: SipAgent, mut callee: SipAgent, transport: Transport) {
    let target = format!("sip:fax@{}", callee.local_addr());

    let mut bitmap = Bitmap::new(1728, 400);
    for y in (10..390).step_by(11) {
        bitmap.fill_run(y, 200 + y, 900 + y);
    }
    let page = SendPage::new(bitmap.clone(), Resolution::Standard);

    // The answering side: accept with its own UDPTL port and the answered parameters, then
    // receive.
    let answerer = tokio::spawn(async move {
        let incoming = callee.next_incoming().await.expect("a call");
        assert_eq!(incoming.transport, transport);
        assert_eq!(incoming.source.map(|s| s.ip()), Some("127.0.0.1".parse().unwrap()));
        let offer = incoming.offer.clone().expect("an SDP offer");
        let (far, offered) = far_end(&offer);
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let agreed = T38Params::answer(&offered, &T38Params::default());
        let mut call = incoming.accept(t38_sdp(socket.local_addr().unwrap(), &agreed)).unwrap();
        let mut cfg = Config::new(CallRole::Answering, "+1 555 0199");
        cfg.ced_ms = 0;
        let t38 = T38Call::new(Session::receiver(cfg), T38Params::call_config(&agreed, &offered));
        let mut pages = Vec::new();
        let done = run_call(t38, &socket, FarEnd::Learn(far), Duration::from_secs(120), |e| {
            if let Event::PageReceived { received, .. } = e {
                pages.push(received.bitmap.clone());
            }
        })
        .await
        .unwrap();
        let end = tokio::time::timeout(Duration::from_secs(10), call.ended()).await.expect("BYE arrives");
        (done, pages, end, agreed)
    });

    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let ours = T38Params::default();
    let never = tokio_util::sync::CancellationToken::new();
    let call = caller
        .call(&target, "+15550100", t38_sdp(socket.local_addr().unwrap(), &ours), Duration::from_secs(30), &never)
        .await
        .unwrap();
    let (far, answered) = far_end(&call.remote());
    let tx = Session::sender(Config::new(CallRole::Calling, "+1 555 0100"), vec![page]);
    let sent = run_call(
        T38Call::new(tx, T38Params::call_config(&answered, &answered)),
        &socket,
        FarEnd::Fixed(far),
        Duration::from_secs(120),
        |_| {},
    )
    .await
    .unwrap();
    call.hangup().await;

    let (received, pages, end, agreed) = answerer.await.unwrap();
    assert_eq!(sent.result, Ok(()));
    assert_eq!(received.result, Ok(()));
    assert_eq!(pages, vec![bitmap]);
    assert_eq!(end, CallEnd::HungUp);
    assert_eq!((agreed.version, agreed.max_bit_rate), (0, 14400));
    assert_eq!(answered, agreed);
}

#[tokio::test]
async fn an_unanswered_call_is_cancelled() {
    let caller = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut callee = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let target = format!("sip:fax@{}", callee.local_addr());
    let offer = t38_sdp("127.0.0.1:40000".parse().unwrap(), &T38Params::default());
    let never = tokio_util::sync::CancellationToken::new();
    let (r, cancelled) = tokio::join!(caller.call(&target, "1", offer, Duration::from_secs(2), &never), async {
        // The callee sees the INVITE, never answers, and learns of the CANCEL.
        let mut incoming = callee.next_incoming().await.expect("a call");
        tokio::time::timeout(Duration::from_secs(10), incoming.cancelled()).await.is_ok()
    });
    assert!(matches!(r, Err(ferrofax_sip::SipError::NoAnswer(_))), "{:?}", r.err());
    assert!(cancelled, "the callee learns the call was cancelled");
}
