//! Partners and devices: registration, the one-time credential, revocation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn a_registered_device_authenticates_with_its_credential_and_knows_its_partner() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (partner_id, device_id, credential) = app.partner_with_device(&admin, "taxi_company").await;
    assert!(credential.starts_with("cpd_"));
    let r = app.get("/api/v1/device", Some(&credential)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["device_id"], device_id.to_string());
    assert_eq!(me["partner_id"], partner_id.to_string());
    assert_eq!(me["partner_kind"], "taxi_company");
    assert_eq!(me["label"], "端末1", "the device knows its own label");
}

#[tokio::test]
async fn a_revoked_device_is_refused_on_its_very_next_request() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, device_id, credential) = app.partner_with_device(&admin, "gas_station").await;
    assert_eq!(
        app.get("/api/v1/device", Some(&credential)).await.status(),
        StatusCode::OK
    );
    let r = app
        .post_empty(
            &format!("/api/v1/admin/devices/{device_id}/revoke"),
            Some(&admin.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["status"], "revoked");
    assert_problem(
        app.get("/api/v1/device", Some(&credential)).await,
        401,
        "device_revoked",
    )
    .await;
    let r = app
        .post_empty(
            &format!("/api/v1/admin/devices/{device_id}/revoke"),
            Some(&admin.access),
        )
        .await;
    assert_problem(r, 409, "device_already_revoked").await;
}

#[tokio::test]
async fn the_credential_is_shown_once_and_never_listed_again() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let staff = app.staff().await;
    let (partner_id, _, credential) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let r = app
        .get(
            &format!("/api/v1/staff/partners/{partner_id}"),
            Some(&staff.access),
        )
        .await;
    let text = r.text().await.unwrap();
    assert!(text.contains("端末1"));
    assert!(!text.contains(&credential));
    assert!(!text.contains("credential"));
}

#[tokio::test]
async fn partner_names_are_unique_and_kinds_must_be_known() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({ "kind": "nurse_station", "name": "訪問看護ステーションA" });
    assert_eq!(
        app.post("/api/v1/admin/partners", Some(&admin.access), &body)
            .await
            .status(),
        StatusCode::CREATED
    );
    let r = app
        .post("/api/v1/admin/partners", Some(&admin.access), &body)
        .await;
    assert_problem(r, 409, "partner_name_taken").await;
    let r = app
        .post(
            "/api/v1/admin/partners",
            Some(&admin.access),
            &json!({ "kind": "bakery", "name": "パン屋" }),
        )
        .await;
    assert_problem(r, 422, "invalid_body").await;
    assert_eq!(app.count("partners").await, 1);
}

#[tokio::test]
async fn staff_list_partners_by_kind() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let staff = app.staff().await;
    app.partner_with_device(&admin, "taxi_company").await;
    app.partner_with_device(&admin, "gas_station").await;
    let all: Value = app
        .get("/api/v1/staff/partners", Some(&staff.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let taxis: Value = app
        .get(
            "/api/v1/staff/partners?kind=taxi_company",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(taxis["items"].as_array().unwrap().len(), 1);
    assert_eq!(taxis["items"][0]["kind"], "taxi_company");
    let r = app
        .get("/api/v1/staff/partners?kind=bakery", Some(&staff.access))
        .await;
    assert_problem(r, 400, "invalid_query").await;
}

#[tokio::test]
async fn staff_can_read_partners_but_only_admins_can_create_or_revoke() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let staff = app.staff().await;
    let (partner_id, device_id, _) = app.partner_with_device(&admin, "medical_institution").await;
    let r = app
        .post(
            "/api/v1/admin/partners",
            Some(&staff.access),
            &json!({ "kind": "gas_station", "name": "X" }),
        )
        .await;
    assert_problem(r, 403, "forbidden_role").await;
    let r = app
        .post(
            &format!("/api/v1/admin/partners/{partner_id}/devices"),
            Some(&staff.access),
            &json!({ "label": "x" }),
        )
        .await;
    assert_problem(r, 403, "forbidden_role").await;
    let r = app
        .post_empty(
            &format!("/api/v1/admin/devices/{device_id}/revoke"),
            Some(&staff.access),
        )
        .await;
    assert_problem(r, 403, "forbidden_role").await;
    assert_eq!(app.count("partners").await, 1);
    assert_eq!(app.count("devices").await, 1);
}
