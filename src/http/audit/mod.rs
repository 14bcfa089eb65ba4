//! The audit log for staff: every change, filterable by object, child, actor, action and time,
//! each entry told as a sentence with names.

mod sentences;

pub use sentences::{Names, sentence};

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, Staff};
use super::pagination::Paging;
use super::problem::{ApiError, Code, Problem, lang_of};
use crate::audit;
use crate::messages::Args;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub object_id: Option<Uuid>,
    /// Entries that concern this child (their enrollments, vouchers, visits, stays, bookings…).
    pub child_id: Option<Uuid>,
    /// e.g. `enrollment`, `child`, `device`.
    #[param(max_length = 50)]
    pub object_type: Option<String>,
    pub actor_id: Option<Uuid>,
    /// e.g. `enrollment.approved`.
    #[param(max_length = 100)]
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// `guardian`, `staff`, `admin`, `device`, `system` or `anonymous`.
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<Uuid>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    /// The children the entry concerns.
    pub child_ids: Vec<Uuid>,
    /// What happened, as a sentence with names, in the language asked for
    /// (「山田 太郎（職員）が品川 さくらさんの福祉タクシーの利用申請を承認しました」).
    pub sentence: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntry>,
    pub next_offset: Option<u64>,
}

/// The audit log, newest first (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/audit-log", tag = "audit", operation_id = "listAuditLog",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit entries", body = AuditList),
        (status = 400, description = "A filter is too long or names no action", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_audit_log(
    State(state): State<AppState>,
    _staff: Staff,
    headers: HeaderMap,
    AppQuery(q): AppQuery<AuditQuery>,
) -> Result<AppJson<AuditList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    if q.object_type.as_ref().is_some_and(|s| s.len() > 50)
        || q.action.as_ref().is_some_and(|s| s.len() > 100)
    {
        return Err(
            ApiError::bad_request(Code::InvalidQuery).say("problem-filter-too-long", Args::new())
        );
    }
    let action = match q.action.as_deref() {
        None => None,
        Some(a) => Some(a.parse::<audit::Action>().map_err(|_| {
            ApiError::bad_request(Code::InvalidQuery)
                .say("problem-unknown-audit-action", Args::new())
                .with("field", "action")
        })?),
    };
    let filter = audit::Filter {
        object_id: q.object_id,
        child_id: q.child_id,
        object_type: q.object_type,
        actor_id: q.actor_id,
        action,
        since: q.since,
        until: q.until,
    };
    let rows = audit::list(&state.read, &filter, paging.fetch(), paging.offset).await?;
    let (rows, next_offset) = paging.finish(rows);
    let items = told(&state, &rows, lang_of(&headers)).await?;
    Ok(AppJson(AuditList { items, next_offset }))
}

/// Entries with their sentences (also the trail on a child's page).
pub async fn told(
    state: &AppState,
    rows: &[audit::Entry],
    lang: crate::messages::Lang,
) -> Result<Vec<AuditEntry>, ApiError> {
    let names = Names::of(&state.read, rows).await?;
    let rules = state.rules_on(state.now());
    Ok(rows
        .iter()
        .cloned()
        .map(|e| AuditEntry {
            sentence: sentence(&e, &names, rules, lang),
            child_ids: e.children.clone(),
            id: e.id,
            occurred_at: e.occurred_at,
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            before: e.before,
            after: e.after,
            request_id: e.request_id,
        })
        .collect())
}
