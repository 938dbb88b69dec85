use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

fn forge(alg: Algorithm, secret: &str, claims: Value) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn claims(sub: i64, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": sub.to_string(), "role": "admin", "iss": "newsdesk", "aud": "newsdesk-staff", "iat": now, "exp": now + exp_offset })
}

#[tokio::test]
async fn login_returns_a_bearer_token_that_works_for_me() {
    let app = spawn_app().await;
    app.create_user("Editor@Example.com", Role::Editor).await;
    let res = app.login("EDITOR@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    let me: Value = app
        .get("/api/v1/auth/me")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "editor@example.com");
    assert_eq!(me["role"], "editor");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    app.create_user("writer@example.com", Role::Writer).await;
    let wrong = assert_problem(
        app.login("writer@example.com", "not-the-password").await,
        401,
        "unauthorized",
    )
    .await;
    let unknown = assert_problem(
        app.login("nobody@example.com", PASSWORD).await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn me_without_or_with_bad_tokens_is_401() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/auth/me").send().await.unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_problem(res, 401, "unauthorized").await;

    app.create_user("a@example.com", Role::Admin).await;
    let good = forge(Algorithm::HS256, SECRET, claims(1, 600));
    assert_eq!(
        app.get("/api/v1/auth/me")
            .bearer_auth(&good)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let expired = forge(Algorithm::HS256, SECRET, claims(1, -600));
    let other_alg = forge(Algorithm::HS512, SECRET, claims(1, 600));
    let bad_sig = forge(
        Algorithm::HS256,
        "another-secret-that-is-long-enough-000000",
        claims(1, 600),
    );
    let mut wrong_iss = claims(1, 600);
    wrong_iss["iss"] = json!("someone-else");
    let wrong_iss = forge(Algorithm::HS256, SECRET, wrong_iss);
    let mut wrong_aud = claims(1, 600);
    wrong_aud["aud"] = json!("public");
    let wrong_aud = forge(Algorithm::HS256, SECRET, wrong_aud);
    let unsigned = {
        use base64::Engine;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            e.encode(r#"{"alg":"none","typ":"JWT"}"#),
            e.encode(claims(1, 600).to_string())
        )
    };
    for token in [
        expired,
        other_alg,
        bad_sig,
        wrong_iss,
        wrong_aud,
        unsigned,
        "garbage".into(),
    ] {
        let res = app
            .get("/api/v1/auth/me")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401, "unauthorized").await;
    }
    let res = app
        .get("/api/v1/auth/me")
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn a_malformed_token_on_a_public_read_is_401_not_anonymous() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/api/v1/categories").send().await.unwrap().status(),
        200
    );
    let res = app
        .get("/api/v1/categories")
        .bearer_auth("nonsense")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn disabled_users_cannot_log_in_or_use_their_tokens() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let email: String = {
        let me: Value = app
            .get("/api/v1/auth/me")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        me["email"].as_str().unwrap().to_owned()
    };
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use newsdesk::db::schema::users;
        let mut conn = app.conn().await;
        diesel::update(users::table)
            .set(users::disabled.eq(true))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let res = app
        .get("/api/v1/auth/me")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
    assert_problem(app.login(&email, PASSWORD).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn login_body_errors() {
    let app = spawn_app().await;
    let res = app
        .post("/api/v1/auth/login")
        .json(&json!({ "email": "x@example.com" }))
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&body), ["password"]);
}

#[tokio::test]
async fn writes_need_a_token_and_the_editor_role() {
    let app = spawn_app().await;
    app.seed().await;
    let writer = app.token(Role::Writer).await;
    let writes: [(&str, &str, Value); 6] = [
        ("POST", "/api/v1/categories", json!({ "name": "新频道" })),
        (
            "PATCH",
            "/api/v1/categories/guonei",
            json!({ "name": "改名" }),
        ),
        ("DELETE", "/api/v1/categories/guonei", Value::Null),
        ("POST", "/api/v1/sources", json!({ "name": "某报" })),
        ("PATCH", "/api/v1/sources/xinhua", json!({ "name": "改名" })),
        ("DELETE", "/api/v1/sources/xinhua", Value::Null),
    ];
    for (method, path, body) in &writes {
        let method: reqwest::Method = method.parse().unwrap();
        let mut req = app.client.request(method.clone(), app.url(path));
        if !body.is_null() {
            req = req.json(body);
        }
        let anon = req.try_clone().unwrap().send().await.unwrap();
        assert_problem(anon, 401, "unauthorized").await;
        let as_writer = req.bearer_auth(&writer).send().await.unwrap();
        assert_problem(as_writer, 403, "forbidden").await;
    }
    // Nothing changed.
    let cat: Value = app
        .get("/api/v1/categories/guonei")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cat["name"], "国内要闻");
    assert_eq!(
        app.get("/api/v1/sources/xinhua")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
