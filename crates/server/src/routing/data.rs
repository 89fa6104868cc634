//! The RoutingData of each method (`number[|extra]` in the object model), parsed into what the
//! method needs. The same parser checks the data when an admin changes a method (so bad data
//! is refused then, with the reason) and reads it when a fax is routed.
//!
//! | method | RoutingData | example |
//! |---|---|---|
//! | `store_in_folder` | an absolute folder | `/srv/fax/in` |
//! | `email` | addresses, comma-separated, then optionally `\|pdf`, `\|tiff` or `\|both` (default pdf) | `fax@example.com,boss@example.com\|both` |
//! | `print` | optionally a printer (empty: the default one), then optionally `\|pdf` or `\|tiff` (default pdf) | `Office_Laser\|pdf` |
//! | `webhook` | an http(s) URL, `\|`, and a secret of at least 16 characters | `https://hooks.example.com/fax\|s3cret-s3cret-s3cret` |

use std::path::PathBuf;

use ferrofax_route::mail::Mailbox;
use ferrofax_route::mail::{Attach, parse_recipients};
use ferrofax_route::webhook::Target;

/// A method's parsed RoutingData.
#[derive(Debug, Clone)]
pub enum Route {
    Folder(PathBuf),
    Email { to: Vec<Mailbox>, attach: Attach },
    Print { printer: Option<String>, pdf: bool },
    Webhook(Target),
}

/// RoutingData a method cannot use; the message says why and how it is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRoutingData(pub String);

impl From<String> for BadRoutingData {
    fn from(s: String) -> Self {
        BadRoutingData(s)
    }
}

/// Parses the RoutingData of `method` (a function name).
pub fn parse(method: &str, data: &str) -> Result<Route, BadRoutingData> {
    let mut parts = data.splitn(2, '|');
    let first = parts.next().unwrap_or_default().trim();
    let extra = parts.next().map(str::trim);
    match method {
        "store_in_folder" => {
            if !std::path::Path::new(first).is_absolute() {
                return Err(BadRoutingData("store_in_folder needs an absolute folder as its routing data".into()));
            }
            Ok(Route::Folder(first.into()))
        }
        "email" => {
            let usage = "e-mail routing data is `address[,address…][|pdf|tiff|both]`";
            let to = parse_recipients(first).map_err(|e| format!("{e}; {usage}"))?;
            let attach = match extra {
                None | Some("") => Attach::Pdf,
                Some(a) => Attach::parse(a).map_err(|e| format!("{e}; {usage}"))?,
            };
            Ok(Route::Email { to, attach })
        }
        "print" => {
            let usage = "print routing data is `[printer][|pdf|tiff]` (no printer: the default one)";
            let printer = if first.is_empty() { None } else { Some(first.to_string()) };
            if let Some(p) = &printer {
                ferrofax_route::print::check_printer(p).map_err(|e| format!("{e}; {usage}"))?;
            }
            let pdf = match extra.map(str::to_ascii_lowercase).as_deref() {
                None | Some("") | Some("pdf") => true,
                Some("tiff") | Some("tif") => false,
                Some(other) => return Err(BadRoutingData(format!("`{other}` is not a file kind to print; {usage}"))),
            };
            Ok(Route::Print { printer, pdf })
        }
        "webhook" => {
            let usage = "webhook routing data is `<http(s) URL>|<secret of at least 16 characters>`";
            let Some(secret) = extra.filter(|s| !s.is_empty()) else {
                return Err(BadRoutingData(format!("the webhook has no secret; {usage}")));
            };
            Target::new(first, secret).map(Route::Webhook).map_err(|e| BadRoutingData(format!("{e}; {usage}")))
        }
        other => Err(BadRoutingData(format!("routing method `{other}` is not known"))),
    }
}

/// The RoutingData as shown to someone who may not see secrets: a webhook's secret masked.
pub fn masked(method: &str, data: &str) -> String {
    match (method, data.split_once('|')) {
        ("webhook", Some((url, _))) => format!("{url}|********"),
        _ => data.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_parses_its_data_and_names_its_syntax_when_wrong() {
        assert!(
            matches!(parse("store_in_folder", "/srv/fax").unwrap(), Route::Folder(p) if p == std::path::Path::new("/srv/fax"))
        );
        assert!(parse("store_in_folder", "fax").unwrap_err().0.contains("absolute"));
        match parse("email", "a@example.com, B <b@example.com>|both").unwrap() {
            Route::Email { to, attach } => assert_eq!((to.len(), attach), (2, Attach::Both)),
            r => panic!("{r:?}"),
        }
        assert!(matches!(parse("email", "a@example.com").unwrap(), Route::Email { attach: Attach::Pdf, .. }));
        for bad in ["", "nobody", "a@example.com|png"] {
            let e = parse("email", bad).unwrap_err();
            assert!(e.0.contains("address[,address…][|pdf|tiff|both]"), "{bad}: {e}");
        }
        assert!(matches!(parse("print", "").unwrap(), Route::Print { printer: None, pdf: true }));
        assert!(matches!(parse("print", "Laser|tiff").unwrap(), Route::Print { printer: Some(_), pdf: false }));
        assert!(parse("print", "two words").is_err());
        assert!(parse("print", "Laser|png").is_err());
        assert!(matches!(parse("webhook", "https://h.example.com/x|0123456789abcdef").unwrap(), Route::Webhook(_)));
        assert!(parse("webhook", "https://h.example.com/x").unwrap_err().0.contains("no secret"));
        assert!(parse("webhook", "mailto:x@y|0123456789abcdef").unwrap_err().0.contains("http"));
        assert_eq!(masked("webhook", "https://h/x|0123456789abcdef"), "https://h/x|********");
        assert_eq!(masked("email", "a@b.c|pdf"), "a@b.c|pdf");
    }
}
