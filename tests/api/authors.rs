//! Authors (bylines): CRUD, roles, validation, conflicts, lists and caching.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const AUTHORS: &str = "/api/v1/authors";

#[tokio::test]
async fn crud_round_trip() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let avatar = "https://example.com/z.jpg";
    let body = json!({ "name": " 张庆梅 ", "affiliation": "黑河市委讲师团", "bio": "宣讲" });
    let body = merge(body, json!({ "avatar_url": avatar }));
    let res = app.call("POST", AUTHORS, Some(&token), Some(body)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let location = header(&res, "location");
    let created: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/authors/{}", created["id"]));
    assert_eq!(created["name"], "张庆梅", "trimmed");
    assert_eq!(created["slug"], "zhang-qing-mei");
    assert_eq!(created["affiliation"], "黑河市委讲师团");
    assert_eq!(created["bio"], "宣讲");
    assert_eq!(created["avatar_url"], avatar);
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());
    // Public reads by id and by slug.
    let (status, by_id) = app.get_as(&location, None).await;
    assert_eq!(status, 200);
    assert_eq!(by_id, created);
    let by_slug = "/api/v1/authors/zhang-qing-mei";
    assert_eq!(app.get_as(by_slug, None).await.1, created);
    // The same name again gets a distinct slug.
    let again = app.create_author(&token, json!({ "name": "张庆梅" })).await;
    assert_eq!(again["slug"], "zhang-qing-mei-2");
    assert_eq!(again["affiliation"], Value::Null);
    // PATCH changes what is sent; null clears.
    let change = json!({ "affiliation": null, "bio": "新简介", "slug": "zqm" });
    let (status, updated) = app.patch_json(by_slug, &token, change).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "张庆梅");
    assert_eq!(updated["affiliation"], Value::Null);
    assert_eq!(updated["bio"], "新简介");
    assert_eq!(updated["slug"], "zqm");
    assert_eq!(updated["avatar_url"], avatar);
    assert_eq!(app.get_as(&location, None).await.1, updated);
    assert_eq!(app.get_as(by_slug, None).await.0, 404);
    // DELETE.
    assert_eq!(app.delete_as(&location, &token).await, 204);
    let res = app.call("GET", &location, None, None).await;
    assert_problem(res, 404, "not_found").await;
    assert_eq!(app.delete_as(&location, &token).await, 404);
    let (status, _) = app
        .patch_json(&location, &token, json!({ "name": "x" }))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn editors_and_admins_write_writers_and_anonymous_cannot() {
    let app = spawn_app().await;
    let editor = app.token(Role::Editor).await;
    let admin = app.token(Role::Admin).await;
    let writer = app.token(Role::Writer).await;
    let a = app
        .create_author(&editor, json!({ "name": "Ann", "slug": "ann" }))
        .await;
    app.create_author(&admin, json!({ "name": "Bob", "slug": "bob" }))
        .await;
    let ann = "/api/v1/authors/ann";
    for (token, status, code) in [
        (Some(&writer), 403, "forbidden"),
        (None, 401, "unauthorized"),
    ] {
        let token = token.map(String::as_str);
        for (method, path) in [("POST", AUTHORS), ("PATCH", ann), ("DELETE", ann)] {
            let body = (method != "DELETE").then(|| json!({ "name": "W" }));
            let res = app.call(method, path, token, body).await;
            assert_problem(res, status, code).await;
        }
    }
    // Nothing changed; anyone reads.
    let (status, now) = app.get_as(ann, None).await;
    assert_eq!(status, 200);
    assert_eq!(now, a);
    let (_, list) = app.get_as(AUTHORS, Some(&writer)).await;
    assert_eq!(list["meta"]["total"], 2);
    let (status, _) = app
        .patch_json(ann, &admin, json!({ "name": "Ann B" }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.delete_as("/api/v1/authors/bob", &admin).await, 204);
}

#[tokio::test]
async fn validation_and_slug_conflicts() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let single = [
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("名".repeat(65))),
        ("name", json!("a\u{1}b")),
        ("slug", json!("Bad Slug")),
        ("slug", json!("a".repeat(65))),
        ("affiliation", json!("单".repeat(201))),
        ("bio", json!("b".repeat(2001))),
        ("avatar_url", json!("javascript:alert(1)")),
        ("avatar_url", json!("/relative.png")),
    ];
    let single = single.map(|(f, v)| (merge(json!({ "name": "ok" }), json!({ f: v })), vec![f]));
    let cases = single.into_iter().chain([
        (json!({ "name": "", "slug": "BAD" }), vec!["name", "slug"]),
        (json!({ "affiliation": "x" }), vec!["name"]),
    ]);
    for (body, fields) in cases {
        let (status, problem) = app.post_json(AUTHORS, &token, body.clone()).await;
        assert_eq!(status, 422, "{body} -> {problem}");
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(field_errors(&problem), fields, "{body}");
    }
    // The limits themselves are fine.
    let fit = json!({ "name": "名".repeat(64), "affiliation": "单".repeat(200) });
    let ok = app
        .create_author(&token, merge(fit, json!({ "bio": "b".repeat(2000) })))
        .await;
    assert_eq!(ok["name"].as_str().unwrap().chars().count(), 64);
    let (_, list) = app.get_as(AUTHORS, None).await;
    assert_eq!(list["meta"]["total"], 1, "nothing else was stored");
    // Slug conflicts.
    app.create_author(&token, json!({ "name": "Taken", "slug": "taken" }))
        .await;
    let taken = json!({ "name": "Other", "slug": "taken" });
    let (status, problem) = app.post_json(AUTHORS, &token, taken).await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "conflict");
    assert_eq!(field_errors(&problem), ["slug"]);
    let path = format!("/api/v1/authors/{}", ok["id"]);
    let (status, problem) = app
        .patch_json(&path, &token, json!({ "slug": "taken" }))
        .await;
    assert_eq!(status, 409);
    assert_eq!(field_errors(&problem), ["slug"]);
    let bad = json!({ "name": "", "avatar_url": "ftp://x" });
    let (status, problem) = app.patch_json(&path, &token, bad).await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&problem), ["name", "avatar_url"]);
}

#[tokio::test]
async fn an_unknown_field_is_422_naming_it() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let body = json!({ "name": "ok", "role": "x" });
    let (status, problem) = app.post_json(AUTHORS, &token, body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_errors(&problem), ["role"]);
}

#[tokio::test]
async fn an_author_credited_on_articles_cannot_be_deleted() {
    let app = spawn_app().await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    let cat = app.category_id("shehui").await;
    let author = app
        .create_author(&token, json!({ "name": "Busy", "slug": "busy" }))
        .await;
    let other = app
        .create_author(&token, json!({ "name": "O", "slug": "other" }))
        .await;
    let mut articles = Vec::new();
    for status in ["draft", "published", "archived"] {
        let body = json!({ "title": status, "category_id": cat, "status": status });
        let body = merge(body, json!({ "author_ids": [other["id"], author["id"]] }));
        articles.push(app.create_article(&token, body).await["id"].clone());
    }
    let busy = "/api/v1/authors/busy";
    let res = app.call("DELETE", busy, Some(&token), None).await;
    let problem = assert_problem(res, 409, "conflict").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("3 article"),
        "{problem}"
    );
    // A trashed article still credits the author.
    let first = format!("/api/v1/articles/{}", articles[0]);
    assert_eq!(app.delete_as(&first, &token).await, 204);
    let res = app.call("DELETE", busy, Some(&token), None).await;
    let problem = assert_problem(res, 409, "conflict").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("3 article"),
        "{problem}"
    );
    assert_eq!(app.get_as(busy, None).await.0, 200);
    // Take the credit off everywhere: then it goes.
    let res = app
        .call("POST", &format!("{first}/restore"), Some(&token), None)
        .await;
    assert_eq!(res.status(), 200);
    for id in &articles {
        let path = format!("/api/v1/articles/{id}");
        let change = json!({ "author_ids": [other["id"]] });
        let (status, a) = app.patch_json(&path, &token, change).await;
        assert_eq!(status, 200, "{a}");
        assert_eq!(a["authors"].as_array().unwrap().len(), 1);
    }
    assert_eq!(app.delete_as(busy, &token).await, 204);
    // Articles are listed by author (id or slug).
    let (_, by_other) = app
        .get_as("/api/v1/articles?author=other", Some(&token))
        .await;
    assert_eq!(by_other["meta"]["total"], 3);
    let by_id = format!("/api/v1/articles?author={}", other["id"]);
    assert_eq!(app.get_as(&by_id, Some(&token)).await.1["meta"]["total"], 3);
}

#[tokio::test]
async fn the_list_is_by_name_filtered_and_paginated() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let people = [
        ("Dora", "黑河日报"),
        ("Ann", "新华社"),
        ("Cid", "黑河日报"),
        ("Bea", "黑龙江"),
    ];
    for (name, affiliation) in people.into_iter().chain([("Eve", "")]) {
        let body = json!({ "name": name, "affiliation": affiliation });
        app.create_author(&token, body).await;
    }
    let names = |body: &Value| -> Vec<String> {
        let items = body["data"].as_array().unwrap().iter();
        items
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = app.get_as(AUTHORS, None).await;
    assert_eq!(names(&all), ["Ann", "Bea", "Cid", "Dora", "Eve"]);
    assert_eq!(all["meta"]["total"], 5);
    let (_, q) = app
        .get_as("/api/v1/authors?q=%E9%BB%91%E6%B2%B3", None)
        .await; // 黑河
    assert_eq!(names(&q), ["Cid", "Dora"]);
    let (_, q) = app.get_as("/api/v1/authors?q=bE", None).await;
    assert_eq!(names(&q), ["Bea"]);
    // Pages and cursors.
    let res = app
        .call("GET", "/api/v1/authors?per_page=2", None, None)
        .await;
    let link = header(&res, "link");
    let page1: Value = res.json().await.unwrap();
    assert_eq!(names(&page1), ["Ann", "Bea"]);
    assert_eq!(page1["meta"]["total_pages"], 3);
    assert!(
        link.contains("rel=\"next\"") && link.contains("page=2"),
        "{link}"
    );
    let page = |cursor: &Value| {
        format!(
            "/api/v1/authors?per_page=2&cursor={}",
            cursor.as_str().unwrap()
        )
    };
    let (_, page2) = app.get_as(&page(&page1["meta"]["next_cursor"]), None).await;
    assert_eq!(names(&page2), ["Cid", "Dora"]);
    let (_, back) = app.get_as(&page(&page2["meta"]["prev_cursor"]), None).await;
    assert_eq!(names(&back), ["Ann", "Bea"]);
    let (_, page3) = app.get_as(&page(&page2["meta"]["next_cursor"]), None).await;
    assert_eq!(names(&page3), ["Eve"]);
    assert_eq!(page3["meta"]["next_cursor"], Value::Null);
    let long = format!("/api/v1/authors?q={}", "x".repeat(101));
    let res = app.call("GET", &long, None, None).await;
    assert_problem(res, 400, "validation_failed").await;
}

#[tokio::test]
async fn public_reads_are_cacheable() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    app.create_author(&token, json!({ "name": "Ann", "slug": "ann" }))
        .await;
    for path in [AUTHORS, "/api/v1/authors/ann"] {
        let res = app.call("GET", path, None, None).await;
        assert_eq!(res.status(), 200);
        assert!(
            header(&res, "cache-control").starts_with("public, max-age="),
            "{path}"
        );
        assert!(header(&res, "vary").starts_with("Authorization, Accept-Encoding"));
        let etag = header(&res, "etag");
        let res = app
            .get(path)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304, "{path}");
        assert!(res.bytes().await.unwrap().is_empty());
        let res = app.call("GET", path, Some(&token), None).await;
        assert_eq!(header(&res, "cache-control"), "private, no-store", "{path}");
    }
}
