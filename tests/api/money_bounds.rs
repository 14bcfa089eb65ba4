//! Every movement is bounded by a rule in the configuration: the care-taxi ceiling (on by
//! default) and fee maximum, the taxi/fuel maximum per redemption, checked arithmetic at the
//! extremes, and request bodies that say one thing only (no repeated keys).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::authorization::{self, Caller};
use crate::helpers::{
    TestApp, assert_problem, family, issue, ledger_mismatches, redeem, remaining, spawn_app,
};

/// Posts a raw body, exactly as written (serde_json would collapse repeated keys).
async fn post_raw(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: String,
) -> reqwest::Response {
    let mut r = app
        .client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("idempotency-key", Uuid::new_v4().to_string())
        .body(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn a_care_taxi_ticket_is_capped_by_the_default_ceiling_and_its_three_fees_are_itemised() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["care_taxi"]).await;
    let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let v = issue(&app, &f, "care_taxi").await;
    assert_eq!(v["max_covered_yen"], 5_000, "the ceiling is on by default");

    // 100,000 yen per fee (the finding: 300,000 covered on one ticket) is refused outright.
    let fees = json!({ "reservation_fee_yen": 100_000, "pickup_fee_yen": 100_000, "basic_assistance_fee_yen": 100_000 });
    let r = redeem(
        &app,
        &care,
        "k1",
        &json!({ "payload": v["payload"], "fees": fees }),
    )
    .await;
    let body = assert_problem(r, 422, "fee_over_limit").await;
    assert_eq!(body["field"], "fees.reservation_fee_yen");
    assert_eq!(body["max_yen"], 10_000);
    assert_eq!(app.count("redemptions").await, 0);

    let fees = json!({ "reservation_fee_yen": 1_000, "pickup_fee_yen": 2_500, "basic_assistance_fee_yen": 4_000 });
    let r = redeem(
        &app,
        &care,
        "k2",
        &json!({ "payload": v["payload"], "fees": fees }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["requested_yen"], 7_500);
    assert_eq!(receipt["covered_yen"], 5_000);
    assert_eq!(receipt["family_pays_yen"], 2_500);
    assert_eq!(receipt["fees"], fees);
    assert_eq!(remaining(&app, &f, "care_taxi").await, 3);
}

#[tokio::test]
async fn a_fare_above_the_configured_maximum_is_refused_not_silently_capped() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    // A typo of 200,000 for 2,000.
    let r = redeem(
        &app,
        &taxi,
        "k1",
        &json!({ "payload": v["payload"], "amount_yen": 200_000 }),
    )
    .await;
    let body = assert_problem(r, 422, "amount_over_limit").await;
    assert_eq!(body["max_yen"], 50_000);
    assert!(
        body["detail"].as_str().unwrap().contains("50,000円"),
        "{body}"
    );
    assert_eq!(app.count("redemptions").await, 0);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);
    // The same code then redeems the right amount.
    let r = redeem(
        &app,
        &taxi,
        "k2",
        &json!({ "payload": v["payload"], "amount_yen": 2_000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 18_000);
}

#[tokio::test]
async fn a_repeated_key_in_a_redemption_is_refused_and_charges_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel", "care_taxi"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let p = v["payload"].as_str().unwrap();
    let body = format!(r#"{{"payload": "{p}", "amount_yen": 100, "amount_yen": 200}}"#);
    let r = post_raw(&app, "/api/v1/device/vouchers/redeem", Some(&taxi), body).await;
    let problem = assert_problem(r, 422, "duplicate_json_key").await;
    assert_eq!(problem["field"], "amount_yen");
    // A repeat inside a nested object names its path.
    let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let c = issue(&app, &f, "care_taxi").await;
    let body = format!(
        r#"{{"payload": "{}", "fees": {{"reservation_fee_yen": 1, "pickup_fee_yen": 1, "basic_assistance_fee_yen": 1, "pickup_fee_yen": 9000}}}}"#,
        c["payload"].as_str().unwrap()
    );
    let r = post_raw(&app, "/api/v1/device/vouchers/redeem", Some(&care), body).await;
    let problem = assert_problem(r, 422, "duplicate_json_key").await;
    assert_eq!(problem["field"], "fees.pickup_fee_yen");
    assert_eq!(app.count("redemptions").await, 0);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);
    // Malformed JSON stays a 400 of its own.
    let r = post_raw(
        &app,
        "/api/v1/device/vouchers/redeem",
        Some(&taxi),
        "{\"payload\": ".into(),
    )
    .await;
    assert_problem(r, 400, "invalid_json").await;
}

/// `{"a": 1, "b": 2}` → `{"a": 1, "b": 2, "a": 1}`: the same key twice, even with one value.
fn with_first_key_repeated(body: &Value) -> Option<String> {
    let object = body.as_object()?;
    let (key, value) = object.iter().next()?;
    let text = body.to_string();
    let inner = &text[1..text.len() - 1];
    Some(format!("{{{inner},{}:{value}}}", Value::from(key.as_str())))
}

#[tokio::test]
async fn every_endpoint_with_a_body_refuses_a_repeated_key() {
    let app = spawn_app().await;
    let tokens = authorization::callers(&app).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in authorization::rows() {
        let (Some(body), "POST") = (&row.body, row.method) else {
            continue;
        };
        let Some(raw) = with_first_key_repeated(body) else {
            continue;
        };
        let caller = if row.allowed.contains(&Caller::Anonymous) {
            Caller::Anonymous
        } else {
            row.allowed[0]
        };
        let r = post_raw(&app, &row.path, tokens[&caller].as_deref(), raw).await;
        let status = r.status().as_u16();
        let problem: Value = r.json().await.unwrap_or_default();
        if status != 422 || problem["code"] != "duplicate_json_key" {
            failures.push(format!("{}: {status} {problem}", row.operation_id));
        }
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} operations with a body");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Values at and around the edges of `i64`, and ordinary ones.
fn extreme() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MIN + 1),
        Just(i64::MAX),
        Just(-1),
        Just(0),
        Just(1),
        Just(i64::from(i32::MAX)),
        any::<i64>(),
        0i64..60_000,
    ]
}

#[test]
fn extreme_amounts_fees_and_corrections_never_get_a_server_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (app, f, taxi, care, code, ticket) = rt.block_on(async {
        let app = spawn_app().await;
        let admin = app.admin().await;
        let f = family(&app, &["taxi_fuel", "care_taxi"]).await;
        let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
        let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
        let code = issue(&app, &f, "taxi_fuel").await["payload"].clone();
        let ticket = issue(&app, &f, "care_taxi").await["payload"].clone();
        (app, f, taxi, care, code, ticket)
    });
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(extreme(), extreme(), extreme(), extreme(), extreme()),
            |(amount, r, p, a, adjustment)| {
                rt.block_on(async {
                    let key = Uuid::new_v4().to_string();
                    let answers = [
                        redeem(
                            &app,
                            &taxi,
                            &key,
                            &json!({ "payload": code, "amount_yen": amount }),
                        )
                        .await,
                        redeem(
                            &app,
                            &care,
                            &key,
                            &json!({ "payload": ticket, "fees": {
                            "reservation_fee_yen": r, "pickup_fee_yen": p, "basic_assistance_fee_yen": a } }),
                        )
                        .await,
                        app.post(
                            &format!(
                                "/api/v1/staff/children/{}/allowances/taxi_fuel/adjustments",
                                f.child
                            ),
                            Some(&f.staff.access),
                            &json!({ "amount": adjustment, "reason": "境界値" }),
                        )
                        .await,
                    ];
                    for answer in answers {
                        let status = answer.status();
                        let text = answer.text().await.unwrap_or_default();
                        prop_assert!(!status.is_server_error(), "{status} {text}");
                    }
                    Ok(())
                })
            },
        )
        .unwrap();
    rt.block_on(async {
        assert!(ledger_mismatches(&app.db).await.is_empty());
    });
}
