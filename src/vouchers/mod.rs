//! Digital vouchers (⑪ taxi/fuel subsidy, ⑫ care-taxi tickets): issuing a signed QR code to a
//! guardian, verifying and redeeming it on a partner's device exactly once, reversing a
//! redemption, and the partner's daily list. Money moves only through the allowance ledger.

mod cover;
pub mod figures;
mod issue;
mod redeem;
mod redemptions;
mod reverse;

mod verify;

pub use cover::{CareTaxiFees, Charge, Coverage, max_cover};
pub use issue::{Issued, cancelling_live_codes, is_voucher_program, issue};
pub use redeem::{Receipt, Redeemed, RedeemedEvent, redeem};
pub use redemptions::{
    DeviceRedemption, RedemptionState, RedemptionView, Settled, for_settlement, list_for_child,
    list_for_device, stamp_settled,
};
pub use reverse::{ReversedEvent, Reverser, reverse};
pub use verify::{Verified, verify};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::allowances::AllowanceError;
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::{ProgramRules, RuleBook};
use crate::enrollments::Program;
use crate::entity::voucher;
use crate::partners::{DevicePrincipal, PartnerKind};
use crate::signed_codes::keys::KeyRing;
use crate::signed_codes::token::{self, Claims};
use crate::signed_codes::{self, CodeError};
use crate::text::FieldError;
use crate::units::Yen;

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum VoucherError {
    #[error("this program has no vouchers")]
    NotVoucherProgram,
    #[error("the child is not enrolled in this program")]
    NotEnrolled,
    #[error("the person does not meet the program's conditions: {0:?}")]
    Ineligible(crate::enrollments::Unmet),
    #[error("nothing left this period")]
    Exhausted {
        period: crate::allowances::PeriodKind,
    },
    #[error("not a voucher code, or truncated")]
    Malformed,
    #[error("signed with a key this service does not know")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the code has expired")]
    Expired,
    #[error("a newer code replaced this one")]
    Cancelled,
    #[error("the code has already been used")]
    AlreadyRedeemed,
    #[error("a {kind:?} cannot redeem {program:?} vouchers")]
    WrongPartnerKind {
        kind: PartnerKind,
        program: Program,
        /// What the code is, so the refusal can call it by its name (助成券, 利用補助券,
        /// 入場コード) and name its program.
        program_kind: Option<crate::config::ProgramKind>,
        name_ja: String,
        name_en: String,
    },
    #[error("the Idempotency-Key was used for a different request")]
    IdempotencyMismatch,
    #[error("redemption not found")]
    RedemptionNotFound,
    #[error("redemption already reversed")]
    AlreadyReversed,
    #[error("a partner can cancel only on the day of the redemption")]
    ReversalWindowClosed,
    #[error("the device has been revoked")]
    DeviceRevoked,
    #[error("the redemption's month is closed for payment")]
    MonthClosed,
    #[error("the code does not match the voucher it names")]
    Mismatch,
    #[error("the amount is above the most one redemption may claim ({max})")]
    AmountOverLimit { max: Yen },
    #[error("{field} is above the most one fee may be ({max})")]
    FeeOverLimit { field: &'static str, max: Yen },
    #[error(transparent)]
    Ledger(AllowanceError),
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for VoucherError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            VoucherError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl From<AllowanceError> for VoucherError {
    fn from(e: AllowanceError) -> Self {
        match e {
            AllowanceError::NotEnrolled => VoucherError::NotEnrolled,
            AllowanceError::NoAllowance => VoucherError::NotVoucherProgram,
            AllowanceError::Insufficient { period, .. } => VoucherError::Exhausted { period },
            AllowanceError::InvalidField(f) => VoucherError::InvalidField(f),
            AllowanceError::Db(d) => VoucherError::Db(d),
            other => VoucherError::Ledger(other),
        }
    }
}

/// What a redemption pays for: follows from the kind of partner that redeemed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = VoucherPurpose)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A taxi fare at a ward-contracted taxi company.
    TaxiFare,
    /// Car fuel at a contracted gas station.
    Fuel,
    /// A care-taxi ride (reservation, pick-up and basic-assistance fees).
    CareTaxi,
    /// Medicine or supplies at a contracted pharmacy.
    Pharmacy,
}

impl Purpose {
    const ALL: [Purpose; 4] = [
        Purpose::TaxiFare,
        Purpose::Fuel,
        Purpose::CareTaxi,
        Purpose::Pharmacy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::TaxiFare => "taxi_fare",
            Purpose::Fuel => "fuel",
            Purpose::CareTaxi => "care_taxi",
            Purpose::Pharmacy => "pharmacy",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What a partner of this kind is paid for when it redeems a code, if it redeems codes.
    pub fn of(kind: PartnerKind) -> Option<Purpose> {
        match kind {
            PartnerKind::TaxiCompany => Some(Purpose::TaxiFare),
            PartnerKind::GasStation => Some(Purpose::Fuel),
            PartnerKind::CareTaxiOperator => Some(Purpose::CareTaxi),
            PartnerKind::Pharmacy => Some(Purpose::Pharmacy),
            PartnerKind::NurseStation
            | PartnerKind::HomeCareProvider
            | PartnerKind::MedicalInstitution
            | PartnerKind::PlaySpaceOperator => None,
        }
    }
}

/// What issuing and redeeming need besides the request: the writer connection, the read pool
/// (the writer again where there is none), the signing keys, the program rules and the calendar.
pub struct Context<'a> {
    pub db: &'a crate::db::Db,
    pub read: &'a crate::db::Db,
    pub keys: &'a KeyRing,
    pub rules: &'a std::sync::Arc<RuleBook>,
    pub calendar: Calendar,
}

/// Checks a scanned code's shape, key, signature and expiry (see [`signed_codes::check`]).
pub async fn check_code(
    conn: &impl ConnectionTrait,
    keys: &KeyRing,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Claims, VoucherError> {
    signed_codes::check(conn, keys, code, now)
        .await
        .map_err(|e| match e {
            CodeError::Malformed => VoucherError::Malformed,
            CodeError::UnknownKey => VoucherError::UnknownKey,
            CodeError::BadSignature => VoucherError::BadSignature,
            CodeError::Expired => VoucherError::Expired,
            CodeError::Db(d) => VoucherError::Db(d),
        })
}

/// What the device's partner is paid for, if the program lets partners of its kind redeem it
/// (`redeemed_by` in the program's configuration).
pub(crate) fn partner_may_redeem(
    device: &DevicePrincipal,
    program: Program,
    rules: &ProgramRules,
) -> Result<Purpose, VoucherError> {
    let kind = device.partner_kind;
    let allowed = rules
        .voucher(program)
        .is_some_and(|v| v.redeemed_by().contains(&kind));
    match Purpose::of(kind) {
        Some(purpose) if allowed => Ok(purpose),
        _ => {
            let terms = rules.terms_of(program);
            Err(VoucherError::WrongPartnerKind {
                kind,
                program,
                program_kind: rules.kind_of(program),
                name_ja: terms.map(|t| t.name_ja).unwrap_or_default().to_owned(),
                name_en: terms.map(|t| t.name_en).unwrap_or_default().to_owned(),
            })
        }
    }
}

pub(crate) fn status_error(v: &voucher::Model, now: DateTime<Utc>) -> VoucherError {
    match VoucherStatus::parse(&v.status) {
        Some(VoucherStatus::Redeemed) => VoucherError::AlreadyRedeemed,
        Some(VoucherStatus::Cancelled) => VoucherError::Cancelled,
        _ if from_micros(v.expires_at) <= now => VoucherError::Expired,
        _ => VoucherError::Malformed,
    }
}

/// The stored voucher a code names, refused when it is not exactly what the code says.
pub(crate) async fn voucher_as_issued(
    conn: &impl ConnectionTrait,
    claims: &Claims,
) -> Result<voucher::Model, VoucherError> {
    use sea_orm::EntityTrait;
    let v = voucher::Entity::find_by_id(claims.subject_id)
        .one(conn)
        .await?
        .ok_or(VoucherError::Malformed)?;
    if !is_as_issued(&v, claims) {
        return Err(VoucherError::Mismatch);
    }
    Ok(v)
}

/// Whether a stored voucher is exactly what the code says: its program, its child (through
/// the code's binding) and its expiry. A code re-signed with other claims is refused even
/// when its signature is good.
pub(crate) fn is_as_issued(v: &voucher::Model, claims: &Claims) -> bool {
    Program::parse(&v.program) == Some(claims.program)
        && token::binding(v.id, v.child_id) == claims.binding
        && v.expires_at == to_micros(claims.expires_at)
}

/// Where a voucher is in its short life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoucherStatus {
    /// Shown to the family; can be redeemed until it expires.
    Issued,
    Redeemed,
    /// Replaced by a newer code for the same child and program.
    Cancelled,
}

impl VoucherStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherStatus::Issued => "issued",
            VoucherStatus::Redeemed => "redeemed",
            VoucherStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<VoucherStatus> {
        [
            VoucherStatus::Issued,
            VoucherStatus::Redeemed,
            VoucherStatus::Cancelled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}
