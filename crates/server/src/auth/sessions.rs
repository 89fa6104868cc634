//! Sign-in sessions for browsers. Signing in (with a user name and password, or with an API
//! token) makes a session: a random 32-byte id that travels only in the `ffx_session` cookie
//! (`HttpOnly; SameSite=Strict`), and a random CSRF token that the page reads from the sign-in
//! answer and repeats in `X-CSRF-Token` with every change. The store keeps the SHA-256 of the id
//! with the user, the CSRF token and the expiry (`http.session_hours` after signing in), so
//! sessions survive a restart and a leaked database holds no usable session. A session ends
//! when it expires, when its user signs out, changes password (other sessions) or is deleted.

use ferrofax_api::{Credentials, SessionView};
use sha2::{Digest, Sha256};

use super::Accounts;
use super::{AuthError, Caller, hash_token, passwords};
use crate::clock::{Millis, timestamp};
use crate::store::{SessionRow, UserRow};

/// A session that is valid now, with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session id, hex: the store's key.
    pub hash: String,
    pub user_id: i64,
    pub user: String,
    pub admin: bool,
    pub csrf_token: String,
    pub expires_at: Millis,
}

impl Session {
    fn new(row: SessionRow, user: UserRow) -> Self {
        Session {
            hash: row.hash,
            user_id: user.id,
            admin: user.role == "admin",
            user: user.name,
            csrf_token: row.csrf_token,
            expires_at: row.expires_at,
        }
    }

    pub fn caller(&self) -> Caller {
        Caller { user: self.user.clone(), admin: self.admin }
    }

    /// What `GET /v1/session` answers.
    pub fn view(&self) -> SessionView {
        SessionView {
            user: self.user.clone(),
            role: self.caller().role().into(),
            csrf_token: self.csrf_token.clone(),
            expires_at: timestamp(self.expires_at),
        }
    }
}

/// A session just begun.
#[derive(Debug)]
pub struct NewSession {
    /// The session id, for the cookie; not kept anywhere on the server.
    pub id: String,
    pub session: Session,
}

/// 32 random bytes, hex.
fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The stored form of a session id; None for what cannot be one (not 64 hex digits).
pub fn hash_session_id(id: &str) -> Option<String> {
    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex::encode(Sha256::digest(id.to_ascii_lowercase().as_bytes())))
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Set-Cookie` value that carries a session for `max_age_secs`.
pub fn session_cookie(id: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        ferrofax_api::SESSION_COOKIE,
        max_age_secs.max(0)
    )
}

/// The `Set-Cookie` value that makes the browser forget the session cookie.
pub fn clearing_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

impl Accounts {
    /// How long a session lasts, milliseconds.
    pub fn session_lifetime(&self) -> Millis {
        self.session_ms
    }

    /// Checks credentials and begins a session. A wrong user name or password answers the
    /// same, in about the same time, whether the user exists or not; too many failures for one
    /// name are refused for a while (see [`super::throttle`]).
    pub async fn sign_in(&self, credentials: Credentials<'_>) -> Result<NewSession, AuthError> {
        let (user, token_hash) = match credentials {
            Credentials::Password { user, password } => {
                let row = self.check_password(user, password).await?;
                (row.ok_or(AuthError::WrongPassword)?, None)
            }
            Credentials::Token(token) => {
                let hash = hash_token(token);
                (self.store.user_by_token(&hash).await?.ok_or(AuthError::BadToken)?, Some(hash))
            }
        };
        let now = self.clock.now();
        let id = random_hex();
        let row = SessionRow {
            hash: hash_session_id(&id).expect("a session id is 64 hex digits"),
            user_id: user.id,
            csrf_token: random_hex(),
            created_at: now,
            expires_at: now + self.session_lifetime(),
            token_hash,
        };
        self.store.create_session(&row).await?;
        let how = if matches!(credentials, Credentials::Token(_)) { "token" } else { "password" };
        tracing::info!(user = %user.name, with = how, "signed in");
        Ok(NewSession { id, session: Session::new(row, user) })
    }

    /// Checks `password` for the user `name`, counting failures against the name: the user if
    /// it matches, None if not (or if there is no such user), `Throttled` after too many
    /// failures.
    pub(super) async fn check_password(&self, name: &str, password: &str) -> Result<Option<UserRow>, AuthError> {
        // A name no user can have is not counted (nor kept: it may be megabytes long), but it
        // costs the same hash as any other.
        if ferrofax_api::validate::user_name(name).is_err() {
            passwords::verify(password, None).await?;
            tracing::warn!(user = ?name, "wrong user name or password (not a user name)");
            return Ok(None);
        }
        let now = self.clock.now();
        if let Err(until) = self.throttle.attempt(name, now) {
            tracing::warn!(user = %name, "sign-in refused: too many failed attempts");
            return Err(AuthError::Throttled { retry_after_secs: (until - now + 999) / 1000 });
        }
        // Far longer than any password allowed: refused without hashing megabytes.
        if password.len() > 4 * ferrofax_api::validate::MAX_PASSWORD_CHARS {
            tracing::warn!(user = %name, "wrong password (over-long)");
            return Ok(None);
        }
        let (user, hash) = match self.store.user_credentials(name).await? {
            Some((user, hash)) => (Some(user), hash),
            None => (None, None),
        };
        if !passwords::verify(password, hash).await? {
            tracing::warn!(user = %name, known = user.is_some(), "wrong user name or password");
            return Ok(None);
        }
        self.throttle.succeeded(name);
        Ok(user)
    }

    /// The session with this id, if it is valid now (not expired, its user still there).
    pub async fn session(&self, id: &str) -> Result<Option<Session>, AuthError> {
        let Some(hash) = hash_session_id(id) else { return Ok(None) };
        let Some((row, user)) = self.store.session(&hash).await? else { return Ok(None) };
        if row.expires_at <= self.clock.now() {
            return Ok(None);
        }
        Ok(Some(Session::new(row, user)))
    }

    /// Ends a session.
    pub async fn sign_out(&self, session: &Session) -> Result<(), AuthError> {
        self.store.delete_session(&session.hash).await?;
        tracing::info!(user = %session.user, "signed out");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_carry_the_exact_flags() {
        let id = "ab".repeat(32);
        assert_eq!(
            session_cookie(&id, 43_200, false),
            format!("ffx_session={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200")
        );
        assert_eq!(clearing_cookie(true), "ffx_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure");
    }

    #[test]
    fn session_ids_are_64_hex_digits() {
        assert!(hash_session_id(&random_hex()).is_some());
        assert_eq!(hash_session_id(&"AB".repeat(32)), hash_session_id(&"ab".repeat(32)));
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(65)] {
            assert_eq!(hash_session_id(bad), None, "{bad}");
        }
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
