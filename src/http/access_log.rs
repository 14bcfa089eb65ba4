//! One INFO line per request, written when the answer leaves: method, route template, status,
//! latency in milliseconds (a number), request id, trace id, client address and what kind of
//! caller it was. Never a header value, a body or a path with ids in it. Every log line the
//! request causes is inside its `request` span, so it carries the same ids.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::trace_context::TraceParent;
use crate::state::AppState;

/// Who called, once an extractor has authenticated them: set at most once per request.
#[derive(Debug, Clone, Default)]
pub struct CallerSlot(Arc<OnceLock<&'static str>>);

impl CallerSlot {
    pub fn set(&self, kind: &'static str) {
        let _ = self.0.set(kind);
    }

    /// Records `kind` on the request's slot, if the access log put one there.
    pub fn record(extensions: &axum::http::Extensions, kind: &'static str) {
        if let Some(slot) = extensions.get::<CallerSlot>() {
            slot.set(kind);
        }
    }
}

/// Middleware (after routing, outside the problem renderer): the request span and access line.
pub async fn log_request(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = super::labels::method_label(request.method());
    let route = super::labels::route_label(&request);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let trace_id = TraceParent::trace_id_of(&request).unwrap_or_default();
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|peer| {
            super::client_addr::client_ip(
                peer.0.ip(),
                request.headers(),
                &state.config.server.trusted_proxies,
            )
            .to_string()
        })
        .unwrap_or_default();
    let caller = CallerSlot::default();
    request.extensions_mut().insert(caller.clone());
    let span = tracing::info_span!(
        "request",
        method,
        route = %route,
        request_id = %request_id,
        trace_id = %trace_id,
    );
    crate::otel::continue_trace(&span, request.headers());
    let response = next.run(request).instrument(span.clone()).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    let latency_ms = (latency_ms * 1000.0).round() / 1000.0;
    // Outside the span: the line carries every field itself, once.
    drop(span);
    tracing::info!(
        target: "access",
        method,
        route = %route,
        request_id = %request_id,
        trace_id = %trace_id,
        status = response.status().as_u16(),
        latency_ms,
        client = %client,
        caller = caller.0.get().copied().unwrap_or("anonymous"),
        "request"
    );
    response
}
