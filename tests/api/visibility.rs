//! The public visibility rule exists once, in three forms (Rust, Diesel, SQL), and the change
//! feed's SQL function agrees with it: all four pinned on the edges, at one instant.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use diesel::sql_types::{Array, BigInt, Timestamptz};
use diesel_async::RunQueryDsl;
use newsdesk::models::ids::ArticleId;
use newsdesk::models::user::Role;
use newsdesk::models::{Key, article, visibility};
use serde_json::json;

use crate::helpers::spawn_app;

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[tokio::test]
async fn the_rule_is_one_rule_on_every_edge() {
    let app = spawn_app().await;
    let token = app.token(Role::Admin).await;
    let (_, shown) = app
        .post_json("/api/v1/categories", &token, json!({ "name": "可见" }))
        .await;
    let (_, hidden) = app
        .post_json(
            "/api/v1/categories",
            &token,
            json!({ "name": "隐藏", "visible": false }),
        )
        .await;
    let at: DateTime<Utc> = Utc::now().trunc_subsecs(0) - Duration::minutes(10);
    let sec = Duration::seconds(1);
    // (name, channel, status, published_at, offline_at, trashed, visible at `at`)
    let cases = [
        (
            "published at the instant",
            &shown,
            "published",
            Some(at),
            None,
            false,
            true,
        ),
        (
            "a second before it",
            &shown,
            "published",
            Some(at + sec),
            None,
            false,
            false,
        ),
        (
            "offline at the instant",
            &shown,
            "published",
            Some(at - sec),
            Some(at),
            false,
            false,
        ),
        (
            "offline a second after",
            &shown,
            "published",
            Some(at - sec),
            Some(at + sec),
            false,
            true,
        ),
        ("draft", &shown, "draft", Some(at - sec), None, false, false),
        (
            "archived",
            &shown,
            "archived",
            Some(at - sec),
            None,
            false,
            false,
        ),
        (
            "trashed",
            &shown,
            "published",
            Some(at - sec),
            None,
            true,
            false,
        ),
        (
            "in a hidden channel",
            &hidden,
            "published",
            Some(at - sec),
            None,
            false,
            true,
        ),
    ];
    let mut ids = Vec::new();
    let mut expected = Vec::new();
    for (i, (name, channel, status, published, offline, trashed, visible)) in
        cases.iter().enumerate()
    {
        let created = app
            .create_article(
                &token,
                json!({ "title": format!("边界 {i} {name}"), "category_id": channel["id"], "status": status }),
            )
            .await;
        let id = created["id"].as_i64().unwrap();
        let ts = |t: &Option<DateTime<Utc>>| {
            t.map_or("NULL".to_owned(), |t| format!("'{}'", t.to_rfc3339()))
        };
        let trash = if *trashed { "now()" } else { "NULL" };
        app.sql(&format!(
            "UPDATE articles SET published_at = {}, offline_at = {}, deleted_at = {trash} WHERE id = {id}",
            ts(published),
            ts(offline)
        ))
        .await;
        ids.push(id);
        if *visible {
            expected.push(id);
        }
    }
    let mut conn = app.conn().await;

    // Rust
    let mut rust = Vec::new();
    for id in &ids {
        let a = article::find(&mut conn, &Key::Id(*id))
            .await
            .unwrap()
            .unwrap();
        if a.is_visible_at(at) {
            rust.push(*id);
        }
    }
    assert_eq!(rust, expected, "Rust: {cases:?}");

    // Diesel
    let typed: Vec<ArticleId> = ids.iter().map(|i| ArticleId(*i)).collect();
    let mut diesel_ids: Vec<i64> = article::visible_ids(&mut conn, &typed, at)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.0)
        .collect();
    diesel_ids.sort_unstable();
    assert_eq!(diesel_ids, expected, "Diesel");

    // The SQL fragment, and the change feed's function over the same columns.
    for (what, condition) in [
        ("SQL fragment", visibility::sql("a", "$2")),
        (
            "article_visible_at",
            "article_visible_at(a.status = 'published' AND a.deleted_at IS NULL, a.published_at, \
             a.offline_at, $2)"
                .to_owned(),
        ),
    ] {
        let rows: Vec<Id> = diesel::sql_query(format!(
            "SELECT a.id FROM articles a WHERE a.id = ANY($1) AND {condition} ORDER BY a.id"
        ))
        .bind::<Array<BigInt>, _>(&ids)
        .bind::<Timestamptz, _>(at)
        .load(&mut conn)
        .await
        .unwrap();
        let got: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
        assert_eq!(got, expected, "{what}");
    }
}
