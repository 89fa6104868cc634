//! Registration with a registrar (a SIP trunk): REGISTER with digest authentication (401/407
//! answered by rsipstack's `Registration` with our credentials, qop=auth, MD5 or SHA-256 as
//! challenged), refreshed at 85 % of the expiry the registrar granted, retried with doubling
//! back-off after a failure, and unregistered (Expires: 0) when the agent stops. The state is
//! published on a watch channel: registered until when, or the last error and when the next
//! try is.

use std::time::{Duration, SystemTime};

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::Registration;
use rsipstack::sip::{Param, Transport, Uri};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// An account at a registrar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Where REGISTERs go (`host:port`).
    pub registrar: String,
    /// The SIP domain of the address of record; None: the registrar's host.
    pub domain: Option<String>,
    pub user: String,
    /// The digest user name, when it differs from `user`.
    pub auth_user: Option<String>,
    pub password: String,
    /// The expiry asked for, seconds.
    pub expires: u32,
}

impl Account {
    /// The digest credentials, also used for challenges to our INVITEs.
    pub fn credential(&self) -> Credential {
        Credential {
            username: self.user.clone(),
            password: self.password.clone(),
            realm: None,
            auth_username: self.auth_user.clone().filter(|a| !a.is_empty()),
        }
    }

    /// The domain of the address of record.
    pub fn domain(&self) -> &str {
        self.domain.as_deref().unwrap_or(&self.registrar)
    }
}

/// Where a registration stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not tried yet.
    Starting,
    /// Registered until `until` (granted `expires` seconds).
    Registered { until: SystemTime, expires: u32 },
    /// The last try failed; tries so far and the wait before the next one.
    Failed { error: String, code: Option<u16>, tries: u32, retry_in: Duration },
    /// Unregistered on shutdown.
    Stopped,
}

impl RegistrationState {
    pub fn is_registered(&self) -> bool {
        matches!(self, RegistrationState::Registered { until, .. } if *until > SystemTime::now())
    }
}

/// When to refresh a registration granted for `expires` seconds: at 85 %, and at least a
/// second before it lapses.
pub fn refresh_after(expires: u32) -> Duration {
    let e = Duration::from_secs(expires.max(1) as u64);
    (e.mul_f64(0.85)).min(e.saturating_sub(Duration::from_secs(1))).max(Duration::from_millis(500))
}

/// The wait before try `tries + 1` after `tries` failures: `min` doubling up to `max`.
pub fn retry_after(tries: u32, min: Duration, max: Duration) -> Duration {
    let factor = 1u32 << tries.saturating_sub(1).min(16);
    min.saturating_mul(factor).min(max)
}

/// How registration failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub min: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    /// 30 s doubling up to 10 minutes.
    fn default() -> Self {
        RetryPolicy { min: Duration::from_secs(30), max: Duration::from_secs(600) }
    }
}

/// Registers `account` and keeps it registered until `stop` fires, publishing the state.
pub(crate) async fn keep_registered(
    endpoint: EndpointInnerRef,
    account: Account,
    tcp: bool,
    contact: Uri,
    retry: RetryPolicy,
    state: watch::Sender<RegistrationState>,
    stop: CancellationToken,
) {
    let server = match server_uri(&account, tcp) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(registrar = %account.registrar, "registration impossible: {e}");
            let _ = state.send(RegistrationState::Failed { error: e, code: None, tries: 1, retry_in: Duration::MAX });
            return;
        }
    };
    let mut reg = Registration::new(endpoint, Some(account.credential()));
    reg.contact = Some(rsipstack::sip::typed::Contact { display_name: None, uri: contact, params: vec![] });
    if account.domain.is_some() {
        reg.outbound_proxy = tokio::net::lookup_host(&account.registrar).await.ok().and_then(|mut a| a.next());
    }
    let mut tries = 0u32;
    loop {
        let outcome = tokio::select! {
            r = register_once(&mut reg, &server, account.expires) => r,
            _ = stop.cancelled() => break,
        };
        let wait = match outcome {
            Ok(expires) => {
                tries = 0;
                let until = SystemTime::now() + Duration::from_secs(expires as u64);
                tracing::info!(registrar = %account.registrar, user = %account.user, expires, "registered");
                let _ = state.send(RegistrationState::Registered { until, expires });
                refresh_after(expires)
            }
            Err((error, code)) => {
                tries += 1;
                let retry_in = retry_after(tries, retry.min, retry.max);
                tracing::warn!(registrar = %account.registrar, user = %account.user, tries, ?retry_in, "registration failed: {error}");
                let _ = state.send(RegistrationState::Failed { error, code, tries, retry_in });
                retry_in
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled() => break,
        }
    }
    if state.borrow().is_registered() {
        // Unregister, briefly: the agent is going away.
        let _ = tokio::time::timeout(Duration::from_secs(2), reg.register(server, Some(0))).await;
        tracing::info!(registrar = %account.registrar, user = %account.user, "unregistered");
    }
    let _ = state.send(RegistrationState::Stopped);
}

fn server_uri(account: &Account, tcp: bool) -> Result<Uri, String> {
    let mut uri: Uri = format!("sip:{}", account.domain())
        .as_str()
        .try_into()
        .map_err(|e: rsipstack::sip::Error| format!("`{}` is not a SIP domain: {e}", account.domain()))?;
    if tcp {
        uri.params.push(Param::Transport(Transport::Tcp));
    }
    Ok(uri)
}

/// One REGISTER (with its authentication round); the expiry granted, or what went wrong.
async fn register_once(reg: &mut Registration, server: &Uri, expires: u32) -> Result<u32, (String, Option<u16>)> {
    // A REGISTER transaction ends by itself (Timer F, 32 s); this bounds a stuck one.
    let r = tokio::time::timeout(Duration::from_secs(40), reg.register(server.clone(), Some(expires))).await;
    let resp = match r {
        Err(_) => return Err(("no answer from the registrar".into(), None)),
        Ok(Err(e)) => return Err((format!("REGISTER: {e}"), None)),
        Ok(Ok(resp)) => resp,
    };
    let code = resp.status_code.code();
    match code {
        200..=299 => Ok(reg.expires()),
        401 | 407 => Err((
            format!(
                "the registrar refused our credentials ({code} {}): check user and password",
                crate::error::reason_phrase(&resp)
            ),
            Some(code),
        )),
        408 => Err(("no answer from the registrar (408)".into(), Some(code))),
        _ => Err((format!("the registrar answered {code} {}", crate::error::reason_phrase(&resp)), Some(code))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_and_retries() {
        assert_eq!(refresh_after(3600), Duration::from_secs(3060));
        assert_eq!(refresh_after(60), Duration::from_secs(51));
        assert_eq!(refresh_after(4), Duration::from_secs(3));
        assert_eq!(refresh_after(1), Duration::from_millis(500));
        let (min, max) = (Duration::from_secs(30), Duration::from_secs(600));
        let waits: Vec<u64> = (1..=7).map(|t| retry_after(t, min, max).as_secs()).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(retry_after(1000, min, max), max);
    }
}
