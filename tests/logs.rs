//! Secrets never reach the logs: a full journey (invitations, logins, a wrong password,
//! refresh, a device credential, a voucher code, redeem, logout) runs with every Carepass,
//! HTTP and database log at TRACE level, and none of the secrets it used appears in them.
//!
//! Its own test binary, so that its log capture is the process's only subscriber.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use helpers::{PASSWORD, spawn_app};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_token_password_credential_or_voucher_code_is_ever_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace,hyper=debug,hyper_util=debug,reqwest=debug,h2=info")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let app = spawn_app().await;
    let mut secrets: Vec<String> = vec![PASSWORD.into(), "a wrong password, typed".into()];
    let admin = app.admin().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    for u in [&admin, &staff, &guardian] {
        secrets.push(u.access.clone());
        secrets.push(u.refresh.clone());
    }

    // A wrong password, then the right one, then a refresh.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": guardian.email, "password": "a wrong password, typed" }),
        )
        .await;
    assert_eq!(r.status(), 401);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": guardian.email, "password": PASSWORD }),
        )
        .await;
    let login: Value = r.json().await.unwrap();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    secrets.push(login["access_token"].as_str().unwrap().into());
    secrets.push(refresh.clone());
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": refresh }),
        )
        .await;
    let refreshed: Value = r.json().await.unwrap();
    secrets.push(refreshed["access_token"].as_str().unwrap().into());
    secrets.push(refreshed["refresh_token"].as_str().unwrap().into());

    // An invitation code handed over at the counter.
    let household = guardian.household_id.unwrap();
    let r = app
        .post(
            &format!("/api/v1/staff/households/{household}/invitations"),
            Some(&staff.access),
            &json!({ "email": "second@example.jp", "display_name": "品川 次郎" }),
        )
        .await;
    let invitation: Value = r.json().await.unwrap();
    let code = invitation["invitation_code"].as_str().unwrap().to_owned();
    secrets.push(code.clone());
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({ "invitation_code": code, "password": "the second guardian's password" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    secrets.push("the second guardian's password".into());

    // A child in the taxi program, a device, a voucher code and a redemption.
    let child = app.child(&guardian).await;
    let enrollment = app.apply(&guardian, child, "taxi_fuel").await;
    let r = app
        .post(
            &format!("/api/v1/staff/enrollments/{enrollment}/approve"),
            Some(&staff.access),
            &helpers::approval_body("taxi_fuel"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, _, device) = app.partner_with_device(&admin, "taxi_company").await;
    secrets.push(device.clone());
    let r = app
        .post(
            &format!("/api/v1/children/{child}/vouchers"),
            Some(&guardian.access),
            &json!({ "program": "taxi_fuel" }),
        )
        .await;
    let voucher: Value = r.json().await.unwrap();
    let payload = voucher["payload"].as_str().unwrap().to_owned();
    secrets.push(payload.clone());
    let r = app
        .client
        .post(app.url("/api/v1/device/vouchers/redeem"))
        .bearer_auth(&device)
        .header("idempotency-key", "log-test-1")
        .json(&json!({ "payload": payload, "amount_yen": 1200 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .post_empty("/api/v1/auth/logout", Some(&guardian.access))
        .await;
    assert!(r.status().is_success());

    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    // The capture really saw the traffic: request spans and database work are there.
    assert!(
        logs.contains("/api/v1/device/vouchers/redeem"),
        "no request logs captured"
    );
    assert!(
        logs.lines().count() > 50,
        "only {} log lines",
        logs.lines().count()
    );
    for secret in &secrets {
        assert!(secret.len() >= 10);
        assert!(
            !logs.contains(secret.as_str()),
            "a secret starting {:?} is in the logs",
            &secret[..6]
        );
    }
}
