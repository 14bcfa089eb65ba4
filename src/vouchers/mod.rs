//! Digital vouchers (⑪ taxi/fuel subsidy, ⑫ care-taxi tickets): issuing a signed QR code to a
//! guardian, verifying and redeeming it on a partner's device exactly once, reversing a
//! redemption, and the partner's daily list. Money moves only through the allowance ledger.

pub mod keys;
pub mod qr;
pub mod settlement;
pub mod token;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::allowances::{self, AllowanceError, EntryKind, Refs, Unit};
use crate::audit::{self, Actor, Change, snapshot};
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::{ProgramRules, UnusedBalance};
use crate::db;
use crate::enrollments::Program;
use crate::entity::{device, redemption, voucher};
use crate::households;
use crate::partners::{DevicePrincipal, PartnerKind};
use crate::text::FieldError;
use crate::units::Yen;
use keys::KeyRing;
use token::Claims;

/// Largest single fare or fuel amount accepted (yen).
pub const MAX_AMOUNT_YEN: i64 = 1_000_000;
/// Largest single care-taxi fee component accepted (yen).
pub const MAX_FEE_YEN: i64 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum VoucherError {
    #[error("this program has no vouchers")]
    NotVoucherProgram,
    #[error("the child is not enrolled in this program")]
    NotEnrolled,
    #[error("nothing left this period")]
    Exhausted,
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
    WrongPartnerKind { kind: PartnerKind, program: Program },
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
            AllowanceError::Insufficient { .. } => VoucherError::Exhausted,
            AllowanceError::InvalidField(f) => VoucherError::InvalidField(f),
            AllowanceError::Db(d) => VoucherError::Db(d),
        }
    }
}

/// What a redemption pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A taxi fare at a ward-contracted taxi company.
    TaxiFare,
    /// Car fuel at a contracted gas station.
    Fuel,
    /// A care-taxi ride (reservation, pick-up and basic-assistance fees).
    CareTaxi,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::TaxiFare => "taxi_fare",
            Purpose::Fuel => "fuel",
            Purpose::CareTaxi => "care_taxi",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        [Purpose::TaxiFare, Purpose::Fuel, Purpose::CareTaxi]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Which program a partner may redeem, and for what.
pub fn redeemable_by(kind: PartnerKind) -> Option<(Program, Purpose)> {
    match kind {
        PartnerKind::TaxiCompany => Some((Program::TaxiFuel, Purpose::TaxiFare)),
        PartnerKind::GasStation => Some((Program::TaxiFuel, Purpose::Fuel)),
        PartnerKind::CareTaxiOperator => Some((Program::CareTaxi, Purpose::CareTaxi)),
        _ => None,
    }
}

fn ttl(rules: &ProgramRules, program: Program) -> Option<Duration> {
    match program {
        Program::TaxiFuel => Some(Duration::minutes(rules.taxi_fuel.voucher_ttl_minutes)),
        Program::CareTaxi => Some(Duration::minutes(rules.care_taxi.voucher_ttl_minutes)),
        _ => None,
    }
}

/// The most one redemption can cover right now, in yen, when that is known.
fn max_cover(rules: &ProgramRules, program: Program, remaining: i64) -> Option<i64> {
    match program {
        Program::TaxiFuel => Some(remaining),
        Program::CareTaxi if remaining > 0 => rules.care_taxi.per_ticket_ceiling_yen.map(|y| y.0),
        _ => Some(0),
    }
}

/// A freshly issued voucher.
#[derive(Debug, Clone)]
pub struct Issued {
    pub id: Uuid,
    pub program: Program,
    pub code: String,
    pub expires_at: DateTime<Utc>,
    pub unit: Unit,
    pub remaining: i64,
    pub max_covered_yen: Option<i64>,
}

/// What issuing and redeeming need besides the request: the writer connection, the signing
/// keys, the program rules and the calendar.
pub struct Context<'a> {
    pub db: &'a DatabaseConnection,
    pub keys: &'a KeyRing,
    pub rules: &'a ProgramRules,
    pub calendar: Calendar,
}

/// Issues a voucher for one of the guardian's children; an unused earlier code for the same
/// child and program stops working.
pub async fn issue(
    ctx: &Context<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: Uuid,
    child_id: Uuid,
    program: Program,
) -> Result<Issued, VoucherError> {
    let ttl = ttl(ctx.rules, program).ok_or(VoucherError::NotVoucherProgram)?;
    // Time-ordered ids keep recent codes together in the primary-key index.
    let id = Uuid::now_v7();
    let expires_at =
        DateTime::<Utc>::from_timestamp((now + ttl).timestamp(), 0).unwrap_or(now + ttl);
    let (kid, input, signature) = ctx
        .keys
        .sign_with(|kid| {
            token::signing_input(&Claims {
                kid: kid.to_owned(),
                voucher_id: id,
                program,
                expires_at,
            })
        })
        .ok_or_else(|| DbErr::Custom("no signing key".into()))?;
    let (rules, cal) = (ctx.rules, ctx.calendar);
    let account = db::write(ctx.db, |tx| {
        let (actor, kid, rules) = (actor.clone(), kid.clone(), rules.clone());
        Box::pin(async move {
            let account = allowances::current_account(tx, &rules, &cal, child_id, program, now).await?;
            if account.balance <= 0 {
                return Err(VoucherError::Exhausted);
            }
            // Take the account's row lock so that concurrent issues for the same child and
            // program queue here (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises):
            // each then cancels the code before it, and exactly one code stays live.
            allowances::lock_account(tx, account.id).await?;
            voucher::Entity::update_many()
                .col_expr(voucher::Column::Status, Expr::value("cancelled"))
                .col_expr(voucher::Column::CancelledAt, Expr::value(to_micros(now)))
                .filter(voucher::Column::ChildId.eq(child_id))
                .filter(voucher::Column::Program.eq(program.as_str()))
                .filter(voucher::Column::Status.eq("issued"))
                .exec(tx)
                .await?;
            voucher::Entity::insert(voucher::ActiveModel {
                id: Set(id),
                child_id: Set(child_id),
                household_id: Set(household_id),
                program: Set(program.as_str().to_owned()),
                kid: Set(kid.clone()),
                status: Set("issued".into()),
                issued_by: Set(actor.id.unwrap_or_default()),
                issued_at: Set(to_micros(now)),
                expires_at: Set(to_micros(expires_at)),
                redeemed_at: Set(None),
                cancelled_at: Set(None),
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: "voucher.issued",
                    object_type: "voucher",
                    object_id: Some(id),
                    before: None,
                    after: Some(serde_json::json!({
                        "child_id": child_id, "program": program, "expires_at": expires_at, "kid": kid,
                    })),
                },
            )
            .await?;
            Ok(account)
        })
    })
    .await?;
    Ok(Issued {
        id,
        program,
        code: token::assemble(&input, &signature),
        expires_at,
        unit: account.unit,
        remaining: account.balance,
        max_covered_yen: max_cover(rules, program, account.balance),
    })
}

/// Checks a scanned code's shape, key, signature and expiry, without touching the database
/// unless the key is unknown (another instance may have rotated).
pub async fn check_code(
    conn: &impl ConnectionTrait,
    keys: &KeyRing,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Claims, VoucherError> {
    let (claims, signed, signature) = token::parse(code).map_err(|_| VoucherError::Malformed)?;
    if !keys.knows(&claims.kid) {
        keys.reload_for_unknown(conn, now).await?;
    }
    match keys.verify(&claims.kid, signed.as_bytes(), &signature) {
        None => return Err(VoucherError::UnknownKey),
        Some(false) => return Err(VoucherError::BadSignature),
        Some(true) => {}
    }
    if claims.expires_at <= now {
        return Err(VoucherError::Expired);
    }
    Ok(claims)
}

fn partner_may_redeem(device: &DevicePrincipal, program: Program) -> Result<Purpose, VoucherError> {
    match redeemable_by(device.partner_kind) {
        Some((p, purpose)) if p == program => Ok(purpose),
        _ => Err(VoucherError::WrongPartnerKind {
            kind: device.partner_kind,
            program,
        }),
    }
}

fn status_error(v: &voucher::Model, now: DateTime<Utc>) -> VoucherError {
    match v.status.as_str() {
        "redeemed" => VoucherError::AlreadyRedeemed,
        "cancelled" => VoucherError::Cancelled,
        _ if from_micros(v.expires_at) <= now => VoucherError::Expired,
        _ => VoucherError::Malformed,
    }
}

/// What a partner learns from a scan.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "voucher_id": "6c1d5f5e-2b0a-4f7c-8f59-1c2d3e4f5a6b",
    "program": "taxi_fuel",
    "purpose": "taxi_fare",
    "expires_at": "2026-11-24T05:15:00Z",
    "unit": "yen",
    "remaining": 20000,
    "max_covered_yen": 20000,
    "child_initials": "し.さ."
}))]
pub struct Verified {
    pub voucher_id: Uuid,
    pub program: Program,
    pub purpose: Purpose,
    pub expires_at: DateTime<Utc>,
    pub unit: Unit,
    /// Yen (taxi/fuel) or tickets (care taxi) left this month.
    pub remaining: i64,
    /// The most this code can cover in yen; for care taxi, the per-ticket ceiling (absent when
    /// there is none).
    pub max_covered_yen: Option<i64>,
    /// Initials of the child's kana name, to match the passenger, e.g. "シ.サ.".
    #[schema(example = "し.さ.")]
    pub child_initials: String,
}

/// Checks a scanned code for a partner's device; changes nothing.
pub async fn verify(
    conn: &impl ConnectionTrait,
    keys: &KeyRing,
    rules: &ProgramRules,
    cal: &Calendar,
    now: DateTime<Utc>,
    device: &DevicePrincipal,
    code: &str,
) -> Result<Verified, VoucherError> {
    let claims = check_code(conn, keys, code, now).await?;
    let purpose = partner_may_redeem(device, claims.program)?;
    let v = voucher::Entity::find_by_id(claims.voucher_id)
        .one(conn)
        .await?
        .ok_or(VoucherError::Malformed)?;
    if v.status != "issued" || from_micros(v.expires_at) <= now {
        return Err(status_error(&v, now));
    }
    if !allowances::is_enrolled(conn, v.child_id, claims.program, cal.local_date(now)).await? {
        return Err(VoucherError::NotEnrolled);
    }
    let summary = allowances::summary(conn, rules, cal, v.child_id, claims.program, now).await?;
    if summary.remaining <= 0 {
        return Err(VoucherError::Exhausted);
    }
    let child = households::find_child(conn, v.child_id)
        .await?
        .ok_or(VoucherError::Malformed)?;
    Ok(Verified {
        voucher_id: v.id,
        program: claims.program,
        purpose,
        expires_at: claims.expires_at,
        unit: summary.unit,
        remaining: summary.remaining,
        max_covered_yen: max_cover(rules, claims.program, summary.remaining),
        child_initials: child.initials(),
    })
}

/// The charge a partner submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Taxi fare or fuel amount.
    Amount(Yen),
    /// Care-taxi fee components.
    Fees {
        reservation: Yen,
        pickup: Yen,
        assistance: Yen,
    },
}

impl Charge {
    fn total(self) -> i64 {
        match self {
            Charge::Amount(y) => y.0,
            Charge::Fees {
                reservation,
                pickup,
                assistance,
            } => reservation.0 + pickup.0 + assistance.0,
        }
    }

    /// Checks the amounts and that the charge fits the program.
    pub fn validate(self, program: Program) -> Result<Charge, VoucherError> {
        match (self, program) {
            (Charge::Amount(y), Program::TaxiFuel) => {
                if !(1..=MAX_AMOUNT_YEN).contains(&y.0) {
                    return Err(FieldError::new(
                        "amount_yen",
                        format!("must be between 1 and {MAX_AMOUNT_YEN}"),
                        format!("1から{MAX_AMOUNT_YEN}の間で入力してください"),
                    )
                    .into());
                }
                Ok(self)
            }
            (
                Charge::Fees {
                    reservation,
                    pickup,
                    assistance,
                },
                Program::CareTaxi,
            ) => {
                if [reservation, pickup, assistance]
                    .iter()
                    .any(|f| !(0..=MAX_FEE_YEN).contains(&f.0))
                {
                    return Err(FieldError::new(
                        "fees",
                        format!("each fee must be between 0 and {MAX_FEE_YEN}"),
                        format!("各料金は0から{MAX_FEE_YEN}の間で入力してください"),
                    )
                    .into());
                }
                if self.total() == 0 {
                    return Err(FieldError::new(
                        "fees",
                        "must not all be zero",
                        "料金がすべて0です",
                    )
                    .into());
                }
                Ok(self)
            }
            (Charge::Amount(_), _) => Err(FieldError::new(
                "fees",
                "care-taxi tickets take the three fee components, not amount_yen",
                "介護タクシー券は amount_yen ではなく3種類の料金（fees）で入力してください",
            )
            .into()),
            (Charge::Fees { .. }, _) => Err(FieldError::new(
                "amount_yen",
                "taxi and fuel vouchers take amount_yen, not fees",
                "タクシー・燃料券は fees ではなく amount_yen で入力してください",
            )
            .into()),
        }
    }
}

/// The answer to a redemption; stored, so that a retry gets the same bytes back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "redemption_id": "019ab5c2-6f10-7c3e-9a55-0d6f6a1e2b3c",
    "voucher_id": "6c1d5f5e-2b0a-4f7c-8f59-1c2d3e4f5a6b",
    "program": "taxi_fuel",
    "purpose": "taxi_fare",
    "requested_yen": 3200,
    "covered_yen": 3200,
    "family_pays_yen": 0,
    "tickets_used": 0,
    "unit": "yen",
    "remaining": 16800,
    "redeemed_at": "2026-11-24T05:10:00Z"
}))]
pub struct Receipt {
    pub redemption_id: Uuid,
    pub voucher_id: Uuid,
    pub program: Program,
    pub purpose: Purpose,
    /// The fare, fuel amount, or the sum of the care-taxi fees.
    pub requested_yen: i64,
    /// Paid by the ward.
    pub covered_yen: i64,
    /// Paid by the family.
    pub family_pays_yen: i64,
    /// Care-taxi tickets used (0 or 1).
    pub tickets_used: i64,
    pub unit: Unit,
    /// Yen or tickets left this month after this redemption.
    pub remaining: i64,
    pub redeemed_at: DateTime<Utc>,
}

/// A redemption's outcome: new, or the stored answer to an earlier identical request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    Created(String),
    Replayed(String),
}

fn request_hash(code: &str, charge: Charge) -> String {
    let canonical = match charge {
        Charge::Amount(y) => format!("{}|amount|{}", code.trim(), y.0),
        Charge::Fees {
            reservation,
            pickup,
            assistance,
        } => {
            format!(
                "{}|fees|{}|{}|{}",
                code.trim(),
                reservation.0,
                pickup.0,
                assistance.0
            )
        }
    };
    crate::auth::token::digest(&canonical)
}

async fn stored_answer(
    conn: &impl ConnectionTrait,
    device_id: Uuid,
    key: &str,
    hash: &str,
) -> Result<Option<Redeemed>, VoucherError> {
    let found = redemption::Entity::find()
        .filter(redemption::Column::DeviceId.eq(device_id))
        .filter(redemption::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?;
    match found {
        Some(r) if r.request_hash == hash => Ok(Some(Redeemed::Replayed(r.response_json))),
        Some(_) => Err(VoucherError::IdempotencyMismatch),
        None => Ok(None),
    }
}

/// Redeems a scanned code exactly once. A retry with the same Idempotency-Key and the same
/// request gets the stored answer; the same key with another request is refused.
pub async fn redeem(
    ctx: &Context<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
    device: &DevicePrincipal,
    idempotency_key: &str,
    code: &str,
    charge: Charge,
) -> Result<Redeemed, VoucherError> {
    let hash = request_hash(code, charge);
    let claims = match check_code(ctx.db, ctx.keys, code, now).await {
        Ok(c) => c,
        // An expired code may still be a retry of a redemption that succeeded in time.
        Err(VoucherError::Expired) => {
            return match stored_answer(ctx.db, device.device_id, idempotency_key, &hash).await? {
                Some(answer) => Ok(answer),
                None => Err(VoucherError::Expired),
            };
        }
        Err(e) => return Err(e),
    };
    let purpose = partner_may_redeem(device, claims.program)?;
    let charge = charge.validate(claims.program)?;
    let (rules, cal) = (ctx.rules, ctx.calendar);
    let device = *device;
    let result = db::write(ctx.db, |tx| {
        let (actor, hash, claims) = (actor.clone(), hash.clone(), claims.clone());
        let (rules, idempotency_key) = (rules.clone(), idempotency_key.to_owned());
        Box::pin(async move {
            let (rules, idempotency_key) = (&rules, idempotency_key.as_str());
            let claimed = voucher::Entity::update_many()
                .col_expr(voucher::Column::Status, Expr::value("redeemed"))
                .col_expr(voucher::Column::RedeemedAt, Expr::value(to_micros(now)))
                .filter(voucher::Column::Id.eq(claims.voucher_id))
                .filter(voucher::Column::Status.eq("issued"))
                .filter(voucher::Column::ExpiresAt.gt(to_micros(now)))
                // The device must still be active at the moment money moves, whatever a
                // cached authentication said.
                .filter(Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(device::Entity)
                        .and_where(device::Column::Id.eq(device.device_id))
                        .and_where(device::Column::Status.eq("active"))
                        .to_owned(),
                ))
                .exec_with_returning(tx)
                .await?;
            let Some(v) = claimed.into_iter().next() else {
                if let Some(answer) =
                    stored_answer(tx, device.device_id, idempotency_key, &hash).await?
                {
                    return Ok(answer);
                }
                let v = voucher::Entity::find_by_id(claims.voucher_id)
                    .one(tx)
                    .await?
                    .ok_or(VoucherError::Malformed)?;
                return Err(status_error(&v, now));
            };
            let program = claims.program;
            let redemption_id = Uuid::now_v7();
            let refs = || Refs {
                voucher_id: Some(v.id),
                redemption_id: Some(redemption_id),
                reason: None,
            };
            let (take, tickets) = match charge {
                Charge::Amount(y) => (allowances::Take::UpTo(y.0), 0),
                Charge::Fees { .. } => (allowances::Take::Exactly(1), 1),
            };
            // Enrollment was checked when the code was issued; a code is honoured for its few
            // minutes of life (a new period's account still checks it when opened).
            let (account, debited) = allowances::capture(
                tx,
                rules,
                &cal,
                allowances::Capture {
                    child_id: v.child_id,
                    program,
                    at: now,
                    take,
                },
                &actor,
                refs(),
            )
            .await?;
            let covered = match charge {
                Charge::Amount(_) => debited,
                Charge::Fees { .. } => {
                    let total = charge.total();
                    total.min(
                        rules
                            .care_taxi
                            .per_ticket_ceiling_yen
                            .map_or(total, |c| c.0),
                    )
                }
            };
            let receipt = Receipt {
                redemption_id,
                voucher_id: v.id,
                program,
                purpose,
                requested_yen: charge.total(),
                covered_yen: covered,
                family_pays_yen: charge.total() - covered,
                tickets_used: tickets,
                unit: account.unit,
                remaining: account.balance,
                redeemed_at: now,
            };
            let json = serde_json::to_string(&receipt).map_err(|e| DbErr::Custom(e.to_string()))?;
            let (reservation, pickup, assistance) = match charge {
                Charge::Fees {
                    reservation,
                    pickup,
                    assistance,
                } => (Some(reservation.0), Some(pickup.0), Some(assistance.0)),
                Charge::Amount(_) => (None, None, None),
            };
            let local_date = cal.local_date(now);
            redemption::Entity::insert(redemption::ActiveModel {
                id: Set(redemption_id),
                voucher_id: Set(v.id),
                account_id: Set(account.id),
                child_id: Set(v.child_id),
                program: Set(program.as_str().to_owned()),
                purpose: Set(purpose.as_str().to_owned()),
                partner_id: Set(device.partner_id),
                device_id: Set(device.device_id),
                idempotency_key: Set(idempotency_key.to_owned()),
                request_hash: Set(hash.clone()),
                requested_yen: Set(charge.total()),
                reservation_fee_yen: Set(reservation),
                pickup_fee_yen: Set(pickup),
                assistance_fee_yen: Set(assistance),
                covered_yen: Set(covered),
                family_pays_yen: Set(charge.total() - covered),
                tickets_used: Set(tickets),
                redeemed_at: Set(to_micros(now)),
                local_date: Set(local_date),
                month: Set(cal.month_of(now).to_string()),
                response_json: Set(json.clone()),
                reversed_at: Set(None),
                reversed_by_type: Set(None),
                reversed_by: Set(None),
                reversal_reason: Set(None),
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: "voucher.redeemed",
                    object_type: "redemption",
                    object_id: Some(redemption_id),
                    before: None,
                    after: serde_json::from_str(&json).ok(),
                },
            )
            .await?;
            crate::notifications::notify(
                tx,
                now,
                crate::notifications::Event {
                    kind: "voucher.redeemed",
                    recipient: crate::notifications::Recipient::Household(v.household_id),
                    subject_type: "redemption",
                    subject_id: redemption_id,
                    data: serde_json::json!({
                        "child_id": v.child_id,
                        "program": program,
                        "covered_yen": covered,
                        "family_pays_yen": charge.total() - covered,
                        "tickets_used": tickets,
                        "remaining": account.balance,
                    }),
                },
            )
            .await?;
            Ok(Redeemed::Created(json))
        })
    })
    .await;
    match result {
        // The same key raced in with another request; whatever it wrote is the answer.
        Err(VoucherError::Db(e)) if db::is_unique_violation(&e) => {
            match stored_answer(ctx.db, device.device_id, idempotency_key, &hash).await? {
                Some(answer) => Ok(answer),
                None => Err(VoucherError::AlreadyRedeemed),
            }
        }
        other => other,
    }
}

/// A redemption as partners and staff list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RedemptionView {
    pub id: Uuid,
    pub voucher_id: Uuid,
    pub program: Program,
    pub purpose: Purpose,
    pub partner_id: Uuid,
    pub device_id: Uuid,
    pub requested_yen: i64,
    pub reservation_fee_yen: Option<i64>,
    pub pickup_fee_yen: Option<i64>,
    pub basic_assistance_fee_yen: Option<i64>,
    pub covered_yen: i64,
    pub family_pays_yen: i64,
    pub tickets_used: i64,
    pub redeemed_at: DateTime<Utc>,
    /// The Asia/Tokyo calendar date of the redemption.
    pub local_date: NaiveDate,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_reason: Option<String>,
}

impl TryFrom<redemption::Model> for RedemptionView {
    type Error = DbErr;
    fn try_from(r: redemption::Model) -> Result<Self, DbErr> {
        Ok(RedemptionView {
            id: r.id,
            voucher_id: r.voucher_id,
            program: Program::parse(&r.program)
                .ok_or_else(|| DbErr::Custom("unknown program".into()))?,
            purpose: Purpose::parse(&r.purpose)
                .ok_or_else(|| DbErr::Custom("unknown purpose".into()))?,
            partner_id: r.partner_id,
            device_id: r.device_id,
            requested_yen: r.requested_yen,
            reservation_fee_yen: r.reservation_fee_yen,
            pickup_fee_yen: r.pickup_fee_yen,
            basic_assistance_fee_yen: r.assistance_fee_yen,
            covered_yen: r.covered_yen,
            family_pays_yen: r.family_pays_yen,
            tickets_used: r.tickets_used,
            redeemed_at: from_micros(r.redeemed_at),
            local_date: r.local_date,
            reversed_at: r.reversed_at.map(from_micros),
            reversal_reason: r.reversal_reason,
        })
    }
}

/// Who is reversing, and within which limits.
pub enum Reverser<'a> {
    /// The partner that redeemed, on the same Asia/Tokyo day.
    Partner(&'a DevicePrincipal),
    /// Ward staff, any time, with a reason.
    Staff { reason: String },
}

/// Undoes a redemption: the balance comes back through a reversal entry (and lapses again at
/// once if its period has already ended and the rule is to lapse).
pub async fn reverse(
    db: &DatabaseConnection,
    rules: &ProgramRules,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    redemption_id: Uuid,
    by: Reverser<'_>,
) -> Result<RedemptionView, VoucherError> {
    let reason = match &by {
        Reverser::Staff { reason } => {
            Some(crate::text::multiline(reason, 500).map_err(|e| FieldError::text("reason", e))?)
        }
        Reverser::Partner(_) => None,
    };
    let cal = *cal;
    let partner = match &by {
        Reverser::Partner(d) => Some(d.partner_id),
        Reverser::Staff { .. } => None,
    };
    db::write(db, |tx| {
        let (actor, reason, rules) = (actor.clone(), reason.clone(), rules.clone());
        Box::pin(async move {
            let rules = &rules;
            let r = redemption::Entity::find_by_id(redemption_id)
                .one(tx)
                .await?
                .ok_or(VoucherError::RedemptionNotFound)?;
            if let Some(p) = partner {
                // Another partner's redemption does not exist for this one.
                if r.partner_id != p {
                    return Err(VoucherError::RedemptionNotFound);
                }
                if r.reversed_at.is_none() && r.local_date != cal.local_date(now) {
                    return Err(VoucherError::ReversalWindowClosed);
                }
            }
            let before = RedemptionView::try_from(r.clone())?;
            let changed = redemption::Entity::update_many()
                .col_expr(redemption::Column::ReversedAt, Expr::value(to_micros(now)))
                .col_expr(redemption::Column::ReversedByType, Expr::value(actor.kind))
                .col_expr(redemption::Column::ReversedBy, Expr::value(actor.id))
                .col_expr(
                    redemption::Column::ReversalReason,
                    Expr::value(reason.clone()),
                )
                .filter(redemption::Column::Id.eq(redemption_id))
                .filter(redemption::Column::ReversedAt.is_null())
                .exec(tx)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(VoucherError::AlreadyReversed);
            }
            let account = allowances::get_account(tx, r.account_id).await?;
            let amount = if account.unit == Unit::Ticket {
                r.tickets_used
            } else {
                r.covered_yen
            };
            let refs = Refs {
                voucher_id: Some(r.voucher_id),
                redemption_id: Some(r.id),
                reason: reason.as_deref(),
            };
            allowances::post(
                tx,
                account.id,
                EntryKind::Reversal,
                amount,
                &actor,
                now,
                refs,
            )
            .await?;
            let lapses = allowances::rule(rules, account.program)
                .is_some_and(|rule| rule.unused == UnusedBalance::Lapse);
            if account.period_end <= now && lapses && amount > 0 {
                let refs = Refs {
                    reason: Some("period ended"),
                    ..Default::default()
                };
                allowances::post(
                    tx,
                    account.id,
                    EntryKind::Lapse,
                    amount,
                    &Actor::system(),
                    now,
                    refs,
                )
                .await?;
            }
            let after = RedemptionView::try_from(
                redemption::Entity::find_by_id(redemption_id)
                    .one(tx)
                    .await?
                    .ok_or(VoucherError::RedemptionNotFound)?,
            )?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: "redemption.reversed",
                    object_type: "redemption",
                    object_id: Some(redemption_id),
                    before: snapshot(&before),
                    after: snapshot(&after),
                },
            )
            .await?;
            if let Some(child) = households::find_child(tx, r.child_id).await? {
                crate::notifications::notify(
                    tx,
                    now,
                    crate::notifications::Event {
                        kind: "voucher.reversed",
                        recipient: crate::notifications::Recipient::Household(child.household_id),
                        subject_type: "redemption",
                        subject_id: redemption_id,
                        data: serde_json::json!({
                            "child_id": r.child_id,
                            "program": after.program,
                            "covered_yen": after.covered_yen,
                            "reason": after.reversal_reason,
                        }),
                    },
                )
                .await?;
            }
            Ok(after)
        })
    })
    .await
}

/// A device's redemptions on one local date, newest first, `limit` of them from `offset`.
pub async fn list_for_device(
    conn: &impl ConnectionTrait,
    device_id: Uuid,
    date: NaiveDate,
    limit: u64,
    offset: u64,
) -> Result<Vec<RedemptionView>, DbErr> {
    redemption::Entity::find()
        .filter(redemption::Column::DeviceId.eq(device_id))
        .filter(redemption::Column::LocalDate.eq(date))
        .order_by_desc(redemption::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(RedemptionView::try_from)
        .collect()
}

/// A child's redemptions in one month (for the guardian's history), newest first, `limit`
/// of them from `offset`.
pub async fn list_for_child(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    program: Program,
    month: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<RedemptionView>, DbErr> {
    redemption::Entity::find()
        .filter(redemption::Column::ChildId.eq(child_id))
        .filter(redemption::Column::Program.eq(program.as_str()))
        .filter(redemption::Column::Month.eq(month))
        .order_by_desc(redemption::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(RedemptionView::try_from)
        .collect()
}
