//! Two-step sign-in for staff and admins: start (a new secret, its otpauth URI and a QR code to
//! scan) and confirm (with a code from the app; answers the recovery codes, once).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{AnyAccount, AppJson};
use super::problem::{ApiError, Code, Problem};
use crate::auth::{second_factor, sessions};
use crate::state::AppState;

/// What an authenticator app needs to add this account.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorSetup {
    /// The secret, base32, for typing in by hand.
    pub secret: String,
    /// `otpauth://totp/...` (SHA-1, 6 digits, 30 s), the text of the QR code.
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri` as an SVG image.
    pub qr_svg: String,
    /// The same QR code as a PNG, base64.
    pub qr_png_base64: String,
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSecondFactorRequest {
    /// The 6-digit code the app shows now.
    #[schema(example = "123456", max_length = 64)]
    pub one_time_code: String,
}

/// Two-step sign-in is in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten one-time codes for signing in without the phone. Shown only now: print them or keep
    /// them in a safe place. Each works once, in place of the app's code.
    pub recovery_codes: Vec<String>,
}

fn staff_account(account: &AnyAccount) -> Result<(), ApiError> {
    if account.principal.role.is_staff() {
        Ok(())
    } else {
        Err(ApiError::forbidden(Code::ForbiddenRole))
    }
}

/// Start setting up two-step sign-in (staff and admins).
///
/// Answers a new secret as text, as an otpauth URI and as a QR code to scan with an
/// authenticator app. Nothing is in force until it is confirmed; starting again replaces an
/// unconfirmed secret. Once confirmed, 409 `second_factor_already_enrolled`.
#[utoipa::path(
    post, path = "/api/v1/me/second-factor", tag = "auth", operation_id = "startSecondFactor",
    responses(
        (status = 201, description = "Scan the QR code, then confirm with a code", body = SecondFactorSetup),
        (status = 409, description = "Already set up", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn start_second_factor(
    State(state): State<AppState>,
    account: AnyAccount,
) -> Result<(StatusCode, AppJson<SecondFactorSetup>), ApiError> {
    staff_account(&account)?;
    let a = sessions::find_account(&state.read, account.principal.account_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized(Code::InvalidToken))?;
    let e = second_factor::begin(&state.db, a.id, &a.email, state.now()).await?;
    let qr_svg = crate::signed_codes::qr::svg(&e.otpauth_uri).map_err(ApiError::internal)?;
    let png = crate::signed_codes::qr::png(&e.otpauth_uri).map_err(ApiError::internal)?;
    let qr_png_base64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png);
    tracing::info!(account = %a.id, "two-step sign-in started");
    Ok((
        StatusCode::CREATED,
        AppJson(SecondFactorSetup {
            secret: e.secret_base32,
            otpauth_uri: e.otpauth_uri,
            qr_svg,
            qr_png_base64,
        }),
    ))
}

/// Confirm two-step sign-in with a code from the app (staff and admins).
///
/// From now on signing in needs the app's code (or a recovery code) after the password. A
/// wrong code is 422 `invalid_one_time_code` (the session stays as it was); nothing started is
/// 409 `second_factor_not_started`.
#[utoipa::path(
    post, path = "/api/v1/me/second-factor/confirm", tag = "auth", operation_id = "confirmSecondFactor",
    request_body = ConfirmSecondFactorRequest,
    responses(
        (status = 200, description = "In force; the recovery codes, shown once", body = RecoveryCodes),
        (status = 422, description = "The code is wrong or expired", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not started, or already set up", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    account: AnyAccount,
    AppJson(body): AppJson<ConfirmSecondFactorRequest>,
) -> Result<AppJson<RecoveryCodes>, ApiError> {
    staff_account(&account)?;
    // A wrong code here leaves the session as it was: 422 on the field, not 401.
    let wrong_code =
        || ApiError::unprocessable(Code::InvalidOneTimeCode).with("field", "one_time_code");
    if body.one_time_code.len() > 64 {
        return Err(wrong_code());
    }
    let a = sessions::find_account(&state.read, account.principal.account_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized(Code::InvalidToken))?;
    let codes = second_factor::confirm(&state.db, a.id, &a.email, &body.one_time_code, state.now())
        .await
        .map_err(|e| match e {
            crate::auth::AuthError::InvalidOneTimeCode => wrong_code(),
            other => other.into(),
        })?;
    tracing::info!(account = %a.id, "two-step sign-in confirmed");
    Ok(AppJson(RecoveryCodes {
        recovery_codes: codes,
    }))
}
