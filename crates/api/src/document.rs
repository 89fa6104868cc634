//! Documents as a whole: the preview of a fax before it is submitted (`POST /v1/previews`)
//! and the formats a job's or a received fax's pages can be downloaded in.

use serde::{Deserialize, Serialize};

/// The most pages a preview draws; `page_count` still counts them all.
pub const MAX_PREVIEW_PAGES: u32 = 20;

/// The width, in pixels, of the pages drawn by a preview.
pub const PREVIEW_WIDTH: u32 = 400;

/// The narrowest and widest picture of a page `GET /v1/jobs/{id}/pages/{n}.png?width=` draws.
pub const PAGE_PNG_WIDTHS: std::ops::RangeInclusive<u32> = 50..=1728;

/// What `POST /v1/previews` answers: how many pages each recipient's fax will have and the
/// first [`MAX_PREVIEW_PAGES`] of them drawn as they will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewResponse {
    /// The pages of each recipient's fax, the cover page included.
    pub page_count: u32,
    /// How many of them are cover pages (0 or 1; they come first).
    pub cover_pages: u32,
    /// The first pages, in order.
    pub pages: Vec<PreviewPage>,
}

/// One page of a preview: a thumbnail with square pixels, as the page will be sent (the
/// cover page filled for the first recipient, the branding line when Branding is on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewPage {
    /// From 1, as the page will be numbered when sent.
    pub number: u32,
    /// Whether this is the cover page.
    pub cover: bool,
    /// The thumbnail's width in pixels ([`PREVIEW_WIDTH`]).
    pub width: u32,
    /// The thumbnail's height in pixels, for the page's true proportions.
    pub height: u32,
    /// The thumbnail as a `data:image/png;base64,…` URL (8-bit grey).
    pub png: String,
}

/// The file format of a whole fax document (`?format=`): a multi-page TIFF Class F with the
/// fax's metadata, or a PDF with one page per fax page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DocumentFormat {
    #[default]
    Tiff,
    Pdf,
}

impl DocumentFormat {
    /// The name used in `?format=`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Tiff => "tiff",
            DocumentFormat::Pdf => "pdf",
        }
    }

    /// Parses a `?format=` value (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "tiff" | "tif" => Some(DocumentFormat::Tiff),
            "pdf" => Some(DocumentFormat::Pdf),
            _ => None,
        }
    }

    /// The media type of a file in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentFormat::Tiff => "image/tiff",
            DocumentFormat::Pdf => "application/pdf",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            DocumentFormat::Tiff => "tif",
            DocumentFormat::Pdf => "pdf",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_name_their_files() {
        assert_eq!(DocumentFormat::parse("PDF"), Some(DocumentFormat::Pdf));
        assert_eq!(DocumentFormat::parse("tif"), Some(DocumentFormat::Tiff));
        assert_eq!(DocumentFormat::parse("docx"), None);
        assert_eq!(DocumentFormat::default().extension(), "tif");
        assert_eq!(serde_json::to_string(&DocumentFormat::Pdf).unwrap(), "\"pdf\"");
    }
}
