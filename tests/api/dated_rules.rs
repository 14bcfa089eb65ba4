//! Program settings that change on a date: the version in force on the date of the act applies
//! (a period's grant: its first day; a visit: its start), written in the configuration file as
//! `[[programs.NAME.changes]]` with `from = YYYY-MM-DD`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Family, TestApp, family, issue, jst, remaining, spawn_app_with};
use crate::respite::{requested, station};

/// A service whose program settings are the given TOML (as in the configuration file), with
/// sessions that outlast the days the tests move the clock by.
async fn app_with_programs(toml: &str) -> TestApp {
    let parsed = carepass::config::Config::parse(toml).expect("the test's settings parse");
    spawn_app_with(move |c| {
        c.programs = parsed.programs;
        c.auth.access_token_minutes = 60 * 24 * 400;
    })
    .await
}

/// The grant entry of one period of the child's allowance, from the family's history.
async fn granted(app: &TestApp, f: &Family, program: &str, period: &str) -> i64 {
    let r = app
        .get(
            &format!(
                "/api/v1/children/{}/allowances/{program}/history?period={period}",
                f.child
            ),
            Some(&f.guardian.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let history: Value = r.json().await.unwrap();
    history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "grant")
        .map(|e| e["amount"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn a_months_grant_is_the_amount_in_force_on_the_months_first_day() {
    let app = app_with_programs(
        r#"
        [programs.taxi_fuel]
        grant_yen = 20000
        [[programs.taxi_fuel.changes]]
        from = 2027-01-01
        grant_yen = 15000
        "#,
    )
    .await;
    app.clock.set(jst(2026, 12, 31, 23, 0));
    let f = family(&app, &["taxi_fuel"]).await;
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);
    // Showing a code opens the month's account, with its grant.
    assert_eq!(issue(&app, &f, "taxi_fuel").await["remaining"], 20_000);
    app.clock
        .set(jst(2027, 1, 1, 0, 0) + chrono::Duration::minutes(1));
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 15_000);
    assert_eq!(issue(&app, &f, "taxi_fuel").await["remaining"], 15_000);
    assert_eq!(granted(&app, &f, "taxi_fuel", "2026-12").await, 20_000);
    assert_eq!(granted(&app, &f, "taxi_fuel", "2027-01").await, 15_000);
}

#[tokio::test]
async fn a_change_in_the_middle_of_a_month_waits_for_the_next_month() {
    let app = app_with_programs(
        r#"
        [programs.care_taxi]
        grant_tickets = 4
        [[programs.care_taxi.changes]]
        from = "2026-12-15"
        grant_tickets = 6
        "#,
    )
    .await;
    app.clock.set(jst(2026, 12, 20, 9, 0));
    let f = family(&app, &["care_taxi"]).await;
    // December began under the old rule: its grant stays 4 for the whole month.
    assert_eq!(remaining(&app, &f, "care_taxi").await, 4);
    app.clock.set(jst(2027, 1, 2, 9, 0));
    assert_eq!(remaining(&app, &f, "care_taxi").await, 6);
}

#[tokio::test]
async fn a_fiscal_years_cap_and_a_visits_billing_follow_the_rule_in_force_on_their_dates() {
    // 240 hours billed in 30-minute units until FY2026; 288 hours in 15-minute units from FY2027.
    let app = app_with_programs(
        r#"
        [programs.respite]
        grant_minutes = 14400
        billing_unit_minutes = 30
        [[programs.respite.changes]]
        from = 2027-04-01
        grant_minutes = 17280
        billing_unit_minutes = 15
        "#,
    )
    .await;
    app.clock.set(jst(2027, 3, 1, 9, 0));
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station, _) = station(&app, &admin).await;
    // 70 minutes on either side of the change: 90 billed before, 75 after.
    let march = requested(&app, &f, station, jst(2027, 3, 20, 10, 0), 70).await;
    let april = requested(&app, &f, station, jst(2027, 4, 5, 10, 0), 70).await;
    assert_eq!(march["fiscal_year"], "FY2026");
    assert_eq!(march["booked_minutes"], 90);
    assert_eq!(april["fiscal_year"], "FY2027");
    assert_eq!(april["booked_minutes"], 75);
    assert_eq!(granted(&app, &f, "respite", "FY2026").await, 14_400);
    assert_eq!(granted(&app, &f, "respite", "FY2027").await, 17_280);
}

#[test]
fn a_change_that_names_an_unknown_setting_or_breaks_a_bound_stops_the_service() {
    use carepass::config::Config;
    let unknown =
        Config::parse("[[programs.respite.changes]]\nfrom = 2027-04-01\nminutes_per_year = 1\n")
            .unwrap();
    let e = unknown.validate().unwrap_err().to_string();
    assert!(
        e.contains("minutes_per_year") && e.contains("2027-04-01"),
        "{e}"
    );
    let out_of_bounds =
        Config::parse("[[programs.taxi_fuel.changes]]\nfrom = 2027-04-01\ngrant_yen = -5\n")
            .unwrap();
    let e = out_of_bounds.validate().unwrap_err().to_string();
    assert!(e.contains("grant_yen") && e.contains("2027-04-01"), "{e}");
    let twice = Config::parse(
        "[[programs.care_taxi.changes]]\nfrom = 2027-04-01\ngrant_tickets = 5\n\
         [[programs.care_taxi.changes]]\nfrom = \"2027-04-01\"\ngrant_tickets = 6\n",
    )
    .unwrap();
    assert!(twice.validate().is_err());
    assert!(Config::parse("[[programs.care_taxi.changes]]\nfrom = \"April\"\n").is_err());
}

#[tokio::test]
async fn a_program_that_ends_on_a_date_refuses_codes_from_that_day() {
    let app = app_with_programs(
        r#"
        [[programs.care_taxi.changes]]
        from = 2027-04-01
        offered = false
        "#,
    )
    .await;
    app.clock.set(jst(2027, 3, 31, 20, 0));
    let f = family(&app, &["care_taxi"]).await;
    assert_eq!(issue(&app, &f, "care_taxi").await["remaining"], 4);
    app.clock.set(jst(2027, 4, 1, 9, 0));
    let r = app
        .post(
            &format!("/api/v1/children/{}/vouchers", f.child),
            Some(&f.guardian.access),
            &serde_json::json!({ "program": "care_taxi" }),
        )
        .await;
    crate::helpers::assert_problem(r, 409, "program_not_offered").await;
}
