//! How each area's errors map to HTTP status and stable problem codes.

use axum::http::StatusCode;

use super::problem::{ApiError, Code};
use crate::allowances::{AllowanceError, ProposalStatus, Unit};
use crate::auth::AuthError;
use crate::auth::accounts::DisableError;
use crate::auth::invitations::InviteError;
use crate::enrollments::{EnrollmentError, Unmet};
use crate::households::HouseholdError;
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
            HouseholdError::TooManyChildren => ApiError::conflict(Code::TooManyChildren).detail(
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
            EnrollmentError::ChildNotFound => ApiError::not_found(Code::ChildNotFound),
            EnrollmentError::NotFound => ApiError::not_found(Code::EnrollmentNotFound),
            EnrollmentError::NotPending { current } => {
                ApiError::conflict(Code::EnrollmentNotPending)
                    .detail(
                        format!("This application is already {}.", current.as_str()),
                        format!("この申請は既に{}です。", status_ja(current)),
                    )
                    .with("current_status", current.as_str())
            }
            EnrollmentError::AlreadyOpen => ApiError::conflict(Code::EnrollmentAlreadyOpen),
            EnrollmentError::RenewalNotOpen(next) => ApiError::conflict(Code::RenewalNotOpen)
                .detail(
                    format!(
                        "The approval is still valid. Applications for FY{} open on {}.",
                        next.fiscal_year.0, next.opens_on
                    ),
                    format!(
                        "現在の承認はまだ有効です。{}の更新申請は{}から受け付けます。",
                        next.fiscal_year.ja(),
                        crate::clock::date_ja(next.opens_on)
                    ),
                )
                .with("opens_on", next.opens_on.to_string())
                .with("fiscal_year", format!("FY{}", next.fiscal_year.0)),
            EnrollmentError::NotEligible(unmet) => unmet.into(),
            EnrollmentError::NotApproved { current } => {
                ApiError::conflict(Code::EnrollmentNotApproved)
                    .detail(
                        format!(
                            "Only an approved enrollment has a certificate; this one is {}.",
                            current.as_str()
                        ),
                        format!(
                            "受給者証を登録できるのは承認済みの登録だけです（この登録は{}）。",
                            status_ja(current)
                        ),
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
            Unmet::NotOffered => ApiError::conflict(Code::ProgramNotOffered).detail(
                "The ward does not run this program.",
                "この事業は現在実施していません。",
            ),
            Unmet::CareNeeds { any_of } => {
                let ja: Vec<&str> = any_of.iter().map(|n| n.ja()).collect();
                let en: Vec<&str> = any_of.iter().map(|n| n.en()).collect();
                ApiError::conflict(Code::NotEligible)
                    .detail(
                        format!(
                            "This program is for people who need one of: {}. The person's record has none of them.",
                            en.join(", ")
                        ),
                        format!(
                            "この事業の対象は、{}のいずれかが必要な方です。対象者の記録にはいずれも登録されていません。",
                            ja.join("・")
                        ),
                    )
                    .with("condition", "care_needs")
                    .with(
                        "care_needs_any",
                        serde_json::to_value(&any_of).unwrap_or_default(),
                    )
            }
            Unmet::Age { age, min, max } => {
                let (en, ja) = match (min, max) {
                    (Some(a), Some(b)) => (format!("from {a} to {b}"), format!("{a}歳から{b}歳まで")),
                    (Some(a), None) => (format!("{a} or older"), format!("{a}歳以上")),
                    (None, Some(b)) => (format!("up to {b}"), format!("{b}歳まで")),
                    (None, None) => (String::new(), String::new()),
                };
                ApiError::conflict(Code::NotEligible)
                    .detail(
                        format!("This program is for ages {en}; the person is {age}."),
                        format!("この事業の対象年齢は{ja}です（現在{age}歳）。"),
                    )
                    .with("condition", "age")
            }
            Unmet::CertificateMissing { name_ja, name_en } => {
                ApiError::conflict(Code::NotEligible)
                    .detail(
                        format!("This program needs the {name_en}, and none is on record. Please ask the ward's office."),
                        format!("この事業には{name_ja}が必要ですが、登録されていません。担当窓口にお問い合わせください。"),
                    )
                    .with("condition", "certificate")
            }
            Unmet::CertificateExpired {
                name_ja,
                name_en,
                valid_until,
            } => ApiError::conflict(Code::CertificateExpired)
                .detail(
                    format!("The {name_en} expired on {valid_until}. Please give the ward's office the renewed certificate."),
                    format!(
                        "{name_ja}の有効期限（{}）が過ぎています。更新した受給者証を担当窓口に届け出てください。",
                        crate::clock::date_ja(valid_until)
                    ),
                )
                .with("condition", "certificate")
                .with("valid_until", valid_until.to_string()),
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
            AllowanceError::NotEnrolled => ApiError::conflict(Code::NotEnrolled),
            AllowanceError::NoAllowance => ApiError::unprocessable(Code::ProgramHasNoAllowance),
            AllowanceError::Insufficient {
                remaining,
                requested,
            } => ApiError::conflict(Code::InsufficientBalance)
                .detail(
                    format!("Only {remaining} remain; {requested} were asked for."),
                    format!("残りは{remaining}です（{requested}が必要です）。"),
                )
                .with("remaining", remaining)
                .with("requested", requested),
            AllowanceError::NegativeMagnitude => ApiError::invalid_field(
                "amount",
                "must be a size the ledger can hold",
                "数量が扱える範囲を超えています",
            ),
            AllowanceError::AdjustmentOverLimit { max, unit } => {
                let (en, ja) = quantity(max, unit);
                ApiError::unprocessable(Code::AdjustmentOverLimit)
                    .detail(
                        format!(
                            "A single correction may be at most {en}, even with two approvers."
                        ),
                        format!("1回の補正は、2人で承認する場合でも{ja}までです。"),
                    )
                    .with("field", "amount")
                    .with("max", max)
            }
            AllowanceError::NeedsSecondApprover { limit, unit } => {
                let (en, ja) = quantity(limit, unit);
                ApiError::conflict(Code::SecondApproverRequired)
                    .detail(
                        format!("One person may correct at most {en} on this account alone; propose a correction for a second staff member to approve."),
                        format!("1人で行える補正はこの残高につき{ja}までです。補正を申請し、別の職員の承認を受けてください。"),
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
                    .detail(
                        format!("This proposal is already {status}."),
                        format!("この補正申請は既に{ja}です。"),
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
            VoucherError::Exhausted => ApiError::conflict(Code::AllowanceExhausted),
            VoucherError::Malformed => ApiError::unprocessable(Code::VoucherMalformed),
            VoucherError::UnknownKey => ApiError::unprocessable(Code::VoucherUnknownKey),
            VoucherError::BadSignature => ApiError::unprocessable(Code::VoucherSignatureInvalid),
            VoucherError::Expired => ApiError::new(StatusCode::GONE, Code::VoucherExpired),
            VoucherError::Cancelled => ApiError::new(StatusCode::GONE, Code::VoucherCancelled),
            VoucherError::AlreadyRedeemed => ApiError::conflict(Code::VoucherAlreadyRedeemed),
            VoucherError::WrongPartnerKind { kind, program } => {
                ApiError::forbidden(Code::PartnerKindMismatch)
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
                .detail(
                    format!(
                        "One redemption may claim at most {}; check the amount.",
                        yen_en(max)
                    ),
                    format!(
                        "1回の利用で入力できるのは{}までです。金額をご確認ください。",
                        yen_ja(max)
                    ),
                )
                .with("field", "amount_yen")
                .with("max_yen", max.0),
            VoucherError::FeeOverLimit { field, max } => {
                ApiError::unprocessable(Code::FeeOverLimit)
                    .detail(
                        format!(
                            "Each fee may be at most {}; check the amounts.",
                            yen_en(max)
                        ),
                        format!("各料金は{}までです。金額をご確認ください。", yen_ja(max)),
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

/// An amount in a program's unit, for problem details: "¥20,000" / "20,000円", "4 tickets" /
/// "4枚", "2 h 30 min" / "2時間30分".
fn quantity(n: i64, unit: Unit) -> (String, String) {
    match unit {
        Unit::Yen => (yen_en(crate::units::Yen(n)), yen_ja(crate::units::Yen(n))),
        Unit::Ticket => (
            format!("{} tickets", crate::units::grouped(n)),
            format!("{}枚", crate::units::grouped(n)),
        ),
        Unit::Minute => hours(n),
    }
}

/// "¥20,000" / "20,000円" for problem details.
fn yen_en(y: crate::units::Yen) -> String {
    format!("¥{}", crate::units::grouped(y.0))
}

fn yen_ja(y: crate::units::Yen) -> String {
    format!("{}円", crate::units::grouped(y.0))
}

/// "2 時間 30 分" / "2 h 30 min" for problem details.
fn hours(minutes: i64) -> (String, String) {
    let (h, m) = (minutes / 60, minutes % 60);
    (format!("{h} h {m} min"), format!("{h}時間{m}分"))
}

impl From<RespiteError> for ApiError {
    fn from(e: RespiteError) -> ApiError {
        match e {
            RespiteError::NotEnrolled => ApiError::conflict(Code::NotEnrolled),
            RespiteError::Ineligible(unmet) => unmet.into(),
            RespiteError::HoursExceeded {
                remaining,
                requested,
            } => {
                let (left_en, left_ja) = hours(remaining);
                let (asked_en, asked_ja) = hours(requested);
                ApiError::conflict(Code::RespiteHoursExceeded)
                    .detail(
                        format!("{left_en} ({remaining} minutes) remain this fiscal year; this visit needs {asked_en}."),
                        format!("今年度の残りは{left_ja}（{remaining}分）です。この訪問には{asked_ja}が必要です。"),
                    )
                    .with("remaining_minutes", remaining)
                    .with("requested_minutes", requested)
            }
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
                    .detail(
                        format!("A {} visit cannot be {en}.", from.as_str()),
                        format!("{}の訪問は{ja}。", from.ja()),
                    )
                    .with("visit_status", from.as_str())
            }
            RespiteError::Overlaps { other } => ApiError::conflict(Code::VisitOverlaps)
                .with("visit_id", other.to_string()),
            RespiteError::OutsideBooking {
                earliest_start,
                latest_end,
            } => ApiError::unprocessable(Code::VisitOutsideBooking)
                .detail(
                    format!(
                        "A station can record a visit from {} to {}; outside that, ward staff record it as an exception.",
                        earliest_start.format("%Y-%m-%d %H:%M"),
                        latest_end.format("%Y-%m-%d %H:%M")
                    ),
                    format!(
                        "事業所が記録できるのは{}から{}までの時間です。それ以外は区の職員が例外として記録します。",
                        earliest_start.format("%-m月%-d日 %H:%M"),
                        latest_end.format("%-m月%-d日 %H:%M")
                    ),
                )
                .with("earliest_start", earliest_start.format("%Y-%m-%dT%H:%M:%S").to_string())
                .with("latest_end", latest_end.format("%Y-%m-%dT%H:%M:%S").to_string()),
            RespiteError::DisputeWindowClosed { until } => {
                ApiError::conflict(Code::DisputeWindowClosed)
                    .detail(
                        format!(
                            "This visit could be disputed until {}; please call the ward.",
                            until.format("%Y-%m-%d %H:%M")
                        ),
                        format!(
                            "この訪問に異議を申し立てられるのは{}までです。区にお問い合わせください。",
                            until.format("%-m月%-d日 %H:%M")
                        ),
                    )
                    .with("dispute_until", until.format("%Y-%m-%dT%H:%M:%S").to_string())
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
                ApiError::conflict(Code::ShortStayStateConflict)
                    .detail(
                        format!("A {} request cannot be {to}.", from.as_str()),
                        format!("状態が「{}」の申請は「{to}」にできません。", from.as_str()),
                    )
                    .with("stay_status", from.as_str())
            }
            ShortStayError::AdmissionOutsideDates { earliest, latest } => {
                ApiError::unprocessable(Code::AdmissionOutsideDates)
                    .detail(
                        format!("The admission can be recorded from {earliest} to {latest}, the confirmed dates."),
                        format!(
                            "入所を記録できるのは、決定した日程の{}から{}までです。",
                            earliest.format("%-m月%-d日"),
                            latest.format("%-m月%-d日")
                        ),
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
                    .detail(
                        format!(
                            "The month can be closed from {}.",
                            closable_from.format("%Y-%m-%d %H:%M")
                        ),
                        format!(
                            "この月を締められるのは{}以降です。",
                            closable_from.format("%-m月%-d日 %H:%M")
                        ),
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
                .detail(
                    "A child in this booking has no approved play-space enrollment for the session's date; apply first.",
                    "この予約の児童には、開催日に有効なひろばの利用登録（承認済み）がありません。先に利用申請をしてください。",
                )
                .with("child_id", child_id.to_string()),
            PlayError::InvalidField(f) => f.into(),
            PlayError::Db(e) => e.into(),
        }
    }
}
