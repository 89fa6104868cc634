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
    /// Our re-INVITE met the far end's every time (491 Request Pending).
    #[error("re-INVITE glare: 491 Request Pending {0} times")]
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
