//! Secrets: the operator key, viewer keys, session ids and API tokens.
//! New ones are 32 random bytes from the operating system, written as
//! unpadded base64url (43 characters, safe in a URL and a QR code). The
//! server keeps only their SHA-256 digests, and compares a presented
//! secret by its digest in constant time ([`Digest::matches`]), so neither
//! the time taken nor the length of what was sent tells an attacker how
//! close a guess came.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes in a new secret.
const SECRET_BYTES: usize = 32;

/// The SHA-256 digest of a secret: what the server keeps.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest([u8; 32]);

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the value: a debug print must not help anyone.
        f.write_str("Digest(..)")
    }
}

impl Digest {
    /// The digest of `secret`.
    pub fn of(secret: &str) -> Digest {
        Digest(Sha256::digest(secret.as_bytes()).into())
    }

    /// Whether `presented` is the secret of this digest, in time that
    /// depends on neither value: the presented text is hashed first (so its
    /// length does not matter), then the two digests are compared without
    /// stopping at the first difference.
    pub fn matches(&self, presented: &str) -> bool {
        Digest::of(presented).0.ct_eq(&self.0).into()
    }

    /// The first characters of [`Digest::to_text`]: names a session in
    /// the audit trail without giving anything away.
    pub fn short(self) -> String {
        self.to_text().chars().take(8).collect()
    }

    /// The digest as text (unpadded base64url, for the token file).
    pub fn to_text(self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Reads [`Digest::to_text`] back.
    pub fn from_text(text: &str) -> Option<Digest> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(Digest(bytes.try_into().ok()?))
    }
}

/// A new random secret.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        let key = "correct horse battery staple";
        let digest = Digest::of(key);
        assert!(digest.matches(key));
        for wrong in [
            "",
            "correct",
            "correct horse battery stapl",
            "correct horse battery staple ",
            "Correct horse battery staple",
            "correct horse battery staplecorrect horse battery staple",
        ] {
            assert!(!digest.matches(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn the_comparison_looks_at_every_byte_of_fixed_length_digests() {
        // A guess that shares a long prefix with the key and one that
        // shares nothing both reach the comparison as 32-byte digests; the
        // comparison is subtle's, which folds every byte before deciding.
        // Here: a difference in the last byte of the digest alone is found.
        let digest = Digest::of("key");
        let mut other = digest;
        other.0[31] ^= 1;
        assert_ne!(digest, other);
        assert!(!bool::from(digest.0.ct_eq(&other.0)));
        let mut first = digest;
        first.0[0] ^= 0x80;
        assert!(!bool::from(digest.0.ct_eq(&first.0)));
        assert!(bool::from(digest.0.ct_eq(&Digest::of("key").0)));
    }

    #[test]
    fn secrets_are_long_random_and_url_safe() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{a}"
        );
    }

    #[test]
    fn digests_round_trip_through_text_and_never_print() {
        let d = Digest::of("token");
        assert_eq!(Digest::from_text(&d.to_text()), Some(d));
        assert_eq!(Digest::from_text("zz"), None);
        assert_eq!(Digest::from_text(&URL_SAFE_NO_PAD.encode([0u8; 31])), None);
        assert_eq!(format!("{d:?}"), "Digest(..)");
    }
}
