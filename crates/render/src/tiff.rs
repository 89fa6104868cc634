//! TIFF documents: black-and-white ones (fax TIFFs and any other bilevel TIFF) through
//! `ferrofax-image`, each page brought to one fax line wide at the resolution asked for (its
//! length kept: fax pages may be longer than A4); grey and colour TIFFs as pictures.

use ferrofax_image::{Bitmap, ImageError, ReadLimits, read_tiff};

use crate::{ConvertOptions, RenderError, RenderedPage, raster};

pub(crate) fn render_tiff(
    bytes: &[u8],
    opts: &ConvertOptions,
    page: &mut dyn FnMut(RenderedPage) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let side = (opts.limits.max_image_pixels as f64).sqrt().max(10_000.0) as u32;
    let limits = ReadLimits { max_pages: opts.limits.max_pages, max_width: side, max_height: side };
    let tiff = match read_tiff(bytes, limits) {
        Ok(t) => t,
        Err(ImageError::Unsupported { .. }) => {
            // Grey or colour: a picture (first page only, as picture viewers show it).
            return page(RenderedPage::Grey(raster::render_picture(bytes, &opts.page, &opts.limits)?));
        }
        Err(ImageError::Limit(m)) => return Err(RenderError::Limit(m)),
        Err(e) => return Err(RenderError::BadDocument(format!("the TIFF is damaged: {e}"))),
    };
    for (i, p) in tiff.pages.iter().enumerate() {
        let bitmap =
            tiff.decode_page(i).map_err(|e| RenderError::BadDocument(format!("page {} of the TIFF: {e}", i + 1)))?;
        page(RenderedPage::Bilevel(fit_to_page(&bitmap, p.x_dpi, p.y_dpi, opts)))?;
    }
    Ok(())
}

/// A bilevel page brought to the fax line width and vertical resolution, ink kept.
pub fn fit_to_page(b: &Bitmap, x_dpi: f64, y_dpi: f64, opts: &ConvertOptions) -> Bitmap {
    let setup = &opts.page;
    let (x_dpi, y_dpi) = (if x_dpi > 0.0 { x_dpi } else { 204.0 }, if y_dpi > 0.0 { y_dpi } else { 196.0 });
    let mut sx = setup.x_dpi() / x_dpi;
    let mut sy = setup.y_dpi() / y_dpi;
    let width = setup.width() as f64;
    if b.width() as f64 * sx > width + 0.5 {
        let k = width / (b.width() as f64 * sx);
        sx *= k;
        sy *= k;
    }
    let nw = ((b.width() as f64 * sx).round() as u32).clamp(1, setup.width());
    let nh = ((b.height() as f64 * sy).round() as u32).max(1);
    if (nw, nh) == (b.width(), b.height()) && nw == setup.width() {
        return b.clone();
    }
    b.scaled(nw, nh).centred_in_width(setup.width())
}
