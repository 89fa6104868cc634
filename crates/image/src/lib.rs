//! Fax page images: packed 1-bit bitmaps, page geometry, T.4/T.6 coding and TIFF Class F
//! files carrying the fax's metadata (the FaxTiff object of the object model).
//!
//! This crate knows nothing of servers or networks. The foundation holds what the server
//! needs today: MMR (T.6) coding through the `fax` crate, decoding of MH/MR/MMR through
//! `hayro-ccitt`, and TIFF read/write. The imaging issue adds MH/MR encoders and more.

pub mod bitmap;
pub mod coding;
pub mod geometry;
pub mod metadata;
pub mod mmr;
pub mod t4;
pub mod t4_decode;
#[cfg(test)]
mod test_pages;
pub mod tiff_read;
pub mod tiff_write;

pub use bitmap::Bitmap;
pub use coding::{CodedPage, Coding, decode_received};
pub use geometry::{PageWidth, Resolution};
pub use metadata::FaxMetadata;
pub use t4::T4Options;
pub use t4_decode::{LineReport, decode_t4, decode_t4_page, strip_fill};
pub use tiff_read::{FaxTiff, ReadLimits, read_tiff};
pub use tiff_write::write_tiff;

/// What can go wrong reading or writing fax images.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The bytes are not a TIFF file, or its structure is broken.
    #[error("not a readable TIFF file: {0}")]
    NotTiff(String),
    /// A TIFF page uses something a fax page cannot be made from.
    #[error("page {page}: {reason}")]
    Unsupported { page: u32, reason: String },
    /// A page's coded data is damaged beyond use.
    #[error("page {page}: coded data is damaged: {reason}")]
    Corrupt { page: u32, reason: String },
    /// A configured limit was crossed.
    #[error("{0}")]
    Limit(String),
}
