//! API tokens: 32 random bytes shown once (`ffx_` + hex); the store keeps only their SHA-256.
//! Every request looks its token up in the store (nothing is cached), so a revoked token stops
//! working with the next request.

use ferrofax_api::{TokenCreated, TokenView};
use sha2::{Digest, Sha256};

use super::Accounts;
use super::{AuthError, Caller};
use crate::clock::{Millis, timestamp};
use crate::store::{Store, UserRow};

/// A new random token.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("ffx_{}", hex::encode(bytes))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Creates a user (or reuses one of that name and role) and gives it a new token labelled
/// `cli`: what `faxd user add` does.
pub async fn add_user(store: &dyn Store, name: &str, role: &str, now: Millis) -> Result<String, AuthError> {
    check_name_and_role(name, role)?;
    let id = match store.user_by_name(name).await? {
        Some(u) if u.role == role => u.id,
        Some(u) => return Err(AuthError::RoleMismatch(name.into(), u.role)),
        None => store.create_user(name, role, None, now).await?,
    };
    let token = new_token();
    store.add_token(id, &hash_token(&token), "cli", now).await?;
    Ok(token)
}

/// Checks a new user's name and role.
pub fn check_name_and_role(name: &str, role: &str) -> Result<(), AuthError> {
    ferrofax_api::validate::user_name(name).map_err(AuthError::BadName)?;
    if role != "admin" && role != "user" {
        return Err(AuthError::BadRole(role.into()));
    }
    Ok(())
}

impl Accounts {
    /// The user `name` if the caller may manage its tokens: admins anyone's, users their own.
    /// A user asking about someone else learns nothing of whether they exist.
    async fn token_owner(&self, caller: &Caller, name: &str) -> Result<UserRow, AuthError> {
        if !caller.admin && caller.user != name {
            return Err(AuthError::Forbidden("you may manage only your own tokens".into()));
        }
        self.store.user_by_name(name).await?.ok_or_else(|| AuthError::NoSuchUser(name.into()))
    }

    /// A user's tokens, oldest first (never the tokens themselves).
    pub async fn list_tokens(&self, caller: &Caller, name: &str) -> Result<Vec<TokenView>, AuthError> {
        let user = self.token_owner(caller, name).await?;
        let rows = self.store.tokens(user.id).await?;
        Ok(rows
            .into_iter()
            .map(|t| TokenView { id: t.id, label: t.label, created_at: timestamp(t.created_at) })
            .collect())
    }

    /// Gives a user a new token, returned this once.
    pub async fn create_token(&self, caller: &Caller, name: &str, label: &str) -> Result<TokenCreated, AuthError> {
        let user = self.token_owner(caller, name).await?;
        ferrofax_api::validate::token_label(label).map_err(AuthError::BadLabel)?;
        let token = new_token();
        let id = self.store.add_token(user.id, &hash_token(&token), label, self.clock.now()).await?;
        tracing::info!(by = %caller.user, user = %name, token = id, "token created");
        Ok(TokenCreated { id, label: label.into(), token })
    }

    /// Revokes one of a user's tokens; the next request with it is refused.
    pub async fn revoke_token(&self, caller: &Caller, name: &str, id: i64) -> Result<(), AuthError> {
        let user = self.token_owner(caller, name).await?;
        if !self.store.delete_token(user.id, id).await? {
            return Err(AuthError::NoSuchToken(id));
        }
        tracing::info!(by = %caller.user, user = %name, token = id, "token revoked");
        Ok(())
    }
}
