//! Plain text to fax pages: UTF-8, tabs to 8 columns, long lines wrapped, form feed starts a
//! new page, 10 mm margins, DejaVu Sans Mono at a size giving 80 columns on a 215 mm line.

use std::collections::HashMap;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use ferrofax_image::{Bitmap, PageWidth, Resolution, geometry};

use crate::RenderError;

static FONT: &[u8] = include_bytes!("../fonts/DejaVuSansMono.ttf");

/// Paper the pages are laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
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
}

/// How text is laid out.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub paper: Paper,
    pub resolution: Resolution,
    /// Font size in points.
    pub font_size: f32,
    /// Refuse documents that would make more pages than this.
    pub max_pages: u32,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { paper: Paper::A4, resolution: Resolution::Fine, font_size: 10.0, max_pages: 500 }
    }
}

/// Renders text as pages of 1728-pixel lines.
pub fn render_text(text: &str, opts: &TextOptions) -> Result<Vec<Bitmap>, RenderError> {
    let font = FontRef::try_from_slice(FONT).map_err(|e| RenderError::BadDocument(e.to_string()))?;
    let (xdpi, ydpi) = (opts.resolution.x_dpi() as f32, opts.resolution.y_dpi() as f32);
    let scale = PxScale { x: opts.font_size * xdpi / 72.0, y: opts.font_size * ydpi / 72.0 };
    let scaled = font.as_scaled(scale);
    let advance = scaled.h_advance(font.glyph_id('M'));
    let line_height = (scaled.height() + scaled.line_gap()).ceil().max(1.0);
    let width = PageWidth::A4.pixels();
    let height = geometry::page_lines(opts.paper.height_mm(), opts.resolution.y_dpi());
    let margin_x = (10.0 / 25.4 * xdpi).round();
    let margin_y = (10.0 / 25.4 * ydpi).round();
    let columns = (((width as f32 - 2.0 * margin_x) / advance).floor() as usize).max(1);
    let rows = (((height as f32 - 2.0 * margin_y) / line_height).floor() as usize).max(1);

    let pages_text = layout(text, columns, rows);
    if pages_text.len() > opts.max_pages as usize {
        return Err(RenderError::Limit(format!(
            "the text makes {} pages; the configured limit is {}",
            pages_text.len(),
            opts.max_pages
        )));
    }
    let mut glyphs = GlyphCache { font: &font, scale, cache: HashMap::new() };
    let ascent = scaled.ascent();
    Ok(pages_text
        .iter()
        .map(|lines| {
            let mut page = Bitmap::new(width, height);
            for (row, line) in lines.iter().enumerate() {
                let baseline = margin_y + row as f32 * line_height + ascent;
                glyphs.draw(&mut page, line, margin_x, baseline, advance);
            }
            page
        })
        .collect())
}

/// Draws one line of text in the embedded font at `font_size` points, its top-left corner at
/// (`x`, `top`) in pixels. Returns the height of the line in pixels.
pub fn draw_line(page: &mut Bitmap, text: &str, x: f32, top: f32, font_size: f32, resolution: Resolution) -> u32 {
    let font = FontRef::try_from_slice(FONT).expect("the embedded font parses");
    let (xdpi, ydpi) = (resolution.x_dpi() as f32, resolution.y_dpi() as f32);
    let scale = PxScale { x: font_size * xdpi / 72.0, y: font_size * ydpi / 72.0 };
    let scaled = font.as_scaled(scale);
    let advance = scaled.h_advance(font.glyph_id('M'));
    let mut glyphs = GlyphCache { font: &font, scale, cache: HashMap::new() };
    glyphs.draw(page, text, x, top + scaled.ascent(), advance);
    (scaled.height() + scaled.line_gap()).ceil() as u32
}

/// Splits text into pages of at most `rows` lines of at most `columns` characters.
fn layout(text: &str, columns: usize, rows: usize) -> Vec<Vec<String>> {
    let mut pages = vec![Vec::new()];
    let text = text.strip_suffix('\n').unwrap_or(text);
    for (i, chunk) in text.split('\x0c').enumerate() {
        if i > 0 {
            pages.push(Vec::new());
        }
        let chunk = if i > 0 { chunk.strip_prefix('\n').unwrap_or(chunk) } else { chunk };
        if chunk.is_empty() {
            continue;
        }
        for raw in chunk.split('\n') {
            let mut line = String::new();
            let mut n = 0;
            let mut wrapped = Vec::new();
            for c in raw.trim_end_matches('\r').chars() {
                if c == '\t' {
                    let to = (n / 8 + 1) * 8;
                    while n < to && n < columns {
                        line.push(' ');
                        n += 1;
                    }
                } else if !c.is_control() {
                    line.push(c);
                    n += 1;
                }
                if n >= columns {
                    wrapped.push(std::mem::take(&mut line));
                    n = 0;
                }
            }
            if !line.is_empty() || wrapped.is_empty() {
                wrapped.push(line);
            }
            for l in wrapped {
                if pages.last().expect("a page").len() >= rows {
                    pages.push(Vec::new());
                }
                pages.last_mut().expect("a page").push(l);
            }
        }
    }
    if pages.len() > 1 && pages.last().is_some_and(|p| p.is_empty()) {
        pages.pop();
    }
    pages
}

struct GlyphCache<'f> {
    font: &'f FontRef<'f>,
    scale: PxScale,
    cache: HashMap<char, Vec<(i32, i32)>>,
}

impl GlyphCache<'_> {
    /// Draws `line` with its baseline at `baseline`, one character cell per `advance` pixels.
    fn draw(&mut self, page: &mut Bitmap, line: &str, x: f32, baseline: f32, advance: f32) {
        let (width, height) = (page.width(), page.height());
        for (col, c) in line.chars().enumerate() {
            let x0 = (x + col as f32 * advance).round() as i32;
            for &(dx, dy) in self.pixels(c) {
                let (px, py) = (x0 + dx, baseline as i32 + dy);
                if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                    page.set(px as u32, py as u32, true);
                }
            }
        }
    }

    /// The black pixels of a glyph, relative to its origin on the baseline.
    fn pixels(&mut self, c: char) -> &[(i32, i32)] {
        let (font, scale) = (self.font, self.scale);
        self.cache.entry(c).or_insert_with(|| {
            let glyph = font.glyph_id(c).with_scale_and_position(scale, point(0.0, 0.0));
            let mut px = Vec::new();
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|x, y, coverage| {
                    if coverage >= 0.5 {
                        px.push((b.min.x as i32 + x as i32, b.min.y as i32 + y as i32));
                    }
                });
            }
            px
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_wraps_and_breaks_pages() {
        let p = layout("abcdef\n\tx\x0cnext", 4, 10);
        assert_eq!(p, vec![vec!["abcd", "ef", "    ", "x"], vec!["next"]]);
        let p = layout("1\n2\n3\n", 2, 2);
        assert_eq!(p.len(), 2);
        assert_eq!(layout("", 80, 60), vec![Vec::<String>::new()]);
    }

    #[test]
    fn renders_ink_on_a4_fine_pages() {
        let pages = render_text("Hello, fax!\n\x0cSecond page", &TextOptions::default()).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].width(), 1728);
        assert_eq!(pages[0].height(), 2292);
        assert!(pages[0].black_pixels() > 500);
        assert!(pages[1].black_pixels() > 500);
    }

    #[test]
    fn page_limit_is_enforced() {
        let text = "x\x0c".repeat(20);
        let opts = TextOptions { max_pages: 5, ..Default::default() };
        assert!(matches!(render_text(&text, &opts), Err(RenderError::Limit(_))));
    }
}
