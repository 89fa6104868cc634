//! A fax server's address, checked before anything is sent to it: `http://` or `https://`, a
//! host, an optional port and path. Also tells whether two addresses name the same server, so
//! that a credential meant for one is not sent to another.

use std::net::IpAddr;

use crate::{Error, Result};

/// The checked address of a fax server (`http://127.0.0.1:4580`, `https://fax.example.com/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl(reqwest::Url);

impl ServerUrl {
    /// Checks an address as a person types it; the error says how to write it instead.
    ///
    /// ```
    /// use ferrofax_client::ServerUrl;
    /// assert_eq!(ServerUrl::parse("http://127.0.0.1:4580/").unwrap().as_str(), "http://127.0.0.1:4580");
    /// let e = ServerUrl::parse("localhost:8025").unwrap_err().to_string();
    /// assert!(e.contains("http://localhost:8025"), "{e}");
    /// ```
    pub fn parse(text: &str) -> Result<ServerUrl> {
        let text = text.trim();
        let bad = |reason: String| Error::BadUrl { url: text.to_string(), reason };
        if !text.contains("://") {
            return Err(bad(format!("it has no scheme; add `http://` (http://{text}) or `https://`")));
        }
        let url = reqwest::Url::parse(text).map_err(|e| bad(format!("it is not a valid URL ({e})")))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(bad(format!("a fax server is reached over http:// or https://, not {}://", url.scheme())));
        }
        if url.host().is_none() {
            return Err(bad("it names no host".into()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("a server address has no `?` query or `#` fragment".into()));
        }
        Ok(ServerUrl(url))
    }

    /// The address without a trailing slash, ready to have `/v1/…` appended.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// Whether both addresses reach the same server: the same scheme, port and path, and the
    /// same host, where every name of this machine (`localhost`, `127.0.0.1`, `::1`, and the
    /// `0.0.0.0` a server listening everywhere records) counts as one.
    ///
    /// ```
    /// use ferrofax_client::ServerUrl;
    /// let local = ServerUrl::parse("http://127.0.0.1:4580").unwrap();
    /// assert!(local.same_server(&ServerUrl::parse("http://localhost:4580/").unwrap()));
    /// assert!(!local.same_server(&ServerUrl::parse("http://fax.example.com:4580").unwrap()));
    /// assert!(!local.same_server(&ServerUrl::parse("http://127.0.0.1:4581").unwrap()));
    /// ```
    pub fn same_server(&self, other: &ServerUrl) -> bool {
        let (a, b) = (&self.0, &other.0);
        let host = |u: &reqwest::Url| {
            let h = u.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
            let local = h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(this_machine);
            if local { "this machine".to_string() } else { h.to_ascii_lowercase() }
        };
        a.scheme() == b.scheme()
            && a.port_or_known_default() == b.port_or_known_default()
            && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
            && host(a) == host(b)
    }
}

fn this_machine(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
