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

/// The common templates in `dir`, by name (`classic.svg` is `classic`), sorted: every `.svg`
/// or `.txt` file (or link to one) that a job can name and the server can fill, with its format
/// as the server takes it (from its content, as when it is drawn). A file that cannot be used
/// — unreadable, not UTF-8 text, naming a field that does not exist — is left out and logged.
pub fn list(dir: &std::path::Path) -> std::io::Result<Vec<ferrofax_api::CoverPageTemplate>> {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let blank = fields(&Recipient::default(), &FaxDocFields::default(), 0, &now);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file = entry.file_name().to_string_lossy().to_string();
        let Some(name) = file.strip_suffix(".svg").or_else(|| file.strip_suffix(".txt")) else { continue };
        // Links are followed, as reading the template for a job does.
        if file.starts_with('.') || !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let usable = std::fs::read_to_string(entry.path())
            .map_err(|e| CoverpageError(e.to_string()))
            .and_then(|text| fill(&text, &blank).map(|_| text));
        match usable {
            Ok(text) => out.push(ferrofax_api::CoverPageTemplate {
                name: name.to_string(),
                format: if ferrofax_render::is_svg(&text) { "svg" } else { "text" }.into(),
                file,
            }),
            Err(e) => tracing::warn!(file = %entry.path().display(), "cover page template left out: {e}"),
        }
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

    #[test]
    fn the_list_holds_every_template_a_job_can_use_as_the_server_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(d.join("classic.svg"), ferrofax_render::BUILTIN_TEMPLATES[0].1).unwrap();
        std::fs::write(d.join("default.txt"), DEFAULT_TEMPLATE).unwrap();
        // A template kept elsewhere and linked in (as configuration management does).
        std::fs::write(elsewhere.path().join("letterhead.svg"), ferrofax_render::BUILTIN_TEMPLATES[1].1).unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("letterhead.svg"), d.join("letterhead.svg")).unwrap();
        // SVG content in a .txt file is drawn as SVG.
        std::fs::write(d.join("drawn.txt"), ferrofax_render::BUILTIN_TEMPLATES[2].1).unwrap();
        // What a job cannot use: a field that does not exist, bytes that are not text, a link
        // to nothing, hidden files, other files.
        std::fs::write(d.join("broken.svg"), "<svg>{colour}</svg>").unwrap();
        std::fs::write(d.join("binary.txt"), [0xff, 0xfe, 0x00]).unwrap();
        std::os::unix::fs::symlink(d.join("missing.svg"), d.join("dangling.svg")).unwrap();
        std::fs::write(d.join(".hidden.svg"), "<svg/>").unwrap();
        std::fs::write(d.join("README.md"), "notes").unwrap();
        let listed: Vec<(String, String, String)> =
            list(d).unwrap().into_iter().map(|t| (t.name, t.format, t.file)).collect();
        let want = [
            ("classic", "svg", "classic.svg"),
            ("default", "text", "default.txt"),
            ("drawn", "svg", "drawn.txt"),
            ("letterhead", "svg", "letterhead.svg"),
        ];
        assert_eq!(listed, want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())));
    }
}
