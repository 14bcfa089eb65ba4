//! No one person creates money: a staff correction posts at once only within the program's
//! one-approver limit (counting what that person already corrected alone on the account);
//! beyond it a second, different staff member must approve, and both are on the ledger entry
//! and in the audit log.

use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, User, assert_problem, family, integers, ledger_mismatches, remaining, spawn_app,
};

fn adjustments(child: uuid::Uuid, program: &str) -> String {
    format!("/api/v1/staff/children/{child}/allowances/{program}/adjustments")
}

async fn adjust(app: &TestApp, staff: &User, child: uuid::Uuid, amount: i64) -> reqwest::Response {
    app.post(
        &adjustments(child, "taxi_fuel"),
        Some(&staff.access),
        &json!({ "amount": amount, "reason": "窓口での訂正" }),
    )
    .await
}

async fn approve(app: &TestApp, staff: &User, proposal: &Value) -> reqwest::Response {
    app.post_empty(
        &format!(
            "/api/v1/staff/adjustment-proposals/{}/approve",
            proposal["id"].as_str().unwrap()
        ),
        Some(&staff.access),
    )
    .await
}

#[tokio::test]
async fn a_credit_of_a_hundred_million_yen_is_refused_outright() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let r = adjust(&app, &f.staff, f.child, 100_000_000).await;
    let body = assert_problem(r, 422, "adjustment_over_limit").await;
    // A year of monthly grants, even with two approvers.
    assert_eq!(body["max"], 240_000);
    let r = adjust(&app, &f.staff, f.child, i64::MIN).await;
    assert_problem(r, 422, "adjustment_over_limit").await;
    assert_eq!(app.count("adjustment_proposals").await, 0);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);
}

#[tokio::test]
async fn a_credit_beyond_the_limit_waits_for_a_second_staff_member_and_carries_both_names() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let second = app.staff().await;

    let r = adjust(&app, &f.staff, f.child, 30_000).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let proposal: Value = r.json().await.unwrap();
    assert_eq!(proposal["status"], "proposed");
    assert_eq!(proposal["proposed_by"], f.staff.id.to_string());
    // Nothing moved yet, so nothing can be redeemed against it.
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);

    let r = approve(&app, &f.staff, &proposal).await;
    assert_problem(r, 409, "same_approver").await;
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);

    let r = approve(&app, &second, &proposal).await;
    assert_eq!(r.status(), StatusCode::OK);
    let approved: Value = r.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], second.id.to_string());
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 50_000);

    let entry = integers(
        &app.db,
        "SELECT amount FROM ledger_entries WHERE kind = 'adjustment' AND approved_by IS NOT NULL",
    )
    .await;
    assert_eq!(entry, vec![vec![30_000]]);
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT actor_id, approved_by FROM ledger_entries WHERE kind = 'adjustment'",
        ))
        .await
        .unwrap();
    let names: (uuid::Uuid, uuid::Uuid) = (
        rows[0].try_get("", "actor_id").unwrap(),
        rows[0].try_get("", "approved_by").unwrap(),
    );
    assert_eq!(names, (f.staff.id, second.id));

    let log: Value = app
        .get(
            "/api/v1/staff/audit-log?action=allowance.adjusted",
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let entry = &log["items"][0];
    assert_eq!(entry["actor_id"], second.id.to_string());
    assert_eq!(entry["after"]["made_by"], f.staff.id.to_string());
    assert_eq!(entry["after"]["approved_by"], second.id.to_string());

    // Decided once: a second approval is refused.
    let r = approve(&app, &admin, &proposal).await;
    assert_problem(r, 409, "proposal_not_pending").await;
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn small_corrections_add_up_toward_the_limit_and_debits_are_bounded_the_same_way() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let r = adjust(&app, &f.staff, f.child, 15_000).await;
    assert_eq!(r.status(), StatusCode::OK);
    // 15,000 + 10,000 alone would pass one month's grant: proposed, not posted.
    let r = adjust(&app, &f.staff, f.child, 10_000).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // Removing money counts the same way.
    let r = adjust(&app, &f.staff, f.child, -6_000).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 35_000);
    // Another person has their own allowance on the account.
    let other = app.staff().await;
    let r = adjust(&app, &other, f.child, -5_000).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 30_000);
}

#[tokio::test]
async fn a_rejected_proposal_posts_nothing_and_cannot_be_approved_later() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let second = app.staff().await;
    let proposal = app.propose(&f.staff, f.child, "taxi_fuel", 25_000).await;
    let path = format!(
        "/api/v1/staff/adjustment-proposals/{}/reject",
        proposal["id"].as_str().unwrap()
    );
    let r = app
        .post(&path, Some(&second.access), &json!({ "reason": "" }))
        .await;
    assert_problem(r, 422, "invalid_field").await;
    let r = app
        .post(
            &path,
            Some(&second.access),
            &json!({ "reason": "根拠資料がありません" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rejected: Value = r.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["decision_reason"], "根拠資料がありません");
    let r = approve(&app, &second, &proposal).await;
    assert_problem(r, 409, "proposal_not_pending").await;
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);
    let queue: Value = app
        .get(
            "/api/v1/staff/adjustment-proposals?status=proposed",
            Some(&second.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_proposal_for_a_month_that_has_ended_cannot_be_approved() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let proposal = app.propose(&f.staff, f.child, "taxi_fuel", 25_000).await;
    app.clock.advance(Duration::days(32));
    let second = app.staff().await;
    let r = approve(&app, &second, &proposal).await;
    assert_problem(r, 409, "proposal_period_ended").await;
    assert_eq!(
        integers(
            &app.db,
            "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'adjustment'"
        )
        .await,
        vec![vec![0]]
    );
}

#[tokio::test]
async fn two_approvers_racing_for_one_proposal_post_it_once() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let proposal = app.propose(&f.staff, f.child, "taxi_fuel", 30_000).await;
    let mut approvers = Vec::new();
    for _ in 0..8 {
        approvers.push(app.staff().await);
    }
    let statuses = futures::future::join_all(
        approvers
            .iter()
            .map(|s| async { approve(&app, s, &proposal).await.status().as_u16() }),
    )
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 50_000);
    assert!(ledger_mismatches(&app.db).await.is_empty());
}
