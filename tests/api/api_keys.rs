use std::time::Duration;

use newsdesk::models::user::Role;
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::*;

/// Creates a key (asserting 201) and returns the response body (with the secret).
async fn create_key(app: &TestApp, admin: &str, body: Value) -> Value {
    let (status, created) = app.post_json("/api/v1/api-keys", admin, body).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn get_with_key(app: &TestApp, path: &str, key: &str) -> Response {
    app.get(path).header("x-api-key", key).send().await.unwrap()
}

fn num(res: &Response, name: &str) -> i64 {
    header(res, name).parse().unwrap()
}

#[tokio::test]
async fn admins_create_keys_whose_secret_is_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let (admin, admin_id) = app.staff(Role::Admin).await;
    let res = app
        .post("/api/v1/api-keys")
        .bearer_auth(&admin)
        .json(&json!({ "name": "黑河新闻 app" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let location = header(&res, "location");
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("ndk_") && secret.len() == 47, "{secret}");
    assert_eq!(location, format!("/api/v1/api-keys/{}", created["id"]));
    assert_eq!(created["name"], "黑河新闻 app");
    assert_eq!(created["prefix"], &secret[..12]);
    assert_eq!(created["rate_per_minute"], 3000);
    assert_eq!(created["burst"], 300);
    assert_eq!(created["expires_at"], Value::Null);
    assert_eq!(created["revoked_at"], Value::Null);
    assert_eq!(created["last_used_at"], Value::Null);
    assert_eq!(created["created_by"], admin_id);
    assert_eq!(created["status"], "active");

    // Never shown again.
    let (status, one) = app.get_as(&location, Some(&admin)).await;
    assert_eq!(status, 200);
    assert!(one.get("secret").is_none(), "{one}");
    assert_eq!(one["prefix"], created["prefix"]);
    let (status, list) = app.get_as("/api/v1/api-keys", Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(list["meta"]["total"], 1);
    assert!(list["data"][0].get("secret").is_none());
    assert_eq!(list["data"][0]["id"], created["id"]);

    // Stored as its SHA-256 only: no column holds the secret in clear.
    let hashed = app
        .sql_i64(&format!(
            "SELECT count(*) AS n FROM api_keys WHERE secret_hash = sha256('{secret}'::bytea)"
        ))
        .await;
    assert_eq!(hashed, 1);
    let clear = app
        .sql_i64(&format!(
            "SELECT count(*) AS n FROM api_keys k WHERE k::text LIKE '%{}%'",
            &secret[12..]
        ))
        .await;
    assert_eq!(clear, 0);

    // The key works.
    let res = get_with_key(&app, "/api/v1/tags", &secret).await;
    assert_eq!(res.status(), 200);
    assert_eq!(num(&res, "ratelimit-limit"), 300);
}

#[tokio::test]
async fn only_admins_manage_keys() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let created = create_key(&app, &admin, json!({ "name": "site" })).await;
    let secret = created["secret"].as_str().unwrap();
    let one = format!("/api/v1/api-keys/{}", created["id"]);
    let body = json!({ "name": "mine" });
    for role in [Role::Editor, Role::Writer] {
        let token = app.token(role).await;
        for (method, path) in [
            ("GET", "/api/v1/api-keys"),
            ("POST", "/api/v1/api-keys"),
            ("GET", one.as_str()),
            ("DELETE", one.as_str()),
        ] {
            let res = app
                .call(method, path, Some(&token), Some(body.clone()))
                .await;
            assert_problem(res, 403, "forbidden").await;
        }
    }
    for (method, path) in [
        ("GET", "/api/v1/api-keys"),
        ("POST", "/api/v1/api-keys"),
        ("GET", one.as_str()),
        ("DELETE", one.as_str()),
    ] {
        let res = app.call(method, path, None, Some(body.clone())).await;
        assert_problem(res, 401, "unauthorized").await;
        // A key is no credential for managing keys.
        let url = app.url(path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let res = app
            .client
            .request(method, url)
            .header("x-api-key", secret)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401, "unauthorized").await;
    }
    assert_eq!(app.sql_i64("SELECT count(*) AS n FROM api_keys").await, 1);
    let (status, _) = app.get_as(&one, Some(&admin)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn invalid_bodies_are_422_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let (status, body) = app
        .post_json(
            "/api/v1/api-keys",
            &admin,
            json!({ "name": "  ", "rate_per_minute": 0, "burst": 100_001, "expires_at": at(-60) }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(
        field_errors(&body),
        vec!["name", "rate_per_minute", "burst", "expires_at"]
    );
    for bad in [
        json!({}),
        json!({ "name": "x".repeat(101) }),
        json!({ "name": "ok", "rate_per_minute": "fast" }),
        json!({ "name": "ok", "burst": -1 }),
        json!({ "name": "ok", "rate_per_minute": 10_000_000_000_i64 }),
        json!({ "name": "ok", "expires_at": "tomorrow" }),
        json!({ "name": "ok", "scopes": ["write"] }),
    ] {
        let (status, body) = app.post_json("/api/v1/api-keys", &admin, bad.clone()).await;
        assert_eq!(status, 422, "{bad} -> {body}");
        assert_eq!(body["code"], "validation_failed");
    }
    assert_eq!(app.sql_i64("SELECT count(*) AS n FROM api_keys").await, 0);

    // Limits and expiry as sent.
    let created = create_key(
        &app,
        &admin,
        json!({ "name": "partner", "rate_per_minute": 120, "burst": 10, "expires_at": at(3600) }),
    )
    .await;
    assert_eq!(created["rate_per_minute"], 120);
    assert_eq!(created["burst"], 10);
    assert!(created["expires_at"].is_string());
}

#[tokio::test]
async fn a_key_gets_its_own_limit_higher_or_lower() {
    let app = spawn_app_with(|c| {
        c.rate_limit_per_minute = 1;
        c.rate_limit_burst = 5;
    })
    .await;
    // Staff requests are not limited; the login takes one anonymous token.
    let admin = app.token(Role::Admin).await;
    let high = create_key(
        &app,
        &admin,
        json!({ "name": "high", "rate_per_minute": 1, "burst": 8 }),
    )
    .await;
    let low = create_key(
        &app,
        &admin,
        json!({ "name": "low", "rate_per_minute": 1, "burst": 1 }),
    )
    .await;
    let high = high["secret"].as_str().unwrap();
    let low = low["secret"].as_str().unwrap();

    let mut remaining = Vec::new();
    for _ in 0..8 {
        let res = get_with_key(&app, "/api/v1/tags", high).await;
        assert_eq!(res.status(), 200);
        assert_eq!(num(&res, "ratelimit-limit"), 8);
        remaining.push(num(&res, "ratelimit-remaining"));
    }
    assert_eq!(remaining, (0..8).rev().collect::<Vec<i64>>());
    let res = get_with_key(&app, "/api/v1/tags", high).await;
    assert_eq!(num(&res, "ratelimit-limit"), 8);
    assert!(num(&res, "retry-after") >= 1);
    assert_problem(res, 429, "rate_limited").await;

    let res = get_with_key(&app, "/api/v1/tags", low).await;
    assert_eq!(res.status(), 200);
    assert_eq!(num(&res, "ratelimit-limit"), 1);
    assert_problem(
        get_with_key(&app, "/api/v1/tags", low).await,
        429,
        "rate_limited",
    )
    .await;

    // The anonymous bucket of the same address is separate (less the login and the two
    // first lookups of the keys).
    let res = app.get("/api/v1/tags").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(num(&res, "ratelimit-limit"), 5);
    assert_eq!(num(&res, "ratelimit-remaining"), 1);
}

#[tokio::test]
async fn revoked_keys_stop_working_at_once() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let created = create_key(&app, &admin, json!({ "name": "old site" })).await;
    let secret = created["secret"].as_str().unwrap();
    let one = format!("/api/v1/api-keys/{}", created["id"]);
    assert_eq!(
        get_with_key(&app, "/api/v1/tags", secret).await.status(),
        200
    );

    assert_eq!(app.delete_as(&one, &admin).await, 204);
    let res = get_with_key(&app, "/api/v1/tags", secret).await;
    let body = assert_problem(res, 401, "unauthorized").await;
    assert!(
        body["detail"].as_str().unwrap().contains("revoked"),
        "{body}"
    );

    let (status, key) = app.get_as(&one, Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(key["status"], "revoked");
    let revoked_at = key["revoked_at"].clone();
    assert!(revoked_at.is_string());
    // Revoking again changes nothing.
    assert_eq!(app.delete_as(&one, &admin).await, 204);
    assert_eq!(
        app.get_as(&one, Some(&admin)).await.1["revoked_at"],
        revoked_at
    );

    for missing in ["/api/v1/api-keys/999999", "/api/v1/api-keys/abc"] {
        assert_problem(
            app.get(missing).bearer_auth(&admin).send().await.unwrap(),
            404,
            "not_found",
        )
        .await;
        let res = app
            .delete(missing)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_problem(res, 404, "not_found").await;
    }
}

#[tokio::test]
async fn expired_keys_are_refused() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let created = create_key(
        &app,
        &admin,
        json!({ "name": "trial", "expires_at": at(2) }),
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(
        get_with_key(&app, "/api/v1/tags", secret).await.status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let res = get_with_key(&app, "/api/v1/tags", secret).await;
    let body = assert_problem(res, 401, "unauthorized").await;
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    let (_, key) = app
        .get_as(&format!("/api/v1/api-keys/{}", created["id"]), Some(&admin))
        .await;
    assert_eq!(key["status"], "expired");
}

#[tokio::test]
async fn unknown_keys_are_refused_not_treated_as_anonymous() {
    let app = spawn_app().await;
    let well_formed_unknown = format!("ndk_{}", "A".repeat(43));
    for key in ["nonsense", "", well_formed_unknown.as_str()] {
        let res = get_with_key(&app, "/api/v1/tags", key).await;
        assert_problem(res, 401, "unauthorized").await;
    }
    // Also on the beacon.
    let res = app
        .post("/api/v1/articles/1/views")
        .header("x-api-key", "nonsense")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn keys_never_grant_writes() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let secret = create_key(&app, &admin, json!({ "name": "reader" })).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let sources = app.sql_i64("SELECT count(*) AS n FROM sources").await;
    let articles = app.sql_i64("SELECT count(*) AS n FROM articles").await;
    let source = app.get_as("/api/v1/sources", None).await.1["data"][0]["id"].clone();
    let writes = [
        (
            "POST",
            "/api/v1/sources".to_owned(),
            json!({ "name": "新来源" }),
        ),
        (
            "PATCH",
            format!("/api/v1/sources/{source}"),
            json!({ "name": "改名" }),
        ),
        ("DELETE", format!("/api/v1/sources/{source}"), json!({})),
        (
            "POST",
            "/api/v1/articles".to_owned(),
            json!({ "title": "标题" }),
        ),
        (
            "POST",
            "/api/v1/api-keys".to_owned(),
            json!({ "name": "another" }),
        ),
    ];
    for (method, path, body) in writes {
        let res = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(&path),
            )
            .header("x-api-key", &secret)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401, "unauthorized").await;
    }
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM sources").await,
        sources
    );
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM articles").await,
        articles
    );
    assert_eq!(app.sql_i64("SELECT count(*) AS n FROM api_keys").await, 1);
    // Drafts stay hidden from a key as from anyone without a token.
    let res = get_with_key(&app, "/api/v1/trash/articles", &secret).await;
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn lists_page_newest_first_and_last_use_is_recorded() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let mut ids_created = Vec::new();
    let mut secrets = Vec::new();
    for name in ["a", "b", "c"] {
        let created = create_key(&app, &admin, json!({ "name": name })).await;
        ids_created.push(created["id"].as_i64().unwrap());
        secrets.push(created["secret"].as_str().unwrap().to_owned());
    }
    let (status, page) = app
        .get_as("/api/v1/api-keys?per_page=2", Some(&admin))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ids(&page), vec![ids_created[2], ids_created[1]]);
    assert_eq!(page["meta"]["total"], 3);
    let cursor = page["meta"]["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get_as(
            &format!("/api/v1/api-keys?per_page=2&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    assert_eq!(ids(&rest), vec![ids_created[0]]);
    assert_eq!(rest["meta"]["next_cursor"], Value::Null);

    assert_eq!(
        get_with_key(&app, "/api/v1/tags", &secrets[0])
            .await
            .status(),
        200
    );
    let used = app
        .wait_for_i64(
            &format!(
                "SELECT count(*) AS n FROM api_keys WHERE id = {} AND last_used_at IS NOT NULL",
                ids_created[0]
            ),
            1,
        )
        .await;
    assert_eq!(used, 1);
    let (_, key) = app
        .get_as(
            &format!("/api/v1/api-keys/{}", ids_created[0]),
            Some(&admin),
        )
        .await;
    assert!(key["last_used_at"].is_string());
}
