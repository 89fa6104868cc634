//! Pages as PNG pictures for people to look at: one bit per pixel, black ink on white, rows
//! repeated or merged so that pixels are square (a standard-resolution page would otherwise
//! look squashed), with the resolution recorded in the PNG; smaller pictures (thumbnails) in
//! 8-bit grey, each pixel the share of ink in the area of the page it covers. Also reads the
//! 1-bit PNGs back, for the golden-image tests.

use ferrofax_image::{Bitmap, Resolution};

/// The page as a square-pixel PNG.
pub fn page_png(page: &Bitmap, resolution: Resolution) -> Vec<u8> {
    page_png_at(page, resolution.x_dpi() as f64, resolution.y_dpi() as f64)
}

/// The page as a square-pixel PNG, from the page's own resolution (a TIFF's, which need not be
/// one of the fax classes): a page whose pixels are already square is drawn as it is, others
/// have their rows scaled by `x_dpi / y_dpi` (204 × 98 doubles them, 204 × 196 adds 4 %). A
/// resolution that is not a positive number is taken as square.
pub fn page_png_at(page: &Bitmap, x_dpi: f64, y_dpi: f64) -> Vec<u8> {
    let usable = |d: f64| d.is_finite() && d > 0.0;
    let height = if usable(x_dpi) && usable(y_dpi) && x_dpi != y_dpi {
        ((page.height() as f64 * x_dpi / y_dpi).round() as u32).max(1)
    } else {
        page.height()
    };
    let square = if height == page.height() { page.clone() } else { page.scaled(page.width(), height) };
    let dpi = if usable(x_dpi) { x_dpi.round().clamp(1.0, u32::MAX as f64) as u32 } else { 204 };
    bitmap_png(&square, dpi)
}

/// The bitmap as it is, one PNG pixel per fax pixel.
pub fn bitmap_png(page: &Bitmap, dpi: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, page.width(), page.height());
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::One);
    let ppm = (dpi as f64 / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
    let mut writer = enc.write_header().expect("writing to memory");
    // PNG grey 0 is black; the bitmap's set bits are black: invert.
    let data: Vec<u8> = (0..page.height()).flat_map(|y| page.row(y).iter().map(|b| !b)).collect();
    writer.write_image_data(&data).expect("writing to memory");
    writer.finish().expect("writing to memory");
    out
}

/// A page drawn smaller by [`thumbnail_png`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The height, in square pixels, of a picture of the page `width` pixels wide.
pub fn thumbnail_height(page_width: u32, page_height: u32, resolution: Resolution, width: u32) -> u32 {
    let inches_wide = page_width.max(1) as f64 / resolution.x_dpi() as f64;
    let inches_high = page_height as f64 / resolution.y_dpi() as f64;
    ((width as f64 * inches_high / inches_wide).round() as u32).max(1)
}

/// The page `width` pixels wide with square pixels (its height follows from the page's
/// proportions and resolution) as an 8-bit grey PNG: each pixel is as dark as the share of
/// black in the area of the page it covers, so that small print stays legible as grey
/// instead of closing up into black.
pub fn thumbnail_png(page: &Bitmap, resolution: Resolution, width: u32) -> Thumbnail {
    let width = width.max(1);
    let height = thumbnail_height(page.width(), page.height(), resolution, width);
    let grey = area_average(page, width, height);
    let mut png = Vec::new();
    let mut enc = png::Encoder::new(&mut png, width, height);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let dpi = resolution.x_dpi() as f64 * width as f64 / page.width().max(1) as f64;
    let ppm = (dpi / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
    let mut writer = enc.write_header().expect("writing to memory");
    writer.write_image_data(&grey).expect("writing to memory");
    writer.finish().expect("writing to memory");
    Thumbnail { png, width, height }
}

/// The source pixels `[a, b)` that target pixel `i` of `n` covers on a line of `of` pixels:
/// a partition of the line when shrinking, one pixel each when enlarging.
fn span(i: u32, n: u32, of: u32) -> (u32, u32) {
    let a = ((i as u64 * of as u64) / n as u64) as u32;
    let b = (((i as u64 + 1) * of as u64) / n as u64) as u32;
    let a = a.min(of - 1);
    (a, b.clamp(a + 1, of))
}

/// Grey levels (0 black, 255 white), row by row, of the page scaled to `width` × `height`.
/// Only the black pixels are visited (pages are mostly white), so this is quick even
/// unoptimised.
fn area_average(page: &Bitmap, width: u32, height: u32) -> Vec<u8> {
    let (sw, sh) = (page.width(), page.height());
    if sw == 0 || sh == 0 {
        return vec![255; width as usize * height as usize];
    }
    let columns: Vec<(u32, u32)> = (0..width).map(|x| span(x, width, sw)).collect();
    // When shrinking across, each source pixel falls in exactly one column.
    let column_of: Option<Vec<u32>> = (width <= sw).then(|| {
        let mut of = vec![0; sw as usize];
        for (i, &(a, b)) in columns.iter().enumerate() {
            of[a as usize..b as usize].fill(i as u32);
        }
        of
    });
    let mut ink = vec![0u32; width as usize];
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height {
        let (y0, y1) = span(y, height, sh);
        ink.fill(0);
        for sy in y0..y1 {
            let row = page.row(sy);
            match &column_of {
                Some(column_of) => {
                    for (i, &byte) in row.iter().enumerate() {
                        let mut bits = byte;
                        while bits != 0 {
                            let k = bits.leading_zeros();
                            bits &= !(0x80 >> k);
                            let x = i as u32 * 8 + k;
                            if x < sw {
                                ink[column_of[x as usize] as usize] += 1;
                            }
                        }
                    }
                }
                None => {
                    for (n, &(a, _)) in ink.iter_mut().zip(&columns) {
                        *n += (row[(a >> 3) as usize] & (0x80 >> (a & 7)) != 0) as u32;
                    }
                }
            }
        }
        let rows = y1 - y0;
        out.extend(ink.iter().zip(&columns).map(|(&n, &(a, b))| {
            let area = rows * (b - a);
            (255 - (n * 255 + area / 2) / area) as u8
        }));
    }
    out
}

/// Reads a PNG made by [`bitmap_png`] (or any 1-bit grey PNG) back into a bitmap.
pub fn read_bitmap_png(bytes: &[u8]) -> Result<Bitmap, String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let info = reader.info().clone();
    if info.color_type != png::ColorType::Grayscale || info.bit_depth != png::BitDepth::One {
        return Err("not a 1-bit grey PNG".into());
    }
    let mut buf = vec![0; reader.output_buffer_size().ok_or("too large")?];
    let frame = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let mut b = Bitmap::new(info.width, info.height);
    for y in 0..info.height {
        let src = &buf[y as usize * frame.line_size..][..b.stride()];
        for (d, s) in b.row_mut(y).iter_mut().zip(src) {
            *d = !s;
        }
        // Clear the padding bits past the width.
        let w = info.width as usize;
        if !w.is_multiple_of(8) {
            let last = w / 8;
            b.row_mut(y)[last] &= 0xff << (8 - w % 8);
        }
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pngs_round_trip_and_standard_pages_are_stretched() {
        let mut b = Bitmap::new(13, 5);
        b.fill_run(2, 3, 11);
        b.set(12, 4, true);
        let back = read_bitmap_png(&bitmap_png(&b, 204)).unwrap();
        assert_eq!(back, b);
        let tall = read_bitmap_png(&page_png(&b, Resolution::Standard)).unwrap();
        assert_eq!(tall.height(), 10);
    }

    #[test]
    fn rows_are_scaled_by_the_pages_own_resolution() {
        let page = Bitmap::new(1728, 2244);
        let rows = |x: f64, y: f64| read_bitmap_png(&page_png_at(&page, x, y)).unwrap().height();
        assert_eq!(rows(204.0, 204.0), 2244, "square pixels are drawn as they are");
        assert_eq!(rows(200.0, 200.0), 2244);
        assert_eq!(rows(204.0, 98.0), 4671, "standard: 204/98 rows per line");
        assert_eq!(rows(204.0, 196.0), 2336, "fine: 204/196");
        assert_eq!(rows(204.0, 391.0), 1171, "superfine: about half");
        assert_eq!(rows(0.0, f64::NAN), 2244, "no usable resolution: as it is");
        assert_eq!(read_bitmap_png(&page_png(&page, Resolution::Fine)).unwrap().height(), 2336);
    }

    fn grey(png: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        (info, buf)
    }

    #[test]
    fn thumbnails_keep_the_proportions_and_the_share_of_ink() {
        // The left half of a fine page black, then the same page in standard resolution.
        let mut fine = Bitmap::new(1728, 2200);
        for y in 0..2200 {
            fine.fill_run(y, 0, 864);
        }
        let t = thumbnail_png(&fine, Resolution::Fine, 400);
        assert_eq!((t.width, t.height), (400, 530));
        let (info, pixels) = grey(&t.png);
        assert_eq!((info.width, info.height, info.color_type), (400, 530, png::ColorType::Grayscale));
        assert_eq!((pixels[0], pixels[399]), (0, 255));
        let standard = fine.scaled(1728, 1100);
        let t = thumbnail_png(&standard, Resolution::Standard, 400);
        assert_eq!((t.width, t.height), (400, 530), "standard pages are stretched to square pixels");
        // A chessboard of single pixels is half grey; enlarging works too.
        let mut chess = Bitmap::new(64, 64);
        for y in 0..64 {
            for x in (y % 2..64).step_by(2) {
                chess.set(x, y, true);
            }
        }
        let (_, pixels) = grey(&thumbnail_png(&chess, Resolution::R300, 16).png);
        assert!(pixels.iter().all(|&p| p == 127), "{pixels:?}");
        let big = thumbnail_png(&chess, Resolution::Fine, 100);
        assert_eq!(big.height, 104);
        let (_, pixels) = grey(&big.png);
        assert!(pixels.iter().all(|&p| p == 0 || p == 255));
    }
}
