//! A child's page for staff: find a child by name, and see everything the ward holds for that
//! child in one place (balances, applications, visits, stays, bookings and the audit trail).

use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::{AuditEntry, told};
use super::extract::{AppJson, AppPath, AppQuery, Staff};
use super::households::{ChildPath, HouseholdDetailResponse};
use super::pagination::Paging;
use super::problem::{ApiError, Code, Problem, lang_of};
use super::vouchers::{
    AllowanceHistory, AllowancePath, PeriodQuery, allowance_history, allowances_now,
};
use crate::allowances::Summary;
use crate::audit;
use crate::enrollments::{self, Enrollment, Program};
use crate::households::{self, Child};
use crate::messages::{Arg, Args};
use crate::play_space::{self, Booking};
use crate::respite::{self, ChildFilter, Visit};
use crate::short_stays::{self, ShortStay};
use crate::state::AppState;

/// How many of each kind of record the page shows (the newest); the audit log pages further.
const RECENT: u64 = 20;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChildSearchQuery {
    /// Words of the child's name or its reading, in kanji, hiragana or katakana
    /// (「しながわ さくら」 finds 品川 さくら).
    #[param(min_length = 1, max_length = 100, example = "しながわ さくら")]
    pub q: String,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

/// Children found by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildSearchResult {
    pub items: Vec<Child>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// Find children by name or reading (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/children", tag = "children", operation_id = "searchChildren",
    params(ChildSearchQuery),
    responses(
        (status = 200, description = "Children whose name holds every word, by reading", body = ChildSearchResult),
        (status = 400, description = "No words, or too many", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn search_children(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<ChildSearchQuery>,
) -> Result<AppJson<ChildSearchResult>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let refused = |id: &'static str| {
        ApiError::bad_request(Code::InvalidQuery)
            .say(id, Args::new())
            .with("field", "q")
    };
    // Too long, or holding control characters (a NUL would match every name).
    if q.q.chars().count() > 100 || q.q.chars().any(char::is_control) {
        return Err(refused("problem-child-search-text"));
    }
    let words = households::search_words(&q.q)
        .filter(|w| w.len() <= households::MAX_SEARCH_WORDS)
        .ok_or_else(|| {
            ApiError::bad_request(Code::InvalidQuery)
                .say(
                    "problem-child-search-words",
                    Args::new().with("count", Arg::Count(households::MAX_SEARCH_WORDS as i64)),
                )
                .with("field", "q")
        })?;
    let found =
        households::find_children(&state.read, &words, paging.fetch(), paging.offset).await?;
    let (items, next_offset) = paging.finish(found);
    Ok(AppJson(ChildSearchResult { items, next_offset }))
}

/// Everything the ward holds for one child.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildRecord {
    pub child: Child,
    /// The child's household: its guardians, contact and the other children.
    pub household: HouseholdDetailResponse,
    /// This period's balances, for the programs the child is enrolled in today.
    pub allowances: Vec<Summary>,
    /// Applications and enrollments, newest first (the last 20).
    pub enrollments: Vec<Enrollment>,
    /// Respite visits, newest first (the last 20).
    pub respite_visits: Vec<Visit>,
    /// Short stays, newest first (the last 20).
    pub short_stays: Vec<ShortStay>,
    /// Play space bookings that list the child, newest first (the last 20).
    pub play_bookings: Vec<Booking>,
    /// The newest entries of the child's audit trail; `listAuditLog` with `child_id` pages on.
    pub trail: Vec<AuditEntry>,
}

/// A child's page (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/children/{child_id}", tag = "children", operation_id = "getChildRecord",
    params(("child_id" = Uuid, Path, description = "Child id")),
    responses(
        (status = 200, description = "The child's record", body = ChildRecord),
        (status = 404, description = "No such child", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_child_record(
    State(state): State<AppState>,
    _staff: Staff,
    headers: HeaderMap,
    AppPath(path): AppPath<ChildPath>,
) -> Result<AppJson<ChildRecord>, ApiError> {
    let conn = &state.read;
    let child = households::find_child(conn, path.child_id)
        .await?
        .ok_or_else(|| ApiError::not_found(Code::ChildNotFound))?;
    let household = households::get_household(conn, child.household_id)
        .await?
        .into();
    let allowances = allowances_now(&state, child.id).await?;
    let enrollments = enrollments::list_for_child(conn, child.id, RECENT, 0).await?;
    let respite_visits =
        respite::list_for_child(conn, child.id, ChildFilter::All, RECENT, 0).await?;
    let short_stays = short_stays::recent_of_child(conn, child.id, RECENT).await?;
    let play_bookings = play_space::bookings_of_child(conn, child.id, RECENT).await?;
    let filter = audit::Filter {
        child_id: Some(child.id),
        ..Default::default()
    };
    let rows = audit::list(conn, &filter, RECENT, 0).await?;
    let trail = told(&state, &rows, lang_of(&headers)).await?;
    Ok(AppJson(ChildRecord {
        child,
        household,
        allowances,
        enrollments,
        respite_visits,
        short_stays,
        play_bookings,
        trail,
    }))
}

/// One program's movements for a child in a period (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/children/{child_id}/allowances/{program}/history", tag = "children",
    operation_id = "getChildAllowanceHistory",
    params(
        ("child_id" = Uuid, Path, description = "Child id"),
        ("program" = Program, Path, description = "Program"),
        PeriodQuery
    ),
    responses(
        (status = 200, description = "The period's movements", body = AllowanceHistory),
        (status = 404, description = "No such child, or the program has no allowance", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_child_allowance_history(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<AllowancePath>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> Result<AppJson<AllowanceHistory>, ApiError> {
    households::find_child(&state.read, path.child_id)
        .await?
        .ok_or_else(|| ApiError::not_found(Code::ChildNotFound))?;
    Ok(AppJson(allowance_history(&state, &path, q).await?))
}
