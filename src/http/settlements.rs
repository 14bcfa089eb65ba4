//! Staff side of the money: reversing a redemption, correcting a balance, and the monthly
//! settlement per partner (JSON, or CSV for Excel).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::download::{self, Format};
use super::extract::{AppJson, AppPath, AppQuery, Staff};
use super::pagination::Paging;
use super::problem::{ApiError, Code, Problem};
use super::vouchers::{AllowancePath, RedemptionPath};
use crate::allowances::{self, Adjusted, Proposal, ProposalStatus, Summary};
use crate::households;
use crate::state::AppState;
use crate::vouchers::settlement::{self, PartnerSettlement, PartnerTotal};
use crate::vouchers::{self, RedemptionView, Reverser};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    /// Why (kept in the ledger and the audit log).
    #[schema(max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    /// Signed change of this period's balance in the program's unit (yen, tickets, minutes).
    #[schema(example = -500)]
    pub amount: i64,
    #[schema(max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// "2026-11" (Asia/Tokyo month).
    #[param(example = "2026-11", max_length = 7)]
    pub month: String,
    /// `json` (default) or `csv` (UTF-8 with BOM, CRLF, for Excel).
    #[param(inline)]
    pub format: Option<Format>,
    /// JSON only: redemptions per page (1 to 100, default 50); the CSV holds the whole month.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// JSON only: redemptions to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TotalsQuery {
    #[param(example = "2026-11", max_length = 7)]
    pub month: String,
    /// Partners per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Partners to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

/// All partners' totals for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementTotals {
    pub month: String,
    /// This page of partners.
    pub partners: Vec<PartnerTotal>,
    /// Offset of the next page of partners, if there is one.
    pub next_offset: Option<u64>,
    /// Sum over every partner, not only this page.
    pub covered_yen: i64,
}

/// One partner's month: the totals over the whole month and one page of its redemptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerSettlementPage {
    #[serde(flatten)]
    pub settlement: PartnerSettlement,
    /// Offset of the next page of `items`, if there is one.
    pub next_offset: Option<u64>,
}

/// Keeps one page of `rows`.
fn window<T>(rows: Vec<T>, paging: Paging) -> (Vec<T>, Option<u64>) {
    let rows = rows
        .into_iter()
        .skip(usize::try_from(paging.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(paging.fetch()).unwrap_or(usize::MAX))
        .collect();
    paging.finish(rows)
}

#[derive(Debug, Deserialize)]
pub struct PartnerPath {
    pub partner_id: Uuid,
}

fn month(m: &str) -> Result<String, ApiError> {
    Ok(super::params::month(m)?.to_string())
}

/// Reverse any redemption with a reason (staff); the balance comes back.
#[utoipa::path(
    post, path = "/api/v1/staff/redemptions/{redemption_id}/reverse", tag = "settlements",
    operation_id = "reverseRedemption",
    params(("redemption_id" = Uuid, Path, description = "Redemption id")),
    request_body = ReverseRequest,
    responses(
        (status = 200, description = "Reversed", body = RedemptionView),
        (status = 404, description = "No such redemption", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already reversed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn reverse_redemption(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<RedemptionPath>,
    AppJson(body): AppJson<ReverseRequest>,
) -> Result<AppJson<RedemptionView>, ApiError> {
    let r = vouchers::reverse(
        &state.db,
        &state.config.programs,
        &state.calendar(),
        &staff.actor,
        state.now(),
        path.redemption_id,
        Reverser::Staff {
            reason: body.reason,
        },
    )
    .await?;
    Ok(AppJson(r))
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
    let rules = state.config.programs.clone();
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
            allowances::summary(
                &state.db,
                &state.config.programs,
                &cal,
                child_id,
                program,
                now,
            )
            .await?,
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

/// A page of correction proposals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    pub items: Vec<Proposal>,
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
    let (items, next_offset) = paging.finish(rows);
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
    let rules = state.config.programs.clone();
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

/// Every partner's totals for a month (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/settlements", tag = "settlements", operation_id = "listSettlements",
    params(TotalsQuery),
    responses((status = 200, description = "Totals per partner", body = SettlementTotals)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_settlements(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<TotalsQuery>,
) -> Result<AppJson<SettlementTotals>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let month = month(&q.month)?;
    let partners = settlement::totals(&state.read, &month).await?;
    let covered_yen = partners.iter().map(|p| p.covered_yen).sum();
    let (partners, next_offset) = window(partners, paging);
    Ok(AppJson(SettlementTotals {
        month,
        partners,
        next_offset,
        covered_yen,
    }))
}

/// One partner's settlement for a month: every redemption and the totals (staff). With
/// `format=csv`, a CSV file for Excel.
#[utoipa::path(
    get, path = "/api/v1/staff/settlements/{partner_id}", tag = "settlements", operation_id = "getPartnerSettlement",
    params(("partner_id" = Uuid, Path, description = "Partner id"), MonthQuery),
    responses(
        (status = 200, description = "The settlement: JSON, or with `format=csv` a CSV file (UTF-8 with BOM, CRLF)", content(
            (PartnerSettlementPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 404, description = "No such partner", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_partner_settlement(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<PartnerPath>,
    AppQuery(q): AppQuery<MonthQuery>,
) -> Result<Response, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let month = month(&q.month)?;
    let mut s = settlement::for_partner(&state.read, path.partner_id, &month)
        .await?
        .ok_or_else(|| ApiError::not_found(Code::PartnerNotFound))?;
    if q.format == Some(Format::Csv) {
        let body = settlement::to_csv(&s, state.config.calendar.time_zone);
        return Ok(download::csv(body, &format!("settlement-{month}.csv")));
    }
    let (items, next_offset) = window(std::mem::take(&mut s.items), paging);
    s.items = items;
    Ok(AppJson(PartnerSettlementPage {
        settlement: s,
        next_offset,
    })
    .into_response())
}
