//! Account administration: listing staff and disabling an account (which signs it out everywhere).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use super::sessions::AccountView;
use super::{AccountStatus, AuthError};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::to_micros;
use crate::db;
use crate::entity::{access_token, account, token_family};

/// The accounts with these ids (any role), for naming who did something.
pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<AccountView>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .iter()
        .map(AccountView::from)
        .collect())
}

/// Staff and admin accounts, by email.
pub async fn list_staff(
    conn: &impl ConnectionTrait,
    limit: u64,
    offset: u64,
) -> Result<Vec<AccountView>, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::Role.is_in(["staff", "admin"]))
        .order_by_asc(account::Column::Email)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .iter()
        .map(AccountView::from)
        .collect())
}

/// Why an account could not be disabled.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum DisableError {
    #[error("account not found")]
    NotFound,
    #[error("an admin cannot disable their own account")]
    OwnAccount,
    #[error("account already disabled")]
    AlreadyDisabled,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<AuthError> for DisableError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Db(d) => DisableError::Db(d),
            other => DisableError::Db(DbErr::Custom(other.to_string())),
        }
    }
}

impl crate::db::FromDb for DisableError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            DisableError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// Disables an account and revokes every session it has.
pub async fn disable(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    account_id: Uuid,
) -> Result<AccountView, DisableError> {
    if actor.id == Some(account_id) {
        return Err(DisableError::OwnAccount);
    }
    db::write(db, |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            let before = account::Entity::find_by_id(account_id)
                .one(tx)
                .await?
                .ok_or(DisableError::NotFound)?;
            let changed = account::Entity::update_many()
                .col_expr(
                    account::Column::Status,
                    Expr::value(AccountStatus::Disabled.as_str()),
                )
                .filter(account::Column::Id.eq(account_id))
                .filter(account::Column::Status.eq(AccountStatus::Active.as_str()))
                .exec(tx)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(DisableError::AlreadyDisabled);
            }
            token_family::Entity::update_many()
                .col_expr(token_family::Column::RevokedAt, Expr::value(to_micros(now)))
                .col_expr(
                    token_family::Column::RevokedReason,
                    Expr::value("account_disabled"),
                )
                .filter(token_family::Column::AccountId.eq(account_id))
                .filter(token_family::Column::RevokedAt.is_null())
                .exec(tx)
                .await?;
            access_token::Entity::delete_many()
                .filter(access_token::Column::AccountId.eq(account_id))
                .exec(tx)
                .await?;
            let mut after = AccountView::from(&before);
            after.status = AccountStatus::Disabled.as_str().into();
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::AccountDisabled,
                    children: Vec::new(),
                    object_type: "account",
                    object_id: Some(account_id),
                    before: snapshot(&AccountView::from(&before)),
                    after: snapshot(&after),
                },
            )
            .await?;
            Ok(after)
        })
    })
    .await
}
