//! The web pages are served by the service itself, with their own assets only (no CDN), a
//! content security policy that allows nothing else, and the camera for this origin only.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_scanner_page_and_its_assets_come_from_the_service_alone() {
    let app = spawn_app().await;
    let r = app.get("/scanner", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{csp}"
    );
    assert_eq!(
        r.headers()["permissions-policy"],
        "camera=(self), microphone=(), geolocation=()"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"ja\">"));
    // Every script and stylesheet is one of ours.
    for needle in ["src=\"http", "href=\"http", "<script>", "style="] {
        assert!(!html.contains(needle), "the page holds {needle}");
    }
    for (path, kind) in [
        ("/web/scanner.js", "text/javascript"),
        ("/web/vendor/jsQR.js", "text/javascript"),
        ("/web/app.css", "text/css"),
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        assert!(html.contains(path), "the page does not load {path}");
    }
    let js = app.get("/web/scanner.js", None).await.text().await.unwrap();
    assert!(js.contains("/api/v1/device/vouchers/redeem") && js.contains("idempotency-key"));
}

#[tokio::test]
async fn the_staff_console_is_served_with_the_same_policy_and_uses_bearer_tokens_not_cookies() {
    let app = spawn_app().await;
    let r = app.get("/console", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'self'"),
        "{csp}"
    );
    assert!(r.headers().get("set-cookie").is_none());
    let html = r.text().await.unwrap();
    assert!(html.contains("/web/console.js") && !html.contains("<script>"));
    let js = app.get("/web/console.js", None).await.text().await.unwrap();
    // No cookie session (so no cross-site request to forge): the token travels in a header.
    assert!(!js.contains("document.cookie") && !js.contains("credentials: \"include\""));
    assert!(js.contains("authorization: \"Bearer \""));
    // Every staff action goes through the same API as the apps.
    for path in [
        "/api/v1/staff/enrollments",
        "/api/v1/staff/short-stays",
        "/api/v1/staff/respite-visits/",
        "/api/v1/staff/redemptions/",
        "/api/v1/admin/partners",
        "/api/v1/staff/audit-log",
    ] {
        assert!(js.contains(path), "{path}");
    }
}
