//! Renewals (更新申請): from 1 February a family whose approval is still valid applies for the
//! next fiscal year; staff see renewals apart from first applications and approve them from the
//! year's first day; a visit in April can then be booked in March.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, assert_problem, jst, spawn_app_with};
use crate::respite::{request, station};

/// A service with sessions that outlast the months the tests move the clock by.
async fn app() -> TestApp {
    spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 400).await
}

async fn apply(app: &TestApp, guardian: &User, child: uuid::Uuid) -> reqwest::Response {
    app.post(
        &format!("/api/v1/children/{child}/enrollments"),
        Some(&guardian.access),
        &json!({ "program": "respite" }),
    )
    .await
}

async fn approve(app: &TestApp, staff: &User, id: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/staff/enrollments/{id}/approve"),
        Some(&staff.access),
        &body,
    )
    .await
}

async fn queue_ids(app: &TestApp, staff: &User, query: &str) -> Vec<String> {
    let list: Value = app
        .get(
            &format!("/api/v1/staff/enrollments?{query}"),
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_family_renews_from_february_and_can_book_april_once_staff_approve_the_renewal() {
    let app = app().await;
    app.clock.set(jst(2027, 1, 20, 10, 0));
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let first: Value = apply(&app, &guardian, child).await.json().await.unwrap();
    let r = approve(
        &app,
        &staff,
        first["id"].as_str().unwrap(),
        json!({ "valid_from": "2026-04-01", "valid_until": "2027-03-31" }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // January: this year's approval is valid and renewals are not open yet; the family is told when.
    let body = assert_problem(apply(&app, &guardian, child).await, 409, "renewal_not_open").await;
    assert_eq!(body["opens_on"], "2027-02-01");
    assert_eq!(body["fiscal_year"], "FY2027");
    assert_eq!(
        body["detail"],
        "現在の承認はまだ有効です。令和9年度（2027年度）の更新申請は2027年2月1日から受け付けます。"
    );

    // February: an April visit is not yet possible, the renewal is.
    app.clock.set(jst(2027, 2, 1, 9, 0));
    let admin = app.admin().await;
    let (station, _) = station(&app, &admin).await;
    let family = crate::helpers::Family {
        staff: staff.clone(),
        guardian: guardian.clone(),
        child,
    };
    let april = jst(2027, 4, 5, 10, 0);
    assert_problem(
        request(&app, &family, station, april, 120).await,
        409,
        "not_enrolled",
    )
    .await;
    let r = apply(&app, &guardian, child).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let renewal: Value = r.json().await.unwrap();
    assert_eq!(renewal["status"], "pending");
    assert_eq!(renewal["renewal_from"], "2027-04-01");
    let id = renewal["id"].as_str().unwrap();

    // Staff see it among renewals, not among first applications.
    assert_eq!(
        queue_ids(&app, &staff, "renewal=true").await,
        vec![id.to_owned()]
    );
    assert!(
        !queue_ids(&app, &staff, "renewal=false")
            .await
            .contains(&id.to_owned())
    );

    // Its validity cannot start inside the running year.
    let body = assert_problem(
        approve(&app, &staff, id, json!({ "valid_from": "2027-03-01" })).await,
        422,
        "invalid_field",
    )
    .await;
    assert_eq!(body["field"], "valid_from");
    let r = approve(
        &app,
        &staff,
        id,
        json!({ "valid_from": "2027-04-01", "valid_until": "2028-03-31" }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Now April can be booked in February, and there is nothing left to renew.
    let r = request(&app, &family, station, april, 120).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let visit: Value = r.json().await.unwrap();
    assert_eq!(visit["fiscal_year"], "FY2027");
    assert_problem(
        apply(&app, &guardian, child).await,
        409,
        "enrollment_already_open",
    )
    .await;
}

#[tokio::test]
async fn an_open_ended_approval_needs_no_renewal_and_a_lapsed_one_is_a_first_application() {
    let app = app().await;
    app.clock.set(jst(2027, 2, 10, 10, 0));
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    app.enroll(&staff, &guardian, child, "respite").await;
    assert_problem(
        apply(&app, &guardian, child).await,
        409,
        "enrollment_already_open",
    )
    .await;

    let other = app.child(&guardian).await;
    let first: Value = apply(&app, &guardian, other).await.json().await.unwrap();
    approve(
        &app,
        &staff,
        first["id"].as_str().unwrap(),
        json!({ "valid_from": "2025-04-01", "valid_until": "2026-03-31" }),
    )
    .await;
    let again: Value = apply(&app, &guardian, other).await.json().await.unwrap();
    assert_eq!(again["status"], "pending");
    assert_eq!(again["renewal_from"], Value::Null);
}
