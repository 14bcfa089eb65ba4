//! Codes mean exactly what was issued: a good signature over other claims (another program,
//! another child, a later expiry) is refused; a rotated key retires once the longest code
//! lifetime has passed; a replayed redemption says what has become of it since.

use base64::Engine;
use chrono::Duration;
use ed25519_dalek::Signer;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::care_taxi;
use carepass::signed_codes::token::{self, Claims};

use crate::helpers::{
    NowUtc, TestApp, assert_problem, family, issue, redeem, remaining, spawn_app,
};

/// The stored private half of a signing key (empty once it retired).
async fn private_key(app: &TestApp, kid: &str) -> String {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            app.db.get_database_backend(),
            match app.db.get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    "SELECT private_key FROM signing_keys WHERE kid = $1"
                }
                _ => "SELECT private_key FROM signing_keys WHERE kid = ?",
            },
            [kid.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "private_key").unwrap()
}

/// Signs `claims` with a stored private key, as someone holding that key could.
fn sign_with_stored(private: &str, claims: &Claims) -> String {
    let seed: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(private)
        .unwrap()
        .try_into()
        .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let input = token::signing_input(claims);
    token::assemble(&input, &key.sign(input.as_bytes()).to_bytes())
}

async fn verify(app: &TestApp, device: &str, payload: &str) -> reqwest::Response {
    app.post(
        "/api/v1/device/vouchers/verify",
        Some(device),
        &json!({ "payload": payload }),
    )
    .await
}

async fn rotate(app: &TestApp, admin: &crate::helpers::User) {
    let r = app
        .post_empty("/api/v1/admin/voucher-keys/rotate", Some(&admin.access))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_re_signed_with_a_rotated_key_and_another_program_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel", "care_taxi"]).await;
    let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let (claims, _, _) = token::parse(v["payload"].as_str().unwrap()).unwrap();
    let old_private = private_key(&app, &claims.kid).await;
    rotate(&app, &admin).await;

    // The finding: the taxi/fuel voucher re-signed (with the earlier key) as a care-taxi ticket.
    let forged = sign_with_stored(
        &old_private,
        &Claims {
            program: care_taxi(),
            ..claims.clone()
        },
    );
    assert_problem(verify(&app, &care, &forged).await, 422, "voucher_mismatch").await;
    let fees = json!({ "reservation_fee_yen": 500, "pickup_fee_yen": 500, "basic_assistance_fee_yen": 500 });
    let r = redeem(
        &app,
        &care,
        "k1",
        &json!({ "payload": forged, "fees": fees }),
    )
    .await;
    assert_problem(r, 422, "voucher_mismatch").await;
    assert_eq!(remaining(&app, &f, "care_taxi").await, 4);

    // Another child's binding, and a later expiry, are refused the same way.
    let other_child = Claims {
        binding: token::binding(claims.subject_id, Uuid::new_v4()),
        ..claims.clone()
    };
    let later = Claims {
        expires_at: claims.expires_at + Duration::hours(6),
        ..claims.clone()
    };
    for forged in [other_child, later] {
        let code = sign_with_stored(&old_private, &forged);
        assert_problem(verify(&app, &taxi, &code).await, 422, "voucher_mismatch").await;
        let r = redeem(
            &app,
            &taxi,
            &Uuid::new_v4().to_string(),
            &json!({ "payload": code, "amount_yen": 1000 }),
        )
        .await;
        assert_problem(r, 422, "voucher_mismatch").await;
    }
    assert_eq!(app.count("redemptions").await, 0);
    // The genuine code still works: the refusals left the voucher unused.
    let r = redeem(
        &app,
        &taxi,
        "k2",
        &json!({ "payload": v["payload"], "amount_yen": 1000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_rotated_key_retires_once_the_longest_code_lifetime_has_passed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let (claims, _, _) = token::parse(v["payload"].as_str().unwrap()).unwrap();
    let old_private = private_key(&app, &claims.kid).await;
    rotate(&app, &admin).await;
    let kids = |jwks: &Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let jwks: Value = app
        .get("/api/v1/voucher-keys", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(kids(&jwks).contains(&claims.kid));
    // Still verifying: codes shown before the rotation keep working.
    assert_eq!(
        verify(&app, &taxi, v["payload"].as_str().unwrap())
            .await
            .status(),
        200
    );

    // 24 hours (a play-space entry code's life) and the hour's margin later, it is gone.
    let lifetime = app.config.key_lifetime();
    assert_eq!(lifetime, Duration::hours(25));
    app.clock.advance(lifetime + Duration::minutes(1));
    let jwks: Value = app
        .get("/api/v1/voucher-keys", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kids(&jwks).len(), 1);
    assert!(!kids(&jwks).contains(&claims.kid));
    // A code signed with it now, however fresh its expiry, is refused.
    let fresh = Claims {
        expires_at: chrono::DateTime::from_timestamp(
            (app.clock.now_utc() + Duration::minutes(5)).timestamp(),
            0,
        )
        .unwrap(),
        ..claims.clone()
    };
    let code = sign_with_stored(&old_private, &fresh);
    assert_problem(verify(&app, &taxi, &code).await, 422, "voucher_unknown_key").await;

    // The sweep retires it in the database and deletes its private half.
    let retired = app
        .keys
        .retire_due(&app.db, app.clock.now_utc(), lifetime)
        .await
        .unwrap();
    assert_eq!(retired, 1);
    assert_eq!(private_key(&app, &claims.kid).await, "");
    assert_eq!(
        app.integers("SELECT COUNT(*) FROM signing_keys WHERE status = 'retired'")
            .await,
        vec![vec![1]]
    );
}

#[tokio::test]
async fn a_replayed_redemption_says_it_was_cancelled_or_reversed_since() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;

    let v = issue(&app, &f, "taxi_fuel").await;
    let body = json!({ "payload": v["payload"], "amount_yen": 3_000 });
    let first = redeem(&app, &taxi, "scan-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(first.headers()["redemption-state"], "standing");
    let first_bytes = first.bytes().await.unwrap();
    let receipt: Value = serde_json::from_slice(&first_bytes).unwrap();
    let id = receipt["redemption_id"].as_str().unwrap();
    let r = app
        .post_empty(
            &format!("/api/v1/device/redemptions/{id}/cancel"),
            Some(&taxi),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // The scanner retries with the same key: the same bytes, but not a success.
    let replay = redeem(&app, &taxi, "scan-1", &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.headers()["redemption-state"], "cancelled");
    assert_eq!(replay.bytes().await.unwrap(), first_bytes);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);

    // A staff reversal reads as reversed.
    let v = issue(&app, &f, "taxi_fuel").await;
    let body = json!({ "payload": v["payload"], "amount_yen": 1_000 });
    let receipt: Value = redeem(&app, &taxi, "scan-2", &body)
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            &format!(
                "/api/v1/staff/redemptions/{}/reverse",
                receipt["redemption_id"].as_str().unwrap()
            ),
            Some(&f.staff.access),
            &json!({ "reason": "二重請求" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let replay = redeem(&app, &taxi, "scan-2", &body).await;
    assert_eq!(replay.headers()["redemption-state"], "reversed");
}

#[tokio::test]
async fn an_entry_code_lives_a_day_at_most_and_names_its_household() {
    let app = crate::helpers::spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 30).await;
    let staff = app.staff().await;
    let admin = app.admin().await;
    let (_, _, door) = app.partner_with_device(&admin, "play_space_operator").await;
    let f = family(&app, &["play_space"]).await;
    let s = crate::play_space::session(&app, &staff, 72, 5, 5, None).await;
    let b = crate::play_space::booked(&app, &f.guardian, &s, &[f.child], 0).await;
    let code: Value = app
        .get(
            &format!("/api/v1/play-bookings/{}/code", b["id"].as_str().unwrap()),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let expires: chrono::DateTime<chrono::Utc> =
        code["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(
        expires <= app.clock.now_utc() + Duration::hours(24),
        "{expires}"
    );

    // At the door of a session starting soon, the booking's code signed for another
    // household is refused; the genuine one gets in.
    let soon = crate::play_space::session(&app, &staff, 2, 5, 5, None).await;
    let b = crate::play_space::booked(&app, &f.guardian, &soon, &[f.child], 0).await;
    let code: Value = app
        .get(
            &format!("/api/v1/play-bookings/{}/code", b["id"].as_str().unwrap()),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let genuine = code["payload"].as_str().unwrap();
    let (claims, _, _) = token::parse(genuine).unwrap();
    let (_, input, sig) = app
        .keys
        .sign_with(|kid| {
            token::signing_input(&Claims {
                kid: kid.to_owned(),
                binding: token::binding(claims.subject_id, Uuid::new_v4()),
                ..claims.clone()
            })
        })
        .unwrap();
    app.clock.advance(Duration::minutes(61));
    let check_in = async |payload: &str| {
        app.post(
            "/api/v1/device/play-bookings/check-in",
            Some(&door),
            &json!({ "payload": payload }),
        )
        .await
    };
    let r = check_in(&token::assemble(&input, &sig)).await;
    assert_problem(r, 422, "not_a_booking_code").await;
    assert_eq!(check_in(genuine).await.status(), StatusCode::OK);
}
