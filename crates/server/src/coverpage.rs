//! Cover pages: the fields a template may name — every FaxDoc field (`recipient_name`,
//! `sender_company`, `coverpage_subject`, …) plus `page_count` (pages sent, the cover
//! included), `document_pages`, `date` and `time` (in the server's time zone) — and the filling
//! and drawing of SVG or text templates (done by `ferrofax-render`). Common templates are files
//! in `<data dir>/coverpages/` (classic.svg, modern.svg, confidential.svg and default.txt are
//! installed into an empty folder); personal ones are uploaded with the job. A template must
//! make exactly one page.

use ferrofax_api::{FaxDocFields, Recipient};
use ferrofax_image::{CodedPage, Resolution};

/// The template written into an empty `coverpages/` folder on first start.
pub const DEFAULT_TEMPLATE: &str = include_str!("../coverpages/default.txt");

/// The common templates in `dir`, by name (`classic.svg` is `classic`), sorted.
pub fn list(dir: &std::path::Path) -> std::io::Result<Vec<ferrofax_api::CoverPageTemplate>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file = entry.file_name().to_string_lossy().to_string();
        if file.starts_with('.') || !entry.file_type()?.is_file() {
            continue;
        }
        let (name, format) = match (file.strip_suffix(".svg"), file.strip_suffix(".txt")) {
            (Some(n), _) => (n.to_string(), "svg"),
            (_, Some(n)) => (n.to_string(), "text"),
            _ => continue,
        };
        out.push(ferrofax_api::CoverPageTemplate { name, file, format: format.into() });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Everything a template may name, as text.
pub fn fields(
    r: &Recipient,
    d: &FaxDocFields,
    document_pages: u32,
    now: &jiff::ZonedDateTime,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for value in [serde_json::to_value(r), serde_json::to_value(d)].into_iter().flatten() {
        if let serde_json::Value::Object(m) = value {
            for (k, v) in m {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(b) => if b { "yes" } else { "no" }.into(),
                    other => other.to_string(),
                };
                out.push((k, text));
            }
        }
    }
    out.push(("page_count".into(), (document_pages + 1).to_string()));
    out.push(("document_pages".into(), document_pages.to_string()));
    out.push(("date".into(), now.strftime("%Y-%m-%d").to_string()));
    out.push(("time".into(), now.strftime("%H:%M").to_string()));
    out
}

/// A cover page template that cannot be filled or drawn; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CoverpageError(pub String);

/// Fills a template (SVG values XML-escaped); an unknown placeholder is an error naming it.
pub fn fill(template: &str, fields: &[(String, String)]) -> Result<String, CoverpageError> {
    ferrofax_render::fill_template(template, fields, ferrofax_render::is_svg(template))
        .map_err(|e| CoverpageError(format!("cover page: {e}")))
}

/// Renders a filled template (SVG or text) as one fine-resolution A4 fax page.
pub fn render(filled: &str) -> Result<CodedPage, CoverpageError> {
    let page = ferrofax_render::render_cover(filled, &ferrofax_render::PageSetup::default())
        .map_err(|e| CoverpageError(e.to_string()))?;
    Ok(CodedPage::encode_mmr(&page, Resolution::Fine))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_every_field_and_refuse_unknown_ones() {
        let r = Recipient { fax_number: "100".into(), recipient_name: "Ann".into(), ..Default::default() };
        let d = FaxDocFields { sender_name: "Bob".into(), discount_send: true, ..Default::default() };
        let now = jiff::Timestamp::from_second(1_795_521_600).unwrap().to_zoned_datetime(jiff::tz::TimeZone::UTC);
        let f = fields(&r, &d, 2, &now);
        let text = fill("To {recipient_name} ({fax_number}) from { sender_name }, {page_count} pages, {date}, discount {discount_send} {{x}}", &f).unwrap();
        assert_eq!(text, "To Ann (100) from Bob, 3 pages, 2026-11-24, discount yes {x}");
        assert!(fill("{colour}", &f).unwrap_err().0.contains("`{colour}`"));
        for (name, t) in ferrofax_render::BUILTIN_TEMPLATES {
            assert!(render(&fill(t, &f).unwrap()).is_ok(), "{name}");
        }
        assert!(fill(DEFAULT_TEMPLATE, &f).is_ok());
        assert!(render(&fill(DEFAULT_TEMPLATE, &f).unwrap()).is_ok());
        assert!(render(&"line\n".repeat(200)).is_err());
    }
}
