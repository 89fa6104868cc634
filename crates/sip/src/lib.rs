//! Placing and answering fax calls over SIP. This crate holds the parts that do not touch the
//! network: SDP with T.38 image streams ([`sdp`]) and the T.38 offer/answer of T.38 Annex D
//! ([`t38_sdp`]). The user agent itself (transactions, dialogs, registration) builds on them.

pub mod sdp;
pub mod t38_sdp;
pub mod ua;

pub use sdp::{Media, SdpError, SessionDescription};
pub use t38_sdp::{T38Params, UdpErrorCorrection, t38_far_end, t38_session};
pub use ua::{Call, CallEnd, IncomingCall, SipAgent, SipError};
