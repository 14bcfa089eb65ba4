//! Vouchers end to end: allowances, QR codes, verify, redeem exactly once, reversals.

use std::sync::Arc;

use crate::helpers::{care_taxi, taxi_fuel};
use base64::Engine;
use carepass::entity::voucher;
use carepass::signed_codes::token::{self};
use carepass::units::Yen;
use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Period, assert_problem, decode_qr, family, issue, ledger_and_balance, mint, redeem, remaining,
    spawn_app, spawn_app_with,
};

#[tokio::test]
async fn a_qr_code_decoded_from_the_png_redeems_end_to_end() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    assert_eq!(v["remaining"], 20_000);
    assert!(v["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    let scanned = decode_qr(v["qr_png_base64"].as_str().unwrap());
    assert_eq!(scanned, v["payload"].as_str().unwrap());

    let r = app
        .post(
            "/api/v1/device/vouchers/verify",
            Some(&taxi),
            &json!({ "payload": scanned }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let verified: Value = r.json().await.unwrap();
    assert_eq!(verified["program"], "taxi_fuel");
    assert_eq!(verified["purpose"], "taxi_fare");
    assert_eq!(verified["max_covered_yen"], 20_000);
    assert_eq!(verified["child_initials"], "し.さ.");

    let r = redeem(
        &app,
        &taxi,
        "scan-1",
        &json!({ "payload": scanned, "amount_yen": 3200 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["covered_yen"], 3200);
    assert_eq!(receipt["family_pays_yen"], 0);
    assert_eq!(receipt["remaining"], 16_800);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 16_800);
    assert_eq!(ledger_and_balance(&app, f.child).await, (16_800, 16_800));
}

#[tokio::test]
async fn the_cover_is_capped_by_what_is_left_and_the_family_pays_the_rest() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, gas) = app.partner_with_device(&admin, "gas_station").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let r = redeem(
        &app,
        &gas,
        "k1",
        &json!({ "payload": v["payload"], "amount_yen": 15_000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["purpose"], "fuel");
    let v = issue(&app, &f, "taxi_fuel").await;
    assert_eq!(v["max_covered_yen"], 5_000);
    let r = redeem(
        &app,
        &gas,
        "k2",
        &json!({ "payload": v["payload"], "amount_yen": 8_000 }),
    )
    .await;
    let second: Value = r.json().await.unwrap();
    assert_eq!(
        (
            second["covered_yen"].as_i64(),
            second["family_pays_yen"].as_i64()
        ),
        (Some(5_000), Some(3_000))
    );
    assert_eq!(second["remaining"], 0);
    let r = app
        .post(
            &format!("/api/v1/children/{}/vouchers", f.child),
            Some(&f.guardian.access),
            &json!({ "program": "taxi_fuel" }),
        )
        .await;
    let p = assert_problem(r, 409, "allowance_exhausted").await;
    // The period is named by the program's: a month here.
    assert_eq!(p["detail"], "今月の残りはありません。");
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_first_answer_byte_for_byte() {
    let app = spawn_app().await;
    app.with_time_left_in_the(Period::Day, Duration::hours(1));
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let body = json!({ "payload": v["payload"], "amount_yen": 2500 });
    let first = redeem(&app, &taxi, "same-key", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_bytes = first.bytes().await.unwrap();
    app.clock.advance(Duration::minutes(10)); // the code itself has expired by now
    let retry = redeem(&app, &taxi, "same-key", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.bytes().await.unwrap(), first_bytes);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 17_500);
    assert_eq!(app.count("redemptions").await, 1);
}

#[tokio::test]
async fn the_same_key_with_a_different_request_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let codes = mint(&app, &f, taxi_fuel(), 2).await;
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": codes[0], "amount_yen": 1000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": codes[0], "amount_yen": 1001 }),
    )
    .await;
    assert_problem(r, 422, "idempotency_key_reused").await;
    // Even with another, unused code: nothing of it is redeemed.
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": codes[1], "amount_yen": 1000 }),
    )
    .await;
    assert_problem(r, 422, "idempotency_key_reused").await;
    assert_eq!(app.count("redemptions").await, 1);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 19_000);
    let r = redeem(
        &app,
        &taxi,
        "k2",
        &json!({ "payload": codes[1], "amount_yen": 1000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn fifty_concurrent_redeems_of_one_voucher_give_exactly_one_success() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let body = json!({ "payload": v["payload"], "amount_yen": 1000 });
    let keys: Vec<String> = (0..50).map(|i| format!("device-retry-{i}")).collect();
    let responses =
        futures::future::join_all(keys.iter().map(|k| redeem(&app, &taxi, k, &body))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 19_000);
    assert_eq!(app.count("redemptions").await, 1);
    assert_eq!(ledger_and_balance(&app, f.child).await, (19_000, 19_000));
}

#[tokio::test]
async fn fifty_concurrent_thousand_yen_redeems_on_a_twenty_thousand_yen_balance_exactly_twenty_succeed()
 {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let codes = mint(&app, &f, taxi_fuel(), 50).await;
    let (app_ref, taxi_ref) = (&app, &taxi);
    let responses = futures::future::join_all(codes.iter().enumerate().map(|(i, c)| {
        let body = json!({ "payload": c, "amount_yen": 1000 });
        async move {
            redeem(app_ref, taxi_ref, &format!("k{i}"), &body)
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    assert_eq!(
        responses.iter().filter(|s| **s == 201).count(),
        20,
        "{responses:?}"
    );
    assert_eq!(
        responses.iter().filter(|s| **s == 409).count(),
        30,
        "{responses:?}"
    );
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 0);
    assert_eq!(ledger_and_balance(&app, f.child).await, (0, 0));
}

#[tokio::test]
async fn twenty_concurrent_care_taxi_redeems_use_exactly_the_four_tickets() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["care_taxi"]).await;
    let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let codes = mint(&app, &f, care_taxi(), 20).await;
    let (app_ref, care_ref) = (&app, &care);
    let responses = futures::future::join_all(codes.iter().enumerate().map(|(i, c)| {
        let body = json!({ "payload": c, "fees": { "reservation_fee_yen": 200, "pickup_fee_yen": 400, "basic_assistance_fee_yen": 1000 } });
        async move { redeem(app_ref, care_ref, &format!("k{i}"), &body).await.status().as_u16() }
    }))
    .await;
    assert_eq!(
        responses.iter().filter(|s| **s == 201).count(),
        4,
        "{responses:?}"
    );
    assert_eq!(remaining(&app, &f, "care_taxi").await, 0);
}

#[tokio::test]
async fn a_care_taxi_ticket_covers_the_three_fees_up_to_the_ceiling() {
    let app = spawn_app_with(|c| {
        c.programs
            .tickets_mut("care_taxi")
            .unwrap()
            .per_ticket_ceiling_yen = carepass::units::Yen(1500)
    })
    .await;
    let admin = app.admin().await;
    let f = family(&app, &["care_taxi"]).await;
    let (_, _, care) = app.partner_with_device(&admin, "care_taxi_operator").await;
    let v = issue(&app, &f, "care_taxi").await;
    assert_eq!(v["unit"], "ticket");
    assert_eq!(v["remaining"], 4);
    assert_eq!(v["max_covered_yen"], 1500);
    let body = json!({ "payload": v["payload"], "fees": { "reservation_fee_yen": 300, "pickup_fee_yen": 500, "basic_assistance_fee_yen": 1000 } });
    let receipt: Value = redeem(&app, &care, "k", &body).await.json().await.unwrap();
    assert_eq!(receipt["requested_yen"], 1800);
    assert_eq!(receipt["covered_yen"], 1500);
    assert_eq!(receipt["family_pays_yen"], 300);
    assert_eq!(receipt["tickets_used"], 1);
    assert_eq!(receipt["remaining"], 3);
}

#[tokio::test]
async fn tampered_truncated_foreign_expired_replaced_and_used_codes_each_have_their_own_problem() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let code = v["payload"].as_str().unwrap().to_owned();
    let verify = |payload: String| {
        let app = &app;
        let taxi = taxi.clone();
        async move {
            app.post(
                "/api/v1/device/vouchers/verify",
                Some(&taxi),
                &json!({ "payload": payload }),
            )
            .await
        }
    };

    // Tampered: another voucher id under the same signature.
    let (mut claims, _, sig) = token::parse(&code).unwrap();
    claims.subject_id = Uuid::new_v4();
    let tampered = token::assemble(&token::signing_input(&claims), &sig);
    assert_problem(verify(tampered).await, 422, "voucher_signature_invalid").await;
    // Truncated.
    assert_problem(
        verify(code[..code.len() - 10].to_owned()).await,
        422,
        "voucher_malformed",
    )
    .await;
    assert_problem(verify("hello".into()).await, 422, "voucher_malformed").await;
    // Signed by a key that is not ours.
    let foreign_key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let (mut foreign, _, _) = token::parse(&code).unwrap();
    foreign.kid = "foreign".into();
    let input = token::signing_input(&foreign);
    use ed25519_dalek::Signer;
    let forged = token::assemble(&input, &foreign_key.sign(input.as_bytes()).to_bytes());
    assert_problem(verify(forged).await, 422, "voucher_unknown_key").await;
    // Replaced by a newer code.
    let newer = issue(&app, &f, "taxi_fuel").await;
    assert_problem(verify(code.clone()).await, 410, "voucher_cancelled").await;
    // Used.
    let newer_code = newer["payload"].as_str().unwrap().to_owned();
    assert_eq!(
        redeem(
            &app,
            &taxi,
            "k",
            &json!({ "payload": newer_code, "amount_yen": 100 })
        )
        .await
        .status(),
        201
    );
    assert_problem(
        verify(newer_code.clone()).await,
        409,
        "voucher_already_redeemed",
    )
    .await;
    let r = redeem(
        &app,
        &taxi,
        "k-other",
        &json!({ "payload": newer_code, "amount_yen": 100 }),
    )
    .await;
    assert_problem(r, 409, "voucher_already_redeemed").await;
    // Expired.
    let third = issue(&app, &f, "taxi_fuel").await;
    app.clock.advance(Duration::minutes(6));
    assert_problem(
        verify(third["payload"].as_str().unwrap().to_owned()).await,
        410,
        "voucher_expired",
    )
    .await;
    let r = redeem(
        &app,
        &taxi,
        "k3",
        &json!({ "payload": third["payload"], "amount_yen": 100 }),
    )
    .await;
    assert_problem(r, 410, "voucher_expired").await;
    assert_eq!(app.count("redemptions").await, 1);
}

#[tokio::test]
async fn only_the_right_kind_of_partner_may_redeem_a_program() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel", "care_taxi"]).await;
    let taxi_code = issue(&app, &f, "taxi_fuel").await["payload"].clone();
    let care_code = issue(&app, &f, "care_taxi").await["payload"].clone();
    for kind in [
        "care_taxi_operator",
        "nurse_station",
        "medical_institution",
        "play_space_operator",
    ] {
        let (_, _, device) = app.partner_with_device(&admin, kind).await;
        let r = redeem(
            &app,
            &device,
            "k",
            &json!({ "payload": taxi_code, "amount_yen": 100 }),
        )
        .await;
        let body = assert_problem(r, 403, "partner_kind_mismatch").await;
        assert_eq!(body["partner_kind"], kind);
    }
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let fees =
        json!({ "reservation_fee_yen": 1, "pickup_fee_yen": 1, "basic_assistance_fee_yen": 1 });
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": care_code, "fees": fees }),
    )
    .await;
    assert_problem(r, 403, "partner_kind_mismatch").await;
    assert_eq!(app.count("redemptions").await, 0);
}

#[tokio::test]
async fn a_revoked_device_cannot_verify_or_redeem() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, device_id, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    app.post_empty(
        &format!("/api/v1/admin/devices/{device_id}/revoke"),
        Some(&admin.access),
    )
    .await;
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": v["payload"], "amount_yen": 100 }),
    )
    .await;
    assert_problem(r, 401, "device_revoked").await;
    assert_eq!(app.count("redemptions").await, 0);
}

#[tokio::test]
async fn a_redemption_at_235959_and_one_at_midnight_fall_in_different_months() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (partner_id, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    // 23:59:58 JST on 31 January 2026 (issue), redeemed at 23:59:59.
    app.clock.set("2026-01-31T14:59:58Z".parse().unwrap());
    let v = issue(&app, &f, "taxi_fuel").await;
    app.clock.set("2026-01-31T14:59:59Z".parse().unwrap());
    let r = redeem(
        &app,
        &taxi,
        "jan",
        &json!({ "payload": v["payload"], "amount_yen": 5000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // 00:00:00 JST on 1 February.
    app.clock.set("2026-01-31T15:00:00Z".parse().unwrap());
    let v = issue(&app, &f, "taxi_fuel").await;
    assert_eq!(v["remaining"], 20_000, "February starts with a fresh grant");
    let r = redeem(
        &app,
        &taxi,
        "feb",
        &json!({ "payload": v["payload"], "amount_yen": 3000 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let staff = &f.staff;
    let jan: Value = app
        .get(
            &format!("/api/v1/staff/settlements/{partner_id}?month=2026-01"),
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let feb: Value = app
        .get(
            &format!("/api/v1/staff/settlements/{partner_id}?month=2026-02"),
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (jan["covered_yen"].as_i64(), feb["covered_yen"].as_i64()),
        (Some(5000), Some(3000))
    );
    assert_eq!(jan["lines"][0]["local_date"], "2026-01-31");
    assert_eq!(feb["lines"][0]["local_date"], "2026-02-01");

    // January's unused 15,000 lapsed when February opened; the ledger says so.
    let hist: Value = app
        .get(
            &format!(
                "/api/v1/children/{}/allowances/taxi_fuel/history?period=2026-01",
                f.child
            ),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<(&str, i64)> = hist["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![("grant", 20_000), ("capture", -5000), ("lapse", -15_000)]
    );
    assert_eq!(hist["redemptions"].as_array().unwrap().len(), 1);
    // The family knows the partner by name.
    assert!(
        hist["redemptions"][0]["partner_name"]
            .as_str()
            .is_some_and(|n| n.starts_with("taxi_company ")),
        "{hist}"
    );
}

#[tokio::test]
async fn the_partner_cancels_the_same_day_but_not_the_next_and_staff_can_reverse_later_with_a_reason()
 {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let (_, _, other_taxi) = app.partner_with_device(&admin, "taxi_company").await;
    app.clock.set("2026-03-10T01:00:00Z".parse().unwrap()); // 10:00 JST
    let codes = mint(&app, &f, taxi_fuel(), 2).await;
    let a: Value = redeem(
        &app,
        &taxi,
        "a",
        &json!({ "payload": codes[0], "amount_yen": 4000 }),
    )
    .await
    .json()
    .await
    .unwrap();
    let b: Value = redeem(
        &app,
        &taxi,
        "b",
        &json!({ "payload": codes[1], "amount_yen": 2000 }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 14_000);

    let today: Value = app
        .get("/api/v1/device/redemptions", Some(&taxi))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(today["items"].as_array().unwrap().len(), 2);
    let theirs: Value = app
        .get("/api/v1/device/redemptions", Some(&other_taxi))
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());

    let r = app
        .post_empty(
            &format!(
                "/api/v1/device/redemptions/{}/cancel",
                a["redemption_id"].as_str().unwrap()
            ),
            Some(&other_taxi),
        )
        .await;
    assert_problem(r, 404, "redemption_not_found").await;
    let r = app
        .post_empty(
            &format!(
                "/api/v1/device/redemptions/{}/cancel",
                a["redemption_id"].as_str().unwrap()
            ),
            Some(&taxi),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 18_000);

    // The driver's list of the day names each passenger by initials and says which ride was
    // cancelled, so the wrong one is not cancelled twice.
    let today: Value = app
        .get("/api/v1/device/redemptions", Some(&taxi))
        .await
        .json()
        .await
        .unwrap();
    let rows: Vec<(&str, &str, i64)> = today["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["child_initials"].as_str().unwrap(),
                i["state"].as_str().unwrap(),
                i["covered_yen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![("し.さ.", "standing", 2000), ("し.さ.", "cancelled", 4000)]
    );
    let r = app
        .post_empty(
            &format!(
                "/api/v1/device/redemptions/{}/cancel",
                a["redemption_id"].as_str().unwrap()
            ),
            Some(&taxi),
        )
        .await;
    assert_problem(r, 409, "redemption_already_reversed").await;

    app.clock.set("2026-03-10T15:00:00Z".parse().unwrap()); // 00:00 JST the next day
    let b_id = b["redemption_id"].as_str().unwrap();
    let r = app
        .post_empty(
            &format!("/api/v1/device/redemptions/{b_id}/cancel"),
            Some(&taxi),
        )
        .await;
    assert_problem(r, 409, "reversal_window_closed").await;
    let r = app
        .post(
            &format!("/api/v1/staff/redemptions/{b_id}/reverse"),
            Some(&f.staff.access),
            &json!({ "reason": "" }),
        )
        .await;
    assert_problem(r, 422, "invalid_field").await;
    let r = app
        .post(
            &format!("/api/v1/staff/redemptions/{b_id}/reverse"),
            Some(&f.staff.access),
            &json!({ "reason": "二重請求" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let reversed: Value = r.json().await.unwrap();
    assert_eq!(reversed["reversal_reason"], "二重請求");
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);
    assert_eq!(ledger_and_balance(&app, f.child).await, (20_000, 20_000));
    let actions = app.audit_actions(b_id, &f.staff.access).await;
    assert_eq!(actions, vec!["redemption.reversed", "voucher.redeemed"]);
}

#[tokio::test]
async fn the_monthly_settlement_equals_the_ledger_and_downloads_as_excel_csv() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (partner_id, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    app.clock.set("2026-05-20T03:00:00Z".parse().unwrap());
    let codes = mint(&app, &f, taxi_fuel(), 3).await;
    let mut ids = Vec::new();
    for (i, (code, amount)) in codes.iter().zip([1200, 3400, 5600]).enumerate() {
        let r: Value = redeem(
            &app,
            &taxi,
            &format!("k{i}"),
            &json!({ "payload": code, "amount_yen": amount }),
        )
        .await
        .json()
        .await
        .unwrap();
        ids.push(r["redemption_id"].as_str().unwrap().to_owned());
    }
    app.post(
        &format!("/api/v1/staff/redemptions/{}/reverse", ids[1]),
        Some(&f.staff.access),
        &json!({ "reason": "誤り" }),
    )
    .await;

    let totals: Value = app
        .get(
            "/api/v1/staff/settlements?month=2026-05",
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(totals["covered_yen"], 6800);
    assert_eq!(totals["partners"][0]["redemptions"], 2);
    assert_eq!(totals["partners"][0]["reversed"], 1);
    let s: Value = app
        .get(
            &format!("/api/v1/staff/settlements/{partner_id}?month=2026-05"),
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["covered_yen"], 6800);
    assert_eq!(s["lines"].as_array().unwrap().len(), 3);
    // The ledger agrees: grant − what the settlement pays = what is left.
    let (ledger, _) = ledger_and_balance(&app, f.child).await;
    assert_eq!(20_000 - s["covered_yen"].as_i64().unwrap(), ledger);

    let r = app
        .get(
            &format!("/api/v1/staff/settlements/{partner_id}?month=2026-05&format=csv"),
            Some(&f.staff.access),
        )
        .await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[0].starts_with("区分,利用ID,利用日時"));
    // Header, 3 rows, an empty line, the totals, and the trailing empty string.
    assert_eq!(lines.len(), 1 + 3 + 1 + 1 + 1, "{text:?}");
    assert!(!text.replace("\r\n", "").contains('\n'));
    assert!(lines[5].starts_with("合計") && lines[5].contains("6800"));

    let r = app
        .get(
            &format!("/api/v1/staff/settlements/{partner_id}?month=May"),
            Some(&f.staff.access),
        )
        .await;
    assert_problem(r, 400, "invalid_query").await;
}

#[tokio::test]
async fn bad_amounts_unknown_programs_and_missing_keys_are_refused_without_writing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let p = v["payload"].clone();
    for (amount, code) in [
        (json!(0), "invalid_field"),
        (json!(-100), "invalid_field"),
        (json!(50_001), "amount_over_limit"),
        (json!(i64::MAX), "amount_over_limit"),
        (json!(i64::MIN), "invalid_field"),
    ] {
        let r = redeem(
            &app,
            &taxi,
            "k",
            &json!({ "payload": p, "amount_yen": amount }),
        )
        .await;
        assert_eq!(
            assert_problem(r, 422, code).await["field"],
            "amount_yen",
            "{amount}"
        );
    }
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": p, "amount_yen": "1000" }),
    )
    .await;
    assert_problem(r, 422, "invalid_body").await;
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": p, "amount_yen": 1.5 }),
    )
    .await;
    assert_problem(r, 422, "invalid_body").await;
    let r = redeem(&app, &taxi, "k", &json!({ "payload": p })).await;
    assert_problem(r, 422, "invalid_field").await;
    let fees =
        json!({ "reservation_fee_yen": 1, "pickup_fee_yen": 1, "basic_assistance_fee_yen": 1 });
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": p, "amount_yen": 100, "fees": fees }),
    )
    .await;
    assert_problem(r, 422, "invalid_field").await;
    let r = app
        .post(
            "/api/v1/device/vouchers/redeem",
            Some(&taxi),
            &json!({ "payload": p, "amount_yen": 100 }),
        )
        .await;
    assert_problem(r, 400, "idempotency_key_missing").await;
    let r = redeem(
        &app,
        &taxi,
        &"x".repeat(101),
        &json!({ "payload": p, "amount_yen": 100 }),
    )
    .await;
    assert_problem(r, 400, "idempotency_key_missing").await;
    let r = redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": "x".repeat(600), "amount_yen": 100 }),
    )
    .await;
    assert_problem(r, 422, "voucher_malformed").await;
    assert_eq!(app.count("redemptions").await, 0);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);

    let issue_path = format!("/api/v1/children/{}/vouchers", f.child);
    let r = app
        .post(
            &issue_path,
            Some(&f.guardian.access),
            &json!({ "program": "lottery" }),
        )
        .await;
    // Programs are configuration: a well-formed id the ward does not have is not offered.
    assert_problem(r, 409, "program_not_offered").await;
    let r = app
        .post(
            &issue_path,
            Some(&f.guardian.access),
            &json!({ "program": "respite" }),
        )
        .await;
    assert_problem(r, 422, "program_has_no_vouchers").await;
    let r = app
        .post(
            &issue_path,
            Some(&f.guardian.access),
            &json!({ "program": "care_taxi" }),
        )
        .await;
    assert_problem(r, 409, "not_enrolled").await;
}

#[tokio::test]
async fn a_guardian_cannot_get_vouchers_or_balances_for_another_households_child() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let other = app.guardian(&f.staff).await;
    let r = app
        .post(
            &format!("/api/v1/children/{}/vouchers", f.child),
            Some(&other.access),
            &json!({ "program": "taxi_fuel" }),
        )
        .await;
    assert_problem(r, 404, "child_not_found").await;
    let r = app
        .get(
            &format!("/api/v1/children/{}/allowances", f.child),
            Some(&other.access),
        )
        .await;
    assert_problem(r, 404, "child_not_found").await;
    let r = app
        .get(
            &format!("/api/v1/children/{}/allowances/taxi_fuel/history", f.child),
            Some(&other.access),
        )
        .await;
    assert_problem(r, 404, "child_not_found").await;
    assert_eq!(app.count("vouchers").await, 0);
}

#[tokio::test]
async fn staff_corrections_move_the_balance_with_a_reason_but_never_below_zero() {
    // A limit high enough that one person may try to take the balance below zero.
    let app = spawn_app_with(|c| {
        c.programs
            .yen_mut("taxi_fuel")
            .unwrap()
            .one_approver_limit_yen = Some(Yen(100_000))
    })
    .await;
    let f = family(&app, &["taxi_fuel"]).await;
    let path = format!(
        "/api/v1/staff/children/{}/allowances/taxi_fuel/adjustments",
        f.child
    );
    let r = app
        .post(
            &path,
            Some(&f.staff.access),
            &json!({ "amount": 1500, "reason": "窓口での返金分" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let s: Value = r.json().await.unwrap();
    // The correction is shown apart from the grant (issue 15: "granted" no longer moves).
    assert_eq!(
        (
            s["granted"].as_i64(),
            s["adjusted"].as_i64(),
            s["remaining"].as_i64()
        ),
        (Some(20_000), Some(1500), Some(21_500))
    );
    let r = app
        .post(
            &path,
            Some(&f.staff.access),
            &json!({ "amount": -30_000, "reason": "誤り" }),
        )
        .await;
    let body = assert_problem(r, 409, "insufficient_balance").await;
    assert_eq!(body["remaining"], 21_500);
    assert_eq!(
        body["detail"],
        "今月の残りは21,500円です（30,000円が必要です）。"
    );
    let r = app
        .post(&path, Some(&f.staff.access), &json!({ "amount": -500 }))
        .await;
    assert_problem(r, 422, "invalid_body").await;
    let r = app
        .post(
            &path,
            Some(&f.guardian.access),
            &json!({ "amount": 500, "reason": "x" }),
        )
        .await;
    assert_problem(r, 403, "forbidden_role").await;
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 21_500);
    let log: Value = app
        .get(
            "/api/v1/staff/audit-log?action=allowance.adjusted",
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_rotated_key_still_verifies_codes_it_signed_and_both_keys_are_published() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let before: Value = app
        .get("/api/v1/voucher-keys", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["keys"].as_array().unwrap().len(), 1);
    assert_eq!(before["keys"][0]["crv"], "Ed25519");
    let v = issue(&app, &f, "taxi_fuel").await;
    let r = app
        .post_empty("/api/v1/admin/voucher-keys/rotate", Some(&admin.access))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let after: Value = app
        .get("/api/v1/voucher-keys", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["keys"].as_array().unwrap().len(), 2);
    let r = app
        .post(
            "/api/v1/device/vouchers/verify",
            Some(&taxi),
            &json!({ "payload": v["payload"] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let newer = issue(&app, &f, "taxi_fuel").await;
    let (old_claims, _, _) = token::parse(v["payload"].as_str().unwrap()).unwrap();
    let (new_claims, _, _) = token::parse(newer["payload"].as_str().unwrap()).unwrap();
    assert_ne!(old_claims.kid, new_claims.kid);
}

#[tokio::test]
async fn a_code_can_be_checked_offline_with_the_published_key() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let jwks: Value = app
        .get("/api/v1/voucher-keys", None)
        .await
        .json()
        .await
        .unwrap();
    let (claims, signed, sig) = token::parse(v["payload"].as_str().unwrap()).unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == claims.kid.as_str())
        .unwrap();
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().unwrap())
        .unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
    use ed25519_dalek::Verifier;
    assert!(
        key.verify(
            signed.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&sig)
        )
        .is_ok()
    );
    assert_eq!(claims.program, taxi_fuel());
    assert_eq!(
        claims.subject_id.to_string(),
        v["voucher_id"].as_str().unwrap()
    );
}

#[tokio::test]
async fn unused_balance_lapses_at_month_end_or_carries_over_when_the_rule_says_so() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    app.clock.set("2026-06-15T03:00:00Z".parse().unwrap());
    issue(&app, &f, "taxi_fuel").await; // opens June
    app.clock.set("2026-07-01T00:00:00Z".parse().unwrap()); // 09:00 JST on 1 July
    let lapsed = app.lapse_ended().await;
    assert_eq!(lapsed, 1);
    assert_eq!(app.lapse_ended().await, 0);
    assert_eq!(ledger_and_balance(&app, f.child).await, (0, 0));

    let app = spawn_app_with(|c| {
        c.programs.yen_mut("taxi_fuel").unwrap().unused_balance =
            carepass::config::UnusedBalance::CarryOver
    })
    .await;
    let f = family(&app, &["taxi_fuel"]).await;
    app.clock.set("2026-06-15T03:00:00Z".parse().unwrap());
    issue(&app, &f, "taxi_fuel").await;
    app.clock.set("2026-07-01T00:00:00Z".parse().unwrap());
    assert_eq!(
        remaining(&app, &f, "taxi_fuel").await,
        40_000,
        "shown before July is opened"
    );
    let v = issue(&app, &f, "taxi_fuel").await;
    assert_eq!(v["remaining"], 40_000);
    assert_eq!(ledger_and_balance(&app, f.child).await, (40_000, 40_000));
}

#[tokio::test]
async fn the_guardian_sees_granted_used_and_remaining_and_the_months_history() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel", "care_taxi", "respite"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    redeem(
        &app,
        &taxi,
        "k",
        &json!({ "payload": v["payload"], "amount_yen": 2000 }),
    )
    .await;
    let list: Value = app
        .get(
            &format!("/api/v1/children/{}/allowances", f.child),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let by: std::collections::HashMap<&str, &Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["program"].as_str().unwrap(), s))
        .collect();
    assert_eq!(by["taxi_fuel"]["granted"], 20_000);
    assert_eq!(by["taxi_fuel"]["used"], 2000);
    assert_eq!(by["taxi_fuel"]["remaining"], 18_000);
    assert_eq!(by["care_taxi"]["remaining"], 4);
    assert_eq!(by["respite"]["remaining"], 17_280);
    assert_eq!(by["respite"]["unit"], "minute");
    assert!(by["respite"]["period"].as_str().unwrap().starts_with("FY"));
    let hist: Value = app
        .get(
            &format!("/api/v1/children/{}/allowances/taxi_fuel/history", f.child),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hist["entries"].as_array().unwrap().len(), 2);
    assert_eq!(hist["redemptions"][0]["covered_yen"], 2000);
    let r = app
        .get(
            &format!(
                "/api/v1/children/{}/allowances/taxi_fuel/history?period=2026-13",
                f.child
            ),
            Some(&f.guardian.access),
        )
        .await;
    assert_problem(r, 400, "invalid_query").await;
    let _ = Arc::new(());
}

#[tokio::test]
async fn a_month_is_granted_exactly_once_even_when_many_codes_are_asked_for_at_once() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    app.clock.set("2026-08-01T00:00:00Z".parse().unwrap());
    let path = format!("/api/v1/children/{}/vouchers", f.child);
    let body = json!({ "program": "taxi_fuel" });
    let responses = futures::future::join_all(
        (0..12).map(|_| app.post(&path, Some(&f.guardian.access), &body)),
    )
    .await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::CREATED));
    let hist: Value = app
        .get(
            &format!(
                "/api/v1/children/{}/allowances/taxi_fuel/history?period=2026-08",
                f.child
            ),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    let grants = hist["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "grant")
        .count();
    assert_eq!(grants, 1);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 20_000);
    // Only the last code is live: the earlier ones were replaced.
    use sea_orm::{ColumnTrait, QueryFilter};
    let live = voucher::Entity::find()
        .filter(voucher::Column::Status.eq("issued"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(live.len(), 1);
}
