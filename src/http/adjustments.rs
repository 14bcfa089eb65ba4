//! Staff corrections of a balance: posted at once within the one-approver limit, proposed
//! for a second staff member's approval beyond it (four eyes), and the proposals' queue.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::child_names::named_item;
use super::extract::{AppJson, AppPath, AppQuery, Staff};
use super::pagination::Paging;
use super::problem::{ApiError, Code, Problem};
use super::vouchers::AllowancePath;
use crate::allowances::{self, Adjusted, Proposal, ProposalStatus, Summary};
use crate::households;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    /// Signed change of this period's balance in the program's unit (yen, tickets, minutes).
    #[schema(example = -500)]
    pub amount: i64,
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Correct a child's balance for the current period, with a reason (staff). Within the
/// program's one-approver limit (by default one period's grant, counting what this staff member
/// already corrected alone on the same account) the correction posts at once: 200 with the
/// period's figures. Beyond it, it becomes a proposal that a second, different staff member must
/// approve: 202 with the proposal. No correction may exceed the program's maximum
/// (`adjustment_over_limit`).
#[utoipa::path(
    post, path = "/api/v1/staff/children/{child_id}/allowances/{program}/adjustments", tag = "settlements",
    operation_id = "adjustAllowance",
    params(("child_id" = Uuid, Path, description = "Child id"), ("program" = crate::enrollments::Program, Path, description = "Program")),
    request_body = AdjustmentRequest,
    responses(
        (status = 200, description = "Posted: the period after the correction", body = Summary),
        (status = 202, description = "Proposed: waiting for a second staff member's approval", body = Proposal),
        (status = 404, description = "No such child", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enrolled, or the balance would go below zero", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, a zero amount, or above the program's maximum correction", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn adjust_allowance(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<AllowancePath>,
    AppJson(body): AppJson<AdjustmentRequest>,
) -> Result<Response, ApiError> {
    if households::find_child(&state.db, path.child_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found(Code::ChildNotFound));
    }
    let now = state.now();
    let cal = state.calendar();
    let rules = state.rules.clone();
    let (child_id, program, amount, reason) =
        (path.child_id, path.program, body.amount, body.reason);
    let actor = staff.actor.clone();
    let adjusted = crate::db::write(&state.db, |tx| {
        let (rules, reason, actor) = (rules.clone(), reason.clone(), actor.clone());
        Box::pin(async move {
            let adjustment = allowances::Adjustment {
                child_id,
                program,
                amount,
                reason: &reason,
            };
            allowances::adjust(tx, &rules, &cal, &actor, now, adjustment).await
        })
    })
    .await?;
    match adjusted {
        Adjusted::Proposed(p) => Ok((StatusCode::ACCEPTED, AppJson(p)).into_response()),
        Adjusted::Posted(_) => Ok(AppJson(
            allowances::summary(&state.db, &state.rules, &cal, child_id, program, now).await?,
        )
        .into_response()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalsQuery {
    /// Only proposals in this state (`proposed`: waiting for a second approver).
    #[param(inline)]
    pub status: Option<ProposalStatus>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

named_item!(
    /// A correction waiting for (or decided by) a second member of staff, with the child's names.
    StaffProposal, proposal: Proposal
);

/// A page of correction proposals.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdjustmentProposalList)]
pub struct ProposalList {
    pub items: Vec<StaffProposal>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct ProposalPath {
    pub proposal_id: Uuid,
}

/// Why a proposal is rejected (or withdrawn by its proposer).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectProposalRequest {
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Correction proposals, oldest first (staff): `status=proposed` is the queue of corrections
/// waiting for a second approver.
#[utoipa::path(
    get, path = "/api/v1/staff/adjustment-proposals", tag = "settlements",
    operation_id = "listAdjustmentProposals",
    params(ProposalsQuery),
    responses((status = 200, description = "Proposals", body = ProposalList)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_adjustment_proposals(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<ProposalsQuery>,
) -> Result<AppJson<ProposalList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows =
        allowances::list_proposals(&state.read, q.status, paging.fetch(), paging.offset).await?;
    let (rows, next_offset) = paging.finish(rows);
    let items = StaffProposal::page(&state.read, rows).await?;
    Ok(AppJson(ProposalList { items, next_offset }))
}

/// Approve a correction proposed by another staff member (four eyes): it posts to the ledger
/// with both names. The proposer cannot approve it (`same_approver`); it must still fit the
/// rules now (enrolled, its period still current, the balance not below zero).
#[utoipa::path(
    post, path = "/api/v1/staff/adjustment-proposals/{proposal_id}/approve", tag = "settlements",
    operation_id = "approveAdjustmentProposal",
    params(("proposal_id" = Uuid, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "Approved and posted", body = Proposal),
        (status = 404, description = "No such proposal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, your own proposal, its period has ended, no longer enrolled, or the balance would go below zero", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn approve_adjustment_proposal(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<ProposalPath>,
) -> Result<AppJson<Proposal>, ApiError> {
    let now = state.now();
    let cal = state.calendar();
    let rules = state.rules.clone();
    let actor = staff.actor.clone();
    let p = crate::db::write(&state.db, |tx| {
        let (rules, actor) = (rules.clone(), actor.clone());
        Box::pin(async move {
            allowances::approve_proposal(tx, &rules, &cal, &actor, now, path.proposal_id).await
        })
    })
    .await?;
    Ok(AppJson(p))
}

/// Reject a correction proposal with a reason (its proposer may withdraw it the same way);
/// nothing is posted.
#[utoipa::path(
    post, path = "/api/v1/staff/adjustment-proposals/{proposal_id}/reject", tag = "settlements",
    operation_id = "rejectAdjustmentProposal",
    params(("proposal_id" = Uuid, Path, description = "Proposal id")),
    request_body = RejectProposalRequest,
    responses(
        (status = 200, description = "Rejected", body = Proposal),
        (status = 404, description = "No such proposal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn reject_adjustment_proposal(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<ProposalPath>,
    AppJson(body): AppJson<RejectProposalRequest>,
) -> Result<AppJson<Proposal>, ApiError> {
    let now = state.now();
    let actor = staff.actor.clone();
    let reason = body.reason;
    let p = crate::db::write(&state.db, |tx| {
        let (actor, reason) = (actor.clone(), reason.clone());
        Box::pin(async move {
            allowances::reject_proposal(tx, &actor, now, path.proposal_id, &reason).await
        })
    })
    .await?;
    Ok(AppJson(p))
}
