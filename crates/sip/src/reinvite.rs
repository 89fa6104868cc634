//! Changing a call's session: our re-INVITE with RFC 3261 §14.1 glare handling (on 491 wait a
//! random 2.1–4 s if we generated the Call-ID, 0–2 s otherwise, then try again, a few times at
//! most), each try bounded in time so that a far end that never answers cannot wedge the call;
//! and the switch of an audio call to T.38 from either side: whoever re-INVITEs first, the
//! other accepts, and a far end that does neither within a limit fails the switch clearly.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rsipstack::dialog::dialog::DialogState;
use rsipstack::sip::StatusCode;

use crate::call::{Call, end_of, sdp_headers};
use crate::media::{answer, next_version};
use crate::t38_sdp::{T38Params, t38_far_end, t38_session};
use crate::{SessionDescription, SipError};

/// How a re-INVITE of ours is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReinvitePolicy {
    /// Tries in all when the far end answers 491.
    pub attempts: u32,
    /// How long one try may wait for its final answer (RFC 3261 Timer B is 32 s).
    pub answer_within: Duration,
}

impl Default for ReinvitePolicy {
    fn default() -> Self {
        ReinvitePolicy { attempts: 4, answer_within: Duration::from_secs(32) }
    }
}

/// How a call that started as audio gets to T.38.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T38Plan {
    /// How long to wait for the far end's T.38 re-INVITE before sending ours (zero: at once);
    /// None: never send ours, only accept theirs.
    pub request_after: Option<Duration>,
    /// The switch fails if the call is not on T.38 within this long.
    pub give_up: Duration,
    pub reinvite: ReinvitePolicy,
}

impl Default for T38Plan {
    /// Wait 2 s for the far end (as FreeSWITCH's `fax_enable_t38_request` setups do), give
    /// up after 60 s.
    fn default() -> Self {
        T38Plan {
            request_after: Some(Duration::from_secs(2)),
            give_up: Duration::from_secs(60),
            reinvite: ReinvitePolicy::default(),
        }
    }
}

/// The T.38 stream a switch agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct T38Switch {
    /// Where the far end takes UDPTL.
    pub far: SocketAddr,
    /// The parameters in force.
    pub agreed: T38Params,
    /// What the far end's description said (its datagram size bounds ours).
    pub far_params: T38Params,
    /// Whether the far end's re-INVITE did it (else ours).
    pub by_far_end: bool,
}

/// The RFC 3261 §14.1 wait after a 491: 2.1–4 s for the owner of the Call-ID, 0–2 s for the
/// other end, from `random`.
pub fn glare_backoff(owns_call_id: bool, random: u64) -> Duration {
    let ms = if owns_call_id { 2100 + random % 1901 } else { random % 2001 };
    Duration::from_millis(ms)
}

/// One try's outcome besides an answer.
enum Try {
    /// Try again: after 491 (glare) with RFC 3261's random wait, or after a 500 that asked
    /// for a wait with Retry-After (a far end still busy with the previous INVITE, §14.2).
    Again(Option<Duration>),
    Failed(SipError),
}

/// The wait a 500 response asks for with Retry-After, if it does within 10 s.
fn retry_after(resp: &rsipstack::sip::Response) -> Option<Duration> {
    resp.headers.iter().find_map(|h| match h {
        rsipstack::sip::Header::RetryAfter(v) => {
            let secs: u64 = v.value().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
            (secs <= 10).then(|| Duration::from_secs(secs))
        }
        _ => None,
    })
}

impl Call {
    /// One re-INVITE offering `offer`.
    async fn offer_once(&self, offer: &SessionDescription, within: Duration) -> Result<SessionDescription, Try> {
        // Just answered, the ACK may still be on its way: a moment for it.
        for _ in 0..100 {
            match self.dialog.state() {
                DialogState::Confirmed(..) => break,
                DialogState::Terminated(..) => return Err(Try::Failed(SipError::CallEnded)),
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        if !matches!(self.dialog.state(), DialogState::Confirmed(..)) {
            return Err(Try::Again(None));
        }
        self.shared.reinvite_pending.store(true, Ordering::SeqCst);
        let r = tokio::time::timeout(within, self.dialog.reinvite(sdp_headers(), Some(offer.to_string().into_bytes())))
            .await;
        self.shared.reinvite_pending.store(false, Ordering::SeqCst);
        let resp = match r {
            Err(_) | Ok(Ok(None)) => return Err(Try::Failed(SipError::ReinviteTimeout(within))),
            Ok(Err(e)) => return Err(Try::Failed(SipError::stack(e))),
            Ok(Ok(Some(resp))) => resp,
        };
        let code = resp.status_code.code();
        if resp.status_code == StatusCode::RequestPending {
            return Err(Try::Again(None));
        }
        if resp.status_code == StatusCode::ServerInternalError
            && let Some(wait) = retry_after(&resp)
        {
            return Err(Try::Again(Some(wait)));
        }
        if !(200..300).contains(&code) {
            let reason = crate::error::reason_phrase(&resp);
            return Err(Try::Failed(match code {
                401 | 407 => SipError::AuthRejected { code, reason },
                _ => SipError::ReinviteRefused { code, reason },
            }));
        }
        let answer = std::str::from_utf8(&resp.body)
            .map_err(|_| SipError::BadAnswer("not UTF-8".into()))
            .and_then(|b| SessionDescription::parse(b).map_err(|e| SipError::BadAnswer(e.to_string())))
            .map_err(Try::Failed)?;
        self.shared.set(offer.clone(), answer.clone());
        Ok(answer)
    }

    /// The wait before trying again: what the far end asked for, else RFC 3261's for glare.
    fn backoff(&self, asked: Option<Duration>) -> Duration {
        asked.unwrap_or_else(|| glare_backoff(self.owns_call_id, crate::agent::random_u64()))
    }

    /// Re-INVITEs with `offer` and returns the far end's answer, trying again after 491 as
    /// RFC 3261 §14.1 says. The far end's offers get 491 while ours is out, and are answered
    /// keeping our streams ([`Call::answer_keeping`]) while we wait to try again.
    pub async fn reinvite(
        &mut self,
        offer: SessionDescription,
        policy: ReinvitePolicy,
    ) -> Result<SessionDescription, SipError> {
        for attempt in 1..=policy.attempts.max(1) {
            match self.offer_once(&offer, policy.answer_within).await {
                Ok(a) => return Ok(a),
                Err(Try::Failed(e)) => return Err(e),
                Err(Try::Again(asked)) if attempt < policy.attempts => {
                    let wait = self.backoff(asked);
                    tracing::info!(call = %self.call_id(), attempt, ?wait, "re-INVITE not taken now (491/500): trying again");
                    let until = tokio::time::Instant::now() + wait;
                    loop {
                        tokio::select! {
                            _ = tokio::time::sleep_until(until) => break,
                            Some(o) = self.offers.recv() => self.answer_keeping(o).await,
                            _ = end_of(&mut self.end) => return Err(SipError::CallEnded),
                        }
                    }
                }
                Err(Try::Again(_)) => {}
            }
        }
        Err(SipError::Glare(policy.attempts.max(1)))
    }

    /// Takes an audio call to T.38 with our UDPTL at `udptl` and `ours` as the parameters we
    /// can do: accepts the far end's T.38 re-INVITE if one comes, sends ours after
    /// `plan.request_after` otherwise (again after glare), and fails when `plan.give_up`
    /// passes, the far end refuses, or the call ends.
    pub async fn switch_to_t38(
        &mut self,
        udptl: SocketAddr,
        ours: &T38Params,
        plan: &T38Plan,
    ) -> Result<T38Switch, SipError> {
        let start = tokio::time::Instant::now();
        let deadline = start + plan.give_up;
        let mut request_at = plan.request_after.map(|d| start + d);
        let mut tries = 0u32;
        loop {
            let send_at = request_at.unwrap_or(deadline + Duration::from_secs(1));
            tokio::select! {
                o = self.offers.recv() => {
                    let Some(o) = o else { return Err(SipError::CallEnded) };
                    let Some((far, offered)) = t38_far_end(&o.offer) else {
                        // Not T.38 (audio moved, say): keep what we have and wait on.
                        self.answer_keeping(o).await;
                        continue;
                    };
                    let agreed = T38Params::answer(&offered, ours);
                    let image = t38_session(udptl, &agreed).media.remove(0);
                    let a = answer(&o.offer, Some(&self.local()), udptl.ip(), |m| m.is_t38().then(|| image.clone()))
                        .expect("the offer has a T.38 stream");
                    o.accept(a).await?;
                    tracing::info!(call = %self.call_id(), %far, "switched to T.38 by the far end's re-INVITE");
                    return Ok(T38Switch { far, agreed, far_params: offered, by_far_end: true });
                }
                _ = tokio::time::sleep_until(send_at), if request_at.is_some() => {
                    tries += 1;
                    let mut offer = next_version(&self.local(), t38_session(udptl, ours).media.remove(0));
                    offer.connection = Some(udptl.ip());
                    offer.origin.address = udptl.ip();
                    let within = plan.reinvite.answer_within.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
                    match self.offer_once(&offer, within).await {
                        Ok(a) => {
                            let Some((far, answered)) = t38_far_end(&a) else {
                                return Err(SipError::ReinviteRefused { code: 200, reason: "answered without a T.38 stream".into() });
                            };
                            tracing::info!(call = %self.call_id(), %far, "switched to T.38 by our re-INVITE");
                            return Ok(T38Switch { far, agreed: answered.clone(), far_params: answered, by_far_end: false });
                        }
                        Err(Try::Again(asked)) if tries < plan.reinvite.attempts => {
                            let wait = self.backoff(asked);
                            tracing::info!(call = %self.call_id(), tries, ?wait, "T.38 re-INVITE not taken now (491/500): trying again");
                            request_at = Some(tokio::time::Instant::now() + wait);
                        }
                        Err(Try::Again(_)) => return Err(SipError::Glare(tries)),
                        Err(Try::Failed(e)) => return Err(e),
                    }
                }
                _ = tokio::time::sleep_until(deadline) => return Err(SipError::NoT38(plan.give_up)),
                _ = end_of(&mut self.end) => return Err(SipError::CallEnded),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glare_waits_follow_rfc_3261() {
        for r in [0u64, 1, 999, 1900, 1901, 2000, 2001, u64::MAX, 123_456_789] {
            let owner = glare_backoff(true, r);
            assert!(owner >= Duration::from_millis(2100) && owner <= Duration::from_secs(4), "{owner:?}");
            let other = glare_backoff(false, r);
            assert!(other <= Duration::from_secs(2), "{other:?}");
        }
        assert_eq!(glare_backoff(true, 0), Duration::from_millis(2100));
        assert_eq!(glare_backoff(true, 1900), Duration::from_millis(4000));
        assert_eq!(glare_backoff(false, 2000), Duration::from_millis(2000));
    }

    fn response(status_line: &str, extra: &str) -> rsipstack::sip::Response {
        let text = format!(
            "{status_line}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa\r\nCall-ID: a\r\n\
             From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCSeq: 2 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
        );
        rsipstack::sip::Response::try_from(text.as_str()).unwrap()
    }

    #[test]
    fn a_500_asking_for_a_short_wait_is_tried_again_after_it() {
        let r = |extra: &str| retry_after(&response("SIP/2.0 500 Server Internal Error", extra));
        assert_eq!(r("Retry-After: 3\r\n"), Some(Duration::from_secs(3)));
        assert_eq!(r("Retry-After: 0\r\n"), Some(Duration::ZERO));
        assert_eq!(r("Retry-After: 5 (busy);duration=10\r\n"), Some(Duration::from_secs(5)));
        assert_eq!(r("Retry-After: 3600\r\n"), None, "too long to hold a call for");
        assert_eq!(r(""), None);
    }
}
