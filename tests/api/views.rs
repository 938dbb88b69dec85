//! The view beacon (flushed counts, crawlers, dedupe, visibility, time zones, the flush on a
//! graceful stop) and the most-read lists it feeds (windows, channel scope, visibility).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono_tz::{America, Asia};
use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36";
const ALL_VIEWS: &str = "SELECT coalesce(sum(views), 0)::bigint AS n FROM article_views_daily";

async fn setup_with(tweak: impl FnOnce(&mut newsdesk::config::Config)) -> (TestApp, String) {
    let app = spawn_app_with(tweak).await;
    app.seed().await;
    let token = app.token(Role::Editor).await;
    (app, token)
}

async fn setup() -> (TestApp, String) {
    setup_with(|_| {}).await
}

/// Sends a beacon that must answer 204.
async fn seen(app: &TestApp, key: impl ToString, visitor: Option<&str>, user_agent: &str) {
    let res = app.beacon(&key.to_string(), visitor, user_agent).await;
    assert_eq!(res.status(), 204, "{user_agent}");
}

fn count_query(article: i64) -> String {
    format!("SELECT view_count AS n FROM articles WHERE id = {article}")
}

async fn slug_of(app: &TestApp, id: i64) -> String {
    let (_, article) = app.get_as(&format!("/api/v1/articles/{id}"), None).await;
    article["slug"].as_str().unwrap().to_owned()
}

/// (article id, views) of a most-read list (`data` or a board's `entries`), checking the ranks.
pub fn ranked(list: &Value) -> Vec<(i64, i64)> {
    let data = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    let pair = |e: &Value| {
        (
            e["article"]["id"].as_i64().unwrap(),
            e["views"].as_i64().unwrap(),
        )
    };
    for (i, e) in data.iter().enumerate() {
        assert_eq!(e["rank"], i + 1, "{list}");
    }
    data.iter().map(pair).collect()
}

/// Publishes an article with `views` today.
pub async fn read_today(app: &TestApp, token: &str, channel: &str, views: i64) -> i64 {
    let id = app
        .publish_in(token, channel, &format!("{channel} {views}"))
        .await;
    app.daily_views(id, today_in(Asia::Shanghai), 0, views)
        .await;
    id
}

async fn most_read_as(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let (status, body) = app
        .get_as(&format!("/api/v1/rankings/most-read?{query}"), token)
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

#[tokio::test]
async fn a_beacon_is_flushed_into_todays_bucket_and_the_view_count() {
    let (app, token) = setup().await;
    let id = app
        .publish_in(&token, "shizheng", "市委常委会召开会议")
        .await;
    let res = app.beacon(&id.to_string(), Some("reader-1"), BROWSER).await;
    assert_eq!(res.status(), 204);
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert!(res.text().await.unwrap().is_empty());
    seen(&app, slug_of(&app, id).await, Some("reader-2"), BROWSER).await;
    assert_eq!(app.wait_for_i64(&count_query(id), 2).await, 2);
    let today = today_in(Asia::Shanghai);
    let daily = format!(
        "SELECT views AS n FROM article_views_daily WHERE article_id = {id} AND day = '{today}'"
    );
    assert_eq!(app.sql_i64(&daily).await, 2, "the day is today in Shanghai");
    assert_eq!(app.sql_i64(ALL_VIEWS).await, 2);
    let path = format!("/api/v1/articles/{id}");
    assert_eq!(app.get_as(&path, Some(&token)).await.1["view_count"], 2);
}

#[tokio::test]
async fn crawlers_get_a_204_but_are_not_counted() {
    let (app, token) = setup().await;
    let id = app.publish_in(&token, "shehui", "爬虫").await;
    #[rustfmt::skip]
    let bots = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
        "Mozilla/5.0 (Linux; Android 5.0) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    ];
    for (i, ua) in bots.iter().enumerate() {
        seen(&app, id, Some(&format!("bot-{i}")), ua).await;
    }
    // One person after the crawlers: once it is flushed, so would they have been.
    seen(&app, id, Some("person"), BROWSER).await;
    assert_eq!(app.wait_for_i64(&count_query(id), 1).await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.sql_i64(&count_query(id)).await, 1);
    assert_eq!(app.sql_i64(ALL_VIEWS).await, 1);
}

#[tokio::test]
async fn a_visitor_counts_once_per_article() {
    let (app, token) = setup().await;
    let a = app.publish_in(&token, "shizheng", "A").await;
    let b = app.publish_in(&token, "shizheng", "B").await;
    let c = app.publish_in(&token, "shizheng", "C").await;
    for visitor in ["v1", "v1", "v1", "v2"] {
        seen(&app, a, Some(visitor), BROWSER).await;
    }
    // The same visitor counts on another article, once whether it is named by id or slug.
    seen(&app, b, Some("v1"), BROWSER).await;
    seen(&app, slug_of(&app, b).await, Some("v1"), BROWSER).await;
    // Without an id: address and User-Agent.
    let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148";
    for ua in [BROWSER, BROWSER, phone] {
        seen(&app, c, None, ua).await;
    }
    assert_eq!(app.wait_for_i64(ALL_VIEWS, 5).await, 5);
    tokio::time::sleep(Duration::from_millis(400)).await;
    for (id, want) in [(a, 2), (b, 1), (c, 2)] {
        assert_eq!(app.sql_i64(&count_query(id)).await, want, "article {id}");
    }
}

#[tokio::test]
async fn a_front_end_on_another_origin_may_send_a_visitor_id() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/articles/1/views");
    let res = app.client.request(reqwest::Method::OPTIONS, url);
    let res = res
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-visitor-id");
    let res = res.send().await.unwrap();
    assert_eq!(res.status(), 200, "preflight");
    let allowed = header(&res, "access-control-allow-headers").to_lowercase();
    assert!(allowed.contains("x-visitor-id"), "{allowed}");
}

#[tokio::test]
async fn without_dedupe_every_call_counts() {
    let (app, token) = setup_with(|c| c.views_dedupe_secs = 0).await;
    let id = app.publish_in(&token, "guonei", "Again").await;
    for _ in 0..5 {
        seen(&app, id, Some("same"), BROWSER).await;
    }
    seen(&app, id, None, BROWSER).await;
    seen(&app, id, None, BROWSER).await;
    assert_eq!(app.wait_for_i64(&count_query(id), 7).await, 7);
}

#[tokio::test]
async fn invisible_articles_answer_404_and_count_nothing() {
    let (app, token) = setup().await;
    let draft = json!({ "title": "Draft", "category_id": app.category_id("lilun").await });
    let draft = app.create_article(&token, draft).await["id"]
        .as_i64()
        .unwrap();
    let future = app.publish_in(&token, "lilun", "Future").await;
    let offline = app.publish_in(&token, "lilun", "Offline").await;
    let trashed = app.publish_in(&token, "lilun", "Trashed").await;
    let live = app.publish_in(&token, "lilun", "Live").await;
    let later = "published_at = now() + interval '1 hour'";
    app.sql(&format!("UPDATE articles SET {later} WHERE id = {future}"))
        .await;
    let gone = "offline_at = now() - interval '1 minute'";
    app.sql(&format!("UPDATE articles SET {gone} WHERE id = {offline}"))
        .await;
    let trash = format!("/api/v1/articles/{trashed}");
    assert_eq!(app.delete_as(&trash, &token).await, 204);
    let keys = [draft, future, offline, trashed, 987_654_321].map(|id| id.to_string());
    for key in keys.iter().map(String::as_str).chain(["no-such-article"]) {
        let res = app.beacon(key, Some("reader"), BROWSER).await;
        assert_problem(res, 404, "not_found").await;
    }
    seen(&app, live, Some("reader"), BROWSER).await;
    assert_eq!(app.wait_for_i64(ALL_VIEWS, 1).await, 1);
    assert_eq!(app.sql_i64(&count_query(live)).await, 1);
    let total = "SELECT coalesce(sum(view_count), 0)::bigint AS n FROM articles";
    assert_eq!(app.sql_i64(total).await, 1);
}

#[tokio::test]
async fn a_view_lands_on_the_date_of_the_configured_time_zone() {
    let (app, token) = setup_with(|c| c.timezone = America::New_York).await;
    let id = app.publish_in(&token, "shizheng", "纽约").await;
    let before = today_in(America::New_York);
    seen(&app, id, None, BROWSER).await;
    let after = today_in(America::New_York);
    assert_eq!(app.wait_for_i64(&count_query(id), 1).await, 1);
    let on_ny_date = format!(
        "SELECT count(*) AS n FROM article_views_daily \
         WHERE article_id = {id} AND day IN ('{before}', '{after}') AND views = 1"
    );
    assert_eq!(
        app.sql_i64(&on_ny_date).await,
        1,
        "New York's date: {before}"
    );
    // And today's window there is New York's today.
    let (status, body) = app
        .get_as("/api/v1/rankings/most-read?window=day", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(ranked(&body["data"]), vec![(id, 1)]);
}

#[tokio::test]
async fn windows_end_at_midnight_in_the_configured_time_zone() {
    let (app, token) = setup().await;
    let x = app.publish_in(&token, "shizheng", "X").await;
    let y = app.publish_in(&token, "guonei", "Y").await;
    let z = app.publish_in(&token, "lilun", "Z").await;
    let today = today_in(Asia::Shanghai);
    #[rustfmt::skip]
    let days = [(0, 1), (6, 10), (7, 100), (29, 1_000), (30, 10_000), (364, 100_000), (365, 1_000_000)];
    for (ago, unit) in days {
        app.daily_views(x, today, ago, unit).await;
        app.daily_views(y, today, ago, 2 * unit).await;
    }
    app.daily_views(z, today, 7, 50).await;
    // `all` reads view_count, not the buckets: here it puts X first.
    let counts = format!("CASE id WHEN {x} THEN 9000000 WHEN {y} THEN 8000000 ELSE 0 END");
    app.sql(&format!("UPDATE articles SET view_count = {counts}"))
        .await;
    let expected: [(&str, Vec<(i64, i64)>); 5] = [
        ("day", vec![(y, 2), (x, 1)]),
        ("week", vec![(y, 22), (x, 11)]),
        ("month", vec![(y, 2_222), (x, 1_111), (z, 50)]),
        ("year", vec![(y, 222_222), (x, 111_111), (z, 50)]),
        ("all", vec![(x, 9_000_000), (y, 8_000_000)]),
    ];
    for (window, want) in expected {
        let path = format!("/api/v1/rankings/most-read?window={window}");
        let (status, body) = app.get_as(&path, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["meta"]["window"], window);
        assert!(body["meta"]["category"].is_null());
        assert_eq!(ranked(&body["data"]), want, "window {window}");
    }
    let (_, default) = app.get_as("/api/v1/rankings/most-read", None).await;
    assert_eq!(default["meta"]["window"], "week");
    assert_eq!(ranked(&default["data"]), vec![(y, 22), (x, 11)]);
    let res = app
        .get("/api/v1/rankings/most-read?window=decade")
        .send()
        .await;
    assert_problem(res.unwrap(), 400, "validation_failed").await;
}

#[tokio::test]
async fn a_channel_scope_includes_its_sub_channels() {
    let (app, token) = setup().await;
    let h = read_today(&app, &token, "shehui", 40).await;
    let g = read_today(&app, &token, "guonei", 30).await;
    let s = read_today(&app, &token, "shizheng", 20).await;
    app.sub_channel("pinglun", "网评", "wangping").await;
    let l = read_today(&app, &token, "wangping", 10).await;
    let shizheng = app.category_id("shizheng").await;
    let everything = vec![(h, 40), (g, 30), (s, 20), (l, 10)];
    for (category, want) in [
        ("heihe".to_owned(), everything.clone()),
        ("dbw".to_owned(), everything),
        ("shizheng".to_owned(), vec![(s, 20)]),
        (shizheng.to_string(), vec![(s, 20)]),
        ("pinglun".to_owned(), vec![(l, 10)]),
    ] {
        let query = format!("window=day&category={category}");
        let body = most_read_as(&app, &query, None).await;
        assert_eq!(ranked(&body["data"]), want, "category {category}");
        let id = app.category_id(&category).await;
        assert_eq!(body["meta"]["category"]["id"], id);
    }
    let body = most_read_as(&app, "window=day&category=shizheng", None).await;
    assert_eq!(body["meta"]["category"]["slug"], "shizheng");
    let unknown = "/api/v1/rankings/most-read?category=no-such-channel";
    let res = app.get(unknown).send().await.unwrap();
    assert_problem(res, 404, "not_found").await;
    // Hidden channels (and their children) are for staff only.
    for slug in ["shehui", "pinglun"] {
        let path = format!("/api/v1/categories/{slug}");
        let hide = json!({ "visible": false });
        assert_eq!(app.patch_json(&path, &token, hide).await.0, 200);
    }
    for slug in ["shehui", "pinglun", "wangping"] {
        let path = format!("/api/v1/rankings/most-read?window=day&category={slug}");
        let res = app.get(&path).send().await.unwrap();
        assert_problem(res, 404, "not_found").await;
    }
    let body = most_read_as(&app, "window=day&category=shehui", Some(&token)).await;
    assert_eq!(ranked(&body["data"]), vec![(h, 40)]);
}

#[tokio::test]
async fn only_visible_articles_are_ranked() {
    let (app, token) = setup().await;
    let live = read_today(&app, &token, "shizheng", 5).await;
    let lilun = app.category_id("lilun").await;
    let draft = json!({ "title": "Draft", "category_id": lilun });
    let draft = app.create_article(&token, draft).await["id"]
        .as_i64()
        .unwrap();
    app.daily_views(draft, today_in(Asia::Shanghai), 0, 50)
        .await;
    let future = read_today(&app, &token, "lilun", 40).await;
    let offline = read_today(&app, &token, "lilun", 30).await;
    let trashed = read_today(&app, &token, "lilun", 20).await;
    let later = "published_at = now() + interval '1 day'";
    app.sql(&format!("UPDATE articles SET {later} WHERE id = {future}"))
        .await;
    let gone = "offline_at = now() - interval '1 second'";
    app.sql(&format!("UPDATE articles SET {gone} WHERE id = {offline}"))
        .await;
    let trash = format!("/api/v1/articles/{trashed}");
    assert_eq!(app.delete_as(&trash, &token).await, 204);
    app.sql("UPDATE articles SET view_count = 100 + id").await;
    for query in ["window=day", "window=year", "window=day&category=heihe"] {
        let body = most_read_as(&app, query, None).await;
        assert_eq!(ranked(&body["data"]), vec![(live, 5)], "{query}");
    }
    let all = most_read_as(&app, "window=all", Some(&token)).await;
    assert_eq!(ranked(&all["data"]), vec![(live, 100 + live)], "staff");
}

#[tokio::test]
async fn sigterm_writes_every_counted_view() {
    stop_and_count("TERM").await;
}

#[tokio::test]
async fn sigint_writes_every_counted_view() {
    stop_and_count("INT").await;
}

/// Runs the binary on a test database with an hour between flushes, sends N beacons, stops it
/// with `signal` and counts what reached the database.
async fn stop_and_count(signal: &str) {
    const N: i64 = 50;
    let (app, token) = setup().await;
    let id = app.publish_in(&token, "shizheng", "Stop").await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("JWT_SECRET", "a-secret-that-is-long-enough-for-hs256-0000")
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json")
        .env("VIEWS_FLUSH_INTERVAL", "3600")
        .current_dir(std::env::temp_dir())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("the server logs before exiting")
            .unwrap();
        if let Ok(event) = serde_json::from_str::<Value>(&line)
            && event["message"] == "newsdesk listening"
        {
            break event["port"].as_u64().unwrap();
        }
    };
    // Keep reading the log so the server never blocks on a full pipe.
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/articles/{id}/views");
    for i in 0..N {
        let req = client.post(&url).header("user-agent", BROWSER);
        let res = req
            .header("x-visitor-id", format!("visitor-{i}"))
            .send()
            .await;
        assert_eq!(res.unwrap().status(), 204);
    }
    drop(client);
    let stored = format!(
        "SELECT coalesce(sum(views), 0)::bigint AS n FROM article_views_daily WHERE article_id = {id}"
    );
    assert_eq!(
        app.sql_i64(&stored).await,
        0,
        "nothing is flushed before the stop"
    );
    let mut kill = Command::new("kill");
    kill.args([format!("-{signal}"), child.id().to_string()]);
    assert!(kill.status().unwrap().success());
    let exit = child.wait().unwrap();
    let log = log.join().unwrap().join("\n");
    assert!(exit.success(), "SIG{signal} exits 0: {exit:?}\n{log}");
    assert_eq!(
        app.sql_i64(&stored).await,
        N,
        "every 204 is in the database"
    );
    assert_eq!(app.sql_i64(&count_query(id)).await, N);
}
