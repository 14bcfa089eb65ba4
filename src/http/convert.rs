//! How each area's errors map to HTTP status and stable problem codes.

use axum::http::StatusCode;

use super::problem::ApiError;
use crate::allowances::AllowanceError;
use crate::auth::AuthError;
use crate::auth::accounts::DisableError;
use crate::auth::invitations::InviteError;
use crate::enrollments::EnrollmentError;
use crate::households::HouseholdError;
use crate::partners::PartnerError;
use crate::play_space::PlayError;
use crate::respite::RespiteError;
use crate::short_stays::ShortStayError;
use crate::text::FieldError;
use crate::vouchers::VoucherError;

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::InvalidCredentials => ApiError::unauthorized("invalid_credentials"),
            AuthError::AccountDisabled => ApiError::forbidden("account_disabled"),
            AuthError::Throttled {
                retry_after_seconds,
            } => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
                .retry_after(retry_after_seconds),
            AuthError::InvalidToken => ApiError::unauthorized("invalid_token"),
            AuthError::InvalidRefreshToken => ApiError::unauthorized("refresh_token_invalid"),
            AuthError::RefreshTokenReused => ApiError::unauthorized("refresh_token_reused"),
            AuthError::InvitationInvalid => ApiError::new(StatusCode::GONE, "invitation_invalid"),
            AuthError::EmailTaken => ApiError::conflict("email_taken"),
            AuthError::InvalidField(e) => e.into(),
            AuthError::Db(e) => e.into(),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> ApiError {
        match e {
            InviteError::Auth(a) => a.into(),
            InviteError::HouseholdNotFound => ApiError::not_found("household_not_found"),
        }
    }
}

impl From<HouseholdError> for ApiError {
    fn from(e: HouseholdError) -> ApiError {
        match e {
            HouseholdError::HouseholdNotFound => ApiError::not_found("household_not_found"),
            HouseholdError::ChildNotFound => ApiError::not_found("child_not_found"),
            HouseholdError::TooManyChildren => ApiError::conflict("too_many_children").detail(
                format!(
                    "a household can register at most {} children",
                    crate::households::MAX_CHILDREN_PER_HOUSEHOLD
                ),
                format!(
                    "1世帯に登録できる児童は{}人までです",
                    crate::households::MAX_CHILDREN_PER_HOUSEHOLD
                ),
            ),
            HouseholdError::InvalidField(e) => e.into(),
            HouseholdError::Db(e) => e.into(),
        }
    }
}

impl From<EnrollmentError> for ApiError {
    fn from(e: EnrollmentError) -> ApiError {
        match e {
            EnrollmentError::ChildNotFound => ApiError::not_found("child_not_found"),
            EnrollmentError::NotFound => ApiError::not_found("enrollment_not_found"),
            EnrollmentError::NotPending { current } => ApiError::conflict("enrollment_not_pending")
                .detail(
                    format!("This application is already {}.", current.as_str()),
                    format!("この申請は既に{}です。", status_ja(current)),
                )
                .with("current_status", current.as_str()),
            EnrollmentError::AlreadyOpen => ApiError::conflict("enrollment_already_open"),
            EnrollmentError::InvalidField(e) => e.into(),
            EnrollmentError::Db(e) => e.into(),
        }
    }
}

fn status_ja(s: crate::enrollments::Status) -> &'static str {
    use crate::enrollments::Status;
    match s {
        Status::Pending => "審査中",
        Status::Approved => "承認済み",
        Status::Rejected => "却下済み",
        Status::Withdrawn => "取下げ済み",
    }
}

impl From<PartnerError> for ApiError {
    fn from(e: PartnerError) -> ApiError {
        match e {
            PartnerError::PartnerNotFound => ApiError::not_found("partner_not_found"),
            PartnerError::DeviceNotFound => ApiError::not_found("device_not_found"),
            PartnerError::NameTaken => ApiError::conflict("partner_name_taken"),
            PartnerError::AlreadyRevoked => ApiError::conflict("device_already_revoked"),
            PartnerError::UnknownCredential => ApiError::unauthorized("invalid_token"),
            PartnerError::Revoked => ApiError::unauthorized("device_revoked"),
            PartnerError::InvalidField(e) => e.into(),
            PartnerError::Db(e) => e.into(),
        }
    }
}

impl From<DisableError> for ApiError {
    fn from(e: DisableError) -> ApiError {
        match e {
            DisableError::NotFound => ApiError::not_found("account_not_found"),
            DisableError::OwnAccount => ApiError::conflict("cannot_disable_self"),
            DisableError::AlreadyDisabled => ApiError::conflict("account_already_disabled"),
            DisableError::Db(e) => e.into(),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> ApiError {
        let field = e.field;
        ApiError::invalid_field(
            field,
            format!("{field} {}", e.en),
            format!("{field}: {}", e.ja),
        )
    }
}

impl From<AllowanceError> for ApiError {
    fn from(e: AllowanceError) -> ApiError {
        match e {
            AllowanceError::NotEnrolled => ApiError::conflict("not_enrolled"),
            AllowanceError::NoAllowance => ApiError::unprocessable("program_has_no_allowance"),
            AllowanceError::Insufficient {
                remaining,
                requested,
            } => ApiError::conflict("insufficient_balance")
                .detail(
                    format!("Only {remaining} remain; {requested} were asked for."),
                    format!("残りは{remaining}です（{requested}が必要です）。"),
                )
                .with("remaining", remaining)
                .with("requested", requested),
            AllowanceError::InvalidField(f) => f.into(),
            AllowanceError::Db(e) => e.into(),
        }
    }
}

impl From<VoucherError> for ApiError {
    fn from(e: VoucherError) -> ApiError {
        use axum::http::StatusCode;
        match e {
            VoucherError::NotVoucherProgram => ApiError::unprocessable("program_has_no_vouchers"),
            VoucherError::NotEnrolled => ApiError::conflict("not_enrolled"),
            VoucherError::Exhausted => ApiError::conflict("allowance_exhausted"),
            VoucherError::Malformed => ApiError::unprocessable("voucher_malformed"),
            VoucherError::UnknownKey => ApiError::unprocessable("voucher_unknown_key"),
            VoucherError::BadSignature => ApiError::unprocessable("voucher_signature_invalid"),
            VoucherError::Expired => ApiError::new(StatusCode::GONE, "voucher_expired"),
            VoucherError::Cancelled => ApiError::new(StatusCode::GONE, "voucher_cancelled"),
            VoucherError::AlreadyRedeemed => ApiError::conflict("voucher_already_redeemed"),
            VoucherError::WrongPartnerKind { kind, program } => {
                ApiError::forbidden("partner_kind_mismatch")
                    .with("partner_kind", kind.as_str())
                    .with("program", program.as_str())
            }
            VoucherError::IdempotencyMismatch => ApiError::unprocessable("idempotency_key_reused"),
            VoucherError::RedemptionNotFound => ApiError::not_found("redemption_not_found"),
            VoucherError::AlreadyReversed => ApiError::conflict("redemption_already_reversed"),
            VoucherError::ReversalWindowClosed => ApiError::conflict("reversal_window_closed"),
            VoucherError::DeviceRevoked => ApiError::unauthorized("device_revoked"),
            VoucherError::InvalidField(f) => f.into(),
            VoucherError::Db(e) => e.into(),
        }
    }
}

/// "2 時間 30 分" / "2 h 30 min" for problem details.
fn hours(minutes: i64) -> (String, String) {
    let (h, m) = (minutes / 60, minutes % 60);
    (format!("{h} h {m} min"), format!("{h}時間{m}分"))
}

impl From<RespiteError> for ApiError {
    fn from(e: RespiteError) -> ApiError {
        match e {
            RespiteError::NotEnrolled => ApiError::conflict("not_enrolled"),
            RespiteError::HoursExceeded {
                remaining,
                requested,
            } => {
                let (left_en, left_ja) = hours(remaining);
                let (asked_en, asked_ja) = hours(requested);
                ApiError::conflict("respite_hours_exceeded")
                    .detail(
                        format!("{left_en} ({remaining} minutes) remain this fiscal year; this visit needs {asked_en}."),
                        format!("今年度の残りは{left_ja}（{remaining}分）です。この訪問には{asked_ja}が必要です。"),
                    )
                    .with("remaining_minutes", remaining)
                    .with("requested_minutes", requested)
            }
            RespiteError::VisitNotFound => ApiError::not_found("visit_not_found"),
            RespiteError::InvalidTransition { from, to } => {
                ApiError::conflict("visit_state_conflict")
                    .detail(
                        format!("A {} visit cannot be {to}.", from.as_str()),
                        format!("状態が「{}」の訪問は「{to}」にできません。", from.as_str()),
                    )
                    .with("visit_status", from.as_str())
            }
            RespiteError::AlreadyStarted => ApiError::conflict("visit_already_started"),
            RespiteError::InvalidField(f) => f.into(),
            RespiteError::Db(e) => e.into(),
        }
    }
}

impl From<ShortStayError> for ApiError {
    fn from(e: ShortStayError) -> ApiError {
        match e {
            ShortStayError::NotEnrolled => ApiError::conflict("not_enrolled"),
            ShortStayError::NotFound => ApiError::not_found("short_stay_not_found"),
            ShortStayError::InvalidTransition { from, to } => {
                ApiError::conflict("short_stay_state_conflict")
                    .detail(
                        format!("A {} request cannot be {to}.", from.as_str()),
                        format!("状態が「{}」の申請は「{to}」にできません。", from.as_str()),
                    )
                    .with("stay_status", from.as_str())
            }
            ShortStayError::InvalidField(f) => f.into(),
            ShortStayError::Db(e) => e.into(),
        }
    }
}

impl From<PlayError> for ApiError {
    fn from(e: PlayError) -> ApiError {
        match e {
            PlayError::SessionNotFound => ApiError::not_found("play_session_not_found"),
            PlayError::BookingNotFound => ApiError::not_found("play_booking_not_found"),
            PlayError::BookingClosed => ApiError::conflict("booking_closed"),
            PlayError::Full => ApiError::conflict("session_full"),
            PlayError::AlreadyBooked => ApiError::conflict("already_booked"),
            PlayError::CutOffPassed => ApiError::conflict("cancellation_closed"),
            PlayError::NotConfirmed(s) => {
                ApiError::conflict("booking_not_confirmed").with("booking_status", s.as_str())
            }
            PlayError::AlreadyCheckedIn => ApiError::conflict("already_checked_in"),
            PlayError::NotNow => ApiError::conflict("not_during_session"),
            PlayError::NotABookingCode => ApiError::unprocessable("not_a_booking_code"),
            PlayError::InvalidField(f) => f.into(),
            PlayError::Db(e) => e.into(),
        }
    }
}
