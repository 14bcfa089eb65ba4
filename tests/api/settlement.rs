//! Closed months stay closed (締め), and settlement files add up in a spreadsheet: a month is
//! closed once it has ended; its statements are then fixed (a later reversal counts in the
//! month it is made, as a negative line naming the original) and stay byte for byte as they
//! were when closed; partners read their own statement; every CSV's columns sum to its totals.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::taxi_fuel;

use crate::helpers::{
    Family, TestApp, User, assert_csv_adds_up, assert_problem, family, ledger_mismatches, mint,
    parse_csv, redeem, spawn_app_with,
};

async fn app_with(tweak: impl FnOnce(&mut carepass::config::Config)) -> TestApp {
    spawn_app_with(|c| {
        c.auth.access_token_minutes = 60 * 24 * 400;
        tweak(c);
    })
    .await
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().to_utc()
}

/// Redeems a fresh code for `amount` and returns the redemption id.
async fn redeemed(app: &TestApp, f: &Family, device: &str, amount: i64) -> String {
    let code = mint(app, f, taxi_fuel(), 1).await.remove(0);
    let r = redeem(
        app,
        device,
        &Uuid::new_v4().to_string(),
        &json!({ "payload": code, "amount_yen": amount }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    r.json::<Value>().await.unwrap()["redemption_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn staff_reverse(app: &TestApp, staff: &User, id: &str, reason: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/staff/redemptions/{id}/reverse"),
        Some(&staff.access),
        &json!({ "reason": reason }),
    )
    .await
}

async fn close(app: &TestApp, staff: &User, month: &str) -> reqwest::Response {
    app.post_empty(
        &format!("/api/v1/staff/settlements/{month}/close"),
        Some(&staff.access),
    )
    .await
}

async fn statement(app: &TestApp, staff: &User, partner: Uuid, month: &str) -> Value {
    app.get(
        &format!("/api/v1/staff/settlements/{partner}?month={month}"),
        Some(&staff.access),
    )
    .await
    .json()
    .await
    .unwrap()
}

async fn csv_bytes(app: &TestApp, staff: &User, partner: Uuid, month: &str) -> (Vec<u8>, String) {
    let r = app
        .get(
            &format!("/api/v1/staff/settlements/{partner}?month={month}&format=csv"),
            Some(&staff.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (r.bytes().await.unwrap().to_vec(), disposition)
}

fn sha256(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// Checks that each amount column sums to the value on the totals line, which is the last
/// line, after an empty one; returns the totals by column name.
fn assert_columns_add_up(text: &str) -> std::collections::HashMap<String, i64> {
    assert_csv_adds_up(text, &["助成額(円)", "取消額(円)", "自己負担額(円)"])
}

struct Month {
    app: TestApp,
    f: Family,
    staff: User,
    taxi: String,
    partner: Uuid,
    ids: Vec<String>,
}

/// Three taxi redemptions on 20 November 2026.
async fn november(tweak: impl FnOnce(&mut carepass::config::Config)) -> Month {
    let app = app_with(tweak).await;
    app.clock.set(at("2026-11-20T10:00:00+09:00"));
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let staff = f.staff.clone();
    let (partner, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let mut ids = Vec::new();
    for amount in [1_200, 3_400, 5_600] {
        ids.push(redeemed(&app, &f, &taxi, amount).await);
    }
    Month {
        app,
        f,
        staff,
        taxi,
        partner,
        ids,
    }
}

#[tokio::test]
async fn a_closed_month_stays_byte_identical_after_a_december_reversal() {
    let m = november(|_| {}).await;
    let (app, staff) = (&m.app, &m.staff);

    // Not before the month has ended, and its grace hour.
    let r = close(app, staff, "2026-11").await;
    assert_problem(r, 409, "month_not_ended").await;
    app.clock.set(at("2026-12-01T00:30:00+09:00"));
    let r = close(app, staff, "2026-11").await;
    let p = assert_problem(r, 409, "month_not_ended").await;
    assert_eq!(p["closable_from"], "2026-12-01T01:00:00");

    app.clock.set(at("2026-12-02T09:00:00+09:00"));
    let r = close(app, staff, "2026-11").await;
    assert_eq!(r.status(), StatusCode::OK);
    let closed: Value = r.json().await.unwrap();
    assert_eq!(closed["covered_yen"], 10_200);
    let digest = closed["statements"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let (paid, _) = csv_bytes(app, staff, m.partner, "2026-11").await;
    assert_eq!(sha256(&paid), digest, "the stored digest is the CSV's");
    let r = close(app, staff, "2026-11").await;
    assert_problem(r, 409, "month_already_closed").await;

    // In December, staff reverse one of November's redemptions.
    app.clock.set(at("2026-12-05T11:00:00+09:00"));
    let r = staff_reverse(app, staff, &m.ids[1], "二重請求のため").await;
    assert_eq!(r.status(), StatusCode::OK);

    // November's statement and CSV are exactly as paid.
    let (again, _) = csv_bytes(app, staff, m.partner, "2026-11").await;
    assert_eq!(again, paid);
    let nov = statement(app, staff, m.partner, "2026-11").await;
    assert_eq!(nov["status"], "closed");
    assert_eq!(nov["digest"], digest);
    assert_eq!(nov["covered_yen"], 10_200);
    assert!(
        nov["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["kind"] == "redemption")
    );

    // December carries the reversal as a negative line naming the original.
    let dec = statement(app, staff, m.partner, "2026-12").await;
    assert_eq!(dec["status"], "open");
    assert_eq!(dec["covered_yen"], -3_400);
    let line = &dec["lines"][0];
    assert_eq!(line["kind"], "reversal_of_earlier");
    assert_eq!(line["redemption_id"], m.ids[1]);
    assert_eq!(line["original_month"], "2026-11");
    assert_eq!(line["covered_yen"], -3_400);
    assert_eq!(line["reversed_yen"], 3_400);
    let (dec_csv, _) = csv_bytes(app, staff, m.partner, "2026-12").await;
    let totals = assert_columns_add_up(std::str::from_utf8(&dec_csv).unwrap());
    assert_eq!(totals["助成額(円)"], -3_400);
    let list: Value = app
        .get(
            "/api/v1/staff/settlements?month=2026-12",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["covered_yen"], -3_400);
    assert!(list["closing"].is_null());
    assert!(ledger_mismatches(&app.db).await.is_empty());
}

#[tokio::test]
async fn a_partner_cannot_cancel_a_redemption_of_a_closed_month() {
    let m = november(|c| c.settlement.close_grace_minutes = 0).await;
    let (app, staff) = (&m.app, &m.staff);
    // 23:59 on 30 November, then the month is closed at midnight.
    app.clock.set(at("2026-11-30T23:59:00+09:00"));
    let late = redeemed(app, &m.f, &m.taxi, 700).await;
    app.clock.set(at("2026-12-01T00:00:00+09:00"));
    assert_eq!(close(app, staff, "2026-11").await.status(), StatusCode::OK);
    // Even on the same local day (a clock one minute behind), the cancel is refused.
    app.clock.set(at("2026-11-30T23:59:30+09:00"));
    let r = app
        .post_empty(
            &format!("/api/v1/device/redemptions/{late}/cancel"),
            Some(&m.taxi),
        )
        .await;
    assert_problem(r, 409, "month_closed").await;
    assert_eq!(
        statement(app, staff, m.partner, "2026-11").await["covered_yen"],
        10_900
    );
}

#[tokio::test]
async fn the_settlement_csv_adds_up_neutralises_formulas_and_names_the_partner_and_month() {
    let m = november(|_| {}).await;
    let (app, staff) = (&m.app, &m.staff);
    // In November: one reversal in the month, with a reason a spreadsheet would run.
    let evil = "=HYPERLINK(\"http://evil.example/\",\"x\")";
    assert_eq!(
        staff_reverse(app, staff, &m.ids[0], evil).await.status(),
        StatusCode::OK
    );
    let (bytes, disposition) = csv_bytes(app, staff, m.partner, "2026-11").await;
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes).unwrap();
    let totals = assert_columns_add_up(text);
    assert_eq!(totals["助成額(円)"], 9_000);
    assert_eq!(totals["取消額(円)"], 1_200);
    let rows = parse_csv(text);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let reversed = rows.iter().find(|r| r[col("区分")] == "取消済").unwrap();
    assert_eq!(reversed[col("助成額(円)")], "0");
    assert_eq!(reversed[col("取消額(円)")], "1200");
    assert_eq!(reversed[col("取消理由")], format!("'{evil}"));
    assert_eq!(reversed[col("事業")], "福祉タクシー・自動車燃料費助成");
    assert_eq!(reversed[col("用途")], "タクシー運賃");
    assert!(
        !text.contains("taxi_fuel") && !text.contains("taxi_fare"),
        "{text}"
    );
    // The totals sit under their own columns, and nothing under 取消理由.
    let last = rows.last().unwrap();
    assert_eq!(last[col("取消理由")], "");
    // The file is named for the partner and the month.
    assert!(
        disposition.starts_with("attachment; filename=\"settlement-2026-11-"),
        "{disposition}"
    );
    assert!(
        disposition.contains(&m.partner.to_string()),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%98%8E%E7%B4%B0_"),
        "{disposition}"
    );
    assert!(disposition.ends_with("_2026-11.csv"), "{disposition}");
}

#[tokio::test]
async fn a_partner_reads_its_own_statement_open_and_closed_from_its_device() {
    let m = november(|_| {}).await;
    let (app, staff) = (&m.app, &m.staff);
    let admin = app.admin().await;
    let (_, _, other) = app.partner_with_device(&admin, "taxi_company").await;
    redeemed(app, &m.f, &other, 900).await;
    let mine: Value = app
        .get("/api/v1/device/statement?month=2026-11", Some(&m.taxi))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["partner_id"], m.partner.to_string());
    assert_eq!(mine["status"], "open");
    assert_eq!(mine["lines"].as_array().unwrap().len(), 3);
    assert_eq!(mine["covered_yen"], 10_200);
    app.clock.set(at("2026-12-03T09:00:00+09:00"));
    assert_eq!(close(app, staff, "2026-11").await.status(), StatusCode::OK);
    let mine: Value = app
        .get("/api/v1/device/statement?month=2026-11", Some(&m.taxi))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["status"], "closed");
    let r = app
        .get(
            "/api/v1/device/statement?month=2026-11&format=csv",
            Some(&m.taxi),
        )
        .await;
    let bytes = r.bytes().await.unwrap();
    assert_eq!(sha256(&bytes), mine["digest"].as_str().unwrap());
    // The partner was told.
    let inbox: Value = app
        .get("/api/v1/device/notifications", Some(&m.taxi))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["items"][0]["type"], "settlement.closed");
}

#[tokio::test]
async fn reversals_racing_a_closing_leave_the_closed_statement_as_its_digest_says() {
    let m = november(|_| {}).await;
    let (app, staff) = (&m.app, &m.staff);
    let mut ids = m.ids.clone();
    for _ in 0..9 {
        ids.push(redeemed(app, &m.f, &m.taxi, 100).await);
    }
    app.clock.set(at("2026-12-02T09:00:00+09:00"));
    let reversals = ids.iter().map(|id| async move {
        staff_reverse(app, staff, id, "訂正")
            .await
            .status()
            .as_u16()
    });
    let (statuses, closing) = tokio::join!(
        futures::future::join_all(reversals),
        close(app, staff, "2026-11")
    );
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(closing.status(), StatusCode::OK);
    let closed: Value = closing.json().await.unwrap();
    let digest = closed["statements"][0]["digest"].as_str().unwrap();
    let (nov, _) = csv_bytes(app, staff, m.partner, "2026-11").await;
    assert_eq!(sha256(&nov), digest);
    // Whatever the order, November and December together hold every reversal once.
    let nov = statement(app, staff, m.partner, "2026-11").await;
    let dec = statement(app, staff, m.partner, "2026-12").await;
    let total = nov["covered_yen"].as_i64().unwrap() + dec["covered_yen"].as_i64().unwrap();
    assert_eq!(total, 0);
}
