//! Answers staff download as files: the `format` choice of report operations, and a CSV
//! answer with its content type and file name (the CSV itself is `crate::csv`).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

// `json` (default) or `csv`; the field that takes it documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
}

/// A CSV body answered as a file download: `ascii_name` for clients that know only the old
/// `filename` parameter, `name` (which may be Japanese) as RFC 6266 / RFC 8187 `filename*`.
pub fn csv(body: String, ascii_name: &str, name: &str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(ascii_name, name)) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// `attachment; filename="…"; filename*=UTF-8''…`, with every byte outside RFC 8187's
/// attr-char percent-encoded and the ASCII name kept to safe characters.
pub fn content_disposition(ascii_name: &str, name: &str) -> String {
    let ascii: String = ascii_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_japanese_file_name_is_percent_encoded_beside_an_ascii_one() {
        assert_eq!(
            super::content_disposition("settlement-2026-11 x.csv", "請求明細_2026年11月.csv"),
            "attachment; filename=\"settlement-2026-11_x.csv\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%98%8E%E7%B4%B0_2026%E5%B9%B411%E6%9C%88.csv"
        );
    }
}
