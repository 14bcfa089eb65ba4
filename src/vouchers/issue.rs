//! Issuing a voucher: a signed code for one child and program, replacing the unused one before it.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, UpdateMany};
use uuid::Uuid;

use super::{Context, VoucherError, VoucherStatus, max_cover};
use crate::allowances::{self, Unit};
use crate::audit::{self, Action, Actor, Change};
use crate::clock::to_micros;
use crate::config::ProgramRules;
use crate::db;
use crate::enrollments::{self, Program};
use crate::entity::voucher;
use crate::signed_codes::token::{self, Claims};

/// Whether the program is one whose allowance is used through voucher codes.
pub fn is_voucher_program(rules: &ProgramRules, program: Program) -> bool {
    ttl(rules, program).is_some()
}

fn ttl(rules: &ProgramRules, program: Program) -> Option<Duration> {
    rules
        .voucher(program)
        .map(|v| Duration::minutes(v.voucher_ttl_minutes()))
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
    let in_force = ctx.rules.on(ctx.calendar.local_date(now));
    if in_force.kind_of(program).is_none() {
        return Err(VoucherError::Ineligible(enrollments::Unmet::NotOffered));
    }
    let ttl = ttl(in_force, program).ok_or(VoucherError::NotVoucherProgram)?;
    // Time-ordered ids keep recent codes together in the primary-key index.
    let id = Uuid::now_v7();
    let expires_at =
        DateTime::<Utc>::from_timestamp((now + ttl).timestamp(), 0).unwrap_or(now + ttl);
    let (kid, input, signature) = ctx
        .keys
        .sign_with(|kid| {
            token::signing_input(&Claims {
                kid: kid.to_owned(),
                subject_id: id,
                program,
                expires_at,
                binding: token::binding(id, child_id),
            })
        })
        .ok_or_else(|| DbErr::Custom("no signing key".into()))?;
    let (rules, cal) = (ctx.rules, ctx.calendar);
    let account = db::write(ctx.db, |tx| {
        let (actor, kid, rules) = (actor.clone(), kid.clone(), rules.clone());
        Box::pin(async move {
            let today = cal.local_date(now);
            if let Err(unmet) =
                enrollments::check_use(tx, rules.on(today), child_id, program, today).await?
            {
                return Err(VoucherError::Ineligible(unmet));
            }
            let account = allowances::current_account(tx, &rules, &cal, child_id, program, now).await?;
            if account.balance <= 0 {
                return Err(VoucherError::Exhausted {
                    period: allowances::PeriodKind::of_key(&account.period),
                });
            }
            // Take the account's row lock so that concurrent issues for the same child and
            // program queue here (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises):
            // each then cancels the code before it, and exactly one code stays live.
            allowances::lock_account(tx, account.id).await?;
            cancelling_live_codes(child_id, program, now)
                .exec(tx)
                .await?;
            voucher::Entity::insert(voucher::ActiveModel {
                id: Set(id),
                child_id: Set(child_id),
                household_id: Set(household_id),
                program: Set(program.as_str().to_owned()),
                kid: Set(kid.clone()),
                status: Set(VoucherStatus::Issued.as_str().into()),
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
                    action: Action::VoucherIssued,
                    children: vec![child_id],
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
        max_covered_yen: max_cover(in_force, program, account.balance),
    })
}

/// The statement that cancels a child's live code of a program, when a new one is issued.
/// Its status condition is a literal, not a bound value: the planner then knows it is the
/// partial index's (`ix_vouchers_live`) and reads the child's few live codes, not every code.
pub fn cancelling_live_codes(
    child_id: Uuid,
    program: Program,
    now: DateTime<Utc>,
) -> UpdateMany<voucher::Entity> {
    voucher::Entity::update_many()
        .col_expr(
            voucher::Column::Status,
            Expr::value(VoucherStatus::Cancelled.as_str()),
        )
        .col_expr(voucher::Column::CancelledAt, Expr::value(to_micros(now)))
        .filter(voucher::Column::ChildId.eq(child_id))
        .filter(voucher::Column::Program.eq(program.as_str()))
        .filter(ExprTrait::eq(
            Expr::col(voucher::Column::Status),
            Expr::Constant(VoucherStatus::Issued.as_str().into()),
        ))
}
