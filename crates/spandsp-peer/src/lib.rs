//! SpanDSP as an interop peer (test-only).
//!
//! With the `spandsp` feature, `SpandspTerminal` wraps the T.38 terminal of Debian's
//! libspandsp 0.0.6 (package libspandsp-dev) through hand-written FFI, so that ferrofax's
//! T.30/T.38 engine can be run against it. Without the feature the crate needs no C library
//! and holds only the pure-Rust pair driver ([`Pair`], [`run_pair`]) and the [`T38Endpoint`]
//! trait both sides implement.
//!
//! Modules: `pages` (test pages and their TIFF files), `pair` (the simulated network and
//! clock), and with the feature `audio` (SpanDSP's G.711, V.21, HDLC and connect tones, to test ferrofax's modems against; `audio_ffi` declares
//! them), `audio_terminal` (SpanDSP's audio fax terminal), `v27ter_v29` (SpanDSP's V.27ter and
//! V.29 modems; `v27ter_v29_ffi` declares them), `v17` (SpanDSP's V.17
//! transmitter and receiver; `v17_ffi` declares them), `codes` (SpanDSP's completion codes and FCFs),
//! `config` (what a terminal is set up with), `t30_side` (a terminal's T.30 settings and
//! reports), `terminal` (the safe T.38 wrapper), `ffi` (the C declarations) and
//! `log` (capture of SpanDSP's log lines).

/// Declares opaque C structs (SpanDSP's states) that Rust only ever holds pointers to.
#[cfg(feature = "spandsp")]
macro_rules! opaque {
    ($($name:ident),* $(,)?) => {$(
        #[repr(C)]
        pub(crate) struct $name {
            _opaque: [u8; 0],
            _marker: std::marker::PhantomData<(*mut u8, std::marker::PhantomPinned)>,
        }
    )*};
}

pub mod pages;
pub mod pair;

pub use pair::{
    LinkConfig, LinkStats, Pair, PairOutcome, SAMPLES_PER_TICK, T38Endpoint, TICK_MS, TransmittedIfp, run_pair,
};

#[cfg(feature = "spandsp")]
pub mod audio;
#[cfg(feature = "spandsp")]
mod audio_ffi;
#[cfg(feature = "spandsp")]
mod audio_terminal;
#[cfg(feature = "spandsp")]
pub mod codes;
#[cfg(feature = "spandsp")]
pub mod config;
#[cfg(feature = "spandsp")]
mod ffi;
#[cfg(feature = "spandsp")]
mod log;
#[cfg(feature = "spandsp")]
mod t30_side;
#[cfg(feature = "spandsp")]
mod terminal;
#[cfg(feature = "spandsp")]
mod udptl_endpoint;
#[cfg(feature = "spandsp")]
pub mod v17;
#[cfg(feature = "spandsp")]
mod v17_ffi;
#[cfg(feature = "spandsp")]
pub mod v27ter_v29;
#[cfg(feature = "spandsp")]
mod v27ter_v29_ffi;

#[cfg(feature = "spandsp")]
pub use audio_terminal::SpandspAudioTerminal;
#[cfg(feature = "spandsp")]
pub use codes::t30_err::OK as T30_ERR_OK;
#[cfg(feature = "spandsp")]
pub use config::{
    Compressions, ImageSizes, Modems, RateManagement, Resolutions, Role, RxEncoding, TerminalConfig, TerminalOptions,
    log_level,
};
#[cfg(feature = "spandsp")]
pub use ffi::TransferStats;
#[cfg(feature = "spandsp")]
pub use t30_side::{
    PhaseBEvent, PhaseDEvent, PhaseE, SpandspError, T30Frame, T30Side, completion_code_text, frame_name,
};
#[cfg(feature = "spandsp")]
pub use terminal::SpandspTerminal;
#[cfg(feature = "spandsp")]
pub use udptl_endpoint::SpandspOverUdptl;
