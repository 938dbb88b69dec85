//! Articles: creation, derived fields, sanitizing, validation, conflicts, detail, If-Match.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const ARTICLES: &str = "/api/v1/articles";

/// A seeded app, an editor (token, id) and the id of the 理论 channel.
async fn setup() -> (TestApp, String, i64, i64) {
    let app = spawn_app().await;
    app.seed().await;
    let (token, id) = app.staff(Role::Editor).await;
    let lilun = app.category_id("lilun").await;
    (app, token, id, lilun)
}

async fn staff_get(app: &TestApp, token: &str, id: &Value) -> Value {
    let key = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
    let path = format!("/api/v1/articles/{key}");
    let (status, body) = app.get_as(&path, Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn names(list: &Value, key: &str) -> Vec<String> {
    let items = list.as_array().unwrap().iter();
    items.map(|x| x[key].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn create_answers_201_with_location_etag_and_everything_resolved() {
    let (app, token, editor_id, lilun) = setup().await;
    let org = "黑河市委讲师团";
    let (zhang, sun) = ("张庆梅", "孙惠");
    let a1 = app
        .create_author(&token, json!({ "name": zhang, "affiliation": org }))
        .await;
    let a2 = app
        .create_author(&token, json!({ "name": sun, "affiliation": org }))
        .await;
    let source = app.source_id("heihe-daily").await;
    let body = json!({
        "kicker": "重点把握以“新”促“质”",
        "title": "因地制宜推动黑河新质生产力发展",
        "subtitle": "副题",
        "body": "<p>新质生产力是创新起主导作用的先进生产力。</p>",
        "category_id": lilun,
        "source_id": source,
        "author_ids": [a2["id"], a1["id"]],
        "tags": ["新质生产力", "黑河"],
    });
    let res = app.call("POST", ARTICLES, Some(&token), Some(body)).await;
    assert_eq!(res.status(), 201);
    let location = header(&res, "location");
    assert_eq!(header(&res, "etag"), "\"v1\"");
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let created: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/articles/{}", created["id"]));
    let slug = created["slug"].as_str().unwrap();
    assert!(slug.starts_with("yin-di-zhi-yi-tui-dong"), "{slug}");
    assert!(
        slug.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
    );
    assert_eq!(created["status"], "draft");
    assert_eq!(created["published_at"], Value::Null);
    assert_eq!(created["editor"], Value::Null, "a draft has no editor yet");
    assert_eq!(created["version"], 1);
    assert_eq!(created["kind"], "article");
    assert_eq!(created["created_by"], editor_id);
    assert_eq!(created["updated_by"], editor_id);
    assert_eq!(created["view_count"], 0);
    assert_eq!(created["deleted_at"], Value::Null);
    let no_flags = json!({ "headline": false, "featured": false, "pinned": false });
    assert_eq!(created["flags"], no_flags);
    assert_eq!(created["kicker"], "重点把握以“新”促“质”");
    assert_eq!(created["subtitle"], "副题");
    let first = "新质生产力是创新起主导作用的先进生产力。";
    assert_eq!(created["summary"], first);
    assert_eq!(created["word_count"], 19);
    assert_eq!(created["category"]["slug"], "lilun");
    let path = names(&created["category"]["path"], "slug");
    assert_eq!(path, ["dbw", "heihe", "lilun"]);
    assert_eq!(created["source"]["slug"], "heihe-daily");
    assert_eq!(
        names(&created["authors"], "name"),
        [sun, zhang],
        "byline order"
    );
    assert_eq!(created["authors"][0]["affiliation"], org);
    assert_eq!(names(&created["tags"], "name"), ["新质生产力", "黑河"]);
    // The same by id and by slug, for staff.
    assert_eq!(staff_get(&app, &token, &created["id"]).await, created);
    assert_eq!(staff_get(&app, &token, &created["slug"]).await, created);
    // A draft is not public.
    assert_problem(app.get(&location).send().await.unwrap(), 404, "not_found").await;
}

#[tokio::test]
async fn publishing_without_time_sets_now_and_the_publisher_as_editor() {
    let (app, token, editor_id, lilun) = setup().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let live = json!({ "title": "Now", "category_id": lilun, "status": "published" });
    let a = app.create_article(&token, live.clone()).await;
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    let at = chrono::DateTime::parse_from_rfc3339(a["published_at"].as_str().unwrap()).unwrap();
    assert!(at >= before && at <= after, "{at}");
    assert_eq!(a["editor"]["id"], editor_id);
    assert_eq!(a["editor"]["display_name"], "Test User");
    // An explicit editor wins.
    let (_, other) = app.staff(Role::Writer).await;
    let b = merge(live, json!({ "editor_id": other }));
    let b = app.create_article(&token, b).await;
    assert_eq!(b["editor"]["id"], other);
    // Publishing a draft later by PATCH does the same.
    let c = json!({ "title": "Later", "category_id": lilun });
    let c = app.create_article(&token, c).await;
    let path = format!("/api/v1/articles/{}", c["id"]);
    let publish = json!({ "status": "published" });
    let (status, c) = app.patch_json(&path, &token, publish).await;
    assert_eq!(status, 200);
    assert!(c["published_at"].is_string());
    assert_eq!(c["editor"]["id"], editor_id);
    assert_eq!(app.get_as(&path, None).await.0, 200);
}

#[tokio::test]
async fn the_body_is_sanitized_and_counted() {
    let (app, token, _, lilun) = setup().await;
    let dirty = concat!(
        r#"<h2>小标题</h2><p onclick="steal()">黑河 GDP 增长5%<script>alert(1)</script></p>"#,
        r#"<img src="https://example.com/a.jpg" onerror="alert(2)" alt="图">"#,
        r#"<a href="javascript:alert(3)">坏链接</a><a href="https://example.com/x">好链接</a>"#,
        r#"<ul><li>一</li></ul><ol><li>二</li></ol>"#,
        r#"<figure><img src="https://example.com/b.jpg"><figcaption>说明</figcaption></figure>"#,
        r#"<table><tbody><tr><td>格</td></tr></tbody></table><blockquote>引</blockquote>"#,
        r#"<video src="https://example.com/v.mp4" controls></video>"#,
        r#"<audio src="https://example.com/a.mp3" controls></audio>"#,
        r#"<marquee>走马灯</marquee><iframe src="https://evil.example.com"></iframe>"#,
        r#"<style>p{}</style>"#,
    );
    let post = json!({ "title": "Clean", "category_id": lilun, "body": dirty });
    let a = app.create_article(&token, post).await;
    let body = a["body"].as_str().unwrap();
    let gone = [
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "javascript:",
        "<marquee",
        "<iframe",
    ];
    for bad in gone.into_iter().chain(["<style"]) {
        assert!(!body.contains(bad), "{bad} in {body}");
    }
    for kept in [
        "<h2>小标题</h2>",
        "<p>黑河 GDP 增长5%</p>",
        r#"<img src="https://example.com/a.jpg" alt="图">"#,
        r#"<a href="https://example.com/x" rel="noopener noreferrer">好链接</a>"#,
        "<ul><li>一</li></ul>",
        "<ol><li>二</li></ol>",
        "<figure><img",
        "<figcaption>说明</figcaption>",
        "<td>格</td>",
        "<blockquote>引</blockquote>",
        r#"<video src="https://example.com/v.mp4" controls"#,
        r#"<audio src="https://example.com/a.mp3" controls"#,
    ] {
        assert!(body.contains(kept), "{kept} not in {body}");
    }
    // The stored body is the sanitized one; text survives where markup does not.
    assert_eq!(staff_get(&app, &token, &a["id"]).await["body"], body);
    assert!(body.contains("坏链接") && body.contains("走马灯"));

    let two = "<p>黑河 GDP 增长5%</p><p>Hello world, it's 2024!</p>";
    let counted = json!({ "title": "Count", "category_id": lilun, "body": two });
    let counted = app.create_article(&token, counted).await;
    // 黑 河 GDP 增 长 5 = 6; Hello world it's 2024 = 4.
    assert_eq!(counted["word_count"], 10);
    let text = "黑河 GDP 增长5% Hello world, it's 2024!";
    assert_eq!(counted["summary"], text);
    // An explicit summary is kept (trimmed).
    let post =
        json!({ "title": "S", "category_id": lilun, "body": "<p>正文</p>", "summary": " 摘要 " });
    assert_eq!(app.create_article(&token, post).await["summary"], "摘要");
}

#[tokio::test]
async fn a_derived_summary_is_at_most_120_characters() {
    let (app, token, _, lilun) = setup().await;
    let body = format!("<p>{}</p>", "字".repeat(300));
    let post = json!({ "title": "Long", "category_id": lilun, "body": body });
    let summary = app.create_article(&token, post).await["summary"].clone();
    let summary = summary.as_str().unwrap();
    assert!(summary.starts_with("字字字"));
    let chars = summary.chars().count();
    assert!(chars <= 120, "{chars} chars");
}

#[tokio::test]
async fn create_validates_every_field() {
    let (app, token, _, c) = setup().await;
    let long = |n: usize| "字".repeat(n);
    let base = json!({ "title": "t", "category_id": c });
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let now = at(0);
    // One bad field: 422 naming it.
    let single = [
        ("title", json!("")),
        ("title", json!("   ")),
        ("title", json!(long(201))),
        ("kicker", json!(long(201))),
        ("subtitle", json!(long(201))),
        ("summary", json!(long(1001))),
        ("slug", json!("Not Slug")),
        ("slug", json!("a".repeat(97))),
        ("cover_image_url", json!("javascript:alert(1)")),
        ("cover_image_url", json!("ftp://example.com/a.jpg")),
        ("media_url", json!("/v.mp4")),
        ("tags", json!(["ok", ""])),
        ("tags", json!(["   "])),
        ("tags", json!(["x".repeat(33)])),
        ("tags", json!(many)),
        ("category_id", json!(null)),
        ("status", json!("live")),
        ("kind", json!("podcast")),
    ];
    // Rules across fields.
    let file = json!({ "kind": "video", "media_url": "file:///etc/passwd" });
    let before = json!({ "published_at": now, "offline_at": at(-60) });
    let same = json!({ "published_at": now, "offline_at": now });
    let two = json!({ "title": "", "kicker": long(201) });
    let combos = [
        (json!({ "kind": "video" }), vec!["media_url"]),
        (json!({ "kind": "audio" }), vec!["media_url"]),
        (file, vec!["media_url"]),
        (before, vec!["offline_at"]),
        (same, vec!["offline_at"]),
        (two, vec!["title", "kicker"]),
    ];
    let single = single.into_iter().map(|(f, v)| (json!({ f: v }), vec![f]));
    let cases = single.chain(combos);
    for (extra, fields) in cases {
        let body = merge(base.clone(), extra);
        let (status, problem) = app.post_json(ARTICLES, &token, body.clone()).await;
        assert_eq!(status, 422, "{body} -> {problem}");
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(field_errors(&problem), fields, "{body}");
    }
    // The limits themselves are fine.
    let fit = json!({
        "title": long(200), "kicker": long(200), "subtitle": long(200), "summary": long(1000),
        "tags": (0..20).map(|i| format!("{i:02}{}", "标".repeat(30))).collect::<Vec<_>>(),
        "kind": "video", "media_url": "https://e.com/v", "slug": "a".repeat(96), "category_id": c,
    });
    let ok = app.create_article(&token, fit).await;
    assert_eq!(ok["tags"].as_array().unwrap().len(), 20);
    assert_eq!(ok["title"].as_str().unwrap().chars().count(), 200);
    let (_, list) = app.get_as("/api/v1/articles", Some(&token)).await;
    assert_eq!(list["meta"]["total"], 1, "nothing else was stored");
}

#[tokio::test]
async fn an_unknown_body_field_is_422_naming_it() {
    let (app, token, _, c) = setup().await;
    let body = json!({ "title": "t", "category_id": c, "bogus": 1 });
    let (status, problem) = app.post_json(ARTICLES, &token, body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_errors(&problem), ["bogus"]);
    let a = app.create_article(&token, json!({ "title": "t", "category_id": c }));
    let path = format!("/api/v1/articles/{}", a.await["id"]);
    let flags = json!({ "flags": { "x": true } });
    let (status, problem) = app.patch_json(&path, &token, flags).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_errors(&problem), ["flags.x"]);
}

#[tokio::test]
async fn references_must_exist() {
    let (app, token, _, c) = setup().await;
    let author = app.create_author(&token, json!({ "name": "Ann" })).await["id"].clone();
    let (_, writer) = app.staff(Role::Writer).await;
    let base = json!({ "title": "t", "category_id": c });
    let cases = [
        (json!({ "category_id": 987654 }), "category_id"),
        (json!({ "source_id": 987654 }), "source_id"),
        (json!({ "author_ids": [author, 987654] }), "author_ids"),
        (json!({ "author_ids": [author, author] }), "author_ids"),
        (json!({ "editor_id": 987654 }), "editor_id"),
    ];
    for (extra, field) in cases {
        let body = merge(base.clone(), extra);
        let (status, problem) = app.post_json(ARTICLES, &token, body.clone()).await;
        assert_eq!(status, 422, "{body} -> {problem}");
        assert_eq!(field_errors(&problem), [field], "{body}");
    }
    app.sql(&format!(
        "UPDATE users SET disabled = true WHERE id = {writer}"
    ))
    .await;
    let body = merge(base, json!({ "editor_id": writer }));
    let (status, problem) = app.post_json(ARTICLES, &token, body).await;
    assert_eq!(status, 422, "a disabled user is no editor");
    assert_eq!(field_errors(&problem), ["editor_id"]);
}

#[tokio::test]
async fn body_limit_is_422_and_request_limit_413() {
    let (app, token, _, c) = setup().await;
    let body = "x".repeat(2 * 1024 * 1024 + 512 * 1024);
    let post = json!({ "title": "big", "category_id": c, "body": body });
    let (status, problem) = app.post_json(ARTICLES, &token, post).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(field_errors(&problem), ["body"]);
    let huge = json!({ "title": "huge", "category_id": c, "body": "x".repeat(4 << 20) });
    let res = app.call("POST", ARTICLES, Some(&token), Some(huge)).await;
    assert_problem(res, 413, "payload_too_large").await;
    // Just under 2 MiB is accepted.
    let fits = format!("<p>{}</p>", "y".repeat(2 * 1024 * 1024 - 100));
    let post = json!({ "title": "fits", "category_id": c, "body": fits });
    let a = app.create_article(&token, post).await;
    assert_eq!(a["word_count"], 1);
    let (_, list) = app.get_as("/api/v1/articles", Some(&token)).await;
    assert_eq!(ids(&list), [a["id"].as_i64().unwrap()]);
}

#[tokio::test]
async fn duplicate_slugs_are_409_and_generated_ones_are_numbered() {
    let (app, token, _, c) = setup().await;
    let same = json!({ "title": "Same Title", "category_id": c });
    let a = app.create_article(&token, same.clone()).await;
    let b = app.create_article(&token, same.clone()).await;
    assert_eq!(a["slug"], "same-title");
    assert_eq!(b["slug"], "same-title-2");
    let taken = merge(same, json!({ "slug": "same-title" }));
    let (status, problem) = app.post_json(ARTICLES, &token, taken).await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "conflict");
    assert_eq!(field_errors(&problem), ["slug"]);
    let path = format!("/api/v1/articles/{}", b["id"]);
    let taken = json!({ "slug": "same-title" });
    let (status, problem) = app.patch_json(&path, &token, taken).await;
    assert_eq!(status, 409);
    assert_eq!(field_errors(&problem), ["slug"]);
    assert_eq!(staff_get(&app, &token, &b["id"]).await["version"], 1);
}

#[tokio::test]
async fn patch_changes_only_what_is_sent_and_null_clears() {
    let (app, token, _, c) = setup().await;
    let a = app
        .create_article(
            &token,
            json!({
                "title": "Old", "kicker": "K", "subtitle": "S", "body": "<p>正文一</p>",
                "cover_image_url": "https://example.com/c.jpg", "category_id": c, "tags": ["a"],
                "flags": { "headline": true },
            }),
        )
        .await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    let change = json!({
        "title": "New", "kicker": null, "cover_image_url": null, "flags": { "featured": true }
    });
    let (status, b) = app.patch_json(&path, &token, change).await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["title"], "New");
    assert_eq!(b["kicker"], Value::Null);
    assert_eq!(b["cover_image_url"], Value::Null);
    assert_eq!(b["subtitle"], "S");
    assert_eq!(b["body"], a["body"]);
    assert_eq!(b["slug"], a["slug"], "the slug does not follow the title");
    assert_eq!(b["tags"], a["tags"]);
    let flags = json!({ "headline": true, "featured": true, "pinned": false });
    assert_eq!(b["flags"], flags);
    assert_eq!(b["version"], 2);
    // summary: null derives it again from the (new) body.
    let change = json!({ "body": "<p>正文二</p>", "summary": null, "tags": [] });
    let (_, d) = app.patch_json(&path, &token, change).await;
    assert_eq!(d["summary"], "正文二");
    assert_eq!(d["tags"], json!([]));
    let (status, problem) = app.patch_json(&path, &token, json!({ "title": "" })).await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&problem), ["title"]);
    let x = json!({ "title": "x" });
    let (status, _) = app.patch_json("/api/v1/articles/nope", &token, x).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let (app, token, _, c) = setup().await;
    let a = json!({ "title": "Base", "category_id": c });
    let a = app.create_article(&token, a).await;
    let path = format!("/api/v1/articles/{}", a["id"]);
    let res = app.get(&path).bearer_auth(&token).send().await.unwrap();
    assert_eq!(header(&res, "etag"), "\"v1\"");
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let patch = |if_match: &str, title: &str| {
        let req = app.patch(&path).bearer_auth(&token);
        let req = req.header("If-Match", if_match);
        req.json(&json!({ "title": title })).send()
    };
    // Someone else saves first.
    let res = patch("\"v1\"", "First").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), "\"v2\"");
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["version"], 2);
    // The stale writer is refused and nothing changes.
    assert_problem(
        patch("\"v1\"", "Second").await.unwrap(),
        412,
        "precondition_failed",
    )
    .await;
    assert_eq!(staff_get(&app, &token, &a["id"]).await, first);
    let (_, revs) = app.get_as(&format!("{path}/revisions"), Some(&token)).await;
    assert_eq!(
        revs["meta"]["total"], 1,
        "a refused update keeps no revision"
    );
    // The current version (also weak, or in a list) goes through.
    let res = patch("W/\"v0\", \"v2\"", "Third").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), "\"v3\"");
    assert_problem(
        patch("\"v2\"", "Stale").await.unwrap(),
        412,
        "precondition_failed",
    )
    .await;
    assert_eq!(staff_get(&app, &token, &a["id"]).await["title"], "Third");
}

#[tokio::test]
async fn detail_has_neighbours_in_the_same_channel() {
    let (app, token, _, c) = setup().await;
    let other = app.category_id("shizheng").await;
    let mk = |title: &str, cat: i64, secs: i64| json!({ "title": title, "category_id": cat, "status": "published", "published_at": at(secs) });
    let old = app.create_article(&token, mk("Old", c, -3000)).await;
    let elsewhere = mk("Elsewhere", other, -2000);
    app.create_article(&token, elsewhere).await;
    let mid = app.create_article(&token, mk("Mid", c, -1000)).await;
    app.create_article(&token, mk("Future", c, 3600)).await;
    let new = app.create_article(&token, mk("New", c, -10)).await;
    let path = |a: &Value| format!("/api/v1/articles/{}", a["slug"].as_str().unwrap());
    let (status, d) = app.get_as(&path(&mid), None).await;
    assert_eq!(status, 200);
    assert_eq!(d["prev"]["id"], old["id"]);
    assert_eq!(d["prev"]["title"], "Old");
    assert_eq!(d["prev"]["slug"], old["slug"]);
    assert_eq!(
        d["next"]["id"], new["id"],
        "not another channel's, not a scheduled one"
    );
    assert_eq!(app.get_as(&path(&old), None).await.1["prev"], Value::Null);
    let (_, last) = app.get_as(&path(&new), None).await;
    assert_eq!(last["next"], Value::Null);
    assert_eq!(last["prev"]["id"], mid["id"]);
}

#[tokio::test]
async fn deleting_what_articles_use_is_409_with_the_count() {
    let (app, token, _, c) = setup().await;
    let admin = app.token(Role::Admin).await;
    let bo = json!({ "name": "Bo", "slug": "bo" });
    let author = app.create_author(&token, bo).await["id"].clone();
    let source = app.source_id("xinhua").await;
    let mut made = Vec::new();
    for t in ["One", "Two"] {
        let uses = json!({ "source_id": source, "author_ids": [author] });
        let post = merge(json!({ "title": t, "category_id": c }), uses);
        made.push(app.create_article(&token, post).await["id"].clone());
    }
    let used = ["categories/lilun", "sources/xinhua", "authors/bo"];
    let (a, t) = (&app, admin.as_str());
    let delete = |what: &str| {
        let path = format!("/api/v1/{what}");
        async move { a.call("DELETE", &path, Some(t), None).await }
    };
    for what in used {
        let problem = assert_problem(delete(what).await, 409, "conflict").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("2 article"), "{what}: {detail}");
    }
    // Trashed articles still count; purged ones do not.
    for id in &made {
        assert_eq!(delete(&format!("articles/{id}")).await.status(), 204);
    }
    for what in used {
        assert_problem(delete(what).await, 409, "conflict").await;
    }
    for id in &made {
        assert_eq!(delete(&format!("trash/articles/{id}")).await.status(), 204);
    }
    for what in used {
        assert_eq!(delete(what).await.status(), 204, "{what}");
    }
}

#[tokio::test]
async fn anonymous_writes_are_401_and_unknown_articles_404() {
    let (app, _, _, c) = setup().await;
    let body = json!({ "title": "t", "category_id": c });
    let res = app.call("POST", ARTICLES, None, Some(body)).await;
    assert_problem(res, 401, "unauthorized").await;
    for key in ["999999", "nope", "99999999999999999999999"] {
        let path = format!("/api/v1/articles/{key}");
        let res = app.call("GET", &path, None, None).await;
        assert_problem(res, 404, "not_found").await;
    }
}
