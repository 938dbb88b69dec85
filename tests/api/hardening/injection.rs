//! Injection-shaped strings through every string field of every write endpoint: each is either
//! refused with a problem document or stored and answered back as sent (article bodies are
//! sanitized instead). Nothing is executed, nothing answers 5xx, no table goes missing.

use newsdesk::models::user::Role;
use serde_json::json;

use super::corpus::{Stored, corpus, judge, put_value};
use super::write_endpoints::{Endpoint, write_endpoints};
use crate::helpers::*;

pub struct Fixture {
    pub token: String,
    pub category: i64,
    pub article: i64,
}

pub async fn count(app: &TestApp, table: &str) -> i64 {
    app.sql_i64(&format!("SELECT count(*) AS n FROM {table}"))
        .await
}

async fn tables(app: &TestApp) -> i64 {
    app.sql_i64("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")
        .await
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let (token, _) = app.staff(Role::Admin).await;
    let (_, cat) = app
        .post_json(
            "/api/v1/categories",
            &token,
            json!({ "name": "fixture", "slug": "fixture" }),
        )
        .await;
    let category = cat["id"].as_i64().unwrap();
    let article = app
        .create_article(
            &token,
            json!({ "title": "fixture", "category_id": category }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    Fixture {
        token,
        category,
        article,
    }
}

/// Feeds every corpus string into every field of `ep`; returns how many were stored.
async fn feed(app: &TestApp, fx: &Fixture, ep: &Endpoint) -> usize {
    let mut stored = 0;
    for (field, how) in &ep.fields {
        for value in corpus() {
            let mut body = ep.base.clone();
            let unique = uuid::Uuid::new_v4().simple().to_string();
            for key in ["name", "title"] {
                if body.get(key).is_some() && *field != key {
                    body[key] = json!(format!("n{}", &unique[..12]));
                }
            }
            if body.get("terms").is_some() && *field != "terms" {
                body["terms"][0] = json!(format!("n{}", &unique[..12]));
            }
            if body.get("email").is_some() && *field != "email" {
                body["email"] = json!(format!("u{}@example.com", &unique[..12]));
            }
            put_value(&mut body, field, *how, &value, fx.article);
            let res = app
                .call(ep.method, &ep.path, Some(&fx.token), Some(body))
                .await;
            let what = format!("{} {} {field}={:.60?}", ep.method, ep.path, value);
            let (status, res) = status_json(res).await;
            if judge(status, &res, field, *how, &value, &what) {
                stored += 1;
                // Read it back from its own URL: the stored value, not just the echo.
                if let Some(url) = (ep.read)(&res) {
                    let (status, again) = app.get_as(&url, Some(&fx.token)).await;
                    assert_eq!(status, 200, "{what}: read back {url}");
                    judge(
                        status,
                        &again,
                        field,
                        *how,
                        &value,
                        &format!("{what} (read back)"),
                    );
                }
            }
        }
    }
    stored
}

pub const TABLES: [&str; 6] = [
    "categories",
    "sources",
    "authors",
    "articles",
    "rankings",
    "users",
];

#[tokio::test]
async fn injection_strings_through_every_write_endpoint() {
    let app = spawn_app().await;
    let fx = fixture(&app).await;
    let (_, src) = app
        .post_json(
            "/api/v1/sources",
            &fx.token,
            json!({ "name": "fixture-src", "slug": "fixture-src" }),
        )
        .await;
    let (_, author) = app
        .post_json(
            "/api/v1/authors",
            &fx.token,
            json!({ "name": "fixture-author", "slug": "fixture-author" }),
        )
        .await;
    let (_, board) = app
        .post_json(
            "/api/v1/rankings",
            &fx.token,
            json!({ "title": "fixture", "slug": "fixture-board", "kind": "curated" }),
        )
        .await;
    let (src, author, board) = (src["id"].clone(), author["id"].clone(), board["id"].clone());
    let (_, writer) = app
        .post_json(
            "/api/v1/users",
            &fx.token,
            json!({ "email": "fixture-writer@example.com", "role": "writer", "password": "fixture-password-1" }),
        )
        .await;
    let writer = writer["id"].as_i64().unwrap();
    let (_, hook) = app
        .post_json(
            "/api/v1/webhooks",
            &fx.token,
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["site.updated"], "active": false }),
        )
        .await;
    let hook = hook["id"].as_i64().unwrap();
    let media = app
        .upload_new(&fx.token, crate::media::jpeg(16, 16), "fixture.jpg", &[])
        .await["id"]
        .as_i64()
        .unwrap();
    let (_, synonym) = app
        .post_json(
            "/api/v1/search/synonyms",
            &fx.token,
            json!({ "terms": ["fixture-a", "fixture-b"] }),
        )
        .await;
    let synonym = synonym["id"].as_i64().unwrap();
    let endpoints = write_endpoints(
        fx.category,
        fx.article,
        &src,
        &author,
        &board,
        writer,
        hook,
        media,
        synonym,
    );
    let tables_before = tables(&app).await;
    let mut before = Vec::new();
    for t in TABLES {
        before.push(count(&app, t).await);
    }
    let mut created = std::collections::HashMap::new();
    for ep in &endpoints {
        let stored = feed(&app, &fx, ep).await;
        // Plain text (Chinese, emoji, quotes, markup as text) is accepted everywhere (tokens
        // from the corpus are simply unknown).
        let only_secrets = ep.fields.iter().all(|(_, how)| *how == Stored::Secret);
        assert!(
            stored > 0 || only_secrets,
            "{} {} stored nothing",
            ep.method,
            ep.path
        );
        if ep.method == "POST" {
            *created
                .entry(ep.path.trim_start_matches("/api/v1/").to_owned())
                .or_insert(0) += stored as i64;
        }
    }
    assert_eq!(tables(&app).await, tables_before, "no table was dropped");
    for (t, n) in TABLES.iter().zip(before) {
        let want = n + created.get(*t).copied().unwrap_or(0);
        assert_eq!(
            count(&app, t).await,
            want,
            "rows of {t}: only what was accepted"
        );
    }
    // Everything is still readable in lists (the stored strings serialize back out).
    for list in [
        "/api/v1/categories",
        "/api/v1/sources",
        "/api/v1/authors",
        "/api/v1/articles?per_page=100",
        "/api/v1/rankings",
        "/api/v1/tags",
    ] {
        let (status, _) = app.get_as(list, Some(&fx.token)).await;
        assert_eq!(status, 200, "{list}");
        let (status, _) = app.get_as(list, None).await;
        assert_eq!(status, 200, "{list} (public)");
    }
}

#[tokio::test]
async fn injection_strings_at_login_are_just_wrong_credentials() {
    // Throttling would answer 429 after a few failures; here every attempt reaches the check.
    let app = spawn_app_with(|c| c.login_max_failures = 1_000_000).await;
    app.create_user("editor@example.com", Role::Editor).await;
    for value in corpus() {
        for body in [
            json!({ "email": value, "password": PASSWORD }),
            json!({ "email": "editor@example.com", "password": value }),
            json!({ "email": value, "password": value }),
        ] {
            let res = app.post("/api/v1/auth/login").json(&body).send().await;
            let (status, res) = status_json(res.unwrap()).await;
            let what = format!("login {:.80}", body.to_string());
            assert!(
                matches!(status, 401 | 413 | 422 | 429),
                "{what}: {status} {res}"
            );
            assert!(res["code"].is_string(), "{what}: {res}");
        }
    }
    assert_eq!(
        app.login("editor@example.com", PASSWORD).await.status(),
        200
    );
    assert_eq!(count(&app, "users").await, 1);
}
