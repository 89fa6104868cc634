//! Turning documents into fax pages. The foundation renders plain UTF-8 text with an embedded
//! monospaced font (DejaVu Sans Mono) and stamps the branding line; the imaging issue adds
//! PDF, PostScript, images and SVG cover pages.

pub mod branding;
pub mod text;

pub use branding::{BrandingLine, brand};
pub use text::{Paper, TextOptions, draw_line, render_text};

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
