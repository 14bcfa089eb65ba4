//! Sign-in, token rotation, logout, invitations and login throttling.

use carepass::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_guardian_logs_in_with_the_password_chosen_at_invitation_and_sees_their_account() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": guardian.email.to_uppercase(), "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 15 * 60);
    assert!(body["access_token"].as_str().unwrap().starts_with("cpa_"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("cpr_"));
    let me: Value = app
        .get("/api/v1/me", body["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "guardian");
    assert_eq!(me["email"], guardian.email);
    assert_eq!(
        me["household_id"],
        guardian.household_id.unwrap().to_string()
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": staff.email, "password": "not the password" }),
        )
        .await;
    let body_wrong = assert_problem(wrong, 401, "invalid_credentials").await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": "nobody@example.jp", "password": "whatever123" }),
        )
        .await;
    let body_unknown = assert_problem(unknown, 401, "invalid_credentials").await;
    assert_eq!(body_wrong["title"], body_unknown["title"]);
}

#[tokio::test]
async fn the_sixth_failed_login_within_the_window_is_throttled_with_retry_after() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    for _ in 0..5 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": staff.email, "password": "wrong password" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while throttled.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": staff.email, "password": PASSWORD }),
        )
        .await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    assert_problem(r, 429, "too_many_attempts").await;
    // After the window the account can sign in again.
    app.clock.advance(chrono::Duration::minutes(16));
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": staff.email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn refreshing_rotates_the_pair_and_the_old_access_token_keeps_working_until_it_expires() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": staff.refresh }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let pair: Value = r.json().await.unwrap();
    assert_ne!(pair["refresh_token"], staff.refresh.as_str());
    assert_eq!(
        app.get("/api/v1/me", pair["access_token"].as_str())
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&staff.access)).await.status(),
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::minutes(16));
    assert_problem(
        app.get("/api/v1/me", Some(&staff.access)).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let pair: Value = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": staff.refresh }),
        )
        .await
        .json()
        .await
        .unwrap();
    let again = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": staff.refresh }),
        )
        .await;
    assert_problem(again, 401, "refresh_token_reused").await;
    // The legitimate newer pair is revoked too: both its tokens stop working.
    assert_problem(
        app.get("/api/v1/me", pair["access_token"].as_str()).await,
        401,
        "invalid_token",
    )
    .await;
    let newer = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": pair["refresh_token"] }),
        )
        .await;
    assert_problem(newer, 401, "refresh_token_invalid").await;
    // Another login of the same account is untouched.
    let other = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": staff.email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    app.clock.advance(chrono::Duration::days(31));
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": staff.refresh }),
        )
        .await;
    assert_problem(r, 401, "refresh_token_invalid").await;
}

#[tokio::test]
async fn logout_ends_the_access_token_and_the_refresh_token_at_once() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let r = app
        .post_empty("/api/v1/auth/logout", Some(&staff.access))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.get("/api/v1/me", Some(&staff.access)).await,
        401,
        "invalid_token",
    )
    .await;
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": staff.refresh }),
        )
        .await;
    assert_problem(r, 401, "refresh_token_invalid").await;
}

#[tokio::test]
async fn tokens_are_only_read_from_the_authorization_header_never_from_the_url() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let r = app
        .get(&format!("/api/v1/me?access_token={}", staff.access), None)
        .await;
    assert_problem(r, 401, "unauthenticated").await;
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", format!("Basic {}", staff.access))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "invalid_token").await;
}

#[tokio::test]
async fn an_invitation_works_once_and_not_after_it_expires() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = app
        .post(
            "/api/v1/admin/staff-invitations",
            Some(&admin.access),
            &json!({ "email": "new.staff@example.jp", "display_name": "新人 職員" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let inv: Value = r.json().await.unwrap();
    assert_eq!(inv["role"], "staff");
    let code = inv["invitation_code"].as_str().unwrap();
    let accept = json!({ "invitation_code": code, "password": PASSWORD });
    let first = app
        .post("/api/v1/auth/invitations/accept", None, &accept)
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["account"]["role"], "staff");
    let second = app
        .post("/api/v1/auth/invitations/accept", None, &accept)
        .await;
    assert_problem(second, 410, "invitation_invalid").await;

    let r = app
        .post(
            "/api/v1/admin/staff-invitations",
            Some(&admin.access),
            &json!({ "email": "late@example.jp", "display_name": "遅い 職員" }),
        )
        .await;
    let late: Value = r.json().await.unwrap();
    app.clock.advance(chrono::Duration::days(15));
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({ "invitation_code": late["invitation_code"], "password": PASSWORD }),
        )
        .await;
    assert_problem(r, 410, "invitation_invalid").await;
}

#[tokio::test]
async fn a_short_password_is_refused_and_the_invitation_stays_usable() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let inv: Value = app
        .post(
            "/api/v1/admin/staff-invitations",
            Some(&admin.access),
            &json!({ "email": "s@example.jp", "display_name": "職員" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let accounts = app.count("accounts").await;
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({ "invitation_code": inv["invitation_code"], "password": "short" }),
        )
        .await;
    let body = assert_problem(r, 422, "invalid_field").await;
    assert_eq!(body["field"], "password");
    assert_eq!(app.count("accounts").await, accounts);
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({ "invitation_code": inv["invitation_code"], "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn inviting_an_email_that_already_has_an_account_is_a_conflict() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let staff = app.staff().await;
    let r = app
        .post(
            "/api/v1/admin/staff-invitations",
            Some(&admin.access),
            &json!({ "email": staff.email, "display_name": "二重" }),
        )
        .await;
    assert_problem(r, 409, "email_taken").await;
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_everywhere_and_cannot_sign_in() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let staff = app.staff().await;
    let r = app
        .post_empty(
            &format!("/api/v1/admin/accounts/{}/disable", staff.id),
            Some(&admin.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "disabled");
    assert_problem(
        app.get("/api/v1/me", Some(&staff.access)).await,
        401,
        "invalid_token",
    )
    .await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": staff.email, "password": PASSWORD }),
        )
        .await;
    assert_problem(r, 403, "account_disabled").await;
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": staff.refresh }),
        )
        .await;
    assert_problem(r, 401, "refresh_token_invalid").await;
    let r = app
        .post_empty(
            &format!("/api/v1/admin/accounts/{}/disable", admin.id),
            Some(&admin.access),
        )
        .await;
    assert_problem(r, 409, "cannot_disable_self").await;
}

#[tokio::test]
async fn the_admin_lists_staff_accounts_but_not_guardians() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let staff = app.staff().await;
    let _guardian = app.guardian(&staff).await;
    let body: Value = app
        .get("/api/v1/admin/staff", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    let roles: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&"admin") && roles.contains(&"staff"));
}

#[tokio::test]
async fn access_tokens_last_as_long_as_the_configuration_says() {
    let app = spawn_app_with(|c| c.auth.access_token_minutes = 2).await;
    let user = app.create_account(Role::Staff, None).await;
    app.clock.advance(chrono::Duration::seconds(119));
    assert_eq!(
        app.get("/api/v1/me", Some(&user.access)).await.status(),
        StatusCode::OK
    );
    app.clock.advance(chrono::Duration::seconds(2));
    assert_problem(
        app.get("/api/v1/me", Some(&user.access)).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_logout_racing_a_refresh_never_leaves_a_working_session() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let mut left_working = 0;
    for _ in 0..15 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": staff.email, "password": PASSWORD }),
            )
            .await;
        let session: Value = r.json().await.unwrap();
        let access = session["access_token"].as_str().unwrap();
        let refresh = session["refresh_token"].as_str().unwrap();
        let body = json!({ "refresh_token": refresh });
        let (_, refreshed) = tokio::join!(
            app.post_empty("/api/v1/auth/logout", Some(access)),
            app.post("/api/v1/auth/refresh", None, &body)
        );
        if refreshed.status() == StatusCode::OK {
            let pair: Value = refreshed.json().await.unwrap();
            let new_access = pair["access_token"].as_str().unwrap();
            if app.get("/api/v1/me", Some(new_access)).await.status() == StatusCode::OK {
                left_working += 1;
            }
            let again = app
                .post(
                    "/api/v1/auth/refresh",
                    None,
                    &json!({ "refresh_token": pair["refresh_token"] }),
                )
                .await;
            assert_ne!(again.status(), StatusCode::OK, "the session lives on");
        }
        assert_ne!(
            app.get("/api/v1/me", Some(access)).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(left_working, 0, "sessions left working after logout");
}

#[tokio::test]
async fn a_hundred_concurrent_wrong_passwords_check_at_most_the_limit() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let body = json!({ "email": staff.email, "password": "definitely not it" });
    let answers =
        futures::future::join_all((0..100).map(|_| app.post("/api/v1/auth/login", None, &body)))
            .await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    // A 401 means the password was checked; the rest were refused before any hashing.
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
    assert!(
        statuses.iter().all(|s| [401, 429, 503].contains(s)),
        "{statuses:?}"
    );
    // The right password is refused too until the window passes: the account is protected.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": staff.email, "password": PASSWORD }),
        )
        .await;
    assert_problem(r, 429, "too_many_attempts").await;
}

#[tokio::test]
async fn a_successful_login_gives_its_attempt_back() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    for _ in 0..10 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": staff.email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_persons_failures_do_not_lock_out_everyone() {
    let app = spawn_app_with(|c| {
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let staff = app.staff().await;
    let login = |email: String, password: &'static str, client: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("x-forwarded-for", client)
                .json(&json!({ "email": email, "password": password }))
                .send()
                .await
                .unwrap()
        }
    };
    // One person tries twenty made-up accounts through the proxy; their address is throttled.
    for i in 0..20 {
        let r = login(
            format!("nobody{i}@example.jp"),
            "wrong password",
            "198.51.100.7",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = login(staff.email.clone(), PASSWORD, "198.51.100.7").await;
    assert_problem(r, 429, "too_many_attempts").await;
    // Someone else behind the same proxy signs in.
    let r = login(staff.email.clone(), PASSWORD, "203.0.113.20").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forged_forwarded_address_does_not_escape_the_throttle() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    for i in 0..20 {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .header("forwarded", format!("for=198.51.100.{i}"))
            .json(&json!({ "email": format!("nobody{i}@example.jp"), "password": "wrong" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "203.0.113.20")
        .json(&json!({ "email": staff.email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_problem(r, 429, "too_many_attempts").await;
}

#[tokio::test]
async fn throttle_rows_of_keys_never_tried_again_are_forgotten_after_their_window() {
    let app = spawn_app().await;
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "email": format!("made-up-{i}@example.jp"), "password": "wrong" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Three accounts and the one address.
    assert_eq!(app.count("login_throttle").await, 4);
    carepass::tasks::sweep(&app.state).await;
    assert_eq!(
        app.count("login_throttle").await,
        4,
        "still inside the window"
    );
    app.clock.advance(chrono::Duration::minutes(16));
    carepass::tasks::sweep(&app.state).await;
    assert_eq!(app.count("login_throttle").await, 0);
}

#[tokio::test]
async fn a_staff_password_that_is_short_or_easy_to_guess_is_refused_and_the_invitation_stays_usable()
 {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let inv: Value = app
        .post(
            "/api/v1/admin/staff-invitations",
            Some(&admin.access),
            &json!({ "email": "yamada.taro@example.jp", "display_name": "山田 太郎" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = inv["invitation_code"].as_str().unwrap();
    let accept = |password: &str| json!({ "invitation_code": code, "password": password });
    for (weak, says) in [
        ("aaaaaaaaaa", "12文字以上"),
        ("Vq7#pL2!xZ", "12文字以上"),
        ("aaaaaaaaaaaa", "推測されやすい"),
        ("password1234", "推測されやすい"),
        ("yamada.taro@example.jp", "推測されやすい"),
        ("shinagawa2026", "推測されやすい"),
    ] {
        let r = app
            .post("/api/v1/auth/invitations/accept", None, &accept(weak))
            .await;
        let body = assert_problem(r, 422, "invalid_field").await;
        assert_eq!(body["field"], "password", "{weak}");
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{weak}: {body}"
        );
    }
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &accept("kettle violet harbour tram"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}
