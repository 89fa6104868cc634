//! The branding line (FaxServer.Branding): `date time  FROM: sender  TO: number  P. n/N` in a
//! small font across the top of each page sent. The page's content is scaled down to fit
//! below it and centred, so that nothing is cut off or written over.

use ferrofax_image::{Bitmap, Resolution};

use crate::text::draw_line;

/// What the line says.
#[derive(Debug, Clone)]
pub struct BrandingLine {
    /// Date and time of sending, as it should read (server time zone).
    pub when: String,
    /// The sender's name and/or TSID.
    pub from: String,
    /// The number dialled.
    pub to: String,
    pub page: u32,
    pub pages: u32,
}

impl BrandingLine {
    pub fn text(&self) -> String {
        format!("{}  FROM: {}  TO: {}  P. {}/{}", self.when, self.from.trim(), self.to, self.page, self.pages)
    }
}

/// Font size of the line, points.
const SIZE: f32 = 7.0;

/// The page with the branding line on top and its content scaled into the rest.
pub fn brand(page: &Bitmap, resolution: Resolution, line: &BrandingLine) -> Bitmap {
    let (w, h) = (page.width(), page.height());
    let margin_x = (5.0 / 25.4 * resolution.x_dpi() as f32).round();
    let gap = (1.0 / 25.4 * resolution.y_dpi() as f32).round() as u32;
    let mut out = Bitmap::new(w, h);
    let header = draw_line(&mut out, &line.text(), margin_x, gap as f32, SIZE, resolution) + 2 * gap;
    if header >= h {
        return out;
    }
    let k = (h - header) as f64 / h as f64;
    let scaled = page.scaled(((w as f64 * k).round() as u32).max(1), h - header).centred_in_width(w);
    for y in 0..scaled.height() {
        out.row_mut(header + y).copy_from_slice(scaled.row(y));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_on_top_and_the_content_moves_down_whole() {
        let mut page = Bitmap::new(1728, 2292);
        page.fill_run(0, 0, 1728); // a rule on the very first line
        page.fill_run(2291, 0, 1728); // and on the very last
        let line = BrandingLine {
            when: "2026-11-24 18:00".into(),
            from: "Dr Jones".into(),
            to: "100".into(),
            page: 1,
            pages: 2,
        };
        let b = brand(&page, Resolution::Fine, &line);
        assert_eq!((b.width(), b.height()), (1728, 2292));
        let ink = |y: u32| (0..1728).filter(|&x| b.get(x, y)).count();
        assert!((0..30).map(ink).sum::<usize>() > 200, "the header has text");
        let first_rule = (0..2292).find(|&y| ink(y) > 1500).unwrap();
        assert!(first_rule > 15 && first_rule < 60, "the content starts below the header, at {first_rule}");
        assert!(ink(2291) > 1500, "the last line of the content is still there");
    }
}
