//! Signed codes: the Ed25519 keys (`keys`), the compact code inside a QR (`token`) and its
//! images (`qr`). Vouchers and play-space entry codes both use them; what a code is *for* is
//! decided by the area that issued it, by comparing the claims with its own stored record.

pub mod keys;
pub mod qr;
pub mod token;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use keys::KeyRing;
use token::Claims;

/// Why a scanned code was not accepted by [`check`].
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("not a code of this service, or truncated")]
    Malformed,
    #[error("signed with a key this service does not know")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the code has expired")]
    Expired,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Checks a scanned code's shape, key, signature and expiry, without touching the database
/// unless the key is unknown (another instance may have rotated).
pub async fn check(
    conn: &impl ConnectionTrait,
    keys: &KeyRing,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Claims, CodeError> {
    let (claims, signed, signature) = token::parse(code).map_err(|_| CodeError::Malformed)?;
    if !keys.knows(&claims.kid) {
        keys.reload_for_unknown(conn, now).await?;
    }
    match keys.verify(&claims.kid, signed.as_bytes(), &signature, now) {
        None => return Err(CodeError::UnknownKey),
        Some(false) => return Err(CodeError::BadSignature),
        Some(true) => {}
    }
    if claims.expires_at <= now {
        return Err(CodeError::Expired);
    }
    Ok(claims)
}
