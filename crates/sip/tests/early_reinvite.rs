//! A re-INVITE that reaches our agent before the ACK of our 2xx to the first INVITE (the far
//! end sends the ACK first, but the two race inside the stack, or the ACK is lost): it waits for
//! the ACK and is then handled as a re-INVITE; if no ACK comes it gets 500 with Retry-After
//! (RFC 3261 §14.2), never silence. The far end here is a raw UDP socket writing its own SIP.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ferrofax_sip::{SipAgent, T38Params, audio_session, t38_session};
use tokio::net::UdpSocket;

const CALL_ID: &str = "early-reinvite-1@127.0.0.1";

fn sdp(port: u16, t38: bool) -> String {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut s = if t38 { t38_session(addr, &T38Params::default()) } else { audio_session(addr) };
    if t38 {
        s.origin.session_version += 1;
    }
    s.to_string()
}

/// A request from the raw caller at `me` to the agent at `to`.
fn request(
    method: &str,
    me: SocketAddr,
    to: SocketAddr,
    cseq: u32,
    to_tag: Option<&str>,
    body: Option<&str>,
) -> Vec<u8> {
    let branch = format!("z9hG4bK{method}{cseq}x");
    let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    let body = body.unwrap_or("");
    let content_type = if body.is_empty() { "" } else { "Content-Type: application/sdp\r\n" };
    format!(
        "{method} sip:fax@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch={branch};rport\r\nMax-Forwards: 70\r\n\
         From: <sip:100@{me}>;tag=rawcaller\r\nTo: <sip:fax@{to}>{to_tag}\r\nCall-ID: {CALL_ID}\r\n\
         CSeq: {cseq} {method}\r\nContact: <sip:100@{me}>\r\n{content_type}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The next response to CSeq `cseq` with a final status, skipping provisional ones and
/// retransmissions of other transactions' responses.
async fn final_response(s: &UdpSocket, cseq: u32, within: Duration) -> Option<String> {
    let until = tokio::time::Instant::now() + within;
    let mut buf = vec![0u8; 8192];
    loop {
        let (n, _) = tokio::time::timeout_at(until, s.recv_from(&mut buf)).await.ok()?.ok()?;
        let text = String::from_utf8_lossy(&buf[..n]).to_string();
        let status: u16 = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let ours = text.lines().any(|l| l.eq_ignore_ascii_case(&format!("CSeq: {cseq} INVITE")));
        if text.starts_with("SIP/2.0") && ours && status >= 200 {
            return Some(text);
        }
    }
}

fn to_tag(response: &str) -> String {
    let to = response.lines().find(|l| l.to_ascii_lowercase().starts_with("to:")).expect("a To header");
    to.split(";tag=").nth(1).expect("a To tag").trim().to_string()
}

/// Calls `b` from a raw socket with audio and takes its 200 OK (not yet acknowledged).
async fn answered_call(b: &mut SipAgent) -> (UdpSocket, ferrofax_sip::Call, String) {
    let raw = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (me, to) = (raw.local_addr().unwrap(), b.local_addr());
    raw.send_to(&request("INVITE", me, to, 1, None, Some(&sdp(41000, false))), to).await.unwrap();
    let incoming = b.next_incoming().await.expect("the call");
    let offer = incoming.offer.clone().unwrap();
    let answer = ferrofax_sip::media::answer(&offer, None, [127, 0, 0, 1].into(), |m| {
        ferrofax_sip::media::answer_audio(m, 41002)
    })
    .unwrap();
    let call = incoming.accept(answer).unwrap();
    let ok = final_response(&raw, 1, Duration::from_secs(5)).await.expect("200 to the INVITE");
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    let tag = to_tag(&ok);
    (raw, call, tag)
}

#[tokio::test]
async fn a_reinvite_ahead_of_the_ack_waits_for_it_and_is_answered() {
    let mut b = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (raw, mut call, tag) = answered_call(&mut b).await;
    let (me, to) = (raw.local_addr().unwrap(), b.local_addr());
    // The re-INVITE to T.38 goes out first, the ACK 300 ms later.
    raw.send_to(&request("INVITE", me, to, 2, Some(&tag), Some(&sdp(41004, true))), to).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    raw.send_to(&request("ACK", me, to, 1, Some(&tag), None), to).await.unwrap();
    let (offer, response) = tokio::join!(
        async {
            let o =
                tokio::time::timeout(Duration::from_secs(5), call.next_offer()).await.expect("the re-INVITE").unwrap();
            assert!(o.offer.t38().is_some());
            let image = t38_session(([127, 0, 0, 1], 41006).into(), &T38Params::default()).media.remove(0);
            let a = ferrofax_sip::media::answer(&o.offer, Some(&call.local()), [127, 0, 0, 1].into(), |m| {
                m.is_t38().then(|| image.clone())
            })
            .unwrap();
            o.accept(a).await.unwrap();
        },
        final_response(&raw, 2, Duration::from_secs(6))
    );
    let () = offer;
    let response = response.expect("an answer to the re-INVITE");
    assert!(response.starts_with("SIP/2.0 200"), "{response}");
    assert!(response.contains("m=image 41006 udptl t38"), "{response}");
}

#[tokio::test]
async fn a_reinvite_whose_ack_never_comes_gets_500_with_retry_after() {
    let mut b = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (raw, _call, tag) = answered_call(&mut b).await;
    let (me, to) = (raw.local_addr().unwrap(), b.local_addr());
    let started = Instant::now();
    raw.send_to(&request("INVITE", me, to, 2, Some(&tag), Some(&sdp(41004, true))), to).await.unwrap();
    let response = final_response(&raw, 2, Duration::from_secs(10)).await.expect("an answer, not silence");
    assert!(response.starts_with("SIP/2.0 500"), "{response}");
    let retry_after: u64 =
        response.lines().find_map(|l| l.strip_prefix("Retry-After:")).expect("Retry-After").trim().parse().unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}
