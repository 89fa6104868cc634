//! Turning documents into fax pages. The foundation renders plain UTF-8 text with an embedded
//! monospaced font (DejaVu Sans Mono); the imaging issue adds PDF, PostScript, images, the
//! branding line and cover pages.

pub mod text;

pub use text::{Paper, TextOptions, render_text};

/// What can go wrong turning a document into pages.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The document is not what it claims to be.
    #[error("{0}")]
    BadDocument(String),
    /// A configured limit was crossed.
    #[error("{0}")]
    Limit(String),
}
