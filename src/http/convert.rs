//! How each area's errors map to HTTP status and stable problem codes.

use axum::http::StatusCode;

use super::problem::{ApiError, Code};
use crate::allowances::{AllowanceError, ProposalStatus, Unit};
use crate::auth::AuthError;
use crate::auth::accounts::DisableError;
use crate::auth::invitations::InviteError;
use crate::enrollments::{EnrollmentError, Unmet};
use crate::households::HouseholdError;
use crate::messages::{Arg, Args};
use crate::partners::PartnerError;
use crate::play_space::PlayError;
use crate::respite::RespiteError;
use crate::settlements::SettlementError;
use crate::short_stays::ShortStayError;
use crate::text::FieldError;
use crate::vouchers::VoucherError;

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::InvalidCredentials => ApiError::unauthorized(Code::InvalidCredentials),
            AuthError::AccountDisabled => ApiError::forbidden(Code::AccountDisabled),
            AuthError::Busy => ApiError::busy(),
            AuthError::Throttled {
                retry_after_seconds,
            } => ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::TooManyAttempts)
                .retry_after(retry_after_seconds),
            AuthError::InvalidToken => ApiError::unauthorized(Code::InvalidToken),
            AuthError::InvalidRefreshToken => ApiError::unauthorized(Code::RefreshTokenInvalid),
            AuthError::RefreshTokenReused => ApiError::unauthorized(Code::RefreshTokenReused),
            AuthError::InvitationInvalid => {
                ApiError::new(StatusCode::GONE, Code::InvitationInvalid)
            }
            AuthError::EmailTaken => ApiError::conflict(Code::EmailTaken),
            AuthError::SecondFactorRequired => ApiError::unauthorized(Code::SecondFactorRequired),
            AuthError::InvalidOneTimeCode => ApiError::unauthorized(Code::InvalidOneTimeCode),
            AuthError::SecondFactorAlreadyEnrolled => {
                ApiError::conflict(Code::SecondFactorAlreadyEnrolled)
            }
            AuthError::SecondFactorNotStarted => ApiError::conflict(Code::SecondFactorNotStarted),
            AuthError::InvalidField(e) => e.into(),
            AuthError::Db(e) => e.into(),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> ApiError {
        match e {
            InviteError::Auth(a) => a.into(),
            InviteError::HouseholdNotFound => ApiError::not_found(Code::HouseholdNotFound),
        }
    }
}

impl From<HouseholdError> for ApiError {
    fn from(e: HouseholdError) -> ApiError {
        match e {
            HouseholdError::HouseholdNotFound => ApiError::not_found(Code::HouseholdNotFound),
            HouseholdError::ChildNotFound => ApiError::not_found(Code::ChildNotFound),
            HouseholdError::TooManyChildren => ApiError::conflict(Code::TooManyChildren).say(
                "problem-too-many-children",
                Args::new().with(
                    "max_children",
                    Arg::Count(
                        i64::try_from(crate::households::MAX_CHILDREN_PER_HOUSEHOLD)
                            .unwrap_or(i64::MAX),
                    ),
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
            EnrollmentError::ChildNotFound => ApiError::not_found(Code::ChildNotFound),
            EnrollmentError::NotFound => ApiError::not_found(Code::EnrollmentNotFound),
            EnrollmentError::NotPending { current } => {
                ApiError::conflict(Code::EnrollmentNotPending)
                    .say(
                        "problem-enrollment-not-pending",
                        Args::new().with("status", named(status_ja(current), current.as_str())),
                    )
                    .with("current_status", current.as_str())
            }
            EnrollmentError::AlreadyOpen => ApiError::conflict(Code::EnrollmentAlreadyOpen),
            EnrollmentError::RenewalNotOpen(next) => ApiError::conflict(Code::RenewalNotOpen)
                .say(
                    "problem-renewal-not-open",
                    Args::new()
                        .with(
                            "fiscal_year",
                            named(&next.fiscal_year.ja(), &format!("FY{}", next.fiscal_year.0)),
                        )
                        .with("opens_on", Arg::Date(next.opens_on)),
                )
                .with("opens_on", next.opens_on.to_string())
                .with("fiscal_year", format!("FY{}", next.fiscal_year.0)),
            EnrollmentError::NotEligible(unmet) => unmet.into(),
            EnrollmentError::NotApproved { current } => {
                ApiError::conflict(Code::EnrollmentNotApproved)
                    .say(
                        "problem-enrollment-not-approved",
                        Args::new().with("status", named(status_ja(current), current.as_str())),
                    )
                    .with("current_status", current.as_str())
            }
            EnrollmentError::InvalidField(e) => e.into(),
            EnrollmentError::Db(e) => e.into(),
        }
    }
}

impl From<Unmet> for ApiError {
    fn from(u: Unmet) -> ApiError {
        match u {
            Unmet::NotOffered => ApiError::conflict(Code::ProgramNotOffered)
                .say("problem-program-not-offered", Args::new()),
            Unmet::CareNeeds { any_of } => {
                let ja: Vec<&str> = any_of.iter().map(|n| n.ja()).collect();
                let en: Vec<&str> = any_of.iter().map(|n| n.en()).collect();
                ApiError::conflict(Code::NotEligible)
                    .say(
                        "problem-not-eligible-care-needs",
                        Args::new().with("conditions", named(&ja.join("・"), &en.join(", "))),
                    )
                    .with("condition", "care_needs")
                    .with(
                        "care_needs_any",
                        serde_json::to_value(&any_of).unwrap_or_default(),
                    )
            }
            Unmet::Age { age, min, max } => {
                let (en, ja) = match (min, max) {
                    (Some(a), Some(b)) => {
                        (format!("from {a} to {b}"), format!("{a}歳から{b}歳まで"))
                    }
                    (Some(a), None) => (format!("{a} or older"), format!("{a}歳以上")),
                    (None, Some(b)) => (format!("up to {b}"), format!("{b}歳まで")),
                    (None, None) => (String::new(), String::new()),
                };
                ApiError::conflict(Code::NotEligible)
                    .say(
                        "problem-not-eligible-age",
                        Args::new()
                            .with("age_range", named(&ja, &en))
                            .with("age", Arg::Count(i64::from(age))),
                    )
                    .with("condition", "age")
            }
            Unmet::CertificateMissing { name_ja, name_en } => ApiError::conflict(Code::NotEligible)
                .say(
                    "problem-certificate-missing",
                    Args::new().with("certificate", named(&name_ja, &name_en)),
                )
                .with("condition", "certificate"),
            Unmet::CertificateExpired {
                name_ja,
                name_en,
                valid_until,
            } => ApiError::conflict(Code::CertificateExpired)
                .say(
                    "problem-certificate-expired",
                    Args::new()
                        .with("certificate", named(&name_ja, &name_en))
                        .with("valid_until", Arg::Date(valid_until)),
                )
                .with("condition", "certificate")
                .with("valid_until", valid_until.to_string()),
        }
    }
}

/// A word or name given in both languages.
fn named(ja: &str, en: &str) -> Arg {
    Arg::Named {
        ja: ja.to_owned(),
        en: en.to_owned(),
    }
}

/// An amount in an allowance's unit.
fn quantity(n: i64, unit: Unit) -> Arg {
    use crate::messages::Unit as U;
    Arg::Quantity(
        n,
        match unit {
            Unit::Yen => U::Yen,
            Unit::Ticket => U::Ticket,
            Unit::Minute => U::Minute,
        },
    )
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
            PartnerError::PartnerNotFound => ApiError::not_found(Code::PartnerNotFound),
            PartnerError::DeviceNotFound => ApiError::not_found(Code::DeviceNotFound),
            PartnerError::NameTaken => ApiError::conflict(Code::PartnerNameTaken),
            PartnerError::AlreadyRevoked => ApiError::conflict(Code::DeviceAlreadyRevoked),
            PartnerError::UnknownCredential => ApiError::unauthorized(Code::InvalidToken),
            PartnerError::Revoked => ApiError::unauthorized(Code::DeviceRevoked),
            PartnerError::InvalidField(e) => e.into(),
            PartnerError::Db(e) => e.into(),
        }
    }
}

impl From<DisableError> for ApiError {
    fn from(e: DisableError) -> ApiError {
        match e {
            DisableError::NotFound => ApiError::not_found(Code::AccountNotFound),
            DisableError::OwnAccount => ApiError::conflict(Code::CannotDisableSelf),
            DisableError::AlreadyDisabled => ApiError::conflict(Code::AccountAlreadyDisabled),
            DisableError::Db(e) => e.into(),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> ApiError {
        ApiError::invalid_field(e.field, e.en, e.ja)
    }
}

impl From<AllowanceError> for ApiError {
    fn from(e: AllowanceError) -> ApiError {
        match e {
            AllowanceError::NotEnrolled => ApiError::conflict(Code::NotEnrolled),
            AllowanceError::NoAllowance => ApiError::unprocessable(Code::ProgramHasNoAllowance),
            AllowanceError::Insufficient {
                remaining,
                requested,
                period,
                unit,
            } => ApiError::conflict(Code::InsufficientBalance)
                .say(
                    "problem-insufficient-balance",
                    Args::new()
                        .with("period", Arg::Key(period.as_str()))
                        .with("remaining", quantity(remaining, unit))
                        .with("requested", quantity(requested, unit)),
                )
                .with("remaining", remaining)
                .with("requested", requested),
            AllowanceError::NegativeMagnitude => {
                FieldError::said("amount", "reason-beyond-the-ledger", Args::new()).into()
            }
            AllowanceError::AdjustmentOverLimit { max, unit } => {
                ApiError::unprocessable(Code::AdjustmentOverLimit)
                    .say(
                        "problem-adjustment-over-limit",
                        Args::new().with("max", quantity(max, unit)),
                    )
                    .with("field", "amount")
                    .with("max", max)
            }
            AllowanceError::NeedsSecondApprover { limit, unit } => {
                ApiError::conflict(Code::SecondApproverRequired)
                    .say(
                        "problem-second-approver-required",
                        Args::new().with("limit", quantity(limit, unit)),
                    )
                    .with("limit", limit)
            }
            AllowanceError::ProposalNotFound => ApiError::not_found(Code::ProposalNotFound),
            AllowanceError::ProposalNotPending(status) => {
                let ja = match status {
                    ProposalStatus::Proposed => "承認待ち",
                    ProposalStatus::Approved => "承認済み",
                    ProposalStatus::Rejected => "却下済み",
                };
                ApiError::conflict(Code::ProposalNotPending)
                    .say(
                        "problem-proposal-not-pending",
                        Args::new().with("status", named(ja, status.as_str())),
                    )
                    .with("proposal_status", status.as_str())
            }
            AllowanceError::SameApprover => ApiError::conflict(Code::SameApprover),
            AllowanceError::ProposalPeriodEnded => ApiError::conflict(Code::ProposalPeriodEnded),
            AllowanceError::InvalidField(f) => f.into(),
            AllowanceError::Db(e) => e.into(),
        }
    }
}

impl From<VoucherError> for ApiError {
    fn from(e: VoucherError) -> ApiError {
        use axum::http::StatusCode;
        match e {
            VoucherError::NotVoucherProgram => ApiError::unprocessable(Code::ProgramHasNoVouchers),
            VoucherError::NotEnrolled => ApiError::conflict(Code::NotEnrolled),
            VoucherError::Ineligible(unmet) => unmet.into(),
            VoucherError::Exhausted { period } => ApiError::conflict(Code::AllowanceExhausted).say(
                "problem-allowance-exhausted",
                Args::new().with("period", Arg::Key(period.as_str())),
            ),
            VoucherError::Malformed => ApiError::unprocessable(Code::VoucherMalformed),
            VoucherError::UnknownKey => ApiError::unprocessable(Code::VoucherUnknownKey),
            VoucherError::BadSignature => ApiError::unprocessable(Code::VoucherSignatureInvalid),
            VoucherError::Expired => ApiError::new(StatusCode::GONE, Code::VoucherExpired),
            VoucherError::Cancelled => ApiError::new(StatusCode::GONE, Code::VoucherCancelled),
            VoucherError::AlreadyRedeemed => ApiError::conflict(Code::VoucherAlreadyRedeemed),
            VoucherError::WrongPartnerKind {
                kind,
                program,
                program_kind,
                name_ja,
                name_en,
            } => {
                use crate::config::ProgramKind as K;
                let ticket = match program_kind {
                    Some(K::TicketAllowance) => "ticket_allowance",
                    Some(K::PlaySpace) => "play_space",
                    _ => "yen_allowance",
                };
                ApiError::forbidden(Code::PartnerKindMismatch)
                    .say(
                        "problem-partner-kind-mismatch",
                        Args::new()
                            .with("kind", Arg::Key(ticket))
                            .with("program", named(&name_ja, &name_en))
                            .with("place", named(kind.ja(), &kind.as_str().replace('_', " "))),
                    )
                    .with("partner_kind", kind.as_str())
                    .with("program", program.as_str())
            }
            VoucherError::IdempotencyMismatch => {
                ApiError::unprocessable(Code::IdempotencyKeyReused)
            }
            VoucherError::RedemptionNotFound => ApiError::not_found(Code::RedemptionNotFound),
            VoucherError::AlreadyReversed => ApiError::conflict(Code::RedemptionAlreadyReversed),
            VoucherError::ReversalWindowClosed => ApiError::conflict(Code::ReversalWindowClosed),
            VoucherError::DeviceRevoked => ApiError::unauthorized(Code::DeviceRevoked),
            VoucherError::Mismatch => ApiError::unprocessable(Code::VoucherMismatch),
            VoucherError::MonthClosed => ApiError::conflict(Code::MonthClosed),
            VoucherError::AmountOverLimit { max } => ApiError::unprocessable(Code::AmountOverLimit)
                .say(
                    "problem-amount-over-limit",
                    Args::new().with("max_yen", Arg::Yen(max.0)),
                )
                .with("field", "amount_yen")
                .with("max_yen", max.0),
            VoucherError::FeeOverLimit { field, max } => {
                ApiError::unprocessable(Code::FeeOverLimit)
                    .say(
                        "problem-fee-over-limit",
                        Args::new()
                            .with("field", Arg::Field(field))
                            .with("max_yen", Arg::Yen(max.0)),
                    )
                    .with("field", field)
                    .with("max_yen", max.0)
            }
            VoucherError::Ledger(e) => e.into(),
            VoucherError::InvalidField(f) => f.into(),
            VoucherError::Db(e) => e.into(),
        }
    }
}

impl From<RespiteError> for ApiError {
    fn from(e: RespiteError) -> ApiError {
        match e {
            RespiteError::NotEnrolled => ApiError::conflict(Code::NotEnrolled),
            RespiteError::Ineligible(unmet) => unmet.into(),
            RespiteError::HoursExceeded {
                remaining,
                requested,
            } => ApiError::conflict(Code::RespiteHoursExceeded)
                .say(
                    "problem-respite-hours-exceeded",
                    Args::new()
                        .with("remaining", quantity(remaining, Unit::Minute))
                        .with("requested", quantity(requested, Unit::Minute)),
                )
                .with("remaining_minutes", remaining)
                .with("requested_minutes", requested),
            RespiteError::VisitNotFound => ApiError::not_found(Code::VisitNotFound),
            RespiteError::InvalidTransition { from, to } => {
                use crate::respite::VisitStatus as S;
                let (en, ja) = match to {
                    S::Accepted => ("accepted", "受け付けられません"),
                    S::Declined => ("declined", "お断りできません"),
                    S::Cancelled => ("cancelled", "取り消せません"),
                    S::Completed => ("recorded", "記録できません"),
                    S::Disputed => ("disputed", "異議を申し立てられません"),
                    S::Requested => ("requested again", "もう一度依頼できません"),
                };
                ApiError::conflict(Code::VisitStateConflict)
                    .say(
                        "problem-visit-state-conflict",
                        Args::new()
                            .with("status", named(from.ja(), from.as_str()))
                            .with("action", named(ja, en)),
                    )
                    .with("visit_status", from.as_str())
            }
            RespiteError::Overlaps { other } => {
                ApiError::conflict(Code::VisitOverlaps).with("visit_id", other.to_string())
            }
            RespiteError::OutsideBooking {
                earliest_start,
                latest_end,
            } => ApiError::unprocessable(Code::VisitOutsideBooking)
                .say(
                    "problem-visit-outside-booking",
                    Args::new()
                        .with("earliest_start", Arg::LocalTime(earliest_start))
                        .with("latest_end", Arg::LocalTime(latest_end)),
                )
                .with(
                    "earliest_start",
                    earliest_start.format("%Y-%m-%dT%H:%M:%S").to_string(),
                )
                .with(
                    "latest_end",
                    latest_end.format("%Y-%m-%dT%H:%M:%S").to_string(),
                ),
            RespiteError::DisputeWindowClosed { until } => {
                ApiError::conflict(Code::DisputeWindowClosed)
                    .say(
                        "problem-dispute-window-closed",
                        Args::new().with("dispute_until", Arg::LocalTime(until)),
                    )
                    .with(
                        "dispute_until",
                        until.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    )
            }
            RespiteError::AlreadyStarted => ApiError::conflict(Code::VisitAlreadyStarted),
            RespiteError::DeviceRevoked => ApiError::unauthorized(Code::DeviceRevoked),
            RespiteError::Ledger(e) => e.into(),
            RespiteError::InvalidField(f) => f.into(),
            RespiteError::Db(e) => e.into(),
        }
    }
}

impl From<ShortStayError> for ApiError {
    fn from(e: ShortStayError) -> ApiError {
        match e {
            ShortStayError::NotEnrolled => ApiError::conflict(Code::NotEnrolled),
            ShortStayError::Ineligible(unmet) => unmet.into(),
            ShortStayError::NotFound => ApiError::not_found(Code::ShortStayNotFound),
            ShortStayError::InvalidTransition { from, to } => {
                let (action_ja, action_en) = stay_action(to);
                ApiError::conflict(Code::ShortStayStateConflict)
                    .say(
                        "problem-short-stay-state-conflict",
                        Args::new()
                            .with("status", named(from.ja(), from.as_str()))
                            .with("action", named(action_ja, action_en)),
                    )
                    .with("stay_status", from.as_str())
            }
            ShortStayError::AdmissionOutsideDates { earliest, latest } => {
                ApiError::unprocessable(Code::AdmissionOutsideDates)
                    .say(
                        "problem-admission-outside-dates",
                        Args::new()
                            .with("earliest", Arg::Date(earliest))
                            .with("latest", Arg::Date(latest)),
                    )
                    .with("field", "admitted_at")
                    .with("earliest", earliest.to_string())
                    .with("latest", latest.to_string())
            }
            ShortStayError::InvalidField(f) => f.into(),
            ShortStayError::Db(e) => e.into(),
        }
    }
}

impl From<SettlementError> for ApiError {
    fn from(e: SettlementError) -> ApiError {
        match e {
            SettlementError::PartnerNotFound => ApiError::not_found(Code::PartnerNotFound),
            SettlementError::MonthNotEnded { closable_from } => {
                ApiError::conflict(Code::MonthNotEnded)
                    .say(
                        "problem-month-not-ended",
                        Args::new().with("closable_from", Arg::LocalTime(closable_from)),
                    )
                    .with(
                        "closable_from",
                        closable_from.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    )
            }
            SettlementError::AlreadyClosed => ApiError::conflict(Code::MonthAlreadyClosed),
            SettlementError::Db(e) => e.into(),
        }
    }
}

impl From<PlayError> for ApiError {
    fn from(e: PlayError) -> ApiError {
        match e {
            PlayError::SessionNotFound => ApiError::not_found(Code::PlaySessionNotFound),
            PlayError::SessionCancelled => ApiError::conflict(Code::PlaySessionCancelled),
            PlayError::SessionStarted => ApiError::conflict(Code::PlaySessionStarted),
            PlayError::BelowBookings {
                booked_children,
                booked_adults,
                booked_ventilator,
            } => ApiError::conflict(Code::CapacityBelowBookings)
                .say(
                    "problem-capacity-below-bookings",
                    Args::new()
                        .with("booked_children", Arg::Count(booked_children))
                        .with("booked_adults", Arg::Count(booked_adults))
                        .with("booked_ventilator", Arg::Count(booked_ventilator)),
                )
                .with("booked_children", booked_children)
                .with("booked_adults", booked_adults)
                .with("booked_ventilator", booked_ventilator),
            PlayError::BookingNotFound => ApiError::not_found(Code::PlayBookingNotFound),
            PlayError::BookingClosed => ApiError::conflict(Code::BookingClosed),
            PlayError::Full => ApiError::conflict(Code::SessionFull),
            PlayError::AlreadyBooked => ApiError::conflict(Code::AlreadyBooked),
            PlayError::CutOffPassed => ApiError::conflict(Code::CancellationClosed),
            PlayError::NotConfirmed(s) => {
                ApiError::conflict(Code::BookingNotConfirmed).with("booking_status", s.as_str())
            }
            PlayError::AlreadyCheckedIn => ApiError::conflict(Code::AlreadyCheckedIn),
            PlayError::NotNow => ApiError::conflict(Code::NotDuringSession),
            PlayError::NotABookingCode => ApiError::unprocessable(Code::NotABookingCode),
            PlayError::Ineligible(unmet) => unmet.into(),
            PlayError::NotEnrolled { child_id } => ApiError::conflict(Code::NotEnrolled)
                .say("problem-play-not-enrolled", Args::new())
                .with("child_id", child_id.to_string()),
            PlayError::InvalidField(f) => f.into(),
            PlayError::Db(e) => e.into(),
        }
    }
}

/// What a short stay cannot become, as the refusal says it: (Japanese, English).
fn stay_action(to: &str) -> (&'static str, &'static str) {
    match to {
        "approved" => ("承認できません", "approved"),
        "rejected" => ("却下できません", "rejected"),
        "withdrawn" => ("取り下げられません", "withdrawn"),
        "admitted" => ("入所として記録できません", "recorded as admitted"),
        "discharged" => ("退所として記録できません", "recorded as discharged"),
        "cancelled" => ("取り消せません", "cancelled"),
        _ => ("この操作ができません", "changed this way"),
    }
}
