//! The T.30 fax procedure (phases A–E) as a sans-IO state machine: calling and answering,
//! sending and receiving, DIS/DCS negotiation, the training check with fallback, non-ECM pages
//! with copy-quality answers, error correction mode (T.4 Annex A), timers and repeats.
//!
//! It speaks to a fax modem in T.30's own terms ([`ModemCommand`], [`ModemEvent`]) and knows
//! nothing of how the bits travel: T.38 is one modem, audio would be another. Time is passed
//! in; nothing here reads a clock, spawns a thread or touches the network.
//!
//! ```
//! use std::time::Duration;
//! use ferrofax_t30::{CallRole, Config, Session};
//!
//! let mut rx = Session::receiver(Config::new(CallRole::Answering, "+1 555 0100"));
//! rx.start(Duration::ZERO);
//! // The answerer sends its answer tone first.
//! assert!(matches!(rx.poll_command(), Some(ferrofax_t30::ModemCommand::SendTone { .. })));
//! ```

mod call;
mod capabilities;
mod config;
mod document;
pub mod ecm;
mod fcf;
pub mod frame;
mod modem;
mod modulation;
mod outcome;
mod page;
mod receiver;
mod sender;
mod session;
pub mod tcf;
mod timer;

pub use capabilities::{Capabilities, Dcs, DcsError, PageLength, ScanTime, WidthSupport};
pub use config::{CallRole, Config, CopyQuality, LocalCapabilities, Timers};
pub use document::received_tiff;
pub use ecm::{BlockRx, EcmPage, Pps};
pub use fcf::FrameType;
pub use modem::{Listen, ModemCommand, ModemEvent, Tone};
pub use modulation::{FALLBACK_ORDER, ModemFamilies, Modulation};
pub use outcome::{Completion, Event, Failure, Negotiated, PageResponse, Phase, ReceivedPage};
pub use page::SendPage;
pub use session::Session;
