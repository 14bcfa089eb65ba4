//! The mechanics of a correction, shared by corrections made alone and those approved by a
//! second person: its bounds, the one-approver limit, and posting it with both names.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{Account, AllowanceError, EntryKind, Refs, Rule, get_account, post};
use crate::audit::{self, Action, Actor};
use crate::entity::ledger_entry;
use crate::messages::Args;

/// Checks a correction's size against the program's hard maximum.
pub(super) fn bounded(rule: &Rule, amount: i64) -> Result<(), AllowanceError> {
    if amount == 0 {
        return Err(crate::text::FieldError::said(
            "amount",
            "reason-must-not-be-zero",
            Args::new(),
        )
        .into());
    }
    if amount.unsigned_abs() > rule.max_adjustment.unsigned_abs() {
        return Err(AllowanceError::AdjustmentOverLimit {
            max: rule.max_adjustment,
            unit: rule.unit,
        });
    }
    Ok(())
}

/// Whether `actor` may move `amount` more on `account` alone: the corrections they posted
/// alone there, plus this one, stay within the one-approver limit. Call after locking the
/// account, so that two concurrent corrections by the same person are counted together.
pub async fn check_one_approver(
    conn: &impl ConnectionTrait,
    rule: &Rule,
    account_id: Uuid,
    actor: &Actor,
    amount: i64,
) -> Result<(), AllowanceError> {
    let limit = rule.one_approver_limit;
    let over = AllowanceError::NeedsSecondApprover {
        limit,
        unit: rule.unit,
    };
    let Some(actor_id) = actor.id else {
        return Err(over);
    };
    let alone: Vec<i64> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::Amount)
        .filter(ledger_entry::Column::AccountId.eq(account_id))
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Adjustment.as_str()))
        .filter(ledger_entry::Column::ActorId.eq(actor_id))
        .filter(ledger_entry::Column::ApprovedBy.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    let total = alone
        .iter()
        .chain(std::iter::once(&amount))
        .try_fold(0u64, |sum, a| sum.checked_add(a.unsigned_abs()));
    match total {
        Some(t) if t <= limit.unsigned_abs() => Ok(()),
        _ => Err(over),
    }
}

/// Posts an adjustment entry and records it in the audit log: `maker` made it, `checker` (if
/// any) approved it. Both are on the ledger entry.
pub(super) async fn post_adjustment(
    conn: &impl ConnectionTrait,
    maker: &Actor,
    checker: Option<&Actor>,
    now: DateTime<Utc>,
    account: &Account,
    amount: i64,
    reason: &str,
) -> Result<(), AllowanceError> {
    post(
        conn,
        account.id,
        EntryKind::Adjustment,
        amount,
        maker,
        now,
        Refs {
            reason: Some(reason),
            approved_by: checker.and_then(|c| c.id),
            ..Default::default()
        },
    )
    .await?;
    let after = get_account(conn, account.id).await?;
    audit::record(
        conn,
        checker.unwrap_or(maker),
        now,
        audit::Change {
            action: Action::AllowanceAdjusted,
            children: vec![account.child_id],
            object_type: "allowance_account",
            object_id: Some(account.id),
            before: Some(
                serde_json::json!({ "balance": account.balance, "adjusted": account.adjusted }),
            ),
            after: Some(serde_json::json!({
                "program": account.program,
                "balance": after.balance,
                "adjusted": after.adjusted,
                "amount": amount,
                "reason": reason,
                "made_by": maker.id,
                "approved_by": checker.and_then(|c| c.id),
            })),
        },
    )
    .await?;
    Ok(())
}
