//! Sign-in for guardians, staff and admins: login, token refresh, logout, accepting an
//! invitation, and "who am I".

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::client_addr::ClientIp;
use super::extract::{AnyAccount, AppJson};
use super::problem::{ApiError, Code, Problem};
use crate::auth::sessions::{self, IssuedTokens};
use crate::auth::{AuthError, Role, invitations};
use crate::state::AppState;

/// Credentials for signing in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email address.
    #[schema(example = "hanako@example.jp", max_length = 254)]
    pub email: String,
    /// The account's password.
    #[schema(example = "correct horse battery", max_length = 128)]
    pub password: String,
    /// Staff and admins with two-step sign-in: the 6-digit code from the authenticator app,
    /// or one of the recovery codes. Without it such an account is answered 401
    /// `second_factor_required`; a wrong or used one is 401 `invalid_one_time_code` and counts
    /// as a failed attempt.
    #[schema(example = "123456", max_length = 64)]
    pub one_time_code: Option<String>,
}

/// A refresh token to rotate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh; it is used up by this call.
    #[schema(max_length = 128)]
    pub refresh_token: String,
}

/// An invitation code and the password the new account will use.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The code staff handed over (starts with `cpi_`).
    #[schema(max_length = 128)]
    pub invitation_code: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
}

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountResponse {
    pub id: Uuid,
    pub role: Role,
    pub email: String,
    pub display_name: String,
    /// The guardian's household; absent for staff.
    pub household_id: Option<Uuid>,
    /// Staff and admins: two-step sign-in is set up.
    pub second_factor_enrolled: bool,
    /// Staff and admins who must set up two-step sign-in before any staff function works
    /// (`POST /api/v1/me/second-factor`); until then those answer 403
    /// `second_factor_enrollment_required`.
    pub second_factor_setup_required: bool,
}

/// A fresh token pair. Send the access token as `Authorization: Bearer <access_token>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub access_token_expires_at: DateTime<Utc>,
    /// Use once with `POST /api/v1/auth/refresh`; a second use signs out every session of this login.
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub account: AccountResponse,
}

fn token_response(
    t: IssuedTokens,
    now: DateTime<Utc>,
    require_second_factor: bool,
) -> TokenResponse {
    let role = Role::parse(&t.account.role).unwrap_or(Role::Guardian);
    TokenResponse {
        token_type: "Bearer".into(),
        expires_in: (t.access_expires_at - now).num_seconds(),
        access_token: t.access_token,
        access_token_expires_at: t.access_expires_at,
        refresh_token: t.refresh_token,
        refresh_token_expires_at: t.refresh_expires_at,
        account: AccountResponse {
            id: t.account.id,
            role,
            email: t.account.email,
            display_name: t.account.display_name,
            household_id: t.account.household_id,
            second_factor_enrolled: t.second_factor,
            second_factor_setup_required: role.is_staff()
                && require_second_factor
                && !t.second_factor,
        },
    }
}

/// Sign in with email and password (and, for staff and admins with two-step sign-in, the
/// authenticator app's one-time code or a recovery code).
///
/// Repeated failures for one account or from one address are refused for a while with 429.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong email or password (`invalid_credentials`); for staff and admins with two-step sign-in, a missing (`second_factor_required`) or wrong or used (`invalid_one_time_code`) one-time code", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Account disabled", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    AppJson(body): AppJson<LoginRequest>,
) -> Result<AppJson<TokenResponse>, ApiError> {
    let now = state.now();
    let ip = Some(client);
    if body.email.len() > 254
        || body.password.len() > 512
        || body.one_time_code.as_ref().is_some_and(|c| c.len() > 64)
    {
        return Err(AuthError::InvalidCredentials.into());
    }
    let throttle = state.throttle;
    let email = body.email.clone();
    let reserved = crate::db::write(&state.db, |tx| {
        let email = email.clone();
        Box::pin(async move { throttle.reserve(tx, &email, ip, now).await })
    })
    .await?;
    if let Err(wait) = reserved {
        return Err(AuthError::Throttled {
            retry_after_seconds: wait,
        }
        .into());
    }
    let tokens = sessions::login(
        &state.db,
        &state.config.auth,
        now,
        &body.email,
        body.password,
        body.one_time_code,
    )
    .await?;
    crate::db::write(&state.db, |tx| {
        let email = email.clone();
        Box::pin(async move { throttle.succeeded(tx, &email, ip).await })
    })
    .await?;
    Ok(AppJson(token_response(
        tokens,
        now,
        state.config.auth.require_second_factor_for_staff,
    )))
}

/// Exchange a refresh token for a new token pair.
///
/// Each refresh token works once. Presenting one that was already used revokes every token of
/// that login (it has been copied) and answers 401 `refresh_token_reused`.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refreshSession",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenResponse),
        (status = 401, description = "Invalid, expired or reused refresh token", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn refresh_session(
    State(state): State<AppState>,
    AppJson(body): AppJson<RefreshRequest>,
) -> Result<AppJson<TokenResponse>, ApiError> {
    let now = state.now();
    let tokens = sessions::refresh(&state.db, &state.config.auth, now, &body.refresh_token).await?;
    Ok(AppJson(token_response(
        tokens,
        now,
        state.config.auth.require_second_factor_for_staff,
    )))
}

/// Sign out: the access token and every refresh token of this login stop working.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    responses((status = 204, description = "Signed out")),
    security(("guardian" = []), ("staff" = []), ("admin" = []))
)]
pub async fn logout(
    State(state): State<AppState>,
    account: AnyAccount,
) -> Result<StatusCode, ApiError> {
    sessions::logout(&state.db, state.now(), &account.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create an account from an invitation code and sign in.
///
/// Guardians receive their code from ward staff; staff receive theirs from an admin.
#[utoipa::path(
    post, path = "/api/v1/auth/invitations/accept", tag = "auth", operation_id = "acceptInvitation",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = TokenResponse),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Invitation invalid, expired or used", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Password too short or too long", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn accept_invitation(
    State(state): State<AppState>,
    parts: axum::http::HeaderMap,
    AppJson(body): AppJson<AcceptInvitationRequest>,
) -> Result<(StatusCode, AppJson<TokenResponse>), ApiError> {
    let now = state.now();
    let request_id = parts
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let tokens = invitations::accept(
        &state.db,
        &state.config.auth,
        request_id,
        now,
        &body.invitation_code,
        body.password,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        AppJson(token_response(
            tokens,
            now,
            state.config.auth.require_second_factor_for_staff,
        )),
    ))
}

/// The signed-in account.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", operation_id = "getMe",
    responses((status = 200, description = "The account behind the access token", body = AccountResponse)),
    security(("guardian" = []), ("staff" = []), ("admin" = []))
)]
pub async fn get_me(
    State(state): State<AppState>,
    account: AnyAccount,
) -> Result<AppJson<AccountResponse>, ApiError> {
    let a = sessions::find_account(&state.read, account.principal.account_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized(Code::InvalidToken))?;
    Ok(AppJson(AccountResponse {
        id: a.id,
        role: account.principal.role,
        email: a.email,
        display_name: a.display_name,
        household_id: a.household_id,
        second_factor_enrolled: account.principal.second_factor,
        second_factor_setup_required: account.principal.role.is_staff()
            && state.config.auth.require_second_factor_for_staff
            && !account.principal.second_factor,
    }))
}
