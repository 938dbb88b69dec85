//! Page blocks (页面区块): configured in the site settings, resolved on the article screen and
//! the front page with `include=blocks`; the reference page in one request.

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::seed::seed_demo;

const REFERENCE: &str = "/api/v1/articles/yin-di-zhi-yi-xin-zhi-sheng-chan-li";

fn titles(entries: &Value) -> Vec<String> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["article"]["title"].as_str().unwrap().to_owned())
        .collect()
}

fn block<'a>(blocks: &'a Value, key: &str) -> &'a Value {
    blocks
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key)
        .unwrap_or_else(|| panic!("no block {key} in {blocks}"))
}

fn block_keys(blocks: &Value) -> Vec<String> {
    blocks
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_reference_article_page_comes_in_one_request() {
    let app = spawn_app().await;
    seed_demo(&app).await;
    let (status, page) = app
        .get_as(&format!("{REFERENCE}?include=blocks,site"), None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["title"], "因地制宜推动黑河新质生产力发展");
    // The page's side lists, in its order, each with articles.
    let blocks = &page["blocks"];
    let heads: Vec<&str> = blocks
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        heads,
        ["黑河时政", "相关新闻", "点击排行", "黑河时政", "影音黑河"]
    );
    for b in blocks.as_array().unwrap() {
        assert!(
            !b["entries"].as_array().unwrap().is_empty(),
            "empty block {b}"
        );
    }
    assert_eq!(
        titles(&block(blocks, "xiangguan")["entries"]),
        [
            "以大规模设备更新促进高质量发展",
            "发挥以旧换新对扩内需的牵引作用",
            "做好消费品以旧换新这篇大文章",
            "加快建设高质量韧性安全城市"
        ]
    );
    assert_eq!(
        block(blocks, "xiangguan")["more_url"],
        "/articles/yin-di-zhi-yi-xin-zhi-sheng-chan-li/related"
    );
    let shizheng = block(blocks, "shizheng");
    assert_eq!(shizheng["channel"]["slug"], "shizheng");
    assert_eq!(shizheng["more_url"], "/categories/shizheng");
    for e in shizheng["entries"].as_array().unwrap() {
        assert_eq!(e["article"]["category"]["slug"], "shizheng");
    }
    let media = &block(blocks, "yingyin")["entries"];
    let kinds: Vec<&str> = media
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["article"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"video") && kinds.contains(&"audio"),
        "{kinds:?}"
    );
    assert!(kinds.iter().all(|k| *k == "video" || *k == "audio"));
    let ranked = &block(blocks, "dianji")["entries"];
    assert_eq!(ranked[0]["rank"], 1);
    assert!(ranked[0]["views"].as_i64().unwrap() > 0, "{ranked}");
    // The page chrome comes along: header, navigation, footer.
    assert_eq!(page["site"]["name"], "黑河新闻网");
    assert_eq!(page["site"]["navigation"].as_array().unwrap().len(), 13);
    assert_eq!(
        page["site"]["footer"]["notice"],
        "未经授权禁止复制或建立镜像"
    );
    // Without the includes, neither is there.
    let (_, plain) = app.get_as(REFERENCE, None).await;
    assert!(plain.get("blocks").is_none() && plain.get("site").is_none());

    // The front page's blocks.
    let (status, home) = app.get_as("/api/v1/home?include=blocks", None).await;
    assert_eq!(status, 200, "{home}");
    assert_eq!(
        block_keys(&home["blocks"]),
        ["yingyin", "lilun", "pinglun", "dianji-yue"]
    );
    let (_, home) = app.get_as("/api/v1/home", None).await;
    assert!(home.get("blocks").is_none());
    let res = app.get("/api/v1/home?include=site").send().await.unwrap();
    assert_problem(res, 400, "validation_failed").await;
}

#[tokio::test]
async fn admins_configure_the_blocks_and_the_screens_follow_at_once() {
    let app = spawn_app().await;
    seed_demo(&app).await;
    let mut conn = app.conn().await;
    newsdesk::seed::boards::run(&mut conn).await.unwrap();
    let admin = app.token(Role::Admin).await;
    let lilun = app.category_id("lilun").await;
    let screen = format!("{REFERENCE}?include=blocks");
    let (_, before) = app.get_as(&screen, None).await;
    assert_eq!(before["blocks"].as_array().unwrap().len(), 5);

    let blocks = json!({
        "article": [
            { "key": "lilun", "title": "  理论  ", "list": "channel", "channel": lilun,
              "descendants": false, "limit": 2, "more_url": "https://heihe.dbw.cn/lilun" },
            { "key": "tou-tiao", "title": "头条", "list": "board", "board": "tou-tiao", "limit": 3 },
            { "key": "day", "title": "今日排行", "list": "most_read", "window": "day",
              "channel": lilun, "limit": 5 },
            { "key": "video", "title": "视频", "list": "latest", "kinds": ["video"], "limit": 2 },
        ],
    });
    let res = app
        .client
        .patch(app.url("/api/v1/site"))
        .bearer_auth(&admin)
        .header("If-Match", "\"v1\"")
        .json(&json!({ "blocks": blocks }))
        .send()
        .await
        .unwrap();
    let (status, site) = status_json(res).await;
    assert_eq!(status, 200, "{site}");
    assert_eq!(site["blocks"]["article"][0]["title"], "理论");
    assert_eq!(site["blocks"]["article"][1]["descendants"], true);
    // The front page's blocks were not sent: unchanged.
    assert_eq!(site["blocks"]["home"].as_array().unwrap().len(), 4);

    // The cached screen is dropped with the settings.
    let (_, after) = app.get_as(&screen, None).await;
    assert_eq!(
        block_keys(&after["blocks"]),
        ["lilun", "tou-tiao", "day", "video"]
    );
    let lilun_block = block(&after["blocks"], "lilun");
    assert_eq!(lilun_block["entries"].as_array().unwrap().len(), 2);
    assert_eq!(lilun_block["more_url"], "https://heihe.dbw.cn/lilun");
    for e in lilun_block["entries"].as_array().unwrap() {
        assert_eq!(e["article"]["category"]["slug"], "lilun");
    }
    let board = block(&after["blocks"], "tou-tiao");
    assert!(board["entries"].as_array().unwrap().len() <= 3);
    assert_eq!(board["list"], "board");
    let video = &block(&after["blocks"], "video")["entries"];
    assert_eq!(video.as_array().unwrap().len(), 2);
    assert!(
        video
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["article"]["kind"] == "video")
    );

    // A hidden channel's block is left out for the public, and back when it is shown.
    let (status, body) = app
        .patch_json(
            &format!("/api/v1/categories/{lilun}"),
            &admin,
            json!({ "visible": false }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, page) = app
        .get_as("/api/v1/articles/fa-hui-yi-jiu-huan-xin-dui-kuo-nei-xu-qian-yin-zuo-yong?include=blocks", None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(block_keys(&page["blocks"]), ["tou-tiao", "video"]);
    let (status, body) = app
        .patch_json(
            &format!("/api/v1/categories/{lilun}"),
            &admin,
            json!({ "visible": true }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = app
        .get_as("/api/v1/articles/fa-hui-yi-jiu-huan-xin-dui-kuo-nei-xu-qian-yin-zuo-yong?include=blocks", None)
        .await;
    assert_eq!(
        block_keys(&page["blocks"]),
        ["lilun", "tou-tiao", "day", "video"]
    );
}

#[tokio::test]
async fn block_rules_are_checked_and_nothing_changes_on_an_error() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let guonei = app.category_id("guonei").await;
    let (_, before) = app.get_as("/api/v1/site", Some(&admin)).await;
    let ok =
        json!({ "key": "k", "title": "国内", "list": "channel", "channel": guonei, "limit": 5 });
    let with = |patch: Value| {
        let mut b = ok.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        json!({ "blocks": { "article": [b] } })
    };
    let many: Vec<Value> = (0..13)
        .map(|i| json!({ "key": format!("k{i}"), "title": "t", "list": "latest", "limit": 1 }))
        .collect();
    let cases = [
        (with(json!({ "key": "Bad Key" })), "blocks.article[0].key"),
        (with(json!({ "key": "-k" })), "blocks.article[0].key"),
        (with(json!({ "title": "" })), "blocks.article[0].title"),
        (
            with(json!({ "title": "长".repeat(33) })),
            "blocks.article[0].title",
        ),
        (with(json!({ "limit": 0 })), "blocks.article[0].limit"),
        (with(json!({ "limit": 21 })), "blocks.article[0].limit"),
        (
            with(json!({ "channel": null })),
            "blocks.article[0].channel",
        ),
        (
            with(json!({ "channel": 999_999 })),
            "blocks.article[0].channel",
        ),
        (
            with(json!({ "kinds": ["video", "video"] })),
            "blocks.article[0].kinds",
        ),
        (with(json!({ "window": "day" })), "blocks.article[0].window"),
        (
            with(json!({ "board": "tou-tiao" })),
            "blocks.article[0].board",
        ),
        (
            with(json!({ "more_url": "//evil.example.com/" })),
            "blocks.article[0].more_url",
        ),
        (
            with(json!({ "more_url": "javascript:alert(1)" })),
            "blocks.article[0].more_url",
        ),
        (
            with(json!({ "list": "board", "channel": null, "board": "no-such-board" })),
            "blocks.article[0].board",
        ),
        (
            with(json!({ "list": "board", "channel": null })),
            "blocks.article[0].board",
        ),
        (
            with(json!({ "list": "most_read", "kinds": ["video"] })),
            "blocks.article[0].kinds",
        ),
        (
            json!({ "blocks": { "home": [{ "key": "r", "title": "相关", "list": "related", "limit": 4 }] } }),
            "blocks.home[0].list",
        ),
        (
            json!({ "blocks": { "home": [{ "key": "x", "title": "x", "list": "latest", "limit": 4, "more_url": "/a/{slug}" }] } }),
            "blocks.home[0].more_url",
        ),
        (
            json!({ "blocks": { "article": [ok, ok] } }),
            "blocks.article[1].key",
        ),
        (json!({ "blocks": { "article": many } }), "blocks.article"),
        // (Shapes serde refuses are reported on `blocks`, the message says where inside.)
        (with(json!({ "list": "everything" })), "blocks"),
        (with(json!({ "extra": 1 })), "blocks"),
        (json!({ "blocks": { "article": [["k", "t"]] } }), "blocks"),
        (json!({ "blocks": [] }), "blocks"),
    ];
    for (body, field) in cases {
        let res = app
            .call("PATCH", "/api/v1/site", Some(&admin), Some(body.clone()))
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem).iter().any(|f| f.starts_with(field)),
            "{body}: want an error on {field}, got {problem}"
        );
        let (_, now) = app.get_as("/api/v1/site", Some(&admin)).await;
        assert_eq!(now, before, "{body} changed the settings");
    }
}
