//! Posting to the ledger: every balance change is one conditional UPDATE plus one entry.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    Account, AllowanceError, EntryKind, Refs, account_at, find_account, get_account, period_of,
    rule_at,
};
use crate::audit::Actor;
use crate::clock::{Calendar, to_micros};
use crate::config::RuleBook;
use crate::enrollments::Program;
use crate::entity::{allowance_account, ledger_entry};

/// Moves an account's balance by `kind` and `amount` (a positive magnitude, or a signed value
/// for adjustments) and writes the matching ledger entry. Fails with `Insufficient` when the
/// balance would go below zero; nothing is written then.
pub async fn post(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    kind: EntryKind,
    amount: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    refs: Refs<'_>,
) -> Result<(), AllowanceError> {
    use allowance_account::Column as C;
    let delta = match kind {
        EntryKind::Adjustment => amount,
        _ if amount < 0 => return Err(AllowanceError::NegativeMagnitude),
        EntryKind::Grant | EntryKind::CarryIn | EntryKind::Release | EntryKind::Reversal => amount,
        // Non-negative, so the negation cannot overflow.
        EntryKind::Hold | EntryKind::Capture | EntryKind::Lapse => -amount,
    };
    // An adjustment of i64::MIN has no positive counterpart; refused before any SQL.
    let magnitude = delta
        .checked_abs()
        .ok_or(AllowanceError::NegativeMagnitude)?;
    let mut update = allowance_account::Entity::update_many()
        .col_expr(C::Balance, Expr::col(C::Balance).add(delta))
        .filter(C::Id.eq(account_id));
    update = match kind {
        EntryKind::Grant | EntryKind::CarryIn => {
            update.col_expr(C::Granted, Expr::col(C::Granted).add(delta))
        }
        EntryKind::Adjustment => update.col_expr(C::Adjusted, Expr::col(C::Adjusted).add(delta)),
        EntryKind::Capture => update.col_expr(C::Used, Expr::col(C::Used).add(amount)),
        EntryKind::Reversal => update.col_expr(C::Used, Expr::col(C::Used).sub(amount)),
        EntryKind::Hold => update.col_expr(C::Held, Expr::col(C::Held).add(amount)),
        EntryKind::Release => update
            .col_expr(C::Held, Expr::col(C::Held).sub(amount))
            .filter(C::Held.gte(amount)),
        EntryKind::Lapse => update.col_expr(C::LapsedAt, Expr::value(to_micros(now))),
    };
    if delta < 0 {
        update = update.filter(C::Balance.gte(magnitude));
    }
    let Some(row) = update.exec_with_returning(conn).await?.into_iter().next() else {
        let account = get_account(conn, account_id).await?;
        return Err(AllowanceError::Insufficient {
            remaining: account.balance,
            requested: magnitude,
            period: super::PeriodKind::of_key(&account.period),
            unit: account.unit,
        });
    };
    let account = Account::try_from(row)?;
    record_entry(conn, &account, kind, delta, actor, now, refs).await
}

/// Writes the entry, and counts it in the metrics once the transaction commits.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_entry(
    conn: &impl ConnectionTrait,
    account: &Account,
    kind: EntryKind,
    delta: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    refs: Refs<'_>,
) -> Result<(), AllowanceError> {
    ledger_entry::Entity::insert(ledger_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account.id),
        kind: Set(kind.as_str().to_owned()),
        amount: Set(delta),
        voucher_id: Set(refs.voucher_id),
        redemption_id: Set(refs.redemption_id),
        reason: Set(refs.reason.map(str::to_owned)),
        approved_by: Set(refs.approved_by),
        actor_type: Set(actor.kind.to_owned()),
        actor_id: Set(actor.id),
        occurred_at: Set(to_micros(now)),
    })
    .exec_without_returning(conn)
    .await?;
    crate::telemetry::after_commit(crate::telemetry::Movement {
        program: account.program,
        kind: kind.as_str(),
        unit: account.unit.as_str(),
        magnitude: delta.unsigned_abs(),
    });
    Ok(())
}

/// How much a capture may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Whatever is left, up to this much (a fare: the family pays the rest).
    UpTo(i64),
    /// Exactly this much, or nothing (a ticket).
    Exactly(i64),
}

/// A capture: whose account, when, and how much.
#[derive(Debug, Clone)]
pub struct Capture {
    pub child_id: Uuid,
    pub program: Program,
    pub at: DateTime<Utc>,
    pub take: Take,
    /// A condition the caller's own write must meet for anything to be taken, checked in the
    /// capture's statement (the redemption's claim of its code, sent just before it); when it
    /// does not hold, the capture answers as if nothing were left.
    pub only_if: Option<sea_orm::Condition>,
}

/// Captures from the child's account for the period containing `at` (opening it when this is
/// the period's first use) and writes the ledger entry; returns the account after the capture
/// and how much was taken. The common case is one conditional `UPDATE … RETURNING`.
pub async fn capture(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
    cal: &Calendar,
    what: Capture,
    actor: &Actor,
    refs: Refs<'_>,
) -> Result<(Account, i64), AllowanceError> {
    use allowance_account::Column as C;
    use sea_orm::sea_query::CaseStatement;
    let Capture {
        child_id,
        program,
        at,
        take,
        only_if,
    } = what;
    let rule = rule_at(rules, cal, program, at).ok_or(AllowanceError::NoAllowance)?;
    let period = period_of(cal, rule.period, at);
    let (max, exact) = match take {
        Take::UpTo(n) => (n, false),
        Take::Exactly(n) => (n, true),
    };
    if max <= 0 {
        return Err(AllowanceError::Insufficient {
            remaining: 0,
            requested: max,
            period: rule.period,
            unit: rule.unit,
        });
    }
    // In SET and RETURNING every column is read as it was before the update.
    let taken = || {
        Expr::expr(
            CaseStatement::new()
                .case(Expr::col(C::Balance).gte(max), max)
                .finally(Expr::col(C::Balance)),
        )
    };
    for attempt in 0..2 {
        let mut update = allowance_account::Entity::update_many()
            .col_expr(C::Balance, Expr::col(C::Balance).sub(taken()))
            .col_expr(C::Used, Expr::col(C::Used).add(taken()))
            .col_expr(C::LastMovement, taken())
            .filter(C::ChildId.eq(child_id))
            .filter(C::Program.eq(program.as_str()))
            .filter(C::Period.eq(period.key.as_str()));
        if let Some(condition) = &only_if {
            update = update.filter(condition.clone());
        }
        update = if exact {
            update.filter(C::Balance.gte(max))
        } else {
            update.filter(C::Balance.gt(0))
        };
        if let Some(row) = update.exec_with_returning(conn).await?.into_iter().next() {
            let took = row.last_movement;
            let account = Account::try_from(row)?;
            record_entry(conn, &account, EntryKind::Capture, -took, actor, at, refs).await?;
            return Ok((account, took));
        }
        if attempt == 0
            && find_account(conn, child_id, program, &period.key)
                .await?
                .is_none()
        {
            // First use this period: open (and grant), then take.
            account_at(conn, rules, cal, child_id, program, at).await?;
            continue;
        }
        break;
    }
    let remaining = find_account(conn, child_id, program, &period.key)
        .await?
        .map_or(0, |a| a.balance);
    Err(AllowanceError::Insufficient {
        remaining,
        requested: max,
        period: rule.period,
        unit: rule.unit,
    })
}
