//! Notifications: written in the same transaction as the change, listed in the app, and
//! delivered to a real HTTP receiver on 127.0.0.1 that fails, stalls or hangs up, by workers
//! that may run side by side or be killed mid-delivery. Every event ends delivered (exactly
//! once per event id at the receiver, after deduplication) or dead-lettered.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carepass::clock::SystemClock;
use carepass::config::NotificationsConfig;
use carepass::notifications::worker::Worker;
use carepass::notifications::{self, Event, EventKind, Recipient, signature};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::helpers::family;
use crate::helpers::{TestApp, assert_problem, integers, spawn_app};

const SECRET: &str = "test-webhook-secret-0123456789abcdef";

/// What the receiver does with one request.
#[derive(Debug, Clone, Copy)]
enum Act {
    Ok,
    Fail,
    /// Answers only after this long (longer than the worker waits).
    Stall(u64),
    /// Reads the request and closes the connection without a word.
    HangUp,
}

#[derive(Debug, Clone)]
struct Received {
    event_id: String,
    timestamp: i64,
    signature: String,
    key_id: String,
    body: Vec<u8>,
    answered_ok: bool,
}

/// A push gateway on 127.0.0.1 that follows a script, then answers 200.
#[derive(Clone)]
struct Receiver {
    url: String,
    script: Arc<Mutex<Vec<Act>>>,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(script: Vec<Act>) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/push", listener.local_addr().unwrap());
        let r = Receiver {
            url,
            script: Arc::new(Mutex::new(script.into_iter().rev().collect())),
            got: Arc::new(Mutex::new(Vec::new())),
        };
        let me = r.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let me = me.clone();
                tokio::spawn(async move { me.serve(socket).await });
            }
        });
        r
    }

    async fn serve(&self, mut socket: tokio::net::TcpStream) {
        let Some((head, body)) = crate::helpers::read_request(&mut socket).await else {
            return;
        };
        let header = |name: &str| {
            head.lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                })
                .unwrap_or_default()
        };
        let act = self.script.lock().unwrap().pop().unwrap_or(Act::Ok);
        let mut got = Received {
            event_id: header("carepass-event-id"),
            timestamp: header("carepass-timestamp").parse().unwrap_or(0),
            signature: header("carepass-signature"),
            key_id: header("carepass-key-id"),
            body,
            answered_ok: false,
        };
        let reply: &[u8] = match act {
            Act::HangUp => {
                self.got.lock().unwrap().push(got);
                return;
            }
            Act::Stall(ms) => {
                // The gateway takes the event, but answers after the sender gave up.
                got.answered_ok = true;
                self.got.lock().unwrap().push(got);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                return;
            }
            Act::Fail => b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            Act::Ok => {
                got.answered_ok = true;
                b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            }
        };
        self.got.lock().unwrap().push(got);
        let _ = socket.write_all(reply).await;
        let _ = socket.shutdown().await;
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Event ids the gateway accepted, deduplicated, with how often each came.
    fn accepted(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in self.received().into_iter().filter(|r| r.answered_ok) {
            *m.entry(r.event_id).or_insert(0) += 1;
        }
        m
    }
}

fn fast(url: &str) -> NotificationsConfig {
    NotificationsConfig {
        webhook_url: Some(url.to_owned()),
        signing_key_id: "k-test".into(),
        signing_secret: Some(SECRET.into()),
        timeout_ms: 300,
        max_attempts: 10,
        backoff_base_ms: 20,
        backoff_max_ms: 100,
        poll_interval_ms: 20,
        claim_seconds: 1,
        batch_size: 5,
    }
}

/// A worker on the system clock (its retries wait in real time); the app's clock is set to the
/// same time, so an event the app schedules now is due for the worker now.
fn worker(app: &TestApp, config: NotificationsConfig) -> Worker {
    app.clock.set(chrono::Utc::now());
    Worker::new(app.db.clone(), config, Arc::new(SystemClock)).expect("a configured worker")
}

/// Writes `n` events for a household straight into the outbox.
async fn events(app: &TestApp, n: usize) -> BTreeSet<String> {
    let household = Uuid::new_v4();
    let mut ids = BTreeSet::new();
    for i in 0..n {
        let id = notifications::notify(
            &app.db,
            chrono::Utc::now(),
            Event {
                kind: EventKind::SettlementClosed,
                recipient: Recipient::Household(household),
                subject_type: "test",
                subject_id: Uuid::new_v4(),
                data: json!({ "n": i }),
                words: notifications::words::sample(EventKind::SettlementClosed),
            },
        )
        .await
        .unwrap();
        ids.insert(id.to_string());
    }
    ids
}

async fn count_status(app: &TestApp, status: &str) -> i64 {
    integers(
        &app.db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE delivery_status = '{status}'"
        ),
    )
    .await[0][0]
}

async fn wait_until_settled(app: &TestApp, total: i64, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if count_status(app, "delivered").await + count_status(app, "dead").await == total {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "not settled: {} pending after {limit:?}",
        count_status(app, "pending").await
    );
}

#[tokio::test]
async fn every_event_reaches_the_gateway_once_per_id_through_failures_stalls_and_hang_ups() {
    let app = spawn_app().await;
    let receiver = Receiver::start(vec![
        Act::Fail,
        Act::Stall(800),
        Act::HangUp,
        Act::Fail,
        Act::HangUp,
        Act::Stall(800),
    ])
    .await;
    let ids = events(&app, 12).await;
    // Two workers side by side, as two service instances would run them.
    let a = worker(&app, fast(&receiver.url)).spawn();
    let b = worker(&app, fast(&receiver.url)).spawn();
    wait_until_settled(&app, 12, Duration::from_secs(30)).await;
    a.abort();
    b.abort();

    assert_eq!(count_status(&app, "delivered").await, 12);
    let accepted = receiver.accepted();
    let accepted_ids: BTreeSet<String> = accepted.keys().cloned().collect();
    assert_eq!(accepted_ids, ids, "every event, deduplicated by id");
    // The failures were retried: more requests than events reached the receiver.
    assert!(receiver.received().len() >= 12 + 6);
    for r in receiver.received() {
        assert_eq!(r.key_id, "k-test");
        assert!(
            signature::verify(SECRET.as_bytes(), r.timestamp, &r.body, &r.signature),
            "a delivery's signature does not verify"
        );
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["id"].as_str().unwrap(), r.event_id);
        assert_eq!(body["type"], "settlement.closed");
        // The gateway gets the words to show, in both languages.
        assert_eq!(
            body["text"]["ja"]["title"],
            "2026年11月分の精算が確定しました"
        );
        assert_eq!(
            body["text"]["en"]["title"],
            "November 2026: settlement final"
        );
    }
}

#[tokio::test]
async fn workers_running_side_by_side_never_send_one_event_twice() {
    let app = spawn_app().await;
    let receiver = Receiver::start(Vec::new()).await;
    let ids = events(&app, 40).await;
    let workers: Vec<Worker> = (0..3).map(|_| worker(&app, fast(&receiver.url))).collect();
    let rounds = workers.iter().map(|w| async move {
        for _ in 0..40 {
            if w.run_once().await.unwrap() == 0 {
                break;
            }
        }
    });
    futures::future::join_all(rounds).await;
    wait_until_settled(&app, 40, Duration::from_secs(10)).await;
    let accepted = receiver.accepted();
    assert_eq!(accepted.keys().cloned().collect::<BTreeSet<_>>(), ids);
    let twice: Vec<_> = accepted.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(receiver.received().len(), 40);
}

#[tokio::test]
async fn an_event_that_keeps_failing_is_dead_lettered_and_staff_can_send_it_again() {
    let app = spawn_app().await;
    let receiver = Receiver::start(vec![Act::Fail; 3]).await;
    let ids = events(&app, 1).await;
    let id = ids.iter().next().unwrap().clone();
    let mut config = fast(&receiver.url);
    config.max_attempts = 3;
    let w = worker(&app, config);
    let task = w.clone().spawn();
    wait_until_settled(&app, 1, Duration::from_secs(10)).await;
    assert_eq!(count_status(&app, "dead").await, 1);

    let staff = app.staff().await;
    let dead: Value = app
        .get("/api/v1/staff/notifications", Some(&staff.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dead["items"][0]["id"], id.as_str());
    assert_eq!(dead["items"][0]["attempts"], 3);
    assert_eq!(dead["items"][0]["last_error"], "HTTP 500");
    let r = app
        .post_empty(
            &format!("/api/v1/staff/notifications/{id}/retry"),
            Some(&staff.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    wait_until_settled(&app, 1, Duration::from_secs(10)).await;
    task.abort();
    assert_eq!(count_status(&app, "delivered").await, 1);
    assert_eq!(receiver.accepted().get(&id), Some(&1));
    // A second retry of something not dead is 404.
    let r = app
        .post_empty(
            &format!("/api/v1/staff/notifications/{id}/retry"),
            Some(&staff.access),
        )
        .await;
    assert_problem(r, 404, "notification_not_found").await;
}

#[tokio::test]
async fn a_tampered_delivery_fails_the_documented_verification() {
    let app = spawn_app().await;
    let receiver = Receiver::start(Vec::new()).await;
    events(&app, 1).await;
    worker(&app, fast(&receiver.url)).run_once().await.unwrap();
    let r = receiver.received().pop().unwrap();
    assert!(signature::verify(
        SECRET.as_bytes(),
        r.timestamp,
        &r.body,
        &r.signature
    ));
    let mut body: Value = serde_json::from_slice(&r.body).unwrap();
    body["data"]["n"] = json!(999);
    let tampered = serde_json::to_vec(&body).unwrap();
    assert!(!signature::verify(
        SECRET.as_bytes(),
        r.timestamp,
        &tampered,
        &r.signature
    ));
    assert!(!signature::verify(
        SECRET.as_bytes(),
        r.timestamp + 1,
        &r.body,
        &r.signature
    ));
    assert!(!signature::verify(
        b"someone else's secret, 32 chars..",
        r.timestamp,
        &r.body,
        &r.signature
    ));
}

#[tokio::test]
async fn killing_the_worker_mid_delivery_loses_nothing() {
    let app = spawn_app().await;
    // The first delivery hangs long enough for the worker to be killed during it.
    let receiver = Receiver::start(vec![Act::Stall(3_000)]).await;
    let ids = events(&app, 1).await;
    let mut config = fast(&receiver.url);
    config.timeout_ms = 5_000;
    config.claim_seconds = 1;
    let first = worker(&app, config.clone()).spawn();
    let start = Instant::now();
    while receiver.received().is_empty() && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.abort();
    let _ = first.await;
    assert_eq!(
        count_status(&app, "pending").await,
        1,
        "still owed after the crash"
    );

    let second = worker(&app, fast(&receiver.url)).spawn();
    wait_until_settled(&app, 1, Duration::from_secs(15)).await;
    second.abort();
    assert_eq!(count_status(&app, "delivered").await, 1);
    assert_eq!(
        receiver.accepted().keys().cloned().collect::<BTreeSet<_>>(),
        ids
    );
}

#[tokio::test]
async fn changes_and_their_notifications_commit_together_and_families_read_their_own() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let other = family(&app, &["taxi_fuel"]).await;
    let before = app.count("notifications").await;
    // A refused change writes no notification.
    let r = app
        .post(
            &format!("/api/v1/children/{}/respite-visits", f.child),
            Some(&f.guardian.access),
            &json!({ "station_id": Uuid::new_v4(), "starts_at": "2099-01-01T10:00:00", "ends_at": "2099-01-01T11:00:00" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("notifications").await, before);

    // The enrollment decision of `family()` is in the family's inbox, not the other's.
    let inbox: Value = app
        .get("/api/v1/notifications", Some(&f.guardian.access))
        .await
        .json()
        .await
        .unwrap();
    let first = &inbox["items"][0];
    assert_eq!(first["type"], "enrollment.approved");
    assert_eq!(first["data"]["program"], "taxi_fuel");
    // It says so in words, with the child's and the program's names, in both languages.
    assert_eq!(
        first["text"]["ja"]["title"],
        "福祉タクシー・自動車燃料費助成の利用が承認されました"
    );
    let body = first["text"]["ja"]["body"].as_str().unwrap();
    assert!(body.starts_with("品川 さくらさんの福祉タクシー"), "{body}");
    assert!(
        first["text"]["en"]["title"]
            .as_str()
            .unwrap()
            .ends_with(": approved")
    );
    assert!(first["read_at"].is_null());
    assert_matches_its_variant(first);
    // How the push gateway was reached is the staff's business, not the family's.
    for internal in ["attempts", "delivery_status", "last_error"] {
        assert!(
            first.get(internal).is_none(),
            "the inbox shows {internal}: {first}"
        );
    }
    let id = first["id"].as_str().unwrap();
    let r = app
        .post_empty(
            &format!("/api/v1/notifications/{id}/read"),
            Some(&other.guardian.access),
        )
        .await;
    assert_problem(r, 404, "notification_not_found").await;
    let r = app
        .post_empty(
            &format!("/api/v1/notifications/{id}/read"),
            Some(&f.guardian.access),
        )
        .await;
    let read: Value = r.json().await.unwrap();
    assert!(read["read_at"].is_string());
    assert!(read.get("delivery_status").is_none(), "{read}");
    let unread: Value = app
        .get(
            "/api/v1/notifications?unread=true",
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(unread["items"].as_array().unwrap().is_empty());
}

/// A notification has the shape the spec's union gives its `type`: the variant exists, and its
/// `data` holds exactly the members of that variant's data schema.
fn assert_matches_its_variant(n: &Value) {
    let spec = carepass::http::openapi_document();
    let schemas = &spec["components"]["schemas"];
    let kind = n["type"].as_str().expect("type");
    let variant = spec["components"]["schemas"]["Notification"]["discriminator"]["mapping"][kind]
        .as_str()
        .unwrap_or_else(|| panic!("no variant for {kind}"))
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let data_ref = schemas[&variant]["allOf"][1]["properties"]["data"]["$ref"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let documented: BTreeSet<String> = schemas[&data_ref]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let sent: BTreeSet<String> = n["data"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        sent, documented,
        "{kind}: data {} against {data_ref}",
        n["data"]
    );
}
