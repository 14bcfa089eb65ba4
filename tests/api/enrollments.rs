//! Applications: apply, the staff queue, approve with a validity period, reject with a reason,
//! withdraw, and the state machine under concurrency.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn an_application_waits_in_the_staff_queue_until_approved_with_a_validity_period() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "taxi_fuel").await;

    let queue: Value = app
        .get("/api/v1/staff/enrollments", Some(&staff.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"][0]["id"], id.to_string());
    assert_eq!(queue["items"][0]["status"], "pending");
    // The queue names the child, as a clerk reads it.
    assert_eq!(queue["items"][0]["child_name"], "品川 さくら");
    assert_eq!(queue["items"][0]["child_name_kana"], "しながわ さくら");

    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/approve"),
            Some(&staff.access),
            &json!({ "valid_from": "2026-04-01", "valid_until": "2027-03-31", "certificate": { "number": "1310900123", "valid_until": "2099-03-31" } }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["status"], "approved");
    assert_eq!(e["valid_until"], "2027-03-31");
    assert_eq!(e["decided_by"], staff.id.to_string());

    let queue: Value = app
        .get("/api/v1/staff/enrollments", Some(&staff.access))
        .await
        .json()
        .await
        .unwrap();
    assert!(queue["items"].as_array().unwrap().is_empty());
    let approved: Value = app
        .get(
            "/api/v1/staff/enrollments?status=approved&program=taxi_fuel",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["items"].as_array().unwrap().len(), 1);

    let mine: Value = app
        .get(
            &format!("/api/v1/children/{child}/enrollments"),
            Some(&guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["status"], "approved");
}

#[tokio::test]
async fn a_second_application_for_the_same_program_is_a_conflict_but_another_program_is_fine() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    app.apply(&guardian, child, "respite").await;
    let r = app
        .post(
            &format!("/api/v1/children/{child}/enrollments"),
            Some(&guardian.access),
            &json!({ "program": "respite" }),
        )
        .await;
    assert_problem(r, 409, "enrollment_already_open").await;
    app.apply(&guardian, child, "play_space").await;
}

#[tokio::test]
async fn an_approved_application_cannot_be_decided_again() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "care_taxi").await;
    let approve = json!({ "valid_from": "2026-04-01", "certificate": { "number": "1310900123", "valid_until": "2099-03-31" } });
    assert_eq!(
        app.post(
            &format!("/api/v1/staff/enrollments/{id}/approve"),
            Some(&staff.access),
            &approve
        )
        .await
        .status(),
        StatusCode::OK
    );
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/reject"),
            Some(&staff.access),
            &json!({ "reason": "遅すぎ" }),
        )
        .await;
    let body = assert_problem(r, 409, "enrollment_not_pending").await;
    assert_eq!(body["current_status"], "approved");
    let r = app
        .post_empty(
            &format!("/api/v1/enrollments/{id}/withdraw"),
            Some(&guardian.access),
        )
        .await;
    assert_problem(r, 409, "enrollment_not_pending").await;
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_keeps_it_for_the_family() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "short_stay").await;
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/reject"),
            Some(&staff.access),
            &json!({ "reason": "  " }),
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "reason"
    );
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/reject"),
            Some(&staff.access),
            &json!({}),
        )
        .await;
    assert_problem(r, 422, "invalid_body").await;
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/reject"),
            Some(&staff.access),
            &json!({ "reason": "要件を確認できませんでした" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mine: Value = app
        .get(
            &format!("/api/v1/children/{child}/enrollments"),
            Some(&guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["status"], "rejected");
    assert_eq!(
        mine["items"][0]["decision_reason"],
        "要件を確認できませんでした"
    );
    // After a rejection the family may apply again.
    app.apply(&guardian, child, "short_stay").await;
}

#[tokio::test]
async fn a_validity_period_that_ends_before_it_starts_is_refused() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "taxi_fuel").await;
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{id}/approve"),
            Some(&staff.access),
            &json!({ "valid_from": "2026-04-01", "valid_until": "2026-03-31" }),
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "valid_until"
    );
    let e: Value = app
        .get(
            &format!("/api/v1/staff/enrollments/{id}"),
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["status"], "pending");
}

#[tokio::test]
async fn a_guardian_withdraws_their_own_pending_application_but_not_another_familys() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let other = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "play_space").await;
    let r = app
        .post_empty(
            &format!("/api/v1/enrollments/{id}/withdraw"),
            Some(&other.access),
        )
        .await;
    assert_problem(r, 404, "enrollment_not_found").await;
    let r = app
        .post_empty(
            &format!("/api/v1/enrollments/{id}/withdraw"),
            Some(&guardian.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["status"], "withdrawn");
}

#[tokio::test]
async fn applying_for_another_households_child_is_404_and_writes_nothing() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let other = app.guardian(&staff).await;
    let their_child = app.child(&other).await;
    let before = app.count("enrollments").await;
    let r = app
        .post(
            &format!("/api/v1/children/{their_child}/enrollments"),
            Some(&guardian.access),
            &json!({ "program": "respite" }),
        )
        .await;
    assert_problem(r, 404, "child_not_found").await;
    let r = app
        .get(
            &format!("/api/v1/children/{their_child}/enrollments"),
            Some(&guardian.access),
        )
        .await;
    assert_problem(r, 404, "child_not_found").await;
    assert_eq!(app.count("enrollments").await, before);
}

#[tokio::test]
async fn of_ten_simultaneous_applications_for_one_program_exactly_one_is_accepted() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let path = format!("/api/v1/children/{child}/enrollments");
    let body = json!({ "program": "respite" });
    let results = futures_join(10, || app.post(&path, Some(&guardian.access), &body)).await;
    let created = results.iter().filter(|s| **s == 201).count();
    let conflicts = results.iter().filter(|s| **s == 409).count();
    assert_eq!((created, conflicts), (1, 9), "{results:?}");
    assert_eq!(app.count("enrollments").await, 1);
}

#[tokio::test]
async fn when_two_staff_decide_at_once_exactly_one_decision_counts() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    let id = app.apply(&guardian, child, "taxi_fuel").await;
    let approve_path = format!("/api/v1/staff/enrollments/{id}/approve");
    let reject_path = format!("/api/v1/staff/enrollments/{id}/reject");
    let approve = json!({ "valid_from": "2026-04-01", "certificate": { "number": "1310900123", "valid_until": "2099-03-31" } });
    let reject = json!({ "reason": "重複" });
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (a, b) = tokio::join!(
            app.post(&approve_path, Some(&staff.access), &approve),
            app.post(&reject_path, Some(&staff.access), &reject)
        );
        statuses.push(a.status().as_u16());
        statuses.push(b.status().as_u16());
    }
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
}

/// Runs `n` requests at once and returns their status codes.
async fn futures_join<F, Fut>(n: usize, make: F) -> Vec<u16>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    futures::future::join_all((0..n).map(|_| make()))
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect()
}

#[tokio::test]
async fn asking_whether_a_child_is_enrolled_searches_by_child_and_program_not_by_status() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = spawn_app().await;
    let (sql, backend) = match app.db.get_database_backend() {
        DbBackend::Sqlite => (
            "EXPLAIN QUERY PLAN SELECT * FROM enrollments \
             WHERE child_id = x'00' AND program = 'taxi_fuel' AND status = 'approved'",
            DbBackend::Sqlite,
        ),
        // PostgreSQL plans by statistics (a small table is read whole); the index must exist.
        other => (
            "SELECT indexname AS detail FROM pg_indexes \
             WHERE tablename = 'enrollments' AND indexname = 'ix_enrollments_child_program_status'",
            other,
        ),
    };
    let rows = app
        .db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "detail").unwrap())
        .collect();
    assert!(
        plan.iter()
            .any(|d| d.contains("ix_enrollments_child_program_status")),
        "{plan:?}"
    );
}
