//! PDF pages through hayro (pure Rust): each page rendered straight at the fax resolution
//! (204 dpi across, 98/196/391 down), fitted within the paper — landscape pages turned, larger
//! pages shrunk, nothing cut off — and handed on one at a time so memory stays one page deep.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderCache, RenderSettings, render_into};

use crate::page::{GreyPage, PageSetup};
use crate::{RenderError, RenderLimits};

/// Renders every page of a PDF, calling `page` with each in order.
pub fn render_pdf(
    bytes: &[u8],
    setup: &PageSetup,
    limits: &RenderLimits,
    page: &mut dyn FnMut(GreyPage) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let started = Instant::now();
    let pdf = catch_unwind(|| Pdf::new(bytes.to_vec()))
        .map_err(|_| RenderError::BadDocument("the PDF's structure could not be read".into()))?
        .map_err(|e| match e {
            LoadPdfError::Decryption(hayro::hayro_syntax::DecryptionError::PasswordProtected) => {
                RenderError::BadDocument("the PDF is encrypted with a password; send a copy saved without one".into())
            }
            LoadPdfError::Decryption(d) => {
                RenderError::BadDocument(format!("the PDF is encrypted in a way that cannot be opened ({d:?})"))
            }
            LoadPdfError::Invalid => {
                RenderError::BadDocument("the file is not a readable PDF (damaged structure)".into())
            }
        })?;
    let count = pdf.pages().len();
    if count == 0 {
        return Err(RenderError::BadDocument("the PDF has no pages".into()));
    }
    if count > limits.max_pages as usize {
        return Err(RenderError::Limit(format!(
            "the PDF has {count} pages; the configured limit is {}",
            limits.max_pages
        )));
    }
    let settings = InterpreterSettings::default();
    let render_settings = RenderSettings::default();
    let cache = RenderCache::new();
    let (pw, ph) = (setup.width(), setup.height());
    let mut ctx = RenderContext::new(pw as u16, ph as u16);
    let mut pixmap = Pixmap::new(pw as u16, ph as u16);
    let mut resources = Resources::default();
    for (i, p) in pdf.pages().iter().enumerate() {
        let transform = page_transform(p.render_dimensions(), setup) * p.initial_transform(true).to_kurbo();
        let rendered = catch_unwind(AssertUnwindSafe(|| {
            ctx.reset_and_resize(pw as u16, ph as u16);
            render_into(p, &cache, &settings, &render_settings, &mut ctx, transform);
            ctx.flush();
            ctx.render_with(
                &mut pixmap,
                &mut resources,
                RasterizerSettings { target_init: TargetInit::Clear(WHITE), ..Default::default() },
            );
        }));
        if rendered.is_err() {
            return Err(RenderError::BadDocument(format!("page {} of the PDF could not be rendered", i + 1)));
        }
        page(grey_of(&pixmap))?;
        if started.elapsed() > limits.max_time {
            return Err(RenderError::Limit(format!(
                "converting the PDF took longer than the configured {} s (stopped after page {} of {count})",
                limits.max_time.as_secs(),
                i + 1
            )));
        }
    }
    Ok(())
}

/// From the page's upright coordinates (points, y down) to fax pixels: turned a quarter when
/// landscape, shrunk to fit the paper when larger, centred across, at the top.
fn page_transform((w_pt, h_pt): (f32, f32), setup: &PageSetup) -> Affine {
    let (w_pt, h_pt) = (w_pt.max(1.0) as f64, h_pt.max(1.0) as f64);
    let (avail_w, avail_h) =
        (setup.width() as f64 / setup.x_dpi() * 72.0, setup.height() as f64 / setup.y_dpi() * 72.0);
    let fit = |w: f64, h: f64| (avail_w / w).min(avail_h / h).min(1.0);
    let turn = w_pt > h_pt && fit(h_pt, w_pt) > fit(w_pt, h_pt) * 1.05;
    let (rotate, w, h) =
        if turn { (Affine::new([0.0, 1.0, -1.0, 0.0, h_pt, 0.0]), h_pt, w_pt) } else { (Affine::IDENTITY, w_pt, h_pt) };
    let k = fit(w, h);
    let (sx, sy) = (k * setup.x_dpi() / 72.0, k * setup.y_dpi() / 72.0);
    let left = ((setup.width() as f64 - w * sx) / 2.0).max(0.0).floor();
    Affine::translate((left, 0.0)) * Affine::scale_non_uniform(sx, sy) * rotate
}

fn grey_of(pixmap: &Pixmap) -> GreyPage {
    // Premultiplied over an opaque white clear: alpha is 255 everywhere.
    let rgba = pixmap.data_as_u8_slice();
    let mut pixels = vec![255u8; rgba.len() / 4];
    for (g, p) in pixels.iter_mut().zip(rgba.chunks_exact(4)) {
        // Most of a page is paper: white pixels keep the 255 already there.
        if p[0] & p[1] & p[2] != 255 {
            *g = ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32) >> 8) as u8;
        }
    }
    GreyPage { width: pixmap.width() as u32, height: pixmap.height() as u32, pixels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_pages_shrink_a_little_and_landscape_pages_turn() {
        let setup = PageSetup::default();
        let t = page_transform((612.0, 792.0), &setup);
        let right = t * hayro::kurbo::Point::new(612.0, 0.0);
        assert!(right.x <= 1728.0 && right.x > 1720.0, "{right:?}");
        let t = page_transform((842.0, 595.0), &setup);
        // The landscape page's top-left corner goes to the top-right.
        let p = t * hayro::kurbo::Point::new(0.0, 0.0);
        assert!(p.x > 1600.0 && p.y.abs() < 1.0, "{p:?}");
        let bottom = t * hayro::kurbo::Point::new(842.0, 0.0);
        assert!(bottom.y <= 2292.0 && bottom.y > 2200.0, "{bottom:?}");
    }
}
