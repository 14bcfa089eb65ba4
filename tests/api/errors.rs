//! Bad input gets a problem+json 4xx in the caller's language, never a 500, and writes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_a_400_problem_and_nothing_is_written() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let before = app.count("households").await;
    let r = app
        .client
        .post(app.url("/api/v1/staff/households"))
        .bearer_auth(&staff.access)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "invalid_json").await;
    assert_eq!(app.count("households").await, before);
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_422_problems() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": "家", "admin": true }),
        )
        .await;
    let body = assert_problem(r, 422, "invalid_body").await;
    assert_eq!(body["field"], "admin");
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": 42 }),
        )
        .await;
    assert_problem(r, 422, "invalid_body").await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!(["a@example.jp", "a password"]),
        )
        .await;
    assert_problem(r, 422, "invalid_body").await;
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": 42 }),
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_body").await["field"],
        "name"
    );
    assert_eq!(app.count("households").await, 0);
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_415() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body("email=a&password=b")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn an_oversized_body_is_413_and_nothing_is_written() {
    let app = spawn_app_with(|c| c.server.body_limit_bytes = 1024).await;
    let staff = app.staff().await;
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": "家".repeat(2000) }),
        )
        .await;
    assert_problem(r, 413, "payload_too_large").await;
    assert_eq!(app.count("households").await, 0);
}

#[tokio::test]
async fn an_overlong_name_is_a_field_problem() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": "家".repeat(101) }),
        )
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "name"
    );
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_a_400_problem() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let r = app
        .get("/api/v1/children/not-a-uuid", Some(&guardian.access))
        .await;
    assert_problem(r, 400, "invalid_path").await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems_too() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/api/v1/nothing-here", None).await,
        404,
        "not_found",
    )
    .await;
    let r = app
        .client
        .delete(app.url("/api/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn problems_speak_japanese_by_default_and_english_when_asked() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/me", None).await;
    assert_eq!(r.headers()["content-language"], "ja");
    let ja: Value = r.json().await.unwrap();
    assert_eq!(ja["title"], "認証が必要です");
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .header("accept-language", "en-GB,en;q=0.9,ja;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-language"], "en");
    let en: Value = r.json().await.unwrap();
    assert_eq!(en["title"], "Authentication is required");
    assert_eq!(en["code"], ja["code"]);
}

#[tokio::test]
async fn field_problems_carry_a_translated_detail() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let mut body = crate::helpers::child_body();
    body["birth_date"] = json!("2999-01-01");
    let r = app
        .client
        .post(app.url("/api/v1/children"))
        .bearer_auth(&guardian.access)
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap();
    let en = assert_problem(r, 422, "invalid_field").await;
    assert!(en["detail"].as_str().unwrap().contains("past date"));
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    let ja = assert_problem(r, 422, "invalid_field").await;
    assert!(ja["detail"].as_str().unwrap().contains("過去の日付"));
}

#[tokio::test]
async fn every_problem_names_the_request_id_of_its_response() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/me", None).await;
    let header = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["request_id"], header);
    assert_eq!(StatusCode::UNAUTHORIZED, 401);
}

/// A Japanese sentence with no English words in it: only the names a person types (a member,
/// a parameter, a value the operation takes) may appear, inside 「」.
fn reads_as_japanese(detail: &str) {
    let outside_quotes: String = detail
        .split('「')
        .map(|part| part.split_once('」').map_or(part, |(_, rest)| rest))
        .collect::<Vec<_>>()
        .join(" ");
    let before_list = outside_quotes
        .split("指定できる")
        .next()
        .unwrap_or_default();
    let english: Vec<&str> = before_list
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 2 && !matches!(*w, "UUID" | "URL" | "JSON"))
        .collect();
    assert!(
        english.is_empty(),
        "English words {english:?} in a Japanese detail: {detail}"
    );
}

#[tokio::test]
async fn refusals_of_malformed_requests_name_the_field_in_plain_japanese() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let households = app.count("households").await;
    // A member the operation does not take.
    let r = app
        .post(
            "/api/v1/staff/households",
            Some(&staff.access),
            &json!({ "name": "家", "amount": 1 }),
        )
        .await;
    let body = assert_problem(r, 422, "invalid_body").await;
    assert_eq!(body["field"], "amount");
    let detail = body["detail"].as_str().unwrap();
    assert_eq!(detail, "この操作では使えない項目が含まれています。");
    reads_as_japanese(detail);
    // A member that is missing, and one of the wrong type.
    for (sent, field) in [(json!({}), "name"), (json!({ "name": ["家"] }), "name")] {
        let r = app
            .post("/api/v1/staff/households", Some(&staff.access), &sent)
            .await;
        let body = assert_problem(r, 422, "invalid_body").await;
        assert_eq!(body["field"], field);
        reads_as_japanese(body["detail"].as_str().unwrap());
    }
    // A path parameter that is not an id.
    let r = app
        .get(
            "/api/v1/children/not-a-uuid/allowances",
            Some(&guardian.access),
        )
        .await;
    let body = assert_problem(r, 400, "invalid_path").await;
    assert_eq!(body["field"], "child_id");
    assert_eq!(
        body["detail"],
        "アドレスの児童の識別番号は所定の形式で指定してください。"
    );
    // A query parameter of the wrong type.
    let r = app
        .get("/api/v1/staff/households?limit=many", Some(&staff.access))
        .await;
    let body = assert_problem(r, 400, "invalid_query").await;
    assert_eq!(body["field"], "limit");
    reads_as_japanese(body["detail"].as_str().unwrap());
    // Malformed JSON is its own code, at 400, apart from the 422 of a well-formed body.
    let r = app
        .client
        .post(app.url("/api/v1/staff/households"))
        .bearer_auth(&staff.access)
        .header("content-type", "application/json")
        .body("{\"name\": \"家\",}")
        .send()
        .await
        .unwrap();
    let body = assert_problem(r, 400, "invalid_json").await;
    reads_as_japanese(body["detail"].as_str().unwrap());
    assert_eq!(app.count("households").await, households);
}

#[tokio::test]
async fn a_problems_type_is_a_page_that_says_what_to_do_in_the_callers_language() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/nowhere", None).await;
    let problem = assert_problem(r, 404, "not_found").await;
    let page_url = app.url(problem["type"].as_str().unwrap());
    let r = app.client.get(&page_url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-language"], "ja");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("<html lang=\"ja\">"));
    assert!(page.contains("リソースが見つかりません"), "{page}");
    assert!(page.contains("どうすればよいか"));
    let r = app
        .client
        .get(app.url("/problems/voucher_expired"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("The code has expired; ask the family to show a new one"));
    assert!(
        page.contains("HTTP 410"),
        "the status is read off the conversion: {page}"
    );
    assert!(page.contains("What to do"));
    // A code that does not exist has no page.
    let r = app.get("/problems/no_such_code", None).await;
    assert_problem(r, 404, "not_found").await;
}
