//! Grey to black and white. Line art and text are thresholded (crisp edges, few bytes after
//! MMR); photographs are dithered by error diffusion so that grey survives on a fax. In
//! `Auto`, the choice is made per 32 × 32 tile from how much of the tile is mid-grey (grown by
//! two tiles around each photographic region), so a letter with a photograph in it keeps sharp
//! text and a dithered picture.

use ferrofax_image::Bitmap;

use crate::page::GreyPage;

/// How grey becomes black and white.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Halftone {
    /// Per region: thresholded line art, dithered photographs.
    #[default]
    Auto,
    /// Everything thresholded.
    Threshold,
    /// Everything dithered.
    Dither,
    /// Per region like `Auto`, photographs with a clustered-dot screen instead of error
    /// diffusion: coarser, but far fewer bytes to send.
    Screen,
}

/// Grey levels darker than this become black when thresholding. A little above the middle,
/// as fax machines do, so that thin anti-aliased strokes survive.
const THRESHOLD: i16 = 160;
const TILE: u32 = 32;

/// Black and white version of a grey page.
pub fn to_bilevel(grey: &GreyPage, mode: Halftone) -> Bitmap {
    let (w, h) = (grey.width, grey.height);
    let tiles_x = w.div_ceil(TILE);
    let photo: Vec<bool> = match mode {
        Halftone::Threshold => vec![false; (tiles_x * h.div_ceil(TILE)) as usize],
        Halftone::Dither => vec![true; (tiles_x * h.div_ceil(TILE)) as usize],
        Halftone::Auto | Halftone::Screen => photo_tiles(grey),
    };
    let mut out = Bitmap::new(w, h);
    // Floyd–Steinberg, left to right, errors kept in sixteenths for this row and the next.
    let mut err_this = vec![0i16; w as usize + 2];
    let mut err_next = vec![0i16; w as usize + 2];
    for y in 0..h {
        let row = grey.row(y);
        let tiles = &photo[((y / TILE) * tiles_x) as usize..][..tiles_x as usize];
        let out_row = out.row_mut(y);
        let mut any_photo = false;
        for (t, &is_photo) in tiles.iter().enumerate() {
            let x0 = t * TILE as usize;
            let x1 = (x0 + TILE as usize).min(w as usize);
            if is_photo && mode == Halftone::Screen {
                screen(&row[x0..x1], x0, &SCREEN[(y % 8) as usize], out_row);
            } else if is_photo {
                any_photo = true;
                diffuse(&row[x0..x1], x0, out_row, &mut err_this, &mut err_next);
            } else {
                threshold(&row[x0..x1], x0, out_row);
            }
        }
        if any_photo {
            std::mem::swap(&mut err_this, &mut err_next);
            err_next.fill(0);
        }
    }
    out
}

/// A clustered-dot screen at 45° (two dots per 8 × 8 cell, about 36 lines per inch at 204
/// dpi): greys become dots that grow and merge, as in print. Coarser than error diffusion,
/// but the regular dots code compactly in MR/MMR (a photograph page costs about a quarter of
/// the bytes, so a quarter of the time on the line).
const SCREEN: [[u8; 8]; 8] = [
    [24, 10, 12, 26, 35, 47, 49, 37],
    [8, 0, 2, 14, 45, 59, 61, 51],
    [22, 6, 4, 16, 43, 57, 63, 53],
    [30, 20, 18, 28, 33, 41, 55, 39],
    [34, 46, 48, 36, 25, 11, 13, 27],
    [44, 58, 60, 50, 9, 1, 3, 15],
    [42, 56, 62, 52, 23, 7, 5, 17],
    [32, 40, 54, 38, 31, 21, 19, 29],
];

/// Screens pixels starting at `x0` (a multiple of 8) into the packed row.
fn screen(pixels: &[u8], x0: usize, screen_row: &[u8; 8], out_row: &mut [u8]) {
    for (i, chunk) in pixels.chunks(8).enumerate() {
        let mut byte = 0u8;
        for (k, &p) in chunk.iter().enumerate() {
            // Black where the grey is darker than the cell's threshold (4m + 2 of 0..255).
            byte |= u8::from((p as u16) < 4 * screen_row[k] as u16 + 2) << (7 - k);
        }
        out_row[x0 / 8 + i] = byte;
    }
}

/// Thresholds pixels starting at `x0` (a multiple of 8) into the packed row.
fn threshold(pixels: &[u8], x0: usize, out_row: &mut [u8]) {
    for (i, chunk) in pixels.chunks(8).enumerate() {
        let mut byte = 0u8;
        for (k, &p) in chunk.iter().enumerate() {
            byte |= u8::from((p as i16) < THRESHOLD) << (7 - k);
        }
        out_row[x0 / 8 + i] = byte;
    }
}

/// Error-diffuses pixels starting at `x0` into the packed row.
fn diffuse(pixels: &[u8], x0: usize, out_row: &mut [u8], err_this: &mut [i16], err_next: &mut [i16]) {
    for (k, &p) in pixels.iter().enumerate() {
        let x = x0 + k;
        let i = x + 1;
        let v = p as i16 + ((err_this[i] + 8) >> 4);
        let (black, e) = if v < 128 { (true, v) } else { (false, v - 255) };
        if black {
            out_row[x / 8] |= 0x80 >> (x % 8);
        }
        err_this[i + 1] += e * 7;
        err_next[i - 1] += e * 3;
        err_next[i] += e * 5;
        err_next[i + 1] += e;
    }
}

/// Tiles that look photographic: a large share of their pixels are mid-grey.
fn photo_tiles(grey: &GreyPage) -> Vec<bool> {
    let (w, h) = (grey.width, grey.height);
    let (tx, ty) = (w.div_ceil(TILE), h.div_ceil(TILE));
    let mut mid = vec![0u32; (tx * ty) as usize];
    for y in 0..h {
        let base = ((y / TILE) * tx) as usize;
        for (t, chunk) in grey.row(y).chunks(TILE as usize).enumerate() {
            mid[base + t] += chunk.iter().map(|&p| u32::from(p.wrapping_sub(48) <= 160)).sum::<u32>();
        }
    }
    let photo: Vec<bool> = mid.iter().map(|&m| m * 100 > TILE * TILE * 30).collect();
    // Grown by two tiles, so that a photograph's dark or light edges and a grey shape's
    // outline are dithered with it instead of turning into black or white blocks.
    let (tx, ty) = (tx as i64, ty as i64);
    (0..ty)
        .flat_map(|y| (0..tx).map(move |x| (x, y)))
        .map(|(x, y)| {
            (-2..=2).any(|dy| {
                (-2..=2).any(|dx| {
                    let (nx, ny) = (x + dx, y + dy);
                    nx >= 0 && ny >= 0 && nx < tx && ny < ty && photo[(ny * tx + nx) as usize]
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> GreyPage {
        let pixels = (0..h).flat_map(|_| (0..w).map(move |x| (x * 255 / (w - 1)) as u8)).collect();
        GreyPage { width: w, height: h, pixels }
    }

    #[test]
    fn dithering_keeps_the_grey_level() {
        let g = gradient(256, 64);
        let b = to_bilevel(&g, Halftone::Auto);
        // The left quarter is dark, the right quarter light, the middle about half black.
        let share = |x0: u32, x1: u32| {
            let n: u32 = (0..64).map(|y| (x0..x1).filter(|&x| b.get(x, y)).count() as u32).sum();
            n as f64 / (64 * (x1 - x0)) as f64
        };
        assert!(share(0, 32) > 0.85, "{}", share(0, 32));
        assert!((share(112, 144) - 0.5).abs() < 0.1, "{}", share(112, 144));
        assert!(share(224, 256) < 0.15, "{}", share(224, 256));
    }

    #[test]
    fn line_art_is_thresholded_exactly() {
        let mut g = GreyPage::white(100, 100);
        for x in 10..90 {
            g.pixels[50 * 100 + x] = 0;
            g.pixels[51 * 100 + x] = 150; // an anti-aliased edge: dark enough to keep
            g.pixels[52 * 100 + x] = 200; // too light
        }
        let b = to_bilevel(&g, Halftone::Auto);
        assert_eq!(b.black_pixels(), 160);
        assert!(b.get(10, 51) && !b.get(10, 52));
        assert_eq!(to_bilevel(&gradient(64, 8), Halftone::Threshold).black_pixels(), 8 * 40);
    }

    #[test]
    fn flat_half_grey_is_half_black() {
        let g = GreyPage { width: 200, height: 200, pixels: vec![127; 40000] };
        let b = to_bilevel(&g, Halftone::Auto);
        let n: usize = (20..180).map(|y| (20..180).filter(|&x| b.get(x, y)).count()).sum();
        let share = n as f64 / (160.0 * 160.0);
        assert!((share - 0.5).abs() < 0.03, "{share}");
    }

    #[test]
    fn the_screen_keeps_grey_levels_and_codes_smaller_than_diffusion() {
        let g = gradient(512, 256);
        let screened = to_bilevel(&g, Halftone::Screen);
        let diffused = to_bilevel(&g, Halftone::Auto);
        let share = |b: &Bitmap, x0: u32, x1: u32| {
            let n: usize = (0..256).map(|y| (x0..x1).filter(|&x| b.get(x, y)).count()).sum();
            n as f64 / (256 * (x1 - x0)) as f64
        };
        assert!((share(&screened, 224, 288) - 0.5).abs() < 0.08, "{}", share(&screened, 224, 288));
        let bytes = |b: &Bitmap| ferrofax_image::CodedPage::encode_mmr(b, ferrofax_image::Resolution::Fine).data.len();
        assert!(bytes(&screened) * 2 < bytes(&diffused), "{} vs {}", bytes(&screened), bytes(&diffused));
    }
}
