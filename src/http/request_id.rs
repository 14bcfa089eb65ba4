//! Client request ids: kept only when they are a correlation id and nothing else (a UUID, or
//! at most 64 characters from a small safe set); anything else is dropped and a fresh UUID is
//! set by the request-id layer. An id goes into logs and the append-only audit log, so it must
//! not carry text of any length or kind a client chooses.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Longest client id kept.
pub const MAX_LEN: usize = 64;

/// Whether a client's `x-request-id` is kept.
pub fn acceptable(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
}

/// Middleware, outside the request-id layer: removes a client id that is not acceptable.
pub async fn drop_unacceptable(mut request: Request, next: Next) -> Response {
    let bad = request.headers().get_all("x-request-id").iter().count() > 1
        || request
            .headers()
            .get("x-request-id")
            .is_some_and(|v| !acceptable(v.as_bytes()));
    if bad {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_short_ids_from_a_safe_set_are_kept() {
        assert!(acceptable(b"support-call-42"));
        assert!(acceptable(b"0b7c6f1e-2f5a-4d64-9d52-93c1f0f3b2a1"));
        assert!(!acceptable(b""));
        assert!(!acceptable("x".repeat(65).as_bytes()));
        assert!(!acceptable(b"a b"));
        assert!(!acceptable(b"<script>"));
        assert!(!acceptable("請求".as_bytes()));
    }
}
