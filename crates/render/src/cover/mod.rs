//! Cover pages from templates. A template is SVG (drawn with resvg, fonts embedded: DejaVu
//! Sans, Sans Bold, Sans Mono) or plain text (laid out like a text document). `{name}` stands
//! for a field's value — any FaxDoc field, `page_count`, `document_pages`, `date`, `time` —
//! XML-escaped in SVG. Other braces (CSS in an SVG `<style>`) are left alone; `{{` and `}}`
//! write a literal brace. An SVG `<text>` with `data-wrap="N"` is broken into lines of at most N
//! characters (and at the value's own line breaks), at most `data-lines` of them. Labels of
//! fields left empty are left out ([`blanks`]): an SVG element with `data-if="name …"` when
//! every field it names is empty, a text template's line when every field it names is.

mod blanks;

use std::sync::OnceLock;

use ferrofax_image::Bitmap;

use crate::RenderError;
use crate::halftone::{Halftone, to_bilevel};
use crate::page::{GreyPage, PageSetup};
use crate::text::{TextOptions, render_text};

/// The templates shipped with ferrofax: (file name, contents).
pub const BUILTIN_TEMPLATES: [(&str, &str); 3] = [
    ("classic.svg", include_str!("../../coverpages/classic.svg")),
    ("modern.svg", include_str!("../../coverpages/modern.svg")),
    ("confidential.svg", include_str!("../../coverpages/confidential.svg")),
];

/// Whether a template is SVG (otherwise it is text).
pub fn is_svg(template: &str) -> bool {
    let t = template.trim_start_matches('\u{feff}').trim_start();
    t.starts_with("<svg")
        || (t.starts_with("<?xml") && t.contains("<svg"))
        || t.starts_with("<!--") && t.contains("<svg")
}

/// One piece of a template: text as it is, a brace written as `{{` or `}}`, or a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Brace(&'a str),
    Field(&'a str),
}

/// A template cut into its pieces. A brace that does not open a placeholder (CSS in an SVG
/// `<style>`, `{1}`, `{ }`) is text.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push(Piece::Text(&rest[..i]));
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push(Piece::Brace(&tail[..1]));
            rest = &tail[2..];
            continue;
        }
        let name = tail[1..].find('}').map(|end| (&tail[1..=end], end)).and_then(|(inner, end)| {
            let n = inner.trim();
            let ident = !n.is_empty()
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !n.starts_with(|c: char| c.is_ascii_digit());
            ident.then_some((n, end))
        });
        let Some((name, end)) = name else {
            out.push(Piece::Text(&tail[..1]));
            rest = &tail[1..];
            continue;
        };
        out.push(Piece::Field(name));
        rest = &tail[end + 2..];
    }
    out.push(Piece::Text(rest));
    out
}

/// The value of field `name`; a name that is not a field is an error naming it.
fn value<'f>(fields: &'f [(String, String)], name: &str) -> Result<&'f str, String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| format!("the template names `{{{name}}}`, which is not one of its fields"))
}

/// Replaces each `{name}` with its field value (XML-escaped when `xml`), after leaving out the
/// labels of empty fields (see [`blanks`]). A name that is not a field is an error naming it.
pub fn fill(template: &str, fields: &[(String, String)], xml: bool) -> Result<String, String> {
    let template = if xml { blanks::svg(template, fields)? } else { blanks::text(template, fields)? };
    let mut out = String::with_capacity(template.len() + 512);
    for piece in pieces(&template) {
        match piece {
            Piece::Text(t) | Piece::Brace(t) => out.push_str(t),
            Piece::Field(name) if xml => escape_into(&mut out, value(fields, name)?),
            Piece::Field(name) => out.push_str(value(fields, name)?),
        }
    }
    Ok(out)
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push('\u{2028}'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Renders a filled template as one page.
pub fn render_cover(filled: &str, setup: &PageSetup) -> Result<Bitmap, RenderError> {
    if is_svg(filled) {
        return render_svg(filled, setup);
    }
    let opts = TextOptions { page: *setup, max_pages: 1, ..Default::default() };
    let mut pages = render_text(filled, &opts)
        .map_err(|_| RenderError::BadDocument("the cover page template makes more than one page".into()))?;
    Ok(pages.remove(0))
}

fn fonts() -> &'static std::sync::Arc<usvg::fontdb::Database> {
    static DB: OnceLock<std::sync::Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for font in [crate::fonts::SANS, crate::fonts::SANS_BOLD, crate::fonts::MONO] {
            db.load_font_data(font.to_vec());
        }
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans Mono");
        std::sync::Arc::new(db)
    })
}

/// Draws an SVG page: fitted to the paper (its own size taken at 96 px per inch), greys
/// dithered and lines kept crisp.
pub fn render_svg(svg: &str, setup: &PageSetup) -> Result<Bitmap, RenderError> {
    let svg = wrap_texts(svg);
    let opt = usvg::Options { fontdb: fonts().clone(), font_family: "DejaVu Sans".into(), ..Default::default() };
    let tree = usvg::Tree::from_str(&svg, &opt)
        .map_err(|e| RenderError::BadDocument(format!("the cover page template is not valid SVG: {e}")))?;
    let size = tree.size();
    let (w_in, h_in) = (size.width() as f64 / 96.0, size.height() as f64 / 96.0);
    let (pw, ph) = (setup.width(), setup.height());
    let k = (pw as f64 / setup.x_dpi() / w_in).min(ph as f64 / setup.y_dpi() / h_in);
    let (sx, sy) = (k * setup.x_dpi() / 96.0, k * setup.y_dpi() / 96.0);
    let left = ((pw as f64 - size.width() as f64 * sx) / 2.0).max(0.0);
    let mut pixmap = tiny_skia::Pixmap::new(pw, ph).expect("a page is not empty");
    pixmap.fill(tiny_skia::Color::WHITE);
    let transform = tiny_skia::Transform::from_row(sx as f32, 0.0, 0.0, sy as f32, left as f32, 0.0);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    let pixels = pixmap
        .pixels()
        .iter()
        .map(|p| ((299 * p.red() as u32 + 587 * p.green() as u32 + 114 * p.blue() as u32) / 1000) as u8)
        .collect();
    Ok(to_bilevel(&GreyPage { width: pw, height: ph, pixels }, Halftone::Auto))
}

/// Breaks the content of each `<text … data-wrap="N">` into `<tspan>` lines.
fn wrap_texts(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() + 256);
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (Some(tag_end), Some(close)) = (tail.find('>'), tail.find("</text>")) else {
            break;
        };
        let tag = &tail[..=tag_end];
        let Some(width) = attr(tag, "data-wrap").and_then(|v| v.parse::<usize>().ok()).filter(|&w| w > 0) else {
            out.push_str(&tail[..close + 7]);
            rest = &tail[close + 7..];
            continue;
        };
        let max_lines = attr(tag, "data-lines").and_then(|v| v.parse::<usize>().ok()).unwrap_or(usize::MAX);
        let x = attr(tag, "x").unwrap_or("0");
        let content = &tail[tag_end + 1..close];
        out.push_str(tag);
        let mut lines = wrap(content, width);
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                last.push('…');
            }
        }
        for (n, line) in lines.iter().enumerate() {
            let dy = if n == 0 { "0" } else { "1.3em" };
            // An empty line still takes its height.
            let line = if line.is_empty() { "\u{a0}" } else { line.as_str() };
            out.push_str(&format!("<tspan x=\"{x}\" dy=\"{dy}\">{line}</tspan>"));
        }
        out.push_str("</text>");
        rest = &tail[close + 7..];
    }
    out.push_str(rest);
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

/// Lines of at most `width` characters, broken at spaces where possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split(['\u{2028}', '\n']) {
        let mut line = String::new();
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let mut word = word.to_string();
            loop {
                let len = line.chars().count();
                let wlen = word.chars().count();
                if len == 0 && wlen > width {
                    let cut: String = word.chars().take(width).collect();
                    word = word.chars().skip(width).collect();
                    lines.push(cut);
                    continue;
                }
                if len > 0 && len + 1 + wlen > width {
                    lines.push(std::mem::take(&mut line));
                    continue;
                }
                if len > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
        }
        lines.push(line);
    }
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<(String, String)> {
        vec![("recipient_name".into(), "Ann & Co <legal>".into()), ("note".into(), "one two three\nfour".into())]
    }

    #[test]
    fn placeholders_are_filled_escaped_and_checked() {
        let f = fields();
        assert_eq!(fill("To {recipient_name} {{x}}", &f, false).unwrap(), "To Ann & Co <legal> {x}");
        assert_eq!(fill("<t>{ recipient_name }</t>", &f, true).unwrap(), "<t>Ann &amp; Co &lt;legal&gt;</t>");
        assert_eq!(fill(".a{fill:#000} {1} { }", &f, true).unwrap(), ".a{fill:#000} {1} { }");
        assert!(fill("{colour}", &f, true).unwrap_err().contains("`{colour}`"));
    }

    #[test]
    fn wrapped_texts_become_lines() {
        assert_eq!(wrap("one two three\u{2028}four", 8), vec!["one two", "three", "four"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        let svg = wrap_texts(r#"<text x="5" data-wrap="8" data-lines="2">one two three four</text>"#);
        assert_eq!(
            svg,
            r#"<text x="5" data-wrap="8" data-lines="2"><tspan x="5" dy="0">one two</tspan><tspan x="5" dy="1.3em">three…</tspan></text>"#
        );
    }

    #[test]
    fn shipped_templates_render_with_every_field_empty() {
        let setup = PageSetup::default();
        for (name, t) in BUILTIN_TEMPLATES {
            assert!(is_svg(t), "{name}");
            let names: Vec<(String, String)> = placeholder_names(t).into_iter().map(|n| (n, String::new())).collect();
            let page = render_cover(&fill(t, &names, true).unwrap(), &setup).unwrap();
            assert_eq!((page.width(), page.height()), (1728, 2292));
            assert!(page.black_pixels() > 10_000, "{name}");
        }
        assert!(render_svg("<svg", &setup).unwrap_err().to_string().contains("not valid SVG"));
    }

    /// The words of each `<text>` of an SVG that has any, tags left out.
    fn texts(svg: &str) -> Vec<String> {
        let mut out = Vec::new();
        for part in svg.split("<text").skip(1) {
            let Some(end) = part.find("</text>") else { continue };
            let inner = &part[part.find('>').unwrap() + 1..end];
            let mut words = String::new();
            for (i, piece) in inner.split(['<', '>']).enumerate() {
                if i % 2 == 0 {
                    words.push_str(piece);
                    words.push(' ');
                }
            }
            let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
            if !words.is_empty() {
                out.push(words);
            }
        }
        out
    }

    #[test]
    fn shipped_templates_show_no_labels_of_empty_fields() {
        for (name, t) in BUILTIN_TEMPLATES {
            let names = placeholder_names(t);
            let empty: Vec<(String, String)> = names.iter().map(|n| (n.clone(), String::new())).collect();
            let left = texts(&fill(t, &empty, true).unwrap());
            // What stays on an empty cover: its title and its standing notices.
            let fixed =
                ["FAX", "fax", "CONFIDENTIAL FAX", "CONFIDENTIALITY NOTICE", "This fax may", "The documents in"];
            for text in &left {
                assert!(
                    fixed.iter().any(|f| text == f || (f.contains(' ') && text.starts_with(f))),
                    "{name}: `{text}`"
                );
            }
            assert!(left.iter().any(|t| t.contains("FAX") || t == "fax"), "{name}: the title stays");
            // Every label is there when every field has a value.
            let full: Vec<(String, String)> = names.iter().map(|n| (n.clone(), "x".into())).collect();
            let shown = texts(&fill(t, &full, true).unwrap()).join(" | ");
            for label in ["DATE", "PAGES", "TO", "FROM"] {
                assert!(shown.contains(label), "{name}: {label} in {shown}");
            }
            assert!(shown.contains("PHONE") || shown.contains("Phone"), "{name}: {shown}");
        }
    }

    fn placeholder_names(t: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = t;
        while let Some(i) = rest.find('{') {
            let tail = &rest[i + 1..];
            if let Some(end) = tail.find('}') {
                let n = tail[..end].trim();
                if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    out.push(n.to_string());
                }
            }
            rest = tail;
        }
        out
    }
}
