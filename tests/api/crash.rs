//! Crash under load: the real binary is killed with SIGKILL at random moments while clients
//! redeem vouchers, and restarted each time. Clients retry with the same Idempotency-Key until
//! they get a definite answer. Afterwards: every key that got a success has exactly one
//! redemption, no redemption exists without such a key, every balance equals its ledger, and
//! SQLite's integrity check passes.
//!
//! Ignored in the default run (it takes about half a minute); `.ci/run` calls it on SQLite and
//! PostgreSQL: `cargo test --test api -- --ignored --nocapture crash`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::helpers::{Family, family};
use crate::helpers::{integers, ledger_mismatches, postgres_url, spawn_app};

const KILLS: u32 = 8;
const FAMILIES: usize = 16;

struct Service {
    child: Child,
    url: String,
    port: u16,
    dir: tempfile::TempDir,
}

impl Service {
    fn start(database_url: &str, port: u16, dir: tempfile::TempDir) -> Service {
        let child = Command::new(env!("CARGO_BIN_EXE_carepass"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .current_dir(dir.path())
            .env("DATABASE_URL", database_url)
            .env_remove("CAREPASS_CONFIG")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start carepass");
        Service {
            child,
            url: database_url.to_owned(),
            port,
            dir,
        }
    }

    async fn wait_ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = client
                .get(format!("http://127.0.0.1:{}/readyz", self.port))
                .send()
                .await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the service did not come back");
    }

    /// SIGKILL: no shutdown hook, no flush, no goodbye.
    fn kill(mut self) -> (String, u16, tempfile::TempDir) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
        (self.url, self.port, self.dir)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A small xorshift; the seed is printed so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[derive(Default)]
struct Outcomes {
    /// Idempotency key → redemption id, for every key answered 201.
    succeeded: BTreeMap<String, String>,
    /// Keys answered with a definite refusal (spent balance, used code...).
    refused: BTreeSet<String>,
    /// Requests that had to be sent again because the service was down or busy.
    resent: u32,
    /// Retries answered from the stored response (the first answer was lost in a crash).
    replayed: u32,
}

async fn issue(client: &reqwest::Client, base: &str, f: &Family) -> Option<String> {
    let r = client
        .post(format!("{base}/api/v1/children/{}/vouchers", f.child))
        .bearer_auth(&f.guardian.access)
        .json(&json!({ "program": "taxi_fuel" }))
        .send()
        .await
        .ok()?;
    if r.status() != 201 {
        return None;
    }
    let v: Value = r.json().await.ok()?;
    v["payload"].as_str().map(str::to_owned)
}

/// One family at the taxi rank: show a code, have it redeemed for 100 yen, and keep asking
/// with the same key until the answer is definite.
async fn client_loop(
    client: reqwest::Client,
    base: String,
    f: Family,
    device: String,
    stop: Arc<AtomicBool>,
    outcomes: Arc<Mutex<Outcomes>>,
) {
    while !stop.load(Ordering::SeqCst) {
        let Some(payload) = issue(&client, &base, &f).await else {
            tokio::time::sleep(Duration::from_millis(30)).await;
            continue;
        };
        let key = Uuid::new_v4().to_string();
        let body = json!({ "payload": payload, "amount_yen": 100 });
        loop {
            let sent = client
                .post(format!("{base}/api/v1/device/vouchers/redeem"))
                .bearer_auth(&device)
                .header("idempotency-key", &key)
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            let r = match sent {
                Ok(r) if r.status() != 503 => r,
                _ => {
                    outcomes.lock().await.resent += 1;
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    continue;
                }
            };
            let status = r.status().as_u16();
            let replayed = r.headers().contains_key("idempotent-replayed");
            let Ok(answer) = r.json::<Value>().await else {
                // The connection died while the body was on its way: ask again.
                outcomes.lock().await.resent += 1;
                continue;
            };
            let mut o = outcomes.lock().await;
            if replayed {
                o.replayed += 1;
            }
            match status {
                201 => {
                    let id = answer["redemption_id"].as_str().unwrap().to_owned();
                    o.succeeded.insert(key.clone(), id);
                }
                s if s < 500 => {
                    o.refused.insert(key.clone());
                }
                s => panic!("server error {s}: {answer}"),
            }
            break;
        }
    }
}

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
                base.clone(),
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

    // Every key that got a success has exactly one redemption, with the id it was told.
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT idempotency_key, id FROM redemptions".to_owned(),
        ))
        .await
        .unwrap();
    let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &rows {
        let key: String = row.try_get_by_index(0).unwrap();
        let id: Uuid = row.try_get_by_index(1).unwrap();
        stored.entry(key).or_default().push(id.to_string());
    }
    for (key, id) in &o.succeeded {
        assert_eq!(stored.get(key), Some(&vec![id.clone()]), "key {key}");
    }
    // No redemption exists that no client was told about.
    let told: BTreeSet<&String> = o.succeeded.keys().collect();
    let unknown: Vec<&String> = stored.keys().filter(|k| !told.contains(k)).collect();
    assert!(
        unknown.is_empty(),
        "redemptions without a success: {unknown:?}"
    );
    // Refused keys left nothing behind.
    assert!(o.refused.iter().all(|k| !stored.contains_key(k)));
    // Every balance equals its ledger.
    assert_eq!(ledger_mismatches(&app.db).await, Vec::<Vec<i64>>::new());
    let used = integers(
        &app.db,
        "SELECT CAST(COALESCE(SUM(covered_yen), 0) AS BIGINT) FROM redemptions WHERE reversed_at IS NULL",
    )
    .await;
    assert_eq!(used[0][0], 100 * o.succeeded.len() as i64);
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
