//! Pages as PNG pictures for people to look at: one bit per pixel, black ink on white, rows
//! repeated or merged so that pixels are square (a standard-resolution page would otherwise
//! look squashed), with the resolution recorded in the PNG. Also reads such PNGs back, for
//! the golden-image tests.

use ferrofax_image::{Bitmap, Resolution};

/// How many scan lines make one preview row (below 1: each line shown twice).
fn rows_per_line(resolution: Resolution) -> f64 {
    resolution.y_dpi() as f64 / resolution.x_dpi() as f64
}

/// The page as a square-pixel PNG.
pub fn page_png(page: &Bitmap, resolution: Resolution) -> Vec<u8> {
    let k = rows_per_line(resolution);
    let height = ((page.height() as f64 / k).round() as u32).max(1);
    let square = if height == page.height() { page.clone() } else { page.scaled(page.width(), height) };
    bitmap_png(&square, resolution.x_dpi())
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
}
