//! The web pages the service serves itself (no build step): the partner scanner at `/scanner`,
//! the staff console at `/console`, and their assets under `/web/`. Pages use the same API as the apps; they hold a device
//! credential in the browser and send it as a bearer token (no cookies, so no CSRF surface).

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::state::AppState;

/// Only the page's own scripts, styles and API; the camera for this origin only.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn page(html: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
            (
                header::HeaderName::from_static("permissions-policy"),
                "camera=(self), microphone=(), geolocation=()",
            ),
        ],
        Html(html),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Assets change with the binary; a day's cache keeps the scanner quick outdoors.
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
}

/// The routes of the web pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/scanner",
            get(|| async { page(include_str!("../../web/scanner.html")) }),
        )
        .route(
            "/console",
            get(|| async { page(include_str!("../../web/console.html")) }),
        )
        .route(
            "/web/console.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../web/console.js"),
                )
            }),
        )
        .route(
            "/web/app.css",
            get(|| async { asset("text/css; charset=utf-8", include_str!("../../web/app.css")) }),
        )
        .route(
            "/web/scanner.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../web/scanner.js"),
                )
            }),
        )
        .route(
            "/web/vendor/jsQR.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../../web/vendor/jsQR.js"),
                )
            }),
        )
}
