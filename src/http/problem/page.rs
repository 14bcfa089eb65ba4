//! `/problems/{code}`: the page a problem's `type` points to. It says what happened and what to
//! do, in Japanese or English (Accept-Language, or `?lang=`), for a person reading a log, a
//! support call or the spec.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::contract::{Caller, Shape, shared};
use super::sources::ALL_SOURCES;
use super::{ApiError, Code, Lang};

/// The status each code is sent with, read off the conversions (and the shared problems).
pub fn status_of(code: Code) -> Option<StatusCode> {
    static MAP: OnceLock<BTreeMap<Code, StatusCode>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let every = Shape {
            body: true,
            path_params: true,
            query_params: true,
            caller: Some(Caller::Staff),
            writes: true,
        };
        let mut map: BTreeMap<Code, StatusCode> =
            shared(every).into_iter().map(|(s, c)| (c, s)).collect();
        for e in ALL_SOURCES.iter().flat_map(|s| s.samples()) {
            map.entry(e.code).or_insert(e.status);
        }
        for (status, code) in super::contract::handler_problems() {
            map.entry(code).or_insert(status);
        }
        map.extend([
            (Code::NotFound, StatusCode::NOT_FOUND),
            (Code::MethodNotAllowed, StatusCode::METHOD_NOT_ALLOWED),
            (Code::RequestTimeout, StatusCode::REQUEST_TIMEOUT),
            (Code::Conflict, StatusCode::CONFLICT),
        ]);
        map
    });
    map.get(&code).copied()
}

/// What to do about a problem with this status: (English, Japanese).
fn advice(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "The request itself is malformed. The detail names the part to correct; this is a fault in the app, not something the person using it can fix.",
            "リクエストの形式に誤りがあります。直すべき箇所は detail に書かれています。アプリの不具合のため、利用者の操作では解決できません。",
        ),
        401 => (
            "Sign in again. On a partner's device, enter the device code the ward issued.",
            "もう一度サインインしてください。事業者の端末では、区が発行した端末コードを入力してください。",
        ),
        403 => (
            "This account or device may not do this. If it should, ask the ward's office.",
            "このアカウントまたは端末ではこの操作はできません。必要な場合は区の担当窓口にお問い合わせください。",
        ),
        404 => (
            "It does not exist, or it is not yours to see. Refresh the list and try again.",
            "見つからないか、閲覧できない対象です。一覧を更新してから、もう一度お試しください。",
        ),
        405 => (
            "This address does not take this kind of request.",
            "このアドレスではこの種類のリクエストは使えません。",
        ),
        409 => (
            "It cannot be done in the current state. Refresh to see the latest state; the detail says why.",
            "現在の状態ではこの操作はできません。画面を更新して最新の状態をご確認ください。理由は detail に書かれています。",
        ),
        410 => (
            "The code can no longer be used. Show or ask for a new one.",
            "このコードはもう使えません。新しいコードを表示してください（表示してもらってください）。",
        ),
        413 => (
            "The request is too large; send less at once.",
            "リクエストが大きすぎます。一度に送る量を減らしてください。",
        ),
        415 => (
            "Send the body as JSON (Content-Type: application/json).",
            "本文はJSON（Content-Type: application/json）で送ってください。",
        ),
        422 => (
            "A value breaks a rule. Correct the field the problem names (`field`) and send again.",
            "入力された値が条件に合いません。問題の `field` が示す項目を直して、もう一度送ってください。",
        ),
        429 => (
            "Too many requests in a short time. Wait the seconds given in Retry-After, then try again.",
            "短時間にリクエストが多すぎます。Retry-After の秒数だけ待ってから、もう一度お試しください。",
        ),
        503 | 408 => (
            "The service is busy. Wait the seconds given in Retry-After and send the same request again (with the same Idempotency-Key, where there is one).",
            "混み合っています。Retry-After の秒数だけ待ってから、同じリクエストをもう一度送ってください（Idempotency-Key がある場合は同じキーで）。",
        ),
        _ => (
            "Something went wrong on our side. Try again later; if it persists, tell the ward the request id.",
            "サーバー側で問題が発生しました。時間をおいて再度お試しください。続く場合は request_id を添えて区にお問い合わせください。",
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

/// `GET /problems/{code}`.
pub async fn get_problem_page(
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(code) = Code::parse(&code) else {
        return ApiError::not_found(Code::NotFound).into_response();
    };
    let lang = match q.lang.as_deref() {
        Some("en") => Lang::En,
        Some("ja") => Lang::Ja,
        _ => super::lang_of(&headers),
    };
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            ),
            (header::CONTENT_LANGUAGE, lang.tag()),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        Html(render(code, lang)),
    )
        .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page's HTML.
pub fn render(code: Code, lang: Lang) -> String {
    let (title_en, title_ja) = code.title();
    let status = status_of(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (advice_en, advice_ja) = advice(status);
    let (title, advice, happened, todo, other, other_label, code_label) = match lang {
        Lang::Ja => (
            title_ja,
            advice_ja,
            "何が起きたか",
            "どうすればよいか",
            "en",
            "English",
            "コード",
        ),
        Lang::En => (
            title_en,
            advice_en,
            "What happened",
            "What to do",
            "ja",
            "日本語",
            "Code",
        ),
    };
    let reason = status.canonical_reason().unwrap_or("");
    // Every refusal writes nothing (a request is done whole or not at all).
    let (stop, refused) = match lang {
        Lang::Ja => ("。", "このリクエストは処理されず、何も記録されていません。"),
        Lang::En => (
            ".",
            "The request was not carried out; nothing was recorded.",
        ),
    };
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} ({code}) · Carepass</title>
<style>
body {{ font: 16px/1.7 system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; margin: 0; color: #1f2a24; background: #f7f5ef; }}
main {{ max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }}
h1 {{ font-size: 1.4rem; line-height: 1.4; margin: 0.5rem 0 1rem; }}
h2 {{ font-size: 1rem; margin: 1.5rem 0 0.25rem; }}
code {{ font: 0.95rem ui-monospace, monospace; background: #ebe7dc; padding: 0.1rem 0.3rem; border-radius: 3px; overflow-wrap: anywhere; }}
.meta {{ color: #4d5a52; font-size: 0.9rem; }}
a {{ color: #2f5d46; }}
</style>
</head>
<body>
<main>
<p class="meta">Carepass · <a href="?lang={other}" hreflang="{other}" lang="{other}">{other_label}</a></p>
<h1>{title}</h1>
<p class="meta">{code_label}: <code>{code}</code> · HTTP {status_num} {reason}</p>
<h2>{happened}</h2>
<p>{title}{stop} {refused}</p>
<h2>{todo}</h2>
<p>{advice}</p>
</main>
</body>
</html>
"#,
        lang = lang.tag(),
        title = escape(title),
        code = code.as_str(),
        status_num = status.as_u16(),
        advice = escape(advice),
    )
    .replace("。 ", "。")
}
