//! A call we place, answered by a far end that sends a request the moment our ACK reaches it:
//! a T.38 re-INVITE (as some gateways do) or a BYE. The request belongs to our dialog however
//! soon it comes, so the re-INVITE is answered 200 (or 491 when ours is out) and the BYE 200
//! with the call ended, never 481 Call/Transaction Does Not Exist — which a strict far end takes
//! as the end of the call, while we would go on with it. The far end is a raw UDP socket
//! writing its own SIP, so that nothing on its side waits for anything.

use std::net::SocketAddr;
use std::time::Duration;

use ferrofax_sip::{Call, CallEnd, SipAgent, T38Params, T38Plan, audio_session, t38_session};
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

/// A call the raw far end has answered and we have acknowledged.
struct Answered<'a> {
    raw: &'a UdpSocket,
    invite: Message,
    tag: String,
}

impl Answered<'_> {
    /// Sends request `method` (CSeq 1) in the call, with an SDP `body` if given, and returns
    /// the final status our agent answers it with (acknowledging a 200 to an INVITE).
    async fn request(&self, method: &str, body: Option<&str>) -> u16 {
        let (me, inv, tag) = (self.raw.local_addr().unwrap(), &self.invite, &self.tag);
        let line = |m: &str, branch: &str| {
            format!(
                "{m} {} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK{tag}{branch};rport\r\nMax-Forwards: 70\r\n\
                 From: <sip:fax@{me}>;tag={tag}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: 1 {m}\r\nContact: <sip:fax@{me}>\r\n",
                uri_of(inv.header("Contact")),
                inv.header("From"),
                inv.header("Call-ID"),
            )
        };
        let head = line(method, "r");
        let bytes = match body {
            Some(b) => with_body(head, b),
            None => format!("{head}Content-Length: 0\r\n\r\n").into_bytes(),
        };
        self.raw.send_to(&bytes, inv.from).await.unwrap();
        let cseq = format!("CSeq: 1 {method}");
        let answer = next(self.raw, |t| {
            let status: u16 = t.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
            t.starts_with("SIP/2.0 ") && status >= 200 && t.lines().any(|l| l.eq_ignore_ascii_case(&cseq))
        })
        .await;
        let status: u16 = answer.text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap();
        if method == "INVITE" && status == 200 {
            let ack = format!("{}Content-Length: 0\r\n\r\n", line("ACK", "a"));
            self.raw.send_to(ack.as_bytes(), inv.from).await.unwrap();
        }
        status
    }
}

/// The far end's audio description.
fn far_audio() -> ferrofax_sip::SessionDescription {
    audio_session(([127, 0, 0, 1], 43000).into())
}

/// Plays the far end of call number `call` on `raw`: answers the INVITE with audio and returns
/// as soon as our ACK is in.
async fn answer(raw: &UdpSocket, call: usize) -> Answered<'_> {
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
    raw.send_to(&with_body(ok, &far_audio().to_string()), invite.from).await.unwrap();
    next(raw, |t| t.starts_with("ACK ")).await;
    Answered { raw, invite, tag }
}

/// Places `CALLS` calls from `agent`, each to a raw far end that does `far_end` the moment our
/// ACK is in, while our side of the call does `ours`; returns the statuses `far_end` got.
async fn calls<F, O, T>(agent: &SipAgent, far_end: F, ours: O) -> Vec<(u16, T)>
where
    F: AsyncFn(&Answered<'_>) -> u16,
    O: AsyncFn(&mut Call) -> T,
{
    let never = CancellationToken::new();
    let mut out = Vec::new();
    for call in 0..CALLS {
        let raw = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = format!("sip:fax@{}", raw.local_addr().unwrap());
        let offer = audio_session("127.0.0.1:42000".parse().unwrap());
        let caller = async {
            let mut c = agent.call(&target, "100", offer, Duration::from_secs(5), &never).await.expect("the call");
            ours(&mut c).await
        };
        let far = async { far_end(&answer(&raw, call).await).await };
        out.push(tokio::join!(far, caller));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reinvite_right_behind_our_ack_belongs_to_the_call() {
    let agent = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let accept_t38 = T38Plan { request_after: None, give_up: Duration::from_secs(5), ..T38Plan::default() };
    let mut t38 = ferrofax_sip::next_version(
        &far_audio(),
        t38_session(([127, 0, 0, 1], 43002).into(), &T38Params::default()).media.remove(0),
    );
    t38.connection = Some([127, 0, 0, 1].into());
    let t38 = t38.to_string();
    let results = calls(
        &agent,
        async |far: &Answered<'_>| far.request("INVITE", Some(&t38)).await,
        async |c: &mut Call| {
            c.switch_to_t38("127.0.0.1:42002".parse().unwrap(), &T38Params::default(), &accept_t38).await
        },
    )
    .await;
    let statuses: Vec<u16> = results.iter().map(|(s, _)| *s).collect();
    assert!(statuses.iter().all(|s| *s == 200), "answers to the far end's re-INVITE, one per call: {statuses:?}");
    for (_, switched) in results {
        let s = switched.expect("switched to T.38");
        assert!(s.by_far_end && s.far == "127.0.0.1:43002".parse().unwrap(), "{s:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bye_right_behind_our_ack_ends_the_call() {
    let agent = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let results = calls(
        &agent,
        async |far: &Answered<'_>| far.request("BYE", None).await,
        async |c: &mut Call| tokio::time::timeout(Duration::from_secs(1), c.ended()).await,
    )
    .await;
    let statuses: Vec<u16> = results.iter().map(|(s, _)| *s).collect();
    assert!(statuses.iter().all(|s| *s == 200), "answers to the far end's BYE, one per call: {statuses:?}");
    for (_, ended) in results {
        assert_eq!(ended, Ok(CallEnd::HungUp));
    }
}
