//! Invitations: how accounts come to exist. Staff invite guardians into a household; admins
//! invite staff and admins. The code is shown once to the inviter and stored as a digest; the
//! invitee redeems it once, before it expires, choosing a password.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde::Serialize;
use uuid::Uuid;

use super::credentials::Email;
use super::sessions::{AccountView, IssuedTokens, start_session};
use super::token::{SecretKind, digest, generate};
use super::{AuthError, Role, password};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{from_micros, to_micros};
use crate::config::AuthConfig;
use crate::db;
use crate::entity::{account, household, invitation};
use crate::messages::Args;
use crate::text;
use crate::text::FieldError;

/// A new invitation and its one-time code.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub id: Uuid,
    pub code: String,
    pub email: String,
    pub role: Role,
    pub household_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct InvitationView<'a> {
    email: &'a str,
    role: &'a str,
    display_name: &'a str,
    household_id: Option<Uuid>,
    expires_at: DateTime<Utc>,
}

/// What went wrong creating an invitation.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum InviteError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("household not found")]
    HouseholdNotFound,
}

impl From<sea_orm::DbErr> for InviteError {
    fn from(e: sea_orm::DbErr) -> Self {
        InviteError::Auth(AuthError::Db(e))
    }
}

impl crate::db::FromDb for InviteError {
    fn as_db(&self) -> Option<&sea_orm::DbErr> {
        match self {
            InviteError::Auth(AuthError::Db(e)) => Some(e),
            _ => None,
        }
    }
}

/// Whom to invite, as whom.
#[derive(Debug, Clone, Copy)]
pub struct Invite<'a> {
    pub role: Role,
    pub email: &'a str,
    pub display_name: &'a str,
    /// Required for guardians, absent for staff and admins.
    pub household_id: Option<Uuid>,
}

/// Creates an invitation. Guardians must be invited into an existing household; staff and
/// admins into none.
pub async fn create(
    db: &crate::db::Db,
    cfg: &AuthConfig,
    actor: &Actor,
    now: DateTime<Utc>,
    invite: Invite<'_>,
) -> Result<NewInvitation, InviteError> {
    let Invite {
        role,
        email,
        display_name,
        household_id,
    } = invite;
    if (role == Role::Guardian) != household_id.is_some() {
        return Err(AuthError::InvalidField(FieldError::said(
            "household_id",
            "reason-guardians-are-invited-into-a-household",
            Args::new(),
        ))
        .into());
    }
    let email = Email::parse(email)?;
    let display_name = text::bounded(display_name, 100)
        .map_err(|e| AuthError::InvalidField(FieldError::text("display_name", e)))?;
    let code = generate(SecretKind::Invitation);
    let id = Uuid::new_v4();
    let expires_at = now + Duration::days(cfg.invitation_days);
    db::write(db, |tx| {
        let actor = actor.clone();
        let (email, display_name, code) = (email.clone(), display_name.clone(), code.clone());
        Box::pin(async move {
            let actor = &actor;
            if let Some(h) = household_id
                && household::Entity::find_by_id(h).one(tx).await?.is_none()
            {
                return Err(InviteError::HouseholdNotFound);
            }
            let taken = account::Entity::find()
                .filter(account::Column::Email.eq(email.as_str()))
                .one(tx)
                .await?
                .is_some();
            if taken {
                return Err(AuthError::EmailTaken.into());
            }
            invitation::Entity::insert(invitation::ActiveModel {
                id: Set(id),
                code_hash: Set(digest(&code)),
                role: Set(role.as_str().to_owned()),
                email: Set(email.as_str().to_owned()),
                display_name: Set(display_name.clone()),
                household_id: Set(household_id),
                created_by: Set(actor.id.unwrap_or_default()),
                expires_at: Set(to_micros(expires_at)),
                accepted_at: Set(None),
                created_at: Set(to_micros(now)),
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: Action::InvitationCreated,
                    children: Vec::new(),
                    object_type: "invitation",
                    object_id: Some(id),
                    before: None,
                    after: snapshot(&InvitationView {
                        email: email.as_str(),
                        role: role.as_str(),
                        display_name: &display_name,
                        household_id,
                        expires_at,
                    }),
                },
            )
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(NewInvitation {
        id,
        code,
        email: email.as_str().to_owned(),
        role,
        household_id,
        expires_at,
    })
}

/// Longer codes are refused as malformed before any lookup (the spec's `maxLength`).
pub const MAX_CODE_LENGTH: usize = 128;

/// Redeems an invitation code: creates the account with the chosen password and signs it in.
pub async fn accept(
    db: &crate::db::Db,
    cfg: &AuthConfig,
    request_id: Option<String>,
    now: DateTime<Utc>,
    code: &str,
    password_chosen: String,
) -> Result<IssuedTokens, AuthError> {
    password::validate(&password_chosen)?;
    if code.chars().count() > MAX_CODE_LENGTH {
        return Err(AuthError::InvalidField(FieldError::text(
            "invitation_code",
            crate::text::TextError::TooLong {
                max: MAX_CODE_LENGTH,
            },
        )));
    }
    if SecretKind::of(code) != Some(SecretKind::Invitation) {
        return Err(AuthError::InvitationInvalid);
    }
    let code_hash = digest(code);
    let found = invitation::Entity::find()
        .filter(invitation::Column::CodeHash.eq(code_hash.clone()))
        .one(db)
        .await?
        .ok_or(AuthError::InvitationInvalid)?;
    if found.accepted_at.is_some() || from_micros(found.expires_at) <= now {
        return Err(AuthError::InvitationInvalid);
    }
    if let Some(role) = super::Role::parse(&found.role) {
        password::validate_for_role(&password_chosen, role, &[&found.email, &found.display_name])?;
    }
    let password_hash = password::hash(password_chosen).await?;
    let tokens = db::write(db, |tx| {
        let cfg = cfg.clone();
        let (found, password_hash, request_id) =
            (found.clone(), password_hash.clone(), request_id.clone());
        Box::pin(async move {
            let cfg = &cfg;
            let claimed = invitation::Entity::update_many()
                .col_expr(invitation::Column::AcceptedAt, Expr::value(to_micros(now)))
                .filter(invitation::Column::Id.eq(found.id))
                .filter(invitation::Column::AcceptedAt.is_null())
                .exec(tx)
                .await?
                .rows_affected;
            if claimed != 1 {
                return Err(AuthError::InvitationInvalid);
            }
            let account = account::Model {
                id: Uuid::new_v4(),
                role: found.role.clone(),
                email: found.email.clone(),
                display_name: found.display_name.clone(),
                password_hash,
                household_id: found.household_id,
                status: super::AccountStatus::Active.as_str().into(),
                created_at: to_micros(now),
            };
            let insert = account::Entity::insert(account::ActiveModel {
                id: Set(account.id),
                role: Set(account.role.clone()),
                email: Set(account.email.clone()),
                display_name: Set(account.display_name.clone()),
                password_hash: Set(account.password_hash.clone()),
                household_id: Set(account.household_id),
                status: Set(account.status.clone()),
                created_at: Set(account.created_at),
            })
            .exec_without_returning(tx)
            .await;
            match insert {
                Err(e) if db::is_unique_violation(&e) => return Err(AuthError::EmailTaken),
                other => other?,
            };
            let actor = Actor {
                kind: "anonymous",
                id: Some(account.id),
                request_id,
            };
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::AccountCreated,
                    children: Vec::new(),
                    object_type: "account",
                    object_id: Some(account.id),
                    before: None,
                    after: snapshot(&AccountView::from(&account)),
                },
            )
            .await?;
            Ok(start_session(tx, cfg, now, &account).await?)
        })
    })
    .await?;
    Ok(tokens)
}
