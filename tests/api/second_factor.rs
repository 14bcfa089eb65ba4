//! Two-step sign-in for staff and admins: set up with an authenticator app (QR code), required
//! before staff functions when the configuration says so (the default), then needed at every
//! sign-in, each code once; recovery codes work once each.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    NowUtc, PASSWORD, TestApp, User, assert_problem, decode_qr, one_time_code, spawn_app,
    spawn_app_with,
};

async fn app() -> TestApp {
    spawn_app_with(|c| c.auth.require_second_factor_for_staff = true).await
}

async fn login(app: &TestApp, user: &User, code: Option<&str>) -> reqwest::Response {
    let mut body = json!({ "email": user.email, "password": PASSWORD });
    if let Some(c) = code {
        body["one_time_code"] = json!(c);
    }
    app.post("/api/v1/auth/login", None, &body).await
}

#[tokio::test]
async fn staff_must_set_up_two_step_sign_in_with_a_qr_code_before_staff_functions_work() {
    let app = app().await;
    let staff = app.staff().await;
    let r = app
        .get("/api/v1/staff/households", Some(&staff.access))
        .await;
    assert_problem(r, 403, "second_factor_enrollment_required").await;
    let me: Value = app
        .get("/api/v1/me", Some(&staff.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["second_factor_setup_required"], true);
    assert_eq!(me["second_factor_enrolled"], false);

    let r = app
        .post_empty("/api/v1/me/second-factor", Some(&staff.access))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let setup: Value = r.json().await.unwrap();
    let uri = setup["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Carepass:"), "{uri}");
    assert!(uri.contains(&format!("secret={}", setup["secret"].as_str().unwrap())));
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    // The QR code, as the phone's camera reads it, is the URI.
    assert_eq!(decode_qr(setup["qr_png_base64"].as_str().unwrap()), uri);

    // A wrong code confirms nothing.
    let r = app
        .post(
            "/api/v1/me/second-factor/confirm",
            Some(&staff.access),
            &json!({ "one_time_code": "000000" }),
        )
        .await;
    let body = assert_problem(r, 422, "invalid_one_time_code").await;
    assert_eq!(body["field"], "one_time_code");
    let r = app
        .get("/api/v1/staff/households", Some(&staff.access))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = app
        .post(
            "/api/v1/me/second-factor/confirm",
            Some(&staff.access),
            &json!({ "one_time_code": one_time_code(uri, app.clock.now_utc()) }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let codes: Value = r.json().await.unwrap();
    let codes: Vec<&str> = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        codes
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        10
    );
    let r = app
        .get("/api/v1/staff/households", Some(&staff.access))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Set up once: starting again is refused.
    let r = app
        .post_empty("/api/v1/me/second-factor", Some(&staff.access))
        .await;
    assert_problem(r, 409, "second_factor_already_enrolled").await;
}

#[tokio::test]
async fn signing_in_needs_the_apps_code_each_code_once_and_each_recovery_code_once() {
    let app = app().await;
    let staff = app.staff().await;
    let (uri, recovery) = app.set_up_second_factor(&staff).await;
    // The code used to confirm belongs to this step: the next sign-in waits for the next one.
    app.clock.advance(Duration::seconds(30));

    assert_problem(
        login(&app, &staff, None).await,
        401,
        "second_factor_required",
    )
    .await;
    assert_problem(
        login(&app, &staff, Some("123456")).await,
        401,
        "invalid_one_time_code",
    )
    .await;
    let code = one_time_code(&uri, app.clock.now_utc());
    let r = login(&app, &staff, Some(&code)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["account"]["second_factor_enrolled"], true);
    assert_eq!(body["account"]["second_factor_setup_required"], false);
    // The same code again (someone watching over a shoulder): refused.
    assert_problem(
        login(&app, &staff, Some(&code)).await,
        401,
        "invalid_one_time_code",
    )
    .await;
    // A code from two steps ago or ahead is refused; one step of clock skew is accepted.
    app.clock.advance(Duration::seconds(30));
    let stale = one_time_code(&uri, app.clock.now_utc() - Duration::seconds(90));
    assert_problem(
        login(&app, &staff, Some(&stale)).await,
        401,
        "invalid_one_time_code",
    )
    .await;
    let skewed = one_time_code(&uri, app.clock.now_utc() + Duration::seconds(30));
    assert_eq!(login(&app, &staff, Some(&skewed)).await.status(), 200);

    // A recovery code works once, and is the only way in without the phone; it may be typed
    // in capitals and without its dashes.
    assert!(
        recovery
            .iter()
            .all(|c| c.len() == 14 && c.matches('-').count() == 2)
    );
    let typed = recovery[3].replace('-', " ").to_uppercase();
    let r = login(&app, &staff, Some(&typed)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_problem(
        login(&app, &staff, Some(&recovery[3])).await,
        401,
        "invalid_one_time_code",
    )
    .await;
}

#[tokio::test]
async fn wrong_one_time_codes_count_as_failed_sign_ins() {
    let app = app().await;
    let staff = app.staff().await;
    app.set_up_second_factor(&staff).await;
    for _ in 0..5 {
        let r = login(&app, &staff, Some("000000")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_problem(
        login(&app, &staff, Some("000000")).await,
        429,
        "too_many_attempts",
    )
    .await;
}

#[tokio::test]
async fn guardians_have_no_second_factor_and_the_switch_is_on_by_default() {
    let app = app().await;
    let staff = app.staff().await;
    app.set_up_second_factor(&staff).await;
    let guardian = app.guardian(&staff).await;
    let r = app
        .post_empty("/api/v1/me/second-factor", Some(&guardian.access))
        .await;
    assert_problem(r, 403, "forbidden_role").await;
    let me: Value = app
        .get("/api/v1/me", Some(&guardian.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["second_factor_setup_required"], false);
    assert!(
        carepass::config::Config::default()
            .auth
            .require_second_factor_for_staff
    );
    // With the switch off (as in `serve --demo`), staff work without it.
    let app = spawn_app().await;
    let staff = app.staff().await;
    let r = app
        .get("/api/v1/staff/households", Some(&staff.access))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
