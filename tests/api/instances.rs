//! Several instances, one PostgreSQL: three copies of the real binary serve one database while
//! families redeem through four taxi devices, each request going to the next instance (as a
//! load balancer would), retries keeping their Idempotency-Keys. Mid-load a signing key is
//! rotated on one instance, a device is revoked on another, and the third is SIGKILLed.
//! Afterwards: exactly once holds, the revoked device is refused by every instance within the
//! documented bound (the device cache's 2 seconds) and moved no money after its revocation, and
//! every balance equals its ledger.
//!
//! PostgreSQL only (several processes on one SQLite file is not a supported deployment);
//! ignored in the default run, `.ci/run` calls it:
//! `TEST_DATABASE_URL=… cargo test --test api -- --ignored --nocapture instances`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use crate::helpers::{family, integers, postgres_url, spawn_app};
use crate::real_binary::{Outcomes, Service, assert_exactly_once, client_loop, free_port};

const INSTANCES: usize = 3;
const FAMILIES: usize = 12;
/// How long another instance may keep honouring a revoked device it authenticated a moment
/// before (the device cache's time to live, `AppState::devices`), plus scheduling slack.
const REVOCATION_BOUND: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs TEST_DATABASE_URL; .ci/run calls it with --ignored on PostgreSQL"]
async fn three_instances_on_one_database_keep_exactly_once_through_a_revocation_and_a_kill() {
    assert!(
        postgres_url().is_some(),
        "this test runs three instances on one PostgreSQL database: set TEST_DATABASE_URL"
    );
    let app = spawn_app().await;
    let mut families = Vec::new();
    for _ in 0..FAMILIES {
        families.push(family(&app, &["taxi_fuel"]).await);
    }
    let admin = app.admin().await;
    // The real binaries run with the production default: staff functions need two-step
    // sign-in set up.
    app.set_up_second_factor(&admin).await;
    let mut devices = Vec::new();
    for _ in 0..4 {
        let (_, id, credential) = app.partner_with_device(&admin, "taxi_company").await;
        devices.push((id, credential));
    }
    let database_url = app.config.database.url.clone().unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut services: Vec<Option<Service>> = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..INSTANCES {
        let port = free_port();
        let s = Service::start(&database_url, port, tempfile::tempdir().unwrap());
        s.wait_ready(&client).await;
        bases.push(format!("http://127.0.0.1:{port}"));
        services.push(Some(s));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let clients: Vec<_> = families
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            // Each family starts at a different instance.
            let mut mine = bases.clone();
            mine.rotate_left(i % INSTANCES);
            tokio::spawn(client_loop(
                client.clone(),
                mine,
                f,
                devices[i % devices.len()].1.clone(),
                stop.clone(),
                outcomes.clone(),
            ))
        })
        .collect();

    // Load for a while, then rotate the signing key on instance 0: codes it signs from now
    // on carry a key id the others have not loaded yet.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = client
        .post(format!("{}/api/v1/admin/voucher-keys/rotate", bases[0]))
        .bearer_auth(&admin.access)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "rotate: {}", r.status());

    // Revoke device 0 on instance 1.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (revoked_id, revoked_credential) = devices[0].clone();
    let r = client
        .post(format!(
            "{}/api/v1/admin/devices/{revoked_id}/revoke",
            bases[1]
        ))
        .bearer_auth(&admin.access)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "revoke: {}", r.status());
    let revoked_at = Instant::now();

    // SIGKILL instance 2 mid-load; its clients' retries go to the others.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (_, killed_port, _) = services[2].take().unwrap().kill();

    // Every instance still running refuses the revoked device once the bound has passed.
    tokio::time::sleep(REVOCATION_BOUND.saturating_sub(revoked_at.elapsed())).await;
    for base in &bases[..2] {
        let r = client
            .get(format!("{base}/api/v1/device"))
            .bearer_auth(&revoked_credential)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{base} still accepts the revoked device");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "device_revoked");
    }

    // Bring the killed instance back on its port and go on for a little while.
    let restarted = Service::start(&database_url, killed_port, tempfile::tempdir().unwrap());
    restarted.wait_ready(&client).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        tokio::time::timeout(Duration::from_secs(60), c)
            .await
            .expect("clients finish")
            .expect("client did not panic");
    }
    for s in services.into_iter().flatten() {
        let _ = s.kill();
    }
    let _ = restarted.kill();

    let o = outcomes.lock().await;
    println!(
        "instances test: {INSTANCES} instances, {} redemptions, {} refusals, {} requests resent, {} answered from the stored response",
        o.succeeded.len(),
        o.refused.len(),
        o.resent,
        o.replayed
    );
    assert!(!o.succeeded.is_empty(), "no redemption went through");
    assert_exactly_once(&app, &o).await;
    // No money moved for the revoked device after its revocation, on any instance.
    let after = integers(
        &app.db,
        &format!(
            "SELECT COUNT(*) FROM redemptions r JOIN devices d ON d.id = r.device_id \
             WHERE d.id = '{revoked_id}' AND r.redeemed_at > d.revoked_at"
        ),
    )
    .await;
    assert_eq!(
        after[0][0], 0,
        "redemptions by the revoked device after revocation"
    );
    // Codes signed with the new key were redeemed on the instances that had not loaded it.
    let new_key_redemptions = integers(
        &app.db,
        "SELECT COUNT(*) FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id \
         JOIN signing_keys k ON k.kid = v.kid WHERE k.status = 'active'",
    )
    .await;
    assert!(
        new_key_redemptions[0][0] > 0,
        "no code signed with the rotated key was redeemed"
    );
}
