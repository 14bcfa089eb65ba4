//! Redeeming a scanned code exactly once, with an Idempotency-Key whose retries get the first answer.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    CareTaxiFees, Charge, Context, Purpose, RedemptionState, VoucherError, VoucherStatus,
    check_code, is_as_issued, partner_may_redeem, status_error, voucher_as_issued,
};
use crate::allowances::{self, Refs, Unit};
use crate::audit::{self, Action, Actor, Change};
use crate::clock::to_micros;
use crate::db;
use crate::enrollments::{self, Program};
use crate::entity::{redemption, voucher};
use crate::partners::DevicePrincipal;

/// The answer to a redemption; stored, so that a retry gets the same bytes back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = RedemptionReceipt, example = json!({
    "id": "019ab5c2-6f10-7c3e-9a55-0d6f6a1e2b3c",
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
    /// The redemption's id, as `id` everywhere else (the device's list, the cancel path).
    pub id: Uuid,
    /// The same id under its former name; read `id`.
    #[schema(deprecated)]
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
    /// The fee components as the partner entered them (ticket allowances only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fees: Option<CareTaxiFees>,
    pub unit: Unit,
    /// Yen or tickets left this month after this redemption.
    pub remaining: i64,
    pub redeemed_at: DateTime<Utc>,
}

/// What a family is told when a code is redeemed (`voucher.redeemed`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RedeemedEvent {
    pub child_id: Uuid,
    pub program: Program,
    /// Paid by the ward.
    pub covered_yen: crate::units::Yen,
    /// Paid by the family.
    pub family_pays_yen: crate::units::Yen,
    pub tickets_used: i64,
    /// Yen or tickets left in the period after this redemption.
    pub remaining: i64,
}

/// What the family is told of a redemption: where, for whom, who paid what, what is left.
fn redeemed_words(
    rules: &crate::config::ProgramRules,
    device: &DevicePrincipal,
    child: &crate::households::Child,
    program: Program,
    receipt: &Receipt,
) -> crate::notifications::Words {
    use crate::notifications::{Left, ProgramName, Words};
    Words::Redeemed {
        child: child.full_name(),
        program: ProgramName::of(rules, program),
        partner: device.partner_name.to_string(),
        covered_yen: receipt.covered_yen,
        family_pays_yen: receipt.family_pays_yen,
        left: match receipt.unit {
            Unit::Yen => Left::Yen(receipt.remaining),
            Unit::Ticket => Left::Tickets(receipt.remaining),
            Unit::Minute => Left::Minutes(receipt.remaining),
        },
        fiscal_year: crate::allowances::period_kind(rules, program)
            == Some(crate::allowances::PeriodKind::FiscalYear),
    }
}

/// A redemption's outcome: new, or the stored answer to an earlier identical request together
/// with what has become of that redemption since (a replay answers the first body byte for
/// byte, so a scanner must read the state to know whether it was undone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    Created(String),
    Replayed {
        body: String,
        state: RedemptionState,
    },
}

fn request_hash(code: &str, charge: Charge) -> String {
    let canonical = match charge {
        Charge::Amount(y) => format!("{}|amount|{}", code.trim(), y.0),
        Charge::Fees(f) => format!(
            "{}|fees|{}|{}|{}",
            code.trim(),
            f.reservation_fee_yen.0,
            f.pickup_fee_yen.0,
            f.basic_assistance_fee_yen.0
        ),
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
        Some(r) if r.request_hash == hash => Ok(Some(Redeemed::Replayed {
            state: RedemptionState::of(&r),
            body: r.response_json,
        })),
        Some(_) => Err(VoucherError::IdempotencyMismatch),
        None => Ok(None),
    }
}

/// The person a code is for, and whether the program's conditions hold for them today.
#[derive(Clone)]
struct Person {
    child: crate::households::Child,
    eligible: Result<(), enrollments::Unmet>,
}

/// Reads the person a voucher is for and checks the program's conditions for them: from the
/// read pool before the write (see [`redeem`]), or inside it when that read found nothing.
async fn person_for(
    conn: &impl ConnectionTrait,
    rules: &crate::config::ProgramRules,
    child_id: Uuid,
    program: Program,
    today: chrono::NaiveDate,
) -> Result<Option<Person>, DbErr> {
    let Some(child) = crate::households::find_child(conn, child_id).await? else {
        return Ok(None);
    };
    let eligible = enrollments::check_use_of(conn, rules, &child, program, today).await?;
    Ok(Some(Person { child, eligible }))
}

/// The claim of a code: issued becomes redeemed, only while it is live and the device active.
fn claim(
    claims: &crate::signed_codes::token::Claims,
    device: &DevicePrincipal,
    now: DateTime<Utc>,
) -> sea_orm::UpdateMany<voucher::Entity> {
    voucher::Entity::update_many()
        .col_expr(
            voucher::Column::Status,
            Expr::value(VoucherStatus::Redeemed.as_str()),
        )
        .col_expr(voucher::Column::RedeemedAt, Expr::value(to_micros(now)))
        .filter(voucher::Column::Id.eq(claims.subject_id))
        .filter(voucher::Column::Status.eq(VoucherStatus::Issued.as_str()))
        .filter(voucher::Column::ExpiresAt.gt(to_micros(now)))
        // The device must still be active at the moment money moves.
        .filter(crate::partners::while_device_active(device.device_id))
}

/// Holds only inside the write that claimed the code: redeemed, and its redemption not yet
/// recorded (a code is redeemed once, and its redemption row is written by the write that
/// claimed it; `redemptions.voucher_id` is unique).
fn claimed_here(voucher_id: Uuid) -> sea_orm::Condition {
    let redeemed = Query::select()
        .expr(Expr::val(1))
        .from(voucher::Entity)
        .and_where(voucher::Column::Id.eq(voucher_id))
        .and_where(voucher::Column::Status.eq(VoucherStatus::Redeemed.as_str()))
        .to_owned();
    let recorded = Query::select()
        .expr(Expr::val(1))
        .from(redemption::Entity)
        .and_where(redemption::Column::VoucherId.eq(voucher_id))
        .to_owned();
    sea_orm::Condition::all()
        .add(Expr::exists(redeemed))
        .add(Expr::exists(recorded).not())
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
    let in_force = ctx.rules.on(ctx.calendar.local_date(now));
    let purpose = partner_may_redeem(device, claims.program, in_force)?;
    let charge = charge.validate(claims.program, in_force)?;
    let (rules, cal) = (ctx.rules, ctx.calendar);
    // Where writes share one writer (SQLite), the person and the program's conditions are
    // read before the write, from the read pool, so that other writes do not wait for these
    // reads: the committed state, as a PostgreSQL transaction at read committed reads it inside
    // (where they stay: there they are round trips on the write's own connection). A change
    // committed in between (an approval withdrawn) is concurrent with this redemption, which
    // then counts as the earlier of the two. The refusal still comes after the claim, so a used
    // or expired code answers as it did.
    let today = cal.local_date(now);
    let read_first = if ctx.db.shares_writer() {
        match voucher::Entity::find_by_id(claims.subject_id)
            .one(ctx.read)
            .await?
        {
            Some(v) => person_for(ctx.read, in_force, v.child_id, claims.program, today)
                .await?
                .map(|person| (v, person)),
            None => None,
        }
    } else {
        None
    };
    let result = db::write(ctx.db, |tx| {
        let (actor, hash, claims) = (actor.clone(), hash.clone(), claims.clone());
        let read_first = read_first.clone();
        let device = device.clone();
        let (rules, idempotency_key) = (rules.clone(), idempotency_key.to_owned());
        Box::pin(async move {
            let (rules, idempotency_key) = (&rules, idempotency_key.as_str());
            let program = claims.program;
            let redemption_id = Uuid::now_v7();
            let refs = |voucher_id| Refs {
                voucher_id: Some(voucher_id),
                redemption_id: Some(redemption_id),
                reason: None,
                approved_by: None,
            };
            let capture = |child_id, only_if| {
                allowances::capture(
                    tx,
                    rules,
                    &cal,
                    allowances::Capture {
                        child_id,
                        program,
                        at: now,
                        take: charge.take(),
                        only_if,
                    },
                    &actor,
                    refs(claims.subject_id),
                )
            };
            // What follows adds rows nobody reads back here: sent as one call at the end.
            tx.defer_inserts();
            // Where the voucher and its person were read before the write and the write can be
            // undone (SQLite's batch), the claim goes in the same call as the capture, which
            // takes only when the claim went through (`claimed_here`). When the capture is
            // refused, either may not have gone through: the write is undone and goes the long
            // way below, one statement at a time, which says why.
            let mut done = None;
            if let Some((v, person)) = read_first.as_ref().filter(|(v, person)| {
                tx.can_undo()
                    && v.status == VoucherStatus::Issued.as_str()
                    && is_as_issued(v, &claims)
                    && person.eligible.is_ok()
            }) {
                tx.keep(claim(&claims, &device, now).build(tx.get_database_backend()));
                match capture(v.child_id, Some(claimed_here(v.id))).await {
                    Ok(captured) => done = Some((v.clone(), person.child.clone(), captured)),
                    Err(allowances::AllowanceError::Db(e)) => return Err(e.into()),
                    // A refusal: the claim, too, may not have gone through.
                    Err(_) => tx.undo().await?,
                }
            }
            let (v, child, (account, taken)) = match done {
                Some(done) => done,
                None => {
                    let claimed = claim(&claims, &device, now).exec_with_returning(tx).await?;
                    let Some(v) = claimed.into_iter().next() else {
                        if let Some(answer) =
                            stored_answer(tx, device.device_id, idempotency_key, &hash).await?
                        {
                            return Ok(answer);
                        }
                        let v = voucher_as_issued(tx, &claims).await?;
                        return Err(status_error(&v, now));
                    };
                    // A code re-signed with other claims: refused, and the claim above rolls
                    // back.
                    if !is_as_issued(&v, &claims) {
                        return Err(VoucherError::Mismatch);
                    }
                    // Enrollment was checked when the code was issued; a code is honoured for
                    // its few minutes of life (a new period's account still checks it when
                    // opened). The program's conditions (a certificate's validity) are checked
                    // again, and a refusal rolls the claim above back.
                    let person = match read_first
                        .map(|(_, p)| p)
                        .filter(|p| p.child.id == v.child_id)
                    {
                        Some(person) => person,
                        None => person_for(tx, rules.on(today), v.child_id, program, today)
                            .await?
                            .ok_or(VoucherError::Malformed)?,
                    };
                    if let Err(unmet) = person.eligible {
                        return Err(VoucherError::Ineligible(unmet));
                    }
                    let captured = capture(v.child_id, None).await?;
                    (v, person.child, captured)
                }
            };
            let cover = charge.coverage(rules.on(cal.local_date(now)), program, taken);
            let fees = match charge {
                Charge::Fees(f) => Some(f),
                Charge::Amount(_) => None,
            };
            let receipt = Receipt {
                id: redemption_id,
                redemption_id,
                voucher_id: v.id,
                program,
                purpose,
                requested_yen: cover.requested.0,
                covered_yen: cover.covered.0,
                family_pays_yen: cover.family_pays.0,
                tickets_used: cover.tickets,
                fees,
                unit: account.unit,
                remaining: account.balance,
                redeemed_at: now,
            };
            let json = serde_json::to_string(&receipt).map_err(|e| DbErr::Custom(e.to_string()))?;
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
                requested_yen: Set(cover.requested.0),
                reservation_fee_yen: Set(fees.map(|f| f.reservation_fee_yen.0)),
                pickup_fee_yen: Set(fees.map(|f| f.pickup_fee_yen.0)),
                assistance_fee_yen: Set(fees.map(|f| f.basic_assistance_fee_yen.0)),
                covered_yen: Set(cover.covered.0),
                family_pays_yen: Set(cover.family_pays.0),
                tickets_used: Set(cover.tickets),
                redeemed_at: Set(to_micros(now)),
                local_date: Set(local_date),
                month: Set(cal.month_of(now).to_string()),
                response_json: Set(json.clone()),
                reversed_at: Set(None),
                reversed_by_type: Set(None),
                reversed_by: Set(None),
                reversal_reason: Set(None),
                settled_month: Set(None),
                reversal_month: Set(None),
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::VoucherRedeemed,
                    children: vec![v.child_id],
                    object_type: "redemption",
                    object_id: Some(redemption_id),
                    before: None,
                    after: serde_json::from_str(&json).ok(),
                },
            )
            .await?;
            let words = redeemed_words(rules.on(today), &device, &child, program, &receipt);
            crate::notifications::notify(
                tx,
                now,
                crate::notifications::Event {
                    words,
                    kind: crate::notifications::EventKind::VoucherRedeemed,
                    recipient: crate::notifications::Recipient::Household(v.household_id),
                    subject_type: "redemption",
                    subject_id: redemption_id,
                    data: serde_json::to_value(RedeemedEvent {
                        child_id: v.child_id,
                        program,
                        covered_yen: cover.covered,
                        family_pays_yen: cover.family_pays,
                        tickets_used: cover.tickets,
                        remaining: account.balance,
                    })
                    .unwrap_or_default(),
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
