//! INVITE flood protection: new INVITEs (no To tag) are counted per source address in a token
//! bucket before any transaction or dialog exists. Within the budget an INVITE goes on; past it
//! the source gets `503 Service Unavailable` with `Retry-After`, sent statelessly (no server
//! transaction, so nothing is retransmitted to a flooder), and past a second threshold within the
//! same burst the excess is dropped unanswered. A burst is logged when it starts and when it
//! ends, never per packet. Retransmissions of an INVITE that was let in (same Call-ID and
//! branch) always pass, so a call in progress is never refused by its own retransmissions.
//!
//! [`FloodGuard`] is the decision alone, on caller-given instants (sans-IO); [`FloodInspector`]
//! puts it in front of rsipstack's transaction layer.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Request, Response, SipMessage, StatusCode};
use rsipstack::transaction::endpoint::TransportEventInspector;
use rsipstack::transport::TransportEvent;

/// How many new INVITEs one source address may send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloodLimit {
    /// INVITEs accepted at once from a quiet source.
    pub burst: u32,
    /// INVITEs per second accepted in the long run.
    pub per_second: f64,
    /// Refused INVITEs answered with 503 in one burst; the rest are dropped unanswered.
    pub answered: u32,
    /// Seconds given in `Retry-After`.
    pub retry_after: u32,
}

impl Default for FloodLimit {
    /// Burst 10, 2 per second, 50 answers per burst, come back in 10 s.
    fn default() -> Self {
        FloodLimit { burst: 10, per_second: 2.0, answered: 50, retry_after: 10 }
    }
}

/// What to do with a new INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Admit,
    /// Answer 503 with Retry-After.
    Refuse,
    /// Drop without an answer.
    Drop,
}

/// A burst starting or ending, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FloodNote {
    Started { source: IpAddr },
    Ended { source: IpAddr, refused: u64 },
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    /// INVITEs refused (answered or dropped) in the current burst.
    refused: u64,
}

/// Most sources remembered; quiet ones are forgotten first.
const MAX_SOURCES: usize = 4096;
/// How long an admitted INVITE's retransmissions pass.
const ADMITTED_FOR: Duration = Duration::from_secs(64);

/// Token buckets per source address.
#[derive(Debug)]
pub struct FloodGuard {
    limit: FloodLimit,
    buckets: HashMap<IpAddr, Bucket>,
    /// Call-ID and Via branch of INVITEs let in, and when.
    admitted: HashMap<(String, String), Instant>,
}

impl FloodGuard {
    pub fn new(limit: FloodLimit) -> FloodGuard {
        FloodGuard { limit, buckets: HashMap::new(), admitted: HashMap::new() }
    }

    /// The verdict on a new INVITE from `source` with `call_id` and top Via `branch` at `now`,
    /// and a note when a burst starts or ends.
    pub fn check(&mut self, source: IpAddr, call_id: &str, branch: &str, now: Instant) -> (Verdict, Option<FloodNote>) {
        let key = (call_id.to_string(), branch.to_string());
        if let Some(at) = self.admitted.get(&key)
            && now.saturating_duration_since(*at) < ADMITTED_FOR
        {
            return (Verdict::Admit, None);
        }
        self.forget_quiet(now);
        let limit = self.limit;
        let b = self.buckets.entry(source).or_insert(Bucket { tokens: limit.burst as f64, last: now, refused: 0 });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * limit.per_second).min(limit.burst as f64);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            let note = (b.refused > 0).then_some(FloodNote::Ended { source, refused: b.refused });
            b.refused = 0;
            self.admitted.insert(key, now);
            return (Verdict::Admit, note);
        }
        b.refused += 1;
        let note = (b.refused == 1).then_some(FloodNote::Started { source });
        let verdict = if b.refused <= limit.answered as u64 { Verdict::Refuse } else { Verdict::Drop };
        (verdict, note)
    }

    fn forget_quiet(&mut self, now: Instant) {
        if self.admitted.len() > MAX_SOURCES * 4 {
            self.admitted.retain(|_, at| now.saturating_duration_since(*at) < ADMITTED_FOR);
        }
        if self.buckets.len() > MAX_SOURCES {
            let (burst, rate) = (self.limit.burst as f64, self.limit.per_second);
            self.buckets.retain(|_, b| b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate < burst);
        }
    }
}

/// The `503 Service Unavailable` for a refused INVITE, built without a transaction.
pub fn service_unavailable(req: &Request, retry_after: u32) -> Response {
    let mut headers: Vec<Header> = req
        .headers
        .iter()
        .filter(|h| matches!(h, Header::Via(_) | Header::CallId(_) | Header::From(_) | Header::To(_) | Header::CSeq(_)))
        .cloned()
        .collect();
    headers.push(Header::RetryAfter(retry_after.to_string().into()));
    headers.push(Header::ContentLength(0u32.into()));
    Response {
        status_code: StatusCode::ServiceUnavailable,
        wire_reason: None,
        version: req.version,
        headers: headers.into(),
        body: Vec::new(),
    }
}

/// [`FloodGuard`] in front of the transaction layer.
pub struct FloodInspector {
    guard: Mutex<FloodGuard>,
    retry_after: u32,
}

impl FloodInspector {
    pub fn new(limit: FloodLimit) -> FloodInspector {
        FloodInspector { guard: Mutex::new(FloodGuard::new(limit)), retry_after: limit.retry_after }
    }
}

fn branch_of(req: &Request) -> String {
    req.via_header()
        .ok()
        .and_then(|v| v.value().split(';').find_map(|p| p.trim().strip_prefix("branch=").map(str::to_string)))
        .unwrap_or_default()
}

#[async_trait::async_trait]
impl TransportEventInspector for FloodInspector {
    async fn handle(&self, event: TransportEvent) -> Option<TransportEvent> {
        let TransportEvent::Incoming(SipMessage::Request(req), connection, from) = &event else {
            return Some(event);
        };
        let new_invite =
            req.method == Method::Invite && req.to_header().ok().and_then(|t| t.tag().ok().flatten()).is_none();
        if !new_invite {
            return Some(event);
        }
        let Ok(source) = from.get_socketaddr() else {
            return Some(event);
        };
        let call_id = req.call_id_header().map(|c| c.value().to_string()).unwrap_or_default();
        let (verdict, note) =
            self.guard.lock().expect("flood guard").check(source.ip(), &call_id, &branch_of(req), Instant::now());
        match note {
            Some(FloodNote::Started { source }) => {
                tracing::warn!(%source, "INVITE flood: refusing new INVITEs from this address with 503")
            }
            Some(FloodNote::Ended { source, refused }) => {
                tracing::warn!(%source, refused, "INVITE flood over: INVITEs from this address accepted again")
            }
            None => {}
        }
        match verdict {
            Verdict::Admit => Some(event),
            Verdict::Refuse => {
                let resp = service_unavailable(req, self.retry_after);
                let _ = connection.send(resp.into(), Some(from)).await;
                None
            }
            Verdict::Drop => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_then_refusals_then_drops() {
        let limit = FloodLimit { burst: 3, per_second: 2.0, answered: 2, retry_after: 5 };
        let mut g = FloodGuard::new(limit);
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for i in 0..3 {
            assert_eq!(g.check(a, &format!("c{i}"), "z", t0).0, Verdict::Admit);
        }
        assert_eq!(g.check(a, "c3", "z", t0), (Verdict::Refuse, Some(FloodNote::Started { source: a })));
        assert_eq!(g.check(a, "c4", "z", t0), (Verdict::Refuse, None));
        assert_eq!(g.check(a, "c5", "z", t0), (Verdict::Drop, None));
        // Another source is not affected; a retransmission of an admitted INVITE passes.
        assert_eq!(g.check(b, "d0", "z", t0).0, Verdict::Admit);
        assert_eq!(g.check(a, "c1", "z", t0).0, Verdict::Admit);
        assert_eq!(g.check(a, "c1", "other-branch", t0).0, Verdict::Drop);
        // Half a second later one token is back, and the burst's end is told once.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(g.check(a, "c6", "z", t1), (Verdict::Admit, Some(FloodNote::Ended { source: a, refused: 4 })));
        assert_eq!(g.check(a, "c7", "z", t1), (Verdict::Refuse, Some(FloodNote::Started { source: a })));
        // A long pause refills the bucket only up to the burst.
        let t2 = t1 + Duration::from_secs(60);
        let admitted = (0..10).filter(|i| g.check(a, &format!("e{i}"), "z", t2).0 == Verdict::Admit).count();
        assert_eq!(admitted, 3);
    }

    #[test]
    fn the_503_carries_the_transaction_headers_and_retry_after() {
        let text = "INVITE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\n\
            From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:1@127.0.0.1>\r\nCall-ID: abc\r\nCSeq: 1 INVITE\r\n\
            Contact: <sip:x@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n";
        let SipMessage::Request(req) = SipMessage::try_from(text).unwrap() else { panic!() };
        let r = service_unavailable(&req, 7).to_string();
        assert!(r.starts_with("SIP/2.0 503"), "{r}");
        for h in ["Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx", "Call-ID: abc", "CSeq: 1 INVITE", "Retry-After: 7"] {
            assert!(r.contains(h), "{h} in {r}");
        }
        assert!(!r.contains("Contact"), "{r}");
    }
}
