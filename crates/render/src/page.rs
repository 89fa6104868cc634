//! Page setup and grey pages: the paper and resolution a document is converted for, a
//! grey-level page buffer, and the placement of a picture of known physical size onto a fax
//! page (scaled to fit, turned when landscape, never cut off).

use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};
use ferrofax_image::{Resolution, geometry};

/// Paper the pages are laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    pub fn height_mm(self) -> f64 {
        match self {
            Paper::A4 => geometry::A4_MM,
            Paper::Letter => geometry::LETTER_MM,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }
}

/// The page every converted document is laid out on: 215 mm of scan line (1728 pixels at
/// 8 px/mm) by the paper's height at the vertical resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSetup {
    pub paper: Paper,
    pub resolution: Resolution,
}

impl Default for PageSetup {
    fn default() -> Self {
        PageSetup { paper: Paper::A4, resolution: Resolution::Fine }
    }
}

impl PageSetup {
    /// Pixels per scan line.
    pub fn width(&self) -> u32 {
        match self.resolution.x_dpi() {
            204 => 1728,
            dpi => (215.0 / 25.4 * dpi as f64).round() as u32,
        }
    }

    /// Scan lines per page.
    pub fn height(&self) -> u32 {
        geometry::page_lines(self.paper.height_mm(), self.resolution.y_dpi())
    }

    pub fn x_dpi(&self) -> f64 {
        self.resolution.x_dpi() as f64
    }

    pub fn y_dpi(&self) -> f64 {
        self.resolution.y_dpi() as f64
    }
}

/// A grey-level picture: one byte per pixel, 0 black, 255 white, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreyPage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl GreyPage {
    /// A white page.
    pub fn white(width: u32, height: u32) -> Self {
        GreyPage { width, height, pixels: vec![255; width as usize * height as usize] }
    }

    pub fn row(&self, y: u32) -> &[u8] {
        let w = self.width as usize;
        &self.pixels[y as usize * w..(y as usize + 1) * w]
    }

    /// Turned a quarter clockwise.
    pub fn rotated_clockwise(&self) -> GreyPage {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = vec![255u8; w * h];
        for y in 0..h {
            let row = &self.pixels[y * w..(y + 1) * w];
            for (x, &p) in row.iter().enumerate() {
                // (x, y) → (h-1-y, x) in a picture h wide.
                out[x * h + (h - 1 - y)] = p;
            }
        }
        GreyPage { width: self.height, height: self.width, pixels: out }
    }

    /// Resampled to `width` × `height` (Lanczos when shrinking, Catmull-Rom when enlarging).
    pub fn resized(&self, width: u32, height: u32) -> GreyPage {
        let (width, height) = (width.max(1), height.max(1));
        if (width, height) == (self.width, self.height) {
            return self.clone();
        }
        let src = Image::from_vec_u8(self.width, self.height, self.pixels.clone(), PixelType::U8)
            .expect("the buffer matches its dimensions");
        let mut dst = Image::new(width, height, PixelType::U8);
        let filter = if width < self.width { FilterType::Lanczos3 } else { FilterType::CatmullRom };
        Resizer::new()
            .resize(&src, &mut dst, &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)))
            .expect("U8 to U8 resizing cannot fail");
        GreyPage { width, height, pixels: dst.into_vec() }
    }

    /// Copies `other` onto this page with its top-left corner at (`x`, `y`), clipped.
    pub fn paste(&mut self, other: &GreyPage, x: u32, y: u32) {
        for sy in 0..other.height {
            let ty = y + sy;
            if ty >= self.height || x >= self.width {
                break;
            }
            let n = (other.width).min(self.width - x) as usize;
            let start = ty as usize * self.width as usize + x as usize;
            self.pixels[start..start + n].copy_from_slice(&other.row(sy)[..n]);
        }
    }
}

/// How a picture is put on the page.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// White border kept on every side, millimetres.
    pub margin_mm: f64,
    /// Whether a picture smaller than the printable area is enlarged to fill it.
    pub enlarge: bool,
    /// Whether the picture is centred vertically (photographs) or starts at the top (documents).
    pub centre_vertically: bool,
}

/// Puts a picture that is `width_in` × `height_in` inches (as `picture` holds it) on a fax page:
/// turned a quarter when it is landscape and that makes it larger, scaled to fit the printable
/// area (only enlarged when asked) and centred across.
pub fn place(picture: &GreyPage, width_in: f64, height_in: f64, setup: &PageSetup, how: &Placement) -> GreyPage {
    let (pw, ph) = (setup.width(), setup.height());
    let margin_in = how.margin_mm / 25.4;
    let avail_w = (pw as f64 / setup.x_dpi() - 2.0 * margin_in).max(0.5);
    let avail_h = (ph as f64 / setup.y_dpi() - 2.0 * margin_in).max(0.5);
    let fit = |w: f64, h: f64| (avail_w / w).min(avail_h / h);
    let turn = width_in > height_in && fit(height_in, width_in) > fit(width_in, height_in) * 1.05;
    let (picture, w_in, h_in) = if turn {
        (std::borrow::Cow::Owned(picture.rotated_clockwise()), height_in, width_in)
    } else {
        (std::borrow::Cow::Borrowed(picture), width_in, height_in)
    };
    let mut k = fit(w_in, h_in);
    if !how.enlarge {
        k = k.min(1.0);
    }
    let tw = ((w_in * k * setup.x_dpi()).round() as u32).clamp(1, pw);
    let th = ((h_in * k * setup.y_dpi()).round() as u32).clamp(1, ph);
    let scaled = picture.resized(tw, th);
    let mut page = GreyPage::white(pw, ph);
    let x = (pw - tw) / 2;
    let top = (margin_in * setup.y_dpi()).round() as u32;
    let y = if how.centre_vertically { (ph - th) / 2 } else { top.min(ph - th) };
    page.paste(&scaled, x, y);
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes() {
        let a4 = PageSetup::default();
        assert_eq!((a4.width(), a4.height()), (1728, 2292));
        let letter = PageSetup { paper: Paper::Letter, resolution: Resolution::Standard };
        assert_eq!((letter.width(), letter.height()), (1728, 1078));
    }

    #[test]
    fn rotation_moves_the_top_left_to_the_top_right() {
        let mut p = GreyPage::white(3, 2);
        p.pixels[0] = 0;
        let r = p.rotated_clockwise();
        assert_eq!((r.width, r.height), (2, 3));
        assert_eq!(r.pixels[1], 0);
        assert_eq!(r.rotated_clockwise().rotated_clockwise().rotated_clockwise(), p);
    }

    #[test]
    fn landscape_pictures_are_turned_and_fitted() {
        let pic = GreyPage { width: 400, height: 200, pixels: vec![0; 80_000] };
        let how = Placement { margin_mm: 10.0, enlarge: true, centre_vertically: true };
        let page = place(&pic, 4.0, 2.0, &PageSetup::default(), &how);
        assert_eq!((page.width, page.height), (1728, 2292));
        // Turned: the black area is taller than wide in millimetres.
        let black_rows = (0..page.height).filter(|&y| page.row(y).contains(&0)).count() as f64 / 196.0;
        let black_cols = (0..page.width).filter(|&x| page.pixels[1146 * 1728 + x as usize] == 0).count() as f64 / 204.0;
        assert!(black_rows > black_cols * 1.8, "{black_rows} in tall, {black_cols} in wide");
        let small = place(&pic, 1.0, 0.5, &PageSetup::default(), &Placement { enlarge: false, ..how });
        let ink = small.pixels.iter().filter(|&&p| p < 128).count();
        assert!((ink as i64 - 204 * 98).abs() < 800, "{ink}");
    }
}
