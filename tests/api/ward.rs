//! The ward is configuration: its name, office and each program's terms in force today come
//! from the configuration file, so the app never hard-codes one ward's numbers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{NowUtc, assert_problem, family, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_default_ward_is_shinagawa_with_its_programs_and_their_conditions() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/ward", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let ward: Value = r.json().await.unwrap();
    assert_eq!(ward["name_ja"], "品川区");
    assert_eq!(ward["fiscal_year_start_month"], 4);
    let program = |id: &str| {
        ward["programs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["program"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(program("taxi_fuel")["grant"], 20_000);
    assert_eq!(program("taxi_fuel")["unit"], "yen");
    assert_eq!(
        program("taxi_fuel")["certificate_ja"],
        "医療型短期入所 受給者証"
    );
    assert_eq!(program("care_taxi")["grant"], 4);
    assert_eq!(
        program("care_taxi")["care_needs_any"],
        serde_json::json!(["wheelchair", "stretcher"])
    );
    assert_eq!(program("respite")["grant"], 17_280);
    assert_eq!(program("respite")["period"], "fiscal_year");
    assert_eq!(program("play_space")["grant"], Value::Null);
}

#[tokio::test]
async fn another_wards_configuration_changes_its_name_year_and_numbers() {
    let parsed = carepass::config::Config::parse(
        r#"
        [ward]
        name_ja = "みどり市"
        name_en = "Midori City"
        office_ja = "福祉課"
        office_en = "Welfare Section"
        phone = "0120-000-000"
        [calendar]
        fiscal_year_start_month = 1
        [enrollments]
        renewal_opens_on = "11-01"
        [programs.taxi_fuel]
        grant_yen = 15000
        [programs.taxi_fuel.eligibility]
        max_age = 17
        [programs.respite]
        grant_minutes = 12000
        name_ja = "レスパイト事業"
        name_en = "Respite"
        [programs.care_taxi]
        offered = false
        "#,
    )
    .unwrap();
    parsed.validate().unwrap();
    let app = spawn_app_with(move |c| {
        c.ward = parsed.ward;
        c.calendar = parsed.calendar;
        c.enrollments = parsed.enrollments;
        c.programs = parsed.programs;
    })
    .await;
    let ward: Value = app.get("/api/v1/ward", None).await.json().await.unwrap();
    assert_eq!(ward["name_en"], "Midori City");
    assert_eq!(ward["phone"], "0120-000-000");
    assert_eq!(ward["fiscal_year_start_month"], 1);
    assert!(
        ward["renewals_open_on"]
            .as_str()
            .unwrap()
            .ends_with("-11-01")
    );
    let taxi = &ward["programs"][0];
    assert_eq!(taxi["program"], "taxi_fuel");
    assert_eq!(taxi["grant"], 15_000);
    assert_eq!(taxi["certificate_ja"], Value::Null);
    assert_eq!(taxi["max_age"], 17);
    assert_eq!(ward["programs"][2]["grant"], 12_000);
    assert_eq!(ward["programs"][2]["name_ja"], "レスパイト事業");
    assert_eq!(ward["programs"][1]["offered"], false);

    // A program the ward does not run cannot be applied for.
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let r = app
        .post(
            &format!("/api/v1/children/{child}/enrollments"),
            Some(&guardian.access),
            &serde_json::json!({ "program": "care_taxi" }),
        )
        .await;
    crate::helpers::assert_problem(r, 409, "program_not_offered").await;
    assert_eq!(app.count("enrollments").await, 0);
}

#[test]
fn an_unknown_ward_key_or_a_bad_phone_number_stops_the_service() {
    use carepass::config::Config;
    assert!(Config::parse("[ward]\nmayor = \"x\"\n").is_err());
    let c = Config::parse("[ward]\nphone = \"call us\"\n").unwrap();
    assert!(c.validate().is_err());
}

#[tokio::test]
async fn another_wards_visit_length_booking_horizon_and_stay_length_are_its_own() {
    let parsed = carepass::config::Config::parse(
        r#"
        [programs.respite]
        max_visit_minutes = 180
        booking_horizon_days = 30
        [programs.short_stay]
        max_stay_days = 14
        "#,
    )
    .unwrap();
    let app = spawn_app_with(move |c| c.programs = parsed.programs).await;
    let admin = app.admin().await;
    let f = crate::helpers::family(&app, &["respite", "short_stay"]).await;
    let (station, _) = crate::respite::station(&app, &admin).await;
    let now = app.clock.now_utc();
    let soon = now + chrono::Duration::days(3);

    // Three hours is the longest visit here, and a month the furthest ahead.
    assert_eq!(
        crate::respite::request(&app, &f, station, soon, 180)
            .await
            .status(),
        StatusCode::CREATED
    );
    let too_long =
        crate::respite::request(&app, &f, station, soon + chrono::Duration::days(1), 181).await;
    let p = crate::helpers::assert_problem(too_long, 422, "invalid_field").await;
    assert_eq!(p["field"], "ends_at");
    assert!(p["detail"].as_str().unwrap().contains("3時間以内"), "{p}");
    let far =
        crate::respite::request(&app, &f, station, now + chrono::Duration::days(31), 60).await;
    let p = crate::helpers::assert_problem(far, 422, "invalid_field").await;
    assert!(p["detail"].as_str().unwrap().contains("30日先まで"), "{p}");

    // A stay of fourteen days is the longest.
    let from = crate::short_stays::today(&app) + chrono::Duration::days(7);
    assert_eq!(
        crate::short_stays::request(&app, &f, from, 14)
            .await
            .status(),
        StatusCode::CREATED
    );
    let p = crate::helpers::assert_problem(
        crate::short_stays::request(&app, &f, from + chrono::Duration::days(30), 15).await,
        422,
        "invalid_field",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("14日以内"), "{p}");
}

#[tokio::test]
async fn a_program_the_ward_does_not_have_is_refused_in_words_wherever_one_is_named() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let child = f.child;
    let r = app
        .post(
            &format!("/api/v1/children/{child}/enrollments"),
            Some(&f.guardian.access),
            &json!({ "program": "pharmacy" }),
        )
        .await;
    assert_problem(r, 409, "program_not_offered").await;
    let r = app
        .post(
            &format!("/api/v1/children/{child}/vouchers"),
            Some(&f.guardian.access),
            &json!({ "program": "pharmacy" }),
        )
        .await;
    assert_problem(r, 409, "program_not_offered").await;
    let r = app
        .get(
            &format!("/api/v1/children/{child}/allowances/pharmacy/history"),
            Some(&f.guardian.access),
        )
        .await;
    let status = r.status().as_u16();
    let p: Value = r.json().await.unwrap();
    assert!(matches!(status, 404 | 409 | 422), "{status} {p}");
    let r = app
        .post(
            &format!("/api/v1/staff/children/{child}/allowances/pharmacy/adjustments"),
            Some(&f.staff.access),
            &json!({ "amount": 100, "reason": "存在しない事業" }),
        )
        .await;
    let status = r.status().as_u16();
    let p: Value = r.json().await.unwrap();
    assert!(matches!(status, 404 | 409 | 422), "{status} {p}");
    let r = app
        .get(
            "/api/v1/staff/voucher-figures?program=pharmacy",
            Some(&f.staff.access),
        )
        .await;
    let status = r.status().as_u16();
    let p: Value = r.json().await.unwrap();
    assert_eq!(status, 400, "{p}");
    assert_eq!(
        p["allowed"],
        json!(["taxi_fuel", "care_taxi"]),
        "the ward's own programs are listed: {p}"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("福祉タクシー"),
        "and named in words: {p}"
    );
    // A malformed id is not a program at all.
    let r = app
        .post(
            &format!("/api/v1/children/{child}/vouchers"),
            Some(&f.guardian.access),
            &json!({ "program": "Taxi-Fuel" }),
        )
        .await;
    assert_problem(r, 422, "invalid_body").await;
    assert_eq!(app.count("vouchers").await, 0);
}
