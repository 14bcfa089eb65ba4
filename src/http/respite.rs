//! In-home respite over HTTP: guardians request and cancel visits, stations accept, decline and
//! record them from their devices, staff approve exceptions and read the monthly report.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::child_names::named_item;
use super::download::{self, Format};
use super::extract::{AppJson, AppPath, AppQuery, Device, Guardian, Staff};
use super::households::ChildPath;
use super::pagination::{PageParams, Paging};
use super::params::month;
use super::problem::{ApiError, Problem};
use crate::households::disclosure::{self, PartnerView, Subject};
use crate::households::{self, CareNeed};
use crate::messages::Args;
use crate::respite::report::{self, MonthlyReport};
use crate::respite::{
    self, Actual, ChildFilter, Context, DisputeDecision, DisputeInput, DisputeOutcome, NewVisit,
    Recorder, STATION_KINDS, Station, Visit, VisitInput, VisitStatus,
};
use crate::state::AppState;
use crate::text::FieldError;

/// A visit request. Times are local to the ward (Asia/Tokyo), without an offset; a visit may
/// cross midnight.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = RespiteVisitRequest)]
#[serde(deny_unknown_fields)]
pub struct VisitRequest {
    /// One of `GET /api/v1/respite-stations`.
    pub station_id: Uuid,
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub starts_at: NaiveDateTime,
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub ends_at: NaiveDateTime,
    /// The care the nurse will take over.
    #[serde(default)]
    #[schema(max_items = 8, value_type = std::collections::BTreeSet<CareNeed>)]
    pub care_needs: Vec<CareNeed>,
    /// For the nurse (keys, the child's routine…).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub notes: String,
}

/// A page of visits.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RespiteVisitList)]
pub struct VisitList {
    pub items: Vec<Visit>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// A visit as its station sees it: with the person it serves, as far as need-to-know allows.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StationRespiteVisit)]
pub struct StationVisit {
    #[serde(flatten)]
    pub visit: Visit,
    /// Before acceptance: initials, age, care needs and the town. Once accepted, until
    /// `privacy.partner_details_hours_after_end` after the visit: also the name, the address and
    /// the guardian's phone (each such read is recorded in the audit log).
    pub person: PartnerView,
}

/// A page of a station's visits.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StationRespiteVisitList)]
pub struct StationVisitList {
    pub items: Vec<StationVisit>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// A page of stations.
#[derive(Debug, Serialize, ToSchema)]
pub struct StationList {
    pub items: Vec<Station>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChildVisitsQuery {
    /// Only visits that have not started yet (requested or accepted), soonest first.
    pub upcoming: Option<bool>,
    /// Only visits scheduled in this Asia/Tokyo month ("2026-11"), newest first.
    #[param(example = "2026-11", max_length = 7)]
    pub month: Option<String>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StationVisitsQuery {
    /// Only visits in this state (e.g. `requested`: the inbox).
    #[param(inline)]
    pub status: Option<VisitStatus>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct VisitPath {
    pub visit_id: Uuid,
}

/// Why the station cannot come.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    #[schema(max_length = 500)]
    pub reason: String,
}

/// When the visit really started and ended (Asia/Tokyo local times).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub started_at: NaiveDateTime,
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub ended_at: NaiveDateTime,
}

/// The actual visit, recorded by staff as an exception (beyond the remaining hours, or outside
/// the booked window), with the reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRequest {
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub started_at: NaiveDateTime,
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub ended_at: NaiveDateTime,
    /// Why staff record it (kept on the visit, in the ledger and in the audit log).
    #[schema(max_length = 500)]
    pub reason: String,
}

/// The family's dispute of a recorded visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeRequest {
    /// What is wrong with the record (kept on the visit and in the audit log).
    #[schema(max_length = 500)]
    pub reason: String,
    /// When the visit really started, by the family's account (ward-local time). Leave both
    /// times out when the visit did not take place.
    #[schema(value_type = Option<super::ward_time::WardTime>)]
    #[serde(default, deserialize_with = "super::ward_time::option")]
    pub started_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<super::ward_time::WardTime>)]
    #[serde(default, deserialize_with = "super::ward_time::option")]
    pub ended_at: Option<NaiveDateTime>,
}

/// Staff's decision on a dispute.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeDecisionRequest {
    /// `upheld`: the station's record stands and the held minutes are used; `accepted`: the
    /// family is right and the held minutes go back to them.
    pub outcome: DisputeOutcome,
    #[schema(max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StaffVisitsQuery {
    /// Only one station's visits.
    pub station_id: Option<Uuid>,
    /// Only visits in this state (`disputed`: disputes waiting for a decision).
    #[param(inline)]
    pub status: Option<VisitStatus>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    #[param(example = "2026-11", max_length = 7)]
    pub month: String,
    /// `json` (default) or `csv` (UTF-8 with BOM, CRLF, for Excel).
    #[param(inline)]
    pub format: Option<Format>,
}

fn context(state: &AppState) -> Context<'_> {
    Context {
        db: &state.db,
        rules: &state.rules,
        calendar: state.calendar(),
    }
}

/// Only respite stations (visiting nurse stations, home-care providers) work on visits.
fn station(state: &AppState, device: &Device) -> Result<Uuid, ApiError> {
    device.partner_of(&STATION_KINDS, state.rules_on(state.now()).respite.id)
}

/// The contracted stations a family can ask for a visit.
#[utoipa::path(
    get, path = "/api/v1/respite-stations", tag = "respite", operation_id = "listRespiteStations",
    params(PageParams),
    responses((status = 200, description = "Stations, by name", body = StationList)),
    security(("guardian" = []), ("staff" = []), ("admin" = []))
)]
pub async fn list_respite_stations(
    State(state): State<AppState>,
    _g: super::extract::AnyAccount,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<StationList>, ApiError> {
    let paging = Paging::parse(page.limit, page.offset, state.config.server.max_page_size)?;
    let rows = respite::stations(&state.read, paging.fetch(), paging.offset).await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(StationList { items, next_offset }))
}

/// Ask a station for a respite visit for one of your children. The visit's minutes (rounded up
/// to the billing unit) are held on the fiscal year of its start; a request beyond the
/// remaining hours is refused with `respite_hours_exceeded`, which says how many remain.
#[utoipa::path(
    post, path = "/api/v1/children/{child_id}/respite-visits", tag = "respite",
    operation_id = "requestRespiteVisit",
    params(("child_id" = Uuid, Path, description = "Child id")),
    request_body = VisitRequest,
    responses(
        (status = 201, description = "Requested; the minutes are held", body = Visit),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enrolled in respite, or not enough hours remain", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid times, station or notes", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn request_respite_visit(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
    AppJson(body): AppJson<VisitRequest>,
) -> Result<(StatusCode, AppJson<Visit>), ApiError> {
    let now = state.now();
    let ctx = context(&state);
    let visit = NewVisit::parse(
        VisitInput {
            station_id: body.station_id,
            starts_at: body.starts_at,
            ends_at: body.ends_at,
            care_needs: body.care_needs,
            notes: body.notes,
        },
        &ctx.calendar,
        ctx.rules,
        now,
    )?;
    households::child_of_household(&state.db, g.household_id, path.child_id).await?;
    let v = respite::request(
        &ctx,
        &g.actor,
        g.principal.account_id,
        now,
        g.household_id,
        path.child_id,
        visit,
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(v)))
}

/// One of your children's respite visits: upcoming ones, one month's, or all, in pages.
#[utoipa::path(
    get, path = "/api/v1/children/{child_id}/respite-visits", tag = "respite",
    operation_id = "listChildRespiteVisits",
    params(("child_id" = Uuid, Path, description = "Child id"), ChildVisitsQuery),
    responses(
        (status = 200, description = "Visits", body = VisitList),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn list_child_respite_visits(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
    AppQuery(q): AppQuery<ChildVisitsQuery>,
) -> Result<AppJson<VisitList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let filter = match (q.upcoming, q.month.as_deref()) {
        (Some(true), _) => ChildFilter::Upcoming(state.now()),
        (_, Some(m)) => {
            let (from, to) = state.calendar().month_bounds(month(m)?);
            ChildFilter::Between(from, to)
        }
        _ => ChildFilter::All,
    };
    households::child_of_household(&state.read, g.household_id, path.child_id).await?;
    let rows = respite::list_for_child(
        &state.read,
        path.child_id,
        filter,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(VisitList { items, next_offset }))
}

/// Call off one of your visits before it starts; its held minutes come back.
#[utoipa::path(
    post, path = "/api/v1/respite-visits/{visit_id}/cancel", tag = "respite",
    operation_id = "cancelRespiteVisit",
    params(("visit_id" = Uuid, Path, description = "Visit id")),
    responses(
        (status = 200, description = "Cancelled", body = Visit),
        (status = 404, description = "No such visit in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already started, declined, cancelled or done", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn cancel_respite_visit(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<VisitPath>,
) -> Result<AppJson<Visit>, ApiError> {
    let v = respite::cancel(
        &state.db,
        &g.actor,
        &state.calendar(),
        state.now(),
        g.household_id,
        path.visit_id,
    )
    .await?;
    Ok(AppJson(v))
}

/// The visits addressed to your station, soonest first (`status=requested`: the inbox).
#[utoipa::path(
    get, path = "/api/v1/device/respite-visits", tag = "respite",
    operation_id = "listStationRespiteVisits",
    params(StationVisitsQuery),
    responses(
        (status = 200, description = "Visits", body = StationVisitList),
        (status = 403, description = "Not a respite station", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn list_station_respite_visits(
    State(state): State<AppState>,
    device: Device,
    AppQuery(q): AppQuery<StationVisitsQuery>,
) -> Result<AppJson<StationVisitList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let station = station(&state, &device)?;
    let rows = respite::list_for_station(
        &state.read,
        station,
        q.status,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (visits, next_offset) = paging.finish(rows);
    let (now, window) = (state.now(), state.config.privacy.partner_details_window());
    let items = disclosure::with_persons(
        &state.db,
        &device.actor,
        now,
        state.calendar().local_date(now),
        visits,
        |v| Subject {
            object_type: "respite_visit",
            object_id: v.id,
            child_id: v.child_id,
            level: v.partner_disclosure(now, window),
        },
    )
    .await?
    .into_iter()
    .map(|(visit, person)| StationVisit { visit, person })
    .collect();
    Ok(AppJson(StationVisitList { items, next_offset }))
}

/// Accept a visit addressed to your station.
#[utoipa::path(
    post, path = "/api/v1/device/respite-visits/{visit_id}/accept", tag = "respite",
    operation_id = "acceptRespiteVisit",
    params(("visit_id" = Uuid, Path, description = "Visit id")),
    responses(
        (status = 200, description = "Accepted", body = Visit),
        (status = 403, description = "Not a respite station", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for your station", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for an answer", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn accept_respite_visit(
    State(state): State<AppState>,
    device: Device,
    AppPath(path): AppPath<VisitPath>,
) -> Result<AppJson<Visit>, ApiError> {
    let station = station(&state, &device)?;
    let v = respite::accept(
        &state.db,
        &device.actor,
        &state.calendar(),
        state.now(),
        station,
        path.visit_id,
    )
    .await?;
    Ok(AppJson(v))
}

/// Decline a visit addressed to your station, with a reason; the family's hold comes back.
#[utoipa::path(
    post, path = "/api/v1/device/respite-visits/{visit_id}/decline", tag = "respite",
    operation_id = "declineRespiteVisit",
    params(("visit_id" = Uuid, Path, description = "Visit id")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = Visit),
        (status = 403, description = "Not a respite station", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for your station", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for an answer", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn decline_respite_visit(
    State(state): State<AppState>,
    device: Device,
    AppPath(path): AppPath<VisitPath>,
    AppJson(body): AppJson<DeclineRequest>,
) -> Result<AppJson<Visit>, ApiError> {
    let station = station(&state, &device)?;
    let v = respite::decline(
        &state.db,
        &device.actor,
        &state.calendar(),
        state.now(),
        station,
        path.visit_id,
        &body.reason,
    )
    .await?;
    Ok(AppJson(v))
}

/// Record an accepted visit after it ends: the billed actual minutes (rounded up) replace the
/// hold, more or less than booked. The times must fall within the booked window widened by the
/// configured tolerances (by default from 60 minutes before the start to 120 minutes after the
/// end): `visit_outside_booking` otherwise. More than the family has left is refused with
/// `respite_hours_exceeded`. Ward staff can record either as an exception. The family sees the
/// record and may dispute it for the configured number of days.
#[utoipa::path(
    post, path = "/api/v1/device/respite-visits/{visit_id}/complete", tag = "respite",
    operation_id = "completeRespiteVisit",
    params(("visit_id" = Uuid, Path, description = "Visit id")),
    request_body = CompleteRequest,
    responses(
        (status = 200, description = "Done", body = Visit),
        (status = 403, description = "Not a respite station", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit for your station", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not accepted, beyond the remaining hours, or overlapping another visit of the child", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid times, or outside the booked window", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn complete_respite_visit(
    State(state): State<AppState>,
    device: Device,
    AppPath(path): AppPath<VisitPath>,
    AppJson(body): AppJson<CompleteRequest>,
) -> Result<AppJson<Visit>, ApiError> {
    let station = station(&state, &device)?;
    let v = respite::complete(
        &context(&state),
        &device.actor,
        state.now(),
        path.visit_id,
        Actual {
            started_at: body.started_at,
            ended_at: body.ended_at,
        },
        Recorder::Station {
            station,
            device: device.device.device_id,
        },
    )
    .await?;
    Ok(AppJson(v))
}

/// Record an accepted visit as an exception (staff): beyond the family's remaining hours (the
/// shortfall is granted by a ledger adjustment, within the one-approver limit) or outside the
/// booked window. The reason is kept on the visit. Audited.
#[utoipa::path(
    post, path = "/api/v1/staff/respite-visits/{visit_id}/exception", tag = "respite",
    operation_id = "approveRespiteException",
    params(("visit_id" = Uuid, Path, description = "Visit id")),
    request_body = ExceptionRequest,
    responses(
        (status = 200, description = "Done, with the exception recorded", body = Visit),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not accepted, overlapping another visit of the child, or a shortfall beyond what one person may grant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid times or reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn approve_respite_exception(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<VisitPath>,
    AppJson(body): AppJson<ExceptionRequest>,
) -> Result<AppJson<Visit>, ApiError> {
    let v = respite::complete(
        &context(&state),
        &staff.actor,
        state.now(),
        path.visit_id,
        Actual {
            started_at: body.started_at,
            ended_at: body.ended_at,
        },
        Recorder::StaffException {
            reason: body.reason,
        },
    )
    .await?;
    Ok(AppJson(v))
}

/// Dispute the recorded times of one of your completed visits, within the configured days
/// after the record (`dispute_until` on the visit). Give the times you say are right, or none
/// if the visit did not take place: the minutes in question are held, not used, until ward
/// staff decide.
#[utoipa::path(
    post, path = "/api/v1/respite-visits/{visit_id}/dispute", tag = "respite",
    operation_id = "disputeRespiteVisit",
    params(("visit_id" = Uuid, Path, description = "Visit id")),
    request_body = DisputeRequest,
    responses(
        (status = 200, description = "Disputed; the minutes in question are held", body = Visit),
        (status = 404, description = "No such visit in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a completed visit, or the time to dispute has passed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, invalid times, or as many minutes as recorded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn dispute_respite_visit(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<VisitPath>,
    AppJson(body): AppJson<DisputeRequest>,
) -> Result<AppJson<Visit>, ApiError> {
    let claimed = match (body.started_at, body.ended_at) {
        (Some(s), Some(e)) => Some((s, e)),
        (None, None) => None,
        _ => {
            return Err(
                FieldError::said("ended_at", "reason-both-times-or-neither", Args::new()).into(),
            );
        }
    };
    let v = respite::dispute(
        &context(&state),
        &g.actor,
        state.now(),
        g.household_id,
        path.visit_id,
        DisputeInput {
            reason: body.reason,
            claimed,
        },
    )
    .await?;
    Ok(AppJson(v))
}

/// Decide a family's dispute (staff): `upheld` uses the held minutes, `accepted` gives them
/// back and makes the family's times the record. The family and the station are told.
#[utoipa::path(
    post, path = "/api/v1/staff/respite-visits/{visit_id}/dispute-decision", tag = "respite",
    operation_id = "decideRespiteDispute",
    params(("visit_id" = Uuid, Path, description = "Visit id")),
    request_body = DisputeDecisionRequest,
    responses(
        (status = 200, description = "Decided", body = Visit),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not disputed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn decide_respite_dispute(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<VisitPath>,
    AppJson(body): AppJson<DisputeDecisionRequest>,
) -> Result<AppJson<Visit>, ApiError> {
    let v = respite::decide_dispute(
        &state.db,
        &staff.actor,
        &state.calendar(),
        state.now(),
        path.visit_id,
        DisputeDecision {
            outcome: body.outcome,
            reason: body.reason,
        },
    )
    .await?;
    Ok(AppJson(v))
}

named_item!(
    /// A respite visit in staff's list, with the child's names.
    StaffVisit, visit: Visit
);

/// A page of visits for staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffVisitList {
    pub items: Vec<StaffVisit>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// Respite visits for staff, soonest first: by station and state (`status=disputed`: the
/// disputes waiting for a decision).
#[utoipa::path(
    get, path = "/api/v1/staff/respite-visits", tag = "respite",
    operation_id = "listRespiteVisits",
    params(StaffVisitsQuery),
    responses((status = 200, description = "Visits with the children's names", body = StaffVisitList)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_respite_visits(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<StaffVisitsQuery>,
) -> Result<AppJson<StaffVisitList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows = respite::list_all(
        &state.read,
        q.station_id,
        q.status,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (rows, next_offset) = paging.finish(rows);
    let items = StaffVisit::page(&state.read, rows).await?;
    Ok(AppJson(StaffVisitList { items, next_offset }))
}

/// One month of respite per station (visits, minutes, children) and the registered users
/// (staff). With `format=csv`, a CSV file for Excel.
#[utoipa::path(
    get, path = "/api/v1/staff/respite-report", tag = "respite", operation_id = "getRespiteReport",
    params(ReportQuery),
    responses(
        (status = 200, description = "The month's report: JSON, or with `format=csv` a CSV file (UTF-8 with BOM, CRLF)", content(
            (MonthlyReport = "application/json"),
            (String = "text/csv"),
        )),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_respite_report(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let month = month(&q.month)?;
    let r = report::monthly(
        &state.read,
        &state.calendar(),
        state.rules_on(state.now()).respite.id,
        month,
    )
    .await?;
    if q.format == Some(Format::Csv) {
        return Ok(download::csv(
            report::to_csv(&r, month),
            &format!("respite-{month}.csv"),
            &format!("レスパイト月次報告_{}.csv", month.ja()),
        ));
    }
    Ok(AppJson(r).into_response())
}
