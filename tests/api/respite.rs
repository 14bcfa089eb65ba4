//! In-home respite: 288 hours per fiscal year held by requests, used by recorded visits, given
//! back by declines and cancellations, never exceeded, charged to the fiscal year of the start.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Family, family, tomorrow_at_ten};
use crate::helpers::{
    NowUtc, Period, TestApp, User, assert_problem, ledger_mismatches, spawn_app_with,
};

/// A service whose clock the tests move by days: sessions outlast them.
async fn app_with_cap(minutes: i64) -> TestApp {
    let app = spawn_app_with(|c| {
        c.programs.respite.grant_minutes.0 = minutes;
        c.auth.access_token_minutes = 60 * 24 * 400;
    })
    .await;
    // Visits are asked for up to a fortnight ahead and read against this year's hours.
    app.with_time_left_in_the(Period::FiscalYear, Duration::days(20));
    app
}

/// A ward-local time as the app sends it ("2026-12-01T10:00:00").
pub fn tokyo(t: DateTime<Utc>) -> String {
    t.with_timezone(&Tokyo)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// An instant given in Tokyo local time.
fn jst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Tokyo
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// A visiting nurse station with a device: (partner id, device credential).
pub async fn station(app: &TestApp, admin: &User) -> (Uuid, String) {
    let (id, _, device) = app.partner_with_device(admin, "nurse_station").await;
    (id, device)
}

pub async fn request(
    app: &TestApp,
    f: &Family,
    station: Uuid,
    start: DateTime<Utc>,
    minutes: i64,
) -> Response {
    app.post(
        &format!("/api/v1/children/{}/respite-visits", f.child),
        Some(&f.guardian.access),
        &json!({
            "station_id": station,
            "starts_at": tokyo(start),
            "ends_at": tokyo(start + Duration::minutes(minutes)),
            "care_needs": ["suction", "tube_feeding"],
            "notes": "鍵はポストの中です",
        }),
    )
    .await
}

pub async fn requested(
    app: &TestApp,
    f: &Family,
    station: Uuid,
    start: DateTime<Utc>,
    minutes: i64,
) -> Value {
    let r = request(app, f, station, start, minutes).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    r.json().await.unwrap()
}

async fn station_call(
    app: &TestApp,
    device: &str,
    visit: &Value,
    action: &str,
    body: Value,
) -> Response {
    app.client
        .post(app.url(&format!(
            "/api/v1/device/respite-visits/{}/{action}",
            visit["id"].as_str().unwrap()
        )))
        .bearer_auth(device)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn accept(app: &TestApp, device: &str, visit: &Value) -> Response {
    station_call(app, device, visit, "accept", json!({})).await
}

pub async fn complete(
    app: &TestApp,
    device: &str,
    visit: &Value,
    start: DateTime<Utc>,
    minutes: i64,
) -> Response {
    let body = json!({
        "started_at": tokyo(start),
        "ended_at": tokyo(start + Duration::minutes(minutes)),
    });
    station_call(app, device, visit, "complete", body).await
}

/// The respite summary of the child's current fiscal year.
async fn balance(app: &TestApp, f: &Family) -> Value {
    let r = app
        .get(
            &format!("/api/v1/children/{}/allowances", f.child),
            Some(&f.guardian.access),
        )
        .await;
    let body = r.text().await.unwrap();
    let all: Vec<Value> = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body}"));
    all.into_iter()
        .find(|s| s["program"] == "respite")
        .expect("a respite summary")
}

#[tokio::test]
async fn a_request_holds_its_billed_minutes_and_the_recorded_visit_replaces_the_hold() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);

    // 2 h 10 min is billed as 2 h 30 min.
    let visit = requested(&app, &f, station_id, start, 130).await;
    assert_eq!(visit["status"], "requested");
    assert_eq!(visit["booked_minutes"], 150);
    assert_eq!(visit["care_needs"], json!(["tube_feeding", "suction"]));
    let b = balance(&app, &f).await;
    assert_eq!(
        (
            b["granted"].as_i64(),
            b["held"].as_i64(),
            b["used"].as_i64(),
            b["remaining"].as_i64()
        ),
        (Some(17_280), Some(150), Some(0), Some(17_130))
    );

    // The station's inbox shows it; the station accepts.
    let inbox: Value = app
        .client
        .get(app.url("/api/v1/device/respite-visits?status=requested"))
        .bearer_auth(&device)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["items"][0]["id"], visit["id"]);
    let r = accept(&app, &device, &visit).await;
    assert_eq!(r.status(), StatusCode::OK);

    // After the visit: 1 h 50 min really, billed 2 h, replaces the 2 h 30 min hold.
    app.clock.set(start + Duration::hours(3));
    let r = complete(&app, &device, &visit, start + Duration::minutes(5), 110).await;
    assert_eq!(r.status(), StatusCode::OK);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["used_minutes"], 120);
    let b = balance(&app, &f).await;
    assert_eq!(
        (
            b["held"].as_i64(),
            b["used"].as_i64(),
            b["remaining"].as_i64()
        ),
        (Some(0), Some(120), Some(17_160))
    );
    assert!(ledger_mismatches(&app.db).await.is_empty());

    // The family's history of the month lists it.
    let month = start.with_timezone(&Tokyo).format("%Y-%m").to_string();
    let history: Value = app
        .get(
            &format!("/api/v1/children/{}/respite-visits?month={month}", f.child),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["status"], "completed");
}

#[tokio::test]
async fn a_visit_may_run_longer_than_booked_within_the_remaining_hours() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let visit = requested(&app, &f, station_id, start, 120).await;
    accept(&app, &device, &visit).await;
    app.clock.set(start + Duration::hours(5));
    let r = complete(&app, &device, &visit, start, 200).await;
    assert_eq!(r.status(), StatusCode::OK);
    let b = balance(&app, &f).await;
    assert_eq!(
        (b["used"].as_i64(), b["remaining"].as_i64()),
        (Some(210), Some(17_280 - 210))
    );
}

#[tokio::test]
async fn declining_or_cancelling_gives_the_hold_back_and_a_started_visit_cannot_be_cancelled() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let a = requested(&app, &f, station_id, start, 60).await;
    let b = requested(&app, &f, station_id, start + Duration::days(1), 90).await;
    let c = requested(&app, &f, station_id, start + Duration::days(2), 30).await;
    assert_eq!(balance(&app, &f).await["held"], 180);

    let r = station_call(
        &app,
        &device,
        &a,
        "decline",
        json!({ "reason": "看護師の手配がつきません" }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let declined: Value = r.json().await.unwrap();
    assert_eq!(declined["decline_reason"], "看護師の手配がつきません");
    assert_eq!(balance(&app, &f).await["held"], 120);

    let cancel = |v: &Value| {
        app.client
            .post(app.url(&format!(
                "/api/v1/respite-visits/{}/cancel",
                v["id"].as_str().unwrap()
            )))
            .bearer_auth(&f.guardian.access)
            .send()
    };
    let r = cancel(&b).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(balance(&app, &f).await["held"], 30);
    // Twice is a state conflict, and the hold is not given back twice.
    let r = cancel(&b).await.unwrap();
    assert_eq!(
        assert_problem(r, 409, "visit_state_conflict").await["visit_status"],
        "cancelled"
    );
    assert_eq!(balance(&app, &f).await["held"], 30);

    // Once the visit has started, the family can no longer cancel it.
    app.clock
        .set(start + Duration::days(2) + Duration::minutes(1));
    let r = cancel(&c).await.unwrap();
    assert_problem(r, 409, "visit_already_started").await;
    assert_eq!(balance(&app, &f).await["held"], 30);
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn a_request_beyond_the_remaining_hours_is_refused_saying_how_many_remain() {
    let app = app_with_cap(300).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, _) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    requested(&app, &f, station_id, start, 240).await;
    let visits_before = app.count("respite_visits").await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/children/{}/respite-visits", f.child)))
        .bearer_auth(&f.guardian.access)
        .header("accept-language", "en")
        .json(&json!({
            "station_id": station_id,
            "starts_at": tokyo(start + Duration::days(1)),
            "ends_at": tokyo(start + Duration::days(1) + Duration::hours(2)),
        }))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 409, "respite_hours_exceeded").await;
    assert_eq!(p["remaining_minutes"], 60);
    assert_eq!(p["requested_minutes"], 120);
    assert_eq!(
        p["detail"], "1 h remain this fiscal year; this visit needs 2 h.",
        "{p}"
    );
    // In Japanese by default.
    let r = request(&app, &f, station_id, start + Duration::days(1), 120).await;
    let p = assert_problem(r, 409, "respite_hours_exceeded").await;
    assert_eq!(
        p["detail"], "今年度の残りは1時間です。この訪問には2時間が必要です。",
        "{p}"
    );
    assert_eq!(app.count("respite_visits").await, visits_before);
}

#[tokio::test]
async fn concurrent_requests_racing_for_the_last_hours_never_pass_the_cap() {
    let app = app_with_cap(600).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, _) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let attempts = (0..12).map(|i| request(&app, &f, station_id, start + Duration::days(i), 120));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    let b = balance(&app, &f).await;
    assert_eq!(
        (b["held"].as_i64(), b["remaining"].as_i64()),
        (Some(600), Some(0))
    );
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn a_visit_from_31_march_23_00_to_1_april_01_00_is_charged_to_the_older_fiscal_year() {
    let app = app_with_cap(17_280).await;
    app.clock.set(jst(2027, 3, 20, 9, 0));
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let visit = requested(&app, &f, station_id, jst(2027, 3, 31, 23, 0), 120).await;
    assert_eq!(visit["fiscal_year"], "FY2026");
    // Booking an April visit early opens FY2027 but does not lapse what is left of FY2026.
    let april = requested(&app, &f, station_id, jst(2027, 4, 10, 10, 0), 60).await;
    assert_eq!(april["fiscal_year"], "FY2027");
    let b = balance(&app, &f).await;
    assert_eq!(
        (b["period"].as_str(), b["remaining"].as_i64()),
        (Some("FY2026"), Some(17_280 - 120))
    );

    accept(&app, &device, &visit).await;
    app.clock.set(jst(2027, 4, 2, 9, 0));
    let r = complete(&app, &device, &visit, jst(2027, 3, 31, 23, 0), 120).await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);

    // The sweep lapses what FY2026 left unused; nothing carries over.
    app.lapse_ended().await;
    // 1 April: the new year's full grant; the old year used 120.
    let b = balance(&app, &f).await;
    assert_eq!(b["period"], "FY2027");
    assert_eq!(
        (
            b["granted"].as_i64(),
            b["held"].as_i64(),
            b["remaining"].as_i64()
        ),
        (Some(17_280), Some(60), Some(17_280 - 60))
    );
    let old: Value = app
        .get(
            &format!(
                "/api/v1/children/{}/allowances/respite/history?period=FY2026",
                f.child
            ),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = old["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["grant", "hold", "release", "capture", "lapse"]);
    let lapsed = old["entries"][4]["amount"].as_i64().unwrap();
    assert_eq!(lapsed, -(17_280 - 120));
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn only_the_documented_moves_of_a_visit_are_allowed() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 60).await;
    app.clock.set(start + Duration::hours(2));
    // Not accepted yet: cannot be recorded.
    let r = complete(&app, &device, &v, start, 60).await;
    assert_eq!(
        assert_problem(r, 409, "visit_state_conflict").await["visit_status"],
        "requested"
    );
    assert_eq!(accept(&app, &device, &v).await.status(), StatusCode::OK);
    let r = accept(&app, &device, &v).await;
    assert_problem(r, 409, "visit_state_conflict").await;
    let r = station_call(&app, &device, &v, "decline", json!({ "reason": "x" })).await;
    assert_problem(r, 409, "visit_state_conflict").await;
    assert_eq!(
        complete(&app, &device, &v, start, 60).await.status(),
        StatusCode::OK
    );
    let r = complete(&app, &device, &v, start, 60).await;
    assert_eq!(
        assert_problem(r, 409, "visit_state_conflict").await["visit_status"],
        "completed"
    );
    assert_eq!(balance(&app, &f).await["used"], 60);
}

#[tokio::test]
async fn a_station_sees_only_the_visits_addressed_to_it_and_other_partners_are_refused() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (mine, my_device) = station(&app, &admin).await;
    let (_, other_device) = station(&app, &admin).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = requested(&app, &f, mine, tomorrow_at_ten(&app), 60).await;

    let theirs: Value = app
        .client
        .get(app.url("/api/v1/device/respite-visits"))
        .bearer_auth(&other_device)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    assert_problem(
        accept(&app, &other_device, &v).await,
        404,
        "visit_not_found",
    )
    .await;
    assert_problem(accept(&app, &taxi, &v).await, 403, "partner_kind_mismatch").await;
    assert_eq!(accept(&app, &my_device, &v).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_requests_are_field_problems_and_write_nothing() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let no_respite = family(&app, &["taxi_fuel"]).await;
    let admin = app.admin().await;
    let (station_id, _) = station(&app, &admin).await;
    let (taxi_partner, _, _) = app.partner_with_device(&admin, "taxi_company").await;
    let start = tomorrow_at_ten(&app);
    let ledger_before = app.count("ledger_entries").await;
    let post = |body: Value| {
        app.client
            .post(app.url(&format!("/api/v1/children/{}/respite-visits", f.child)))
            .bearer_auth(&f.guardian.access)
            .json(&body)
            .send()
    };
    let at = |t: DateTime<Utc>| tokyo(t);
    for (body, field) in [
        (
            json!({ "station_id": station_id, "starts_at": at(start), "ends_at": at(start - Duration::hours(1)) }),
            "ends_at",
        ),
        (
            json!({ "station_id": station_id, "starts_at": at(start), "ends_at": at(start) }),
            "ends_at",
        ),
        (
            json!({ "station_id": station_id, "starts_at": at(start), "ends_at": at(start + Duration::hours(25)) }),
            "ends_at",
        ),
        (
            json!({ "station_id": station_id, "starts_at": at(app.clock.now_utc() - Duration::hours(3)), "ends_at": at(app.clock.now_utc() - Duration::hours(1)) }),
            "starts_at",
        ),
        (
            json!({ "station_id": station_id, "starts_at": at(start + Duration::days(200)), "ends_at": at(start + Duration::days(200) + Duration::hours(1)) }),
            "starts_at",
        ),
        (
            json!({ "station_id": Uuid::new_v4(), "starts_at": at(start), "ends_at": at(start + Duration::hours(1)) }),
            "station_id",
        ),
        (
            json!({ "station_id": taxi_partner, "starts_at": at(start), "ends_at": at(start + Duration::hours(1)) }),
            "station_id",
        ),
        (
            json!({ "station_id": station_id, "starts_at": at(start), "ends_at": at(start + Duration::hours(1)), "care_needs": ["suction", "suction"] }),
            "care_needs",
        ),
        (
            json!({ "station_id": station_id, "starts_at": at(start), "ends_at": at(start + Duration::hours(1)), "notes": "あ".repeat(1001) }),
            "notes",
        ),
    ] {
        let r = post(body.clone()).await.unwrap();
        let p = assert_problem(r, 422, "invalid_field").await;
        assert_eq!(p["field"], field, "{body}");
    }
    let r = post(json!({ "station_id": station_id, "starts_at": "tomorrow", "ends_at": "later" }))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A child not enrolled in respite.
    let r = request(&app, &no_respite, station_id, start, 60).await;
    assert_problem(r, 409, "not_enrolled").await;
    assert_eq!(app.count("respite_visits").await, 0);
    assert_eq!(app.count("ledger_entries").await, ledger_before);
}

#[tokio::test]
async fn more_than_remains_on_completion_is_refused_until_staff_approve_an_exception() {
    let app = app_with_cap(300).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 240).await;
    accept(&app, &device, &v).await;
    app.clock.set(start + Duration::hours(7));
    let r = complete(&app, &device, &v, start, 360).await;
    let p = assert_problem(r, 409, "respite_hours_exceeded").await;
    assert_eq!(p["remaining_minutes"], 300);
    assert_eq!(p["requested_minutes"], 360);
    // Nothing moved: the hold stands, the visit is still accepted.
    assert_eq!(balance(&app, &f).await["held"], 240);

    let r = app
        .post(
            &format!(
                "/api/v1/staff/respite-visits/{}/exception",
                v["id"].as_str().unwrap()
            ),
            Some(&f.staff.access),
            &json!({
                "started_at": tokyo(start),
                "ended_at": tokyo(start + Duration::hours(6)),
                "reason": "主治医の指示により延長",
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let done: Value = r.json().await.unwrap();
    assert_eq!(
        (
            done["used_minutes"].as_i64(),
            done["exception_minutes"].as_i64()
        ),
        (Some(360), Some(60))
    );
    let b = balance(&app, &f).await;
    assert_eq!(
        (
            b["granted"].as_i64(),
            b["adjusted"].as_i64(),
            b["used"].as_i64(),
            b["remaining"].as_i64()
        ),
        (Some(300), Some(60), Some(360), Some(0))
    );
    assert!(ledger_mismatches(&app.db).await.is_empty());
    let actions = app
        .audit_actions(v["id"].as_str().unwrap(), &f.staff.access)
        .await;
    assert!(
        actions.iter().any(|a| a == "respite.completed"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn staff_correct_respite_minutes_with_a_reason() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    app.adjust(&f.staff, f.child, "respite", -90, "紙の記録からの移行分")
        .await;
    assert_eq!(balance(&app, &f).await["remaining"], 17_280 - 90);
}

#[tokio::test]
async fn the_monthly_report_counts_visits_minutes_and_children_per_station_and_registered_users() {
    let app = app_with_cap(17_280).await;
    app.clock.set(jst(2026, 11, 2, 9, 0));
    let a = family(&app, &["respite"]).await;
    let b = family(&app, &["respite"]).await;
    let _registered_only = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (s1, d1) = station(&app, &admin).await;
    let (s2, d2) = station(&app, &admin).await;
    let mut visits = Vec::new();
    for (f, s, day) in [(&a, s1, 5), (&a, s1, 6), (&b, s1, 7), (&b, s2, 8)] {
        visits.push((
            requested(&app, f, s, jst(2026, 11, day, 10, 0), 120).await,
            s,
            day,
        ));
    }
    app.clock.set(jst(2026, 11, 20, 9, 0));
    for (v, s, day) in &visits {
        let device = if *s == s1 { &d1 } else { &d2 };
        accept(&app, device, v).await;
        let r = complete(&app, device, v, jst(2026, 11, *day, 10, 0), 100).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let staff = &a.staff;
    let report: Value = app
        .get(
            "/api/v1/staff/respite-report?month=2026-11",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            report["visits"].as_i64(),
            report["minutes"].as_i64(),
            report["children"].as_i64()
        ),
        (Some(4), Some(4 * 120), Some(2))
    );
    assert_eq!(report["registered_users"], 3);
    let first = report["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["station_id"] == json!(s1))
        .unwrap();
    assert_eq!(
        (
            first["visits"].as_i64(),
            first["minutes"].as_i64(),
            first["children"].as_i64()
        ),
        (Some(3), Some(360), Some(2))
    );

    let r = app
        .get(
            "/api/v1/staff/respite-report?month=2026-11&format=csv",
            Some(&staff.access),
        )
        .await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}対象月,事業所名,種別,訪問件数"));
    assert!(csv.contains(",訪問看護ステーション,"), "{csv}");
    // After an empty line, the totals: visits, minutes, children per station summed, then the
    // month-wide distinct children and registered users.
    assert!(csv.ends_with("\r\n\r\n合計,,,4,480,3,2,3\r\n"), "{csv}");
    let totals =
        crate::helpers::assert_csv_adds_up(&csv, &["訪問件数", "利用時間(分)", "利用者数"]);
    assert_eq!(totals["利用時間(分)"], 480);
    // Another month is empty.
    let other: Value = app
        .get(
            "/api/v1/staff/respite-report?month=2026-10",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["visits"], 0);

    // The same visits in the figures every program shares: two people, four visits, their
    // billed minutes, in November of FY2026.
    let f = crate::helpers::program_figures(&app, &staff.access, "respite", "FY2026").await;
    assert_eq!(f["unit"], "minute");
    assert_eq!(f["kind"], "respite_hours");
    assert_eq!(crate::helpers::tally_of(&f, "2026-11"), (2, 4, 480));
    assert_eq!(crate::helpers::tally_of(&f, "2026-10"), (0, 0, 0));
    assert_eq!(crate::helpers::tally_of(&f, "FY2026"), (2, 4, 480));
}

async fn staff_call(
    app: &TestApp,
    staff: &User,
    visit: &Value,
    action: &str,
    body: Value,
) -> Response {
    app.post(
        &format!(
            "/api/v1/staff/respite-visits/{}/{action}",
            visit["id"].as_str().unwrap()
        ),
        Some(&staff.access),
        &body,
    )
    .await
}

async fn dispute(app: &TestApp, f: &Family, visit: &Value, body: Value) -> Response {
    app.post(
        &format!(
            "/api/v1/respite-visits/{}/dispute",
            visit["id"].as_str().unwrap()
        ),
        Some(&f.guardian.access),
        &body,
    )
    .await
}

#[tokio::test]
async fn a_station_records_only_within_the_booked_window_and_staff_record_the_rest_as_an_exception()
{
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 120).await;
    accept(&app, &device, &v).await;
    app.clock.set(start + Duration::days(1));

    // The finding: the previous 24 hours recorded against a 10:00–12:00 booking.
    let r = complete(
        &app,
        &device,
        &v,
        start + Duration::hours(2) - Duration::days(1),
        1_440,
    )
    .await;
    let p = assert_problem(r, 422, "visit_outside_booking").await;
    assert_eq!(p["earliest_start"], tokyo(start - Duration::hours(1)));
    assert_eq!(p["latest_end"], tokyo(start + Duration::hours(4)));
    assert!(p["detail"].as_str().unwrap().contains("09:00から"), "{p}");
    // One minute too early, one minute too late: still outside.
    let r = complete(&app, &device, &v, start - Duration::minutes(61), 90).await;
    assert_problem(r, 422, "visit_outside_booking").await;
    let r = complete(&app, &device, &v, start, 241).await;
    assert_problem(r, 422, "visit_outside_booking").await;
    assert_eq!(balance(&app, &f).await["used"], 0);
    assert_eq!(balance(&app, &f).await["held"], 120);

    // Ward staff record what really happened, with the reason kept on the visit.
    let r = staff_call(
        &app,
        &f.staff,
        &v,
        "exception",
        json!({
            "started_at": tokyo(start - Duration::hours(3)),
            "ended_at": tokyo(start + Duration::hours(1)),
            "reason": "家族の通院に合わせて早朝から対応",
        }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["used_minutes"], 240);
    assert_eq!(done["exception_reason"], "家族の通院に合わせて早朝から対応");
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn within_the_tolerances_a_station_records_an_early_start_and_a_late_end() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 120).await;
    accept(&app, &device, &v).await;
    app.clock.set(start + Duration::days(1));
    // 09:00 to 14:00: the widest the defaults allow.
    let r = complete(&app, &device, &v, start - Duration::hours(1), 300).await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
}

#[tokio::test]
async fn two_requests_for_the_same_child_and_slot_hold_the_hours_once() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, _) = station(&app, &admin).await;
    let (other_station, _) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let attempts = (0..10).map(|i| {
        let s = if i % 2 == 0 {
            station_id
        } else {
            other_station
        };
        request(&app, &f, s, start + Duration::minutes(i * 10), 120)
    });
    let responses = futures::future::join_all(attempts).await;
    let mut statuses = Vec::new();
    for r in responses {
        let status = r.status().as_u16();
        if status == 409 {
            assert_problem(r, 409, "visit_overlaps").await;
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(balance(&app, &f).await["held"], 120);
    // Back to back is fine.
    let r = request(&app, &f, station_id, start + Duration::hours(3), 60).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn the_family_sees_the_record_and_a_dispute_holds_the_minutes_until_staff_decide() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 180).await;
    accept(&app, &device, &v).await;
    app.clock.set(start + Duration::hours(4));
    let r = complete(&app, &device, &v, start, 180).await;
    assert_eq!(r.status(), StatusCode::OK);

    // The family's list shows the recorded times and until when they may dispute them.
    let list: Value = app
        .get(
            &format!("/api/v1/children/{}/respite-visits", f.child),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let seen = &list["items"][0];
    assert_eq!(seen["actual_start"], v["scheduled_start"]);
    assert_eq!(seen["used_minutes"], 180);
    let until: chrono::DateTime<Utc> = seen["dispute_until"].as_str().unwrap().parse().unwrap();
    assert_eq!(until, app.clock.now_utc() + Duration::days(14));

    // The nurse came an hour late: the hour in question is held, not used.
    let r = dispute(
        &app,
        &f,
        &v,
        json!({ "reason": "看護師の到着が1時間遅れました", "started_at": tokyo(start + Duration::hours(1)), "ended_at": tokyo(start + Duration::hours(3)) }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let disputed: Value = r.json().await.unwrap();
    assert_eq!(disputed["status"], "disputed");
    assert_eq!(disputed["disputed_minutes"], 60);
    let b = balance(&app, &f).await;
    assert_eq!(
        (b["used"].as_i64(), b["held"].as_i64()),
        (Some(120), Some(60))
    );
    // The station hears of it; staff find it in their queue.
    let inbox: Value = app
        .client
        .get(app.url("/api/v1/device/notifications"))
        .bearer_auth(&device)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["items"][0]["type"], "respite.disputed");
    let queue: Value = app
        .get(
            "/api/v1/staff/respite-visits?status=disputed",
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"][0]["id"], v["id"]);
    // Disputed once only.
    let r = dispute(&app, &f, &v, json!({ "reason": "もう一度" })).await;
    assert_problem(r, 409, "visit_state_conflict").await;

    // Staff uphold the record: the hour is used again.
    let r = staff_call(
        &app,
        &f.staff,
        &v,
        "dispute-decision",
        json!({ "outcome": "upheld", "reason": "訪問記録と入退室記録を確認しました" }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let decided: Value = r.json().await.unwrap();
    assert_eq!(decided["status"], "completed");
    assert_eq!(decided["dispute_outcome"], "upheld");
    let b = balance(&app, &f).await;
    assert_eq!(
        (b["used"].as_i64(), b["held"].as_i64()),
        (Some(180), Some(0))
    );
    let r = staff_call(
        &app,
        &f.staff,
        &v,
        "dispute-decision",
        json!({ "outcome": "accepted", "reason": "再審査" }),
    )
    .await;
    assert_problem(r, 409, "visit_state_conflict").await;

    // Audited both ways.
    let actions = app
        .audit_actions(v["id"].as_str().unwrap(), &f.staff.access)
        .await;
    assert!(
        actions.iter().any(|a| a == "respite.disputed")
            && actions.iter().any(|a| a == "respite.dispute_decided"),
        "{actions:?}"
    );
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn an_accepted_dispute_gives_the_minutes_back_and_the_familys_times_become_the_record() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 120).await;
    accept(&app, &device, &v).await;
    app.clock.set(start + Duration::hours(3));
    complete(&app, &device, &v, start, 120).await;
    // The visit did not take place at all.
    let r = dispute(&app, &f, &v, json!({ "reason": "訪問はありませんでした" })).await;
    assert_eq!(r.json::<Value>().await.unwrap()["disputed_minutes"], 120);
    let r = staff_call(
        &app,
        &f.staff,
        &v,
        "dispute-decision",
        json!({ "outcome": "accepted", "reason": "事業所が誤記録を認めました" }),
    )
    .await;
    let decided: Value = r.json().await.unwrap();
    assert_eq!(decided["used_minutes"], 0);
    assert_eq!(decided["actual_start"], Value::Null);
    let b = balance(&app, &f).await;
    assert_eq!(
        (
            b["used"].as_i64(),
            b["held"].as_i64(),
            b["remaining"].as_i64()
        ),
        (Some(0), Some(0), Some(17_280))
    );
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn a_dispute_after_the_configured_days_or_claiming_as_much_as_recorded_is_refused() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 120).await;
    accept(&app, &device, &v).await;
    app.clock.set(start + Duration::hours(3));
    complete(&app, &device, &v, start, 120).await;
    let r = dispute(&app, &f, &v, json!({ "reason": "長すぎます", "started_at": tokyo(start), "ended_at": tokyo(start + Duration::hours(2)) })).await;
    assert_problem(r, 422, "invalid_field").await;
    let r = dispute(
        &app,
        &f,
        &v,
        json!({ "reason": "片方だけ", "started_at": tokyo(start) }),
    )
    .await;
    assert_problem(r, 422, "invalid_field").await;
    app.clock.advance(Duration::days(15));
    let r = dispute(&app, &f, &v, json!({ "reason": "遅れて気づきました" })).await;
    let p = assert_problem(r, 409, "dispute_window_closed").await;
    assert!(p["detail"].as_str().unwrap().contains("までです"), "{p}");
    assert_eq!(balance(&app, &f).await["used"], 120);
}

#[tokio::test]
async fn a_staff_exception_beyond_the_one_approver_limit_is_refused() {
    let app = spawn_app_with(|c| {
        c.programs.respite.grant_minutes.0 = 300;
        c.programs.respite.one_approver_limit_minutes = Some(carepass::units::Minutes(30));
        c.auth.access_token_minutes = 60 * 24 * 400;
    })
    .await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 240).await;
    accept(&app, &device, &v).await;
    app.clock.set(start + Duration::hours(7));
    let body = json!({ "started_at": tokyo(start), "ended_at": tokyo(start + Duration::hours(6)), "reason": "延長" });
    let r = staff_call(&app, &f.staff, &v, "exception", body).await;
    let p = assert_problem(r, 409, "second_approver_required").await;
    assert_eq!(p["limit"], 30);
    assert_eq!(balance(&app, &f).await["held"], 240);
}

#[tokio::test]
async fn a_station_device_revoked_by_another_instance_records_no_minutes_even_while_cached() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device_id, device) = app.partner_with_device(&admin, "nurse_station").await;
    let start = tomorrow_at_ten(&app);
    let v = requested(&app, &f, station_id, start, 120).await;
    // Accepting authenticates the device, so this instance now holds it in its cache.
    assert_eq!(accept(&app, &device, &v).await.status(), StatusCode::OK);
    // Another instance revokes it: only the database knows.
    use carepass::entity::device;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let revoked = device::Entity::update_many()
        .col_expr(device::Column::Status, Expr::value("revoked"))
        .col_expr(device::Column::RevokedAt, Expr::value(1_i64))
        .filter(device::Column::Id.eq(device_id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(revoked.rows_affected, 1);
    app.clock.set(start + Duration::days(1));
    let before = balance(&app, &f).await;
    let r = complete(&app, &device, &v, start, 120).await;
    assert_problem(r, 401, "device_revoked").await;
    let after = balance(&app, &f).await;
    assert_eq!(before, after, "minutes moved for a revoked device");
}

#[tokio::test]
async fn a_visit_may_be_asked_for_to_the_minute_and_a_time_with_an_offset_is_refused_in_words() {
    let app = app_with_cap(17_280).await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, _) = station(&app, &admin).await;
    let day = tokyo(tomorrow_at_ten(&app))[..10].to_owned();
    let ask = |starts: String, ends: String| {
        let app = &app;
        let f = &f;
        async move {
            app.post(
                &format!("/api/v1/children/{}/respite-visits", f.child),
                Some(&f.guardian.access),
                &json!({ "station_id": station_id, "starts_at": starts, "ends_at": ends }),
            )
            .await
        }
    };
    // With an offset (even Japan's own), the time is refused and nothing is held.
    let r = ask(format!("{day}T10:00:00+09:00"), format!("{day}T12:00:00")).await;
    let body = assert_problem(r, 422, "invalid_body").await;
    assert_eq!(body["field"], "starts_at");
    assert_eq!(
        body["detail"],
        format!(
            "日時は区の現地時刻（日本時間）で、時差の表記を付けずに指定してください（例: {day}T10:00）。"
        )
    );
    let r = ask(format!("{day}T01:00:00Z"), format!("{day}T03:00:00Z")).await;
    assert_problem(r, 422, "invalid_body").await;
    assert_eq!(balance(&app, &f).await["held"], 0);
    // A browser's datetime-local value, without seconds, is the same time as with them.
    let r = ask(format!("{day}T10:00"), format!("{day}T12:00")).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let visit: Value = r.json().await.unwrap();
    assert_eq!(visit["booked_minutes"], 120);
    assert_eq!(balance(&app, &f).await["held"], 120);
}
