//! Plain text to fax pages: UTF-8, tabs to 8 columns, long lines wrapped at spaces (or cut
//! when a word is longer than a line), form feed starts a new page, 10 mm margins, DejaVu Sans
//! Mono at a size giving 80 columns on a 215 mm line. Characters the monospaced font lacks are
//! drawn from DejaVu Sans (Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic letters, …),
//! centred in their cell.

use std::collections::HashMap;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use ferrofax_image::{Bitmap, Resolution};

use crate::RenderError;
use crate::fonts;
use crate::page::PageSetup;

/// How text is laid out.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub page: PageSetup,
    /// Font size in points.
    pub font_size: f32,
    /// Refuse documents that would make more pages than this.
    pub max_pages: u32,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { page: PageSetup::default(), font_size: 10.0, max_pages: 500 }
    }
}

/// Renders text as pages of 1728-pixel lines.
pub fn render_text(text: &str, opts: &TextOptions) -> Result<Vec<Bitmap>, RenderError> {
    let font = FontRef::try_from_slice(fonts::MONO).map_err(|e| RenderError::BadDocument(e.to_string()))?;
    let fallback = FontRef::try_from_slice(fonts::SANS).map_err(|e| RenderError::BadDocument(e.to_string()))?;
    let (xdpi, ydpi) = (opts.page.x_dpi() as f32, opts.page.y_dpi() as f32);
    let scale = PxScale { x: opts.font_size * xdpi / 72.0, y: opts.font_size * ydpi / 72.0 };
    let scaled = font.as_scaled(scale);
    let advance = scaled.h_advance(font.glyph_id('M'));
    let line_height = (scaled.height() + scaled.line_gap()).ceil().max(1.0);
    let (width, height) = (opts.page.width(), opts.page.height());
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
    let mut glyphs = GlyphCache { font: &font, fallback: &fallback, scale, advance, cache: HashMap::new() };
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
    let font = FontRef::try_from_slice(fonts::MONO).expect("the embedded font parses");
    let fallback = FontRef::try_from_slice(fonts::SANS).expect("the embedded font parses");
    let (xdpi, ydpi) = (resolution.x_dpi() as f32, resolution.y_dpi() as f32);
    let scale = PxScale { x: font_size * xdpi / 72.0, y: font_size * ydpi / 72.0 };
    let scaled = font.as_scaled(scale);
    let advance = scaled.h_advance(font.glyph_id('M'));
    let mut glyphs = GlyphCache { font: &font, fallback: &fallback, scale, advance, cache: HashMap::new() };
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
            for l in wrap_line(&expand(raw.trim_end_matches('\r'), columns), columns) {
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

/// Tabs expanded to 8-column stops, other control characters dropped.
fn expand(raw: &str, columns: usize) -> Vec<char> {
    let mut out = Vec::with_capacity(raw.len());
    for c in raw.chars() {
        if c == '\t' {
            let col = out.len() % columns;
            let to = out.len() - col + ((col / 8 + 1) * 8).min(columns);
            while out.len() < to {
                out.push(' ');
            }
        } else if !c.is_control() {
            out.push(c);
        }
    }
    out
}

/// A line broken into pieces of at most `columns` characters, after the last space that fits
/// when there is one (the space is dropped), otherwise cut.
fn wrap_line(chars: &[char], columns: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = chars;
    while rest.len() > columns {
        let cut = rest[..=columns].iter().rposition(|&c| c == ' ').filter(|&i| i > 0);
        match cut {
            Some(i) => {
                out.push(rest[..i].iter().collect::<String>().trim_end().to_string());
                rest = &rest[i + 1..];
            }
            None => {
                out.push(rest[..columns].iter().collect());
                rest = &rest[columns..];
            }
        }
    }
    out.push(rest.iter().collect());
    out
}

struct GlyphCache<'f> {
    font: &'f FontRef<'f>,
    fallback: &'f FontRef<'f>,
    scale: PxScale,
    advance: f32,
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
        let (font, fallback, scale, advance) = (self.font, self.fallback, self.scale, self.advance);
        self.cache.entry(c).or_insert_with(|| {
            let mut px = Vec::new();
            let (font, dx) = if font.glyph_id(c).0 != 0 || fallback.glyph_id(c).0 == 0 {
                (font, 0.0)
            } else {
                // Centred in the monospaced cell, squeezed to it when wider.
                let w = fallback.as_scaled(scale).h_advance(fallback.glyph_id(c));
                (fallback, ((advance - w) / 2.0).max(0.0))
            };
            let glyph = font.glyph_id(c).with_scale_and_position(scale, point(dx, 0.0));
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
        assert_eq!(p, vec![vec!["abcd", "ef", "", "x"], vec!["next"]]);
        let p = layout("the quick brown fox", 10, 10);
        assert_eq!(p, vec![vec!["the quick", "brown fox"]]);
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
        // Greek and Cyrillic from the monospaced font, Arabic and Georgian from the fallback.
        for word in ["Καλημέρα", "Здравствуйте", "مرحبا", "გამარჯობა"] {
            let p = render_text(word, &TextOptions::default()).unwrap();
            assert!(p[0].black_pixels() > 200, "{word}");
        }
    }

    #[test]
    fn page_limit_is_enforced() {
        let text = "x\x0c".repeat(20);
        let opts = TextOptions { max_pages: 5, ..Default::default() };
        assert!(matches!(render_text(&text, &opts), Err(RenderError::Limit(_))));
    }
}
