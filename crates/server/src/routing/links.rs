//! Signed download links: a received fax's TIFF fetched without a token, by a link that names
//! the fax and an expiry time and carries an HMAC-SHA256 of both under a secret only this
//! server knows (`link.secret` in the data directory, made on first start, mode 0600).
//! Anyone holding the link may download that one fax until it expires; changing the job id
//! or the expiry breaks the signature.

use std::path::Path;

use crate::clock::Millis;

/// Signs and checks download links.
pub struct LinkSigner {
    key: Vec<u8>,
}

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the download link is not valid (its signature does not match)")]
    BadSignature,
    #[error("the download link expired at {0}")]
    Expired(jiff::Timestamp),
}

impl LinkSigner {
    /// The signer of this data directory, its secret read or made.
    pub fn open(data_dir: &Path) -> std::io::Result<LinkSigner> {
        let path = data_dir.join("link.secret");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = hex::encode(rand::random::<[u8; 32]>());
                crate::auth::write_secret(&path, &secret)?;
                secret
            }
            Err(e) => return Err(e),
        };
        let key = hex::decode(text.trim())
            .ok()
            .filter(|k| k.len() >= 16)
            .ok_or_else(|| std::io::Error::other(format!("{} does not hold a hex secret", path.display())))?;
        Ok(LinkSigner { key })
    }

    fn message(job_id: i64, expires: i64) -> Vec<u8> {
        format!("inbox-document:{job_id}:{expires}").into_bytes()
    }

    /// The query of a link to fax `job_id` that works until `expires` (unix seconds).
    pub fn query(&self, job_id: i64, expires: i64) -> String {
        let sig = ferrofax_route::hmac::sign_hex(&self.key, &Self::message(job_id, expires));
        format!("expires={expires}&signature={sig}")
    }

    /// Checks a link's expiry and signature at `now`.
    pub fn check(&self, job_id: i64, expires: i64, signature: &str, now: Millis) -> Result<(), LinkError> {
        if !ferrofax_route::hmac::verify_hex(&self.key, &Self::message(job_id, expires), signature) {
            return Err(LinkError::BadSignature);
        }
        if now / 1000 >= expires {
            return Err(LinkError::Expired(jiff::Timestamp::from_second(expires).unwrap_or(jiff::Timestamp::MAX)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_bound_to_their_fax_and_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let s = LinkSigner::open(dir.path()).unwrap();
        let again = LinkSigner::open(dir.path()).unwrap();
        let q = s.query(7, 1000);
        let sig = q.split("signature=").nth(1).unwrap();
        assert_eq!(again.check(7, 1000, sig, 999_000), Ok(()), "the secret survives a restart");
        assert_eq!(s.check(8, 1000, sig, 0), Err(LinkError::BadSignature));
        assert_eq!(s.check(7, 2000, sig, 0), Err(LinkError::BadSignature));
        assert!(matches!(s.check(7, 1000, sig, 1_000_000), Err(LinkError::Expired(_))));
        let other = LinkSigner::open(tempfile::tempdir().unwrap().path()).unwrap();
        assert_eq!(other.check(7, 1000, sig, 0), Err(LinkError::BadSignature));
    }
}
