//! Operations: liveness, readiness, Prometheus metrics, the OpenAPI document and its docs page.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::AppJson;
use super::problem::{ApiError, Code, Problem};
use crate::messages::Args;
use crate::state::AppState;

/// Health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(
    get, path = "/healthz", tag = "operations", operation_id = "getHealth",
    responses((status = 200, description = "Alive", body = Health)),
    security(())
)]
pub async fn get_health() -> AppJson<Health> {
    AppJson(Health {
        status: "ok".into(),
    })
}

/// The database answers.
#[utoipa::path(
    get, path = "/readyz", tag = "operations", operation_id = "getReadiness",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn get_readiness(State(state): State<AppState>) -> Result<AppJson<Health>, ApiError> {
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.db.execute_unprepared("SELECT 1"),
    )
    .await;
    match ping {
        Ok(Ok(_)) => Ok(AppJson(Health {
            status: "ok".into(),
        })),
        _ => Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Code::ServiceBusy,
        )
        .retry_after(5)
        .say("problem-database-unreachable", Args::new())),
    }
}

/// The process-wide Prometheus recorder (installed once, shared by every app in the process).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        crate::telemetry::describe();
        process_collector().describe();
        metrics::gauge!("carepass_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        handle
    })
}

/// Prometheus text exposition, for the scraper that sends the configured bearer token; for
/// anyone else (and when no token is configured) it does not exist.
pub async fn get_metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match (&state.config.server.metrics_token, presented) {
        // Compared as digests, so the comparison's time says nothing about the token.
        (Some(expected), Some(given)) => {
            crate::auth::token::digest(expected.trim()) == crate::auth::token::digest(given.trim())
        }
        _ => false,
    };
    if !allowed {
        return ApiError::not_found(Code::NotFound).into_response();
    }
    read_gauges(&state).await;
    let body = metrics_handle().render();
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

fn process_collector() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// Gauges read at scrape time: the process, the database pools and (when a push gateway is
/// configured) the webhook outbox.
async fn read_gauges(state: &AppState) {
    process_collector().collect();
    // On PostgreSQL reads share the write pool (AppState::read is a clone of it).
    let pools = if state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        vec![("write", &state.db)]
    } else {
        vec![("write", &state.db), ("read", &state.read)]
    };
    for (name, db) in pools {
        let (open, idle) = crate::db::pool_usage(db);
        let in_use = (open as usize).saturating_sub(idle);
        metrics::gauge!("carepass_db_pool_connections", "pool" => name, "state" => "in_use")
            .set(in_use as f64);
        metrics::gauge!("carepass_db_pool_connections", "pool" => name, "state" => "idle")
            .set(idle as f64);
    }
    // Without a push gateway nothing is delivered (notifications stay in the app's inbox), so
    // a backlog would only alarm.
    if state.config.notifications.webhook_url.is_none() {
        return;
    }
    match crate::notifications::backlog(&state.read, state.now()).await {
        Ok(b) => {
            metrics::gauge!("carepass_outbox_notifications", "state" => "pending")
                .set(b.pending as f64);
            metrics::gauge!("carepass_outbox_notifications", "state" => "dead").set(b.dead as f64);
            metrics::gauge!("carepass_outbox_oldest_pending_seconds")
                .set(b.oldest_pending_seconds as f64);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the outbox for the metrics"),
    }
}

/// Middleware: counts requests and records their duration by route template and status.
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = super::labels::method_label(request.method());
    let route = super::labels::route_label(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}

/// The page `/docs` serves: Redoc (vendored under `web/vendor/`, no CDN) rendering
/// `/openapi.json`, through utoipa-redoc's template. Its one inline script is allowed by hash.
const DOCS_TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Carepass API</title>
</head>
<body>
<div id="redoc"></div>
<script src="/docs/redoc.standalone.js"></script>
<script>Redoc.init($spec, $config, document.getElementById("redoc"));</script>
</body>
</html>
"#;

/// The docs page and its Content-Security-Policy, built once.
fn docs_page() -> &'static (String, String) {
    static PAGE: OnceLock<(String, String)> = OnceLock::new();
    PAGE.get_or_init(|| {
        use base64::Engine;
        use sha2::Digest;
        let html = utoipa_redoc::Redoc::with_config("/openapi.json", || {
            serde_json::json!({
                "hideDownloadButton": false,
                "nativeScrollbars": true,
                "pathInMiddlePanel": true,
                "requiredPropsFirst": true,
                "sortPropsAlphabetically": false,
                "theme": {
                    "typography": { "fontFamily": "system-ui, \"Hiragino Sans\", \"Noto Sans JP\", sans-serif" },
                    "breakpoints": { "small": "50rem", "medium": "75rem", "large": "105rem" }
                }
            })
        })
        .custom_html(DOCS_TEMPLATE)
        .to_html();
        let inline = html
            .split("<script>")
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .unwrap_or_default();
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline));
        let csp = format!(
            "default-src 'none'; script-src 'self' 'sha256-{hash}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        );
        (html, csp)
    })
}

/// `/docs`: the API reference, readable at phone width.
pub async fn get_docs() -> impl IntoResponse {
    let (html, csp) = docs_page();
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(csp).unwrap_or(HeaderValue::from_static("default-src 'none'")),
        )],
        Html(html.clone()),
    )
}

/// `/docs/redoc.standalone.js`: the vendored renderer.
pub async fn get_docs_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../web/vendor/redoc.standalone.js"),
    )
}
