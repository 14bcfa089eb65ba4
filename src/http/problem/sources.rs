//! Which problems each kind of failure becomes, derived from the conversions themselves.
//!
//! Every area's error type lists its variants (strum's `EnumDiscriminants`); [`samples`] builds
//! one value of each variant (the `match` on the discriminant is exhaustive, so a new variant
//! does not compile without a sample), and the samples go through the same `From` conversions
//! the handlers use. The spec's per-operation codes, and the problem members each code carries,
//! are read off the results: nothing here restates a status or a code by hand. A database
//! failure has no sample: it is answered as busy (503) or internal (500), which every operation
//! documents (see `contract::shared`), and converting one would log an internal error.

use axum::http::StatusCode;
use chrono::NaiveDate;
use strum::IntoEnumIterator;

use super::{ApiError, Code};
use crate::allowances::{AllowanceError, AllowanceErrorDiscriminants as A, ProposalStatus, Unit};
use crate::auth::accounts::{DisableError, DisableErrorDiscriminants as D};
use crate::auth::invitations::{InviteError, InviteErrorDiscriminants as I};
use crate::auth::{AuthError, AuthErrorDiscriminants as Au};
use crate::enrollments::{EnrollmentError, EnrollmentErrorDiscriminants as E, Unmet};
use crate::households::{HouseholdError, HouseholdErrorDiscriminants as H};
use crate::partners::{PartnerError, PartnerErrorDiscriminants as P};
use crate::play_space::{PlayError, PlayErrorDiscriminants as Pl};
use crate::respite::{RespiteError, RespiteErrorDiscriminants as R};
use crate::settlements::{SettlementError, SettlementErrorDiscriminants as Se};
use crate::short_stays::{ShortStayError, ShortStayErrorDiscriminants as Ss};
use crate::text::FieldError;
use crate::vouchers::{VoucherError, VoucherErrorDiscriminants as V};

/// Where an operation's failures come from: an area's error type, or one problem its handler
/// answers with itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Auth,
    Invite,
    Household,
    Enrollment,
    Partner,
    Disable,
    Allowance,
    Voucher,
    Respite,
    ShortStay,
    Settlement,
    Play,
    /// A field the area validated (`invalid_field`).
    Field,
    /// A problem the handler builds itself.
    One(StatusCode, Code),
}

impl Source {
    /// The problems this source can answer with, as the conversions build them.
    pub fn samples(self) -> Vec<ApiError> {
        match self {
            Source::Auth => Au::iter().flat_map(auth).map(ApiError::from).collect(),
            Source::Invite => I::iter().flat_map(invite).map(ApiError::from).collect(),
            Source::Household => H::iter().flat_map(household).map(ApiError::from).collect(),
            Source::Enrollment => E::iter().flat_map(enrollment).map(ApiError::from).collect(),
            Source::Partner => P::iter().flat_map(partner).map(ApiError::from).collect(),
            Source::Disable => D::iter().flat_map(disable).map(ApiError::from).collect(),
            Source::Allowance => A::iter().flat_map(allowance).map(ApiError::from).collect(),
            Source::Voucher => V::iter().flat_map(voucher).map(ApiError::from).collect(),
            Source::Respite => R::iter().flat_map(respite).map(ApiError::from).collect(),
            Source::ShortStay => Ss::iter()
                .flat_map(short_stay)
                .map(ApiError::from)
                .collect(),
            Source::Settlement => Se::iter()
                .flat_map(settlement)
                .map(ApiError::from)
                .collect(),
            Source::Play => Pl::iter().flat_map(play).map(ApiError::from).collect(),
            Source::Field => vec![field().into()],
            Source::One(status, code) => vec![ApiError::new(status, code)],
        }
    }
}

/// Every source, for the problem pages and the schema's members.
pub const ALL_SOURCES: &[Source] = &[
    Source::Auth,
    Source::Invite,
    Source::Household,
    Source::Enrollment,
    Source::Partner,
    Source::Disable,
    Source::Allowance,
    Source::Voucher,
    Source::Respite,
    Source::ShortStay,
    Source::Settlement,
    Source::Play,
    Source::Field,
];

fn field() -> FieldError {
    FieldError {
        field: "name",
        en: "must not be empty".into(),
        ja: "入力してください".into(),
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default()
}

fn unmet() -> Vec<Unmet> {
    use crate::enrollments::UnmetDiscriminants as U;
    U::iter()
        .map(|d| match d {
            U::NotOffered => Unmet::NotOffered,
            U::CareNeeds => Unmet::CareNeeds {
                any_of: vec![crate::care_needs::CareNeed::Ventilator],
            },
            U::Age => Unmet::Age {
                age: 19,
                min: None,
                max: Some(18),
            },
            U::CertificateMissing => Unmet::CertificateMissing {
                name_ja: "受給者証".into(),
                name_en: "certificate".into(),
            },
            U::CertificateExpired => Unmet::CertificateExpired {
                name_ja: "受給者証".into(),
                name_en: "certificate".into(),
                valid_until: day(),
            },
        })
        .collect()
}

fn auth(d: Au) -> Vec<AuthError> {
    vec![match d {
        Au::InvalidCredentials => AuthError::InvalidCredentials,
        Au::AccountDisabled => AuthError::AccountDisabled,
        Au::Busy => AuthError::Busy,
        Au::Throttled => AuthError::Throttled {
            retry_after_seconds: 60,
        },
        Au::InvalidToken => AuthError::InvalidToken,
        Au::InvalidRefreshToken => AuthError::InvalidRefreshToken,
        Au::RefreshTokenReused => AuthError::RefreshTokenReused,
        Au::InvitationInvalid => AuthError::InvitationInvalid,
        Au::EmailTaken => AuthError::EmailTaken,
        Au::SecondFactorRequired => AuthError::SecondFactorRequired,
        Au::InvalidOneTimeCode => AuthError::InvalidOneTimeCode,
        Au::SecondFactorAlreadyEnrolled => AuthError::SecondFactorAlreadyEnrolled,
        Au::SecondFactorNotStarted => AuthError::SecondFactorNotStarted,
        Au::InvalidField => AuthError::InvalidField(field()),
        Au::Db => return Vec::new(),
    }]
}

fn invite(d: I) -> Vec<InviteError> {
    match d {
        I::Auth => Au::iter().flat_map(auth).map(InviteError::Auth).collect(),
        I::HouseholdNotFound => vec![InviteError::HouseholdNotFound],
    }
}

fn household(d: H) -> Vec<HouseholdError> {
    vec![match d {
        H::HouseholdNotFound => HouseholdError::HouseholdNotFound,
        H::ChildNotFound => HouseholdError::ChildNotFound,
        H::TooManyChildren => HouseholdError::TooManyChildren,
        H::InvalidField => HouseholdError::InvalidField(field()),
        H::Db => return Vec::new(),
    }]
}

fn enrollment(d: E) -> Vec<EnrollmentError> {
    use crate::enrollments::Status;
    match d {
        E::ChildNotFound => vec![EnrollmentError::ChildNotFound],
        E::NotFound => vec![EnrollmentError::NotFound],
        E::NotPending => vec![EnrollmentError::NotPending {
            current: Status::Approved,
        }],
        E::AlreadyOpen => vec![EnrollmentError::AlreadyOpen],
        E::RenewalNotOpen => vec![EnrollmentError::RenewalNotOpen(
            crate::enrollments::NextYear {
                fiscal_year: crate::clock::FiscalYear(2027),
                first_day: day(),
                opens_on: day(),
            },
        )],
        E::NotEligible => unmet()
            .into_iter()
            .map(EnrollmentError::NotEligible)
            .collect(),
        E::NotApproved => vec![EnrollmentError::NotApproved {
            current: Status::Pending,
        }],
        E::InvalidField => vec![EnrollmentError::InvalidField(field())],
        E::Db => Vec::new(),
    }
}

fn partner(d: P) -> Vec<PartnerError> {
    vec![match d {
        P::PartnerNotFound => PartnerError::PartnerNotFound,
        P::DeviceNotFound => PartnerError::DeviceNotFound,
        P::NameTaken => PartnerError::NameTaken,
        P::AlreadyRevoked => PartnerError::AlreadyRevoked,
        P::UnknownCredential => PartnerError::UnknownCredential,
        P::Revoked => PartnerError::Revoked,
        P::InvalidField => PartnerError::InvalidField(field()),
        P::Db => return Vec::new(),
    }]
}

fn disable(d: D) -> Vec<DisableError> {
    vec![match d {
        D::NotFound => DisableError::NotFound,
        D::OwnAccount => DisableError::OwnAccount,
        D::AlreadyDisabled => DisableError::AlreadyDisabled,
        D::Db => return Vec::new(),
    }]
}

fn allowance(d: A) -> Vec<AllowanceError> {
    vec![match d {
        A::NotEnrolled => AllowanceError::NotEnrolled,
        A::NoAllowance => AllowanceError::NoAllowance,
        A::Insufficient => AllowanceError::Insufficient {
            remaining: 1,
            requested: 2,
            period: crate::allowances::PeriodKind::FiscalYear,
            unit: Unit::Minute,
        },
        A::NegativeMagnitude => AllowanceError::NegativeMagnitude,
        A::AdjustmentOverLimit => AllowanceError::AdjustmentOverLimit {
            max: 100_000,
            unit: Unit::Yen,
        },
        A::NeedsSecondApprover => AllowanceError::NeedsSecondApprover {
            limit: 10_000,
            unit: Unit::Yen,
        },
        A::ProposalNotFound => AllowanceError::ProposalNotFound,
        A::ProposalNotPending => AllowanceError::ProposalNotPending(ProposalStatus::Approved),
        A::SameApprover => AllowanceError::SameApprover,
        A::ProposalPeriodEnded => AllowanceError::ProposalPeriodEnded,
        A::InvalidField => AllowanceError::InvalidField(field()),
        A::Db => return Vec::new(),
    }]
}

/// What the ledger's posting functions (`allowances::post`, `capture`, the account lookups) can
/// refuse with, which the voucher and respite areas pass on through their own `From`.
fn posting() -> Vec<AllowanceError> {
    [
        A::NotEnrolled,
        A::NoAllowance,
        A::Insufficient,
        A::NegativeMagnitude,
    ]
    .into_iter()
    .flat_map(allowance)
    .collect()
}

fn voucher(d: V) -> Vec<VoucherError> {
    use crate::units::Yen;
    match d {
        V::NotVoucherProgram => vec![VoucherError::NotVoucherProgram],
        V::NotEnrolled => vec![VoucherError::NotEnrolled],
        V::Ineligible => unmet().into_iter().map(VoucherError::Ineligible).collect(),
        V::Exhausted => vec![
            VoucherError::Exhausted {
                period: crate::allowances::PeriodKind::Month,
            },
            VoucherError::Exhausted {
                period: crate::allowances::PeriodKind::FiscalYear,
            },
        ],
        V::Malformed => vec![VoucherError::Malformed],
        V::UnknownKey => vec![VoucherError::UnknownKey],
        V::BadSignature => vec![VoucherError::BadSignature],
        V::Expired => vec![VoucherError::Expired],
        V::Cancelled => vec![VoucherError::Cancelled],
        V::AlreadyRedeemed => vec![VoucherError::AlreadyRedeemed],
        V::WrongPartnerKind => crate::config::Program::parse("care_taxi")
            .into_iter()
            .map(|program| VoucherError::WrongPartnerKind {
                kind: crate::partner_kinds::PartnerKind::GasStation,
                program,
                program_kind: Some(crate::config::ProgramKind::TicketAllowance),
                name_ja: "介護タクシー利用補助".into(),
                name_en: "care taxi".into(),
            })
            .collect(),
        V::IdempotencyMismatch => vec![VoucherError::IdempotencyMismatch],
        V::RedemptionNotFound => vec![VoucherError::RedemptionNotFound],
        V::AlreadyReversed => vec![VoucherError::AlreadyReversed],
        V::ReversalWindowClosed => vec![VoucherError::ReversalWindowClosed],
        V::DeviceRevoked => vec![VoucherError::DeviceRevoked],
        V::MonthClosed => vec![VoucherError::MonthClosed],
        V::Mismatch => vec![VoucherError::Mismatch],
        V::AmountOverLimit => vec![VoucherError::AmountOverLimit { max: Yen(20_000) }],
        V::FeeOverLimit => vec![VoucherError::FeeOverLimit {
            field: "fees.pickup_fee_yen",
            max: Yen(3_000),
        }],
        V::Ledger => posting().into_iter().map(VoucherError::from).collect(),
        V::InvalidField => vec![VoucherError::InvalidField(field())],
        V::Db => Vec::new(),
    }
}

fn respite(d: R) -> Vec<RespiteError> {
    use crate::respite::VisitStatus;
    let at = day().and_hms_opt(10, 0, 0).unwrap_or_default();
    match d {
        R::NotEnrolled => vec![RespiteError::NotEnrolled],
        R::Ineligible => unmet().into_iter().map(RespiteError::Ineligible).collect(),
        R::HoursExceeded => vec![RespiteError::HoursExceeded {
            remaining: 60,
            requested: 120,
        }],
        R::VisitNotFound => vec![RespiteError::VisitNotFound],
        R::InvalidTransition => vec![RespiteError::InvalidTransition {
            from: VisitStatus::Cancelled,
            to: VisitStatus::Accepted,
        }],
        R::AlreadyStarted => vec![RespiteError::AlreadyStarted],
        R::Overlaps => vec![RespiteError::Overlaps {
            other: uuid::Uuid::nil(),
        }],
        R::OutsideBooking => vec![RespiteError::OutsideBooking {
            earliest_start: at,
            latest_end: at,
        }],
        R::DisputeWindowClosed => vec![RespiteError::DisputeWindowClosed { until: at }],
        R::DeviceRevoked => vec![RespiteError::DeviceRevoked],
        R::Ledger => posting().into_iter().map(RespiteError::from).collect(),
        R::InvalidField => vec![RespiteError::InvalidField(field())],
        R::Db => Vec::new(),
    }
}

fn short_stay(d: Ss) -> Vec<ShortStayError> {
    match d {
        Ss::NotEnrolled => vec![ShortStayError::NotEnrolled],
        Ss::Ineligible => unmet()
            .into_iter()
            .map(ShortStayError::Ineligible)
            .collect(),
        Ss::NotFound => vec![ShortStayError::NotFound],
        Ss::InvalidTransition => vec![ShortStayError::InvalidTransition {
            from: crate::short_stays::StayStatus::Rejected,
            to: "approved",
        }],
        Ss::AdmissionOutsideDates => vec![ShortStayError::AdmissionOutsideDates {
            earliest: day(),
            latest: day(),
        }],
        Ss::InvalidField => vec![ShortStayError::InvalidField(field())],
        Ss::Db => Vec::new(),
    }
}

fn settlement(d: Se) -> Vec<SettlementError> {
    vec![match d {
        Se::PartnerNotFound => SettlementError::PartnerNotFound,
        Se::MonthNotEnded => SettlementError::MonthNotEnded {
            closable_from: day().and_hms_opt(0, 0, 0).unwrap_or_default(),
        },
        Se::AlreadyClosed => SettlementError::AlreadyClosed,
        Se::Db => return Vec::new(),
    }]
}

fn play(d: Pl) -> Vec<PlayError> {
    match d {
        Pl::SessionNotFound => vec![PlayError::SessionNotFound],
        Pl::SessionCancelled => vec![PlayError::SessionCancelled],
        Pl::SessionStarted => vec![PlayError::SessionStarted],
        Pl::BelowBookings => vec![PlayError::BelowBookings {
            booked_children: 8,
            booked_adults: 6,
            booked_ventilator: 1,
        }],
        Pl::BookingNotFound => vec![PlayError::BookingNotFound],
        Pl::BookingClosed => vec![PlayError::BookingClosed],
        Pl::Full => vec![PlayError::Full],
        Pl::AlreadyBooked => vec![PlayError::AlreadyBooked],
        Pl::CutOffPassed => vec![PlayError::CutOffPassed],
        Pl::NotConfirmed => vec![PlayError::NotConfirmed(
            crate::play_space::BookingStatus::Waiting,
        )],
        Pl::AlreadyCheckedIn => vec![PlayError::AlreadyCheckedIn],
        Pl::NotNow => vec![PlayError::NotNow],
        Pl::NotABookingCode => vec![PlayError::NotABookingCode],
        Pl::NotEnrolled => vec![PlayError::NotEnrolled {
            child_id: uuid::Uuid::nil(),
        }],
        Pl::Ineligible => unmet().into_iter().map(PlayError::Ineligible).collect(),
        Pl::InvalidField => vec![PlayError::InvalidField(field())],
        Pl::Db => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::problem::Detail;
    use crate::messages::{Lang, ascii_words, render};

    /// Every problem any area can answer with is worded from the catalogue without a fault,
    /// and its Japanese title and detail read without English words.
    #[test]
    fn every_areas_problems_are_worded_in_japanese_without_english_words() {
        let mut faults = Vec::new();
        for e in ALL_SOURCES.iter().flat_map(|s| s.samples()) {
            let (_, title) = e.code.title();
            let detail = match &e.detail {
                Some(Detail::Said { id, args }) => {
                    let r = render(id, args, Lang::Ja);
                    faults.extend(r.errors);
                    Some(r.text)
                }
                Some(Detail::Text(t)) => Some(t.ja.clone()),
                None => None,
            };
            for text in std::iter::once(title.to_owned()).chain(detail) {
                if !ascii_words(&text).is_empty() {
                    faults.push(format!("{}: {text}", e.code));
                }
            }
        }
        assert!(faults.is_empty(), "{faults:#?}");
    }
}
