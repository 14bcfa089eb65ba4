//! The demo dataset: complete, idempotent, and usable for signing in.

use carepass::demo;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{NowUtc, spawn_app};

#[tokio::test]
async fn seeding_twice_changes_nothing_and_the_demo_users_can_sign_in() {
    let app = spawn_app().await;
    assert!(demo::seed(&app.db, app.clock.now_utc()).await.unwrap());
    let tables = [
        "households",
        "accounts",
        "children",
        "enrollments",
        "partners",
        "devices",
        "audit_log",
    ];
    let mut counts = Vec::new();
    for t in tables {
        counts.push(app.count(t).await);
    }
    assert_eq!(counts[..6], [2, 4, 2, 5, 7, 7]);
    assert!(!demo::seed(&app.db, app.clock.now_utc()).await.unwrap());
    for (i, t) in tables.iter().enumerate() {
        assert_eq!(
            app.count(t).await,
            counts[i],
            "{t} changed on the second seeding"
        );
    }
    for login in demo::LOGINS {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": login.email, "password": login.password }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", login.email);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["account"]["role"], login.role);
    }
    for (kind, _, credential) in demo::PARTNERS {
        let me: Value = app
            .get("/api/v1/device", Some(credential))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["partner_kind"], kind.as_str());
    }
}

#[tokio::test]
async fn the_demo_guardian_sees_a_child_with_approved_and_pending_programs() {
    let app = spawn_app().await;
    demo::seed(&app.db, app.clock.now_utc()).await.unwrap();
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": demo::LOGINS[2].email, "password": demo::LOGINS[2].password }),
        )
        .await;
    let token: Value = r.json().await.unwrap();
    let access = token["access_token"].as_str();
    let children: Value = app
        .get("/api/v1/children", access)
        .await
        .json()
        .await
        .unwrap();
    let child = children["items"][0]["id"].as_str().unwrap();
    let enrollments: Value = app
        .get(&format!("/api/v1/children/{child}/enrollments"), access)
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = enrollments["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"approved") && statuses.contains(&"pending"),
        "{statuses:?}"
    );
}
