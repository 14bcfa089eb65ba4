//! The demo dataset: complete, idempotent, and usable for signing in.

use carepass::demo;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{NowUtc, spawn_app};

#[tokio::test]
async fn seeding_twice_changes_nothing_and_the_demo_users_can_sign_in() {
    let app = spawn_app().await;
    assert!(
        demo::seed(&app.db, &app.config, &app.keys, app.clock.now_utc())
            .await
            .unwrap()
    );
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
    assert_eq!(counts[..6], [2, 5, 2, 6, 7, 7]);
    assert!(
        !demo::seed(&app.db, &app.config, &app.keys, app.clock.now_utc())
            .await
            .unwrap()
    );
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
    demo::seed(&app.db, &app.config, &app.keys, app.clock.now_utc())
        .await
        .unwrap();
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": demo::LOGINS[3].email, "password": demo::LOGINS[3].password }),
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

#[tokio::test]
async fn the_demo_shows_a_closed_month_a_two_person_credit_a_disputed_visit_and_files_that_add_up()
{
    let app = spawn_app().await;
    demo::seed(&app.db, &app.config, &app.keys, app.clock.now_utc())
        .await
        .unwrap();
    let login = async |i: usize| -> String {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": demo::LOGINS[i].email, "password": demo::LOGINS[i].password }),
            )
            .await;
        r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let staff = login(1).await;
    let cal = app.config.calendar();
    let now = app.clock.now_utc();
    let this = cal.month_of(now);
    let last = cal.month_of(cal.month_bounds(this).0 - chrono::Duration::seconds(1));

    // Last month is closed; this month carries the reversal of one of its redemptions.
    let closed: Value = app
        .get(
            &format!("/api/v1/staff/settlements?month={last}"),
            Some(&staff),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(closed["closing"]["closed_at"].is_string(), "{closed}");
    let current: Value = app
        .get(
            &format!("/api/v1/staff/settlements?month={this}"),
            Some(&staff),
        )
        .await
        .json()
        .await
        .unwrap();
    let gas = current["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner_kind"] == "gas_station")
        .unwrap();
    assert_eq!(gas["covered_yen"], -4_500);
    // Every CSV of last month adds up: its totals line sums its columns.
    for p in closed["partners"].as_array().unwrap() {
        let csv = app
            .get(
                &format!(
                    "/api/v1/staff/settlements/{}?month={last}&format=csv",
                    p["partner_id"].as_str().unwrap()
                ),
                Some(&staff),
            )
            .await
            .text()
            .await
            .unwrap();
        let rows: Vec<Vec<&str>> = csv
            .trim_start_matches('\u{feff}')
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').collect())
            .collect();
        let col = rows[0].iter().position(|h| *h == "助成額(円)").unwrap();
        let sum: i64 = rows[1..rows.len() - 1]
            .iter()
            .map(|r| r[col].parse::<i64>().unwrap())
            .sum();
        assert_eq!(rows.last().unwrap()[0], "合計");
        assert_eq!(
            rows.last().unwrap()[col].parse::<i64>().unwrap(),
            sum,
            "{csv}"
        );
        assert_eq!(sum, p["covered_yen"].as_i64().unwrap());
    }

    // A credit proposed by one staff member and approved by the other; one still waiting.
    let approved: Value = app
        .get(
            "/api/v1/staff/adjustment-proposals?status=approved",
            Some(&staff),
        )
        .await
        .json()
        .await
        .unwrap();
    let a = &approved["items"][0];
    assert_ne!(a["proposed_by"], a["decided_by"]);
    let waiting: Value = app
        .get(
            "/api/v1/staff/adjustment-proposals?status=proposed",
            Some(&staff),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["items"].as_array().unwrap().len(), 1);

    // A respite visit the family disputes, waiting for staff.
    let disputed: Value = app
        .get("/api/v1/staff/respite-visits?status=disputed", Some(&staff))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disputed["items"][0]["disputed_minutes"], 60);
    assert!(crate::helpers::ledger_mismatches(&app.db).await.is_empty());
}
