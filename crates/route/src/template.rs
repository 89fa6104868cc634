//! The texts of the e-mails: subject and body of a received fax's message and of a delivery
//! report, each a template whose `{name}` placeholders are filled from the fax's fields
//! ([`crate::ReceivedFax::fields`], [`crate::SentFax::fields`]); `{{` and `}}` write a brace.
//! Built-in defaults; a configuration may replace any of them. A placeholder that names no
//! field is refused when the templates are checked ([`Templates::check`], at start-up), so a
//! typo never reaches a recipient.

use serde::Deserialize;

use crate::{ReceivedFax, RouteError, SentFax};

/// The mail templates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Templates {
    /// Subject of the message carrying a received fax.
    pub subject: String,
    /// Its body (plain text).
    pub body: String,
    /// Subject of a delivery report.
    pub report_subject: String,
    /// Its body (plain text; the first page follows as a picture).
    pub report_body: String,
}

pub const DEFAULT_SUBJECT: &str = "Fax from {sender} ({pages_text})";

pub const DEFAULT_BODY: &str = "\
A fax arrived for {called_number} on {port_name}.

From (TSID):  {tsid}
Caller id:    {caller_id}
Called:       {called_number}
Answered as:  {csid}
Pages:        {pages}
Received:     {received_at}
Job:          {job_id}

The fax is attached.
-- 
ferrofax
";

pub const DEFAULT_REPORT_SUBJECT: &str = "Fax to {recipient}: {outcome} ({pages_sent} of {pages_total} pages)";

pub const DEFAULT_REPORT_BODY: &str = "\
Your fax to {recipient} was {outcome}.

Document:     {document}
Pages sent:   {pages_sent} of {pages_total}
Attempts:     {attempts}
Result:       {result}
Receiver:     {csid}
Submitted:    {submitted_at}
Finished:     {finished_at}
Job:          {job_id}

The first page is shown below.
-- 
ferrofax
";

impl Default for Templates {
    fn default() -> Self {
        Templates {
            subject: DEFAULT_SUBJECT.into(),
            body: DEFAULT_BODY.into(),
            report_subject: DEFAULT_REPORT_SUBJECT.into(),
            report_body: DEFAULT_REPORT_BODY.into(),
        }
    }
}

/// Fills `template` (named `what` in errors) from `fields`.
pub fn fill(what: &str, template: &str, fields: &[(String, String)]) -> Result<String, RouteError> {
    ferrofax_render::fill_template(template, fields, false).map_err(|e| {
        let known: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        RouteError::Config(format!("mail template `{what}`: {e}; fields: {}", known.join(", ")))
    })
}

/// A subject is one line: line breaks in filled values become spaces.
pub fn one_line(text: &str) -> String {
    text.split(['\r', '\n']).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

impl Templates {
    /// Checks every template against the fields it may use.
    pub fn check(&self) -> Result<(), RouteError> {
        let received = ReceivedFax::sample().fields();
        let sent = SentFax::sample().fields();
        fill("subject", &self.subject, &received)?;
        fill("body", &self.body, &received)?;
        fill("report_subject", &self.report_subject, &sent)?;
        fill("report_body", &self.report_body, &sent)?;
        Ok(())
    }

    /// Subject and body of the message for a received fax.
    pub fn received(&self, fax: &ReceivedFax) -> Result<(String, String), RouteError> {
        let f = fax.fields();
        Ok((one_line(&fill("subject", &self.subject, &f)?), fill("body", &self.body, &f)?))
    }

    /// Subject and body of a delivery report.
    pub fn report(&self, fax: &SentFax) -> Result<(String, String), RouteError> {
        let f = fax.fields();
        Ok((one_line(&fill("report_subject", &self.report_subject, &f)?), fill("report_body", &self.report_body, &f)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_and_unknown_names_are_refused_with_the_known_ones() {
        Templates::default().check().unwrap();
        let (subject, body) = Templates::default().received(&ReceivedFax::sample()).unwrap();
        assert_eq!(subject, "Fax from +1 555 0100 (2 pages)");
        assert!(body.contains("Received:     1970-01-01 00:00:00 UTC"), "{body}");
        let bad = Templates { subject: "Fax {colour}".into(), ..Templates::default() };
        let e = bad.check().unwrap_err().to_string();
        assert!(e.contains("`subject`") && e.contains("{colour}") && e.contains("tsid"), "{e}");
        let bad = Templates { report_body: "{tsid}".into(), ..Templates::default() };
        assert!(bad.check().unwrap_err().to_string().contains("report_body"), "reports have no TSID field");
        assert_eq!(one_line("a\r\nb\nc"), "a b c");
    }
}
