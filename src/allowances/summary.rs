//! What families and staff read: a period's figures and its ledger entries.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AllowanceError, EntryKind, Unit, find_account, period_of, rule_at};
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::{RuleBook, UnusedBalance};
use crate::enrollments::Program;
use crate::entity::{allowance_account, ledger_entry};

/// A period's figures as a guardian sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = AllowanceSummary, example = json!({
    "program": "taxi_fuel",
    "unit": "yen",
    "period": "2026-11",
    "period_start": "2026-10-31T15:00:00Z",
    "period_end": "2026-11-30T15:00:00Z",
    "granted": 20000,
    "adjusted": 0,
    "used": 3200,
    "held": 0,
    "remaining": 16800
}))]
pub struct Summary {
    pub program: Program,
    pub unit: Unit,
    /// "2026-11" (monthly) or "FY2026" (the fiscal year starting in 2026, in the ward's
    /// configured month).
    pub period: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// What the program granted for the period (the grant and any carry-in).
    pub granted: i64,
    /// Staff corrections this period (±), apart from the grant.
    pub adjusted: i64,
    /// Used (redeemed, or respite minutes recorded).
    pub used: i64,
    pub held: i64,
    pub remaining: i64,
}

/// The current period's figures without writing anything: an account not yet opened shows
/// the grant it will open with.
pub async fn summary(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
) -> Result<Summary, AllowanceError> {
    let rule = rule_at(rules, cal, program, at).ok_or(AllowanceError::NoAllowance)?;
    let period = period_of(cal, rule.period, at);
    Ok(
        match find_account(conn, child_id, program, &period.key).await? {
            Some(a) => Summary {
                program,
                unit: a.unit,
                period: a.period,
                period_start: a.period_start,
                period_end: a.period_end,
                granted: a.granted,
                adjusted: a.adjusted,
                used: a.used,
                held: a.held,
                remaining: a.balance,
            },
            None => {
                let carried = if rule.unused == UnusedBalance::CarryOver {
                    let left = allowance_account::Entity::find()
                        .filter(allowance_account::Column::ChildId.eq(child_id))
                        .filter(allowance_account::Column::Program.eq(program.as_str()))
                        .filter(allowance_account::Column::PeriodEnd.lte(to_micros(period.start)))
                        .all(conn)
                        .await?
                        .iter()
                        .map(|a| a.balance)
                        .sum();
                    rule.carried_into(&period, left)
                } else {
                    0
                };
                Summary {
                    program,
                    unit: rule.unit,
                    period: period.key,
                    period_start: period.start,
                    period_end: period.end,
                    granted: rule.grant + carried,
                    adjusted: 0,
                    used: 0,
                    held: 0,
                    remaining: rule.grant + carried,
                }
            }
        },
    )
}

/// A ledger entry as shown in a history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = LedgerEntry)]
pub struct Entry {
    pub id: Uuid,
    pub kind: EntryKind,
    /// Change of the balance (negative for uses, holds and lapses).
    pub amount: i64,
    pub voucher_id: Option<Uuid>,
    pub redemption_id: Option<Uuid>,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// The entries of one account, oldest first, `limit` of them from `offset`.
pub async fn entries(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    limit: u64,
    offset: u64,
) -> Result<Vec<Entry>, DbErr> {
    Ok(ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account_id))
        .order_by_asc(ledger_entry::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(Entry {
                id: e.id,
                kind: EntryKind::parse(&e.kind)?,
                amount: e.amount,
                voucher_id: e.voucher_id,
                redemption_id: e.redemption_id,
                reason: e.reason,
                occurred_at: from_micros(e.occurred_at),
            })
        })
        .collect())
}
