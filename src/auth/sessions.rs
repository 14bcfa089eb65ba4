//! Sessions for the mobile app and the staff console: login, access tokens, rotating refresh
//! tokens grouped in families, and logout.
//!
//! Each login starts a token family. Every refresh marks the presented refresh token used and
//! issues a new pair in the same family. Presenting a used refresh token again means it was
//! copied: the whole family is revoked, signing out the thief and the owner alike.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use serde::Serialize;
use uuid::Uuid;

use super::credentials::Email;
use super::token::{SecretKind, digest, generate};
use super::{AccountPrincipal, AuthError, Role, password};
use crate::audit::{self, Action, Actor, Change};
use crate::clock::{from_micros, to_micros};
use crate::config::AuthConfig;
use crate::db;
use crate::entity::{access_token, account, refresh_token, token_family};

/// A fresh access/refresh pair.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub account: account::Model,
    /// The account has a confirmed second factor.
    pub second_factor: bool,
}

/// The account as it may appear in logs and answers (no password hash).
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: Uuid,
    pub role: String,
    pub email: String,
    pub display_name: String,
    pub household_id: Option<Uuid>,
    pub status: String,
}

impl From<&account::Model> for AccountView {
    fn from(a: &account::Model) -> Self {
        AccountView {
            id: a.id,
            role: a.role.clone(),
            email: a.email.clone(),
            display_name: a.display_name.clone(),
            household_id: a.household_id,
            status: a.status.clone(),
        }
    }
}

/// Writes a new token pair for `account` into `family_id`.
pub async fn issue_pair(
    conn: &impl ConnectionTrait,
    cfg: &AuthConfig,
    now: DateTime<Utc>,
    account: &account::Model,
    family_id: Uuid,
) -> Result<IssuedTokens, DbErr> {
    let access = generate(SecretKind::Access);
    let refresh = generate(SecretKind::Refresh);
    let access_expires_at = now + Duration::minutes(cfg.access_token_minutes);
    let refresh_expires_at = now + Duration::days(cfg.refresh_token_days);
    access_token::Entity::insert(access_token::ActiveModel {
        token_hash: Set(digest(&access)),
        family_id: Set(family_id),
        account_id: Set(account.id),
        expires_at: Set(to_micros(access_expires_at)),
    })
    .exec_without_returning(conn)
    .await?;
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        family_id: Set(family_id),
        token_hash: Set(digest(&refresh)),
        expires_at: Set(to_micros(refresh_expires_at)),
        used_at: Set(None),
        created_at: Set(to_micros(now)),
    })
    .exec_without_returning(conn)
    .await?;
    let second_factor = Role::parse(&account.role).is_some_and(Role::is_staff)
        && super::second_factor::is_enrolled(conn, account.id).await?;
    Ok(IssuedTokens {
        access_token: access,
        access_expires_at,
        refresh_token: refresh,
        refresh_expires_at,
        account: account.clone(),
        second_factor,
    })
}

/// Starts a new token family for an account and issues its first pair.
pub async fn start_session(
    conn: &impl ConnectionTrait,
    cfg: &AuthConfig,
    now: DateTime<Utc>,
    account: &account::Model,
) -> Result<IssuedTokens, DbErr> {
    let family_id = Uuid::new_v4();
    token_family::Entity::insert(token_family::ActiveModel {
        id: Set(family_id),
        account_id: Set(account.id),
        created_at: Set(to_micros(now)),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    // Housekeeping: this account's expired access tokens are of no further use.
    access_token::Entity::delete_many()
        .filter(access_token::Column::AccountId.eq(account.id))
        .filter(access_token::Column::ExpiresAt.lte(to_micros(now)))
        .exec(conn)
        .await?;
    issue_pair(conn, cfg, now, account, family_id).await
}

/// Checks email and password and, if they match an active account, starts a session.
pub async fn login(
    db: &crate::db::Db,
    cfg: &AuthConfig,
    now: DateTime<Utc>,
    email: &str,
    password_given: String,
    one_time_code: Option<String>,
) -> Result<IssuedTokens, AuthError> {
    let email = Email::parse(email).map_err(|_| AuthError::InvalidCredentials)?;
    let found = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    let ok = password::verify(
        password_given,
        found.as_ref().map(|a| a.password_hash.clone()),
    )
    .await?;
    let account = match (ok, found) {
        (true, Some(a)) => a,
        _ => return Err(AuthError::InvalidCredentials),
    };
    if account.status != super::AccountStatus::Active.as_str() {
        return Err(AuthError::AccountDisabled);
    }
    let tokens = db::write(db, |tx| {
        let cfg = cfg.clone();
        let account = account.clone();
        let one_time_code = one_time_code.clone();
        Box::pin(async move {
            let cfg = &cfg;
            if Role::parse(&account.role).is_some_and(Role::is_staff) {
                super::second_factor::check_at_login(
                    tx,
                    account.id,
                    &account.email,
                    one_time_code.as_deref(),
                    now,
                )
                .await?;
            }
            Ok::<_, AuthError>(start_session(tx, cfg, now, &account).await?)
        })
    })
    .await?;
    Ok(tokens)
}

enum RefreshOutcome {
    Issued(Box<IssuedTokens>),
    Reused,
    Invalid,
}

/// Exchanges a refresh token for a new pair (rotation); a reused token revokes its family.
pub async fn refresh(
    db: &crate::db::Db,
    cfg: &AuthConfig,
    now: DateTime<Utc>,
    presented: &str,
) -> Result<IssuedTokens, AuthError> {
    if SecretKind::of(presented) != Some(SecretKind::Refresh) {
        return Err(AuthError::InvalidRefreshToken);
    }
    let hash = digest(presented);
    let outcome = db::write(db, |tx| {
        let cfg = cfg.clone();
        let hash = hash.clone();
        Box::pin(async move {
            let cfg = &cfg;
            let Some(token) = refresh_token::Entity::find()
                .filter(refresh_token::Column::TokenHash.eq(hash))
                .one(tx)
                .await?
            else {
                return Ok::<_, AuthError>(RefreshOutcome::Invalid);
            };
            let Some(family) = token_family::Entity::find_by_id(token.family_id)
                .one(tx)
                .await?
            else {
                return Ok(RefreshOutcome::Invalid);
            };
            // Take the family's row lock while it is still live, so a logout racing this
            // refresh either comes first (and this finds the family revoked) or waits and then
            // removes the pair issued here too.
            let live = token_family::Entity::update_many()
                .col_expr(
                    token_family::Column::RevokedAt,
                    Expr::col(token_family::Column::RevokedAt),
                )
                .filter(token_family::Column::Id.eq(family.id))
                .filter(token_family::Column::RevokedAt.is_null())
                .exec(tx)
                .await?
                .rows_affected;
            if live != 1 {
                return Ok(RefreshOutcome::Invalid);
            }
            let claimed = refresh_token::Entity::update_many()
                .col_expr(refresh_token::Column::UsedAt, Expr::value(to_micros(now)))
                .filter(refresh_token::Column::Id.eq(token.id))
                .filter(refresh_token::Column::UsedAt.is_null())
                .exec(tx)
                .await?
                .rows_affected;
            if claimed != 1 {
                revoke_family(tx, family.id, now, "refresh_token_reused").await?;
                audit::record(
                    tx,
                    &Actor {
                        kind: "anonymous",
                        id: None,
                        request_id: None,
                    },
                    now,
                    Change {
                        action: Action::RefreshTokenReused,
                        children: Vec::new(),
                        object_type: "account",
                        object_id: Some(family.account_id),
                        before: None,
                        after: Some(serde_json::json!({ "revoked_family": family.id })),
                    },
                )
                .await?;
                return Ok(RefreshOutcome::Reused);
            }
            if from_micros(token.expires_at) <= now {
                return Ok(RefreshOutcome::Invalid);
            }
            let Some(account) = account::Entity::find_by_id(family.account_id)
                .one(tx)
                .await?
            else {
                return Ok(RefreshOutcome::Invalid);
            };
            if account.status != super::AccountStatus::Active.as_str() {
                return Ok(RefreshOutcome::Invalid);
            }
            let tokens = issue_pair(tx, cfg, now, &account, family.id).await?;
            Ok(RefreshOutcome::Issued(Box::new(tokens)))
        })
    })
    .await?;
    match outcome {
        RefreshOutcome::Issued(t) => Ok(*t),
        RefreshOutcome::Reused => Err(AuthError::RefreshTokenReused),
        RefreshOutcome::Invalid => Err(AuthError::InvalidRefreshToken),
    }
}

/// Revokes a token family: its access tokens stop working at once, its refresh tokens too.
pub async fn revoke_family(
    conn: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<(), DbErr> {
    token_family::Entity::update_many()
        .col_expr(token_family::Column::RevokedAt, Expr::value(to_micros(now)))
        .col_expr(
            token_family::Column::RevokedReason,
            Expr::value(reason.to_owned()),
        )
        .filter(token_family::Column::Id.eq(family_id))
        .filter(token_family::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    access_token::Entity::delete_many()
        .filter(access_token::Column::FamilyId.eq(family_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Signs out the session the access token belongs to.
pub async fn logout(
    db: &crate::db::Db,
    now: DateTime<Utc>,
    principal: &AccountPrincipal,
) -> Result<(), AuthError> {
    let family_id = principal.family_id;
    db::write(db, |tx| {
        Box::pin(
            async move { Ok::<_, AuthError>(revoke_family(tx, family_id, now, "logout").await?) },
        )
    })
    .await
}

/// Resolves an access token to the account it speaks for.
pub async fn authenticate(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    presented: &str,
) -> Result<AccountPrincipal, AuthError> {
    if SecretKind::of(presented) != Some(SecretKind::Access) {
        return Err(AuthError::InvalidToken);
    }
    let token = access_token::Entity::find_by_id(digest(presented))
        .one(conn)
        .await?
        .ok_or(AuthError::InvalidToken)?;
    if from_micros(token.expires_at) <= now {
        return Err(AuthError::InvalidToken);
    }
    // A token of a revoked family (a logout, a reused refresh token) never works, even one
    // issued by a refresh that raced the revocation.
    let family_live = token_family::Entity::find_by_id(token.family_id)
        .one(conn)
        .await?
        .is_some_and(|f| f.revoked_at.is_none());
    if !family_live {
        return Err(AuthError::InvalidToken);
    }
    let account = account::Entity::find_by_id(token.account_id)
        .one(conn)
        .await?
        .ok_or(AuthError::InvalidToken)?;
    if account.status != super::AccountStatus::Active.as_str() {
        return Err(AuthError::InvalidToken);
    }
    let role = Role::parse(&account.role).ok_or(AuthError::InvalidToken)?;
    let second_factor =
        role.is_staff() && super::second_factor::is_enrolled(conn, account.id).await?;
    Ok(AccountPrincipal {
        account_id: account.id,
        role,
        household_id: account.household_id,
        family_id: token.family_id,
        second_factor,
    })
}

/// Reads an account.
pub async fn find_account(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find_by_id(id).one(conn).await
}
