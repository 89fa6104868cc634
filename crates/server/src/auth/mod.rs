//! Bearer tokens and roles. A token is 32 random bytes shown once (`ffx_` + hex); the store
//! keeps only its SHA-256. On first start an admin user is made and its token written to
//! `admin.token` in the data directory (mode 0600).

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::clock::Millis;
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

/// A new random token.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("ffx_{}", hex::encode(bytes))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Creates a user (or reuses one of that name and role) and gives it a new token.
pub async fn add_user(store: &dyn Store, name: &str, role: &str, now: Millis) -> Result<String, AuthError> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
        return Err(AuthError::BadName(name.into()));
    }
    if role != "admin" && role != "user" {
        return Err(AuthError::BadRole(role.into()));
    }
    let id = match store.user_by_name(name).await? {
        Some(u) if u.role == role => u.id,
        Some(u) => return Err(AuthError::RoleMismatch(name.into(), u.role)),
        None => store.create_user(name, role, now).await?,
    };
    let token = new_token();
    store.add_token(id, &hash_token(&token), "cli", now).await?;
    Ok(token)
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

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("user name `{0}` is not allowed: use 1–64 letters, digits, `.`, `_`, `-` or `@`")]
    BadName(String),
    #[error("role `{0}` is neither admin nor user")]
    BadRole(String),
    #[error("user `{0}` exists with role {1}")]
    RoleMismatch(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the token file: {0}")]
    Io(#[from] std::io::Error),
}
