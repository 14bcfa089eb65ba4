//! The inclusive play space over HTTP: staff publish sessions and read statistics; guardians
//! book, cancel and show their entry code; the operator's device checks bookings in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::download::{self, Format};
use super::extract::{AnyAccount, AppJson, AppPath, AppQuery, Device, Guardian, Staff};
use super::pagination::{PageParams, Paging};
use super::params;
use super::problem::{ApiError, Code, Problem};
use crate::messages::Args;
use crate::partners::PartnerKind;
use crate::play_space::stats::{self, PlayStatistics};
use crate::play_space::{self, Booking, BookingInput, DoorEntry, Session, SessionInput};
use crate::state::AppState;

/// A session to publish. Times are ward-local (Asia/Tokyo) without an offset.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = PlaySessionRequest)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    #[schema(example = "親子ひろば（午前）", max_length = 100)]
    pub title: String,
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub starts_at: NaiveDateTime,
    #[schema(value_type = super::ward_time::WardTime)]
    #[serde(deserialize_with = "super::ward_time::deserialize")]
    pub ends_at: NaiveDateTime,
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity_children: i64,
    #[schema(minimum = 0, maximum = 1000)]
    pub capacity_adults: i64,
    /// Places for children on ventilators (a nurse nearby), when limited separately.
    #[schema(minimum = 0, maximum = 1000)]
    pub ventilator_places: Option<i64>,
    /// When bookings open; now when absent.
    #[schema(value_type = Option<super::ward_time::WardTime>)]
    #[serde(default, deserialize_with = "super::ward_time::option")]
    pub booking_opens_at: Option<NaiveDateTime>,
    /// When bookings close and cancellations end; the start when absent.
    #[schema(value_type = Option<super::ward_time::WardTime>)]
    #[serde(default, deserialize_with = "super::ward_time::option")]
    pub booking_closes_at: Option<NaiveDateTime>,
}

/// A booking request.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = PlayBookingRequest)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// Your children who will come (1 to 10).
    #[schema(min_items = 1, max_items = 10)]
    pub child_ids: Vec<Uuid>,
    /// Accompanying adults (0 to 10).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10)]
    pub companions: i64,
    /// Join the waiting list when the session is full (default true).
    pub waitlist: Option<bool>,
}

/// A booking's code to show at the door.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlayEntryCode)]
pub struct EntryCode {
    pub booking_id: Uuid,
    pub payload: String,
    pub qr_png_base64: String,
    pub qr_svg: String,
    pub expires_at: DateTime<Utc>,
}

/// A scanned entry code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    #[schema(max_length = 512)]
    pub payload: String,
}

/// A page of sessions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlaySessionList)]
pub struct SessionList {
    pub items: Vec<Session>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// A page of bookings.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlayBookingList)]
pub struct BookingList {
    pub items: Vec<Booking>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct SessionPath {
    pub session_id: Uuid,
}

#[derive(Debug, Deserialize)]
pub struct BookingPath {
    pub booking_id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatisticsQuery {
    /// A month ("2026-11"); or give `fiscal_year`.
    #[param(example = "2026-11", max_length = 7)]
    pub month: Option<String>,
    /// A fiscal year, named by the calendar year it starts in ("FY2024"; the ward configures the
    /// month it starts).
    #[param(example = "FY2024", max_length = 6)]
    pub fiscal_year: Option<String>,
    /// `json` (default) or `csv` (UTF-8 with BOM, CRLF, for Excel).
    #[param(inline)]
    pub format: Option<Format>,
}

/// Publish a play-space session (staff).
#[utoipa::path(
    post, path = "/api/v1/staff/play-sessions", tag = "play_space", operation_id = "publishPlaySession",
    request_body = SessionRequest,
    responses(
        (status = 201, description = "Published", body = Session),
        (status = 422, description = "Invalid times or capacities", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn publish_play_session(
    State(state): State<AppState>,
    staff: Staff,
    AppJson(body): AppJson<SessionRequest>,
) -> Result<(StatusCode, AppJson<Session>), ApiError> {
    let s = play_space::publish(
        &state.db,
        &state.calendar(),
        &staff.actor,
        state.now(),
        body.into(),
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(s)))
}

impl From<SessionRequest> for SessionInput {
    fn from(body: SessionRequest) -> Self {
        SessionInput {
            title: body.title,
            starts_at: body.starts_at,
            ends_at: body.ends_at,
            capacity_children: body.capacity_children,
            capacity_adults: body.capacity_adults,
            ventilator_places: body.ventilator_places,
            booking_opens_at: body.booking_opens_at,
            booking_closes_at: body.booking_closes_at,
        }
    }
}

/// Change a session before it starts (staff): the whole session as it should be, checked as
/// when publishing. Capacities cannot drop below what is booked (409 `capacity_below_bookings`);
/// larger ones confirm waiting bookings in order. Families booked are told of a new title or
/// new times (`play_session.changed`).
#[utoipa::path(
    put, path = "/api/v1/staff/play-sessions/{session_id}", tag = "play_space",
    operation_id = "changePlaySession",
    params(("session_id" = Uuid, Path, description = "Session id")),
    request_body = SessionRequest,
    responses(
        (status = 200, description = "Changed", body = Session),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled, started, or capacity below what is booked", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid times or capacities", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn change_play_session(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<SessionPath>,
    AppJson(body): AppJson<SessionRequest>,
) -> Result<AppJson<Session>, ApiError> {
    let s = play_space::change_session(
        &state.db,
        &state.calendar(),
        &staff.actor,
        state.now(),
        path.session_id,
        body.into(),
    )
    .await?;
    Ok(AppJson(s))
}

/// Why a session is called off, as the families will read it.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = PlaySessionCancelRequest)]
#[serde(deny_unknown_fields)]
pub struct CancelSessionRequest {
    #[schema(example = "会場の設備点検のため", max_length = 500)]
    pub reason: String,
}

/// Call a session off before it starts (staff): every booking is cancelled, and each family
/// booked is told the reason (`play_session.cancelled`). The session takes no more bookings
/// (409 `play_session_cancelled`).
#[utoipa::path(
    post, path = "/api/v1/staff/play-sessions/{session_id}/cancel", tag = "play_space",
    operation_id = "cancelPlaySession",
    params(("session_id" = Uuid, Path, description = "Session id")),
    request_body = CancelSessionRequest,
    responses(
        (status = 200, description = "Cancelled", body = Session),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled or started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn cancel_play_session(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<SessionPath>,
    AppJson(body): AppJson<CancelSessionRequest>,
) -> Result<AppJson<Session>, ApiError> {
    let s = play_space::cancel_session(
        &state.db,
        &state.calendar(),
        &staff.actor,
        state.now(),
        path.session_id,
        &body.reason,
    )
    .await?;
    Ok(AppJson(s))
}

/// A session's door list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlayDoorList)]
pub struct DoorList {
    pub session: Session,
    /// Confirmed bookings first, then the waiting list, each in the order they were made.
    pub items: Vec<DoorEntry>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// Who is coming to a session (staff): its bookings that hold or wait for places, with the
/// children's names, readings and care needs.
#[utoipa::path(
    get, path = "/api/v1/staff/play-sessions/{session_id}/bookings", tag = "play_space",
    operation_id = "listPlaySessionBookings",
    params(("session_id" = Uuid, Path, description = "Session id"), PageParams),
    responses(
        (status = 200, description = "The door list", body = DoorList),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_play_session_bookings(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<SessionPath>,
    AppQuery(q): AppQuery<PageParams>,
) -> Result<AppJson<DoorList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let session = play_space::session(&state.read, path.session_id).await?;
    let rows =
        play_space::door_list(&state.read, path.session_id, paging.fetch(), paging.offset).await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(DoorList {
        session,
        items,
        next_offset,
    }))
}

/// Sessions that have not ended, soonest first, with the places left.
#[utoipa::path(
    get, path = "/api/v1/play-sessions", tag = "play_space", operation_id = "listPlaySessions",
    params(PageParams),
    responses((status = 200, description = "Sessions", body = SessionList)),
    security(("guardian" = []), ("staff" = []), ("admin" = []))
)]
pub async fn list_play_sessions(
    State(state): State<AppState>,
    _account: AnyAccount,
    AppQuery(q): AppQuery<PageParams>,
) -> Result<AppJson<SessionList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows =
        play_space::upcoming(&state.read, state.now(), paging.fetch(), paging.offset).await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(SessionList { items, next_offset }))
}

/// Book a session for some of your children and companions: `confirmed` when the places are
/// free, otherwise `waiting` (promoted in order when places free up), or 409 `session_full`
/// with `waitlist: false`. A child can hold one booking per session. Each child needs an
/// approved play-space enrollment valid on the session's date (409 `not_enrolled` naming the
/// child), unless the ward opens the play space to every registered household.
#[utoipa::path(
    post, path = "/api/v1/play-sessions/{session_id}/bookings", tag = "play_space",
    operation_id = "bookPlaySession",
    params(("session_id" = Uuid, Path, description = "Session id")),
    request_body = BookingRequest,
    responses(
        (status = 201, description = "Booked (confirmed or waiting)", body = Booking),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Bookings closed, full, a child already booked, or a child not enrolled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid children or companions", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn book_play_session(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<SessionPath>,
    AppJson(body): AppJson<BookingRequest>,
) -> Result<(StatusCode, AppJson<Booking>), ApiError> {
    let b = play_space::book(
        &play_space::Context {
            db: &state.db,
            programs: &state.rules,
            rules: &state.rules_on(state.now()).play_space,
            calendar: state.calendar(),
        },
        &g.actor,
        g.principal.account_id,
        state.now(),
        g.household_id,
        path.session_id,
        BookingInput {
            child_ids: body.child_ids,
            companions: body.companions,
            waitlist: body.waitlist.unwrap_or(true),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(b)))
}

/// Your household's bookings, newest first.
#[utoipa::path(
    get, path = "/api/v1/play-bookings", tag = "play_space", operation_id = "listPlayBookings",
    params(PageParams),
    responses((status = 200, description = "Bookings", body = BookingList)),
    security(("guardian" = []))
)]
pub async fn list_play_bookings(
    State(state): State<AppState>,
    g: Guardian,
    AppQuery(q): AppQuery<PageParams>,
) -> Result<AppJson<BookingList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows = play_space::bookings_of_household(
        &state.read,
        g.household_id,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(BookingList { items, next_offset }))
}

/// Cancel one of your bookings before the cut-off; the places go to the waiting list.
#[utoipa::path(
    post, path = "/api/v1/play-bookings/{booking_id}/cancel", tag = "play_space",
    operation_id = "cancelPlayBooking",
    params(("booking_id" = Uuid, Path, description = "Booking id")),
    responses(
        (status = 200, description = "Cancelled", body = Booking),
        (status = 404, description = "No such booking in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "After the cut-off, or already cancelled", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn cancel_play_booking(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<BookingPath>,
) -> Result<AppJson<Booking>, ApiError> {
    let b = play_space::cancel(
        &state.db,
        &g.actor,
        &state.calendar(),
        state.now(),
        g.household_id,
        path.booking_id,
    )
    .await?;
    Ok(AppJson(b))
}

/// The entry code of one of your confirmed bookings, as text, PNG and SVG.
#[utoipa::path(
    get, path = "/api/v1/play-bookings/{booking_id}/code", tag = "play_space",
    operation_id = "getPlayBookingCode",
    params(("booking_id" = Uuid, Path, description = "Booking id")),
    responses(
        (status = 200, description = "The code to show at the door", body = EntryCode),
        (status = 404, description = "No such booking in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Waiting or cancelled", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn get_play_booking_code(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<BookingPath>,
) -> Result<AppJson<EntryCode>, ApiError> {
    let (code, expires_at) = play_space::entry_code(
        &state.read,
        &state.keys,
        &state.rules_on(state.now()).play_space,
        state.now(),
        g.household_id,
        path.booking_id,
    )
    .await?;
    let png = crate::signed_codes::qr::png(&code).map_err(ApiError::internal)?;
    let svg = crate::signed_codes::qr::svg(&code).map_err(ApiError::internal)?;
    Ok(AppJson(EntryCode {
        booking_id: path.booking_id,
        payload: code,
        qr_png_base64: base64::engine::general_purpose::STANDARD.encode(png),
        qr_svg: svg,
        expires_at,
    }))
}

/// Check a booking in at the door (the play-space operator's device), once.
#[utoipa::path(
    post, path = "/api/v1/device/play-bookings/check-in", tag = "play_space",
    operation_id = "checkInPlayBooking",
    request_body = CheckInRequest,
    responses(
        (status = 200, description = "Checked in", body = Booking),
        (status = 403, description = "Not the play-space operator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already checked in, not confirmed, or not during the session", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid booking code", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn check_in_play_booking(
    State(state): State<AppState>,
    device: Device,
    AppJson(body): AppJson<CheckInRequest>,
) -> Result<AppJson<Booking>, ApiError> {
    let program = state.rules_on(state.now()).play_space.id;
    device.partner_of(&[PartnerKind::PlaySpaceOperator], program)?;
    let b = play_space::check_in(
        &state.db,
        &state.keys,
        &device.actor,
        state.now(),
        program,
        &body.payload,
    )
    .await?;
    Ok(AppJson(b))
}

/// Play-space statistics for a month or a fiscal year (staff): sessions, bookings,
/// attendance, users, no-shows. With `format=csv`, a CSV file for Excel.
#[utoipa::path(
    get, path = "/api/v1/staff/play-statistics", tag = "play_space",
    operation_id = "getPlayStatistics",
    params(StatisticsQuery),
    responses(
        (status = 200, description = "The period's figures: JSON, or with `format=csv` a CSV file (UTF-8 with BOM, CRLF)", content(
            (PlayStatistics = "application/json"),
            (String = "text/csv"),
        )),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_play_statistics(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<StatisticsQuery>,
) -> Result<Response, ApiError> {
    let cal = state.calendar();
    let (period, label, from, to) = match (q.month.as_deref(), q.fiscal_year.as_deref()) {
        (Some(m), None) => {
            let month = params::month(m)?;
            let (from, to) = cal.month_bounds(month);
            (month.to_string(), month.ja(), from, to)
        }
        (None, Some(fy)) => {
            let year = params::fiscal_year(fy)?;
            let (from, to) = cal.fiscal_year_bounds(year);
            (format!("FY{}", year.0), year.ja(), from, to)
        }
        _ => {
            return Err(ApiError::bad_request(Code::InvalidQuery)
                .say("problem-month-or-fiscal-year", Args::new())
                .with("field", "month"));
        }
    };
    let s = stats::between(&state.read, period, from, to, state.now()).await?;
    if q.format == Some(Format::Csv) {
        return Ok(download::csv(
            stats::to_csv(&s, &label),
            &format!("play-space-{}.csv", s.period),
            &format!("ひろば利用統計_{label}.csv"),
        ));
    }
    Ok(AppJson(s).into_response())
}
