//! What the store keeps of accounts: users with their roles and password hashes, API tokens and
//! sign-in sessions (both only as SHA-256 hashes). Deleting a user deletes its tokens and
//! sessions with it; its jobs stay (they name their owner, not the user row).

use async_trait::async_trait;

use super::Result;
use crate::clock::Millis;

/// A user and role, as a token or session resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
}

/// A user with what `GET /v1/users` shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub user: UserRow,
    pub created_at: Millis,
    pub has_password: bool,
    pub tokens: u32,
}

/// An API token's row, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub label: String,
    pub created_at: Millis,
}

/// A sign-in session's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 of the session id, hex.
    pub hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    /// The API token it was signed in with (its SHA-256, hex), if any: revoking that token
    /// ends the session.
    pub token_hash: Option<String>,
}

/// What deleting a user did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserDeletion {
    /// Done (deleted, or for a role change: changed).
    Deleted,
    /// Refused: the user is the only admin.
    LastAdmin,
    NotFound,
}

/// The accounts part of the store.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Creates a user; `StoreError::Exists` if the name is taken.
    async fn create_user(&self, name: &str, role: &str, password_hash: Option<&str>, now: Millis) -> Result<i64>;
    async fn user_by_name(&self, name: &str) -> Result<Option<UserRow>>;
    /// The user and its password hash (None: it has no password).
    async fn user_credentials(&self, name: &str) -> Result<Option<(UserRow, Option<String>)>>;
    async fn list_users(&self) -> Result<Vec<UserRow>>;
    /// Every user with its creation time, whether it has a password and its token count.
    async fn user_summaries(&self) -> Result<Vec<UserSummary>>;
    /// Deletes a user with its tokens and sessions, unless it is the only admin; checked and
    /// done in one transaction.
    async fn delete_user(&self, id: i64) -> Result<UserDeletion>;
    /// Gives a user another role (`admin` or `user`), unless that would leave no admin;
    /// checked and done in one statement.
    async fn set_role(&self, id: i64, role: &str) -> Result<UserDeletion>;
    /// Sets (or with None removes) a user's password hash and ends its sessions but `keep` (a
    /// session hash), in one transaction.
    async fn set_password(&self, user_id: i64, hash: Option<&str>, keep: Option<&str>) -> Result<()>;

    /// Records a token's hash; returns the token's id.
    async fn add_token(&self, user_id: i64, hash: &str, label: &str, now: Millis) -> Result<i64>;
    async fn user_by_token(&self, hash: &str) -> Result<Option<UserRow>>;
    /// A user's tokens, oldest first.
    async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRow>>;
    /// Deletes one of a user's tokens; false if it has no such token.
    async fn delete_token(&self, user_id: i64, id: i64) -> Result<bool>;

    /// Records a session, and forgets sessions that expired before `s.created_at`.
    async fn create_session(&self, s: &SessionRow) -> Result<()>;
    /// A session by its hash with its user (expired or not: the caller compares the time).
    async fn session(&self, hash: &str) -> Result<Option<(SessionRow, UserRow)>>;
    async fn delete_session(&self, hash: &str) -> Result<()>;
}
