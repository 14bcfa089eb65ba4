//! Staff corrections of a balance, with a reason, and the four-eyes rule that bounds them: no
//! one person creates (or removes) more than the program's one-approver limit on an account.
//! A correction that would take one person beyond it becomes a proposal that a second, different
//! staff member must approve (see `proposals`).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::correction::{bounded, check_one_approver, post_adjustment};
use super::proposals::{Proposal, ProposalStatus};
use super::{Account, AllowanceError, current_account, get_account, lock_account, rule_at};
use crate::audit::{self, Action, Actor};
use crate::clock::{Calendar, to_micros};
use crate::config::RuleBook;
use crate::enrollments::Program;
use crate::entity::adjustment_proposal;

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

/// Applies a staff correction inside the caller's write transaction: posted at once within the
/// one-approver limit, otherwise proposed for a second staff member's approval.
pub async fn adjust(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
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
    let rule = rule_at(rules, cal, program, now).ok_or(AllowanceError::NoAllowance)?;
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
        unit: Set(account.unit.as_str().to_owned()),
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
            action: Action::AdjustmentProposed,
            children: vec![proposal.child_id],
            object_type: "adjustment_proposal",
            object_id: Some(id),
            before: None,
            after: audit::snapshot(&proposal),
        },
    )
    .await?;
    Ok(proposal)
}
