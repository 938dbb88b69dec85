//! Delta sync: `GET /articles/changes`. The proof: a client that applies every page ends with
//! exactly the visible set (ids and content), across edits, scheduled publishes, offline
//! times, the trash, purges, renames and changes made while it is paging.

use std::collections::BTreeMap;

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// An app's offline copy: summaries by id, and the token to continue from.
#[derive(Default)]
struct Replica {
    articles: BTreeMap<i64, Value>,
    token: Option<String>,
    pages: usize,
}

impl Replica {
    /// Fetches and applies one page; returns `has_more`.
    async fn step(&mut self, app: &TestApp, limit: usize) -> bool {
        let mut path = format!("/api/v1/articles/changes?limit={limit}");
        if let Some(t) = &self.token {
            path.push_str(&format!("&since={t}"));
        }
        let res = app.get(&path).send().await.unwrap();
        assert_eq!(header(&res, "cache-control"), "no-store");
        let (status, page) = status_json(res).await;
        assert_eq!(status, 200, "{page}");
        let changed = page["changed"].as_array().unwrap();
        let removed = page["removed"].as_array().unwrap();
        assert!(changed.len() + removed.len() <= limit, "{page}");
        for id in removed {
            self.articles.remove(&id.as_i64().unwrap());
        }
        for a in changed {
            self.articles.insert(a["id"].as_i64().unwrap(), a.clone());
        }
        self.token = Some(page["next"].as_str().unwrap().to_owned());
        self.pages += 1;
        page["has_more"].as_bool().unwrap()
    }

    /// The next page, not applied.
    async fn peek(&self, app: &TestApp) -> Value {
        let since = self.token.as_deref().unwrap_or_default();
        let (status, page) = app
            .get_as(&format!("/api/v1/articles/changes?since={since}"), None)
            .await;
        assert_eq!(status, 200, "{page}");
        page
    }

    /// Applies pages until the feed says the client is up to date.
    async fn sync(&mut self, app: &TestApp, limit: usize) {
        for _ in 0..1000 {
            if !self.step(app, limit).await {
                return;
            }
        }
        panic!("the feed never ended");
    }

    /// Asserts the copy is exactly the visible set, with current titles and source names.
    async fn assert_exact(&self, app: &TestApp, when: &str) {
        let truth = visible(app).await;
        let held: Vec<i64> = self.articles.keys().copied().collect();
        let want: Vec<i64> = truth.keys().copied().collect();
        assert_eq!(held, want, "{when}: ids differ");
        for (id, (title, source)) in truth {
            let a = &self.articles[&id];
            assert_eq!(a["title"], json!(title), "{when}: title of {id}");
            assert_eq!(
                a["source"]["name"].as_str(),
                source.as_deref(),
                "{when}: source of {id}"
            );
        }
    }
}

/// The public's visible set now, from the database: id → (title, source name).
async fn visible(app: &TestApp) -> BTreeMap<i64, (String, Option<String>)> {
    use diesel::QueryableByName;
    use diesel::sql_types::{BigInt, Nullable, Text};
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        title: String,
        #[diesel(sql_type = Nullable<Text>)]
        source: Option<String>,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT a.id, a.title, s.name AS source FROM articles a LEFT JOIN sources s ON s.id = a.source_id \
          WHERE a.status = 'published' AND a.deleted_at IS NULL AND a.published_at <= now() \
            AND (a.offline_at IS NULL OR a.offline_at > now())",
    )
    .load(&mut app.conn().await)
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| (r.id, (r.title, r.source)))
        .collect()
}

fn p(id: i64) -> String {
    format!("/api/v1/articles/{id}")
}

async fn article(app: &TestApp, t: &str, body: Value) -> i64 {
    let cat = app.category_id("shehui").await;
    let body = merge(json!({ "category_id": cat }), body);
    app.create_article(t, body).await["id"].as_i64().unwrap()
}

async fn patch(app: &TestApp, t: &str, id: i64, body: Value) {
    let (status, res) = app.patch_json(&p(id), t, body).await;
    assert_eq!(status, 200, "{res}");
}

#[tokio::test]
async fn a_client_applying_every_page_ends_with_exactly_the_visible_set() {
    let app = spawn_app().await;
    app.seed().await;
    let t = app.token(Role::Admin).await;
    let mut seeded = Vec::new();
    for i in 0..8 {
        let title = format!("第{i}篇已发布稿件");
        seeded.push(article(&app, &t, json!({ "title": title, "status": "published" })).await);
    }

    // The first call lists every visible article (in pages of 3).
    let mut client = Replica::default();
    client.sync(&app, 3).await;
    assert!(client.pages >= 3, "paged: {}", client.pages);
    client.assert_exact(&app, "first sync").await;

    // Nothing changed: one empty page, same position.
    let before = client.token.clone();
    assert!(!client.step(&app, 3).await);
    assert_eq!(client.token, before, "an idle feed keeps its position");

    // Edits of every kind.
    let fresh = article(
        &app,
        &t,
        json!({ "title": "新发布的稿件", "status": "published" }),
    )
    .await;
    let draft = article(&app, &t, json!({ "title": "一篇草稿" })).await;
    let scheduled = article(
        &app,
        &t,
        json!({ "title": "定时发布的稿件", "status": "published", "published_at": at(2) }),
    )
    .await;
    let expiring = article(
        &app,
        &t,
        json!({ "title": "即将下线的稿件", "status": "published", "published_at": at(-60), "offline_at": at(2) }),
    )
    .await;
    patch(&app, &t, seeded[0], json!({ "title": "改过标题的稿件" })).await;
    assert_eq!(app.delete_as(&p(seeded[1]), &t).await, 204, "trash");
    patch(&app, &t, seeded[2], json!({ "status": "draft" })).await;
    patch(&app, &t, seeded[3], json!({ "status": "archived" })).await;
    assert_eq!(app.delete_as(&p(seeded[4]), &t).await, 204, "trash");
    let purge = app
        .delete(&format!("/api/v1/trash/articles/{}", seeded[4]))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(purge.status(), 204, "purge");
    // A source rename changes the summaries of its articles.
    let src = app
        .sql_i64("SELECT id AS n FROM sources ORDER BY id LIMIT 1")
        .await;
    patch(&app, &t, seeded[5], json!({ "source_id": src })).await;
    let (status, body) = app
        .patch_json(
            &format!("/api/v1/sources/{src}"),
            &t,
            json!({ "name": "改名后的来源" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // View counts alone are not changes.
    app.sql(&format!(
        "UPDATE articles SET view_count = view_count + 5 WHERE id = {fresh}"
    ))
    .await;

    client.sync(&app, 3).await;
    client.assert_exact(&app, "after edits").await;
    assert!(client.articles.contains_key(&fresh) && client.articles.contains_key(&expiring));
    assert!(!client.articles.contains_key(&scheduled) && !client.articles.contains_key(&draft));

    // The clock: the scheduled one goes live, the expiring one goes offline; no write needed.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    client.sync(&app, 3).await;
    client.assert_exact(&app, "after the clock").await;
    assert!(client.articles.contains_key(&scheduled));
    assert!(!client.articles.contains_key(&expiring));

    // Back from the trash and out of draft; one moved into the future.
    let restore = app
        .post(&format!("{}/restore", p(seeded[1])))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(restore.status(), 200);
    patch(&app, &t, draft, json!({ "status": "published" })).await;
    patch(&app, &t, fresh, json!({ "published_at": at(3600) })).await;
    client.sync(&app, 3).await;
    client.assert_exact(&app, "after restores").await;
    assert!(client.articles.contains_key(&draft) && !client.articles.contains_key(&fresh));

    // Changes while a client is half-way through its pages.
    let mut late = Replica::default();
    assert!(late.step(&app, 2).await, "more pages to come");
    let first_page: Vec<i64> = late.articles.keys().copied().collect();
    assert_eq!(app.delete_as(&p(first_page[0]), &t).await, 204);
    patch(
        &app,
        &t,
        first_page[1],
        json!({ "title": "分页途中改的标题" }),
    )
    .await;
    let newer = article(
        &app,
        &t,
        json!({ "title": "分页途中发布", "status": "published" }),
    )
    .await;
    late.sync(&app, 2).await;
    late.assert_exact(&app, "changes while paging").await;
    assert!(late.articles.contains_key(&newer));
    client.sync(&app, 50).await;
    client.assert_exact(&app, "the first client, later").await;
}

#[tokio::test]
async fn removals_name_only_articles_a_client_could_hold() {
    let app = spawn_app().await;
    let t = app.token(Role::Admin).await;
    app.seed().await;
    let mut client = Replica::default();
    client.sync(&app, 100).await;
    let draft = article(&app, &t, json!({ "title": "从未公开的草稿" })).await;
    let shown = article(
        &app,
        &t,
        json!({ "title": "公开过的稿件", "status": "published" }),
    )
    .await;
    client.sync(&app, 100).await;
    assert!(client.articles.contains_key(&shown));
    let page = client.peek(&app).await;
    assert_eq!(page["changed"], json!([]));
    assert_eq!(page["removed"], json!([]));

    assert_eq!(app.delete_as(&p(draft), &t).await, 204);
    assert_eq!(app.delete_as(&p(shown), &t).await, 204);
    let page = client.peek(&app).await;
    assert_eq!(
        page["removed"],
        json!([shown]),
        "the draft's id is never published"
    );
    assert_eq!(page["changed"], json!([]));

    // A client starting now never hears of either.
    let (_, first) = app.get_as("/api/v1/articles/changes?limit=500", None).await;
    assert_eq!(first["removed"], json!([]));
    assert!(!ids_of(&first["changed"]).contains(&shown));
}

fn ids_of(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn bad_tokens_and_limits_are_400_and_the_slug_is_reserved() {
    let app = spawn_app().await;
    for q in [
        "since=nonsense",
        "since=djE6LTE6MA",
        "since=djI6MTox",
        "limit=0",
        "limit=501",
        "limit=x",
    ] {
        let res = app
            .get(&format!("/api/v1/articles/changes?{q}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "validation_failed").await;
    }
    app.seed().await;
    let t = app.token(Role::Editor).await;
    let cat = app.category_id("shehui").await;
    let (status, body) = app
        .post_json(
            "/api/v1/articles",
            &t,
            json!({ "title": "x", "slug": "changes", "category_id": cat }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_errors(&body), vec!["slug"]);
    let made = app
        .create_article(&t, json!({ "title": "Changes", "category_id": cat }))
        .await;
    assert_eq!(made["slug"], "changes-article");
}

#[tokio::test]
async fn the_scheduler_stamps_scheduled_publishes_without_any_reader() {
    let app = spawn_app().await;
    app.seed().await;
    let t = app.token(Role::Editor).await;
    let id = article(
        &app,
        &t,
        json!({ "title": "定时稿件", "status": "published", "published_at": at(1) }),
    )
    .await;
    let q = format!("SELECT visible::int::bigint AS n FROM article_sync WHERE article_id = {id}");
    assert_eq!(app.sql_i64(&q).await, 0);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(
        app.wait_for_i64(&q, 1).await,
        1,
        "stamped visible by the scheduler"
    );
}
