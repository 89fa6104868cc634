//! Turning documents into fax pages: PDF (hayro), PostScript and EPS (Ghostscript, when
//! installed), pictures (PNG, JPEG, GIF, BMP, WebP, colour TIFF), black-and-white TIFF, plain
//! UTF-8 text, SVG or text cover pages, and the branding line. Every page comes out as a
//! 1-bit `Bitmap` one fax line (1728 pixels) wide at the resolution asked for, A4 or Letter
//! long; pages are handed on one at a time so a long document never sits whole in memory.

pub mod branding;
pub mod cover;
pub mod fonts;
pub mod halftone;
pub mod page;
pub mod pdf;
pub mod postscript;
pub mod preview;
pub mod raster;
pub mod text;
mod tiff;

use std::path::PathBuf;
use std::time::Duration;

use ferrofax_image::Bitmap;

pub use branding::{BrandingLine, brand};
pub use cover::{BUILTIN_TEMPLATES, fill as fill_template, is_svg, render_cover};
pub use halftone::{Halftone, to_bilevel};
pub use page::{GreyPage, PageSetup, Paper};
pub use text::{TextOptions, draw_line, render_text};

/// What can go wrong turning a document into pages.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The document is damaged, or not what it claims to be.
    #[error("{0}")]
    BadDocument(String),
    /// The format is not one that is converted.
    #[error("{0}")]
    Unsupported(String),
    /// A configured limit was crossed.
    #[error("{0}")]
    Limit(String),
    /// A tool the conversion needs is missing.
    #[error("{0}")]
    Unavailable(String),
}

/// Bounds on the work one document may cause.
#[derive(Debug, Clone)]
pub struct RenderLimits {
    pub max_pages: u32,
    /// Largest picture, in pixels, decoded (checked from its header first).
    pub max_image_pixels: u64,
    /// Longest a conversion may run.
    pub max_time: Duration,
    /// The Ghostscript program for PostScript.
    pub ghostscript: PathBuf,
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits {
            max_pages: 500,
            max_image_pixels: 100_000_000,
            max_time: Duration::from_secs(120),
            ghostscript: PathBuf::from("gs"),
        }
    }
}

/// How a document is converted.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    pub page: PageSetup,
    pub halftone: Halftone,
    pub limits: RenderLimits,
}

/// The kinds of document recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    PostScript,
    Tiff,
    Picture(&'static str),
    Text,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::PostScript => "PostScript",
            Format::Tiff => "TIFF",
            Format::Picture(kind) => kind,
            Format::Text => "text",
        }
    }
}

/// The formats converted, for error messages.
pub const ACCEPTED_FORMATS: &str =
    "PDF, PostScript/EPS, TIFF (fax or any other), PNG, JPEG, GIF, BMP, WebP and plain UTF-8 text";

/// Recognises a document from its first bytes.
pub fn sniff(bytes: &[u8]) -> Result<Format, RenderError> {
    let head = &bytes[..bytes.len().min(1024)];
    let starts = |m: &[u8]| bytes.starts_with(m);
    if bytes.is_empty() {
        return Err(RenderError::BadDocument("the document is empty (0 bytes)".into()));
    }
    // A PDF may have up to 1 KiB of junk before its header; a text that merely mentions
    // "%PDF-" is still text.
    let pdf_later = head.windows(5).any(|w| w == b"%PDF-") && !starts(b"%!") && std::str::from_utf8(bytes).is_err();
    if starts(b"%PDF") || pdf_later {
        return Ok(Format::Pdf);
    }
    if starts(b"%!") || starts(b"\x04%!") || starts(b"\xc5\xd0\xd3\xc6") {
        return Ok(Format::PostScript);
    }
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        return Ok(Format::Tiff);
    }
    let pictures: [(&[u8], &str); 5] =
        [(b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"BM", "BMP"), (b"RIFF", "WebP")];
    if let Some((_, kind)) = pictures.iter().find(|(m, _)| starts(m))
        && (*kind != "WebP" || head.get(8..12) == Some(b"WEBP"))
    {
        return Ok(Format::Picture(kind));
    }
    let others: [(&[u8], &str); 3] = [
        (b"PK\x03\x04", "a ZIP archive (an office document? save it as PDF)"),
        (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document (save it as PDF)"),
        (b"{\\rtf", "RTF (save it as PDF)"),
    ];
    if let Some((_, kind)) = others.iter().find(|(m, _)| starts(m)) {
        return Err(RenderError::Unsupported(format!("the document is {kind}; accepted: {ACCEPTED_FORMATS}")));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(Format::Text),
        _ => Err(RenderError::Unsupported(format!(
            "the document's format was not recognised (nor is it UTF-8 text); accepted: {ACCEPTED_FORMATS}"
        ))),
    }
}

/// A page as a converter makes it: grey (to be halftoned) or already black and white.
pub(crate) enum RenderedPage {
    Grey(GreyPage),
    Bilevel(Bitmap),
}

/// Converts a document, handing each page to `page` in order. Returns the format found.
pub fn convert(
    bytes: &[u8],
    opts: &ConvertOptions,
    page: &mut dyn FnMut(Bitmap) -> Result<(), RenderError>,
) -> Result<Format, RenderError> {
    let format = sniff(bytes)?;
    let mut count = 0u32;
    let limits = &opts.limits;
    let mut emit = |p: RenderedPage| {
        count += 1;
        if count > limits.max_pages {
            return Err(RenderError::Limit(format!("the document has more than {} pages", limits.max_pages)));
        }
        page(match p {
            RenderedPage::Grey(g) => to_bilevel(&g, opts.halftone),
            RenderedPage::Bilevel(b) => b,
        })
    };
    let mut grey_page = |g: GreyPage| emit(RenderedPage::Grey(g));
    match format {
        Format::Pdf => pdf::render_pdf(bytes, &opts.page, limits, &mut grey_page)?,
        Format::PostScript => {
            postscript::render_postscript(bytes, &opts.page, limits, &mut |b| emit(RenderedPage::Bilevel(b)))?
        }
        Format::Picture(_) => grey_page(raster::render_picture(bytes, &opts.page, limits)?)?,
        Format::Tiff => tiff::render_tiff(bytes, opts, &mut emit)?,
        Format::Text => {
            let text = std::str::from_utf8(bytes).expect("sniffed as UTF-8");
            let text_opts = TextOptions { page: opts.page, max_pages: limits.max_pages, ..Default::default() };
            for p in render_text(text, &text_opts)? {
                emit(RenderedPage::Bilevel(p))?;
            }
        }
    }
    Ok(format)
}

/// Converts a document into a list of pages.
pub fn convert_to_pages(bytes: &[u8], opts: &ConvertOptions) -> Result<(Format, Vec<Bitmap>), RenderError> {
    let mut pages = Vec::new();
    let format = convert(bytes, opts, &mut |p| {
        pages.push(p);
        Ok(())
    })?;
    Ok((format, pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n").unwrap(), Format::Pdf);
        assert_eq!(sniff(b"\0\x01junk%PDF-1.4\n\xe2\xe3\xcf\xd3").unwrap(), Format::Pdf);
        assert_eq!(sniff(b"Please read the attached %PDF-1.4 file").unwrap(), Format::Text);
        assert_eq!(sniff(b"%!PS-Adobe-3.0").unwrap(), Format::PostScript);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").unwrap(), Format::Picture("WebP"));
        assert!(matches!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Err(RenderError::Unsupported(_))));
        assert!(matches!(sniff(b"PK\x03\x04"), Err(RenderError::Unsupported(m)) if m.contains("save it as PDF")));
    }
}
