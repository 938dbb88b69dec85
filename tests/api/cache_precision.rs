//! The response cache drops no more than a change affects: an edit that leaves an article where
//! it was keeps its channel's newest lists and its neighbours' pages, and a most-read list's
//! pages go when its order changes, not at every recount.

use std::time::{Duration, Instant};

use newsdesk::models::user::Role;
use serde_json::json;

use crate::desk::{article_path, desk};
use crate::helpers::*;
use crate::response_cache::{channel, get, hit};
use crate::views::read_today;

#[tokio::test]
async fn an_edit_in_place_keeps_its_channels_newest_lists_and_neighbours_pages() {
    let d = desk().await;
    let c = channel(&d, "就地编辑").await;
    let old = d
        .publish(
            "旧闻",
            json!({ "category_id": c, "published_at": at(-7200) }),
        )
        .await;
    let mut newest = 0;
    for i in 0..7 {
        let when = at(-3600 + i * 60);
        newest = d
            .publish(
                &format!("新闻 {i}"),
                json!({ "category_id": c, "published_at": when }),
            )
            .await;
    }
    let top = format!("/api/v1/articles?category={c}&per_page=2");
    let filtered = format!("/api/v1/articles?category={c}&per_page=2&headline=false");
    let screen = format!("{}?include=latest_in_category", article_path(newest));
    let own = article_path(old);
    for p in [&top, &filtered, &screen, &own] {
        get(&d, p).await;
        assert!(hit(&get(&d, p).await.0), "{p} is cached");
    }

    d.edit(old, json!({ "title": "旧闻改" })).await;
    let (status, body) = get(&d, &own).await;
    assert!(!hit(&status), "{status}");
    assert_eq!(body["title"], "旧闻改");
    let (status, _) = get(&d, &filtered).await;
    assert!(
        !hit(&status),
        "a filtered list may change with any edit: {status}"
    );
    for p in [&top, &screen] {
        assert!(
            hit(&get(&d, p).await.0),
            "{p} was dropped by an edit that left the article where it was"
        );
    }

    // A new publish time moves it to the top: both change, at once.
    d.edit(old, json!({ "published_at": at(-10) })).await;
    let (status, body) = get(&d, &top).await;
    assert!(!hit(&status), "{status}");
    assert_eq!(ids(&body)[0], old);
    let (status, body) = get(&d, &screen).await;
    assert!(!hit(&status), "{status}");
    assert_eq!(body["next"]["id"], old, "{body}");
    assert_eq!(body["latest_in_category"][0]["id"], old, "{body}");
}

#[tokio::test]
async fn pages_showing_most_read_go_when_its_order_changes_not_at_each_recount() {
    let app = spawn_app_with(|c| c.rankings_ttl_secs = 1).await;
    app.seed().await;
    let t = app.token(Role::Editor).await;
    let first = read_today(&app, &t, "shehui", 2_000_000).await;
    let second = read_today(&app, &t, "shehui", 1_000_000).await;
    let page = format!("{}?include=most_read", article_path(first));
    let order = |body: &serde_json::Value| -> Vec<i64> {
        body["most_read"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["article"]["id"].as_i64().unwrap())
            .collect()
    };
    let (_, body) = get(&app, &page).await;
    assert_eq!(order(&body)[..2], [first, second], "{body}");
    // Recounts every second find the same order: the page stays.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(hit(&get(&app, &page).await.0), "dropped by a recount");

    // Reading moves `second` ahead (no change event): the next recount drops the page.
    app.sql(&format!(
        "UPDATE article_views_daily SET views = 3000000 WHERE article_id = {second}"
    ))
    .await;
    let started = Instant::now();
    loop {
        let (status, body) = get(&app, &page).await;
        if !hit(&status) {
            assert_eq!(order(&body)[..2], [second, first], "{body}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the page kept the old order"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
