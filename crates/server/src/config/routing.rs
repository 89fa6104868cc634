//! The `[routing]` part of faxd's configuration: the mail templates, how webhooks are retried,
//! how printing is done, and the public address download links point at.
//!
//! ```toml
//! [routing]
//! public_url = "https://fax.example.com"   # default: http://<listen address>
//! link_hours = 168                         # how long a webhook's download link works
//! [routing.mail]                           # any of the four; {field} placeholders
//! subject = "Fax from {sender} ({pages_text})"
//! [routing.webhook]
//! attempts = 5
//! first_delay_ms = 2000
//! max_delay_ms = 60000
//! timeout_seconds = 30
//! [routing.print]
//! program = "lp"
//! timeout_seconds = 60
//! ```

use std::net::SocketAddr;

use anyhow::{Context, bail};
use ferrofax_route::Templates;
use ferrofax_route::print::PrintOptions;
use ferrofax_route::webhook::RetryPolicy;
use serde::Deserialize;

/// How received faxes are routed and reports are sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// The base URL of this server as the receivers of webhooks reach it. None: from `listen`.
    pub public_url: Option<String>,
    /// How long a download link given to a webhook works, hours.
    pub link_hours: u64,
    /// Subject and body templates of the e-mails.
    pub mail: Templates,
    pub webhook: RetryPolicy,
    pub print: PrintOptions,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        RoutingConfig {
            public_url: None,
            link_hours: 7 * 24,
            mail: Templates::default(),
            webhook: RetryPolicy::default(),
            print: PrintOptions::default(),
        }
    }
}

impl RoutingConfig {
    /// The base URL of download links, without a trailing `/`: `public_url`, or `http://` and
    /// the listen address (an unspecified address becomes the loopback one).
    pub fn base_url(&self, listen: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let mut addr = listen;
                if addr.ip().is_unspecified() {
                    addr.set_ip(if addr.is_ipv4() {
                        [127, 0, 0, 1].into()
                    } else {
                        std::net::Ipv6Addr::LOCALHOST.into()
                    });
                }
                format!("http://{addr}")
            }
        }
    }

    /// Checks the templates, the public URL and the numbers.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.mail.check().context("[routing.mail]")?;
        if let Some(u) = &self.public_url {
            let url = reqwest::Url::parse(u).with_context(|| format!("routing.public_url `{u}` is not a URL"))?;
            if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
                bail!("routing.public_url `{u}` must be an http:// or https:// URL without a query");
            }
        }
        if self.link_hours == 0 {
            bail!("routing.link_hours must be at least 1");
        }
        if self.webhook.attempts == 0 {
            bail!("routing.webhook.attempts must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_base_url_and_validation() {
        let c = RoutingConfig::default();
        c.validate().unwrap();
        assert_eq!(c.base_url("0.0.0.0:4580".parse().unwrap()), "http://127.0.0.1:4580");
        assert_eq!(c.base_url("192.0.2.7:80".parse().unwrap()), "http://192.0.2.7:80");
        let c: RoutingConfig =
            toml::from_str("public_url = \"https://fax.example.com/\"\n[mail]\nsubject = \"Fax {job_id}\"").unwrap();
        c.validate().unwrap();
        assert_eq!(c.base_url("0.0.0.0:1".parse().unwrap()), "https://fax.example.com");
        let bad: RoutingConfig = toml::from_str("[mail]\nbody = \"{colour}\"").unwrap();
        let e = format!("{:#}", bad.validate().unwrap_err());
        assert!(e.contains("{colour}") && e.contains("routing.mail"), "{e}");
        assert!(toml::from_str::<RoutingConfig>("[webhook]\ntries = 3").is_err(), "unknown keys are refused");
        let bad: RoutingConfig = toml::from_str("public_url = \"ftp://x\"").unwrap();
        assert!(bad.validate().is_err());
    }
}
