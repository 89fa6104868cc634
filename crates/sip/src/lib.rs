//! Placing and answering fax calls over SIP: the user agent on rsipstack ([`agent`]) with its
//! calls ([`call`]), re-INVITEs and the switch from audio to T.38 ([`reinvite`]), registration
//! ([`register`]) and INVITE flood protection ([`flood`]). The session descriptions it carries
//! come from the pure codec crate `ferrofax-sdp`, re-exported here at their old paths: SDP with
//! T.38 image streams ([`sdp`]), the T.38 offer/answer of T.38 Annex D ([`t38_sdp`]), G.711
//! audio offers and RFC 3264 answers ([`media`]).

pub mod agent;
pub mod call;
pub mod error;
pub mod flood;
pub mod register;
pub mod reinvite;

pub use ferrofax_sdp::{
    Media, SdpError, SessionDescription, T38Params, UdpErrorCorrection, audio_session, next_version, t38_far_end,
    t38_session,
};
pub use ferrofax_sdp::{media, sdp, t38_sdp};

pub use agent::{AgentConfig, IncomingCall, SipAgent};
pub use call::{Call, CallEnd, RemoteOffer};
pub use error::SipError;
pub use flood::FloodLimit;
pub use register::{Account, RegistrationState, RetryPolicy};
pub use reinvite::{ReinvitePolicy, T38Plan, T38Switch};
pub use rsipstack::sip::Transport;
