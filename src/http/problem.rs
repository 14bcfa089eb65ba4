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

/// A language the service answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// Picks the preferred language from Accept-Language; Japanese unless English is preferred.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
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

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
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
    "type": "urn:carepass:problem:enrollment_not_pending",
    "title": "The application has already been decided",
    "status": 409,
    "code": "enrollment_not_pending",
    "detail": "This application is already approved.",
    "request_id": "0b7c6f1e-2f5a-4d64-9d52-93c1f0f3b2a1"
}))]
pub struct Problem {
    /// `urn:carepass:problem:<code>`.
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

/// A failure on its way to becoming a problem response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Option<Text>,
    pub extra: Map<String, Value>,
    pub retry_after_seconds: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> ApiError {
        ApiError {
            status,
            code,
            detail: None,
            extra: Map::new(),
            retry_after_seconds: None,
        }
    }

    pub fn detail(mut self, en: impl Into<String>, ja: impl Into<String>) -> ApiError {
        self.detail = Some(Text::new(en, ja));
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

    pub fn bad_request(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code)
    }

    pub fn unprocessable(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code)
    }

    pub fn not_found(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code)
    }

    pub fn conflict(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code)
    }

    pub fn forbidden(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code)
    }

    pub fn unauthorized(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code)
    }

    /// A field of the request failed validation.
    pub fn invalid_field(field: &str, en: impl Into<String>, ja: impl Into<String>) -> ApiError {
        ApiError::unprocessable("invalid_field")
            .detail(en, ja)
            .with("field", field)
    }

    /// The database is momentarily busy: the client should try again shortly.
    pub fn busy() -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service_busy").retry_after(1)
    }

    /// Something we did not expect: logged with its cause, answered without it.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> ApiError {
        if crate::db::is_busy(&err) {
            tracing::warn!(error = %err, "database busy");
            ApiError::busy()
        } else if crate::db::is_unique_violation(&err) {
            ApiError::conflict("conflict")
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

/// Title of every problem code, in English and Japanese. A code missing here is a bug; the
/// catalogue test in this module lists every code the service can emit.
pub fn title(code: &str) -> (&'static str, &'static str) {
    match code {
        "invalid_json" => (
            "The request body is not valid JSON for this operation",
            "リクエスト本文がこの操作のJSONとして正しくありません",
        ),
        "unsupported_media_type" => (
            "The request body must be application/json",
            "リクエスト本文は application/json である必要があります",
        ),
        "invalid_query" => (
            "A query parameter is invalid",
            "クエリパラメータが正しくありません",
        ),
        "invalid_path" => (
            "A path parameter is invalid",
            "パスのパラメータが正しくありません",
        ),
        "invalid_field" => (
            "A field of the request is invalid",
            "リクエストの項目が正しくありません",
        ),
        "payload_too_large" => (
            "The request body is too large",
            "リクエスト本文が大きすぎます",
        ),
        "unauthenticated" => ("Authentication is required", "認証が必要です"),
        "invalid_token" => (
            "The token is invalid or has expired",
            "トークンが無効か、有効期限が切れています",
        ),
        "invalid_credentials" => (
            "The email address or password is wrong",
            "メールアドレスまたはパスワードが違います",
        ),
        "account_disabled" => ("This account is disabled", "このアカウントは利用停止中です"),
        "refresh_token_invalid" => (
            "The refresh token is invalid or has expired",
            "リフレッシュトークンが無効か、有効期限が切れています",
        ),
        "refresh_token_reused" => (
            "The refresh token was already used; all sessions of this login were signed out",
            "使用済みのリフレッシュトークンです。このログインのセッションはすべて無効になりました",
        ),
        "too_many_attempts" => (
            "Too many failed attempts; try again later",
            "失敗が続いたため、しばらくしてから再度お試しください",
        ),
        "invitation_invalid" => (
            "The invitation code is invalid, expired or already used",
            "招待コードが無効、期限切れ、または使用済みです",
        ),
        "email_taken" => (
            "This email address is already registered",
            "このメールアドレスは既に登録されています",
        ),
        "forbidden_role" => (
            "Your role may not perform this operation",
            "この操作を行う権限がありません",
        ),
        "device_revoked" => (
            "This device has been revoked",
            "この端末は無効化されています",
        ),
        "not_found" => ("The resource does not exist", "リソースが見つかりません"),
        "household_not_found" => ("The household does not exist", "世帯が見つかりません"),
        "child_not_found" => ("The child does not exist", "対象児が見つかりません"),
        "too_many_children" => (
            "The household has reached the limit of registered children",
            "世帯の登録児童数の上限に達しています",
        ),
        "enrollment_not_found" => ("The application does not exist", "申請が見つかりません"),
        "partner_not_found" => ("The partner does not exist", "事業者が見つかりません"),
        "device_not_found" => ("The device does not exist", "端末が見つかりません"),
        "method_not_allowed" => (
            "This method is not allowed on this resource",
            "このリソースではこのメソッドは使えません",
        ),
        "enrollment_not_pending" => (
            "The application has already been decided",
            "この申請は既に処理済みです",
        ),
        "enrollment_already_open" => (
            "The child already has an open application or enrollment for this program",
            "この対象児には、この事業の申請中または承認済みの登録が既にあります",
        ),
        "partner_name_taken" => (
            "A partner with this name already exists",
            "同じ名前の事業者が既に登録されています",
        ),
        "device_already_revoked" => (
            "The device is already revoked",
            "この端末は既に無効化されています",
        ),
        "account_not_found" => ("The account does not exist", "アカウントが見つかりません"),
        "cannot_disable_self" => (
            "You cannot disable your own account",
            "自分自身のアカウントは停止できません",
        ),
        "account_already_disabled" => (
            "The account is already disabled",
            "このアカウントは既に停止されています",
        ),
        "not_enrolled" => (
            "The child is not enrolled in this program today",
            "この対象児は本日この事業の利用登録がありません",
        ),
        "program_has_no_allowance" => (
            "This program has no allowance",
            "この事業には残高がありません",
        ),
        "insufficient_balance" => ("Not enough balance", "残高が足りません"),
        "program_has_no_vouchers" => (
            "This program has no vouchers",
            "この事業には助成券がありません",
        ),
        "allowance_exhausted" => ("Nothing is left this period", "今期の残高がありません"),
        "voucher_malformed" => (
            "This is not a valid voucher code (or it was cut short)",
            "助成券のコードとして読み取れません（途中で切れている可能性があります）",
        ),
        "voucher_unknown_key" => (
            "The code was signed by a key this service does not know",
            "このサービスが発行したコードではありません（不明な署名鍵）",
        ),
        "voucher_signature_invalid" => ("The code has been altered", "コードが改ざんされています"),
        "voucher_expired" => (
            "The code has expired; ask the family to show a new one",
            "コードの有効期限が切れています。新しいコードを表示してもらってください",
        ),
        "voucher_cancelled" => (
            "A newer code replaced this one",
            "新しいコードが発行されたため、このコードは無効です",
        ),
        "voucher_already_redeemed" => {
            ("The code has already been used", "このコードは使用済みです")
        }
        "partner_kind_mismatch" => (
            "Your organisation cannot redeem this kind of voucher",
            "この事業者ではこの種類の助成券を利用できません",
        ),
        "idempotency_key_reused" => (
            "This Idempotency-Key was already used for a different request",
            "この Idempotency-Key は別のリクエストで使用済みです",
        ),
        "idempotency_key_missing" => (
            "An Idempotency-Key header is required",
            "Idempotency-Key ヘッダーが必要です",
        ),
        "redemption_not_found" => ("The redemption does not exist", "利用記録が見つかりません"),
        "redemption_already_reversed" => (
            "The redemption has already been cancelled",
            "この利用は既に取り消されています",
        ),
        "reversal_window_closed" => (
            "A partner can cancel a redemption only on the day it was made",
            "事業者による取消は利用当日のみ可能です",
        ),
        "respite_hours_exceeded" => (
            "Not enough respite hours remain this fiscal year",
            "今年度のレスパイト利用可能時間が足りません",
        ),
        "notification_not_found" => (
            "The notification does not exist",
            "お知らせが見つかりません",
        ),
        "short_stay_not_found" => (
            "The short-stay request does not exist",
            "ショートステイの申請が見つかりません",
        ),
        "short_stay_state_conflict" => (
            "The short-stay request cannot make this move from its current state",
            "現在の状態ではこの操作はできません",
        ),
        "play_session_not_found" => ("The session does not exist", "開催回が見つかりません"),
        "play_booking_not_found" => ("The booking does not exist", "予約が見つかりません"),
        "booking_closed" => (
            "Bookings for this session are not open",
            "この回の予約受付期間外です",
        ),
        "session_full" => ("The session is full", "この回は満員です"),
        "already_booked" => (
            "A child already has a booking for this session",
            "この回には既に予約済みの児童が含まれています",
        ),
        "cancellation_closed" => (
            "The cancellation deadline has passed",
            "キャンセル期限を過ぎています",
        ),
        "booking_not_confirmed" => ("The booking is not confirmed", "予約が確定していません"),
        "already_checked_in" => (
            "The booking has already been checked in",
            "既に入場済みです",
        ),
        "not_during_session" => (
            "Entry is possible from an hour before the session until it ends",
            "入場受付は開始1時間前から終了までです",
        ),
        "not_a_booking_code" => (
            "This is not a valid play-space booking code",
            "ひろばの予約コードではありません",
        ),
        "visit_not_found" => (
            "The respite visit does not exist",
            "訪問予約が見つかりません",
        ),
        "visit_state_conflict" => (
            "The visit cannot make this move from its current state",
            "現在の状態ではこの操作はできません",
        ),
        "visit_already_started" => (
            "The visit has already started and can no longer be cancelled",
            "訪問開始後は取り消せません",
        ),
        "allowance_not_found" => (
            "This program has no allowance",
            "この事業には残高がありません（履歴なし）",
        ),
        "conflict" => (
            "The request conflicts with the current state",
            "現在の状態と矛盾するリクエストです",
        ),
        "request_timeout" => (
            "The request took too long",
            "リクエストの処理に時間がかかりすぎました",
        ),
        "service_busy" => (
            "The service is busy; try again shortly",
            "混み合っています。しばらくしてから再度お試しください",
        ),
        "internal_error" => (
            "Something went wrong on our side",
            "サーバー側で問題が発生しました",
        ),
        _ => ("Error", "エラー"),
    }
}

/// Every code [`title`] knows; the tests check each has its own text.
pub const CODES: &[&str] = &[
    "invalid_json",
    "unsupported_media_type",
    "invalid_query",
    "invalid_path",
    "invalid_field",
    "payload_too_large",
    "unauthenticated",
    "invalid_token",
    "invalid_credentials",
    "account_disabled",
    "refresh_token_invalid",
    "refresh_token_reused",
    "too_many_attempts",
    "invitation_invalid",
    "email_taken",
    "forbidden_role",
    "device_revoked",
    "not_found",
    "household_not_found",
    "respite_hours_exceeded",
    "visit_not_found",
    "play_session_not_found",
    "play_booking_not_found",
    "booking_closed",
    "session_full",
    "already_booked",
    "cancellation_closed",
    "booking_not_confirmed",
    "already_checked_in",
    "not_during_session",
    "not_a_booking_code",
    "short_stay_not_found",
    "short_stay_state_conflict",
    "notification_not_found",
    "visit_state_conflict",
    "visit_already_started",
    "child_not_found",
    "too_many_children",
    "enrollment_not_found",
    "partner_not_found",
    "device_not_found",
    "method_not_allowed",
    "enrollment_not_pending",
    "enrollment_already_open",
    "partner_name_taken",
    "device_already_revoked",
    "account_not_found",
    "cannot_disable_self",
    "account_already_disabled",
    "conflict",
    "request_timeout",
    "service_busy",
    "internal_error",
];

fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::SERVICE_UNAVAILABLE => "service_busy",
        s if s.is_client_error() => "invalid_json",
        _ => "internal_error",
    }
}

/// Middleware: renders every error response as problem+json in the caller's language.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
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
                "service_busy"
            } else {
                code_for_status(status)
            };
            let status = if code == "service_busy" {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                status
            };
            let mut e = ApiError::new(status, code);
            if code == "service_busy" {
                e = e.retry_after(1);
            }
            Arc::new(e)
        }
    };
    let (title_en, title_ja) = title(error.code);
    let problem = Problem {
        kind: format!("urn:carepass:problem:{}", error.code),
        title: match lang {
            Lang::Ja => title_ja.to_owned(),
            Lang::En => title_en.to_owned(),
        },
        status: error.status.as_u16(),
        code: error.code.to_owned(),
        detail: error.detail.as_ref().map(|t| t.pick(lang).to_owned()),
        request_id,
        extra: error.extra.clone(),
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut out = Response::new(axum::body::Body::from(body));
    *out.status_mut() = error.status;
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
        Lang::from_headers(&h)
    }

    #[test]
    fn english_is_chosen_only_when_preferred_over_japanese() {
        assert_eq!(lang("en-US,en;q=0.9"), Lang::En);
        assert_eq!(lang("ja,en;q=0.5"), Lang::Ja);
        assert_eq!(lang("en;q=0.4,ja;q=0.8"), Lang::Ja);
        assert_eq!(lang("fr"), Lang::Ja);
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Ja);
    }

    #[test]
    fn every_code_has_its_own_title_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for code in CODES {
            let (en, ja) = title(code);
            assert_ne!(en, "Error", "{code} has no English title");
            assert_ne!(ja, "エラー", "{code} has no Japanese title");
            assert!(seen.insert(en), "{code} shares its title");
        }
    }
}
