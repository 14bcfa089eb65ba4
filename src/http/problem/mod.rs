//! The one error path: every failure becomes an RFC 9457 `application/problem+json` body with a
//! stable `code`, and a `title`/`detail` in Japanese or English chosen by Accept-Language.
//!
//! Handlers and extractors return [`ApiError`]; it travels out of the handler as a response
//! extension, and [`render_problems`] writes the body once the request's language is known.
//! Responses produced outside our code (unknown route, wrong method, body too large, timeout)
//! are turned into problems by the same middleware.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

mod codes;
pub mod contract;
pub mod page;
pub mod schema;
pub mod sources;
pub use codes::Code;

/// The path of the page that explains a problem code; also the problem's `type`.
pub fn type_of(code: Code) -> String {
    format!("/problems/{code}")
}

/// What a problem response answered, left on the response for layers outside the router (the
/// tests' contract check): the route template and method it answered, and its status and code.
#[derive(Debug, Clone)]
pub struct Served {
    /// The matched route template (`/api/v1/children/{child_id}`), if a route matched.
    pub route: Option<String>,
    pub method: axum::http::Method,
    pub status: StatusCode,
    pub code: Code,
    /// The language it was said in, and the title and detail as sent.
    pub lang: Lang,
    pub title: String,
    pub detail: Option<String>,
}

pub use crate::messages::Lang;

/// Picks the preferred language from Accept-Language; Japanese unless English is preferred.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let Some(value) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Lang::Ja;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag == "ja" || tag.starts_with("ja-") {
            Lang::Ja
        } else if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::Ja)
}

/// Text in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub en: String,
    pub ja: String,
}

impl Text {
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            ja: ja.into(),
        }
    }

    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// An RFC 9457 problem as it appears on the wire.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/enrollment_not_pending",
    "title": "The application has already been decided",
    "status": 409,
    "code": "enrollment_not_pending",
    "detail": "This application is already approved.",
    "request_id": "0b7c6f1e-2f5a-4d64-9d52-93c1f0f3b2a1"
}))]
pub struct Problem {
    /// A page about this code, `/problems/<code>` (relative to the service): what happened and
    /// what to do, in Japanese or English.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type, in the requested language.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code; the app switches on this, never on the text.
    pub code: String,
    /// What went wrong in this request, in the requested language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id (also in the `x-request-id` header), for support calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Problem-specific members, e.g. `retry_after_seconds` or `field`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

/// What went wrong in this request, in words: a message of the catalogue
/// (`src/messages/*.ftl`) with its parameters, or (for the parsers' refusals, not yet in the
/// catalogue) a sentence in each language.
#[derive(Debug, Clone)]
pub enum Detail {
    Said {
        id: &'static str,
        args: crate::messages::Args,
    },
    Text(Text),
}

impl Detail {
    pub fn in_lang(&self, lang: Lang) -> String {
        match self {
            Detail::Said { id, args } => crate::messages::say(id, args, lang),
            Detail::Text(t) => t.pick(lang).to_owned(),
        }
    }
}

/// A failure on its way to becoming a problem response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Code,
    pub detail: Option<Detail>,
    pub extra: Map<String, Value>,
    pub retry_after_seconds: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: Code) -> ApiError {
        ApiError {
            status,
            code,
            detail: None,
            extra: Map::new(),
            retry_after_seconds: None,
        }
    }

    pub fn detail(mut self, en: impl Into<String>, ja: impl Into<String>) -> ApiError {
        self.detail = Some(Detail::Text(Text::new(en, ja)));
        self
    }

    /// The detail is message `id` of the catalogue with these parameters.
    pub fn say(mut self, id: &'static str, args: crate::messages::Args) -> ApiError {
        self.detail = Some(Detail::Said { id, args });
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after_seconds = Some(seconds);
        self.extra
            .insert("retry_after_seconds".into(), seconds.into());
        self
    }

    pub fn bad_request(code: Code) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code)
    }

    pub fn unprocessable(code: Code) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code)
    }

    pub fn not_found(code: Code) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code)
    }

    pub fn conflict(code: Code) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code)
    }

    pub fn forbidden(code: Code) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code)
    }

    pub fn unauthorized(code: Code) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code)
    }

    /// A field of the request failed validation.
    /// A request field that broke a rule: the detail names the field as a word (「終了日時」,
    /// "end time") and says why; the field's own name is in `field`. A reason that already
    /// names the field is said alone.
    pub fn invalid_field(
        field: &'static str,
        en: impl Into<String>,
        ja: impl Into<String>,
    ) -> ApiError {
        use crate::messages::{Arg, Args, field_id, say};
        let (en, ja) = (en.into(), ja.into());
        let word = say(&field_id(field), &Args::new(), Lang::Ja);
        let id = if ja.contains(&word) {
            "problem-invalid-field-said"
        } else {
            "problem-invalid-field"
        };
        ApiError::unprocessable(Code::InvalidField)
            .say(
                id,
                Args::new()
                    .with("field", Arg::Field(field))
                    .with("reason", Arg::Named { ja, en }),
            )
            .with("field", field)
    }

    /// The database is momentarily busy: the client should try again shortly.
    pub fn busy() -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::ServiceBusy).retry_after(1)
    }

    /// Too many writes from one caller: wait `seconds`.
    pub fn rate_limited(seconds: u64) -> ApiError {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::RateLimited).retry_after(seconds)
    }

    /// The shared problems that carry members beyond RFC 9457's, for the spec's schema (the
    /// areas' problems come from [`sources`]).
    pub fn shared_samples() -> Vec<ApiError> {
        // The extractors' refusals (`http::rejections`) name the field they refuse.
        vec![
            ApiError::busy(),
            ApiError::rate_limited(1),
            ApiError::unprocessable(Code::InvalidBody).with("field", "name"),
            ApiError::bad_request(Code::InvalidQuery).with("field", "limit"),
            // A query naming a program the ward lacks lists the ids it may name.
            ApiError::bad_request(Code::InvalidQuery).with("allowed", vec!["taxi_fuel"]),
            ApiError::unprocessable(Code::DuplicateJsonKey).with("field", "name"),
            ApiError::bad_request(Code::InvalidPath).with("field", "child_id"),
        ]
    }

    /// Something we did not expect: logged with its cause, answered without it.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, Code::InternalError)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> ApiError {
        if crate::db::is_busy(&err) {
            tracing::warn!(error = %err, "database busy");
            ApiError::busy()
        } else if crate::db::is_unique_violation(&err) {
            ApiError::conflict(Code::Conflict)
        } else {
            ApiError::internal(err)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(s) = self.retry_after_seconds
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(Arc::new(self));
        response
    }
}

fn code_for_status(status: StatusCode) -> Code {
    match status {
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
        StatusCode::REQUEST_TIMEOUT => Code::RequestTimeout,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
        StatusCode::UNAUTHORIZED => Code::Unauthenticated,
        StatusCode::SERVICE_UNAVAILABLE => Code::ServiceBusy,
        StatusCode::UNPROCESSABLE_ENTITY => Code::InvalidBody,
        s if s.is_client_error() => Code::InvalidJson,
        _ => Code::InternalError,
    }
}

/// Middleware: renders every error response as problem+json in the caller's language.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let lang = lang_of(request.headers());
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let method = request.method().clone();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let error = match response.extensions_mut().remove::<Arc<ApiError>>() {
        Some(e) => e,
        None => {
            let already = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
            if already {
                return response;
            }
            let code = if status == StatusCode::REQUEST_TIMEOUT {
                // tower-http's timeout: the service is overloaded rather than the client slow.
                Code::ServiceBusy
            } else {
                code_for_status(status)
            };
            let status = if code == Code::ServiceBusy {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                status
            };
            let mut e = ApiError::new(status, code);
            if code == Code::ServiceBusy {
                e = e.retry_after(1);
            }
            Arc::new(e)
        }
    };
    crate::telemetry::problem(error.code.as_str(), error.status.as_u16());
    let (title_en, title_ja) = error.code.title();
    let problem = Problem {
        kind: type_of(error.code),
        title: match lang {
            Lang::Ja => title_ja.to_owned(),
            Lang::En => title_en.to_owned(),
        },
        status: error.status.as_u16(),
        code: error.code.as_str().to_owned(),
        detail: error.detail.as_ref().map(|d| d.in_lang(lang)),
        request_id,
        extra: error.extra.clone(),
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut out = Response::new(axum::body::Body::from(body));
    *out.status_mut() = error.status;
    out.extensions_mut().insert(Served {
        route,
        method,
        status: error.status,
        code: error.code,
        lang,
        title: problem.title.clone(),
        detail: problem.detail.clone(),
    });
    let headers = out.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE, header::ALLOW] {
        if let Some(v) = response.headers().get(&name) {
            headers.insert(name, v.clone());
        }
    }
    if let Some(s) = error.retry_after_seconds
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        headers.insert(header::RETRY_AFTER, v);
    }
    if let Some(v) = response.headers().get("x-request-id") {
        headers.insert("x-request-id", v.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(value: &str) -> Lang {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        lang_of(&h)
    }

    #[test]
    fn english_is_chosen_only_when_preferred_over_japanese() {
        assert_eq!(lang("en-US,en;q=0.9"), Lang::En);
        assert_eq!(lang("ja,en;q=0.5"), Lang::Ja);
        assert_eq!(lang("en;q=0.4,ja;q=0.8"), Lang::Ja);
        assert_eq!(lang("fr"), Lang::Ja);
        assert_eq!(lang_of(&HeaderMap::new()), Lang::Ja);
    }
}
