//! The audit log: who changed what, when, with the object before and after.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn approving_an_application_is_logged_with_the_actor_and_the_before_and_after_states() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "taxi_fuel").await;
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/approve"),
            Some(&staff.access),
            &json!({ "valid_from": "2026-04-01", "certificate": { "number": "1310900123", "valid_until": "2099-03-31" } }),
        )
        .await;
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let log: Value = app
        .get(
            &format!("/api/v1/staff/audit-log?object_id={id}"),
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Newest first.
    assert_eq!(items[0]["action"], "enrollment.approved");
    assert_eq!(items[0]["actor_type"], "staff");
    assert_eq!(items[0]["actor_id"], staff.id.to_string());
    assert_eq!(items[0]["before"]["status"], "pending");
    assert_eq!(items[0]["after"]["status"], "approved");
    assert_eq!(items[0]["request_id"], request_id);
    assert_eq!(items[1]["action"], "enrollment.applied");
    assert_eq!(items[1]["actor_type"], "guardian");
}

#[tokio::test]
async fn the_log_is_filtered_by_action_and_never_contains_secrets() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, _, credential) = app.partner_with_device(&admin, "taxi_company").await;
    let log: Value = app
        .get(
            "/api/v1/staff/audit-log?action=device.registered",
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    let everything = app
        .get("/api/v1/staff/audit-log?limit=100", Some(&admin.access))
        .await
        .text()
        .await
        .unwrap();
    assert!(everything.contains("account.created"));
    assert!(!everything.contains(&credential));
    assert!(!everything.contains("password"));
    assert!(!everything.contains("$argon2"));
}
