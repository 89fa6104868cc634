//! Delivering faxes to the outside world: a received fax by e-mail ([`mail`]), on a printer
//! ([`print`]) or to a web service ([`webhook`]), and the delivery report of a sent fax by
//! e-mail ([`report`]). The fax travels as PDF ([`pdf`], each page's CCITT G4 image embedded
//! as it is) or as the TIFF Class F file faxd keeps.
//!
//! This crate knows nothing of faxd's store, queue or configuration file: the caller hands it
//! the fax (its pages, its TIFF and its metadata as [`ReceivedFax`] or [`SentFax`]) and the
//! settings of the delivery (an [`mail::SmtpProfile`], a [`webhook::Target`], a printer), and
//! learns what was done or why not ([`RouteError`]).

pub mod fields;
pub mod hmac;
pub mod mail;
pub mod pdf;
pub mod print;
pub mod report;
pub mod template;
pub mod webhook;

pub use fields::{ReceivedFax, SentFax};
pub use template::Templates;

/// Why a delivery did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// The delivery's own settings are wrong (an address, a URL, a template, a profile).
    #[error("{0}")]
    Config(String),
    /// The fax's pages could not be read or converted.
    #[error("the fax's pages: {0}")]
    Image(#[from] ferrofax_image::ImageError),
    /// The SMTP server could not be reached or refused the message.
    #[error("sending the e-mail through {server}: {reason}")]
    Smtp { server: String, reason: String },
    /// The web service did not take the fax's notice.
    #[error("webhook {url}: {reason}")]
    Webhook { url: String, reason: String },
    /// The printing command is missing, failed or took too long.
    #[error("{0}")]
    Print(String),
}

/// Installs ring as rustls' process-wide crypto provider (reqwest is built without one), once;
/// a provider installed before is kept.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
