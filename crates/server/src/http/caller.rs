//! Who is calling: the [`Caller`] extractor. A request proves its user with
//! `Authorization: Bearer <token>` or with the `ffx_session` cookie of a sign-in session (so
//! that a browser's `EventSource`, which cannot send headers, can follow `/v1/events`).
//!
//! A browser sends cookies along with requests that other sites' pages make, so a change made
//! with the cookie (any method but GET, HEAD and OPTIONS) must also carry the session's CSRF
//! token in `X-CSRF-Token`, which only this server's pages can read, and when the browser names
//! the page's origin (`Origin`), that must be this server's own host and port. A bearer token is
//! never sent by a browser on its own, so bearer requests need neither.
//!
//! Nothing is cached: each request looks its credential up, and a long-lived one (an event
//! stream) looks it up again before it sends more ([`Recheck`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, Method, header};
use ferrofax_api::{CSRF_HEADER, Problem, ProblemType, SESSION_COOKIE};

use super::{AppState, Http};
use crate::auth::sessions::same_secret;
use crate::auth::{AuthError, Caller, Session, hash_token};
use crate::service::Core;

fn unauthorized(detail: &str) -> Http {
    Http(Problem::new(ProblemType::Unauthorized, detail))
}

fn forbidden(detail: String) -> Http {
    Http(Problem::new(ProblemType::Forbidden, detail))
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(value: &HeaderValue) -> Option<&str> {
    value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Http;

    async fn from_request_parts(parts: &mut Parts, core: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token =
                bearer(value).ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?;
            let user = core
                .store
                .user_by_token(&hash_token(token))
                .await
                .map_err(Http::from)?
                .ok_or_else(|| unauthorized("the token is not valid"))?;
            return Ok(Caller { user: user.name, admin: user.role == "admin" });
        }
        match valid_session(parts, core).await? {
            Some(session) => {
                guard_change(parts, &session)?;
                Ok(session.caller())
            }
            None if session_id(&parts.headers).is_some() => Err(unauthorized(
                "your sign-in session has ended (it expired, or you signed out, or your password changed); sign in again",
            )),
            None => Err(unauthorized(
                "no token: send `Authorization: Bearer <token>`, or sign in (POST /v1/session) and send its cookie",
            )),
        }
    }
}

/// How often, at most, a long-lived request checks that its credential still works.
const RECHECK: Duration = Duration::from_secs(1);

/// The credential of a long-lived request (an event stream), checked again before it is sent
/// more, so that a revoked token, an ended session or a deleted user stops it too.
pub(super) struct Recheck {
    credential: Credential,
    at: Instant,
}

enum Credential {
    /// The hash of a bearer token.
    Token(String),
    /// A session id.
    Session(String),
}

impl Recheck {
    /// The credential the request was let in with (as the [`Caller`] extractor took it).
    pub(super) fn new(headers: &HeaderMap) -> Self {
        let credential = match headers.get(header::AUTHORIZATION) {
            Some(value) => Credential::Token(hash_token(bearer(value).unwrap_or(""))),
            None => Credential::Session(session_id(headers).unwrap_or("").to_string()),
        };
        Recheck { credential, at: Instant::now() }
    }

    /// Whether the credential still works; looked up at most once every second.
    pub(super) async fn still_valid(&mut self, core: &Core) -> bool {
        if self.at.elapsed() < RECHECK {
            return true;
        }
        self.at = Instant::now();
        let valid = match &self.credential {
            Credential::Token(hash) => {
                core.store.user_by_token(hash).await.map(|u| u.is_some()).map_err(AuthError::from)
            }
            Credential::Session(id) => core.accounts.session(id).await.map(|s| s.is_some()),
        };
        match valid {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "could not check a long-lived request's credential; ending it");
                false
            }
        }
    }
}

/// The value of the `ffx_session` cookie, if the request has a non-empty one.
pub(super) fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"'))
}

/// The request's sign-in session if its cookie names one that is valid now; None without a
/// cookie or with one of a session that ended.
pub(super) async fn valid_session(parts: &Parts, core: &Core) -> Result<Option<Session>, Http> {
    let Some(id) = session_id(&parts.headers) else { return Ok(None) };
    core.accounts.session(id).await.map_err(|e| Http(e.into()))
}

/// For a change (not GET, HEAD or OPTIONS) made with a session cookie: the same origin and the
/// session's CSRF token, else 403.
pub(super) fn guard_change(parts: &Parts, session: &Session) -> Result<(), Http> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    same_origin(parts)?;
    let given = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !same_secret(given.trim(), &session.csrf_token) {
        return Err(forbidden(format!(
            "this change needs the {CSRF_HEADER} header of your sign-in session (its csrf_token)"
        )));
    }
    Ok(())
}

/// 403 when the request names an `Origin` whose host and port are not those it was sent to
/// (`Host`): a page of another site made it.
pub(super) fn same_origin(parts: &Parts) -> Result<(), Http> {
    let Some(origin) = parts.headers.get(header::ORIGIN) else { return Ok(()) };
    let origin = String::from_utf8_lossy(origin.as_bytes());
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    let same = origin_host_port(&origin)
        .zip(host_port(host, origin_default_port(&origin).unwrap_or(80)))
        .is_some_and(|(o, h)| o == h);
    if same {
        Ok(())
    } else {
        tracing::warn!(%origin, %host, "refused a change from another origin");
        Err(forbidden(format!("this change comes from another site: its Origin {origin} is not {host}")))
    }
}

fn origin_default_port(origin: &str) -> Option<u16> {
    let (scheme, _) = origin.split_once("://")?;
    match scheme.to_ascii_lowercase().as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// The host (lower case) and port of an `Origin` (`scheme://host[:port]`); None for `null` and
/// anything else that is not an http(s) origin.
fn origin_host_port(origin: &str) -> Option<(String, u16)> {
    let default = origin_default_port(origin)?;
    let (_, authority) = origin.split_once("://")?;
    if authority.contains(['/', '@', '?', '#']) {
        return None;
    }
    host_port(authority, default)
}

/// `host[:port]` (IPv6 in brackets) as the host in lower case and the port, `default` if none.
fn host_port(authority: &str, default: u16) -> Option<(String, u16)> {
    let authority = authority.trim();
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        (format!("[{ip}]"), after)
    } else {
        match authority.find(':') {
            Some(i) => (authority[..i].to_string(), &authority[i..]),
            None => (authority.to_string(), ""),
        }
    };
    let port = match port.strip_prefix(':') {
        Some(p) => p.parse().ok()?,
        None if port.is_empty() => default,
        None => return None,
    };
    (!host.is_empty()).then(|| (host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_by_host_and_port() {
        assert_eq!(origin_host_port("http://Fax.Example:8080"), Some(("fax.example".into(), 8080)));
        assert_eq!(origin_host_port("https://fax.example"), Some(("fax.example".into(), 443)));
        assert_eq!(origin_host_port("http://[::1]:4580"), Some(("[::1]".into(), 4580)));
        assert_eq!(origin_host_port("null"), None);
        assert_eq!(origin_host_port("file://x"), None);
        assert_eq!(origin_host_port("http://a.example/path"), None);
        assert_eq!(host_port("127.0.0.1:4580", 80), Some(("127.0.0.1".into(), 4580)));
        assert_eq!(host_port("fax.example", 443), Some(("fax.example".into(), 443)));
        assert_eq!(host_port("[::1]", 80), Some(("[::1]".into(), 80)));
        assert_eq!(host_port("x:notaport", 80), None);
        assert_eq!(host_port("", 80), None);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "theme=dark; ffx_session=abc".parse().unwrap());
        assert_eq!(session_id(&h), Some("abc"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "ffx_session=; other=1".parse().unwrap());
        assert_eq!(session_id(&h), None);
        h.append(header::COOKIE, "ffx_session=def".parse().unwrap());
        assert_eq!(session_id(&h), Some("def"));
    }
}
