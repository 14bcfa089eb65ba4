//! Program enrollment: guardians apply for their children and may withdraw; staff see the
//! queue and approve or reject.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::child_names::named_item;
use super::extract::{AppJson, AppPath, AppQuery, Guardian, Staff};
use super::households::ChildPath;
use super::pagination::{PageParams, Paging};
use super::problem::{ApiError, Problem};
use crate::enrollments::{self, Decision, Enrollment, EnrollmentError, Program, Status};
use crate::households;
use crate::state::AppState;

/// An application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    pub program: Program,
}

/// Approval with the period the enrollment is valid for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// First day of validity (Asia/Tokyo calendar date).
    #[schema(example = "2026-04-01")]
    pub valid_from: NaiveDate,
    /// Last day of validity; omit for open-ended.
    #[schema(example = "2027-03-31")]
    pub valid_until: Option<NaiveDate>,
    /// The certificate the program requires, if it requires one (`GET /api/v1/ward` names it per
    /// program). Checked again on the day of every use.
    pub certificate: Option<CertificateInput>,
}

/// A recipient certificate (受給者証) as printed on it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateInput {
    /// The certificate's number.
    #[schema(example = "1310900123", max_length = 20)]
    pub number: String,
    /// Its last valid day (Asia/Tokyo calendar date).
    #[schema(example = "2027-03-31")]
    pub valid_until: NaiveDate,
}

/// Rejection with the reason the family will read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    #[schema(
        example = "対象要件（医療型短期入所の利用）を確認できませんでした。",
        max_length = 1000
    )]
    pub reason: String,
}

/// Filters of the staff queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnrollmentQuery {
    /// Which applications (default `pending`).
    pub status: Option<Status>,
    pub program: Option<Program>,
    /// `true`: renewals for the next fiscal year only; `false`: first applications only;
    /// omitted: both.
    pub renewal: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

/// A page of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentList {
    pub items: Vec<Enrollment>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// What an application or decision is checked against today: the date, the next fiscal year
/// for renewals, and the program settings in force.
fn terms(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> enrollments::Terms<'_> {
    let cal = state.calendar();
    let today = cal.local_date(now);
    enrollments::Terms {
        today,
        next: enrollments::NextYear::after(&cal, state.config.enrollments.renewal_opens_on, today),
        rules: state.rules.on(today),
    }
}

#[derive(Debug, Deserialize)]
pub struct EnrollmentPath {
    pub enrollment_id: Uuid,
}

/// Apply to enroll one of your children in a program. While an approval is still valid, the
/// application is a renewal for the next fiscal year (accepted from the ward's configured day,
/// 1 February by default; `renewal_from` names the year's first day).
#[utoipa::path(
    post, path = "/api/v1/children/{child_id}/enrollments", tag = "enrollments",
    operation_id = "applyForEnrollment",
    params(("child_id" = Uuid, Path, description = "Child id")),
    request_body = ApplyRequest,
    responses(
        (status = 201, description = "Application submitted (pending)", body = Enrollment),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The ward does not run the program (`program_not_offered`); the person does not meet a condition of the program (`not_eligible`, with `condition`: `care_needs` or `age`); already applied, or enrolled into the next fiscal year (`enrollment_already_open`); or the approval is still valid and renewals for the next fiscal year are not open yet (`renewal_not_open`, with `opens_on`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn apply_for_enrollment(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
    AppJson(body): AppJson<ApplyRequest>,
) -> Result<(StatusCode, AppJson<Enrollment>), ApiError> {
    households::child_of_household(&state.db, g.household_id, path.child_id).await?;
    let now = state.now();
    let e = enrollments::apply(
        &state.db,
        &g.actor,
        now,
        terms(&state, now),
        path.child_id,
        body.program,
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(e)))
}

/// Applications and enrollments of one of your children, newest first.
#[utoipa::path(
    get, path = "/api/v1/children/{child_id}/enrollments", tag = "enrollments",
    operation_id = "listChildEnrollments",
    params(("child_id" = Uuid, Path, description = "Child id"), PageParams),
    responses(
        (status = 200, description = "The child's applications", body = EnrollmentList),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn list_child_enrollments(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<EnrollmentList>, ApiError> {
    let paging = Paging::parse(page.limit, page.offset, state.config.server.max_page_size)?;
    households::child_of_household(&state.read, g.household_id, path.child_id).await?;
    let rows =
        enrollments::list_for_child(&state.read, path.child_id, paging.fetch(), paging.offset)
            .await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(EnrollmentList { items, next_offset }))
}

/// Withdraw one of your applications while it is still pending (取下げ).
#[utoipa::path(
    post, path = "/api/v1/enrollments/{enrollment_id}/withdraw", tag = "enrollments",
    operation_id = "withdrawEnrollment",
    params(("enrollment_id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Withdrawn", body = Enrollment),
        (status = 404, description = "No such application in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn withdraw_enrollment(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<EnrollmentPath>,
) -> Result<AppJson<Enrollment>, ApiError> {
    let e = enrollments::find(&state.db, path.enrollment_id)
        .await?
        .ok_or(EnrollmentError::NotFound)?;
    households::child_of_household(&state.db, g.household_id, e.child_id)
        .await
        .map_err(|_| EnrollmentError::NotFound)?;
    let now = state.now();
    let e = enrollments::decide(
        &state.db,
        &g.actor,
        now,
        terms(&state, now),
        e.id,
        Decision::Withdraw,
    )
    .await?;
    Ok(AppJson(e))
}

named_item!(
    /// An application in the staff queue, with the person's names (a clerk reads names, not ids).
    QueuedEnrollment, enrollment: Enrollment
);

/// A page of the staff queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedEnrollmentList {
    pub items: Vec<QueuedEnrollment>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// The staff queue: applications by status (default pending), oldest first, with names.
#[utoipa::path(
    get, path = "/api/v1/staff/enrollments", tag = "enrollments", operation_id = "listEnrollments",
    params(EnrollmentQuery),
    responses((status = 200, description = "A page of applications", body = QueuedEnrollmentList)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_enrollments(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<EnrollmentQuery>,
) -> Result<AppJson<QueuedEnrollmentList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows = enrollments::list_by_status(
        &state.read,
        q.status.unwrap_or(Status::Pending),
        q.program,
        q.renewal,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (rows, next_offset) = paging.finish(rows);
    let items = QueuedEnrollment::page(&state.read, rows).await?;
    Ok(AppJson(QueuedEnrollmentList { items, next_offset }))
}

/// One application (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/enrollments/{enrollment_id}", tag = "enrollments", operation_id = "getEnrollment",
    params(("enrollment_id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application", body = Enrollment),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_enrollment(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<EnrollmentPath>,
) -> Result<AppJson<Enrollment>, ApiError> {
    let e = enrollments::find(&state.read, path.enrollment_id)
        .await?
        .ok_or(EnrollmentError::NotFound)?;
    Ok(AppJson(e))
}

/// Approve a pending application with a validity period (承認).
#[utoipa::path(
    post, path = "/api/v1/staff/enrollments/{enrollment_id}/approve", tag = "enrollments",
    operation_id = "approveEnrollment",
    params(("enrollment_id" = Uuid, Path, description = "Application id")),
    request_body = ApproveRequest,
    responses(
        (status = 200, description = "Approved", body = Enrollment),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or the person does not meet a condition of the program (`not_eligible`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid validity period (a renewal starts on or after its fiscal year's first day), or the certificate the program requires is missing, expired or not as printed (`field`: `certificate`, `certificate.number`, `certificate.valid_until`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn approve_enrollment(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<EnrollmentPath>,
    AppJson(body): AppJson<ApproveRequest>,
) -> Result<AppJson<Enrollment>, ApiError> {
    let decision = Decision::Approve {
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        certificate: body.certificate.map(|c| enrollments::Certificate {
            number: c.number,
            valid_until: c.valid_until,
        }),
    };
    let now = state.now();
    let e = enrollments::decide(
        &state.db,
        &staff.actor,
        now,
        terms(&state, now),
        path.enrollment_id,
        decision,
    )
    .await?;
    Ok(AppJson(e))
}

/// Reject a pending application with a reason (却下).
#[utoipa::path(
    post, path = "/api/v1/staff/enrollments/{enrollment_id}/reject", tag = "enrollments",
    operation_id = "rejectEnrollment",
    params(("enrollment_id" = Uuid, Path, description = "Application id")),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected", body = Enrollment),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn reject_enrollment(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<EnrollmentPath>,
    AppJson(body): AppJson<RejectRequest>,
) -> Result<AppJson<Enrollment>, ApiError> {
    let decision = Decision::Reject {
        reason: body.reason,
    };
    let now = state.now();
    let e = enrollments::decide(
        &state.db,
        &staff.actor,
        now,
        terms(&state, now),
        path.enrollment_id,
        decision,
    )
    .await?;
    Ok(AppJson(e))
}

/// Record a renewed certificate (受給者証) on an approved enrollment: its number and last valid
/// day. Codes shown and redemptions check the certificate on the day of each use.
#[utoipa::path(
    post, path = "/api/v1/staff/enrollments/{enrollment_id}/certificate", tag = "enrollments",
    operation_id = "recordEnrollmentCertificate",
    params(("enrollment_id" = Uuid, Path, description = "Enrollment id")),
    request_body = CertificateInput,
    responses(
        (status = 200, description = "Recorded", body = Enrollment),
        (status = 404, description = "No such enrollment", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The enrollment is not approved (`enrollment_not_approved`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A number not as printed on a certificate", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn record_enrollment_certificate(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<EnrollmentPath>,
    AppJson(body): AppJson<CertificateInput>,
) -> Result<AppJson<Enrollment>, ApiError> {
    let certificate = enrollments::Certificate {
        number: body.number,
        valid_until: body.valid_until,
    };
    let e = enrollments::record_certificate(
        &state.db,
        &staff.actor,
        state.now(),
        path.enrollment_id,
        certificate,
    )
    .await?;
    Ok(AppJson(e))
}
