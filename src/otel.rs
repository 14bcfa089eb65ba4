//! Optional OpenTelemetry traces over OTLP (HTTP, protobuf), off unless the standard variable
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set (e.g. `http://otel-collector:4318`; `/v1/traces` is
//! appended). Every request's `request` span and the spans inside it are exported in batches;
//! a well-formed incoming W3C `traceparent` makes the request's span a child of the caller's,
//! so the trace continues from the app or the proxy. `OTEL_SERVICE_NAME` names the service
//! (default `carepass`); the other `OTEL_*` variables of the OTLP exporter apply as usual.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;

/// The exporter, when configured; keep it to flush at shutdown.
pub struct Otel {
    provider: SdkTracerProvider,
}

impl Otel {
    /// Reads the environment; `None` when no endpoint is set.
    pub fn from_env() -> anyhow::Result<Option<(Otel, opentelemetry_sdk::trace::Tracer)>> {
        let configured = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
            .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
            .is_ok_and(|v| !v.trim().is_empty());
        if !configured {
            return Ok(None);
        }
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()?;
        let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "carepass".into());
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                opentelemetry_sdk::Resource::builder()
                    .with_service_name(name)
                    .build(),
            )
            .build();
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        let tracer = provider.tracer("carepass");
        Ok(Some((Otel { provider }, tracer)))
    }

    /// Sends what is still buffered; call before the process exits.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("OpenTelemetry: could not flush the last spans: {e}");
        }
    }
}

/// Makes `span` a child of the caller's trace named in `headers` (`traceparent`), when traces
/// are exported; otherwise nothing happens.
pub fn continue_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    struct Headers<'a>(&'a axum::http::HeaderMap);
    impl opentelemetry::propagation::Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.to_str().ok())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
    let _ = span.set_parent(parent);
}
