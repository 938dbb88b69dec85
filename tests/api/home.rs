//! One request per screen: `GET /home` and `GET /articles/{key}?include=…`.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

fn slugs(list: &Value, path: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.pointer(path).unwrap().as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn home_has_site_headline_channel_blocks_and_most_read() {
    let app = spawn_app().await;
    app.seed().await;
    let t = app.token(Role::Editor).await;
    // Newer than every demo article, so it leads its channel's block; a draft and a scheduled
    // one never show.
    let newest = app
        .publish_in(&t, "shizheng", "首页频道区块的最新稿件")
        .await;
    let cat = app.category_id("shizheng").await;
    let draft = app
        .create_article(
            &t,
            json!({ "title": "首页不显示的草稿", "category_id": cat }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let scheduled = app
        .create_article(
            &t,
            json!({ "title": "首页不显示的定时稿", "category_id": cat, "status": "published",
                    "published_at": at(3600) }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let admin = app.token(Role::Admin).await;
    let (status, body) = app
        .post_json(
            "/api/v1/rankings",
            &admin,
            json!({ "slug": "tou-tiao", "title": "头条", "kind": "curated" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let res = app
        .put("/api/v1/rankings/tou-tiao/entries")
        .bearer_auth(&admin)
        .json(&json!([{ "article_id": newest }]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.beacon(&newest.to_string(), Some("v1"), "Mozilla/5.0")
        .await;
    app.wait_for_i64(
        &format!("SELECT view_count AS n FROM articles WHERE id = {newest}"),
        1,
    )
    .await;

    let res = app.get("/api/v1/home").send().await.unwrap();
    let etag = header(&res, "etag");
    assert!(header(&res, "cache-control").starts_with("public, max-age="));
    let (status, home) = status_json(res).await;
    assert_eq!(status, 200, "{home}");

    let (_, site) = app.get_as("/api/v1/site", None).await;
    assert_eq!(
        home["site"], site,
        "the site settings as GET /site answers them"
    );
    // The blocks follow the navigation, in order.
    assert_eq!(
        slugs(&home["channels"], "/channel/slug"),
        slugs(&site["navigation"], "/slug")
    );
    let blocks = home["channels"].as_array().unwrap();
    assert_eq!(blocks.len(), 13);
    let mut shown = Vec::new();
    for block in blocks {
        let articles = block["articles"].as_array().unwrap();
        assert!(articles.len() <= 6);
        let dates: Vec<&str> = articles
            .iter()
            .map(|a| a["published_at"].as_str().unwrap())
            .collect();
        let mut sorted = dates.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(
            dates, sorted,
            "newest first in {}",
            block["channel"]["slug"]
        );
        for a in articles {
            assert_eq!(a["status"], "published");
            shown.push(a["id"].as_i64().unwrap());
        }
    }
    let shizheng = blocks
        .iter()
        .find(|b| b["channel"]["slug"] == "shizheng")
        .unwrap();
    assert_eq!(shizheng["articles"][0]["id"], json!(newest));
    assert!(!shown.contains(&draft) && !shown.contains(&scheduled));
    // The headline board and the week's most-read.
    assert_eq!(home["headline"]["slug"], "tou-tiao");
    assert_eq!(
        home["headline"]["entries"][0]["article"]["id"],
        json!(newest)
    );
    let most_read = home["most_read"].as_array().unwrap();
    assert!(most_read.len() <= 10);
    assert!(
        most_read
            .iter()
            .any(|r| r["article"]["id"] == json!(newest)),
        "{most_read:?}"
    );

    // Revalidation.
    let res = app
        .get("/api/v1/home")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    // Sizes, a missing headline board, bad parameters; staff get the same, uncached.
    let (_, small) = app
        .get_as("/api/v1/home?per_channel=1&most_read=1&headline=nope", None)
        .await;
    assert!(small["headline"].is_null());
    assert!(small["most_read"].as_array().unwrap().len() <= 1);
    for block in small["channels"].as_array().unwrap() {
        assert!(block["articles"].as_array().unwrap().len() <= 1);
    }
    for q in [
        "per_channel=0",
        "per_channel=21",
        "most_read=51",
        "per_channel=x",
    ] {
        let res = app.get(&format!("/api/v1/home?{q}")).send().await.unwrap();
        assert_problem(res, 400, "validation_failed").await;
    }
    let res = app
        .get("/api/v1/home")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "cache-control"), "private, no-store");
}

#[tokio::test]
async fn home_without_navigation_uses_the_top_level_channels_and_hides_hidden_ones() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let (status, body) = app
        .patch_json("/api/v1/site", &admin, json!({ "navigation": [] }))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post_json(
            "/api/v1/categories",
            &admin,
            json!({ "slug": "hidden-root", "name": "隐藏的频道", "visible": false }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post_json(
            "/api/v1/categories",
            &admin,
            json!({ "slug": "second-root", "name": "第二个顶级频道" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, home) = app.get_as("/api/v1/home", None).await;
    // The seeded tree has one root (东北网); the hidden root is left out.
    assert_eq!(
        slugs(&home["channels"], "/channel/slug"),
        vec!["dbw", "second-root"]
    );
}

/// The number of statements one `/home` costs does not grow with the number of channels.
#[tokio::test]
async fn home_costs_a_fixed_number_of_queries() {
    let dir = std::env::temp_dir().join(format!("newsdesk-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join(format!("trace-{}.sql", rand_suffix()));
    let path = trace.clone();
    let app = spawn_app_with(move |c| {
        c.sql_trace_file = Some(path);
        // No background statements in the trace: the scheduler and the webhook worker poll.
        c.scheduler_interval = 3600.0;
        c.webhook_worker = false;
    })
    .await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let cost = |nav: &'static [&'static str]| {
        let app = &app;
        let admin = admin.clone();
        let trace = trace.clone();
        async move {
            let mut ids = Vec::new();
            for slug in nav {
                ids.push(app.category_id(slug).await);
            }
            let nav = json!(ids);
            let (status, body) = app
                .patch_json("/api/v1/site", &admin, json!({ "navigation": nav }))
                .await;
            assert_eq!(status, 200, "{body}");
            // Warm the caches (channel tree, most-read), then count one request's statements.
            app.get_as("/api/v1/home?per_channel=3", None).await;
            let before = std::fs::read_to_string(&trace).unwrap().lines().count();
            let (status, home) = app.get_as("/api/v1/home?per_channel=3", None).await;
            assert_eq!(status, 200);
            let after = std::fs::read_to_string(&trace).unwrap().lines().count();
            (after - before, home["channels"].as_array().unwrap().len())
        }
    };
    let (two, n2) = cost(&["shizheng", "shehui"]).await;
    let (all, n13) = cost(&SEEDED_NAV).await;
    assert_eq!((n2, n13), (2, 13));
    assert_eq!(two, all, "statements per /home with 2 and with 13 channels");
    assert!(all <= 12, "{all} statements");
    let _ = std::fs::remove_dir_all(&dir);
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[tokio::test]
async fn an_article_screen_in_one_request() {
    let app = spawn_app().await;
    app.seed().await;
    let t = app.token(Role::Editor).await;
    let older = app.publish_in(&t, "shehui", "社会新闻较早的一篇").await;
    let subject = app.publish_in(&t, "shehui", "社会新闻当前这篇").await;
    let newer = app.publish_in(&t, "shehui", "社会新闻最新的一篇").await;

    let (status, plain) = app
        .get_as(&format!("/api/v1/articles/{subject}"), None)
        .await;
    assert_eq!(status, 200);
    for key in ["related", "latest_in_category", "most_read"] {
        assert!(plain.get(key).is_none(), "{key} only when asked for");
    }

    let res = app
        .get(&format!(
            "/api/v1/articles/{subject}?include=related,latest_in_category,most_read"
        ))
        .send()
        .await
        .unwrap();
    assert!(!header(&res, "etag").is_empty());
    let (status, full) = status_json(res).await;
    assert_eq!(status, 200, "{full}");
    assert!(full["related"].is_array());
    let latest: Vec<i64> = full["latest_in_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert!(latest.len() <= 5 && !latest.is_empty());
    assert_eq!(latest[0], newer, "newest first");
    assert!(latest.contains(&older));
    assert!(!latest.contains(&subject), "never the article itself");
    for a in full["latest_in_category"].as_array().unwrap() {
        assert_eq!(a["category"]["slug"], "shehui");
    }
    let (_, week) = app
        .get_as("/api/v1/rankings/most-read?window=week&limit=10", None)
        .await;
    assert_eq!(full["most_read"], week["data"]);

    // One of them alone; unknown names are 400.
    let (_, one) = app
        .get_as(
            &format!("/api/v1/articles/{subject}?include=most_read"),
            None,
        )
        .await;
    assert!(one.get("related").is_none() && one["most_read"].is_array());
    for bad in ["bogus", "related,,x", "RELATED"] {
        let res = app
            .get(&format!("/api/v1/articles/{subject}?include={bad}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 400, "validation_failed").await;
    }
}
