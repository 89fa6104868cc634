//! A call we place, answered by a far end that sends its T.38 re-INVITE the moment our ACK
//! reaches it (as some gateways do): the re-INVITE belongs to our dialog however soon it comes,
//! so it is answered 200 (or 491 when ours is out), never 481 Call/Transaction Does Not Exist,
//! which a strict far end takes as the end of the call. The far end is a raw UDP socket writing
//! its own SIP, so that nothing on its side waits for anything.

use std::net::SocketAddr;
use std::time::Duration;

use ferrofax_sip::{SipAgent, T38Params, T38Plan, audio_session, t38_session};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

/// Calls placed: before the fix, between a third and two thirds of them got 481.
const CALLS: usize = 20;

/// A received SIP message: its text and where it came from.
struct Message {
    text: String,
    from: SocketAddr,
}

impl Message {
    /// The value of header `name` (first one, name without case).
    fn header(&self, name: &str) -> &str {
        self.text
            .lines()
            .find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
            })
            .unwrap_or_else(|| panic!("no {name} in\n{}", self.text))
    }

    /// Every header line called `name`, as written.
    fn header_lines(&self, name: &str) -> Vec<&str> {
        self.text
            .lines()
            .filter(|l| l.split_once(':').is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name)))
            .collect()
    }
}

/// The next message on `s` for which `wanted` holds, skipping the others.
async fn next(s: &UdpSocket, wanted: impl Fn(&str) -> bool) -> Message {
    let mut buf = vec![0u8; 8192];
    loop {
        let (n, from) = tokio::time::timeout(Duration::from_secs(5), s.recv_from(&mut buf))
            .await
            .expect("a message within 5 s")
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]).to_string();
        if wanted(&text) {
            return Message { text, from };
        }
    }
}

fn with_body(head: String, body: &str) -> Vec<u8> {
    format!("{head}Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// The URI inside `<…>` of a Contact, To or From value.
fn uri_of(value: &str) -> &str {
    value.split('<').nth(1).and_then(|r| r.split('>').next()).unwrap_or(value)
}

/// Plays the far end of one call on `raw`: answers the INVITE with audio, and as soon as the
/// ACK is in sends a T.38 re-INVITE; returns the final status our agent gave it.
async fn far_end(raw: &UdpSocket, call: usize) -> u16 {
    let me = raw.local_addr().unwrap();
    let invite = next(raw, |t| t.starts_with("INVITE ")).await;
    let tag = format!("far{call}");
    let mut ok = String::from("SIP/2.0 200 OK\r\n");
    for via in invite.header_lines("Via") {
        ok.push_str(via);
        ok.push_str("\r\n");
    }
    ok.push_str(&format!(
        "From: {}\r\nTo: {};tag={tag}\r\nCall-ID: {}\r\nCSeq: {}\r\nContact: <sip:fax@{me}>\r\n",
        invite.header("From"),
        invite.header("To"),
        invite.header("Call-ID"),
        invite.header("CSeq"),
    ));
    let audio = audio_session(([127, 0, 0, 1], 43000).into());
    raw.send_to(&with_body(ok, &audio.to_string()), invite.from).await.unwrap();
    next(raw, |t| t.starts_with("ACK ")).await;

    // The ACK is in: the re-INVITE to T.38 goes at once.
    let mut offer = ferrofax_sip::next_version(
        &audio,
        t38_session(([127, 0, 0, 1], 43002).into(), &T38Params::default()).media.remove(0),
    );
    offer.connection = Some([127, 0, 0, 1].into());
    let head = format!(
        "INVITE {} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKfar{call}r;rport\r\nMax-Forwards: 70\r\n\
         From: <sip:fax@{me}>;tag={tag}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: 1 INVITE\r\nContact: <sip:fax@{me}>\r\n",
        uri_of(invite.header("Contact")),
        invite.header("From"),
        invite.header("Call-ID"),
    );
    raw.send_to(&with_body(head, &offer.to_string()), invite.from).await.unwrap();
    let answer = next(raw, |t| {
        let status: u16 = t.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        t.starts_with("SIP/2.0 ") && status >= 200 && t.lines().any(|l| l.eq_ignore_ascii_case("CSeq: 1 INVITE"))
    })
    .await;
    let status: u16 = answer.text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap();
    if status == 200 {
        let ack = format!(
            "ACK {} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKfar{call}a;rport\r\nMax-Forwards: 70\r\n\
             From: <sip:fax@{me}>;tag={tag}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
            uri_of(invite.header("Contact")),
            invite.header("From"),
            invite.header("Call-ID"),
        );
        raw.send_to(ack.as_bytes(), invite.from).await.unwrap();
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reinvite_right_behind_our_ack_belongs_to_the_call() {
    let agent = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let never = CancellationToken::new();
    let accept_t38 = T38Plan { request_after: None, give_up: Duration::from_secs(5), ..T38Plan::default() };
    let mut statuses = Vec::new();
    for call in 0..CALLS {
        let raw = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = format!("sip:fax@{}", raw.local_addr().unwrap());
        let offer = audio_session("127.0.0.1:42000".parse().unwrap());
        let caller = async {
            let mut c = agent.call(&target, "100", offer, Duration::from_secs(5), &never).await.expect("the call");
            let switched =
                c.switch_to_t38("127.0.0.1:42002".parse().unwrap(), &T38Params::default(), &accept_t38).await;
            (c, switched)
        };
        let (status, (c, switched)) = tokio::join!(far_end(&raw, call), caller);
        statuses.push(status);
        if status == 200 {
            let s = switched.expect("switched to T.38");
            assert!(s.by_far_end && s.far == "127.0.0.1:43002".parse().unwrap(), "{s:?}");
        }
        drop(c);
    }
    assert!(statuses.iter().all(|s| *s == 200), "answers to the far end's re-INVITE, one per call: {statuses:?}");
}
