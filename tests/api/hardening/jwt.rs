//! Every defect of a bearer token is a 401 problem, on reads and on writes alike.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use newsdesk::models::user::Role;
use newsdesk::startup::Application;
use serde_json::json;

use super::forge::*;
use crate::helpers::*;

async fn assert_401(app: &TestApp, authorization: &str, case: &str) {
    let res = app
        .get("/api/v1/auth/me")
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "{case}");
    assert_eq!(res.headers()["www-authenticate"], "Bearer", "{case}");
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn every_kind_of_bad_token_is_401() {
    let app = spawn_app().await;
    let (writer, writer_id) = app.staff(Role::Writer).await;
    let (_, admin_id) = app.staff(Role::Admin).await;
    let good = claims(admin_id);
    let now = chrono::Utc::now().timestamp();
    // The control: a forged-with-the-right-key token works, so the failures below are real.
    let ok = hs(Algorithm::HS256, &good);
    let res = app.get("/api/v1/auth/me").bearer_auth(&ok).send().await;
    assert_eq!(res.unwrap().status(), 200);
    let nbf_past = hs(
        Algorithm::HS256,
        &with(good.clone(), json!({ "nbf": now - 60 })),
    );
    let res = app
        .get("/api/v1/auth/me")
        .bearer_auth(&nbf_past)
        .send()
        .await;
    assert_eq!(res.unwrap().status(), 200, "an nbf in the past is fine");

    let sig = ok.rsplit('.').next().unwrap().to_owned();
    let mut flipped = ok.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let cases: Vec<(&str, String)> = vec![
        ("alg none", unsigned("none", &good)),
        ("alg None", unsigned("None", &good)),
        ("alg NONE", unsigned("NONE", &good)),
        (
            "alg none with a signature",
            format!("{}{sig}", unsigned("none", &good)),
        ),
        ("HS384, same secret", hs(Algorithm::HS384, &good)),
        ("HS512, same secret", hs(Algorithm::HS512, &good)),
        (
            "RS256 header, HMAC signature (key confusion)",
            with_header(json!({ "alg": "RS256", "typ": "JWT" }), &good),
        ),
        (
            "ES256 header",
            with_header(json!({ "alg": "ES256", "typ": "JWT" }), &good),
        ),
        (
            "EdDSA header",
            with_header(json!({ "alg": "EdDSA", "typ": "JWT" }), &good),
        ),
        (
            "unknown alg",
            with_header(json!({ "alg": "HS256X", "typ": "JWT" }), &good),
        ),
        (
            "wrong iss",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "iss": "someone-else" })),
            ),
        ),
        (
            "missing iss",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "iss": null })),
            ),
        ),
        (
            "wrong aud",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "aud": "public" })),
            ),
        ),
        (
            "aud list without ours",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "aud": ["public", "other"] })),
            ),
        ),
        (
            "missing aud",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "aud": null })),
            ),
        ),
        (
            "expired beyond the 5 s leeway",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "exp": now - 60 })),
            ),
        ),
        (
            "missing exp",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "exp": null })),
            ),
        ),
        (
            "exp not a number",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "exp": "later" })),
            ),
        ),
        (
            "not yet valid (nbf in the future)",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "nbf": now + 600 })),
            ),
        ),
        (
            "nbf not a number",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "nbf": "soon" })),
            ),
        ),
        (
            "missing sub",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "sub": null })),
            ),
        ),
        (
            "sub not an id",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "sub": "admin" })),
            ),
        ),
        (
            "sub SQL",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "sub": "1 OR 1=1" })),
            ),
        ),
        (
            "sub overflow",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "sub": "99999999999999999999" })),
            ),
        ),
        (
            "sub negative",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "sub": "-1" })),
            ),
        ),
        (
            "sub unknown user",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "sub": "987654" })),
            ),
        ),
        (
            "missing role",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "role": null })),
            ),
        ),
        (
            "unknown role",
            hs(
                Algorithm::HS256,
                &with(good.clone(), json!({ "role": "root" })),
            ),
        ),
        ("other secret", {
            let other =
                EncodingKey::from_secret(b"another-secret-that-is-long-enough-000000").unwrap();
            encode(&Header::new(Algorithm::HS256), &good, &other).unwrap()
        }),
        (
            "tampered payload: a writer's token made admin",
            swap_payload(&app.token(Role::Writer).await, |p| {
                p["role"] = json!("admin");
                p["sub"] = json!(admin_id.to_string());
            }),
        ),
        (
            "tampered payload: exp pushed out",
            swap_payload(&ok, |p| p["exp"] = json!(now + 10 * 365 * 86400)),
        ),
        ("tampered signature", flipped),
        (
            "signature stripped",
            format!("{}.", ok.rsplit_once('.').unwrap().0),
        ),
        ("two segments", ok.rsplit_once('.').unwrap().0.to_owned()),
        ("four segments", format!("{ok}.{sig}")),
        (
            "header not JSON",
            format!("{}.{}", B64.encode("nope"), ok.split_once('.').unwrap().1),
        ),
        ("not base64", "@@@.###.$$$".to_owned()),
        ("garbage", "garbage".to_owned()),
        ("a huge token", "a".repeat(8000)),
    ];
    for (case, token) in &cases {
        assert_401(&app, &format!("Bearer {token}"), case).await;
    }
    for (case, header) in [
        ("empty bearer", "Bearer "),
        ("bare scheme", "Bearer"),
        ("other scheme", "Basic YTpi"),
        ("token without scheme", ok.as_str()),
        ("empty header", ""),
    ] {
        assert_401(&app, header, case).await;
    }

    // A forged token gets no write through either, and writers stay writers.
    let res = app
        .post("/api/v1/categories")
        .bearer_auth(unsigned("none", &good))
        .json(&json!({ "name": "forged" }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
    let (_, me) = app.get_as("/api/v1/auth/me", Some(&writer)).await;
    assert_eq!(
        (me["id"].as_i64(), me["role"].as_str()),
        (Some(writer_id), Some("writer"))
    );
    assert_eq!(app.sql_i64("SELECT count(*) AS n FROM categories").await, 0);
}

#[tokio::test]
async fn the_token_of_a_deleted_user_is_401() {
    let app = spawn_app().await;
    let (token, id) = app.staff(Role::Admin).await;
    let (status, _) = app.get_as("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(status, 200);
    app.sql(&format!("DELETE FROM refresh_tokens WHERE user_id = {id}"))
        .await;
    app.sql(&format!("DELETE FROM users WHERE id = {id}")).await;
    let res = app.get("/api/v1/auth/me").bearer_auth(&token).send().await;
    assert_problem(res.unwrap(), 401, "unauthorized").await;
    let res = app
        .post("/api/v1/sources")
        .bearer_auth(&token)
        .json(&json!({ "name": "ghost" }))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn a_jwt_secret_of_31_bytes_is_refused_and_32_accepted() {
    // The check runs before the database is touched.
    let mut config = test_config("postgres://nobody@127.0.0.1:1/none".into());
    config.jwt_secret = "x".repeat(31);
    let err = Application::build(config.clone()).await.err().unwrap();
    assert!(
        err.contains("JWT_SECRET must be at least 32 bytes"),
        "{err}"
    );
    // Bytes, not characters: ten three-byte characters are 30 bytes.
    config.jwt_secret = "密".repeat(10);
    assert!(Application::build(config).await.is_err());
    let app = spawn_app_with(|c| c.jwt_secret = "x".repeat(32)).await;
    let token = app.token(Role::Editor).await;
    let (status, _) = app.get_as("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(status, 200);
}
