//! Busy databases: under heavy concurrent writes nobody gets a 500. SQLite queues writers
//! (one connection, `BEGIN IMMEDIATE`, WAL, a busy timeout) and answers 503 with Retry-After
//! when another process holds the lock too long; PostgreSQL deadlocks and serialization
//! failures are retried inside the service.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use carepass::entity::household;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::family;
use crate::helpers::{assert_problem, ledger_mismatches, postgres_url, spawn_app, spawn_app_with};

/// Sends one request until it gets an answer other than 503 (honouring Retry-After, capped),
/// and returns every status seen on the way.
async fn until_answered(send: impl Fn() -> reqwest::RequestBuilder) -> Vec<u16> {
    let mut seen = Vec::new();
    for _ in 0..50 {
        let r = send().send().await.unwrap();
        let status = r.status().as_u16();
        seen.push(status);
        if status != 503 {
            break;
        }
        assert!(
            r.headers().contains_key("retry-after"),
            "503 without Retry-After"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test]
async fn sixty_four_concurrent_writers_on_one_balance_all_get_answers_and_the_books_add_up() {
    // The database under contention is the subject, not the per-caller write limit.
    let app = spawn_app_with(|c| c.server.writes_per_minute_per_caller = 0).await;
    let f = family(&app, &["taxi_fuel"]).await;
    let admin = app.admin().await;
    let adjust = format!(
        "/api/v1/staff/children/{}/allowances/taxi_fuel/adjustments",
        f.child
    );
    // 64 writers, each: four corrections of the same balance, a household, and a partner.
    let writers = (0..64).map(|i| {
        let (app, f, admin, adjust) = (&app, &f, &admin, adjust.clone());
        async move {
            let mut seen = Vec::new();
            for n in 0..4 {
                seen.extend(
                    until_answered(|| {
                        app.client
                            .post(app.url(&adjust))
                            .bearer_auth(&f.staff.access)
                            .json(&json!({ "amount": 10, "reason": format!("訂正 {i}-{n}") }))
                    })
                    .await,
                );
            }
            seen.extend(
                until_answered(|| {
                    app.client
                        .post(app.url("/api/v1/staff/households"))
                        .bearer_auth(&f.staff.access)
                        .json(&json!({ "name": format!("世帯 {i}") }))
                })
                .await,
            );
            seen.extend(
                until_answered(|| {
                    app.client
                        .post(app.url("/api/v1/admin/partners"))
                        .bearer_auth(&admin.access)
                        .json(&json!({ "kind": "taxi_company", "name": format!("交通 {i} {}", Uuid::new_v4().simple()) }))
                })
                .await,
            );
            seen
        }
    });
    let seen: Vec<u16> = futures::future::join_all(writers)
        .await
        .into_iter()
        .flatten()
        .collect();
    let errors: Vec<&u16> = seen.iter().filter(|s| **s >= 500 && **s != 503).collect();
    assert!(errors.is_empty(), "server errors: {errors:?}");
    let done = seen.iter().filter(|s| matches!(**s, 200 | 201)).count();
    assert_eq!(done, 64 * 6, "every write was answered and done once");

    let r = app
        .get(
            &format!("/api/v1/children/{}/allowances", f.child),
            Some(&f.guardian.access),
        )
        .await;
    let summaries: Vec<Value> = r.json().await.unwrap();
    assert_eq!(summaries[0]["remaining"], 20_000 + 64 * 4 * 10);
    assert!(ledger_mismatches(&app.db).await.is_empty());
    assert_eq!(app.count("households").await, 1 + 64);
}

#[tokio::test]
async fn a_sqlite_lock_held_by_another_process_is_a_503_with_retry_after_never_a_500() {
    if postgres_url().is_some() {
        // PostgreSQL has no file lock to hold; its half is the deadlock test below.
        return;
    }
    let app = spawn_app_with(|c| c.database.sqlite_busy_timeout_ms = 200).await;
    let staff = app.staff().await;
    // Another process (a backup script, an sqlite3 shell) takes the write lock and keeps it.
    let path = app.config.database.sqlite_path.display().to_string();
    let other = sea_orm::Database::connect(format!("sqlite://{path}"))
        .await
        .unwrap();
    let backend = other.get_database_backend();
    other
        .execute_raw(Statement::from_string(backend, "BEGIN IMMEDIATE"))
        .await
        .unwrap();

    let create = || {
        app.client
            .post(app.url("/api/v1/staff/households"))
            .bearer_auth(&staff.access)
            .json(&json!({ "name": "品川家" }))
    };
    let r = create().send().await.unwrap();
    let retry = r.headers()["retry-after"].to_str().unwrap().to_owned();
    assert!(retry.parse::<u64>().unwrap() >= 1);
    assert_problem(r, 503, "service_busy").await;
    // Reads go on beside the lock (WAL).
    let r = app
        .get("/api/v1/staff/households", Some(&staff.access))
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    other
        .execute_raw(Statement::from_string(backend, "COMMIT"))
        .await
        .unwrap();
    let r = create().send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(app.count("households").await, 1);
}

#[tokio::test]
async fn a_deadlock_between_two_writes_is_retried_and_both_commit() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let mut ids = Vec::new();
    for name in ["甲", "乙"] {
        let r = app
            .post(
                "/api/v1/staff/households",
                Some(&staff.access),
                &json!({ "name": name }),
            )
            .await;
        let h: Value = r.json().await.unwrap();
        ids.push(h["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    let attempts = Arc::new(AtomicU32::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    // Two transactions take the same two row locks in opposite orders: on PostgreSQL one of
    // them is chosen as the deadlock victim (40P01) and must be run again by `db::write`.
    let write = |first: Uuid, second: Uuid, name: &'static str| {
        let (db, attempts, barrier) = (app.db.clone(), attempts.clone(), barrier.clone());
        async move {
            carepass::db::write(&db, move |tx| {
                let (attempts, barrier) = (attempts.clone(), barrier.clone());
                Box::pin(async move {
                    let attempt = attempts.fetch_add(1, Ordering::SeqCst);
                    let touch = |id: Uuid| {
                        household::Entity::update_many()
                            .col_expr(household::Column::Name, Expr::value(name))
                            .filter(household::Column::Id.eq(id))
                            .exec(tx)
                    };
                    touch(first).await?;
                    if attempt < 2 {
                        // Both hold their first lock before either asks for the second (on
                        // SQLite the second writer waits at BEGIN, so this times out).
                        let _ =
                            tokio::time::timeout(Duration::from_millis(500), barrier.wait()).await;
                    }
                    touch(second).await?;
                    Ok::<_, DbErr>(())
                })
            })
            .await
        }
    };
    let (a, b) = tokio::join!(write(ids[0], ids[1], "甲'"), write(ids[1], ids[0], "乙'"));
    a.unwrap();
    b.unwrap();
    let runs = attempts.load(Ordering::SeqCst);
    if postgres_url().is_some() {
        assert!(
            runs >= 3,
            "the deadlock victim was not run again ({runs} runs)"
        );
    } else {
        assert_eq!(runs, 2, "SQLite queues the writers; nothing to retry");
    }
}
