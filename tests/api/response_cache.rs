//! The response cache: hits from memory (with compressed copies and 304s), exact invalidation
//! by change events, scheduled visibility on the second, staff never cached, concurrent misses
//! computed once, and two instances on one database.

use std::io::Read as _;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use newsdesk::models::user::Role;
use newsdesk::startup::Application;
use serde_json::{Value, json};

use crate::desk::{Desk, article_path, desk};
use crate::helpers::*;

pub async fn get(d: &TestApp, path: &str) -> (String, Value) {
    let res = d.get(path).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let status = header(&res, "cache-status");
    (status, res.json().await.unwrap())
}

pub fn hit(status: &str) -> bool {
    status.starts_with("newsdesk; hit")
}

/// A new channel (created before anything is cached: channel writes drop every response).
pub async fn channel(d: &Desk, name: &str) -> i64 {
    let admin = d.token(Role::Admin).await;
    let (status, body) = d
        .post_json("/api/v1/categories", &admin, json!({ "name": name }))
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn metric(app: &TestApp, name: &str) -> i64 {
    let text = app.metrics_text().await;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("newsdesk_{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name}"))
}

#[tokio::test]
async fn hits_come_from_memory_with_compressed_copies_and_304s() {
    let d = desk().await;
    let body = "<p>黑河新闻</p>".repeat(200);
    let id = d.publish("缓存命中", json!({ "body": body })).await;
    let path = article_path(id);
    let first = d.get(&path).send().await.unwrap();
    assert_eq!(
        header(&first, "cache-status"),
        "newsdesk; fwd=uri-miss; stored"
    );
    let etag = header(&first, "etag");
    let identity = first.bytes().await.unwrap();
    let hits = metric(&d, "response_cache_hits_total").await;

    let again = d.get(&path).send().await.unwrap();
    assert_eq!(header(&again, "cache-status"), "newsdesk; hit");
    assert!(header(&again, "age").parse::<u64>().is_ok());
    assert_eq!(header(&again, "etag"), etag);
    assert!(header(&again, "cache-control").starts_with("public, max-age=60"));
    assert_eq!(again.bytes().await.unwrap(), identity);

    let br = d
        .get(&path)
        .header("Accept-Encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&br, "content-encoding"), "br");
    let packed = br.bytes().await.unwrap();
    assert!(
        packed.len() < identity.len() / 3,
        "{} vs {}",
        packed.len(),
        identity.len()
    );
    let mut out = Vec::new();
    brotli::Decompressor::new(&packed[..], 4096)
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, identity);

    let gz = d
        .get(&path)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    let packed = gz.bytes().await.unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, identity);

    let not_modified = d
        .get(&path)
        .header("If-None-Match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    assert_eq!(header(&not_modified, "cache-status"), "newsdesk; hit");
    assert_eq!(header(&not_modified, "etag"), etag);
    assert!(not_modified.bytes().await.unwrap().is_empty());
    assert_eq!(metric(&d, "response_cache_hits_total").await, hits + 4);
    assert!(metric(&d, "response_cache_bytes").await > identity.len() as i64);
    // Hits are counted under their route, like computed answers.
    let metrics = d.metrics_text().await;
    assert!(
        metrics.contains("endpoint=\"/api/v1/articles/{key}\""),
        "{metrics}"
    );
    assert!(!metrics.contains(&format!("endpoint=\"{path}\"")));

    // The query's order does not matter; its content does.
    let (s1, _) = get(&d, "/api/v1/articles?per_page=3&page=1").await;
    let (s2, _) = get(&d, "/api/v1/articles?page=1&per_page=3").await;
    assert!(!hit(&s1) && hit(&s2), "{s1} / {s2}");
    let (s3, _) = get(&d, "/api/v1/articles?page=1&per_page=4").await;
    assert!(!hit(&s3), "{s3}");
}

#[tokio::test]
async fn a_write_drops_exactly_the_responses_that_show_it() {
    let d = desk().await;
    let other = channel(&d, "无关频道").await;
    let x = d.publish("甲", json!({})).await;
    let y = d.publish("乙", json!({ "category_id": other })).await;
    let list_x = format!("/api/v1/articles?category={}", d.cat);
    let list_y = format!("/api/v1/articles?category={other}");
    let (px, py) = (article_path(x), article_path(y));
    let screen_y = format!("{py}?include=latest_in_category");
    let watched = [
        list_x.as_str(),
        list_y.as_str(),
        &px,
        &py,
        &screen_y,
        "/api/v1/site",
        "/api/v1/categories",
        "/api/v1/sources",
    ];
    for p in watched {
        get(&d, p).await;
        assert!(hit(&get(&d, p).await.0), "{p} is cached");
    }

    d.edit(x, json!({ "title": "甲改" })).await;
    // Read-after-write: the writer's next read sees the write.
    let (status, body) = get(&d, &px).await;
    assert!(!hit(&status), "{status}");
    assert_eq!(body["title"], "甲改");
    let (status, body) = get(&d, &list_x).await;
    assert!(!hit(&status), "{status}");
    assert_eq!(body["data"][0]["title"], "甲改");
    // What does not show it stays cached.
    for p in [
        list_y.as_str(),
        &py,
        &screen_y,
        "/api/v1/site",
        "/api/v1/categories",
        "/api/v1/sources",
    ] {
        assert!(
            hit(&get(&d, p).await.0),
            "{p} was dropped by an unrelated edit"
        );
    }
    // The site-wide feed lists every article.
    let (status, _) = get(&d, "/api/v1/articles").await;
    assert!(status.contains("stored"), "{status}");

    // Moving x into the other channel changes that channel's lists too.
    d.edit(x, json!({ "category_id": other })).await;
    let (status, body) = get(&d, &list_y).await;
    assert!(!hit(&status), "{status}");
    assert!(ids(&body).contains(&x));
    assert!(!ids(&get(&d, &list_x).await.1).contains(&x));
    // y's page links its channel's neighbours: x is one now.
    let (status, body) = get(&d, &py).await;
    assert!(!hit(&status), "{status}");
    assert!(body.to_string().contains(&format!("\"id\":{x}")), "{body}");

    // A source's change drops what names it, not the rest.
    let admin = d.token(Role::Admin).await;
    let (status, source) = d
        .post_json("/api/v1/sources", &admin, json!({ "name": "黑河日报社" }))
        .await;
    assert_eq!(status, 201, "{source}");
    let (status, _) = get(&d, "/api/v1/sources").await;
    assert!(!hit(&status), "{status}");
    assert!(hit(&get(&d, &py).await.0));
}

#[tokio::test]
async fn scheduled_articles_appear_and_expire_on_the_second() {
    let app = spawn_app_with(|c| c.scheduler_interval = 3600.0).await;
    app.seed().await;
    let t = app.token(Role::Editor).await;
    let cat = app.category_id("shehui").await;
    let list = format!("/api/v1/articles?category={cat}");
    let now = chrono::Utc::now();
    let appear = now + chrono::TimeDelta::milliseconds(2500);
    let expire = now + chrono::TimeDelta::milliseconds(4500);
    let coming = app
        .create_article(&t, json!({ "title": "定时发布", "category_id": cat, "status": "published", "published_at": appear.to_rfc3339() }))
        .await["id"]
        .as_i64()
        .unwrap();
    let leaving = app
        .create_article(&t, json!({ "title": "定时下线", "category_id": cat, "status": "published", "published_at": at(-60), "offline_at": expire.to_rfc3339() }))
        .await["id"]
        .as_i64()
        .unwrap();
    let (_, body) = get(&app, &list).await;
    assert!(!ids(&body).contains(&coming) && ids(&body).contains(&leaving));
    assert!(hit(&get(&app, &list).await.0));
    assert_eq!(
        app.get(&article_path(coming))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let wait_until = |t: chrono::DateTime<chrono::Utc>| async move {
        let left = (t - chrono::Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(left + Duration::from_millis(30)).await;
    };
    wait_until(appear).await;
    let (status, body) = get(&app, &list).await;
    assert!(ids(&body).contains(&coming), "not shown on time ({status})");
    assert!(ids(&body).contains(&leaving));
    get(&app, &article_path(leaving)).await;
    wait_until(expire).await;
    let (status, body) = get(&app, &list).await;
    assert!(
        !ids(&body).contains(&leaving),
        "still shown after offline_at ({status})"
    );
    assert_eq!(
        app.get(&article_path(leaving))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn staff_reads_are_never_served_from_or_stored_into_the_cache() {
    let d = desk().await;
    let id = d.publish("编辑视角", json!({})).await;
    let path = article_path(id);
    let staff = || d.get(&path).bearer_auth(&d.t).send();
    let res = staff().await.unwrap();
    assert_eq!(header(&res, "cache-status"), "newsdesk; fwd=bypass");
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let (status, _) = get(&d, &path).await;
    assert_eq!(
        status, "newsdesk; fwd=uri-miss; stored",
        "staff reads store nothing"
    );
    assert!(hit(&get(&d, &path).await.0));
    let res = staff().await.unwrap();
    assert_eq!(header(&res, "cache-status"), "newsdesk; fwd=bypass");
    let body: Value = res.json().await.unwrap();
    assert!(body.get("version").is_some(), "the staff view: {body}");
    // A content API key reads the public view, from the cache.
    let res = d
        .get(&path)
        .header("X-Api-Key", "not-a-key")
        .send()
        .await
        .unwrap();
    assert_ne!(header(&res, "cache-status"), "newsdesk; fwd=bypass");
}

#[tokio::test]
async fn concurrent_misses_are_computed_once() {
    let d = desk().await;
    d.publish("并发", json!({})).await;
    let stores = metric(&d, "response_cache_stores_total").await;
    let answers = join_all((0..12).map(|_| d.get("/api/v1/home?per_channel=3").send())).await;
    let mut statuses = Vec::new();
    for res in answers {
        let res = res.unwrap();
        assert_eq!(res.status(), 200);
        statuses.push(header(&res, "cache-status"));
    }
    let computed = statuses.iter().filter(|s| !hit(s)).count();
    assert_eq!(computed, 1, "{statuses:?}");
    assert_eq!(metric(&d, "response_cache_stores_total").await, stores + 1);
}

/// A second server on `app`'s database: its address.
async fn second_instance(app: &TestApp) -> (String, actix_web::dev::ServerHandle) {
    let app2 = Application::build(test_config(app.db.url.clone()))
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}", app2.port());
    let handle = app2.handle();
    tokio::spawn(app2.run_until_stopped());
    (url, handle)
}

#[tokio::test]
async fn two_instances_see_each_others_writes_even_after_losing_the_listener() {
    let d = desk().await;
    let id = d.publish("两个实例", json!({})).await;
    let (other, handle) = second_instance(&d).await;
    let client = reqwest::Client::new();
    let title_there = || async {
        let res = client
            .get(format!("{other}{}", article_path(id)))
            .send()
            .await
            .unwrap();
        let status = header(&res, "cache-status");
        let body: Value = res.json().await.unwrap();
        (
            status,
            body["title"].as_str().unwrap_or_default().to_owned(),
        )
    };
    title_there().await;
    assert!(hit(&title_there().await.0), "cached on the other instance");

    let fresh_within = |want: &'static str| {
        let title_there = &title_there;
        async move {
            let started = Instant::now();
            loop {
                let (_, title) = title_there().await;
                if title == want {
                    return started.elapsed();
                }
                assert!(
                    started.elapsed() < Duration::from_secs(1),
                    "still `{title}` after 1 s"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    d.edit(id, json!({ "title": "第一次修改" })).await;
    fresh_within("第一次修改").await;

    // Kill the listening connections; a write during the gap must not be missed.
    d.sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}' AND datname = current_database()",
        newsdesk::listener::APPLICATION_NAME
    ))
    .await;
    d.edit(id, json!({ "title": "第二次修改" })).await;
    fresh_within("第二次修改").await;
    // Subscribed again, it caches again.
    let started = Instant::now();
    loop {
        let (status, title) = title_there().await;
        assert_eq!(title, "第二次修改");
        if hit(&status) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never cached again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    d.edit(id, json!({ "title": "第三次修改" })).await;
    fresh_within("第三次修改").await;
    handle.stop(false).await;
}

#[tokio::test]
async fn related_choices_are_stored_and_kept_up_to_date_by_writes() {
    let d = desk().await;
    let terms = json!({ "tags": ["冰雪旅游", "黑河"] });
    let a = d.publish("冰雪旅游节开幕", terms.clone()).await;
    let b = d.publish("冰雪旅游人气旺", terms.clone()).await;
    let stored = |x: i64, y: i64| {
        format!(
            "SELECT count(*) AS n FROM related_choices WHERE article_id = {x} AND related_id = {y}"
        )
    };
    // Chosen at b's write, both ways.
    assert_eq!(d.sql_i64(&stored(b, a)).await, 1);
    assert_eq!(d.sql_i64(&stored(a, b)).await, 1);
    let path = format!("{}/related", article_path(a));
    let (_, body) = get(&d, &path).await;
    assert_eq!(ids(&body), [b]);
    assert!(hit(&get(&d, &path).await.0));

    d.publish("口岸贸易", json!({ "tags": ["口岸"] })).await;
    assert!(
        hit(&get(&d, &path).await.0),
        "an unrelated article dropped the list"
    );

    let c = d.publish("冰雪旅游再升温", terms).await;
    let (status, body) = get(&d, &path).await;
    assert!(!hit(&status), "{status}");
    assert!(ids(&body).contains(&c), "{body}");
    // Trashed, it leaves the page at once (visibility is checked when read).
    assert_eq!(d.delete_as(&article_path(c), &d.t).await, 204);
    let (_, body) = get(&d, &path).await;
    assert_eq!(ids(&body), [b]);
}
