//! Pictures (PNG, JPEG, GIF, BMP, WebP, colour or grey TIFF) through the `image` crate: size
//! checked from the header before any pixel is decoded, EXIF orientation applied, transparency
//! laid on white, and the picture fitted to the page.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use crate::page::{GreyPage, PageSetup, Placement, place};
use crate::{RenderError, RenderLimits};

/// A picture as one fax page (grey, before halftoning).
pub fn render_picture(bytes: &[u8], setup: &PageSetup, limits: &RenderLimits) -> Result<GreyPage, RenderError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| RenderError::BadDocument(format!("the picture cannot be read: {e}")))?;
    let kind = reader.format().map(|f| format!("{f:?}").to_uppercase()).unwrap_or_else(|| "picture".into());
    let (w, h) =
        reader.into_dimensions().map_err(|e| RenderError::BadDocument(format!("the {kind} is damaged: {e}")))?;
    if kind == "JPEG" && !jpeg_is_complete(bytes) {
        return Err(RenderError::BadDocument(
            "the JPEG is truncated: its picture data ends before the end-of-image marker".into(),
        ));
    }
    let pixels = w as u64 * h as u64;
    if pixels > limits.max_image_pixels {
        return Err(RenderError::Limit(format!(
            "the {kind} is {w} × {h} pixels ({:.1} megapixels); the configured limit is {:.1} megapixels",
            pixels as f64 / 1e6,
            limits.max_image_pixels as f64 / 1e6
        )));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().expect("read once already");
    let mut image_limits = Limits::default();
    image_limits.max_alloc = Some(pixels * 8 + (64 << 20));
    reader.limits(image_limits);
    let mut decoder =
        reader.into_decoder().map_err(|e| RenderError::BadDocument(format!("the {kind} is damaged: {e}")))?;
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder)
        .map_err(|e| RenderError::BadDocument(format!("the {kind} is damaged or truncated: {e}")))?;
    if let Some(o) = orientation {
        picture.apply_orientation(o);
    }
    let grey = grey_on_white(picture);
    // Pictures carry no trustworthy size: they are fitted to the page inside 10 mm margins.
    let how = Placement { margin_mm: 10.0, enlarge: true, centre_vertically: true };
    let (wi, hi) = (grey.width as f64 / 100.0, grey.height as f64 / 100.0);
    Ok(place(&grey, wi, hi, setup, &how))
}

/// Whether a JPEG's last scan is followed by its end-of-image marker (FF D9). Decoders fill a
/// cut-off picture with grey silently; a fax of half a photograph should be refused instead.
/// Inside scan data FF is always followed by 00 or a restart marker, so the search is safe.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w[0] == 0xff && w[1] == marker);
    match (last(0xda), last(0xd9)) {
        (Some(scan), Some(end)) => end > scan,
        (None, _) => true, // no scan at all: the decoder will say what is wrong
        (Some(_), None) => false,
    }
}

/// Luminance (Rec. 601) with any transparency composited over white paper.
fn grey_on_white(picture: DynamicImage) -> GreyPage {
    let (width, height) = (picture.width(), picture.height());
    let over_white = |y: u8, a: u8| ((y as u32 * a as u32 + 255 * (255 - a as u32)) / 255) as u8;
    // Converted straight from what was decoded, without an RGBA copy of a large photograph.
    let pixels = match picture {
        DynamicImage::ImageLuma8(g) => g.into_raw(),
        DynamicImage::ImageLumaA8(g) => g.pixels().map(|p| over_white(p.0[0], p.0[1])).collect(),
        DynamicImage::ImageRgb8(rgb) => rgb.pixels().map(|p| luma(p.0[0], p.0[1], p.0[2])).collect(),
        DynamicImage::ImageRgba8(rgba) => {
            rgba.pixels().map(|p| over_white(luma(p.0[0], p.0[1], p.0[2]), p.0[3])).collect()
        }
        other => other.to_rgba8().pixels().map(|p| over_white(luma(p.0[0], p.0[1], p.0[2]), p.0[3])).collect(),
    };
    GreyPage { width, height, pixels }
}

/// Luminance, Rec. 601 weights.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * r as u32 + 150 * g as u32 + 29 * b as u32) >> 8) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba(f(x, y)));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn transparent_pixels_are_paper_and_the_picture_fills_the_page() {
        // Left half opaque black, right half transparent black.
        let bytes = png(200, 300, |x, _| [0, 0, 0, if x < 100 { 255 } else { 0 }]);
        let page = render_picture(&bytes, &PageSetup::default(), &RenderLimits::default()).unwrap();
        assert_eq!((page.width, page.height), (1728, 2292));
        let dark = page.pixels.iter().filter(|&&p| p < 128).count() as f64;
        let total = 1728.0 * 2292.0;
        assert!(dark / total > 0.25 && dark / total < 0.5, "{}", dark / total);
    }

    #[test]
    fn oversized_and_truncated_pictures_are_refused() {
        let limits = RenderLimits { max_image_pixels: 1000, ..Default::default() };
        let bytes = png(100, 100, |_, _| [255; 4]);
        let e = render_picture(&bytes, &PageSetup::default(), &limits).unwrap_err();
        assert!(matches!(e, RenderError::Limit(_)), "{e}");
        let cut = &bytes[..bytes.len() / 2];
        let e = render_picture(cut, &PageSetup::default(), &RenderLimits::default()).unwrap_err();
        assert!(e.to_string().contains("PNG"), "{e}");
    }
}
