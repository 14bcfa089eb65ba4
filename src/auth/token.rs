//! Bearer secrets: random, prefixed by kind, stored only as their SHA-256.
//!
//! Secrets carry 256 bits of randomness, so a fast hash is enough to store them (argon2 is for
//! passwords people choose). The prefix tells which table to look in and helps secret scanners.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The kinds of secret the service hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Access,
    Refresh,
    Device,
    Invitation,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SecretKind::Access => "cpa_",
            SecretKind::Refresh => "cpr_",
            SecretKind::Device => "cpd_",
            SecretKind::Invitation => "cpi_",
        }
    }

    /// Which kind a presented secret claims to be.
    pub fn of(secret: &str) -> Option<SecretKind> {
        [
            SecretKind::Access,
            SecretKind::Refresh,
            SecretKind::Device,
            SecretKind::Invitation,
        ]
        .into_iter()
        .find(|k| secret.starts_with(k.prefix()))
    }
}

/// A new random secret of the given kind.
pub fn generate(kind: SecretKind) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored for a secret.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hex::encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_prefixed_and_stored_as_a_digest() {
        let a = generate(SecretKind::Refresh);
        let b = generate(SecretKind::Refresh);
        assert_ne!(a, b);
        assert_eq!(SecretKind::of(&a), Some(SecretKind::Refresh));
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
    }
}
