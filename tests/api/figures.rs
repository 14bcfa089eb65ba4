//! A voucher program's yearly figures (実績): recipients, uses and yen covered by month through
//! the fiscal year, named 令和N年度 for the ward's reports; a cancelled redemption is not a use.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Family, TestApp, assert_problem, family, issue, jst, parse_csv, redeem, spawn_app_with,
};

async fn ride(app: &TestApp, f: &Family, taxi: &str, yen: i64, key: &str) -> Value {
    let code = issue(app, f, "taxi_fuel").await;
    let r = redeem(
        app,
        taxi,
        key,
        &json!({ "payload": code["payload"], "amount_yen": yen }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_years_figures_count_people_uses_and_yen_by_month_without_cancelled_rides() {
    let app = spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 400).await;
    app.clock.set(jst(2026, 11, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let a = family(&app, &["taxi_fuel"]).await;
    let b = family(&app, &["taxi_fuel"]).await;
    ride(&app, &a, &taxi, 2_500, "a-nov").await;
    ride(&app, &b, &taxi, 3_000, "b-nov").await;
    app.clock.set(jst(2026, 12, 5, 10, 0));
    ride(&app, &a, &taxi, 1_000, "a-dec").await;
    let cancelled = ride(&app, &b, &taxi, 500, "b-dec").await;
    let r = app
        .post_empty(
            &format!(
                "/api/v1/device/redemptions/{}/cancel",
                cancelled["redemption_id"].as_str().unwrap()
            ),
            Some(&taxi),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let path = "/api/v1/staff/voucher-figures?program=taxi_fuel&fiscal_year=FY2026";
    let r = app.get(path, Some(&a.staff.access)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let y: Value = r.json().await.unwrap();
    assert_eq!(y["fiscal_year_ja"], "令和8年度（2026年度）");
    let months = y["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0]["month"], "2026-04");
    assert_eq!(months[7]["month"], "2026-11");
    assert_eq!(
        (
            &months[7]["recipients"],
            &months[7]["uses"],
            &months[7]["covered_yen"]
        ),
        (&json!(2), &json!(2), &json!(5_500))
    );
    assert_eq!(
        (
            &months[8]["recipients"],
            &months[8]["uses"],
            &months[8]["covered_yen"]
        ),
        (&json!(1), &json!(1), &json!(1_000))
    );
    assert_eq!(months[0]["uses"], 0);
    // The year counts each person once.
    assert_eq!(
        (
            &y["total"]["recipients"],
            &y["total"]["uses"],
            &y["total"]["covered_yen"]
        ),
        (&json!(2), &json!(3), &json!(6_500))
    );

    let csv = app
        .get(&format!("{path}&format=csv"), Some(&a.staff.access))
        .await
        .text()
        .await
        .unwrap();
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 14, "a header, 12 months and the year");
    assert_eq!(rows[8][1], "令和8年度（2026年度）");
    assert_eq!(rows[8][2], "2026年11月");
    assert_eq!(rows[8][6], "5500");
    assert_eq!(rows[13][2], "年度計");
    assert_eq!(rows[13][3], "2");
}

#[tokio::test]
async fn figures_are_for_staff_and_for_voucher_programs_only() {
    let app = spawn_app_with(|_| {}).await;
    let f = family(&app, &["taxi_fuel"]).await;
    let path = "/api/v1/staff/voucher-figures?program=care_taxi";
    assert_eq!(
        app.get(path, Some(&f.guardian.access)).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .get(
            "/api/v1/staff/voucher-figures?program=respite",
            Some(&f.staff.access),
        )
        .await;
    let problem = assert_problem(r, 400, "invalid_query").await;
    assert_eq!(problem["field"], "program");
    let r = app
        .get(
            "/api/v1/staff/voucher-figures?program=care_taxi&fiscal_year=2026",
            Some(&f.staff.access),
        )
        .await;
    assert_problem(r, 400, "invalid_query").await;
}

#[tokio::test]
async fn every_program_has_figures_in_one_shape_and_a_program_the_ward_lacks_is_named_as_such() {
    let app = spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 400).await;
    app.clock.set(jst(2026, 11, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let a = family(&app, &["taxi_fuel", "care_taxi"]).await;
    ride(&app, &a, &taxi, 2_500, "a-nov").await;
    let ticket = issue(&app, &a, "care_taxi").await;
    let body = json!({ "payload": ticket["payload"], "fees": { "reservation_fee_yen": 500, "pickup_fee_yen": 700, "basic_assistance_fee_yen": 800 } });
    assert_eq!(
        redeem(&app, &care, "care-nov", &body).await.status(),
        StatusCode::CREATED
    );
    let staff = &a.staff.access;

    let yen = crate::helpers::program_figures(&app, staff, "taxi_fuel", "FY2026").await;
    assert_eq!(
        (yen["unit"].as_str(), yen["kind"].as_str()),
        (Some("yen"), Some("yen_allowance"))
    );
    assert_eq!(yen["name_ja"], "福祉タクシー・自動車燃料費助成");
    assert_eq!(crate::helpers::tally_of(&yen, "2026-11"), (1, 1, 2_500));
    let tickets = crate::helpers::program_figures(&app, staff, "care_taxi", "FY2026").await;
    assert_eq!(tickets["unit"], "ticket");
    assert_eq!(crate::helpers::tally_of(&tickets, "2026-11"), (1, 1, 1));
    assert_eq!(tickets["months"].as_array().unwrap().len(), 12);

    let csv = app
        .get(
            "/api/v1/staff/program-figures?program=care_taxi&fiscal_year=FY2026&format=csv",
            Some(staff),
        )
        .await
        .text()
        .await
        .unwrap();
    let rows = parse_csv(&csv);
    assert_eq!(
        rows[0],
        [
            "事業",
            "年度",
            "月",
            "利用者数（実人数）",
            "利用件数",
            "利用枚数"
        ]
    );
    assert_eq!(
        rows.last().unwrap(),
        &[
            "介護タクシー利用補助券",
            "令和8年度（2026年度）",
            "年度計",
            "1",
            "1",
            "1"
        ]
    );

    let r = app
        .get(
            "/api/v1/staff/program-figures?program=pharmacy",
            Some(staff),
        )
        .await;
    let p = assert_problem(r, 400, "invalid_query").await;
    // The ward's programs: by name in the sentence, by id in their own member.
    assert_eq!(
        p["allowed"],
        json!([
            "taxi_fuel",
            "care_taxi",
            "respite",
            "play_space",
            "short_stay"
        ])
    );
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("福祉タクシー・自動車燃料費助成"),
        "{p}"
    );
    let r = app
        .get(
            "/api/v1/staff/program-figures?program=respite&fiscal_year=2026",
            Some(staff),
        )
        .await;
    assert_problem(r, 400, "invalid_query").await;
    let r = app
        .get(
            "/api/v1/staff/program-figures?program=respite",
            Some(&a.guardian.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
