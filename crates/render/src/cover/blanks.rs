//! Leaving out the labels of empty fields, so that a cover page shows no `DATE`, `PAGES` or
//! `Fax` with nothing after it. In an SVG template an element (with what it holds) carrying
//! `data-if="name …"` is left out when every field it names is empty; in a text template a
//! line naming fields is left out when every field it names is empty. A value of spaces only
//! counts as empty. Naming something that is not a field is an error, as in a placeholder.

use super::{Piece, pieces, value};

const DATA_IF: &str = " data-if=\"";

fn all_empty<'a>(fields: &[(String, String)], mut names: impl Iterator<Item = &'a str>) -> Result<bool, String> {
    names.try_fold(true, |empty, name| Ok(value(fields, name)?.trim().is_empty() && empty))
}

/// An SVG template without its elements whose `data-if` fields are all empty.
pub(super) fn svg(template: &str, fields: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    // `template[..done]` is written out or left out; the next `data-if` is looked for from `from`.
    let (mut done, mut from) = (0, 0);
    while let Some(at) = template[from..].find(DATA_IF).map(|i| i + from) {
        // Comments (which may well mention data-if) are skipped whole.
        if let Some(comment) = template[from..at].find("<!--").map(|i| i + from) {
            from = template[comment..].find("-->").map_or(template.len(), |i| comment + i + 3);
            continue;
        }
        let names_at = at + DATA_IF.len();
        let Some(len) = template[names_at..].find('"') else { break };
        let names = &template[names_at..names_at + len];
        from = names_at + len;
        // Only an attribute: inside a start tag.
        let Some(open) = template[done..at].rfind('<').map(|i| i + done) else { continue };
        if template[open..at].contains('>') {
            continue;
        }
        let empty =
            all_empty(fields, names.split_ascii_whitespace()).map_err(|e| format!("data-if=\"{names}\": {e}"))?;
        if !empty {
            continue;
        }
        let end = element_end(template, open)
            .ok_or_else(|| format!("the element with data-if=\"{names}\" has no end tag"))?;
        out.push_str(&template[done..open]);
        done = end;
        from = end;
    }
    out.push_str(&template[done..]);
    Ok(out)
}

/// Where the element whose start tag begins at `open` ends (just past its end tag, or past
/// `/>`), counting elements of the same name nested in it.
fn element_end(t: &str, open: usize) -> Option<usize> {
    let name_len = t[open + 1..].find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')?;
    let name = &t[open + 1..open + 1 + name_len];
    let tag_end = |at: usize| t[at..].find('>').map(|i| at + i);
    let first = tag_end(open)?;
    if t[..first].ends_with('/') {
        return Some(first + 1);
    }
    let names_this = |rest: &str| {
        rest.strip_prefix(name)
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/'))
    };
    let (mut depth, mut at) = (1usize, first + 1);
    while let Some(lt) = t[at..].find('<').map(|i| i + at) {
        let gt = tag_end(lt)?;
        if t[lt + 1..].strip_prefix('/').is_some_and(names_this) {
            depth -= 1;
            if depth == 0 {
                return Some(gt + 1);
            }
        } else if names_this(&t[lt + 1..]) && !t[..gt].ends_with('/') {
            depth += 1;
        }
        at = gt + 1;
    }
    None
}

/// A text template without its lines whose fields are all empty (lines naming no field stay).
pub(super) fn text(template: &str, fields: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        let names: Vec<&str> =
            pieces(line).into_iter().filter_map(|p| if let Piece::Field(n) = p { Some(n) } else { None }).collect();
        if names.is_empty() || !all_empty(fields, names.into_iter())? {
            out.push_str(line);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn svg_elements_of_empty_fields_are_left_out_with_what_they_hold() {
        let f = fields(&[("date", ""), ("time", " "), ("fax_number", "100")]);
        let t = r#"<svg><text data-if="date time">DATE</text><g data-if="date"><g><rect/></g></g><text data-if="time fax_number">FAX</text><rect data-if="date"/><text>x</text></svg>"#;
        assert_eq!(svg(t, &f).unwrap(), r#"<svg><text data-if="time fax_number">FAX</text><text>x</text></svg>"#);
        let nested = r#"<text>A<tspan data-if="fax_number">B<tspan data-if="date">C</tspan></tspan></text>"#;
        assert_eq!(svg(nested, &f).unwrap(), r#"<text>A<tspan data-if="fax_number">B</tspan></text>"#);
        assert!(svg(r#"<text data-if="colour">C</text>"#, &f).unwrap_err().contains("`{colour}`"));
        assert!(svg(r#"<text data-if="date">C"#, &f).unwrap_err().contains("no end tag"));
        let told = r#"<!-- an element with data-if="field …" --><text>say data-if="date" here</text>"#;
        assert_eq!(svg(told, &f).unwrap(), told, "comments and text are not attributes");
    }

    #[test]
    fn text_lines_of_empty_fields_are_left_out() {
        let f = fields(&[("date", ""), ("fax_number", "100"), ("sender_fax", "")]);
        let t = "FAX\nDate: {date}\nTo: {fax_number}\nFrom: {sender_fax} {{x}}\n{{date}}\nend";
        assert_eq!(text(t, &f).unwrap(), "FAX\nTo: {fax_number}\n{{date}}\nend");
        assert!(text("{colour}\n", &f).unwrap_err().contains("`{colour}`"));
    }
}
