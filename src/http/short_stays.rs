//! Medical short stays over HTTP: guardians request and withdraw, staff decide, the assigned
//! institution records admission and discharge, staff read the yearly counts.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::child_names::named_item;
use super::extract::{AppJson, AppPath, AppQuery, Device, Guardian, Staff};
use super::households::ChildPath;
use super::pagination::{PageParams, Paging};
use super::problem::{ApiError, Problem};
use crate::households::disclosure::{self, PartnerView, Subject};
use crate::households::{self, CareNeed};
use crate::messages::Args;
use crate::partners::PartnerKind;
use crate::short_stays::{
    self, ForChild, NewStay, Party, Scope, ShortStay, StayInput, StayReason, StayStatus, Step,
    YearCounts,
};
use crate::state::AppState;
use crate::text::FieldError;

/// A request for a stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StayRequest {
    #[schema(example = "2026-12-10")]
    pub desired_from: NaiveDate,
    #[schema(example = "2026-12-14")]
    pub desired_until: NaiveDate,
    pub reason: StayReason,
    /// What happened (optional).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub reason_detail: String,
    #[serde(default)]
    #[schema(max_items = 8, value_type = std::collections::BTreeSet<CareNeed>)]
    pub care_needs: Vec<CareNeed>,
    /// A phone number or how to reach the family.
    #[schema(example = "090-1234-5678", max_length = 100)]
    pub contact: String,
}

/// Staff's approval: the institution and the confirmed dates.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveStayRequest {
    /// A contracted medical institution (partner of kind `medical_institution`).
    pub institution_id: Uuid,
    #[schema(example = "2026-12-11")]
    pub confirmed_from: NaiveDate,
    #[schema(example = "2026-12-14")]
    pub confirmed_until: NaiveDate,
}

/// Why a request is rejected (told to the family).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectStayRequest {
    #[schema(max_length = 500)]
    pub reason: String,
}

/// A page of short stays.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortStayList {
    pub items: Vec<ShortStay>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StayQueueQuery {
    /// Only requests in this state (`submitted`: the queue).
    #[param(inline)]
    pub status: Option<StayStatus>,
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
pub struct YearQuery {
    /// A fiscal year, named by the calendar year it starts in ("FY2024"); the current fiscal
    /// year when absent.
    #[param(example = "FY2024", max_length = 6)]
    pub fiscal_year: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StayPath {
    pub stay_id: Uuid,
}

fn institution(state: &AppState, device: &Device) -> Result<Uuid, ApiError> {
    device.partner_of(
        &[PartnerKind::MedicalInstitution],
        state.rules_on(state.now()).short_stay.id,
    )
}

/// A stay as its institution sees it: with the person it serves, as far as need-to-know allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionShortStay {
    #[serde(flatten)]
    pub stay: ShortStay,
    /// While the stay is assigned to the institution, until
    /// `privacy.partner_details_hours_after_end` after it ends: the name, the address and the
    /// guardian's phone (each such read is recorded in the audit log); the summary otherwise.
    pub person: PartnerView,
}

/// A page of an institution's stays.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionShortStayList {
    pub items: Vec<InstitutionShortStay>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

fn page(rows: Vec<ShortStay>, paging: Paging) -> AppJson<ShortStayList> {
    let (items, next_offset) = paging.finish(rows);
    AppJson(ShortStayList { items, next_offset })
}

/// Ask for a medical short stay for one of your children (enrolled in the program).
#[utoipa::path(
    post, path = "/api/v1/children/{child_id}/short-stays", tag = "short_stays",
    operation_id = "requestShortStay",
    params(("child_id" = Uuid, Path, description = "Child id")),
    request_body = StayRequest,
    responses(
        (status = 201, description = "Submitted", body = ShortStay),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enrolled in the short-stay program", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dates, contact or detail", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn request_short_stay(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
    AppJson(body): AppJson<StayRequest>,
) -> Result<(StatusCode, AppJson<ShortStay>), ApiError> {
    let now = state.now();
    let today = state.calendar().local_date(now);
    let stay = NewStay::parse(
        StayInput {
            desired_from: body.desired_from,
            desired_until: body.desired_until,
            reason: body.reason,
            reason_detail: body.reason_detail,
            care_needs: body.care_needs,
            contact: body.contact,
        },
        today,
        &state.rules.on(today).short_stay,
    )?;
    households::child_of_household(&state.db, g.household_id, path.child_id).await?;
    let s = short_stays::request(
        &state.db,
        &state.rules,
        &g.actor,
        now,
        today,
        ForChild {
            household_id: g.household_id,
            child_id: path.child_id,
            requested_by: g.principal.account_id,
        },
        stay,
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(s)))
}

/// One of your children's short-stay requests, oldest first.
#[utoipa::path(
    get, path = "/api/v1/children/{child_id}/short-stays", tag = "short_stays",
    operation_id = "listChildShortStays",
    params(("child_id" = Uuid, Path, description = "Child id"), PageParams),
    responses(
        (status = 200, description = "Requests", body = ShortStayList),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn list_child_short_stays(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
    AppQuery(q): AppQuery<PageParams>,
) -> Result<AppJson<ShortStayList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    households::child_of_household(&state.read, g.household_id, path.child_id).await?;
    let rows = short_stays::list(
        &state.read,
        Scope::Child(path.child_id),
        None,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    Ok(page(rows, paging))
}

async fn move_stay(
    state: &AppState,
    actor: &crate::audit::Actor,
    party: Party,
    id: Uuid,
    step: Step,
) -> Result<AppJson<ShortStay>, ApiError> {
    Ok(AppJson(
        short_stays::step(
            &short_stays::Context {
                db: &state.db,
                rules: &state.rules_on(state.now()).short_stay,
                calendar: state.calendar(),
            },
            actor,
            state.now(),
            party,
            id,
            step,
        )
        .await?,
    ))
}

/// Withdraw one of your requests before it is decided (取下げ).
#[utoipa::path(
    post, path = "/api/v1/short-stays/{stay_id}/withdraw", tag = "short_stays",
    operation_id = "withdrawShortStay",
    params(("stay_id" = Uuid, Path, description = "Short-stay id")),
    responses(
        (status = 200, description = "Withdrawn", body = ShortStay),
        (status = 404, description = "No such request in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn withdraw_short_stay(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<StayPath>,
) -> Result<AppJson<ShortStay>, ApiError> {
    let party = Party::Household(g.household_id);
    move_stay(&state, &g.actor, party, path.stay_id, Step::Withdraw).await
}

named_item!(
    /// A short stay in staff's list, with the child's names.
    StaffShortStay, stay: ShortStay
);

/// A page of short stays for staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffShortStayList {
    pub items: Vec<StaffShortStay>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// The short-stay requests (staff), oldest first; `status=submitted` is the queue.
#[utoipa::path(
    get, path = "/api/v1/staff/short-stays", tag = "short_stays", operation_id = "listShortStays",
    params(StayQueueQuery),
    responses((status = 200, description = "Requests with the children's names", body = StaffShortStayList)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_short_stays(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<StayQueueQuery>,
) -> Result<AppJson<StaffShortStayList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows = short_stays::list(
        &state.read,
        Scope::All,
        q.status,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (rows, next_offset) = paging.finish(rows);
    let items = StaffShortStay::page(&state.read, rows).await?;
    Ok(AppJson(StaffShortStayList { items, next_offset }))
}

/// One short-stay request (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/short-stays/{stay_id}", tag = "short_stays", operation_id = "getShortStay",
    params(("stay_id" = Uuid, Path, description = "Short-stay id")),
    responses(
        (status = 200, description = "The request", body = ShortStay),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_short_stay(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<StayPath>,
) -> Result<AppJson<ShortStay>, ApiError> {
    Ok(AppJson(
        short_stays::visible(&state.read, Party::Staff, path.stay_id).await?,
    ))
}

/// Approve a request (staff): assign a contracted medical institution and the confirmed
/// dates, which may differ from the family's wish. The family and the institution are told.
#[utoipa::path(
    post, path = "/api/v1/staff/short-stays/{stay_id}/approve", tag = "short_stays",
    operation_id = "approveShortStay",
    params(("stay_id" = Uuid, Path, description = "Short-stay id")),
    request_body = ApproveStayRequest,
    responses(
        (status = 200, description = "Approved", body = ShortStay),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for a decision", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a medical institution, or invalid dates", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn approve_short_stay(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<StayPath>,
    AppJson(body): AppJson<ApproveStayRequest>,
) -> Result<AppJson<ShortStay>, ApiError> {
    let step = Step::Approve {
        institution_id: body.institution_id,
        confirmed_from: body.confirmed_from,
        confirmed_until: body.confirmed_until,
    };
    move_stay(&state, &staff.actor, Party::Staff, path.stay_id, step).await
}

/// Reject a request with a reason the family will read (staff).
#[utoipa::path(
    post, path = "/api/v1/staff/short-stays/{stay_id}/reject", tag = "short_stays",
    operation_id = "rejectShortStay",
    params(("stay_id" = Uuid, Path, description = "Short-stay id")),
    request_body = RejectStayRequest,
    responses(
        (status = 200, description = "Rejected", body = ShortStay),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for a decision", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn reject_short_stay(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<StayPath>,
    AppJson(body): AppJson<RejectStayRequest>,
) -> Result<AppJson<ShortStay>, ApiError> {
    let step = Step::Reject {
        reason: body.reason,
    };
    move_stay(&state, &staff.actor, Party::Staff, path.stay_id, step).await
}

/// Cancel an approved stay before the admission, with a reason the family and the institution
/// will read (staff). Both are told (`short_stay.cancelled`); the institution's list then shows
/// the child's summary only.
#[utoipa::path(
    post, path = "/api/v1/staff/short-stays/{stay_id}/cancel", tag = "short_stays",
    operation_id = "cancelShortStay",
    params(("stay_id" = Uuid, Path, description = "Short-stay id")),
    request_body = RejectStayRequest,
    responses(
        (status = 200, description = "Cancelled", body = ShortStay),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved (not yet decided, or already admitted)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn cancel_short_stay(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<StayPath>,
    AppJson(body): AppJson<RejectStayRequest>,
) -> Result<AppJson<ShortStay>, ApiError> {
    let step = Step::Cancel {
        reason: body.reason,
    };
    move_stay(&state, &staff.actor, Party::Staff, path.stay_id, step).await
}

/// The stays assigned to your institution, oldest first (`status=approved`: coming in).
#[utoipa::path(
    get, path = "/api/v1/device/short-stays", tag = "short_stays",
    operation_id = "listInstitutionShortStays",
    params(StayQueueQuery),
    responses(
        (status = 200, description = "Stays", body = InstitutionShortStayList),
        (status = 403, description = "Not a medical institution", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn list_institution_short_stays(
    State(state): State<AppState>,
    device: Device,
    AppQuery(q): AppQuery<StayQueueQuery>,
) -> Result<AppJson<InstitutionShortStayList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let me = institution(&state, &device)?;
    let rows = short_stays::list(
        &state.read,
        Scope::Institution(me),
        q.status,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (stays, next_offset) = paging.finish(rows);
    let (now, cal) = (state.now(), state.calendar());
    let window = state.config.privacy.partner_details_window();
    let items = disclosure::with_persons(
        &state.db,
        &device.actor,
        now,
        cal.local_date(now),
        stays,
        |s| Subject {
            object_type: "short_stay",
            object_id: s.id,
            child_id: s.child_id,
            level: s.partner_disclosure(&cal, now, window),
        },
    )
    .await?
    .into_iter()
    .map(|(stay, person)| InstitutionShortStay { stay, person })
    .collect();
    Ok(AppJson(InstitutionShortStayList { items, next_offset }))
}

/// When the institution's record happened, if not now (ward-local time, entered after the fact).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmitRequest {
    /// When the child was admitted; now when absent. Must fall on the confirmed dates (from the
    /// configured tolerance before the first day to the last day) and not in the future.
    #[schema(value_type = Option<super::ward_time::WardTime>)]
    #[serde(default, deserialize_with = "super::ward_time::option")]
    pub admitted_at: Option<NaiveDateTime>,
}

/// When the child went home, if not now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeRequest {
    /// When the child went home; now when absent. Not before the admission, not in the future.
    #[schema(value_type = Option<super::ward_time::WardTime>)]
    #[serde(default, deserialize_with = "super::ward_time::option")]
    pub discharged_at: Option<NaiveDateTime>,
}

fn ward_time(
    state: &AppState,
    name: &'static str,
    t: Option<NaiveDateTime>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    t.map(|t| {
        state.calendar().at_local(t).ok_or_else(|| {
            FieldError::said(name, "reason-is-not-a-valid-local-time", Args::new()).into()
        })
    })
    .transpose()
}

/// Record that the child was admitted (the assigned institution): now, or at the time given
/// when entered after the fact. The admission must fall on the confirmed dates.
#[utoipa::path(
    post, path = "/api/v1/device/short-stays/{stay_id}/admit", tag = "short_stays",
    operation_id = "admitShortStay",
    params(("stay_id" = Uuid, Path, description = "Short-stay id")),
    request_body(content = Option<AdmitRequest>, description = "Optional: when it happened"),
    responses(
        (status = 200, description = "Admitted", body = ShortStay),
        (status = 403, description = "Not a medical institution", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not assigned to your institution", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not on the confirmed dates, or in the future", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn admit_short_stay(
    State(state): State<AppState>,
    device: Device,
    AppPath(path): AppPath<StayPath>,
    body: Option<AppJson<AdmitRequest>>,
) -> Result<AppJson<ShortStay>, ApiError> {
    let party = Party::Institution(institution(&state, &device)?);
    let at = ward_time(
        &state,
        "admitted_at",
        body.and_then(|AppJson(b)| b.admitted_at),
    )?;
    move_stay(
        &state,
        &device.actor,
        party,
        path.stay_id,
        Step::Admit { at },
    )
    .await
}

/// Record that the child went home (the assigned institution): now, or at the time given.
#[utoipa::path(
    post, path = "/api/v1/device/short-stays/{stay_id}/discharge", tag = "short_stays",
    operation_id = "dischargeShortStay",
    params(("stay_id" = Uuid, Path, description = "Short-stay id")),
    request_body(content = Option<DischargeRequest>, description = "Optional: when it happened"),
    responses(
        (status = 200, description = "Discharged", body = ShortStay),
        (status = 403, description = "Not a medical institution", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not assigned to your institution", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not admitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Before the admission, or in the future", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn discharge_short_stay(
    State(state): State<AppState>,
    device: Device,
    AppPath(path): AppPath<StayPath>,
    body: Option<AppJson<DischargeRequest>>,
) -> Result<AppJson<ShortStay>, ApiError> {
    let party = Party::Institution(institution(&state, &device)?);
    let at = ward_time(
        &state,
        "discharged_at",
        body.and_then(|AppJson(b)| b.discharged_at),
    )?;
    move_stay(
        &state,
        &device.actor,
        party,
        path.stay_id,
        Step::Discharge { at },
    )
    .await
}

/// A fiscal year's short stays (staff): requests, decisions and cases (admissions).
#[utoipa::path(
    get, path = "/api/v1/staff/short-stay-counts", tag = "short_stays",
    operation_id = "getShortStayCounts",
    params(YearQuery),
    responses((status = 200, description = "The year's counts", body = YearCounts)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_short_stay_counts(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<YearQuery>,
) -> Result<AppJson<YearCounts>, ApiError> {
    let cal = state.calendar();
    let fy = match q.fiscal_year.as_deref() {
        Some(s) => super::params::fiscal_year(s)?,
        None => cal.fiscal_year_of(state.now()),
    };
    Ok(AppJson(
        short_stays::year_counts(&state.read, &cal, fy).await?,
    ))
}
