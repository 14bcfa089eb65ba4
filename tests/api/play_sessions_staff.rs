//! Staff run a play session: the door list with the children's names, changing a session
//! (families told of new times, capacities never below what is booked, the waiting list moved
//! up) and calling it off (every booking cancelled, places released, families told why).

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, assert_problem, spawn_app_with};
use crate::play_space::{booked, session};
use crate::respite::tokyo;

async fn app() -> TestApp {
    spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 400).await
}

/// A guardian with one child enrolled in the play space.
async fn parent(app: &TestApp, staff: &User) -> (User, uuid::Uuid) {
    app.play_space_parent(staff).await
}

async fn door_as(app: &TestApp, who: &User, s: &Value) -> reqwest::Response {
    let id = s["id"].as_str().unwrap();
    app.get(
        &format!("/api/v1/staff/play-sessions/{id}/bookings"),
        Some(&who.access),
    )
    .await
}

async fn door(app: &TestApp, staff: &User, s: &Value) -> Value {
    let r = door_as(app, staff, s).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The session as it is, with new values for some members.
fn changed(s: &Value, with: Value) -> Value {
    let mut body = json!({
        "title": s["title"],
        "starts_at": tokyo(s["starts_at"].as_str().unwrap().parse().unwrap()),
        "ends_at": tokyo(s["ends_at"].as_str().unwrap().parse().unwrap()),
        "capacity_children": s["capacity_children"],
        "capacity_adults": s["capacity_adults"],
        "ventilator_places": s["ventilator_places"],
        "booking_closes_at": tokyo(s["booking_closes_at"].as_str().unwrap().parse().unwrap()),
    });
    for (k, v) in with.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn inbox(app: &TestApp, g: &User) -> Vec<Value> {
    let list: Value = app
        .get("/api/v1/notifications", Some(&g.access))
        .await
        .json()
        .await
        .unwrap();
    list["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_door_list_names_the_children_confirmed_first_then_the_waiting_list() {
    let app = app().await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 1, 10, None).await;
    let (a, a1) = parent(&app, &staff).await;
    let (b, b1) = parent(&app, &staff).await;
    booked(&app, &a, &s, &[a1], 1).await;
    let waiting = booked(&app, &b, &s, &[b1], 0).await;
    assert_eq!(waiting["status"], "waiting");
    let list = door(&app, &staff, &s).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["booking"]["status"], "confirmed");
    assert_eq!(items[0]["children"][0]["name"], "品川 さくら");
    assert_eq!(items[0]["children"][0]["name_kana"], "しながわ さくら");
    assert_eq!(items[0]["children"][0]["care_needs"][0], "ventilator");
    assert_eq!(items[1]["booking"]["status"], "waiting");
    assert_eq!(list["session"]["id"], s["id"]);
    // A family cannot read the door list.
    assert_problem(door_as(&app, &a, &s).await, 403, "forbidden_role").await;
}

#[tokio::test]
async fn moving_a_session_tells_the_families_and_more_places_confirm_the_waiting_list() {
    let app = app().await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 1, 10, None).await;
    let (a, a1) = parent(&app, &staff).await;
    let (b, b1) = parent(&app, &staff).await;
    booked(&app, &a, &s, &[a1], 1).await;
    let waiting = booked(&app, &b, &s, &[b1], 0).await;
    let path = format!("/api/v1/staff/play-sessions/{}", s["id"].as_str().unwrap());

    // Fewer places than are booked: refused, and nothing changes.
    let r = app
        .put(
            &path,
            Some(&staff.access),
            &changed(&s, json!({ "capacity_adults": 0 })),
        )
        .await;
    let p = assert_problem(r, 409, "capacity_below_bookings").await;
    assert_eq!(
        (p["booked_children"].as_i64(), p["booked_adults"].as_i64()),
        (Some(1), Some(1))
    );
    assert!(p["detail"].as_str().unwrap().contains("同伴者1人"), "{p}");
    assert!(
        inbox(&app, &a)
            .await
            .iter()
            .all(|n| n["type"] != "play_session.changed")
    );

    // An hour later and a place more: both families are told, the waiting one is confirmed.
    let start: chrono::DateTime<chrono::Utc> = s["starts_at"].as_str().unwrap().parse().unwrap();
    let later = changed(
        &s,
        json!({
            "starts_at": tokyo(start + Duration::hours(1)),
            "ends_at": tokyo(start + Duration::hours(3)),
            "capacity_children": 2,
        }),
    );
    let r = app.put(&path, Some(&staff.access), &later).await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["children_left"], 0);
    let told = inbox(&app, &a).await;
    assert_eq!(told[0]["type"], "play_session.changed");
    assert!(
        told[0]["text"]["ja"]["body"]
            .as_str()
            .unwrap()
            .contains("「親子ひろば」")
    );
    let theirs = inbox(&app, &b).await;
    assert!(
        theirs
            .iter()
            .any(|n| n["type"] == "play_booking.promoted" && n["subject_id"] == waiting["id"])
    );
    assert!(theirs.iter().any(|n| n["type"] == "play_session.changed"));
}

#[tokio::test]
async fn calling_a_session_off_cancels_every_booking_tells_each_family_why_and_takes_no_more() {
    let app = app().await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 48, 5, 10, None).await;
    let (a, a1) = parent(&app, &staff).await;
    let (b, b1) = parent(&app, &staff).await;
    let mine = booked(&app, &a, &s, &[a1], 1).await;
    let id = s["id"].as_str().unwrap();
    let path = format!("/api/v1/staff/play-sessions/{id}/cancel");

    let r = app
        .post(&path, Some(&staff.access), &json!({ "reason": " " }))
        .await;
    assert_problem(r, 422, "invalid_field").await;
    let r = app
        .post(
            &path,
            Some(&a.access),
            &json!({ "reason": "会場の設備点検のため" }),
        )
        .await;
    assert_problem(r, 403, "forbidden_role").await;

    let r = app
        .post(
            &path,
            Some(&staff.access),
            &json!({ "reason": "会場の設備点検のため" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let cancelled: Value = r.json().await.unwrap();
    assert_eq!(cancelled["cancel_reason"], "会場の設備点検のため");
    assert_eq!(cancelled["children_left"], 5);
    let told = inbox(&app, &a).await;
    assert_eq!(told[0]["type"], "play_session.cancelled");
    assert_eq!(told[0]["subject_id"], mine["id"]);
    assert!(
        told[0]["text"]["ja"]["body"]
            .as_str()
            .unwrap()
            .contains("理由：会場の設備点検のため")
    );
    let bookings: Value = app
        .get("/api/v1/play-bookings", Some(&a.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bookings["items"][0]["status"], "cancelled");
    assert!(
        door(&app, &staff, &s).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // No more bookings, no second cancellation, no change.
    let r = crate::play_space::book(&app, &b, &s, &[b1], 0).await;
    assert_problem(r, 409, "play_session_cancelled").await;
    let r = app
        .post(&path, Some(&staff.access), &json!({ "reason": "二度目" }))
        .await;
    assert_problem(r, 409, "play_session_cancelled").await;
    let r = app
        .put(
            &format!("/api/v1/staff/play-sessions/{id}"),
            Some(&staff.access),
            &changed(&s, json!({})),
        )
        .await;
    assert_problem(r, 409, "play_session_cancelled").await;
}

#[tokio::test]
async fn a_session_that_has_started_can_be_neither_changed_nor_called_off() {
    let app = app().await;
    let staff = app.staff().await;
    let s = session(&app, &staff, 2, 5, 10, None).await;
    app.clock.advance(Duration::hours(2) + Duration::minutes(1));
    let id = s["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/staff/play-sessions/{id}/cancel"),
            Some(&staff.access),
            &json!({ "reason": "雨のため" }),
        )
        .await;
    assert_problem(r, 409, "play_session_started").await;
}
