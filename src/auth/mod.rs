//! Accounts and authentication: guardians, staff and admins; passwords (argon2id), access
//! tokens and rotating refresh tokens, invitations, and login throttling.
//!
//! Guardians join by **staff invitation**: staff create the household and an invitation code,
//! hand it to the family, and the family sets its own password in the app. Staff and admin
//! accounts are created the same way by an admin.

pub mod accounts;
pub mod credentials;
pub mod invitations;
pub mod password;
pub mod rate_limit;
pub mod second_factor;
pub mod sessions;
pub mod throttle;
pub mod token;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AccountRole)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 保護者: a parent of an enrolled child.
    Guardian,
    /// 区職員: ward staff (障害者支援課).
    Staff,
    /// Staff who also manage staff accounts, partners and devices.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Guardian => "guardian",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "guardian" => Some(Role::Guardian),
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

/// Whether an account may sign in: made active, until an admin disables it (for good; its
/// sessions end with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }
}

/// A signed-in account, as established from its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountPrincipal {
    pub account_id: Uuid,
    pub role: Role,
    pub household_id: Option<Uuid>,
    pub family_id: Uuid,
    /// Whether the account has a confirmed second factor (TOTP).
    pub second_factor: bool,
}

/// Why authentication failed.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum AuthError {
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("account disabled")]
    AccountDisabled,
    #[error("too many password checks at once")]
    Busy,
    #[error("too many failed attempts, retry in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: u64 },
    #[error("access token invalid or expired")]
    InvalidToken,
    #[error("refresh token invalid or expired")]
    InvalidRefreshToken,
    #[error("refresh token reused; token family revoked")]
    RefreshTokenReused,
    #[error("invitation invalid, expired or used")]
    InvitationInvalid,
    #[error("email already registered")]
    EmailTaken,
    #[error("a one-time code is required")]
    SecondFactorRequired,
    #[error("the one-time code or recovery code is wrong or used")]
    InvalidOneTimeCode,
    #[error("two-step sign-in is already set up")]
    SecondFactorAlreadyEnrolled,
    #[error("two-step sign-in has not been started")]
    SecondFactorNotStarted,
    #[error(transparent)]
    InvalidField(#[from] crate::text::FieldError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl crate::db::FromDb for AuthError {
    fn as_db(&self) -> Option<&sea_orm::DbErr> {
        match self {
            AuthError::Db(e) => Some(e),
            _ => None,
        }
    }
}
