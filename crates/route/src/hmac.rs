//! HMAC-SHA256, the one signature scheme of this crate: webhook notices are signed with a
//! method's secret, and faxd signs its download links with a server secret.

use ring::hmac;

/// The HMAC-SHA256 of `message` under `key`, as lowercase hex.
pub fn sign_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message).as_ref())
}

/// Whether `signature` (hex) is the HMAC-SHA256 of `message` under `key`; compared in constant
/// time.
pub fn verify_hex(key: &[u8], message: &[u8], signature: &str) -> bool {
    let Ok(tag) = hex::decode(signature) else {
        return false;
    };
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, key), message, &tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_case_2() {
        let sig = sign_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(verify_hex(b"Jefe", b"what do ya want for nothing?", &sig));
        assert!(!verify_hex(b"Jefe", b"what do ya want for nothing!", &sig));
        assert!(!verify_hex(b"Jefe", b"what do ya want for nothing?", "zz"));
    }
}
