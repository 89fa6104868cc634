//! Who may do what: users with a role (`admin` or `user`), proven by an API token
//! ([`tokens`]) or by a browser sign-in session ([`sessions`]) begun with a password
//! ([`passwords`], guessing slowed by [`throttle`]) or a token. [`users`] manages them. On first
//! start an admin user is made and its token written to `admin.token` in the data directory
//! (mode 0600).
//!
//! Nothing about tokens or sessions is cached: every request looks its credential up in the
//! store, so that a revoked token, an ended session or a deleted user is refused at once.

pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

use std::path::Path;

pub use sessions::{NewSession, Session};
pub use tokens::{add_user, hash_token, new_token};

use std::sync::Arc;

use crate::clock::{Clock, Millis};
use crate::store::{Store, StoreError};

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub admin: bool,
}

impl Caller {
    pub fn role(&self) -> &'static str {
        if self.admin { "admin" } else { "user" }
    }
}

/// The accounts part: users, tokens and sign-in sessions in the store, and what is kept in
/// memory while the server runs (failed password checks).
pub struct Accounts {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// How long a sign-in session lasts.
    session_ms: Millis,
    /// Failed password checks by user name.
    pub throttle: throttle::Throttle,
}

impl Accounts {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, session_hours: u32) -> Self {
        Accounts { store, clock, session_ms: Millis::from(session_hours) * 3_600_000, throttle: Default::default() }
    }
}

/// On first start: makes the admin user and writes its token file. Returns the file's path
/// when it was created now.
pub async fn bootstrap_admin(
    store: &dyn Store,
    data_dir: &Path,
    now: Millis,
) -> Result<Option<std::path::PathBuf>, AuthError> {
    let path = data_dir.join("admin.token");
    if store.user_by_name("admin").await?.is_some() && path.exists() {
        return Ok(None);
    }
    let token = add_user(store, "admin", "admin", now).await?;
    write_secret(&path, &token)?;
    Ok(Some(path))
}

/// Writes a file readable only by its owner, durably.
pub fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(format!("{text}\n").as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        crate::documents::sync_dir(dir)?;
    }
    Ok(())
}

/// Errors of the accounts. Each becomes a problem report with its own status at the HTTP
/// edge.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The message names the rule.
    #[error("{0}")]
    BadName(String),
    #[error("role `{0}` is neither admin nor user")]
    BadRole(String),
    #[error("user `{0}` exists with role {1}")]
    RoleMismatch(String, String),
    /// The message names the rule broken.
    #[error("{0}")]
    BadPassword(String),
    #[error("{0}")]
    BadLabel(String),
    #[error("user `{0}` exists already")]
    UserExists(String),
    #[error("user `{0}` does not exist")]
    NoSuchUser(String),
    #[error("token {0} does not exist")]
    NoSuchToken(i64),
    #[error("`{0}` is the last administrator; make another one before deleting it")]
    LastAdmin(String),
    #[error("you cannot delete yourself; another administrator can")]
    DeleteSelf,
    #[error("wrong user name or password")]
    WrongPassword,
    #[error("the token is not valid")]
    BadToken,
    #[error("current_password is required to change your own password")]
    CurrentPasswordNeeded,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("too many failed sign-ins for this user name; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: i64 },
    #[error("{0}")]
    Forbidden(String),
    #[error("hashing a password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the token file: {0}")]
    Io(#[from] std::io::Error),
}
