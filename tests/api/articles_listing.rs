//! Article lists: filters, sorts, page and cursor pagination, Link headers and HTTP caching.

use serde_json::{Value, json};

use crate::desk::{Desk, desk};
use crate::helpers::*;

impl Desk {
    /// Publishes an article `secs` seconds from now (negative: in the past) with extra fields.
    async fn publish_in(&self, title: &str, cat: i64, secs: i64, extra: Value) -> i64 {
        let place = json!({ "category_id": cat, "published_at": at(secs) });
        self.publish(title, merge(place, extra)).await
    }
}

/// An RFC 3339 time `secs` from now, escaped for a query string.
fn q_at(secs: i64) -> String {
    at(secs).replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let d = desk().await;
    let pinglun = d.category_id("pinglun").await;
    let wangping = d.sub_channel("pinglun", "网评", "wangping").await;
    let shizheng = d.category_id("shizheng").await;
    let (daily, xinhua) = (
        d.source_id("heihe-daily").await,
        d.source_id("xinhua").await,
    );
    let x = d
        .create_author(&d.t, json!({ "name": "X", "slug": "x" }))
        .await["id"]
        .clone();
    let y = d
        .create_author(&d.t, json!({ "name": "Y", "slug": "y" }))
        .await["id"]
        .clone();
    let extra = json!({ "source_id": daily, "author_ids": [x], "tags": ["经济"] });
    let extra = merge(extra, json!({ "flags": { "headline": true } }));
    let a = d
        .publish_in("黑河经济 50% 增长", wangping, -5000, extra)
        .await;
    let extra = json!({ "source_id": xinhua, "author_ids": [y], "tags": ["旅游"] });
    let video =
        json!({ "kind": "video", "media_url": "https://e.com/v", "flags": { "featured": true } });
    let b = d
        .publish_in("边境旅游", pinglun, -4000, merge(extra, video))
        .await;
    let extra = json!({ "author_ids": [x, y], "tags": ["经济", "旅游"] });
    let audio = json!({ "kind": "audio", "media_url": "https://e.com/a" });
    let c = d
        .publish_in("Politics_today", shizheng, -3000, merge(extra, audio))
        .await;
    let draft = d
        .draft("草稿 旅游", json!({ "category_id": wangping }))
        .await;
    let (after, before) = (q_at(-4500), q_at(-3500));
    let jingji = "%E7%BB%8F%E6%B5%8E"; // 经济
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("".into(), vec![c, b, a]),
        ("category=pinglun".into(), vec![b, a]),
        ("category=pinglun&descendants=false".into(), vec![b]),
        (format!("category={wangping}"), vec![a]),
        ("source=heihe-daily".into(), vec![a]),
        (format!("source={xinhua}"), vec![b]),
        ("author=x".into(), vec![c, a]),
        (format!("author={y}"), vec![c, b]),
        (format!("tag={jingji}"), vec![c, a]),
        ("tag=lv-you".into(), vec![c, b]),
        ("kind=video".into(), vec![b]),
        ("kind=audio".into(), vec![c]),
        ("kind=video,audio".into(), vec![c, b]),
        ("kind=audio%2Cvideo&category=pinglun".into(), vec![b]),
        ("kind=article,video".into(), vec![b, a]),
        ("kind=gallery".into(), vec![]),
        ("headline=true".into(), vec![a]),
        ("headline=false".into(), vec![c, b]),
        ("featured=true".into(), vec![b]),
        (format!("published_after={after}"), vec![c, b]),
        (format!("published_before={before}"), vec![b, a]),
        (
            format!("published_after={after}&published_before={before}"),
            vec![b],
        ),
        // Full-text: tags are searched too (c is tagged 旅游); a title match ranks first.
        ("q=%E6%97%85%E6%B8%B8".into(), vec![b, c]),
        ("q=50%25".into(), vec![a]),
        ("q=POLITICS".into(), vec![c]),
        ("q=%E6%97%85%E6%B8%B8&sort=-published_at".into(), vec![c, b]),
        (
            format!("category=pinglun&tag={jingji}&headline=true"),
            vec![a],
        ),
    ];
    for (query, expected) in cases {
        let got = d.ids(&format!("/api/v1/articles?{query}"), false).await;
        assert_eq!(got, expected, "{query}");
    }
    // Staff see drafts (last: no published_at) and may filter by status; the public may not.
    let lvyou = d
        .ids(
            "/api/v1/articles?q=%E6%97%85%E6%B8%B8&sort=-published_at",
            true,
        )
        .await;
    assert_eq!(lvyou, [c, b, draft]);
    assert_eq!(d.ids("/api/v1/articles?status=draft", true).await, [draft]);
    assert_eq!(
        d.ids("/api/v1/articles?status=published", true).await,
        [c, b, a]
    );
    let res = d
        .call("GET", "/api/v1/articles?status=draft", None, None)
        .await;
    assert_problem(res, 401, "unauthorized").await;
    // updated_since.
    d.sql("UPDATE articles SET updated_at = now() - interval '1 day'")
        .await;
    d.edit(b, json!({ "subtitle": "改" })).await;
    let since = format!("/api/v1/articles?updated_since={}", q_at(-3600));
    assert_eq!(d.ids(&since, false).await, [b]);
    // Bad parameters are 400 (naming the parameter where we know it).
    let long_q = format!("q={}", "字".repeat(201));
    for (query, field) in [
        ("category=nope", Some("category")),
        ("source=nope", Some("source")),
        ("author=nope", Some("author")),
        ("tag=nope", Some("tag")),
        ("sort=title", Some("sort")),
        ("per_page=0", Some("per_page")),
        ("per_page=101", Some("per_page")),
        ("page=0", Some("page")),
        ("kind=podcast", Some("kind")),
        ("kind=video,podcast", Some("kind")),
        ("kind=video,", Some("kind")),
        ("published_after=yesterday", None),
    ] {
        let res = d
            .call("GET", &format!("/api/v1/articles?{query}"), None, None)
            .await;
        let problem = assert_problem(res, 400, "validation_failed").await;
        if let Some(field) = field {
            assert_eq!(field_errors(&problem), [field], "{query}");
        }
    }
    // A search that cannot run is 422 (too long, or nothing but punctuation and stop words).
    for query in [long_q.as_str(), "q=_", "q=%E7%9A%84"] {
        let res = d
            .call("GET", &format!("/api/v1/articles?{query}"), None, None)
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), ["q"], "{query}");
    }
    let res = d
        .call(
            "GET",
            "/api/v1/articles?q=%E6%97%85%E6%B8%B8&cursor=abc",
            None,
            None,
        )
        .await;
    assert_problem(res, 400, "validation_failed").await;
    let res = d
        .call("GET", "/api/v1/categories/nope/articles", None, None)
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn sorts_and_the_pinned_first_channel_default() {
    let d = desk().await;
    let pinglun = d.category_id("pinglun").await;
    let wangping = d.sub_channel("pinglun", "网评", "wangping").await;
    let pin = json!({ "flags": { "pinned": true } });
    let p1 = d.publish_in("p1", pinglun, -9000, pin.clone()).await;
    let p2 = d.publish_in("p2", pinglun, -8000, pin).await;
    let n1 = d.publish_in("n1", pinglun, -100, json!({})).await;
    let n2 = d.publish_in("n2", pinglun, -200, json!({})).await;
    let n3 = d.publish_in("n3", wangping, -150, json!({})).await;
    let channel = [p2, p1, n1, n3, n2];
    let newest = [n1, n3, n2, p2, p1];
    let list = "/api/v1/articles";
    for (path, expected) in [
        ("/api/v1/categories/pinglun/articles".to_owned(), channel),
        (format!("/api/v1/categories/{pinglun}/articles"), channel),
        (format!("{list}?category=pinglun"), channel),
        (list.to_owned(), newest),
        (
            format!("{list}?category=pinglun&sort=-published_at"),
            newest,
        ),
        (format!("{list}?sort=published_at"), [p1, p2, n2, n3, n1]),
    ] {
        assert_eq!(d.ids(&path, false).await, expected, "{path}");
    }
    let own = "/api/v1/categories/pinglun/articles?descendants=false";
    assert_eq!(d.ids(own, false).await, [p2, p1, n1, n2]);
    let views = format!("UPDATE articles SET view_count = CASE id WHEN {n2} THEN 50 ELSE 0 END");
    d.sql(&views).await;
    d.sql(&format!(
        "UPDATE articles SET view_count = 30 WHERE id = {p1}"
    ))
    .await;
    let by_views = d.ids("/api/v1/articles?sort=-view_count", false).await;
    assert_eq!(by_views, [n2, p1, n3, n1, p2], "ties: newest id first");
    d.sql("UPDATE articles SET updated_at = now() - interval '1 day' + id * interval '1 second'")
        .await;
    let updated = "/api/v1/articles?sort=-updated_at";
    assert_eq!(d.ids(updated, false).await, [n3, n2, n1, p2, p1]);
    d.edit(p1, json!({ "subtitle": "x" })).await;
    assert_eq!(d.ids(updated, false).await, [p1, n3, n2, n1, p2]);
}

#[tokio::test]
async fn page_mode_has_totals_a_next_cursor_and_link_headers() {
    let d = desk().await;
    let cat = d.category_id("minsheng").await;
    let mut all = Vec::new();
    for i in 0..5 {
        all.push(
            d.publish_in(&format!("a{i}"), cat, -1000 + i, json!({}))
                .await,
        );
    }
    all.reverse();
    let res = d
        .call("GET", "/api/v1/articles?per_page=2", None, None)
        .await;
    let link = header(&res, "link");
    let body: Value = res.json().await.unwrap();
    assert_eq!(ids(&body), all[..2]);
    let m = &body["meta"];
    let meta = [&m["page"], &m["per_page"], &m["total"], &m["total_pages"]];
    assert_eq!(meta, [1, 2, 5, 3]);
    assert!(m["next_cursor"].is_string());
    assert!(
        link.contains("rel=\"next\"") && link.contains("page=2"),
        "{link}"
    );
    assert!(link.contains("per_page=2"), "{link}");
    assert!(
        link.contains("rel=\"last\"") && link.contains("page=3"),
        "{link}"
    );
    assert!(!link.contains("rel=\"prev\""), "{link}");
    let res = d
        .call("GET", "/api/v1/articles?per_page=2&page=3", None, None)
        .await;
    let link = header(&res, "link");
    let body: Value = res.json().await.unwrap();
    assert_eq!(ids(&body), all[4..]);
    assert_eq!(body["meta"]["next_cursor"], Value::Null);
    assert!(
        link.contains("rel=\"prev\"") && !link.contains("rel=\"next\""),
        "{link}"
    );
    let (_, past) = d.get_as("/api/v1/articles?per_page=2&page=4", None).await;
    assert!(ids(&past).is_empty());
    assert_eq!(past["meta"]["total"], 5);
    // Switching to keyset paging after page 1: the cursor continues where page 1 ended.
    let cursor = m["next_cursor"].as_str().unwrap();
    let path = format!("/api/v1/articles?per_page=2&cursor={cursor}");
    let res = d.call("GET", &path, None, None).await;
    let link = header(&res, "link");
    let body: Value = res.json().await.unwrap();
    assert_eq!(ids(&body), all[2..4]);
    assert!(body["meta"].get("total").is_none() && body["meta"].get("page").is_none());
    assert!(
        link.contains("rel=\"next\"") && link.contains("cursor="),
        "{link}"
    );
    assert!(link.contains("rel=\"prev\""), "{link}");
}

#[tokio::test]
async fn a_cursor_is_stable_when_articles_arrive_between_pages() {
    let d = desk().await;
    let cat = d.category_id("shehui").await;
    for i in 0..5 {
        d.publish_in(&format!("s{i}"), cat, -5000 + i * 100, json!({}))
            .await;
    }
    let pinned = json!({ "flags": { "pinned": true } });
    for base in ["/api/v1/articles", "/api/v1/categories/shehui/articles"] {
        let all = d.ids(&format!("{base}?per_page=100"), false).await;
        let (_, page1) = d.get_as(&format!("{base}?per_page=2"), None).await;
        let mut seen = ids(&page1);
        assert_eq!(seen, all[..2]);
        let mut cursor = page1["meta"]["next_cursor"].as_str().unwrap().to_owned();
        // A newer article (and a pinned one, first in the channel) arrives before page 2.
        let breaking = d.publish_in("breaking", cat, -1, json!({})).await;
        let top = d.publish_in("pinned", cat, -2, pinned.clone()).await;
        loop {
            let path = format!("{base}?per_page=2&cursor={cursor}");
            let (status, page) = d.get_as(&path, None).await;
            assert_eq!(status, 200, "{page}");
            seen.extend(ids(&page));
            match page["meta"]["next_cursor"].as_str() {
                Some(c) => cursor = c.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen, all, "{base}: no duplicates, no gaps");
        let now = d.ids(&format!("{base}?per_page=100"), false).await;
        assert_eq!(
            now[0],
            if base.contains("shehui") {
                top
            } else {
                breaking
            }
        );
        assert_eq!(now.len(), all.len() + 2);
    }
}

/// Walks a list by `next_cursor` from page 1 to the end, then back by `prev_cursor`.
async fn walk(d: &Desk, base: &str, token: Option<&str>) -> (Vec<i64>, usize) {
    let (_, mut page) = d.get_as(base, token).await;
    let mut pages = vec![ids(&page)];
    while let Some(c) = page["meta"]["next_cursor"].as_str().map(str::to_owned) {
        page = d.get_as(&format!("{base}&cursor={c}"), token).await.1;
        pages.push(ids(&page));
    }
    let mut back = vec![pages.last().unwrap().clone()];
    while let Some(c) = page["meta"]["prev_cursor"].as_str().map(str::to_owned) {
        page = d.get_as(&format!("{base}&cursor={c}"), token).await.1;
        back.push(ids(&page));
    }
    back.reverse();
    assert_eq!(back, pages, "{base}: walking back gives the same pages");
    (pages.concat(), pages.len())
}

#[tokio::test]
async fn cursors_walk_both_ways_across_pinned_ties_and_unpublished_rows() {
    let d = desk().await;
    let cat = d.category_id("hangye").await;
    let same = json!({ "published_at": at(-500) });
    for i in 0..3 {
        let pinned = json!({ "flags": { "pinned": true } });
        d.publish_in(&format!("pin{i}"), cat, -900 - i, pinned)
            .await;
        // Three at the very same instant: the id breaks the tie.
        d.publish_in(&format!("tie{i}"), cat, 0, same.clone()).await;
    }
    for i in 0..2 {
        d.publish_in(&format!("new{i}"), cat, -10 - i, json!({}))
            .await;
        d.draft(&format!("draft{i}"), json!({ "category_id": cat }))
            .await;
        // Pinned drafts: pinned and without published_at, last of the pinned ones.
        let draft = json!({ "title": format!("pinned draft{i}"), "category_id": cat });
        let pinned = merge(draft, json!({ "flags": { "pinned": true } }));
        d.create_article(&d.t, pinned).await;
    }
    let staff = Some(d.t.as_str());
    for (base, token) in [
        ("/api/v1/categories/hangye/articles?per_page=2", None),
        ("/api/v1/articles?per_page=3", None),
        ("/api/v1/articles?per_page=2&sort=published_at", None),
        ("/api/v1/articles?per_page=2&sort=-view_count", None),
        ("/api/v1/articles?per_page=2", staff),
        ("/api/v1/categories/hangye/articles?per_page=3", staff),
        ("/api/v1/articles?per_page=2&sort=-updated_at", staff),
        ("/api/v1/articles?per_page=2&sort=published_at", staff),
    ] {
        let whole = d
            .ids(&base.replace("per_page=", "x="), token.is_some())
            .await;
        let (walked, pages) = walk(&d, base, token).await;
        assert_eq!(walked, whole, "{base} {token:?}");
        assert!(pages >= 3, "{base}");
    }
}

#[tokio::test]
async fn bad_cursors_are_400() {
    let d = desk().await;
    let cat = d.category_id("gedi").await;
    for i in 0..3 {
        d.publish_in(&format!("g{i}"), cat, -100 - i, json!({}))
            .await;
    }
    let (_, asc) = d
        .get_as("/api/v1/articles?per_page=1&sort=published_at", None)
        .await;
    let cursor = asc["meta"]["next_cursor"].as_str().unwrap();
    for query in [
        format!("sort=-view_count&cursor={cursor}"),
        format!("sort=-published_at&cursor={cursor}"),
        format!("category=gedi&cursor={cursor}"),
        format!("page=2&cursor={cursor}"),
        "cursor=not-a-cursor".to_owned(),
    ] {
        let res = d
            .call("GET", &format!("/api/v1/articles?{query}"), None, None)
            .await;
        let problem = assert_problem(res, 400, "validation_failed").await;
        assert!(!field_errors(&problem).is_empty(), "{query}");
    }
    let ok = format!("/api/v1/articles?sort=published_at&cursor={cursor}");
    assert_eq!(d.get_as(&ok, None).await.0, 200);
}

#[tokio::test]
async fn anonymous_reads_are_cacheable_and_revalidate_staff_reads_are_not() {
    let d = desk().await;
    let cat = d.category_id("wenti").await;
    let id = d.publish_in("cached", cat, -60, json!({})).await;
    let detail = format!("/api/v1/articles/{id}");
    for (path, max_age) in [("/api/v1/articles", 30), (detail.as_str(), 60)] {
        let get = |inm: &str| d.get(path).header("If-None-Match", inm.to_owned()).send();
        let res = get("").await.unwrap();
        assert_eq!(res.status(), 200);
        let etag = header(&res, "etag");
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
            "{etag}"
        );
        let cache = header(&res, "cache-control");
        assert_eq!(
            cache,
            format!("public, max-age={max_age}, stale-if-error=3600"),
            "{path}"
        );
        let vary = header(&res, "vary");
        assert!(
            vary.starts_with("Authorization, Accept-Encoding"),
            "{path}: {vary}"
        );
        if path == detail {
            let modified = header(&res, "last-modified");
            assert!(modified.ends_with(" GMT"), "Last-Modified: {modified}");
        }
        let res = get(&etag).await.unwrap();
        assert_eq!(res.status(), 304, "{path}");
        assert_eq!(header(&res, "etag"), etag);
        assert!(res.bytes().await.unwrap().is_empty(), "304 has no body");
        assert_eq!(get("\"something-else\"").await.unwrap().status(), 200);
        // Staff responses are never cached.
        let res = d.call("GET", path, Some(&d.t), None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "cache-control"), "private, no-store", "{path}");
        // A change makes the old validator stale.
        d.edit(id, json!({ "title": format!("changed {max_age}") }))
            .await;
        let res = get(&etag).await.unwrap();
        assert_eq!(res.status(), 200, "{path} changed");
        assert_ne!(header(&res, "etag"), etag);
    }
    let res = d.call("GET", &detail, Some(&d.t), None).await;
    assert_eq!(header(&res, "etag"), "\"v3\"");
}

#[tokio::test]
async fn list_items_are_summaries_without_the_body() {
    let d = desk().await;
    let cat = d.category_id("lilun").await;
    let org = json!({ "name": "张庆梅", "affiliation": "黑河市委讲师团" });
    let author = d.create_author(&d.t, org).await["id"].clone();
    let source = d.source_id("heihe-daily").await;
    let extra = json!({
        "kicker": "引", "subtitle": "副", "body": "<p>正文</p>", "source_id": source,
        "cover_image_url": "https://example.com/c.jpg", "author_ids": [author],
        "flags": { "featured": true },
    });
    d.publish_in("摘要", cat, -60, extra).await;
    let (_, list) = d.get_as("/api/v1/articles", None).await;
    let item = &list["data"][0];
    assert!(item.get("body").is_none(), "{item}");
    let keys = [
        "id",
        "slug",
        "title",
        "subtitle",
        "cover_image_url",
        "kind",
        "published_at",
    ];
    for key in keys.into_iter().chain(["view_count", "status"]) {
        assert!(!item[key].is_null(), "{key} in {item}");
    }
    assert_eq!(
        (&item["kicker"], &item["summary"]),
        (&json!("引"), &json!("正文"))
    );
    assert_eq!(item["category"]["slug"], "lilun");
    assert_eq!(item["category"]["name"], "理论");
    assert_eq!(item["source"]["name"], "黑河日报");
    assert_eq!(item["authors"][0]["name"], "张庆梅");
    assert_eq!(item["authors"][0]["id"], author);
    assert_eq!(item["flags"]["featured"], true);
}
