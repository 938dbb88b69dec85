//! The in-memory search postings: what they answer equals what the database answers (the
//! visibility rule by the clock, filters, phrases, OR groups, paging, totals), writes show at
//! once (changed articles are checked in the database until applied), another instance follows
//! through change events, and queries the postings do not answer fall back to the database.

use serde_json::{Value, json};

use crate::desk::{Desk, desk_with};
use crate::helpers::*;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn search_path(q: &str, extra: &str) -> String {
    format!("/api/v1/search?q={}{extra}", enc(q))
}

const SERVED: &str = "newsdesk_search_postings_searches_total";
const FELL_BACK: &str = "newsdesk_search_postings_database_searches_total";
const BUILDS: &str = "newsdesk_search_postings_builds_total";

/// An app whose searches use the postings whatever share of the articles they match (the
/// tests' default, said here).
async fn postings_desk() -> Desk {
    desk_with(|c| c.search_postings_max_share = 1.0).await
}

/// Waits (up to 10 s) until the postings are built and every change is applied, holding
/// `articles` articles.
async fn settled(app: &TestApp, articles: i64) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = app.metrics_text().await;
        let value = |name: &str| -> i64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
                .unwrap_or(-1)
        };
        let now = (
            value("newsdesk_search_postings_ready"),
            value("newsdesk_search_postings_pending"),
            value("newsdesk_search_postings_articles"),
        );
        if now == (1, 0, articles) {
            return;
        }
        assert!(
            std::time::Instant::now() < until,
            "postings not settled at {articles} articles: (ready, pending, articles) = {now:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Articles the postings hold: published, outside the trash (whatever the clock says).
async fn indexable(app: &TestApp) -> i64 {
    app.sql_i64(
        "SELECT count(*) AS n FROM articles WHERE status = 'published' AND deleted_at IS NULL \
         AND search_vector IS NOT NULL",
    )
    .await
}

async fn found(d: &Desk, q: &str, extra: &str) -> (Vec<i64>, Value) {
    let body = d.body(&search_path(q, extra), false).await;
    (ids(&body), body["meta"]["total"].clone())
}

#[tokio::test]
async fn the_postings_answer_what_the_database_answers() {
    let d = postings_desk().await;
    let guonei = d.category_id("guonei").await;
    let old = d
        .publish("瑷珲冬捕 开幕", json!({ "published_at": at(-7200) }))
        .await;
    let live = d
        .publish("瑷珲冬捕 现场", json!({ "published_at": at(-60) }))
        .await;
    let other = d
        .publish(
            "冬捕 渔获丰收",
            json!({ "category_id": guonei, "published_at": at(-3600) }),
        )
        .await;
    d.draft("瑷珲冬捕 草稿", json!({})).await;
    d.publish("瑷珲冬捕 预告", json!({ "published_at": at(3600) }))
        .await;
    d.publish(
        "瑷珲冬捕 下线",
        json!({ "published_at": at(-7200), "offline_at": at(-60) }),
    )
    .await;
    let trashed = d.publish("瑷珲冬捕 删除", json!({})).await;
    assert_eq!(
        d.delete_as(&format!("/api/v1/articles/{trashed}"), &d.t)
            .await,
        204
    );
    d.publish("瑷珲冬捕 归档", json!({ "status": "archived" }))
        .await;
    settled(&d, indexable(&d).await).await;
    let (served, builds) = (d.metric(SERVED).await, d.metric(BUILDS).await);

    let (hits, total) = found(&d, "冬捕", "").await;
    let mut sorted = hits.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [old, live, other], "visible ones only");
    assert_eq!(total, 3);
    for hidden in ["草稿", "预告", "下线", "删除", "归档"] {
        assert_eq!(found(&d, hidden, "").await.0, Vec::<i64>::new(), "{hidden}");
    }
    // Filters: channel, publish times.
    assert_eq!(found(&d, "冬捕", "&category=guonei").await.0, [other]);
    let before = enc(&at(-1800));
    let mut early = found(&d, "冬捕", &format!("&published_before={before}"))
        .await
        .0;
    early.sort_unstable();
    assert_eq!(early, [old, other]);
    let after = enc(&at(-5400));
    let mut late = found(&d, "冬捕", &format!("&published_after={after}"))
        .await
        .0;
    late.sort_unstable();
    assert_eq!(late, [live, other]);
    // Phrases keep their order; words need not.
    assert_eq!(found(&d, "\"瑷珲冬捕 现场\"", "").await.0, [live]);
    assert_eq!(
        found(&d, "\"现场 瑷珲冬捕\"", "").await.0,
        Vec::<i64>::new()
    );
    assert_eq!(found(&d, "现场 瑷珲", "").await.0, [live]);
    // Paging: per_page 1 walks every match once, with the total on each page.
    let mut paged = Vec::new();
    for page in 1..=4 {
        let (ids, total) = found(&d, "冬捕", &format!("&per_page=1&page={page}")).await;
        assert_eq!(total, 3);
        paged.extend(ids);
    }
    assert_eq!(paged, hits);
    // `/articles?q=` takes the same road.
    let listed = ids(&d
        .body(&format!("/api/v1/articles?q={}", enc("冬捕")), false)
        .await);
    assert_eq!(listed, hits);
    // Every search above, unless events made the postings rebuild meanwhile (then the
    // database answered some, as it should).
    let answered = d.metric(SERVED).await - served;
    if d.metric(BUILDS).await == builds {
        assert!(answered >= 17, "the postings answered {answered}");
    } else {
        assert!(answered >= 1, "the postings answered {answered}");
    }
    // Staff searches (drafts too) are the database's.
    let fell_back = d.metric(FELL_BACK).await;
    let staff = ids(&d.body(&search_path("草稿", ""), true).await);
    assert_eq!(staff.len(), 1);
    assert_eq!(d.metric(FELL_BACK).await - fell_back, 1);
}

#[tokio::test]
async fn writes_show_at_once_then_from_the_postings() {
    let d = postings_desk().await;
    let a = d.publish("冰灯游园会 开幕", json!({})).await;
    let b = d
        .publish("冰灯 艺术展", json!({ "published_at": at(-60) }))
        .await;
    settled(&d, indexable(&d).await).await;
    let mut both = found(&d, "冰灯", "").await.0;
    both.sort_unstable();
    assert_eq!(both, [a, b]);
    // No waiting: a search right after each write sees it (the changed article is checked in
    // the database until the postings hold its new state).
    d.edit(a, json!({ "title": "雪雕游园会 开幕" })).await;
    assert_eq!(found(&d, "冰灯", "").await.0, [b]);
    assert_eq!(found(&d, "雪雕", "").await.0, [a]);
    let path = format!("/api/v1/articles/{b}");
    assert_eq!(d.delete_as(&path, &d.t).await, 204);
    assert_eq!(found(&d, "冰灯", "").await, (vec![], json!(0)));
    let c = d.publish("冰灯 新作", json!({})).await;
    assert_eq!(found(&d, "冰灯", "").await.0, [c]);
    let res = d
        .call("POST", &format!("{path}/restore"), Some(&d.t), None)
        .await;
    assert_eq!(res.status(), 200);
    let (mut both, total) = found(&d, "冰灯", "").await;
    both.sort_unstable();
    assert_eq!((both, total), (vec![b, c], json!(2)));
    d.edit(c, json!({ "status": "draft" })).await;
    assert_eq!(found(&d, "冰灯", "").await.0, [b]);
    // Applied: the same answers come from the postings alone.
    settled(&d, indexable(&d).await).await;
    assert_eq!(found(&d, "冰灯", "").await, (vec![b], json!(1)));
    assert_eq!(found(&d, "雪雕", "").await.0, [a]);
}

#[tokio::test]
async fn a_scheduled_article_is_found_when_its_time_comes() {
    let d = postings_desk().await;
    let soon = d
        .publish("界江巡航 启程", json!({ "published_at": at(2) }))
        .await;
    settled(&d, indexable(&d).await).await;
    assert_eq!(found(&d, "巡航", "").await.0, Vec::<i64>::new());
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(found(&d, "巡航", "").await.0, [soon]);
}

#[tokio::test]
async fn common_queries_and_other_filters_are_left_to_the_database() {
    // The default share: a word in every article is found faster by walking the newest.
    let d = desk_with(|c| c.search_postings_max_share = 0.2).await;
    for i in 0..4 {
        d.publish(&format!("江畔晨练 第{i}期"), json!({})).await;
    }
    settled(&d, indexable(&d).await).await;
    let (served, fell_back) = (d.metric(SERVED).await, d.metric(FELL_BACK).await);
    assert_eq!(found(&d, "晨练", "").await.0.len(), 4);
    assert_eq!(d.metric(SERVED).await, served);
    assert_eq!(d.metric(FELL_BACK).await - fell_back, 1);
    // A filter the postings do not hold.
    let d = postings_desk().await;
    let id = d
        .publish("江畔晨练", json!({ "flags": { "featured": true } }))
        .await;
    settled(&d, indexable(&d).await).await;
    let fell_back = d.metric(FELL_BACK).await;
    let path = format!("/api/v1/articles?q={}&featured=true", enc("晨练"));
    assert_eq!(ids(&d.body(&path, false).await), [id]);
    assert_eq!(d.metric(FELL_BACK).await - fell_back, 1);
}

#[tokio::test]
async fn another_instance_follows_through_change_events() {
    let d = postings_desk().await;
    let first = d.publish("口岸通关 提速", json!({})).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let other = d
        .start_another(|c| {
            c.search_postings_max_share = 1.0;
            c.bind_addr = format!("127.0.0.1:{port}").parse().unwrap();
        })
        .await;
    let base = format!("http://127.0.0.1:{port}");
    // Built, then fed: a write here is seen there once its event arrives.
    found_there(&base, "通关", &[first], "the other instance never found it").await;
    let second = d.publish("口岸通关 再提速", json!({})).await;
    d.edit(first, json!({ "title": "口岸 客流" })).await;
    found_there(
        &base,
        "通关",
        &[second],
        "the other instance kept the old state",
    )
    .await;
    assert_eq!(search_there(&base, "客流").await, [first]);
    other.stop(true).await;
}

/// Waits (up to 10 s) until the instance at `base` finds exactly `want` for `q`.
async fn found_there(base: &str, q: &str, want: &[i64], why: &str) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let found = search_there(base, q).await;
        if found == want {
            return;
        }
        assert!(std::time::Instant::now() < until, "{why}: {found:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// What the instance at `base` finds for `q`.
async fn search_there(base: &str, q: &str) -> Vec<i64> {
    let url = format!("{base}{}", search_path(q, ""));
    let body: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    ids(&body)
}
