//! Passwords: hashed with argon2id (the crate's defaults: 19 MiB, two passes, one lane, a random
//! 16-byte salt) into a PHC string, the only form the store keeps. Hashing runs on the blocking
//! pool, a few at a time, so that a burst of sign-ins neither stalls the server's tasks nor
//! takes all its memory. A user without a password, or an unknown user, is checked against a
//! dummy hash, so that the answer takes as long as for a known user with a wrong password.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use super::AuthError;

/// Hashes (or verifications) running at once; more wait their turn.
const CONCURRENT_HASHES: usize = 4;

static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(CONCURRENT_HASHES));

/// A hash of a random password, to verify against when there is no real one.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    let password: [u8; 32] = rand::random();
    Argon2::default().hash_password(&password).expect("hashing a random password").to_string()
});

/// Checks a new password for `user` against the rules (8–256 characters, not the user name).
pub fn check_rules(user: &str, password: &str) -> Result<(), AuthError> {
    ferrofax_api::validate::password(user, password).map_err(AuthError::BadPassword)
}

/// Hashes a password into an argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: &str) -> Result<String, AuthError> {
    let password = password.to_owned();
    let _turn = HASHING.acquire().await.map_err(|e| AuthError::Hash(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| AuthError::Hash(e.to_string()))?
    .map_err(AuthError::Hash)
}

/// Whether `password` matches the stored hash. `None` (no password set, or no such user) is
/// checked against a dummy hash and never matches; so is a stored hash that cannot be read
/// (logged as an error).
pub async fn verify(password: &str, stored: Option<String>) -> Result<bool, AuthError> {
    // No password allowed is longer; the dummy check of an over-long one costs the same.
    let password: String = password.chars().take(4 * ferrofax_api::validate::MAX_PASSWORD_CHARS).collect();
    let _turn = HASHING.acquire().await.map_err(|e| AuthError::Hash(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let argon2 = Argon2::default();
        let dummy = || {
            let _ = argon2.verify_password(password.as_bytes(), DUMMY.as_str());
            false
        };
        match stored.as_deref().map(PasswordHash::new) {
            Some(Ok(hash)) => argon2.verify_password(password.as_bytes(), &hash).is_ok(),
            Some(Err(e)) => {
                tracing::error!(error = %e, "a stored password hash cannot be read; the password is refused");
                dummy()
            }
            None => dummy(),
        }
    })
    .await
    .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Hashes the dummy now, so that the first sign-in of an unknown user is not the one to pay
/// for it (and so take twice as long as others).
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_that_verify_only_their_password() {
        let h = hash("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!h.contains("correct horse"));
        assert!(verify("correct horse battery", Some(h.clone())).await.unwrap());
        assert!(!verify("correct horse battery!", Some(h.clone())).await.unwrap());
        assert_ne!(hash("correct horse battery").await.unwrap(), h, "each hash has its own salt");
        assert!(!verify("anything at all", None).await.unwrap());
        assert!(!verify("anything at all", Some("not a PHC string".into())).await.unwrap());
    }

    #[test]
    fn rules_name_what_is_wrong() {
        assert!(check_rules("alice", "long enough").is_ok());
        let e = check_rules("alice", "short").unwrap_err().to_string();
        assert!(e.contains("at least 8 characters"), "{e}");
        let e = check_rules("alice12345", "alice12345").unwrap_err().to_string();
        assert!(e.contains("user name"), "{e}");
    }
}
