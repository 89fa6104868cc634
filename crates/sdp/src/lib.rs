//! The session descriptions of a fax call, as pure codecs with no IO, clock-driven task or SIP
//! stack: SDP bodies read and written ([`sdp`]), the T.38 parameters of an image stream and
//! their offer/answer by T.38 Annex D ([`t38_sdp`]), and G.711 audio offers, RFC 3264 answers
//! and re-INVITE versions ([`media`]). The SIP user agent (`ferrofax-sip`) carries these in its
//! INVITEs; the fuzz target for SDP bodies builds on this crate alone.

pub mod media;
pub mod sdp;
pub mod t38_sdp;

pub use media::{audio_session, next_version};
pub use sdp::{Media, SdpError, SessionDescription};
pub use t38_sdp::{T38Params, UdpErrorCorrection, t38_far_end, t38_session};
