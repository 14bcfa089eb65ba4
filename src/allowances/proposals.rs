//! Corrections waiting for a second approver (maker–checker): proposed by one staff member,
//! approved or rejected by another. Approval re-checks everything a correction needs (the
//! child still enrolled, the period still current, the balance not going below zero) and posts
//! the entry with both names on it; the proposer cannot approve their own proposal.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::correction::{bounded, post_adjustment};
use super::{AllowanceError, Unit, current_account, period_of, rule_at};
use crate::audit::{self, Actor};
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::RuleBook;
use crate::enrollments::Program;
use crate::entity::adjustment_proposal;

/// Where a proposal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AdjustmentProposalStatus)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for a second staff member.
    Proposed,
    /// Approved by a second staff member and posted to the ledger.
    Approved,
    /// Rejected (or withdrawn by its proposer); nothing was posted.
    Rejected,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Proposed => "proposed",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalStatus> {
        [
            ProposalStatus::Proposed,
            ProposalStatus::Approved,
            ProposalStatus::Rejected,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for ProposalStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A correction above the one-approver limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = AdjustmentProposal)]
pub struct Proposal {
    pub id: Uuid,
    pub child_id: Uuid,
    pub program: Program,
    /// The period it corrects ("2026-11" or "FY2026"); it can be approved only while current.
    pub period: String,
    pub unit: Unit,
    /// Signed change in the program's unit.
    pub amount: i64,
    pub reason: String,
    pub status: ProposalStatus,
    /// The staff account that proposed it.
    pub proposed_by: Uuid,
    pub proposed_at: DateTime<Utc>,
    /// The second staff account that approved or rejected it.
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

impl TryFrom<adjustment_proposal::Model> for Proposal {
    type Error = DbErr;
    fn try_from(m: adjustment_proposal::Model) -> Result<Self, DbErr> {
        let bad = |what: &str, v: &str| DbErr::Custom(format!("unknown {what} {v}"));
        let program = Program::parse(&m.program).ok_or_else(|| bad("program", &m.program))?;
        let unit = super::Unit::parse(&m.unit).ok_or_else(|| bad("unit", &m.unit))?;
        Ok(Proposal {
            id: m.id,
            child_id: m.child_id,
            program,
            period: m.period,
            unit,
            amount: m.amount,
            reason: m.reason,
            status: ProposalStatus::parse(&m.status).ok_or_else(|| bad("status", &m.status))?,
            proposed_by: m.proposed_by,
            proposed_at: from_micros(m.proposed_at),
            decided_by: m.decided_by,
            decided_at: m.decided_at.map(from_micros),
            decision_reason: m.decision_reason,
        })
    }
}

pub(super) async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Proposal, AllowanceError> {
    adjustment_proposal::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AllowanceError::ProposalNotFound)
        .and_then(|m| Ok(Proposal::try_from(m)?))
}

/// Proposals, oldest first, optionally in one state.
pub async fn list_proposals(
    conn: &impl ConnectionTrait,
    status: Option<ProposalStatus>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Proposal>, DbErr> {
    use adjustment_proposal::Column as C;
    let mut q = adjustment_proposal::Entity::find();
    if let Some(s) = status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    q.order_by_asc(C::ProposedAt)
        .order_by_asc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Proposal::try_from)
        .collect()
}

/// Moves a proposal out of `proposed` with one conditional update, so two decisions racing
/// cannot both happen.
async fn decide(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
    to: ProposalStatus,
    reason: Option<&str>,
) -> Result<(), AllowanceError> {
    use adjustment_proposal::Column as C;
    let changed = adjustment_proposal::Entity::update_many()
        .col_expr(C::Status, Expr::value(to.as_str()))
        .col_expr(C::DecidedBy, Expr::value(actor.id))
        .col_expr(C::DecidedAt, Expr::value(to_micros(now)))
        .col_expr(C::DecisionReason, Expr::value(reason.map(str::to_owned)))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(ProposalStatus::Proposed.as_str()))
        .exec(conn)
        .await?
        .rows_affected;
    if changed != 1 {
        let current = get(conn, id).await?;
        return Err(AllowanceError::ProposalNotPending(current.status));
    }
    Ok(())
}

/// A second staff member approves a proposal: the correction is posted with both names on
/// the ledger entry. Call inside a write transaction.
pub async fn approve_proposal(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
) -> Result<Proposal, AllowanceError> {
    let before = get(conn, id).await?;
    if before.status != ProposalStatus::Proposed {
        return Err(AllowanceError::ProposalNotPending(before.status));
    }
    if actor.id.is_none_or(|a| a == before.proposed_by) {
        return Err(AllowanceError::SameApprover);
    }
    let rule = rule_at(rules, cal, before.program, now).ok_or(AllowanceError::NoAllowance)?;
    bounded(&rule, before.amount)?;
    if period_of(cal, rule.period, now).key != before.period {
        return Err(AllowanceError::ProposalPeriodEnded);
    }
    decide(conn, actor, now, id, ProposalStatus::Approved, None).await?;
    let account = current_account(conn, rules, cal, before.child_id, before.program, now).await?;
    let maker = Actor {
        kind: "staff",
        id: Some(before.proposed_by),
        request_id: actor.request_id.clone(),
    };
    post_adjustment(
        conn,
        &maker,
        Some(actor),
        now,
        &account,
        before.amount,
        &before.reason,
    )
    .await?;
    let after = get(conn, id).await?;
    record(
        conn,
        actor,
        now,
        audit::Action::AdjustmentApproved,
        &before,
        &after,
    )
    .await?;
    Ok(after)
}

/// Rejects a proposal with a reason (its proposer may withdraw it this way); nothing is posted.
pub async fn reject_proposal(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
    reason: &str,
) -> Result<Proposal, AllowanceError> {
    let reason = crate::text::multiline(reason, 500)
        .map_err(|e| crate::text::FieldError::text("reason", e))?;
    let before = get(conn, id).await?;
    decide(
        conn,
        actor,
        now,
        id,
        ProposalStatus::Rejected,
        Some(&reason),
    )
    .await?;
    let after = get(conn, id).await?;
    record(
        conn,
        actor,
        now,
        audit::Action::AdjustmentRejected,
        &before,
        &after,
    )
    .await?;
    Ok(after)
}

async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    action: audit::Action,
    before: &Proposal,
    after: &Proposal,
) -> Result<(), AllowanceError> {
    audit::record(
        conn,
        actor,
        now,
        audit::Change {
            action,
            children: vec![after.child_id],
            object_type: "adjustment_proposal",
            object_id: Some(after.id),
            before: audit::snapshot(before),
            after: audit::snapshot(after),
        },
    )
    .await?;
    Ok(())
}
