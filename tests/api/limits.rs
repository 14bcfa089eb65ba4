//! Abuse limits: page sizes on every list, string and array lengths, how many children a
//! household may register, and login throttling per client address.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::authorization;
use crate::helpers::{PASSWORD, assert_problem, child_body, spawn_app};

/// Operations whose answer holds a list that is bounded by design rather than paged.
const BOUNDED_BY_DESIGN: &[(&str, &str)] = &[
    (
        "listAllowances",
        "one summary per program the child is in: at most three",
    ),
    (
        "listVoucherKeys",
        "the signing keys still honoured: a handful",
    ),
];

fn list_operations(spec: &Value) -> Vec<(String, bool)> {
    let mut ops = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        let Some(get) = item.get("get") else { continue };
        let id = get["operationId"].as_str().unwrap().to_owned();
        let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => &spec["components"]["schemas"][r.rsplit('/').next().unwrap()],
            None => schema,
        };
        let is_list = schema["type"] == "array"
            || schema["properties"]["items"]["type"] == "array"
            || schema["properties"]["partners"]["type"] == "array"
            || schema["allOf"].as_array().is_some_and(|parts| {
                parts
                    .iter()
                    .any(|p| p["properties"]["next_offset"].is_object())
            });
        if !is_list {
            continue;
        }
        let paged = get["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit"));
        ops.push((id, paged));
    }
    ops
}

#[test]
fn every_list_in_the_spec_is_paged_or_bounded_by_design() {
    let spec = carepass::openapi_document();
    let ops = list_operations(&spec);
    assert!(ops.len() >= 10, "found only {} lists: {ops:?}", ops.len());
    let unpaged: Vec<_> = ops
        .iter()
        .filter(|(id, paged)| !paged && !BOUNDED_BY_DESIGN.iter().any(|(b, _)| b == id))
        .collect();
    assert!(unpaged.is_empty(), "lists without ?limit=: {unpaged:?}");
}

#[tokio::test]
async fn every_paged_list_refuses_a_page_larger_than_the_configured_maximum() {
    let app = spawn_app().await;
    let callers = authorization::callers(&app).await;
    let spec = carepass::openapi_document();
    let paged: Vec<String> = list_operations(&spec)
        .into_iter()
        .filter(|(_, paged)| *paged)
        .map(|(id, _)| id)
        .collect();
    let max = app.config.server.max_page_size;
    let mut failures = Vec::new();
    let rows: Vec<_> = authorization::rows()
        .into_iter()
        .filter(|r| paged.iter().any(|p| p == r.operation_id))
        .collect();
    assert_eq!(rows.len(), paged.len(), "{paged:?}");
    for row in rows {
        let caller = row.allowed[0];
        let token = callers[&caller].clone();
        let join = if row.path.contains('?') { '&' } else { '?' };
        for (limit, refused) in [(max + 1, true), (0, true), (max, false)] {
            let mut req = app
                .client
                .get(app.url(&format!("{}{join}limit={limit}", row.path)));
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or_default();
            let was_refused = status == StatusCode::BAD_REQUEST
                && body["code"] == "invalid_query"
                && body["field"] == "limit";
            if was_refused != refused {
                failures.push(format!(
                    "{} limit={limit}: {status} {body}",
                    row.operation_id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(max, 100);
}

#[tokio::test]
async fn a_household_registers_at_most_twenty_children() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    for _ in 0..20 {
        app.child(&guardian).await;
    }
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &child_body())
        .await;
    assert_problem(r, 409, "too_many_children").await;
    let household = guardian.household_id.unwrap();
    let r = app
        .post(
            &format!("/api/v1/staff/households/{household}/children"),
            Some(&staff.access),
            &child_body(),
        )
        .await;
    assert_problem(r, 409, "too_many_children").await;
    assert_eq!(app.count("children").await, 20);
}

#[tokio::test]
async fn concurrent_registrations_never_pass_the_children_limit() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    for _ in 0..18 {
        app.child(&guardian).await;
    }
    let body = child_body();
    let attempts = (0..8).map(|_| app.post("/api/v1/children", Some(&guardian.access), &body));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        6,
        "{statuses:?}"
    );
    assert_eq!(app.count("children").await, 20);
}

#[tokio::test]
async fn a_care_need_listed_twice_or_too_many_is_a_field_problem() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let mut body = child_body();
    body["care_needs"] = json!(["suction", "suction"]);
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "care_needs"
    );
    body["care_needs"] = json!(vec!["suction"; 9]);
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("children").await, 0);
}

#[tokio::test]
async fn overlong_strings_are_refused_before_any_lookup() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({ "invitation_code": format!("cpi_{}", "0".repeat(200)), "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "invitation_code"
    );
    let staff = app.staff().await;
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": "x".repeat(10_000) }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": format!("{}@example.jp", "a".repeat(5_000)), "password": PASSWORD }),
        )
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_throttled_even_for_a_right_password() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let per_address = app.config.auth.login_max_failures_per_address;
    for n in 0..per_address {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": format!("nobody{n}@example.jp"), "password": "wrong password" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": staff.email, "password": PASSWORD }),
        )
        .await;
    assert!(r.headers().contains_key("retry-after"));
    assert_problem(r, 429, "too_many_attempts").await;
}

#[tokio::test]
async fn each_account_and_device_gets_a_bounded_number_of_writes_then_429_with_retry_after() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.server.writes_per_minute_per_caller = 6;
        c.server.write_burst_per_caller = 3;
    })
    .await;
    let admin = app.admin().await;
    let staff = app.staff().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    // Each registration is two writes by an admin, so a second admin registers the other one.
    let other_admin = app.admin().await;
    let (_, _, other_taxi) = app.partner_with_device(&other_admin, "taxi_company").await;

    // A device: three writes (refused or not, each is a write), then 429.
    let verify = |device: String| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/device/vouchers/verify",
                Some(&device),
                &json!({ "payload": "not a voucher code" }),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_ne!(
            verify(taxi.clone()).await.status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    let r = verify(taxi.clone()).await;
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    let body = assert_problem(r, 429, "rate_limited").await;
    assert_eq!(body["retry_after_seconds"], wait);
    // Reads go on, and another device is not affected.
    assert_eq!(app.get("/api/v1/device", Some(&taxi)).await.status(), 200);
    assert_ne!(
        verify(other_taxi).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    // An account likewise.
    for _ in 0..3 {
        let r = app
            .post(
                "/api/v1/staff/households",
                Some(&staff.access),
                &json!({ "name": "テスト家" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": "テスト家" }),
        )
        .await;
    assert_problem(r, 429, "rate_limited").await;
    // Nothing was written by the refused request.
    assert_eq!(app.count("households").await, 3);
}
