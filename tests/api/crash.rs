//! Crash under load: the real binary is killed with SIGKILL at random moments while clients
//! redeem vouchers, and restarted each time. Clients retry with the same Idempotency-Key until
//! they get a definite answer. Afterwards: every key that got a success has exactly one
//! redemption, no redemption exists without such a key, every balance equals its ledger, and
//! SQLite's integrity check passes.
//!
//! Ignored in the default run (it takes about half a minute); `.ci/run` calls it on SQLite and
//! PostgreSQL: `cargo test --test api -- --ignored --nocapture crash`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Statement};
use tokio::sync::Mutex;

use crate::helpers::{family, postgres_url, spawn_app};
use crate::real_binary::{Outcomes, Rng, Service, assert_exactly_once, client_loop, free_port};

const KILLS: u32 = 8;
const FAMILIES: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "about half a minute; .ci/run calls it with --ignored"]
async fn sigkill_under_load_loses_nothing_and_doubles_nothing() {
    // The in-process app prepares the families and partners, and is then only the
    // database connection the checks use; the real binary does the serving.
    let app = spawn_app().await;
    let mut families = Vec::new();
    for _ in 0..FAMILIES {
        families.push(family(&app, &["taxi_fuel"]).await);
    }
    let admin = app.admin().await;
    let mut devices = Vec::new();
    for _ in 0..4 {
        devices.push(app.partner_with_device(&admin, "taxi_company").await.2);
    }
    let database_url = match postgres_url() {
        Some(_) => app.config.database.url.clone().unwrap(),
        None => format!("sqlite://{}", app.config.database.sqlite_path.display()),
    };

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut service = Service::start(&database_url, port, tempfile::tempdir().unwrap());
    service.wait_ready(&client).await;

    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let clients: Vec<_> = families
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            tokio::spawn(client_loop(
                client.clone(),
                vec![base.clone()],
                f,
                devices[i % devices.len()].clone(),
                stop.clone(),
                outcomes.clone(),
            ))
        })
        .collect();

    let kills = AtomicU32::new(0);
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(200 + rng.next(800))).await;
        let (url, port, dir) = service.kill();
        kills.fetch_add(1, Ordering::SeqCst);
        service = Service::start(&url, port, dir);
        service.wait_ready(&client).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        tokio::time::timeout(Duration::from_secs(60), c)
            .await
            .expect("clients finish")
            .expect("client did not panic");
    }
    let _ = service.kill();

    let o = outcomes.lock().await;
    println!(
        "crash test (seed {seed}): {} kills, {} redemptions, {} refusals, {} requests resent, {} answered from the stored response",
        kills.load(Ordering::SeqCst),
        o.succeeded.len(),
        o.refused.len(),
        o.resent,
        o.replayed
    );
    assert!(!o.succeeded.is_empty(), "no redemption went through");

    assert_exactly_once(&app, &o).await;
    if postgres_url().is_none() {
        let r = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "PRAGMA integrity_check".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        let verdict: String = r.try_get_by_index(0).unwrap();
        assert_eq!(verdict, "ok");
    }
}
