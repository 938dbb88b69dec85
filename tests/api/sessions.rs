//! Sessions: refresh-token rotation and theft detection, logout, logout everywhere, and login
//! throttling per account and per client address.

use newsdesk::models::user::Role;
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::*;

const EMAIL: &str = "desk@example.com";

async fn login_ok(app: &TestApp) -> Value {
    let res = app.login(EMAIL, PASSWORD).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> Response {
    app.post("/api/v1/auth/refresh")
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
        .unwrap()
}

async fn me_status(app: &TestApp, access: &str) -> u16 {
    app.get("/api/v1/auth/me")
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

#[tokio::test]
async fn login_gives_a_refresh_token_stored_only_as_a_hash() {
    let app = spawn_app().await;
    app.create_user(EMAIL, Role::Editor).await;
    let body = login_ok(&app).await;
    assert_eq!(body["expires_in"], 900, "15 minutes");
    assert_eq!(body["refresh_expires_in"], 30 * 24 * 3600, "30 days");
    let refresh = s(&body, "refresh_token");
    // 256 random bits, base64url without padding: 43 characters.
    assert_eq!(refresh.len(), 43, "{refresh}");
    assert!(
        refresh
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let stored = app
        .sql_i64(&format!(
            "SELECT count(*) AS n FROM refresh_tokens WHERE token_hash = sha256('{refresh}'::bytea)"
        ))
        .await;
    assert_eq!(stored, 1, "the hash is stored");
    let clear = app
        .sql_i64(&format!(
            "SELECT count(*) AS n FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE '%{refresh}%'"
        ))
        .await;
    assert_eq!(clear, 0, "the token itself is not");
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    let app = spawn_app().await;
    app.create_user(EMAIL, Role::Editor).await;
    let first = login_ok(&app).await;
    let other_session = login_ok(&app).await;

    let res = refresh(&app, s(&first, "refresh_token")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let second: Value = res.json().await.unwrap();
    assert_ne!(s(&second, "refresh_token"), s(&first, "refresh_token"));
    assert_eq!(me_status(&app, s(&second, "access_token")).await, 200);

    // The first token was spent; presenting it again looks like theft: the family goes.
    let res = refresh(&app, s(&first, "refresh_token")).await;
    let problem = assert_problem(res, 401, "unauthorized").await;
    assert!(problem["detail"].as_str().unwrap().contains("already used"));
    let res = refresh(&app, s(&second, "refresh_token")).await;
    assert_problem(res, 401, "unauthorized").await;
    // Another login (another family) is untouched.
    let res = refresh(&app, s(&other_session, "refresh_token")).await;
    assert_eq!(res.status(), 200);
    let reused = app
        .sql_i64("SELECT count(*) AS n FROM audit_log WHERE action = 'refresh_reused'")
        .await;
    assert_eq!(reused, 1);

    // Garbage, empty and unknown tokens are 401 / 422, never 500.
    assert_problem(refresh(&app, "nope").await, 401, "unauthorized").await;
    let res = app
        .post("/api/v1/auth/refresh")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn expired_refresh_tokens_and_disabled_accounts_are_refused() {
    let app = spawn_app().await;
    app.create_user(EMAIL, Role::Editor).await;
    let a = login_ok(&app).await;
    let b = login_ok(&app).await;
    app.sql(&format!(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' \
         WHERE token_hash = sha256('{}'::bytea)",
        s(&a, "refresh_token")
    ))
    .await;
    assert_problem(
        refresh(&app, s(&a, "refresh_token")).await,
        401,
        "unauthorized",
    )
    .await;
    app.sql("UPDATE users SET disabled = true").await;
    assert_problem(
        refresh(&app, s(&b, "refresh_token")).await,
        401,
        "unauthorized",
    )
    .await;
    app.sql("UPDATE users SET disabled = false").await;
    // Presented while the account was disabled, the family was revoked.
    assert_problem(
        refresh(&app, s(&b, "refresh_token")).await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn logout_ends_one_session_and_logout_all_ends_every_one() {
    let app = spawn_app().await;
    app.create_user(EMAIL, Role::Editor).await;
    let phone = login_ok(&app).await;
    let laptop = login_ok(&app).await;
    let tablet = login_ok(&app).await;

    let res = app
        .post("/api/v1/auth/logout")
        .json(&json!({ "refresh_token": s(&phone, "refresh_token") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(
        refresh(&app, s(&phone, "refresh_token")).await,
        401,
        "unauthorized",
    )
    .await;
    // Logging out twice, or with an unknown token, is still 204.
    let res = app
        .post("/api/v1/auth/logout")
        .json(&json!({ "refresh_token": s(&phone, "refresh_token") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = refresh(&app, s(&laptop, "refresh_token")).await;
    assert_eq!(res.status(), 200, "the other sessions live on");
    let laptop: Value = res.json().await.unwrap();

    // Everywhere: refresh tokens die and access tokens stop working at once.
    let res = app
        .call("POST", "/api/v1/auth/logout-all", None, None)
        .await;
    assert_problem(res, 401, "unauthorized").await;
    let res = app
        .call(
            "POST",
            "/api/v1/auth/logout-all",
            Some(s(&laptop, "access_token")),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    for session in [&laptop, &tablet] {
        assert_eq!(me_status(&app, s(session, "access_token")).await, 401);
        assert_problem(
            refresh(&app, s(session, "refresh_token")).await,
            401,
            "unauthorized",
        )
        .await;
    }
    // A new login works.
    let fresh = login_ok(&app).await;
    assert_eq!(me_status(&app, s(&fresh, "access_token")).await, 200);
    let events = app
        .sql_i64(
            "SELECT count(*) AS n FROM audit_log WHERE action IN ('logout', 'logout_all') \
             AND resource = 'sessions'",
        )
        .await;
    assert_eq!(events, 2);
}

async fn wrong_login(app: &TestApp, email: &str, from: Option<&str>) -> Response {
    let mut req = app
        .post("/api/v1/auth/login")
        .json(&json!({ "email": email, "password": "not-the-password" }));
    if let Some(ip) = from {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_with_backoff() {
    let app = spawn_app().await;
    app.create_user(EMAIL, Role::Editor).await;
    for _ in 0..4 {
        assert_eq!(wrong_login(&app, EMAIL, None).await.status(), 401);
    }
    // The fifth failure starts the backoff: 1 s, then 2 s, 4 s, ...
    assert_eq!(wrong_login(&app, EMAIL, None).await.status(), 401);
    let res = app.login(EMAIL, PASSWORD).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1).contains(&retry), "{retry}");
    assert_problem(res, 429, "rate_limited").await;
    // The same for an email that does not exist: nothing tells them apart.
    for _ in 0..5 {
        assert_eq!(
            wrong_login(&app, "ghost@example.com", None).await.status(),
            401
        );
    }
    let res = wrong_login(&app, "ghost@example.com", None).await;
    assert_problem(res, 429, "rate_limited").await;

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        wrong_login(&app, EMAIL, None).await.status(),
        401,
        "sixth failure"
    );
    let res = app.login(EMAIL, PASSWORD).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(retry, 2, "the wait doubled");
    assert_eq!(res.status(), 429);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    // A success resets the account's counter.
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 200);
    let failures = app
        .sql_i64("SELECT count(*) AS n FROM login_throttle WHERE key = 'email:desk@example.com'")
        .await;
    assert_eq!(failures, 0);
    assert_eq!(
        wrong_login(&app, EMAIL, None).await.status(),
        401,
        "counting from zero"
    );
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 200);
    let logged = app
        .sql_i64(
            "SELECT count(*) AS n FROM audit_log WHERE action = 'login_failed' \
             AND actor = 'ghost@example.com' AND user_id IS NULL AND ip IS NOT NULL",
        )
        .await;
    assert_eq!(logged, 5);
    let throttled = app
        .sql_i64("SELECT count(*) AS n FROM audit_log WHERE action = 'login_throttled'")
        .await;
    assert!(throttled >= 3, "{throttled}");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_client_address() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = "127.0.0.1".into();
        c.login_max_failures = 2;
    })
    .await;
    app.create_user(EMAIL, Role::Editor).await;
    // One address trying many accounts: 4 × 2 = 8 failures, then it waits.
    for i in 0..8 {
        let res = wrong_login(&app, &format!("user{i}@example.com"), Some("203.0.113.9")).await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = wrong_login(&app, "user9@example.com", Some("203.0.113.9")).await;
    assert_problem(res, 429, "rate_limited").await;
    // Even the right password waits, from that address; another address is fine.
    let res = app
        .post("/api/v1/auth/login")
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({ "email": EMAIL, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let res = app
        .post("/api/v1/auth/login")
        .header("x-forwarded-for", "198.51.100.4")
        .json(&json!({ "email": EMAIL, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let logged = app
        .sql_i64(
            "SELECT count(*) AS n FROM audit_log WHERE action = 'login' AND ip = '198.51.100.4'",
        )
        .await;
    assert_eq!(logged, 1, "the audit log has the forwarded client address");
}

#[tokio::test]
async fn a_spoofed_forwarded_for_is_ignored_without_trusted_proxies() {
    let app = spawn_app_with(|c| c.login_max_failures = 1).await;
    app.create_user(EMAIL, Role::Editor).await;
    // Changing the header does not give a fresh address: the socket peer is what counts.
    for i in 0..4 {
        let ip = format!("198.51.100.{i}");
        let res = wrong_login(&app, &format!("u{i}@example.com"), Some(&ip)).await;
        assert_eq!(res.status(), 401);
    }
    let res = wrong_login(&app, "u9@example.com", Some("198.51.100.200")).await;
    assert_problem(res, 429, "rate_limited").await;
}
