//! Two-step sign-in for staff and admins (who see every household): a TOTP second factor
//! (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew either way) enrolled by
//! scanning a QR code, and ten one-time recovery codes for a lost phone.
//!
//! A code works once: the last accepted time step is kept and only a later step is accepted
//! (RFC 6238 §5.2), by a conditional update, so two concurrent logins with one code cannot
//! both pass. Recovery codes are stored as digests and used by a conditional update likewise.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use super::AuthError;
use super::token::digest;
use crate::clock::to_micros;
use crate::db;
use crate::entity::{recovery_code, second_factor};

const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
const RECOVERY_CODES: usize = 10;
/// What authenticator apps show as the account's issuer.
pub const ISSUER: &str = "Carepass";

fn totp(secret_base32: &str, account_name: &str) -> Result<TOTP, AuthError> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|_| sea_orm::DbErr::Custom("a stored TOTP secret is not base32".into()))?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_owned()),
        account_name.to_owned(),
    )
    .map_err(|e| sea_orm::DbErr::Custom(format!("TOTP: {e}")).into())
}

/// The time step whose code `code` is, within one step either way of `now`.
fn matching_step(t: &TOTP, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let now = u64::try_from(now.timestamp()).ok()?;
    let current = now / STEP_SECONDS;
    let mut found = None;
    // Every candidate is compared (no early exit), in constant time per comparison.
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = t.generate(step * STEP_SECONDS);
        let same = expected.len() == code.len()
            && expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            found = i64::try_from(step).ok();
        }
    }
    found
}

/// A started enrollment: what the authenticator app needs.
#[derive(Debug, Clone)]
pub struct Enrollment {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

/// Starts (or restarts) enrollment: a new secret, not yet in force. Refused when a confirmed
/// second factor exists (removing one is an admin's act, not a session's).
pub async fn begin(
    db: &crate::db::Db,
    account_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Enrollment, AuthError> {
    let mut raw = [0u8; 20];
    rand::rng().fill_bytes(&mut raw);
    let Secret::Encoded(secret_base32) = Secret::Raw(raw.to_vec()).to_encoded() else {
        return Err(sea_orm::DbErr::Custom("base32".into()).into());
    };
    let otpauth_uri = totp(&secret_base32, email)?.get_url();
    db::write(db, |tx| {
        let secret = secret_base32.clone();
        Box::pin(async move {
            let existing = second_factor::Entity::find_by_id(account_id)
                .one(tx)
                .await?;
            if existing.is_some_and(|f| f.confirmed_at.is_some()) {
                return Err(AuthError::SecondFactorAlreadyEnrolled);
            }
            second_factor::Entity::insert(second_factor::ActiveModel {
                account_id: Set(account_id),
                secret: Set(secret),
                confirmed_at: Set(None),
                last_used_step: Set(0),
                created_at: Set(to_micros(now)),
            })
            .on_conflict(
                OnConflict::column(second_factor::Column::AccountId)
                    .update_columns([
                        second_factor::Column::Secret,
                        second_factor::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(Enrollment {
        secret_base32,
        otpauth_uri,
    })
}

/// Letters and digits that cannot be mistaken for one another when read aloud or copied from
/// paper (no 0/o, 1/l/i).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Twelve characters in three groups of four (about 59 bits), e.g. `k7mq-3xpa-9tfe`.
fn new_recovery_code() -> String {
    let mut out = String::with_capacity(14);
    let mut rng = rand::rng();
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let pick = loop {
            // Rejection sampling keeps every character equally likely.
            let b = (rng.next_u32() & 0xff) as usize;
            if b < RECOVERY_ALPHABET.len() * 8 {
                break b % RECOVERY_ALPHABET.len();
            }
        };
        out.push(char::from(RECOVERY_ALPHABET[pick]));
    }
    out
}

/// A recovery code as typed: case, spaces and dashes do not matter.
fn normalised(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Confirms enrollment with a code from the app: the second factor is in force from now on,
/// and ten new recovery codes are returned (shown once; only digests are kept).
pub async fn confirm(
    db: &crate::db::Db,
    account_id: Uuid,
    email: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AuthError> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    db::write(db, |tx| {
        let codes = codes.clone();
        let (email, code) = (email.to_owned(), code.trim().to_owned());
        Box::pin(async move {
            let Some(f) = second_factor::Entity::find_by_id(account_id)
                .one(tx)
                .await?
            else {
                return Err(AuthError::SecondFactorNotStarted);
            };
            if f.confirmed_at.is_some() {
                return Err(AuthError::SecondFactorAlreadyEnrolled);
            }
            let step = matching_step(&totp(&f.secret, &email)?, &code, now)
                .ok_or(AuthError::InvalidOneTimeCode)?;
            second_factor::Entity::update_many()
                .col_expr(
                    second_factor::Column::ConfirmedAt,
                    Expr::value(to_micros(now)),
                )
                .col_expr(second_factor::Column::LastUsedStep, Expr::value(step))
                .filter(second_factor::Column::AccountId.eq(account_id))
                .exec(tx)
                .await?;
            recovery_code::Entity::delete_many()
                .filter(recovery_code::Column::AccountId.eq(account_id))
                .exec(tx)
                .await?;
            recovery_code::Entity::insert_many(codes.iter().map(|c| recovery_code::ActiveModel {
                id: Set(Uuid::new_v4()),
                account_id: Set(account_id),
                code_hash: Set(digest(&normalised(c))),
                used_at: Set(None),
            }))
            .exec_without_returning(tx)
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(codes)
}

/// Whether the account has a confirmed second factor.
pub async fn is_enrolled(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<bool, sea_orm::DbErr> {
    Ok(second_factor::Entity::find_by_id(account_id)
        .one(conn)
        .await?
        .is_some_and(|f| f.confirmed_at.is_some()))
}

/// At sign-in, for an account with a confirmed second factor: `code` must be a current TOTP
/// code not used before, or an unused recovery code (which is then spent). Accounts without
/// one pass. Call inside the login's write transaction.
pub async fn check_at_login(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    email: &str,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let Some(f) = second_factor::Entity::find_by_id(account_id)
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    if f.confirmed_at.is_none() {
        return Ok(());
    }
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or(AuthError::SecondFactorRequired)?;
    if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        let step = matching_step(&totp(&f.secret, email)?, code, now)
            .ok_or(AuthError::InvalidOneTimeCode)?;
        let taken = second_factor::Entity::update_many()
            .col_expr(second_factor::Column::LastUsedStep, Expr::value(step))
            .filter(second_factor::Column::AccountId.eq(account_id))
            .filter(second_factor::Column::LastUsedStep.lt(step))
            .exec(conn)
            .await?
            .rows_affected;
        return if taken == 1 {
            Ok(())
        } else {
            Err(AuthError::InvalidOneTimeCode)
        };
    }
    let spent = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(to_micros(now)))
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::CodeHash.eq(digest(&normalised(code))))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected;
    if spent == 1 {
        Ok(())
    } else {
        Err(AuthError::InvalidOneTimeCode)
    }
}
