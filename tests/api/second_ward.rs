//! A second ward by configuration alone: the service run under `config/examples/midori-city.toml`
//! (fiscal year from January, other amounts, carry-over with a cap, 15-minute respite units, no
//! short stays) grants, redeems, holds, carries over and reports by that ward's rules.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, family, issue, jst, redeem, remaining, spawn_app_with,
};
use crate::respite::{requested, station};

/// The service with Midori City's ward, calendar, renewal day and programs; the test's own
/// database and server settings.
async fn midori() -> TestApp {
    let example = include_str!("../../config/examples/midori-city.toml");
    let ward = carepass::config::Config::parse(example).expect("the example parses");
    ward.validate()
        .expect("the example is a valid configuration");
    spawn_app_with(move |c| {
        c.ward = ward.ward;
        c.calendar = ward.calendar;
        c.enrollments = ward.enrollments;
        c.programs = ward.programs;
        c.auth.access_token_minutes = 60 * 24 * 400;
    })
    .await
}

#[tokio::test]
async fn grants_and_a_care_taxi_ride_follow_midori_citys_amounts() {
    let app = midori().await;
    app.clock.set(jst(2027, 6, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let f = family(&app, &["taxi_fuel", "care_taxi", "respite"]).await;
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 15_000);
    assert_eq!(remaining(&app, &f, "care_taxi").await, 6);
    assert_eq!(remaining(&app, &f, "respite").await, 12_000);

    let v = issue(&app, &f, "care_taxi").await;
    assert_eq!(v["max_covered_yen"], 3_000);
    let body = json!({ "payload": v["payload"], "fees": { "reservation_fee_yen": 1000, "pickup_fee_yen": 1500, "basic_assistance_fee_yen": 2000 } });
    let receipt: Value = redeem(&app, &care, "ride", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(receipt["covered_yen"], 3_000);
    assert_eq!(receipt["family_pays_yen"], 1_500);
    assert_eq!(receipt["remaining"], 5);
}

#[tokio::test]
async fn a_respite_request_holds_minutes_in_fifteen_minute_units_of_a_calendar_year() {
    let app = midori().await;
    app.clock.set(jst(2027, 12, 1, 10, 0));
    let admin = app.admin().await;
    let (station, _) = station(&app, &admin).await;
    let f = family(&app, &["respite"]).await;
    // 70 minutes hold 75; a visit in January belongs to the next fiscal year (from January).
    let december = requested(&app, &f, station, jst(2027, 12, 20, 10, 0), 70).await;
    assert_eq!(december["booked_minutes"], 75);
    assert_eq!(december["fiscal_year"], "FY2027");
    assert_eq!(remaining(&app, &f, "respite").await, 12_000 - 75);
    let january = requested(&app, &f, station, jst(2028, 1, 10, 10, 0), 70).await;
    assert_eq!(january["fiscal_year"], "FY2028");
    assert_eq!(
        remaining(&app, &f, "respite").await,
        12_000 - 75,
        "this year's hours only"
    );
}

#[tokio::test]
async fn unused_yen_carries_over_up_to_the_cap_but_not_into_january() {
    let app = midori().await;
    app.clock.set(jst(2027, 11, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let f = family(&app, &["taxi_fuel"]).await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let r = redeem(
        &app,
        &taxi,
        "nov",
        &json!({ "payload": v["payload"], "amount_yen": 2_000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.clock.set(jst(2027, 12, 2, 10, 0));
    // 13,000 left in November, all of it under the cap.
    assert_eq!(issue(&app, &f, "taxi_fuel").await["remaining"], 28_000);
    app.clock.set(jst(2028, 1, 3, 10, 0));
    assert_eq!(issue(&app, &f, "taxi_fuel").await["remaining"], 15_000);
}

#[tokio::test]
async fn reports_run_from_january_and_short_stays_are_not_offered() {
    let app = midori().await;
    app.clock.set(jst(2027, 3, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let f = family(&app, &["taxi_fuel"]).await;
    let v = issue(&app, &f, "taxi_fuel").await;
    redeem(
        &app,
        &taxi,
        "mar",
        &json!({ "payload": v["payload"], "amount_yen": 4_000 }),
    )
    .await;
    let y: Value = app
        .get(
            "/api/v1/staff/voucher-figures?program=taxi_fuel",
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(y["fiscal_year"], "FY2027");
    assert_eq!(y["fiscal_year_ja"], "令和9年度（2027年度）");
    assert_eq!(y["months"][0]["month"], "2027-01");
    assert_eq!(y["months"][2]["covered_yen"], 4_000);
    assert_eq!(y["months"][11]["month"], "2027-12");
    let csv = app
        .get(
            "/api/v1/staff/voucher-figures?program=taxi_fuel&format=csv",
            Some(&f.staff.access),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("外出支援タクシー・燃料費助成"));

    let ward: Value = app.get("/api/v1/ward", None).await.json().await.unwrap();
    assert_eq!(ward["name_ja"], "みどり市");
    let r = app
        .post(
            &format!("/api/v1/children/{}/enrollments", f.child),
            Some(&f.guardian.access),
            &json!({ "program": "short_stay" }),
        )
        .await;
    assert_problem(r, 409, "program_not_offered").await;
}

#[tokio::test]
async fn a_program_of_midori_citys_own_is_granted_and_redeemed_only_at_pharmacies() {
    let app = midori().await;
    app.clock.set(jst(2027, 6, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, pharmacy) = app.partner_with_device(&admin, "pharmacy").await;
    let (_, _, gas) = app.partner_with_device(&admin, "gas_station").await;
    let f = family(&app, &["taxi_fuel", "pharmacy"]).await;
    assert_eq!(remaining(&app, &f, "pharmacy").await, 36_000);

    let v = issue(&app, &f, "pharmacy").await;
    assert_eq!(v["max_covered_yen"], 36_000);
    let at_the_gas_station = redeem(
        &app,
        &gas,
        "gas",
        &json!({ "payload": v["payload"], "amount_yen": 1_200 }),
    )
    .await;
    let p = assert_problem(at_the_gas_station, 403, "partner_kind_mismatch").await;
    assert_eq!(p["program"], "pharmacy");
    let receipt: Value = redeem(
        &app,
        &pharmacy,
        "supplies",
        &json!({ "payload": v["payload"], "amount_yen": 1_200 }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(receipt["covered_yen"], 1_200);
    assert_eq!(receipt["purpose"], "pharmacy");
    assert_eq!(remaining(&app, &f, "pharmacy").await, 34_800);

    // A pharmacy does not redeem the taxi/fuel allowance, whose balance is its own.
    let taxi_code = issue(&app, &f, "taxi_fuel").await;
    let r = redeem(
        &app,
        &pharmacy,
        "not-a-taxi",
        &json!({ "payload": taxi_code["payload"], "amount_yen": 500 }),
    )
    .await;
    assert_problem(r, 403, "partner_kind_mismatch").await;
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 15_000);

    let ward: Value = app.get("/api/v1/ward", None).await.json().await.unwrap();
    let listed = ward["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["program"] == "pharmacy")
        .expect("the ward lists its own program")
        .clone();
    assert_eq!(listed["kind"], "yen_allowance");
    assert_eq!(listed["name_ja"], "医療的ケア用品 薬局助成");
    assert_eq!(listed["grant"], 36_000);
    assert_eq!(listed["period"], "fiscal_year");
    assert_eq!(listed["redeemed_by"], json!(["pharmacy"]));
}

#[tokio::test]
async fn midori_city_lets_ordinary_taxi_companies_take_care_taxi_tickets_and_its_pharmacy_yen_last_a_fiscal_year()
 {
    let app = midori().await;
    app.clock.set(jst(2027, 6, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let (_, _, pharmacy) = app.partner_with_device(&admin, "pharmacy").await;
    let f = family(&app, &["care_taxi", "pharmacy"]).await;
    let v = issue(&app, &f, "care_taxi").await;
    let body = json!({ "payload": v["payload"], "fees": { "reservation_fee_yen": 0, "pickup_fee_yen": 800, "basic_assistance_fee_yen": 1000 } });
    let r = redeem(&app, &taxi, "taxi-ride", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["purpose"], "taxi_fare");
    assert_eq!(receipt["remaining"], 5);

    let v = issue(&app, &f, "pharmacy").await;
    redeem(
        &app,
        &pharmacy,
        "june",
        &json!({ "payload": v["payload"], "amount_yen": 1_000 }),
    )
    .await;
    // A yearly grant: nothing lapses with the month...
    app.clock.set(jst(2027, 7, 1, 9, 0));
    app.lapse_ended().await;
    assert_eq!(remaining(&app, &f, "pharmacy").await, 35_000);
    // ...and what is left lapses with Midori City's fiscal year (from January).
    app.clock.set(jst(2028, 1, 4, 9, 0));
    assert_eq!(app.lapse_ended().await, 1, "last year's 35,000 yen lapsed");
    assert_eq!(remaining(&app, &f, "pharmacy").await, 36_000);
}
