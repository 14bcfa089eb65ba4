//! The monthly settlement over HTTP: staff reverse redemptions, read every partner's totals and
//! statement (JSON, or CSV for Excel), and close a month (締め); a partner's device reads its
//! own statement (請求明細).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::download::{self, Format};
use super::extract::{AppJson, AppPath, AppQuery, Device, Staff};
use super::pagination::Paging;
use super::params;
use super::problem::{ApiError, Problem};
use super::vouchers::RedemptionPath;
use crate::clock::Month;
use crate::messages::Args;
use crate::settlements::{self, Closed, Closing, PartnerTotal, Statement};
use crate::state::AppState;
use crate::vouchers::{self, RedemptionView, Reverser};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    /// Why (kept in the ledger and the audit log).
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
    /// JSON only: lines per page (1 to 100, default 50); the CSV holds the whole month.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// JSON only: lines to skip.
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
    /// Set once the month is closed (締め): its statements never change again.
    pub closing: Option<Closing>,
    /// This page of partners.
    pub partners: Vec<PartnerTotal>,
    /// Offset of the next page of partners, if there is one.
    pub next_offset: Option<u64>,
    /// What the ward pays for the month, over every partner (not only this page).
    pub covered_yen: i64,
}

/// One partner's statement for a month: the totals over the whole month and one page of its
/// lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementPage {
    #[serde(flatten)]
    pub statement: Statement,
    /// Offset of the next page of `lines`, if there is one.
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

#[derive(Debug, Deserialize)]
pub struct MonthPath {
    pub month: String,
}

/// Reverse any redemption with a reason (staff); the balance comes back. A redemption of a
/// closed month stays on that month's paid statement; the reversal counts in the current month
/// as a negative line that names it.
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
        &state.rules,
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

/// Every partner's totals for a month, and whether it is closed (staff).
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
    let month = params::month(&q.month)?;
    let partners = settlements::month_totals(&state.read, month).await?;
    let covered_yen = partners
        .iter()
        .map(|p| p.covered_yen)
        .fold(0, i64::saturating_add);
    let closing = settlements::closing_of(&state.read, &month.to_string()).await?;
    let (partners, next_offset) = window(partners, paging);
    Ok(AppJson(SettlementTotals {
        month: month.to_string(),
        closing,
        partners,
        next_offset,
        covered_yen,
    }))
}

/// A statement as JSON (one page of lines) or as a CSV file.
fn statement_answer(
    state: &AppState,
    mut s: Statement,
    format: Option<Format>,
    paging: Paging,
) -> Response {
    if format == Some(Format::Csv) {
        let (ascii, name) = settlements::csv::file_names(&s);
        let month = crate::clock::Month::parse(&s.month).unwrap_or(crate::clock::Month {
            year: 1970,
            month: 1,
        });
        let names = state.rules.on(month.first_day());
        let body = settlements::csv::to_csv(&s, state.config.calendar.time_zone, names);
        return download::csv(body, &ascii, &name);
    }
    let (lines, next_offset) = window(std::mem::take(&mut s.lines), paging);
    s.lines = lines;
    AppJson(StatementPage {
        statement: s,
        next_offset,
    })
    .into_response()
}

/// One partner's statement for a month (staff): every line and the totals, whether the month
/// is open or closed, and for a closed month the digest of its CSV. With `format=csv`, a CSV
/// file for Excel whose columns sum to the totals.
#[utoipa::path(
    get, path = "/api/v1/staff/settlements/{partner_id}", tag = "settlements", operation_id = "getPartnerSettlement",
    params(("partner_id" = Uuid, Path, description = "Partner id"), MonthQuery),
    responses(
        (status = 200, description = "The statement: JSON, or with `format=csv` a CSV file (UTF-8 with BOM, CRLF)", content(
            (StatementPage = "application/json"),
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
    let month = params::month(&q.month)?;
    let s = settlements::statement(&state.read, path.partner_id, month).await?;
    Ok(statement_answer(&state, s, q.format, paging))
}

/// Your partner's statement for a month (請求明細), open or closed, from any of its devices.
/// With `format=csv`, a CSV file.
#[utoipa::path(
    get, path = "/api/v1/device/statement", tag = "settlements", operation_id = "getDeviceStatement",
    params(MonthQuery),
    responses(
        (status = 200, description = "The statement: JSON, or with `format=csv` a CSV file (UTF-8 with BOM, CRLF)", content(
            (StatementPage = "application/json"),
            (String = "text/csv"),
        )),
    ),
    security(("device" = []))
)]
pub async fn get_device_statement(
    State(state): State<AppState>,
    device: Device,
    AppQuery(q): AppQuery<MonthQuery>,
) -> Result<Response, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let month = params::month(&q.month)?;
    let s = settlements::statement(&state.read, device.device.partner_id, month).await?;
    Ok(statement_answer(&state, s, q.format, paging))
}

fn path_month(m: &str) -> Result<Month, ApiError> {
    params::month(m).map_err(|_| {
        ApiError::bad_request(super::problem::Code::InvalidPath)
            .say("problem-month-format", Args::new())
            .with("field", "month")
    })
}

/// Close a month for payment (締め, staff): every partner's statement is fixed and its CSV's
/// digest stored. Possible once the month has ended (plus a configured grace period); a month
/// is closed once. Afterwards partners cannot cancel its redemptions, and a staff reversal of
/// one counts in the month it is made.
#[utoipa::path(
    post, path = "/api/v1/staff/settlements/{month}/close", tag = "settlements",
    operation_id = "closeSettlementMonth",
    params(("month" = String, Path, description = "The month, e.g. 2026-11")),
    responses(
        (status = 200, description = "Closed: each partner's statement and its digest", body = Closed),
        (status = 409, description = "Not ended yet, or already closed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn close_settlement_month(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<MonthPath>,
) -> Result<AppJson<Closed>, ApiError> {
    let month = path_month(&path.month)?;
    let grace = chrono::Duration::minutes(state.config.settlement.close_grace_minutes);
    let closed = settlements::close(
        &state.db,
        &state.calendar(),
        &state.rules,
        grace,
        &staff.actor,
        state.now(),
        month,
    )
    .await?;
    Ok(AppJson(closed))
}
