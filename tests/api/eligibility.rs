//! Eligibility is checked, not just recorded: care-taxi tickets (⑫) are for people who go out
//! in a wheelchair or on a stretcher; taxi/fuel vouchers (⑪) need the 医療型短期入所 受給者証,
//! entered by staff at approval and checked on the day of every code and every redemption.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, jst, redeem, spawn_app_with};

async fn app() -> TestApp {
    spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 400).await
}

async fn apply(
    app: &TestApp,
    guardian: &crate::helpers::User,
    child: Uuid,
    program: &str,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/children/{child}/enrollments"),
        Some(&guardian.access),
        &json!({ "program": program }),
    )
    .await
}

#[tokio::test]
async fn a_child_without_a_wheelchair_or_stretcher_cannot_apply_for_care_taxi_tickets() {
    let app = app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let mut body = crate::helpers::child_body();
    body["care_needs"] = json!(["suction"]);
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    let child: Uuid = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let problem = assert_problem(
        apply(&app, &guardian, child, "care_taxi").await,
        409,
        "not_eligible",
    )
    .await;
    assert_eq!(problem["condition"], "care_needs");
    assert_eq!(
        problem["care_needs_any"],
        json!(["wheelchair", "stretcher"])
    );
    assert_eq!(
        problem["detail"],
        "この事業の対象は、車いす・ストレッチャーのいずれかが必要な方です。対象者の記録にはいずれも登録されていません。"
    );
    assert_eq!(app.count("enrollments").await, 0);
    // Respite has no such condition.
    assert_eq!(
        apply(&app, &guardian, child, "respite").await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn taxi_fuel_needs_a_certificate_at_approval_and_an_expired_one_stops_codes_and_redemptions()
{
    let app = app().await;
    app.clock.set(jst(2027, 3, 31, 23, 57));
    let admin = app.admin().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let application: Value = apply(&app, &guardian, child, "taxi_fuel")
        .await
        .json()
        .await
        .unwrap();
    let approve = |body: Value| {
        let path = format!(
            "/api/v1/staff/enrollments/{}/approve",
            application["id"].as_str().unwrap()
        );
        let (app, staff) = (&app, &staff);
        async move { app.post(&path, Some(&staff.access), &body).await }
    };

    // Without the certificate staff cannot approve; with it, it is on the enrollment.
    let problem = assert_problem(
        approve(json!({ "valid_from": "2027-01-01" })).await,
        422,
        "invalid_field",
    )
    .await;
    assert_eq!(problem["field"], "certificate");
    let problem = assert_problem(
        approve(json!({ "valid_from": "2027-01-01", "certificate": { "number": "13 109", "valid_until": "2027-03-31" } })).await,
        422,
        "invalid_field",
    )
    .await;
    assert_eq!(problem["field"], "certificate.number");
    let r = approve(json!({
        "valid_from": "2027-01-01",
        "certificate": { "number": "1310900123", "valid_until": "2027-03-31" },
    }))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let enrollment: Value = r.json().await.unwrap();
    assert_eq!(enrollment["certificate_number"], "1310900123");
    assert_eq!(enrollment["certificate_valid_until"], "2027-03-31");

    // A code shown on the certificate's last day cannot be redeemed after midnight.
    let issue_path = format!("/api/v1/children/{child}/vouchers");
    let issue_body = json!({ "program": "taxi_fuel" });
    let issue = || app.post(&issue_path, Some(&guardian.access), &issue_body);
    let r = issue().await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let code: Value = r.json().await.unwrap();
    app.clock.set(jst(2027, 4, 1, 0, 1));
    let body = json!({ "payload": code["payload"], "amount_yen": 2500 });
    let problem = assert_problem(
        redeem(&app, &taxi, "after-midnight", &body).await,
        409,
        "certificate_expired",
    )
    .await;
    assert_eq!(problem["valid_until"], "2027-03-31");
    assert_eq!(
        problem["detail"],
        "医療型短期入所 受給者証の有効期限（2027年3月31日）が過ぎています。更新した受給者証を担当窓口に届け出てください。"
    );
    assert_eq!(app.count("redemptions").await, 0);
    assert_eq!(app.count("ledger_entries").await, 1, "only March's grant");
    assert_problem(issue().await, 409, "certificate_expired").await;

    // A guardian cannot record a certificate; staff record the renewed one and codes work again.
    let path = format!(
        "/api/v1/staff/enrollments/{}/certificate",
        application["id"].as_str().unwrap()
    );
    let renewed = json!({ "number": "1310900123", "valid_until": "2028-03-31" });
    assert_eq!(
        app.post(&path, Some(&guardian.access), &renewed)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app.post(&path, Some(&staff.access), &renewed).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        app.audit_actions(application["id"].as_str().unwrap(), &staff.access)
            .await
            .contains(&"enrollment.certificate_recorded".to_owned())
    );
    assert_eq!(issue().await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_certificate_cannot_be_recorded_on_an_application_still_pending() {
    let app = app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "taxi_fuel").await;
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/certificate"),
            Some(&staff.access),
            &json!({ "number": "1310900123", "valid_until": "2028-03-31" }),
        )
        .await;
    assert_problem(r, 409, "enrollment_not_approved").await;
}

/// A ward whose respite, short stays and play space are for people up to 7 years old; the
/// test child (born 2019-05-12) turns 8 on 2027-05-12.
async fn app_for_up_to_seven() -> TestApp {
    spawn_app_with(|c| {
        c.auth.access_token_minutes = 60 * 24 * 400;
        c.programs.respite.eligibility.max_age = Some(7);
        c.programs.short_stay.eligibility.max_age = Some(7);
        c.programs.play_space.eligibility.max_age = Some(7);
    })
    .await
}

#[tokio::test]
async fn a_respite_visit_is_refused_once_the_person_is_past_the_programs_age_on_its_day() {
    let app = app_for_up_to_seven().await;
    app.clock.set(jst(2027, 5, 1, 10, 0));
    let f = crate::helpers::family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station, _) = crate::respite::station(&app, &admin).await;
    crate::respite::requested(&app, &f, station, jst(2027, 5, 11, 10, 0), 60).await;
    let r = crate::respite::request(&app, &f, station, jst(2027, 5, 12, 10, 0), 60).await;
    let p = assert_problem(r, 409, "not_eligible").await;
    assert_eq!(p["condition"], "age");
    assert_eq!(
        app.count("respite_visits").await,
        1,
        "the refused visit holds nothing"
    );
}

#[tokio::test]
async fn a_short_stay_and_a_play_space_booking_check_the_conditions_on_the_day() {
    let app = app_for_up_to_seven().await;
    app.clock.set(jst(2027, 5, 1, 10, 0));
    let f = crate::helpers::family(&app, &["short_stay", "play_space"]).await;
    let from = chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
    crate::short_stays::submitted(&app, &f, from, 3).await;
    let staff = &f.staff;
    let session = crate::play_space::session(&app, staff, 24 * 30, 10, 10, None).await;

    app.clock.set(jst(2027, 5, 12, 10, 0));
    let r = crate::short_stays::request(&app, &f, from + chrono::Duration::days(10), 3).await;
    assert_eq!(
        assert_problem(r, 409, "not_eligible").await["condition"],
        "age"
    );
    let r = crate::play_space::book(&app, &f.guardian, &session, &[f.child], 1).await;
    assert_eq!(
        assert_problem(r, 409, "not_eligible").await["condition"],
        "age"
    );
    assert_eq!(app.count("short_stays").await, 1);
    assert_eq!(app.count("play_bookings").await, 0);
}
