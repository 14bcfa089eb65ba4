//! The inclusive play space: sessions with capacities, bookings that never overbook, a waiting
//! list promoted in order, entry codes scanned once, statistics for staff.

use chrono::{DateTime, Duration};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{NowUtc, TestApp, User, assert_problem, spawn_app_with};
use crate::respite::tokyo;

async fn app() -> TestApp {
    spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 400).await
}

/// Publishes a session starting `hours` from now, two hours long.
pub async fn session(
    app: &TestApp,
    staff: &User,
    hours: i64,
    children: i64,
    adults: i64,
    ventilator: Option<i64>,
) -> Value {
    let start = app.clock.now_utc() + Duration::hours(hours);
    let r = app
        .post(
            "/api/v1/staff/play-sessions",
            Some(&staff.access),
            &json!({
                "title": "親子ひろば",
                "starts_at": tokyo(start),
                "ends_at": tokyo(start + Duration::hours(2)),
                "capacity_children": children,
                "capacity_adults": adults,
                "ventilator_places": ventilator,
                "booking_closes_at": tokyo(start - Duration::hours(1)),
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    r.json().await.unwrap()
}

pub async fn book(
    app: &TestApp,
    g: &User,
    session: &Value,
    children: &[Uuid],
    companions: i64,
) -> Response {
    app.post(
        &format!(
            "/api/v1/play-sessions/{}/bookings",
            session["id"].as_str().unwrap()
        ),
        Some(&g.access),
        &json!({ "child_ids": children, "companions": companions }),
    )
    .await
}

pub async fn booked(
    app: &TestApp,
    g: &User,
    session: &Value,
    children: &[Uuid],
    companions: i64,
) -> Value {
    let r = book(app, g, session, children, companions).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    r.json().await.unwrap()
}

async fn cancel(app: &TestApp, g: &User, b: &Value) -> Response {
    app.post_empty(
        &format!("/api/v1/play-bookings/{}/cancel", b["id"].as_str().unwrap()),
        Some(&g.access),
    )
    .await
}

async fn places(app: &TestApp, g: &User, session: &Value) -> (i64, i64) {
    let list: Value = app
        .get("/api/v1/play-sessions", Some(&g.access))
        .await
        .json()
        .await
        .unwrap();
    let s = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == session["id"])
        .unwrap()
        .clone();
    (
        s["children_left"].as_i64().unwrap(),
        s["adults_left"].as_i64().unwrap(),
    )
}

async fn status_of(app: &TestApp, g: &User, b: &Value) -> String {
    let list: Value = app
        .get("/api/v1/play-bookings", Some(&g.access))
        .await
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == b["id"])
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A guardian with one child enrolled in the play space.
async fn parent(app: &TestApp, staff: &User) -> (User, Uuid) {
    app.play_space_parent(staff).await
}

#[tokio::test]
async fn forty_concurrent_bookings_for_ten_places_confirm_exactly_ten() {
    // One staff member registers forty families first: far beyond a clerk's write rate.
    let app = spawn_app_with(|c| {
        c.auth.access_token_minutes = 60 * 24 * 400;
        c.server.writes_per_minute_per_caller = 0;
    })
    .await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 10, 100, None).await;
    let mut parents = Vec::new();
    for _ in 0..40 {
        parents.push(parent(&app, &staff).await);
    }
    let attempts = parents
        .iter()
        .map(|(g, c)| book(&app, g, &s, std::slice::from_ref(c), 1));
    let answers = futures::future::join_all(attempts).await;
    let mut statuses = Vec::new();
    for r in answers {
        assert_eq!(r.status(), StatusCode::CREATED);
        let b: Value = r.json().await.unwrap();
        statuses.push(b["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses.iter().filter(|s| *s == "confirmed").count(), 10);
    assert_eq!(statuses.iter().filter(|s| *s == "waiting").count(), 30);
    assert_eq!(places(&app, &parents[0].0, &s).await, (0, 90));
}

#[tokio::test]
async fn a_cancellation_promotes_the_oldest_waiting_booking_that_fits_and_tells_the_family() {
    let app = app().await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 2, 10, None).await;
    let (a, a1) = parent(&app, &staff).await;
    let a2 = app.child(&a).await;
    app.enroll(&staff, &a, a2, "play_space").await;
    let (b, b1) = parent(&app, &staff).await;
    let b2 = app.child(&b).await;
    app.enroll(&staff, &b, b2, "play_space").await;
    let (c, c1) = parent(&app, &staff).await;
    let first = booked(&app, &a, &s, &[a1, a2], 1).await;
    assert_eq!(first["status"], "confirmed");
    // Waiting: b needs two places, then c needs one.
    let wb = booked(&app, &b, &s, &[b1, b2], 1).await;
    let wc = booked(&app, &c, &s, &[c1], 1).await;
    assert_eq!(
        (wb["status"].as_str(), wc["status"].as_str()),
        (Some("waiting"), Some("waiting"))
    );
    // The family that does not want the waiting list is told it is full.
    let (d, d1) = parent(&app, &staff).await;
    let r = app
        .post(
            &format!(
                "/api/v1/play-sessions/{}/bookings",
                s["id"].as_str().unwrap()
            ),
            Some(&d.access),
            &json!({ "child_ids": [d1], "waitlist": false }),
        )
        .await;
    assert_problem(r, 409, "session_full").await;

    assert_eq!(cancel(&app, &a, &first).await.status(), StatusCode::OK);
    // b was first in line and fits the two freed places; c stays waiting.
    assert_eq!(status_of(&app, &b, &wb).await, "confirmed");
    assert_eq!(status_of(&app, &c, &wc).await, "waiting");
    let inbox: Value = app
        .get("/api/v1/notifications", Some(&b.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["items"][0]["type"], "play_booking.promoted");
    assert_eq!(inbox["items"][0]["subject_id"], wb["id"]);
    // The cancelled family's child may book again (and waits).
    let again = booked(&app, &a, &s, &[a1], 0).await;
    assert_eq!(again["status"], "waiting");

    // After the cut-off nobody can cancel, and nothing is promoted.
    app.clock
        .advance(Duration::hours(47) + Duration::minutes(30));
    let r = cancel(&app, &b, &wb).await;
    assert_problem(r, 409, "cancellation_closed").await;
    assert_eq!(status_of(&app, &c, &wc).await, "waiting");
}

#[tokio::test]
async fn a_child_holds_one_booking_per_session_and_ventilator_places_are_counted_apart() {
    let app = app().await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 10, 10, Some(1)).await;
    let (a, a1) = parent(&app, &staff).await;
    let (b, b1) = parent(&app, &staff).await;
    assert_eq!(booked(&app, &a, &s, &[a1], 1).await["status"], "confirmed");
    let r = book(&app, &a, &s, &[a1], 0).await;
    assert_problem(r, 409, "already_booked").await;
    // b's child is also on a ventilator: the one ventilator place is taken.
    let w = booked(&app, &b, &s, &[b1], 1).await;
    assert_eq!(w["status"], "waiting");
    assert_eq!(w["ventilator_children"], 1);
    // A child without a ventilator gets in.
    let mut body = crate::helpers::child_body();
    body["care_needs"] = json!(["tube_feeding"]);
    let r = app.post("/api/v1/children", Some(&b.access), &body).await;
    let b2: Uuid = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app.enroll(&staff, &b, b2, "play_space").await;
    assert_eq!(booked(&app, &b, &s, &[b2], 0).await["status"], "confirmed");
}

#[tokio::test]
async fn the_entry_code_checks_a_confirmed_booking_in_once_at_the_door() {
    let app = app().await;
    let staff = app.staff().await;
    let admin = app.admin().await;
    let (_, _, door) = app.partner_with_device(&admin, "play_space_operator").await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let s = session(&app, &staff, 2, 1, 5, None).await;
    let (a, a1) = parent(&app, &staff).await;
    let (b, b1) = parent(&app, &staff).await;
    let confirmed = booked(&app, &a, &s, &[a1], 1).await;
    let waiting = booked(&app, &b, &s, &[b1], 1).await;
    let code: Value = app
        .get(
            &format!(
                "/api/v1/play-bookings/{}/code",
                confirmed["id"].as_str().unwrap()
            ),
            Some(&a.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let payload = code["payload"].as_str().unwrap().to_owned();
    assert!(payload.starts_with("CP2."));
    let r = app
        .get(
            &format!(
                "/api/v1/play-bookings/{}/code",
                waiting["id"].as_str().unwrap()
            ),
            Some(&b.access),
        )
        .await;
    assert_eq!(
        assert_problem(r, 409, "booking_not_confirmed").await["booking_status"],
        "waiting"
    );
    let r = app
        .get(
            &format!(
                "/api/v1/play-bookings/{}/code",
                confirmed["id"].as_str().unwrap()
            ),
            Some(&b.access),
        )
        .await;
    assert_problem(r, 404, "play_booking_not_found").await;

    let scan = |device: &str, payload: &str| {
        app.client
            .post(app.url("/api/v1/device/play-bookings/check-in"))
            .bearer_auth(device)
            .json(&json!({ "payload": payload }))
            .send()
    };
    // Too early: entry opens an hour before the start.
    let r = scan(&door, &payload).await.unwrap();
    assert_problem(r, 409, "not_during_session").await;
    app.clock.advance(Duration::minutes(61));
    assert_problem(
        scan(&taxi, &payload).await.unwrap(),
        403,
        "partner_kind_mismatch",
    )
    .await;
    let r = scan(&door, &payload).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.json::<Value>().await.unwrap()["checked_in_at"].is_string());
    assert_problem(
        scan(&door, &payload).await.unwrap(),
        409,
        "already_checked_in",
    )
    .await;
    // A voucher code or a tampered one is not a booking code.
    let mut tampered = payload.clone();
    tampered.pop();
    tampered.push(if payload.ends_with('A') { 'B' } else { 'A' });
    assert_problem(
        scan(&door, &tampered).await.unwrap(),
        422,
        "not_a_booking_code",
    )
    .await;
}

#[tokio::test]
async fn staff_see_bookings_attendance_no_shows_and_users_per_month_and_year() {
    let app = app().await;
    app.clock.set(
        DateTime::parse_from_rfc3339("2026-11-02T09:00:00+09:00")
            .unwrap()
            .to_utc(),
    );
    let staff = app.staff().await;
    let admin = app.admin().await;
    let (_, _, door) = app.partner_with_device(&admin, "play_space_operator").await;
    let s = session(&app, &staff, 24, 10, 10, None).await;
    let (a, a1) = parent(&app, &staff).await;
    let (b, b1) = parent(&app, &staff).await;
    let (c, c1) = parent(&app, &staff).await;
    let came = booked(&app, &a, &s, &[a1], 2).await;
    booked(&app, &b, &s, &[b1], 1).await;
    let cancelled = booked(&app, &c, &s, &[c1], 1).await;
    cancel(&app, &c, &cancelled).await;
    app.clock.advance(Duration::hours(24));
    let code: Value = app
        .get(
            &format!(
                "/api/v1/play-bookings/{}/code",
                came["id"].as_str().unwrap()
            ),
            Some(&a.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/device/play-bookings/check-in"))
        .bearer_auth(&door)
        .json(&json!({ "payload": code["payload"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.clock.advance(Duration::hours(3));

    let month: Value = app
        .get(
            "/api/v1/staff/play-statistics?month=2026-11",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        month,
        json!({
            "period": "2026-11", "sessions": 1, "bookings": 2, "booked_children": 2, "booked_adults": 3,
            "attended_bookings": 1, "attended_children": 1, "attended_adults": 2, "users": 3,
            "no_shows": 1, "waiting_not_promoted": 0
        })
    );
    let year: Value = app
        .get(
            "/api/v1/staff/play-statistics?fiscal_year=FY2026",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(year["users"], 3);
    let csv = app
        .get(
            "/api/v1/staff/play-statistics?fiscal_year=FY2026&format=csv",
            Some(&staff.access),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}期間,開催回数"));
    assert!(
        csv.ends_with("令和8年度（2026年度）,1,2,2,3,1,1,2,3,1,0\r\n"),
        "{csv}"
    );
    let r = app
        .get("/api/v1/staff/play-statistics", Some(&staff.access))
        .await;
    assert_problem(r, 400, "invalid_query").await;
    // In the figures every program shares: the one child who came in, in November.
    let f = crate::helpers::program_figures(&app, &staff.access, "play_space", "FY2026").await;
    assert_eq!(f["unit"], "child");
    assert_eq!(crate::helpers::tally_of(&f, "2026-11"), (1, 1, 1));
    assert_eq!(crate::helpers::tally_of(&f, "FY2026"), (1, 1, 1));
}

#[tokio::test]
async fn bad_sessions_and_bookings_are_field_problems() {
    let app = app().await;
    let staff = app.staff().await;
    let start = app.clock.now_utc() + Duration::days(2);
    let base = json!({
        "title": "ひろば", "starts_at": tokyo(start), "ends_at": tokyo(start + Duration::hours(2)),
        "capacity_children": 10, "capacity_adults": 10,
    });
    for (change, field) in [
        (
            json!({ "ends_at": tokyo(start - Duration::hours(1)) }),
            "ends_at",
        ),
        (json!({ "capacity_children": 0 }), "capacity_children"),
        (json!({ "capacity_adults": -1 }), "capacity_adults"),
        (
            json!({ "starts_at": tokyo(app.clock.now_utc() - Duration::hours(2)), "ends_at": tokyo(app.clock.now_utc() - Duration::hours(1)) }),
            "starts_at",
        ),
        (
            json!({ "booking_closes_at": tokyo(start + Duration::hours(1)) }),
            "booking_closes_at",
        ),
        (json!({ "title": " " }), "title"),
    ] {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app
            .post("/api/v1/staff/play-sessions", Some(&staff.access), &body)
            .await;
        assert_eq!(
            assert_problem(r, 422, "invalid_field").await["field"],
            field,
            "{body}"
        );
    }
    let s = session(&app, &staff, 48, 5, 5, None).await;
    let (a, a1) = parent(&app, &staff).await;
    let (_, theirs) = parent(&app, &staff).await;
    for (body, field) in [
        (json!({ "child_ids": [] }), "child_ids"),
        (json!({ "child_ids": [a1, a1] }), "child_ids"),
        (json!({ "child_ids": [theirs] }), "child_ids"),
        (json!({ "child_ids": [a1], "companions": 11 }), "companions"),
    ] {
        let r = app
            .post(
                &format!(
                    "/api/v1/play-sessions/{}/bookings",
                    s["id"].as_str().unwrap()
                ),
                Some(&a.access),
                &body,
            )
            .await;
        assert_eq!(
            assert_problem(r, 422, "invalid_field").await["field"],
            field,
            "{body}"
        );
    }
    let r = app
        .post(
            &format!("/api/v1/play-sessions/{}/bookings", Uuid::new_v4()),
            Some(&a.access),
            &json!({ "child_ids": [a1] }),
        )
        .await;
    assert_problem(r, 404, "play_session_not_found").await;
    assert_eq!(app.count("play_bookings").await, 0);
    assert_eq!(places(&app, &a, &s).await, (5, 5));
}

#[tokio::test]
async fn a_booking_needs_an_approved_play_space_enrollment_on_the_sessions_date() {
    let app = app().await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 10, 10, None).await;
    // Never enrolled.
    let g = app.guardian(&staff).await;
    let never = app.child(&g).await;
    let r = book(&app, &g, &s, &[never], 1).await;
    let p = assert_problem(r, 409, "not_enrolled").await;
    assert_eq!(p["child_id"], never.to_string());
    // Applied, still pending.
    let pending = app.child(&g).await;
    app.apply(&g, pending, "play_space").await;
    let r = book(&app, &g, &s, &[pending], 0).await;
    assert_problem(r, 409, "not_enrolled").await;
    // Approved, but only from a date after the session.
    let later = app.child(&g).await;
    let id = app.apply(&g, later, "play_space").await;
    let from = app.clock.now_utc().date_naive() + Duration::days(30);
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/approve"),
            Some(&staff.access),
            &json!({ "valid_from": from }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = book(&app, &g, &s, &[later], 0).await;
    assert_problem(r, 409, "not_enrolled").await;
    // With one enrolled child beside an unenrolled one, the whole booking is refused.
    app.enroll(&staff, &g, never, "play_space").await;
    let r = book(&app, &g, &s, &[never, pending], 0).await;
    assert_problem(r, 409, "not_enrolled").await;
    assert_eq!(app.count("play_bookings").await, 0);
    assert_eq!(places(&app, &g, &s).await, (10, 10));
}

#[tokio::test]
async fn a_ward_may_open_the_play_space_to_every_registered_household() {
    let app = spawn_app_with(|c| {
        c.auth.access_token_minutes = 60 * 24 * 400;
        c.programs.play_space.open_to_all_households = true;
    })
    .await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 10, 10, None).await;
    let g = app.guardian(&staff).await;
    let child = app.child(&g).await;
    assert_eq!(
        booked(&app, &g, &s, &[child], 1).await["status"],
        "confirmed"
    );
}
