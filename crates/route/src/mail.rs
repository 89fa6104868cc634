//! E-mail: the SMTP profile a server sends through, the message that carries a received fax
//! (subject and body from [`crate::Templates`], the fax attached as PDF, TIFF or both), and
//! sending it with lettre.

use std::time::Duration;

use ferrofax_image::CodedPage;
pub use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

use crate::{ReceivedFax, RouteError, Templates};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// Plain SMTP (a relay on the same host or network only).
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// An SMTP server and the identity mail is sent with (ServerMapiProfile names one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpProfile {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// `none`, `starttls` (default) or `tls`.
    #[serde(default = "default_tls")]
    pub tls: Tls,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The From address, e.g. `Fax server <fax@example.com>`.
    pub from: String,
    /// Longest one SMTP exchange may wait for the server, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_port() -> u16 {
    587
}

fn default_tls() -> Tls {
    Tls::Starttls
}

fn default_timeout() -> u64 {
    60
}

/// What a received fax's message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attach {
    Pdf,
    Tiff,
    Both,
}

impl Attach {
    /// `pdf`, `tiff` or `both`.
    pub fn parse(text: &str) -> Result<Attach, RouteError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pdf" => Ok(Attach::Pdf),
            "tiff" | "tif" => Ok(Attach::Tiff),
            "both" => Ok(Attach::Both),
            other => Err(RouteError::Config(format!("`{other}` is not an attachment kind: use pdf, tiff or both"))),
        }
    }

    /// `pdf`, `tiff` or `both`.
    pub fn name(self) -> &'static str {
        match self {
            Attach::Pdf => "pdf",
            Attach::Tiff => "tiff",
            Attach::Both => "both",
        }
    }

    fn pdf(self) -> bool {
        self != Attach::Tiff
    }

    fn tiff(self) -> bool {
        self != Attach::Pdf
    }
}

/// Parses a comma-separated list of addresses (at least one).
pub fn parse_recipients(text: &str) -> Result<Vec<Mailbox>, RouteError> {
    let list: Vec<Mailbox> = text
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.parse::<Mailbox>().map_err(|e| RouteError::Config(format!("`{a}` is not an e-mail address: {e}"))))
        .collect::<Result<_, _>>()?;
    if list.is_empty() {
        return Err(RouteError::Config("no e-mail address given".into()));
    }
    Ok(list)
}

impl SmtpProfile {
    /// Checks what parsing cannot: the From address, the credentials, the host.
    pub fn check(&self) -> Result<(), RouteError> {
        self.sender()?;
        if self.host.trim().is_empty() {
            return Err(RouteError::Config("the SMTP profile has no host".into()));
        }
        if self.username.is_some() != self.password.is_some() {
            return Err(RouteError::Config("the SMTP profile needs both username and password, or neither".into()));
        }
        Ok(())
    }

    fn sender(&self) -> Result<Mailbox, RouteError> {
        self.from.parse().map_err(|e| {
            RouteError::Config(format!("the SMTP profile's from `{}` is not an e-mail address: {e}", self.from))
        })
    }

    fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, RouteError> {
        let fail =
            |e: lettre::transport::smtp::Error| RouteError::Smtp { server: self.server(), reason: e.to_string() };
        let builder = match self.tls {
            Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host),
            Tls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host).map_err(fail)?,
            Tls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host).map_err(fail)?,
        };
        let mut builder = builder.port(self.port).timeout(Some(Duration::from_secs(self.timeout_seconds.max(1))));
        if let (Some(u), Some(p)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(builder.build())
    }

    /// The start of a message from this profile to `to`.
    pub fn message(&self, to: &[Mailbox], subject: &str) -> Result<lettre::message::MessageBuilder, RouteError> {
        let mut b = Message::builder().from(self.sender()?).subject(subject).message_id(None);
        for m in to {
            b = b.to(m.clone());
        }
        Ok(b)
    }

    /// Sends a message; the server's answer on success.
    pub async fn send(&self, message: Message) -> Result<String, RouteError> {
        crate::install_crypto_provider();
        let transport = self.transport()?;
        let response = transport
            .send(message)
            .await
            .map_err(|e| RouteError::Smtp { server: self.server(), reason: error_chain(&e) })?;
        Ok(response.message().collect::<Vec<_>>().join(" "))
    }
}

/// An error with its sources, for people.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// The message carrying a received fax: body from the templates, the fax attached as
/// `fax-<job>.pdf` and/or `fax-<job>.tif` (`tiff` is faxd's file, `pages` its pages).
pub fn received_fax_message(
    profile: &SmtpProfile,
    to: &[Mailbox],
    templates: &Templates,
    fax: &ReceivedFax,
    pages: &[CodedPage],
    tiff: &[u8],
    attach: Attach,
) -> Result<Message, RouteError> {
    let (subject, body) = templates.received(fax)?;
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body));
    if attach.pdf() {
        let title = format!("Fax from {}", fax.sender());
        let pdf = crate::pdf::fax_pdf(pages, &title)?;
        let kind = ContentType::parse("application/pdf").expect("a MIME type");
        parts = parts.singlepart(Attachment::new(format!("fax-{}.pdf", fax.job_id)).body(pdf, kind));
    }
    if attach.tiff() {
        let kind = ContentType::parse("image/tiff").expect("a MIME type");
        parts = parts.singlepart(Attachment::new(format!("fax-{}.tif", fax.job_id)).body(tiff.to_vec(), kind));
    }
    profile
        .message(to, &subject)?
        .multipart(parts)
        .map_err(|e| RouteError::Config(format!("the message could not be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> SmtpProfile {
        toml_like("mail.example.com", "Fax <fax@example.com>")
    }

    fn toml_like(host: &str, from: &str) -> SmtpProfile {
        serde_json::from_value(serde_json::json!({"host": host, "from": from, "tls": "none", "port": 25})).unwrap()
    }

    #[test]
    fn recipients_attachments_and_profiles_are_checked() {
        assert_eq!(parse_recipients(" a@example.com, B <b@example.com>").unwrap().len(), 2);
        assert!(parse_recipients("a@example.com, nobody").unwrap_err().to_string().contains("`nobody`"));
        assert!(parse_recipients(" , ").is_err());
        assert_eq!(Attach::parse("BOTH").unwrap(), Attach::Both);
        assert!(Attach::parse("png").unwrap_err().to_string().contains("pdf, tiff or both"));
        profile().check().unwrap();
        assert!(toml_like("h", "not an address").check().unwrap_err().to_string().contains("from"));
        let half = SmtpProfile { username: Some("u".into()), ..profile() };
        assert!(half.check().is_err());
        let p: SmtpProfile = serde_json::from_value(serde_json::json!({"host": "h", "from": "a@b.c"})).unwrap();
        assert_eq!((p.port, p.tls), (587, Tls::Starttls));
        assert!(
            serde_json::from_value::<SmtpProfile>(serde_json::json!({"host": "h", "from": "a@b.c", "tls": "ssl"}))
                .is_err()
        );
    }

    #[test]
    fn a_received_fax_message_has_the_metadata_and_the_attachments_asked_for() {
        let mut b = ferrofax_image::Bitmap::new(1728, 20);
        b.fill_run(3, 10, 300);
        let page = CodedPage::encode_mmr(&b, ferrofax_image::Resolution::Fine);
        let fax = ReceivedFax::sample();
        let to = parse_recipients("a@example.com").unwrap();
        let m = received_fax_message(&profile(), &to, &Templates::default(), &fax, &[page], b"II*\0", Attach::Both)
            .unwrap();
        let text = String::from_utf8_lossy(&m.formatted()).to_string();
        assert!(text.contains("Subject: Fax from +1 555 0100 (2 pages)"), "{text}");
        assert!(text.contains("filename=\"fax-1.pdf\"") && text.contains("filename=\"fax-1.tif\""), "{text}");
        let m =
            received_fax_message(&profile(), &to, &Templates::default(), &fax, &[], b"II*\0", Attach::Tiff).unwrap();
        let text = String::from_utf8_lossy(&m.formatted()).to_string();
        assert!(!text.contains("fax-1.pdf") && text.contains("fax-1.tif"));
    }
}
