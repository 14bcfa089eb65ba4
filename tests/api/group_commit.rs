//! Group commit: on SQLite the writes that wait together share one `COMMIT`, each in its own
//! savepoint. A write its rules refuse rolls back alone; a commit that fails fails every write
//! it carried; nobody hears "done" before the commit has returned; a full queue is answered 503
//! at once. On PostgreSQL each write commits on its own, with the same outcomes per write.

use std::time::Duration;

use carepass::db::{self, Db, FromDb};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Value, json};

use crate::helpers::{
    family, integers, ledger_mismatches, mint, postgres_url, redeem, spawn_app, spawn_app_with,
    taxi_fuel,
};

/// A write's own refusal (a rule), apart from the database's errors.
#[derive(Debug)]
enum Refusal {
    Rule,
    Db(DbErr),
}

impl From<DbErr> for Refusal {
    fn from(e: DbErr) -> Self {
        Refusal::Db(e)
    }
}

impl FromDb for Refusal {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            Refusal::Db(e) => Some(e),
            Refusal::Rule => None,
        }
    }
}

async fn scratch_table(db: &Db) {
    db.execute_unprepared(
        "CREATE TABLE scratch (id BIGINT PRIMARY KEY); \
         CREATE TABLE scratch_parent (id BIGINT PRIMARY KEY); \
         CREATE TABLE scratch_child (id BIGINT PRIMARY KEY, \
           parent_id BIGINT NOT NULL REFERENCES scratch_parent (id) DEFERRABLE INITIALLY DEFERRED)",
    )
    .await
    .unwrap();
}

/// Inserts `sql`, then (if asked) holds the writer for a while so that others queue behind it,
/// then answers as told.
async fn insert(db: &Db, sql: &'static str, hold: Duration, refuse: bool) -> Result<(), Refusal> {
    db::write(db, move |tx| {
        Box::pin(async move {
            tx.execute_unprepared(sql).await?;
            tokio::time::sleep(hold).await;
            if refuse { Err(Refusal::Rule) } else { Ok(()) }
        })
    })
    .await
}

/// The writer goes on: a plain write of `sql` commits, and the scratch table then holds
/// exactly `ids`.
async fn the_next_write_commits(db: &Db, sql: &'static str, ids: &[i64]) {
    insert(db, sql, Duration::ZERO, false).await.unwrap();
    let expected: Vec<Vec<i64>> = ids.iter().map(|id| vec![*id]).collect();
    assert_eq!(integers(db, "SELECT id FROM scratch").await, expected);
}

const HOLD: Duration = Duration::from_millis(300);
const SOON: Duration = Duration::from_millis(40);

#[tokio::test]
async fn a_write_refused_by_its_rules_rolls_back_alone_and_the_others_in_its_batch_commit() {
    let app = spawn_app().await;
    scratch_table(&app.db).await;
    let before = app.db.group_stats();
    let db = &app.db;
    // The first write holds the writer; the next two queue behind it and join its batch.
    let first = insert(db, "INSERT INTO scratch (id) VALUES (1)", HOLD, false);
    let refused = async {
        tokio::time::sleep(SOON).await;
        insert(
            db,
            "INSERT INTO scratch (id) VALUES (2)",
            Duration::ZERO,
            true,
        )
        .await
    };
    let third = async {
        tokio::time::sleep(SOON * 2).await;
        insert(
            db,
            "INSERT INTO scratch (id) VALUES (3)",
            Duration::ZERO,
            false,
        )
        .await
    };
    let (first, refused, third) = tokio::join!(first, refused, third);
    first.unwrap();
    assert!(matches!(refused, Err(Refusal::Rule)), "{refused:?}");
    third.unwrap();
    assert_eq!(
        integers(&app.db, "SELECT id FROM scratch ORDER BY id").await,
        vec![vec![1], vec![3]]
    );
    match (before, app.db.group_stats()) {
        (Some(before), Some(after)) => {
            assert_eq!(
                after.commits - before.commits,
                1,
                "one commit for the batch"
            );
            assert_eq!(
                after.writes - before.writes,
                2,
                "it carried the two kept writes"
            );
        }
        (None, None) => assert!(postgres_url().is_some(), "only PostgreSQL commits alone"),
        other => panic!("group commit appeared or vanished: {other:?}"),
    }
}

#[tokio::test]
async fn a_batch_whose_commit_fails_tells_every_write_in_it_and_keeps_none() {
    let app = spawn_app().await;
    scratch_table(&app.db).await;
    let db = &app.db;
    // The first write breaks a deferred foreign key: its own statements succeed, the COMMIT
    // carrying it fails. The second write, innocent, waited in the same batch.
    let breaking = insert(
        db,
        "INSERT INTO scratch_child (id, parent_id) VALUES (1, 999)",
        HOLD,
        false,
    );
    let innocent = async {
        tokio::time::sleep(SOON).await;
        insert(
            db,
            "INSERT INTO scratch (id) VALUES (2)",
            Duration::ZERO,
            false,
        )
        .await
    };
    let (breaking, innocent) = tokio::join!(breaking, innocent);
    assert!(matches!(breaking, Err(Refusal::Db(_))), "{breaking:?}");
    assert!(
        integers(&app.db, "SELECT id FROM scratch_child")
            .await
            .is_empty()
    );
    if postgres_url().is_some() {
        // Each write commits on its own there: the innocent one is kept.
        innocent.unwrap();
        assert_eq!(
            integers(&app.db, "SELECT id FROM scratch").await,
            vec![vec![2]]
        );
    } else {
        // Told of the failure rather than "done": its write was not kept either.
        assert!(matches!(innocent, Err(Refusal::Db(_))), "{innocent:?}");
        assert!(integers(&app.db, "SELECT id FROM scratch").await.is_empty());
        the_next_write_commits(db, "INSERT INTO scratch (id) VALUES (3)", &[3]).await;
    }
}

#[tokio::test]
async fn sixty_four_redemptions_at_once_share_commits_and_each_gets_its_own_answer() {
    let app = spawn_app_with(|c| c.server.writes_per_minute_per_caller = 0).await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let codes = mint(&app, &f, taxi_fuel(), 64).await;
    let before = app.db.group_stats();
    // 64 redemptions of 400 yen each on one balance of 20,000: fifty fit, fourteen do not.
    let answers = futures::future::join_all(codes.iter().enumerate().map(|(i, code)| {
        let (app, taxi) = (&app, &taxi);
        async move {
            let body = json!({ "payload": code, "amount_yen": 400 });
            let r = redeem(app, taxi, &format!("group-{i}"), &body).await;
            let status = r.status();
            (status, r.json::<Value>().await.unwrap())
        }
    }))
    .await;
    let kept: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "allowance_exhausted")
        .count();
    assert_eq!(kept.len(), 50, "{answers:?}");
    assert_eq!(refused, 14, "{answers:?}");
    // Each answer is its own redemption, and the remainders count down without a gap.
    let mut remaining: Vec<i64> = kept
        .iter()
        .map(|b| b["remaining"].as_i64().unwrap())
        .collect();
    remaining.sort_unstable();
    assert_eq!(remaining, (0..50).map(|n| n * 400).collect::<Vec<_>>());
    assert!(ledger_mismatches(&app.db).await.is_empty());
    if let (Some(before), Some(after)) = (before, app.db.group_stats()) {
        assert_eq!(after.writes - before.writes, 50);
        assert!(
            after.commits - before.commits < 50,
            "sixty-four writers at once shared no commit: {before:?} → {after:?}"
        );
    }
}

#[tokio::test]
async fn a_full_write_queue_is_answered_503_with_retry_after_at_once_and_nothing_half_written() {
    let app = spawn_app_with(|c| {
        c.server.writes_per_minute_per_caller = 0;
        c.database.write_queue_max = 2;
    })
    .await;
    if postgres_url().is_some() {
        // The queue is SQLite's single writer's; PostgreSQL has a pool instead.
        return;
    }
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let codes = mint(&app, &f, taxi_fuel(), 32).await;
    // Hold the writer so that the queue fills.
    let held = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (db, still_held) = (app.db.clone(), held.clone());
    let holder = tokio::spawn(async move {
        let done = insert(&db, "SELECT 1", Duration::from_millis(800), false).await;
        still_held.store(false, std::sync::atomic::Ordering::SeqCst);
        done
    });
    tokio::time::sleep(SOON).await;
    let answers = futures::future::join_all(codes.iter().enumerate().map(|(i, code)| {
        let (app, taxi, held) = (&app, &taxi, &held);
        async move {
            let body = json!({ "payload": code, "amount_yen": 100 });
            let r = redeem(app, taxi, &format!("full-{i}"), &body).await;
            // Whether the writer was still held when this answer came.
            let during_hold = held.load(std::sync::atomic::Ordering::SeqCst);
            let status = r.status();
            let retry_after = r.headers().get("retry-after").cloned();
            let body: Value = r.json().await.unwrap();
            (status, retry_after, body, during_hold)
        }
    }))
    .await;
    holder.await.unwrap().unwrap();
    let busy: Vec<_> = answers
        .iter()
        .filter(|(s, ..)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let kept = answers
        .iter()
        .filter(|(s, ..)| *s == StatusCode::CREATED)
        .count();
    assert!(
        busy.len() >= 20,
        "the queue of two held back thirty: {answers:?}"
    );
    assert_eq!(busy.len() + kept, 32, "{answers:?}");
    for (_, retry_after, body, during_hold) in &busy {
        assert!(retry_after.is_some(), "503 without Retry-After");
        assert_eq!(body["code"], "service_busy", "{body}");
        // Refused at the door, while the writer was still held, not after waiting for it.
        assert!(*during_hold, "a refusal waited for the writer");
    }
    // What was refused wrote nothing.
    assert_eq!(
        integers(&app.db, "SELECT COUNT(*) FROM redemptions").await,
        vec![vec![i64::try_from(kept).unwrap()]]
    );
    assert!(ledger_mismatches(&app.db).await.is_empty());
    // And a refused code redeems once the writer is free.
    let i = answers
        .iter()
        .position(|(s, ..)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .unwrap();
    let body = json!({ "payload": codes[i], "amount_yen": 100 });
    let r = redeem(&app, &taxi, &format!("full-{i}"), &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_write_dropped_half_way_rolls_back_and_leaves_the_writer_free() {
    let app = spawn_app().await;
    scratch_table(&app.db).await;
    let db = &app.db;
    // Its client went away (or a timeout fired) in the middle of its work.
    let dropped = tokio::time::timeout(
        Duration::from_millis(100),
        insert(
            db,
            "INSERT INTO scratch (id) VALUES (1)",
            Duration::from_secs(60),
            false,
        ),
    )
    .await;
    assert!(dropped.is_err(), "the write should have been dropped");
    // Nothing of it stays, and the writer's connection is free for reads and the next write
    // (a batch left open by it would hold the only connection).
    assert!(integers(&app.db, "SELECT id FROM scratch").await.is_empty());
    the_next_write_commits(db, "INSERT INTO scratch (id) VALUES (2)", &[2]).await;
}
