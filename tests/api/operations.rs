//! Health, readiness, metrics, request ids and the docs page.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with};

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

const METRICS_TOKEN: &str = "a-metrics-token-of-at-least-32-characters";

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_for_the_scraper_only() {
    let app = spawn_app_with(|c| c.server.metrics_token = Some(METRICS_TOKEN.into())).await;
    app.get("/healthz", None).await;
    // Anonymous, or with another token: there is nothing here.
    assert_eq!(
        app.get("/metrics", None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/metrics", Some("not-the-token")).await.status(),
        StatusCode::NOT_FOUND
    );
    let text = app
        .get("/metrics", Some(METRICS_TOKEN))
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""));
    assert!(text.contains("http_request_duration_seconds"));
}

#[tokio::test]
async fn without_a_configured_token_metrics_are_not_served() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/metrics", None).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_metric_series() {
    let app = spawn_app_with(|c| c.server.metrics_token = Some(METRICS_TOKEN.into())).await;
    for i in 0..50 {
        let method =
            reqwest::Method::from_bytes(format!("X{i}{}", "M".repeat(2_000)).as_bytes()).unwrap();
        let r = app
            .client
            .request(
                method,
                app.url(&format!("/nowhere-{i}-{}", "p".repeat(500))),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
    }
    let text = app
        .get("/metrics", Some(METRICS_TOKEN))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("MMMMMMMM") && !text.contains("nowhere"),
        "a made-up label leaked"
    );
    assert!(text.contains("method=\"OTHER\""), "{text}");
    assert!(text.contains("route=\"unmatched\""), "{text}");
    // Every method label in the whole exposition is from the closed set.
    for value in text.split("method=\"").skip(1) {
        let method = value.split('"').next().unwrap();
        assert!(
            [
                "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER"
            ]
            .contains(&method),
            "{method:.40}"
        );
    }
}

#[tokio::test]
async fn a_client_request_id_is_kept_only_when_short_and_plain() {
    let app = spawn_app().await;
    for bad in [
        "x".repeat(65),
        "a b".into(),
        "<script>".into(),
        "x".repeat(20_000),
    ] {
        let r = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", bad.as_str())
            .send()
            .await
            .unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id} replaced {bad:.20}");
    }
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

#[tokio::test]
async fn every_answer_carries_the_security_headers_problems_and_docs_included() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    for (path, token) in [
        ("/api/v1/me", Some(staff.access.as_str())),
        ("/api/v1/no-such-route", None),
        ("/api/v1/children", None),
        ("/healthz", None),
        ("/docs", None),
    ] {
        let r = app.get(path, token).await;
        let h = r.headers();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-store"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cross-origin-resource-policy", "same-origin"),
        ] {
            assert_eq!(
                h.get(name).map(|v| v.to_str().unwrap()),
                Some(value),
                "{path} {name}"
            );
        }
        assert!(
            h["strict-transport-security"]
                .to_str()
                .unwrap()
                .starts_with("max-age=")
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        if path == "/docs" {
            // The docs page runs its own inline script and fetches the spec from here only.
            assert!(csp.contains("connect-src 'self'"), "{csp}");
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
    }
}

#[tokio::test]
async fn cors_is_off_by_default_so_no_other_origin_can_read_answers() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/auth/login"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert!(!r.status().is_success());
}

#[tokio::test]
async fn a_configured_origin_passes_preflight_and_others_do_not() {
    let app = spawn_app_with(|c| {
        c.server.cors_allowed_origins = vec!["https://staff.carepass.example.jp".into()]
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization",
            )
            .send()
    };
    let r = preflight("https://staff.carepass.example.jp")
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://staff.carepass.example.jp"
    );
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("idempotency-key"));
    let r = preflight("https://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("origin", "https://staff.carepass.example.jp")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://staff.carepass.example.jp"
    );
}
