//! Cover pages from text templates: `{field}` placeholders name any FaxDoc field
//! (`recipient_name`, `sender_company`, `coverpage_subject`, …) plus `page_count` (pages sent,
//! the cover included), `document_pages`, `date` and `time` (in the server's time zone).
//! `{{` and `}}` stand for literal braces. Common templates are files in
//! `<data dir>/coverpages/`; personal ones are uploaded with the job. A template must make
//! exactly one page.

use ferrofax_api::{FaxDocFields, Recipient};
use ferrofax_image::{Bitmap, CodedPage, Resolution};
use ferrofax_render::{TextOptions, render_text};

/// The template written into an empty `coverpages/` folder on first start.
pub const DEFAULT_TEMPLATE: &str = include_str!("../coverpages/default.txt");

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

/// Fills a template; an unknown placeholder or an unclosed brace is an error naming it.
pub fn fill(template: &str, fields: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err("the cover page template has a `}` without `{` (write `}}` for a brace)".into());
        }
        let end = tail.find('}').ok_or("the cover page template has a `{` that is not closed")?;
        let name = tail[1..end].trim();
        let value = fields
            .iter()
            .find(|(k, _)| k == name)
            .ok_or_else(|| format!("the cover page template names `{{{name}}}`, which is not a fax field"))?;
        out.push_str(&value.1);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders a filled template as one fax page.
pub fn render(text: &str) -> Result<CodedPage, String> {
    let opts = TextOptions { max_pages: 1, ..Default::default() };
    let pages: Vec<Bitmap> =
        render_text(text, &opts).map_err(|_| "the cover page template makes more than one page".to_string())?;
    Ok(CodedPage::encode_mmr(&pages[0], Resolution::Fine))
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
        assert!(fill("{colour}", &f).unwrap_err().contains("`{colour}`"));
        assert!(fill("{sender_name", &f).is_err());
        assert!(fill("a } b", &f).is_err());
        assert!(fill(DEFAULT_TEMPLATE, &f).is_ok());
        assert!(render(&fill(DEFAULT_TEMPLATE, &f).unwrap()).is_ok());
        assert!(render(&"line\n".repeat(200)).is_err());
    }
}
