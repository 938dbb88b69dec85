//! Cached reads follow writes at once: a write announces what it changed and the one owner of
//! the caches drops what shows it (only view counts wait for their TTL).

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_most_read_list_shows_renames_and_edits_at_once() {
    let app = spawn_app().await;
    let token = app.token(Role::Admin).await;
    let (_, channel) = app
        .post_json("/api/v1/categories", &token, json!({ "name": "缓存" }))
        .await;
    let (status, source) = app
        .post_json("/api/v1/sources", &token, json!({ "name": "旧报" }))
        .await;
    assert_eq!(status, 201, "{source}");
    let article = app
        .create_article(
            &token,
            json!({ "title": "旧题", "category_id": channel["id"], "source_id": source["id"], "status": "published" }),
        )
        .await;
    let id = article["id"].as_i64().unwrap();
    let res = app
        .beacon(&id.to_string(), Some("reader"), "Mozilla/5.0")
        .await;
    assert_eq!(res.status(), 204);
    let q = format!("SELECT view_count AS n FROM articles WHERE id = {id}");
    assert_eq!(app.wait_for_i64(&q, 1).await, 1);

    let top = |body: &Value| body["data"][0]["article"].clone();
    let (_, first) = app
        .get_as("/api/v1/rankings/most-read?window=day", None)
        .await;
    assert_eq!(top(&first)["source"]["name"], "旧报", "{first}");
    assert_eq!(top(&first)["title"], "旧题");

    let (status, _) = app
        .patch_json(
            &format!("/api/v1/sources/{}", source["id"]),
            &token,
            json!({ "name": "新报" }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, renamed) = app
        .get_as("/api/v1/rankings/most-read?window=day", None)
        .await;
    assert_eq!(top(&renamed)["source"]["name"], "新报", "{renamed}");

    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &token,
            json!({ "title": "新题" }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, edited) = app
        .get_as("/api/v1/rankings/most-read?window=day", None)
        .await;
    assert_eq!(top(&edited)["title"], "新题", "{edited}");
}
