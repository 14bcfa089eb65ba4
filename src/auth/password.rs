//! Password hashing with argon2id at OWASP's recommended parameters (m = 19 MiB, t = 2, p = 1),
//! run off the async threads.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

use super::AuthError;
use crate::messages::{Arg, Args};
use crate::text::FieldError;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask 10).
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted: long enough for passphrases, short enough to bound hashing cost.
pub const MAX_LENGTH: usize = 128;

/// How many passwords are hashed or checked at once, process-wide: each takes 19 MiB, so
/// memory stays flat under a flood of logins. Set once at start (`auth.max_concurrent_password_checks`).
static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();

/// Sets the number of concurrent password checks; only the first call counts.
pub fn set_concurrency(n: usize) {
    let _ = PERMITS.set(tokio::sync::Semaphore::new(n.max(1)));
}

/// Waits (briefly) for a turn to hash; a queue that long answers busy instead of growing.
async fn turn() -> Result<tokio::sync::SemaphorePermit<'static>, AuthError> {
    let permits = PERMITS.get_or_init(|| tokio::sync::Semaphore::new(4));
    match tokio::time::timeout(std::time::Duration::from_secs(2), permits.acquire()).await {
        Ok(Ok(p)) => Ok(p),
        _ => Err(AuthError::Busy),
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Staff and admins see every household: their passwords are longer and must not be easy to
/// guess.
pub const STAFF_MIN_LENGTH: usize = 12;
/// The lowest zxcvbn score (0 to 4) a staff or admin password may have: 3 is "safely
/// unguessable" against an offline attack on a slow hash (about 10^10 guesses).
pub const STAFF_MIN_SCORE: u8 = 3;

/// The rules beyond length for the role the password is for. `known` are the account's email
/// and name, which a guesser would try first.
pub fn validate_for_role(
    password: &str,
    role: super::Role,
    known: &[&str],
) -> Result<(), AuthError> {
    if !role.is_staff() {
        return Ok(());
    }
    if password.chars().count() < STAFF_MIN_LENGTH {
        return Err(FieldError::said(
            "password",
            "reason-staff-password-too-short",
            Args::new().with("count", count(STAFF_MIN_LENGTH)),
        )
        .into());
    }
    // Words anyone would try first against this service's staff.
    let mut inputs = vec![
        "carepass",
        "shinagawa",
        "品川",
        "しながわ",
        "kuyakusho",
        "ward",
    ];
    inputs.extend_from_slice(known);
    let score: u8 = zxcvbn::zxcvbn(password, &inputs).score().into();
    if score < STAFF_MIN_SCORE {
        return Err(
            FieldError::said("password", "reason-is-easy-to-guess-a-common", Args::new()).into(),
        );
    }
    Ok(())
}

/// A length for a message.
fn count(n: usize) -> Arg {
    Arg::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Checks a chosen password against the length rules.
pub fn validate(password: &str) -> Result<(), AuthError> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(FieldError::said(
            "password",
            "reason-password-too-short",
            Args::new().with("count", count(MIN_LENGTH)),
        )
        .into());
    }
    if n > MAX_LENGTH {
        return Err(FieldError::said(
            "password",
            "reason-password-too-long",
            Args::new().with("max_length", count(MAX_LENGTH)),
        )
        .into());
    }
    Ok(())
}

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> Result<String, AuthError> {
    let _turn = turn().await?;
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AuthError::Db(sea_orm::DbErr::Custom(format!("hashing task failed: {e}"))))?
}

pub fn hash_blocking(password: &str) -> Result<String, AuthError> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes)
        .map_err(|e| AuthError::Db(sea_orm::DbErr::Custom(format!("salt failed: {e}"))))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Db(sea_orm::DbErr::Custom(format!("hashing failed: {e}"))))
}

/// Checks a password against a stored hash; `None` (unknown account) still spends the same
/// time on a dummy hash so that response times do not reveal which emails exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AuthError> {
    let _turn = turn().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let stored = stored.unwrap_or_else(dummy_hash);
        let ok = PasswordHash::new(&stored)
            .map(|parsed| {
                hasher()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && real
    })
    .await
    .unwrap_or(false))
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_blocking("carepass-dummy-password-for-timing").unwrap_or_default())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_and_nothing_else() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("correct horse batterY".into(), Some(h))
                .await
                .unwrap()
        );
        assert!(
            !verify("carepass-dummy-password-for-timing".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn short_and_overlong_passwords_are_refused() {
        assert!(validate("short").is_err());
        assert!(validate(&"x".repeat(129)).is_err());
        assert!(validate("ten chars!").is_ok());
    }

    #[test]
    fn staff_passwords_are_long_and_hard_to_guess_and_guardians_keep_the_length_rule() {
        use super::{super::Role, validate_for_role};
        let known = ["yamada@ward.example.jp", "山田 太郎"];
        for weak in [
            "aaaaaaaaaaaa",
            "password1234",
            "qwertyuiop12",
            "yamada@ward.example.jp",
            "shinagawa2026",
        ] {
            assert!(
                validate_for_role(weak, Role::Staff, &known).is_err(),
                "{weak}"
            );
            assert!(
                validate_for_role(weak, Role::Admin, &known).is_err(),
                "{weak}"
            );
        }
        // Strong but short.
        assert!(validate_for_role("Vq7#pL2!xZ", Role::Staff, &known).is_err());
        for strong in [
            "a long enough password",
            "kettle violet harbour tram",
            "Vq7#pL2!xZ9$",
        ] {
            assert!(
                validate_for_role(strong, Role::Staff, &known).is_ok(),
                "{strong}"
            );
        }
        assert!(validate_for_role("aaaaaaaaaaaa", Role::Guardian, &known).is_ok());
    }
}
