//! Staff corrections of a balance, with a reason, and the four-eyes rule that bounds them: no
//! one person creates (or removes) more than the program's one-approver limit on an account.
//! A correction that would take one person beyond it becomes a proposal that a second, different
//! staff member must approve (see `proposals`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::proposals::{Proposal, ProposalStatus};
use super::{
    Account, AllowanceError, EntryKind, Refs, Rule, current_account, get_account, lock_account,
    post, rule,
};
use crate::audit::{self, Actor};
use crate::clock::{Calendar, to_micros};
use crate::config::ProgramRules;
use crate::enrollments::Program;
use crate::entity::{adjustment_proposal, ledger_entry};

/// A staff correction of the current period's balance.
#[derive(Debug, Clone, Copy)]
pub struct Adjustment<'a> {
    pub child_id: Uuid,
    pub program: Program,
    /// Signed change in the program's unit.
    pub amount: i64,
    pub reason: &'a str,
}

/// What became of a correction.
#[derive(Debug, Clone)]
pub enum Adjusted {
    /// Within the one-approver limit: posted at once.
    Posted(Account),
    /// Beyond it: waiting for a second staff member.
    Proposed(Proposal),
}

/// Checks a correction's size against the program's hard maximum.
pub(super) fn bounded(rule: &Rule, amount: i64) -> Result<(), AllowanceError> {
    if amount == 0 {
        return Err(crate::text::FieldError::new(
            "amount",
            "must not be zero",
            "0以外の値を入力してください",
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

/// Applies a staff correction inside the caller's write transaction: posted at once within the
/// one-approver limit, otherwise proposed for a second staff member's approval.
pub async fn adjust(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    adjustment: Adjustment<'_>,
) -> Result<Adjusted, AllowanceError> {
    let Adjustment {
        child_id,
        program,
        amount,
        reason,
    } = adjustment;
    let reason = crate::text::multiline(reason, 500)
        .map_err(|e| crate::text::FieldError::text("reason", e))?;
    let rule = rule(rules, program).ok_or(AllowanceError::NoAllowance)?;
    bounded(&rule, amount)?;
    let account = current_account(conn, rules, cal, child_id, program, now).await?;
    lock_account(conn, account.id).await?;
    match check_one_approver(conn, &rule, account.id, actor, amount).await {
        Ok(()) => {}
        Err(AllowanceError::NeedsSecondApprover { .. }) => {
            return propose(conn, actor, now, &account, amount, &reason)
                .await
                .map(Adjusted::Proposed);
        }
        Err(e) => return Err(e),
    }
    post_adjustment(conn, actor, None, now, &account, amount, &reason).await?;
    Ok(Adjusted::Posted(get_account(conn, account.id).await?))
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
            action: "allowance.adjusted",
            object_type: "allowance_account",
            object_id: Some(account.id),
            before: Some(
                serde_json::json!({ "balance": account.balance, "granted": account.granted }),
            ),
            after: Some(serde_json::json!({
                "balance": after.balance,
                "granted": after.granted,
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

async fn propose(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    account: &Account,
    amount: i64,
    reason: &str,
) -> Result<Proposal, AllowanceError> {
    let Some(proposed_by) = actor.id else {
        return Err(AllowanceError::SameApprover);
    };
    let id = Uuid::now_v7();
    adjustment_proposal::Entity::insert(adjustment_proposal::ActiveModel {
        id: Set(id),
        child_id: Set(account.child_id),
        program: Set(account.program.as_str().to_owned()),
        period: Set(account.period.clone()),
        amount: Set(amount),
        reason: Set(reason.to_owned()),
        status: Set(ProposalStatus::Proposed.as_str().to_owned()),
        proposed_by: Set(proposed_by),
        proposed_at: Set(to_micros(now)),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    let proposal = super::proposals::get(conn, id).await?;
    audit::record(
        conn,
        actor,
        now,
        audit::Change {
            action: "allowance.adjustment_proposed",
            object_type: "adjustment_proposal",
            object_id: Some(id),
            before: None,
            after: audit::snapshot(&proposal),
        },
    )
    .await?;
    Ok(proposal)
}
