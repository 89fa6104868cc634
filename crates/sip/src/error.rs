//! What can go wrong placing, answering, changing or registering a SIP fax call, as one error
//! type whose messages say what happened in SIP terms.

use std::time::Duration;

/// What went wrong placing or answering a call.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("SIP transport: {0}")]
    Transport(String),
    #[error("not a SIP URI: {0}")]
    BadUri(String),
    /// The far end answered with a final status other than 2xx.
    #[error("call refused: {code} {reason}")]
    Refused { code: u16, reason: String },
    /// The far end (or a proxy on the way) asked for credentials again after we gave ours, or
    /// asked for them when we have none.
    #[error("the far end refused our credentials: {code} {reason}")]
    AuthRejected { code: u16, reason: String },
    #[error("the answer carries no usable SDP: {0}")]
    BadAnswer(String),
    /// No final answer within the time allowed; the INVITE was cancelled.
    #[error("no answer within {0:?}")]
    NoAnswer(Duration),
    /// The caller gave up (the INVITE was cancelled).
    #[error("cancelled")]
    Cancelled,
    /// Our re-INVITE got no final answer within the time allowed.
    #[error("re-INVITE not answered within {0:?}")]
    ReinviteTimeout(Duration),
    /// Our re-INVITE met the far end's own every time (491), or it asked us to wait (500).
    #[error("re-INVITE not taken {0} times (491 Request Pending, or 500 with Retry-After)")]
    Glare(u32),
    /// The far end refused our re-INVITE; the call goes on as it was.
    #[error("re-INVITE refused: {code} {reason}")]
    ReinviteRefused { code: u16, reason: String },
    /// The call did not reach T.38 in the time allowed.
    #[error("no switch to T.38 within {0:?}")]
    NoT38(Duration),
    /// The call ended while something was still to be done in it.
    #[error("the call ended")]
    CallEnded,
    #[error("SIP: {0}")]
    Stack(String),
}

impl SipError {
    pub(crate) fn stack(e: impl std::fmt::Display) -> SipError {
        SipError::Stack(e.to_string())
    }
}

/// The reason phrase of a response: the far end's own words when they differ from the
/// standard text, else the standard text (without the code the stack puts in front of it).
pub(crate) fn reason_phrase(resp: &rsipstack::sip::Response) -> String {
    if let Some(own) = resp.wire_reason.as_deref().filter(|r| !r.is_empty()) {
        return own.to_string();
    }
    let text = resp.status_code.to_string();
    let code = resp.status_code.code().to_string();
    text.strip_prefix(&code).map(str::trim).unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::reason_phrase;

    fn response(status_line: &str) -> rsipstack::sip::Response {
        let text = format!(
            "{status_line}\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa\r\nCall-ID: a\r\n\
             From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        );
        rsipstack::sip::Response::try_from(text.as_str()).unwrap()
    }

    #[test]
    fn a_reason_is_the_far_ends_words_or_the_standard_text_once() {
        assert_eq!(reason_phrase(&response("SIP/2.0 408 Request Timeout")), "Request Timeout");
        assert_eq!(
            reason_phrase(&response("SIP/2.0 403 Caller Origination Number is Invalid")),
            "Caller Origination Number is Invalid"
        );
    }
}
