//! A child's page for staff: finding a child by name or reading, everything the ward holds for
//! the child in one answer, and the audit log told as sentences with names.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, decode_qr, family, issue, redeem, spawn_app};

async fn json_of(app: &TestApp, path: &str, token: &str) -> Value {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let q = url_encode(q);
    let list = json_of(app, &format!("/api/v1/staff/children?q={q}"), token).await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn staff_find_a_child_by_name_or_by_reading_in_hiragana_or_katakana() {
    let app = spawn_app().await;
    let f = family(&app, &[]).await;
    let id = f.child.to_string();
    let staff = &f.staff.access;
    assert_eq!(found(&app, staff, "品川").await, vec![id.clone()]);
    assert_eq!(
        found(&app, staff, "しながわ　さくら").await,
        vec![id.clone()]
    );
    assert_eq!(
        found(&app, staff, "シナガワ サクラ").await,
        vec![id.clone()]
    );
    assert!(found(&app, staff, "しながわ たろう").await.is_empty());
    // LIKE's own characters are taken literally.
    assert!(found(&app, staff, "%").await.is_empty());
    let r = app.get("/api/v1/staff/children?q=%20", Some(staff)).await;
    let p = assert_problem(r, 400, "invalid_query").await;
    assert_eq!(p["field"], "q");
    let r = app
        .get("/api/v1/staff/children?q=a%20b%20c%20d%20e", Some(staff))
        .await;
    assert_problem(r, 400, "invalid_query").await;
    // A control character would match every name with LIKE; it is refused, as is a long text.
    let r = app.get("/api/v1/staff/children?q=%00", Some(staff)).await;
    let p = assert_problem(r, 400, "invalid_query").await;
    assert!(p["detail"].as_str().unwrap().contains("制御文字"), "{p}");
    let long = "%E3%81%82".repeat(101);
    let r = app
        .get(&format!("/api/v1/staff/children?q={long}"), Some(staff))
        .await;
    assert!(
        assert_problem(r, 400, "invalid_query").await["detail"]
            .as_str()
            .unwrap()
            .contains("100文字")
    );
    let r = app
        .get(
            "/api/v1/staff/children?q=%E5%93%81",
            Some(&f.guardian.access),
        )
        .await;
    assert_problem(r, 403, "forbidden_role").await;
}

#[tokio::test]
async fn a_childs_page_holds_balances_applications_uses_and_the_trail_told_in_sentences() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let payload = decode_qr(v["qr_png_base64"].as_str().unwrap());
    let r = redeem(
        &app,
        &taxi,
        "ride-1",
        &json!({ "payload": payload, "amount_yen": 3200 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let page = json_of(
        &app,
        &format!("/api/v1/staff/children/{}", f.child),
        &f.staff.access,
    )
    .await;
    assert_eq!(page["child"]["family_name"], "品川");
    assert_eq!(page["household"]["guardians"].as_array().unwrap().len(), 1);
    let taxi_fuel = &page["allowances"][0];
    assert_eq!(taxi_fuel["program"], "taxi_fuel");
    assert_eq!(taxi_fuel["used"], 3200);
    assert_eq!(taxi_fuel["remaining"], 16_800);
    assert_eq!(page["enrollments"][0]["status"], "approved");
    let trail: Vec<&str> = page["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sentence"].as_str().unwrap())
        .collect();
    let program = "福祉タクシー・自動車燃料費助成";
    assert!(
        trail.contains(&"テスト 利用者（保護者）が品川 さくらさんを登録しました"),
        "{trail:?}"
    );
    assert!(
        trail.contains(
            &format!("テスト 利用者（職員）が品川 さくらさんの{program}の利用申請を承認しました")
                .as_str()
        ),
        "{trail:?}"
    );
    assert!(
        trail
            .iter()
            .any(|s| s.ends_with(&format!("で品川 さくらさんの{program}が利用されました"))),
        "{trail:?}"
    );
    // Newest first: the ride is the last thing that happened.
    assert!(trail[0].contains("が利用されました"), "{trail:?}");

    // Staff read the program's movements, as the family does.
    let history = json_of(
        &app,
        &format!(
            "/api/v1/staff/children/{}/allowances/taxi_fuel/history",
            f.child
        ),
        &f.staff.access,
    )
    .await;
    assert_eq!(history["redemptions"][0]["covered_yen"], 3200);
}

#[tokio::test]
async fn only_staff_open_a_childs_page_and_an_unknown_child_is_not_found() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let page = format!("/api/v1/staff/children/{}", f.child);
    let r = app.get(&page, Some(&f.guardian.access)).await;
    assert_problem(r, 403, "forbidden_role").await;
    let history = format!(
        "/api/v1/staff/children/{}/allowances/taxi_fuel/history",
        f.child
    );
    let r = app.get(&history, Some(&f.guardian.access)).await;
    assert_problem(r, 403, "forbidden_role").await;
    let r = app
        .get(
            &format!("/api/v1/staff/children/{}", Uuid::new_v4()),
            Some(&f.staff.access),
        )
        .await;
    assert_problem(r, 404, "child_not_found").await;
    let r = app
        .get(
            &format!(
                "/api/v1/staff/children/{}/allowances/taxi_fuel/history",
                Uuid::new_v4()
            ),
            Some(&f.staff.access),
        )
        .await;
    assert_problem(r, 404, "child_not_found").await;
}

#[tokio::test]
async fn the_audit_log_tells_each_entry_in_the_language_asked_for_and_filters_by_child() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let other = family(&app, &[]).await;
    let log: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/audit-log?child_id={}", f.child)))
        .bearer_auth(&f.staff.access)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    // Registered, applied, approved: the other family's child is not in this trail.
    assert_eq!(items.len(), 3, "{log}");
    assert!(items.iter().all(|e| e["child_ids"] == json!([f.child])));
    assert_eq!(
        items[0]["sentence"],
        "テスト 利用者 (staff) approved 品川 さくら's application for Welfare taxi and car fuel subsidy"
    );
    assert_eq!(
        items[2]["sentence"],
        "テスト 利用者 (guardian) registered 品川 さくら"
    );
    let theirs = json_of(
        &app,
        &format!("/api/v1/staff/audit-log?child_id={}", other.child),
        &f.staff.access,
    )
    .await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_audit_log_refuses_an_action_it_does_not_know() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let r = app
        .get(
            "/api/v1/staff/audit-log?action=enrollment.approve",
            Some(&staff.access),
        )
        .await;
    let p = assert_problem(r, 400, "invalid_query").await;
    assert_eq!(p["field"], "action");
}
