//! Health, readiness, metrics, request ids and the docs page.

use reqwest::StatusCode;
use serde_json::Value;

use serde_json::json;

use crate::helpers::{family, issue, redeem, spawn_app, spawn_app_with};

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
    let r = app.get("/docs", None).await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = r.text().await.unwrap();
    assert!(page.contains("\"/openapi.json\""));
    assert!(
        !page.contains("cdn") && !page.contains("https://"),
        "the docs page must not load external assets"
    );
    // The renderer is the service's own copy, and the page's one inline script runs by hash.
    assert!(page.contains("<script src=\"/docs/redoc.standalone.js\"></script>"));
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert!(script_src.contains("'sha256-"), "{csp}");
    assert!(!script_src.contains("unsafe-inline"), "{csp}");
    let r = app.get("/docs/redoc.standalone.js", None).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        r.text().await.unwrap().len() > 500_000,
        "the whole renderer is served"
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
    assert_eq!(
        sea_orm::ConnectionTrait::get_database_backend(&app.db),
        expected
    );
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

/// Reads from `stream` until the server closes it (or `limit` passes); returns whether it closed.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn a_client_that_dribbles_its_headers_is_disconnected() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(|c| c.server.header_read_timeout_seconds = 2).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: carepass\r\n")
        .await
        .unwrap();
    // One header line a second, never the blank line that ends the head (slowloris).
    let mut closed = false;
    for i in 0..15 {
        if stream
            .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        if closed_within(&mut stream, std::time::Duration::from_secs(1)).await {
            closed = true;
            break;
        }
    }
    assert!(
        closed,
        "the connection was still open after 15 header lines"
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|c| c.server.header_read_timeout_seconds = 2).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: carepass\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // The connection is kept alive after the answer, but not forever.
    assert!(closed_within(&mut stream, std::time::Duration::from_secs(15)).await);
}

/// The value of the first sample of `series` (name and labels exactly as exposed), or 0.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_say_what_moved_what_was_refused_and_how_the_outbox_and_pools_are() {
    let app = spawn_app_with(|c| {
        c.server.metrics_token = Some(METRICS_TOKEN.into());
        // A push gateway is configured (nothing delivers to it in this test).
        c.notifications.webhook_url = Some("http://127.0.0.1:9/push".into());
        c.notifications.signing_secret = Some("test-webhook-secret-of-at-least-32-chars".into());
    })
    .await;
    let scrape = || async {
        app.get("/metrics", Some(METRICS_TOKEN))
            .await
            .text()
            .await
            .unwrap()
    };
    let moved = r#"carepass_ledger_moved_total{program="taxi_fuel",kind="capture",unit="yen"}"#;
    let uses = r#"carepass_ledger_entries_total{program="taxi_fuel",kind="capture"}"#;
    let refused = r#"carepass_problems_total{code="voucher_already_redeemed",status="409"}"#;
    // Other tests in this process share the recorder, so only growth is compared.
    let before = scrape().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let body = json!({ "payload": v["payload"], "amount_yen": 2_345 });
    assert_eq!(redeem(&app, &taxi, "m-1", &body).await.status(), 201);
    assert_eq!(redeem(&app, &taxi, "m-2", &body).await.status(), 409);
    let after = scrape().await;

    assert!(
        sample(&after, moved) - sample(&before, moved) >= 2_345.0,
        "{after}"
    );
    assert!(sample(&after, uses) - sample(&before, uses) >= 1.0);
    assert!(sample(&after, refused) - sample(&before, refused) >= 1.0);
    for help in [
        "# HELP http_requests_total ",
        "# HELP carepass_ledger_moved_total ",
        "# HELP carepass_problems_total ",
        "# HELP carepass_outbox_notifications ",
        "# HELP carepass_db_pool_connections ",
        "# HELP carepass_build_info ",
    ] {
        assert!(after.contains(help), "missing {help}");
    }
    // The redemption queued a notification for the family; nothing delivers it here.
    assert!(sample(&after, r#"carepass_outbox_notifications{state="pending"}"#) >= 1.0);
    assert!(after.contains(r#"carepass_outbox_notifications{state="dead"}"#));
    assert!(after.contains(r#"carepass_db_pool_connections{pool="write",state="idle"}"#));
    assert!(after.contains("carepass_db_write_begin_seconds_count"));
    assert!(after.contains("carepass_db_statements_total"));
    assert_eq!(
        sample(
            &after,
            &format!(
                "carepass_build_info{{version=\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            )
        ),
        1.0
    );
    assert!(
        sample(&after, "process_resident_memory_bytes") > 0.0,
        "{after}"
    );
}
