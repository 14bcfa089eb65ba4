//! Health, readiness, metrics, request ids and the docs page.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer_ok_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let h: Value = app.get("/healthz", None).await.json().await.unwrap();
    assert_eq!(h["status"], "ok");
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.unwrap();
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "service_busy");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/healthz", None).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""));
    assert!(text.contains("http_request_duration_seconds"));
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_given_one_is_kept() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert!(r.headers().get("x-request-id").is_some());
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "support-call-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "support-call-42");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn the_docs_page_and_the_openapi_document_are_served() {
    let app = spawn_app().await;
    let page = app.get("/docs", None).await.text().await.unwrap();
    assert!(page.contains("/openapi.json"));
    assert!(
        !page.contains("cdn"),
        "the docs page must not load external assets"
    );
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
}

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_asked_for() {
    let app = spawn_app().await;
    let expected = if crate::helpers::postgres_url().is_some() {
        sea_orm::DbBackend::Postgres
    } else {
        sea_orm::DbBackend::Sqlite
    };
    assert_eq!(app.db.get_database_backend(), expected);
}
