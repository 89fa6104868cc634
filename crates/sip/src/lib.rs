//! Placing and answering fax calls over SIP: SDP with T.38 image streams ([`sdp`]) and the T.38
//! offer/answer of T.38 Annex D ([`t38_sdp`]); G.711 audio offers and RFC 3264 answers
//! ([`media`]); the user agent on rsipstack ([`agent`]) with its calls ([`call`]), re-INVITEs
//! and the switch from audio to T.38 ([`reinvite`]), registration ([`register`]) and INVITE
//! flood protection ([`flood`]).

pub mod agent;
pub mod call;
pub mod error;
pub mod flood;
pub mod media;
pub mod register;
pub mod reinvite;
pub mod sdp;
pub mod t38_sdp;

pub use agent::{AgentConfig, IncomingCall, SipAgent};
pub use call::{Call, CallEnd, RemoteOffer};
pub use error::SipError;
pub use flood::FloodLimit;
pub use media::{audio_session, next_version};
pub use register::{Account, RegistrationState, RetryPolicy};
pub use reinvite::{ReinvitePolicy, T38Plan, T38Switch};
pub use rsipstack::sip::Transport;
pub use sdp::{Media, SdpError, SessionDescription};
pub use t38_sdp::{T38Params, UdpErrorCorrection, t38_far_end, t38_session};
