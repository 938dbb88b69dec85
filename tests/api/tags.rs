//! Tags: created on first use, listed with article counts (visible ones for the public).

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn setup() -> (TestApp, String, i64) {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    let cat = app.category_id("shengtai").await;
    (app, token, cat)
}

/// `(name, article_count)` of a tag list.
fn counts(body: &Value) -> Vec<(String, i64)> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["article_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect()
}

#[tokio::test]
async fn tags_are_created_on_first_use_normalised_and_shared() {
    let (app, token, cat) = setup().await;
    let a = app
        .create_article(
            &token,
            json!({ "title": "a", "category_id": cat, "tags": ["  黑河   旅游 ", "经济", "经济"] }),
        )
        .await;
    let names: Vec<&str> = a["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["黑河 旅游", "经济"],
        "trimmed, inner space folded, repeats dropped"
    );
    assert_eq!(a["tags"][0]["slug"], "hei-he-lv-you");
    assert_eq!(a["tags"][1]["slug"], "jing-ji");
    let b = app
        .create_article(
            &token,
            json!({ "title": "b", "category_id": cat, "tags": ["经济", "新词"] }),
        )
        .await;
    assert_eq!(
        b["tags"][0]["id"], a["tags"][1]["id"],
        "an existing tag is reused"
    );
    let (_, staff) = app.get_as("/api/v1/tags", Some(&token)).await;
    assert_eq!(staff["meta"]["total"], 3);
    let (_, count) = app.get_as("/api/v1/tags?q=%E7%BB%8F", Some(&token)).await; // 经
    assert_eq!(counts(&count), pairs(&[("经济", 2)]));
    let tag = &count["data"][0];
    assert_eq!(tag["id"], a["tags"][1]["id"]);
    assert_eq!(tag["slug"], "jing-ji");
    assert!(tag["created_at"].is_string());
}

#[tokio::test]
async fn the_public_sees_only_tags_of_visible_articles() {
    let (app, token, cat) = setup().await;
    let mk = |tags: &[&str], extra: Value| {
        let mut body = json!({ "title": "t", "category_id": cat, "tags": tags });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let live = json!({ "status": "published", "published_at": at(-60) });
    app.create_article(&token, mk(&["alpha", "foxtrot"], live.clone()))
        .await;
    app.create_article(&token, mk(&["alpha"], live.clone()))
        .await;
    app.create_article(&token, mk(&["bravo", "foxtrot"], json!({})))
        .await;
    app.create_article(
        &token,
        mk(
            &["charlie"],
            json!({ "status": "published", "published_at": at(3600) }),
        ),
    )
    .await;
    app.create_article(
        &token,
        mk(
            &["delta"],
            json!({ "status": "published", "published_at": at(-3600), "offline_at": at(-1) }),
        ),
    )
    .await;
    app.create_article(&token, mk(&["golf"], json!({ "status": "archived" })))
        .await;
    let trashed = app.create_article(&token, mk(&["echo"], live)).await;
    assert_eq!(
        app.delete_as(&format!("/api/v1/articles/{}", trashed["id"]), &token)
            .await,
        204
    );

    let res = app.get("/api/v1/tags").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "cache-control").starts_with("public, max-age="));
    let etag = header(&res, "etag");
    let public: Value = res.json().await.unwrap();
    assert_eq!(counts(&public), pairs(&[("alpha", 2), ("foxtrot", 1)]));
    assert_eq!(public["meta"]["total"], 2);
    let res = app
        .get("/api/v1/tags")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    let res = app
        .get("/api/v1/tags")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let staff: Value = res.json().await.unwrap();
    assert_eq!(
        counts(&staff),
        pairs(&[
            ("alpha", 2),
            ("bravo", 1),
            ("charlie", 1),
            ("delta", 1),
            ("echo", 0),
            ("foxtrot", 2),
            ("golf", 1)
        ]),
        "staff: every tag, counting articles outside the trash"
    );
    assert_eq!(staff["meta"]["total"], 7);
    // An empty page past the end still knows the total.
    let (_, past) = app.get_as("/api/v1/tags?page=9", None).await;
    assert!(counts(&past).is_empty());
    assert_eq!(past["meta"]["total"], 2);
    // Articles by tag follow the same visibility.
    let (_, by_tag) = app.get_as("/api/v1/articles?tag=foxtrot", None).await;
    assert_eq!(by_tag["meta"]["total"], 1);
    let (_, by_tag) = app
        .get_as("/api/v1/articles?tag=foxtrot", Some(&token))
        .await;
    assert_eq!(by_tag["meta"]["total"], 2);
}

#[tokio::test]
async fn q_is_a_literal_prefix() {
    let (app, token, cat) = setup().await;
    let tags = [
        "heihe-news",
        "heihe-daily",
        "harbin",
        "the-heihe",
        "50%off",
        "500",
        "a_b",
        "axb",
    ];
    app.create_article(
        &token,
        json!({ "title": "t", "category_id": cat, "status": "published", "tags": tags }),
    )
    .await;
    let names = |body: &Value| -> Vec<String> {
        let mut v: Vec<String> = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    for (q, expected) in [
        ("heihe", vec!["heihe-daily", "heihe-news"]),
        ("h", vec!["harbin", "heihe-daily", "heihe-news"]),
        ("%20heihe%20", vec!["heihe-daily", "heihe-news"]),
        ("50%25", vec!["50%off"]),
        ("a_", vec!["a_b"]),
        ("zzz", vec![]),
    ] {
        let (status, body) = app.get_as(&format!("/api/v1/tags?q={q}"), None).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(names(&body), expected, "q={q}");
        assert_eq!(body["meta"]["total"], expected.len(), "q={q}");
    }
    let res = app
        .get(&format!("/api/v1/tags?q={}", "x".repeat(33)))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 400, "validation_failed").await;
    assert_eq!(field_errors(&problem), ["q"]);
}

#[tokio::test]
async fn tags_are_paginated_by_page_and_cursor() {
    let (app, token, cat) = setup().await;
    app.create_article(&token, json!({ "title": "t", "category_id": cat, "status": "published", "tags": ["t5", "t3", "t1", "t4", "t2"] }))
        .await;
    let names =
        |body: &Value| -> Vec<String> { counts(body).into_iter().map(|(n, _)| n).collect() };
    let res = app.get("/api/v1/tags?per_page=2").send().await.unwrap();
    let link = header(&res, "link");
    let page1: Value = res.json().await.unwrap();
    assert_eq!(names(&page1), ["t1", "t2"]);
    let meta = &page1["meta"];
    assert_eq!(
        (
            meta["page"].as_i64(),
            meta["per_page"].as_i64(),
            meta["total"].as_i64(),
            meta["total_pages"].as_i64()
        ),
        (Some(1), Some(2), Some(5), Some(3))
    );
    assert!(
        link.contains("rel=\"next\"") && link.contains("page=2"),
        "{link}"
    );
    let (_, page2) = app.get_as("/api/v1/tags?per_page=2&page=2", None).await;
    assert_eq!(names(&page2), ["t3", "t4"]);
    // A new tag arriving before the cursor is used does not shift the walk.
    let cursor = meta["next_cursor"].as_str().unwrap().to_owned();
    app.create_article(
        &token,
        json!({ "title": "u", "category_id": cat, "status": "published", "tags": ["t0"] }),
    )
    .await;
    let res = app
        .get(&format!("/api/v1/tags?per_page=2&cursor={cursor}"))
        .send()
        .await
        .unwrap();
    let link = header(&res, "link");
    let c2: Value = res.json().await.unwrap();
    assert_eq!(names(&c2), ["t3", "t4"]);
    assert!(c2["meta"].get("total").is_none());
    assert!(link.contains("cursor="), "{link}");
    let next = c2["meta"]["next_cursor"].as_str().unwrap();
    let (_, c3) = app
        .get_as(&format!("/api/v1/tags?per_page=2&cursor={next}"), None)
        .await;
    assert_eq!(names(&c3), ["t5"]);
    assert_eq!(c3["meta"]["next_cursor"], Value::Null);
    let prev = c3["meta"]["prev_cursor"].as_str().unwrap();
    let (_, back) = app
        .get_as(&format!("/api/v1/tags?per_page=2&cursor={prev}"), None)
        .await;
    assert_eq!(names(&back), ["t3", "t4"]);
    for bad in ["per_page=0", "per_page=101", "page=0", "cursor=nonsense"] {
        let res = app
            .get(&format!("/api/v1/tags?{bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "validation_failed").await;
    }
}
