//! Test helpers for tests that run the real binary: a service process that can be SIGKILLed
//! and restarted, and families redeeming against one or several such processes with clients
//! that keep their Idempotency-Keys across retries.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::helpers::{Family, TestApp, integers, ledger_mismatches};

pub struct Service {
    child: Child,
    url: String,
    port: u16,
    dir: tempfile::TempDir,
}

impl Service {
    pub fn start(database_url: &str, port: u16, dir: tempfile::TempDir) -> Service {
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

    pub async fn wait_ready(&self, client: &reqwest::Client) {
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
    pub fn kill(mut self) -> (String, u16, tempfile::TempDir) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
        (self.url, self.port, self.dir)
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A small xorshift; the seed is printed so a failing run can be repeated.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[derive(Default)]
pub struct Outcomes {
    /// Idempotency key → redemption id, for every key answered 201.
    pub succeeded: BTreeMap<String, String>,
    /// Keys answered with a definite refusal (spent balance, used code...).
    pub refused: BTreeSet<String>,
    /// Requests that had to be sent again because the service was down or busy.
    pub resent: u32,
    /// Retries answered from the stored response (the first answer was lost in a crash).
    pub replayed: u32,
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
/// with the same key until the answer is definite. With several `bases` (instances behind a
/// load balancer) each request goes to the next one, so a retry usually lands elsewhere.
pub async fn client_loop(
    client: reqwest::Client,
    bases: Vec<String>,
    f: Family,
    device: String,
    stop: Arc<AtomicBool>,
    outcomes: Arc<Mutex<Outcomes>>,
) {
    let mut turn = 0usize;
    let mut next_base = || {
        turn += 1;
        bases[turn % bases.len()].clone()
    };
    while !stop.load(Ordering::SeqCst) {
        let Some(payload) = issue(&client, &next_base(), &f).await else {
            tokio::time::sleep(Duration::from_millis(30)).await;
            continue;
        };
        let key = Uuid::new_v4().to_string();
        let body = json!({ "payload": payload, "amount_yen": 100 });
        loop {
            let base = next_base();
            let sent = client
                .post(format!("{base}/api/v1/device/vouchers/redeem"))
                .bearer_auth(&device)
                .header("idempotency-key", &key)
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            let r = match sent {
                // Busy (503) or over the write limit (429): send the same request again.
                Ok(r) if r.status() != 503 && r.status() != 429 => r,
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

/// After a run: every key that got a success has exactly one redemption with the id it was
/// told, no redemption exists that no client was told about, refused keys left nothing, every
/// balance equals its ledger, and the yen used add up.
pub async fn assert_exactly_once(app: &TestApp, o: &Outcomes) {
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
    let told: BTreeSet<&String> = o.succeeded.keys().collect();
    let unknown: Vec<&String> = stored.keys().filter(|k| !told.contains(k)).collect();
    assert!(
        unknown.is_empty(),
        "redemptions without a success: {unknown:?}"
    );
    assert!(o.refused.iter().all(|k| !stored.contains_key(k)));
    assert_eq!(ledger_mismatches(&app.db).await, Vec::<Vec<i64>>::new());
    let used = integers(
        &app.db,
        "SELECT CAST(COALESCE(SUM(covered_yen), 0) AS BIGINT) FROM redemptions WHERE reversed_at IS NULL",
    )
    .await;
    assert_eq!(used[0][0], 100 * o.succeeded.len() as i64);
}
