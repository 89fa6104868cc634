//! Accounts: browser sign-in sessions (`/v1/session`), users (`/v1/users`) and their API
//! tokens (`/v1/users/{name}/tokens`). Requests refuse unknown fields. Types that carry a
//! password or a token show it as `***` when debug-printed, so that it never reaches a log.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The name of the cookie that carries a sign-in session.
pub const SESSION_COOKIE: &str = "ffx_session";

/// The request header that must repeat a session's `csrf_token` on every change (any method
/// but GET, HEAD and OPTIONS) made with the session cookie.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// `POST /v1/session`: sign in with a user name and password, or with an API token; exactly
/// one of the two ways.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The user name (with `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The password (with `user`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// An API token `ffx_…` (alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The way a [`SignIn`] proves who it is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Credentials<'a> {
    Password { user: &'a str, password: &'a str },
    Token(&'a str),
}

impl SignIn {
    /// The one way of signing in the request gives, or why it gives none or two.
    pub fn credentials(&self) -> Result<Credentials<'_>, String> {
        match (&self.user, &self.password, &self.token) {
            (Some(user), Some(password), None) => Ok(Credentials::Password { user, password }),
            (None, None, Some(token)) => Ok(Credentials::Token(token)),
            (None, None, None) => Err("send either `user` and `password`, or `token`".into()),
            (_, _, Some(_)) => Err("send either `user` and `password`, or `token`, not both".into()),
            (Some(_), None, None) => Err("`user` needs `password`".into()),
            (None, Some(_), None) => Err("`password` needs `user`".into()),
        }
    }
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password { user, .. } => f.debug_struct("Password").field("user", user).finish(),
            Credentials::Token(_) => f.write_str("Token(***)"),
        }
    }
}

/// A sign-in session (`POST` and `GET /v1/session`). The session id itself travels only in
/// the `ffx_session` cookie, which scripts cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// The user signed in.
    pub user: String,
    /// `admin` or `user`.
    pub role: String,
    /// To send as the `X-CSRF-Token` header with every change made with this session.
    pub csrf_token: String,
    /// When the session ends (the cookie's `Max-Age` counts to the same moment).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
}

/// A user as `GET /v1/users` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub name: String,
    /// `admin` or `user`.
    pub role: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Whether the user can sign in with a password (else only with a token).
    pub has_password: bool,
    /// How many API tokens the user has.
    pub tokens: u32,
}

/// `POST /v1/users`: a new user, with a password or without one (then only tokens work).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1–64 letters, digits, `.`, `_`, `-` or `@`.
    pub name: String,
    /// `admin` or `user`.
    pub role: String,
    /// 8–256 characters, not the user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The answer to `POST /v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCreated {
    pub name: String,
    pub role: String,
}

/// `PUT /v1/users/{name}/password`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The new password: 8–256 characters, not the user name.
    pub password: String,
    /// The password now; required when users other than admins change their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordChange")
            .field("password", &"***")
            .field("current_password", &self.current_password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenView {
    pub id: i64,
    pub label: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `POST /v1/users/{name}/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (1–64 characters), to tell it apart when revoking.
    pub label: String,
}

/// A new API token: shown this once, the server keeps only its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenCreated {
    pub id: i64,
    pub label: String,
    /// `ffx_` and 64 hex digits; send as `Authorization: Bearer <token>`.
    pub token: String,
}

impl fmt::Debug for TokenCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCreated").field("id", &self.id).field("label", &self.label).field("token", &"***").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in(json: &str) -> Result<SignIn, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn sign_in_takes_exactly_one_way() {
        let s = sign_in(r#"{"user":"alice","password":"secret123"}"#).unwrap();
        assert_eq!(s.credentials().unwrap(), Credentials::Password { user: "alice", password: "secret123" });
        let s = sign_in(r#"{"token":"ffx_00"}"#).unwrap();
        assert_eq!(s.credentials().unwrap(), Credentials::Token("ffx_00"));
        for bad in [r#"{}"#, r#"{"user":"a"}"#, r#"{"password":"p"}"#, r#"{"user":"a","password":"p","token":"t"}"#] {
            assert!(sign_in(bad).unwrap().credentials().is_err(), "{bad}");
        }
        assert!(sign_in(r#"{"user":"a","password":"p","remember":true}"#).is_err());
    }

    #[test]
    fn secrets_are_not_debug_printed() {
        let s = sign_in(r#"{"user":"alice","password":"hunter2hunter2"}"#).unwrap();
        let printed = format!("{s:?} {:?}", s.credentials().unwrap());
        assert!(!printed.contains("hunter2") && printed.contains("alice"), "{printed}");
        let c = PasswordChange { password: "newsecret".into(), current_password: Some("oldsecret".into()) };
        assert!(!format!("{c:?}").contains("secret"));
        let t = TokenCreated { id: 1, label: "x".into(), token: "ffx_abc".into() };
        assert!(!format!("{t:?}").contains("ffx_abc"));
    }
}
