//! Webhooks: a received fax announced to a web service by an HTTP POST of its metadata as
//! JSON, with a link to download its TIFF.
//!
//! Each request is signed so that the receiver can tell it came from this server and was not
//! changed: `X-Ferrofax-Timestamp: <unix seconds>` and
//! `X-Ferrofax-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>`.
//! A receiver should check the signature (in constant time) and refuse old timestamps.
//!
//! A 2xx answer delivers. 408, 429, 5xx, timeouts and connection errors are tried again after
//! a delay that doubles from `first_delay_ms` up to `max_delay_ms`, each with random jitter (the
//! delay is drawn between half and all of it; a longer `Retry-After` is honoured up to the
//! maximum), `attempts` times in all. Any other answer fails at once, with its status and the
//! start of its body.

use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use crate::{ReceivedFax, RouteError};

/// Where notices go.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: reqwest::Url,
    pub secret: String,
}

/// The shortest secret taken: HMAC keys shorter than this are guessable.
pub const MIN_SECRET_LEN: usize = 16;

impl Target {
    /// Checks the URL (http or https, with a host) and the secret.
    pub fn new(url: &str, secret: &str) -> Result<Target, RouteError> {
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| RouteError::Config(format!("webhook URL `{url}` is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
            return Err(RouteError::Config(format!("webhook URL `{url}` must be http:// or https:// with a host")));
        }
        if secret.chars().count() < MIN_SECRET_LEN || secret.trim() != secret {
            return Err(RouteError::Config(format!(
                "the webhook secret must be at least {MIN_SECRET_LEN} characters, without spaces at either end"
            )));
        }
        Ok(Target { url: parsed, secret: secret.into() })
    }
}

/// How hard to try.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Requests in all (at least 1).
    pub attempts: u32,
    /// Delay before the second request, milliseconds; doubled for each one after.
    pub first_delay_ms: u64,
    /// Longest delay between two requests, milliseconds.
    pub max_delay_ms: u64,
    /// Longest one request may take, seconds.
    pub timeout_seconds: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 5, first_delay_ms: 2_000, max_delay_ms: 60_000, timeout_seconds: 30 }
    }
}

impl RetryPolicy {
    /// The delay before request `n + 1` (n ≥ 1), before jitter.
    pub fn delay(&self, n: u32) -> Duration {
        let ms = self.first_delay_ms.saturating_mul(1u64 << (n - 1).min(30)).min(self.max_delay_ms);
        Duration::from_millis(ms)
    }
}

/// `sha256=<hex>`: the signature of a body sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!("sha256={}", crate::hmac::sign_hex(secret.as_bytes(), &message))
}

/// The JSON body announcing a received fax.
pub fn payload(fax: &ReceivedFax, download_url: &str, link_expires: Timestamp) -> Vec<u8> {
    let local = fax.received_at.to_zoned_datetime(fax.time_zone.clone());
    serde_json::to_vec(&serde_json::json!({
        "event": "fax.received",
        "job_id": fax.job_id,
        "tsid": fax.tsid,
        "caller_id": fax.caller_id,
        "called_number": fax.called_number,
        "csid": fax.csid,
        "port": fax.port,
        "port_name": fax.port_name,
        "pages": fax.pages,
        "received_at": fax.received_at.to_string(),
        "received_at_local": local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        "time_zone": fax.time_zone.iana_name().unwrap_or("UTC"),
        "download_url": download_url,
        "download_expires_at": link_expires.to_string(),
    }))
    .expect("JSON of plain values")
}

/// A notice that was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub status: u16,
    /// Requests it took.
    pub attempts: u32,
}

enum Failure {
    /// Worth trying again (after at least the delay given, if any).
    Transient(String, Option<Duration>),
    Permanent(String),
}

/// POSTs `body` to the target, signed, trying again as the policy says.
pub async fn deliver(
    client: &reqwest::Client,
    target: &Target,
    body: &[u8],
    policy: &RetryPolicy,
) -> Result<Delivered, RouteError> {
    let attempts = policy.attempts.max(1);
    let fail = |reason: String| RouteError::Webhook { url: target.url.to_string(), reason };
    let mut n = 1;
    loop {
        match post(client, target, body, policy).await {
            Ok(status) => return Ok(Delivered { status, attempts: n }),
            Err(Failure::Permanent(why)) => return Err(fail(format!("{why} (attempt {n}; not retried)"))),
            Err(Failure::Transient(why, _)) if n >= attempts => {
                return Err(fail(format!("{why} (gave up after {attempts} attempts)")));
            }
            Err(Failure::Transient(why, retry_after)) => {
                let delay = jitter(policy.delay(n)).max(retry_after.unwrap_or_default());
                let delay = delay.min(Duration::from_millis(policy.max_delay_ms.max(policy.first_delay_ms)));
                tracing::info!(url = %target.url, attempt = n, "webhook: {why}; trying again in {delay:?}");
                tokio::time::sleep(delay).await;
                n += 1;
            }
        }
    }
}

/// A delay drawn between half and all of `d`.
fn jitter(d: Duration) -> Duration {
    let ms = d.as_millis() as u64;
    Duration::from_millis(ms / 2 + rand::random_range(0..=ms - ms / 2))
}

async fn post(client: &reqwest::Client, target: &Target, body: &[u8], policy: &RetryPolicy) -> Result<u16, Failure> {
    let timestamp = Timestamp::now().as_second();
    let response = client
        .post(target.url.clone())
        .timeout(Duration::from_secs(policy.timeout_seconds.max(1)))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Ferrofax-Timestamp", timestamp.to_string())
        .header("X-Ferrofax-Signature", signature(&target.secret, timestamp, body))
        .body(body.to_vec())
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => return Err(Failure::Transient(describe(&e), None)),
    };
    let status = response.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = response.text().await.unwrap_or_default();
    let excerpt: String = text.trim().chars().take(200).collect();
    let why = if excerpt.is_empty() { format!("answered {status}") } else { format!("answered {status}: {excerpt}") };
    if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
        Err(Failure::Transient(why, retry_after))
    } else {
        Err(Failure::Permanent(why))
    }
}

/// A request error in words, with its cause (connection refused, timed out …).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked_and_delays_double_up_to_the_maximum() {
        assert!(Target::new("https://hooks.example.com/fax", "0123456789abcdef").is_ok());
        let e = Target::new("ftp://example.com/", "0123456789abcdef").unwrap_err().to_string();
        assert!(e.contains("http:// or https://"), "{e}");
        assert!(Target::new("not a url", "0123456789abcdef").unwrap_err().to_string().contains("not a URL"));
        assert!(Target::new("https://example.com/", "short").unwrap_err().to_string().contains("at least 16"));
        let p = RetryPolicy { attempts: 6, first_delay_ms: 100, max_delay_ms: 500, timeout_seconds: 1 };
        let d: Vec<u64> = (1..6).map(|n| p.delay(n).as_millis() as u64).collect();
        assert_eq!(d, vec![100, 200, 400, 500, 500]);
        for _ in 0..100 {
            let j = jitter(Duration::from_millis(400)).as_millis();
            assert!((200..=400).contains(&j), "{j}");
        }
    }

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let s = signature("0123456789abcdef", 1_700_000_000, b"{\"a\":1}");
        let expected = crate::hmac::sign_hex(b"0123456789abcdef", b"1700000000.{\"a\":1}");
        assert_eq!(s, format!("sha256={expected}"));
        assert_ne!(s, signature("0123456789abcdef", 1_700_000_001, b"{\"a\":1}"));
    }
}
