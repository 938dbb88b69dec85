//! Site settings (站点设置): `GET /api/v1/site` (public) and `PATCH` (admins).

use newsdesk::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::*;

fn nav_slugs(site: &Value) -> Vec<String> {
    site["navigation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// The settings as staff see them (the stored state, with version and time).
async fn stored(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get_as("/api/v1/site", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn patch_site(app: &TestApp, token: Option<&str>, body: Value) -> reqwest::Response {
    app.call("PATCH", "/api/v1/site", token, Some(body)).await
}

#[tokio::test]
async fn the_seeded_site_has_the_portals_slogans_footer_and_channels() {
    let app = spawn_app().await;
    app.seed().await;
    let res = app.get("/api/v1/site").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(header(&res, "cache-control").starts_with("public, max-age="));
    let etag = header(&res, "etag");
    assert!(!etag.is_empty());
    let site: Value = res.json().await.unwrap();
    assert_eq!(site["name"], "黑河新闻网");
    assert_eq!(site["url"], "https://heihe.dbw.cn");
    let slogans = site["slogans"].as_array().unwrap();
    assert_eq!(slogans.len(), 13);
    assert_eq!(slogans[0]["text"], "垃圾分类齐参与,美丽黑河共受益。");
    // As the page has it, down to the space before the full stop.
    assert_eq!(slogans[12]["text"], "安全用气不离人,保证通风常换气 。");
    assert!(slogans[0]["url"].is_null());
    // The page's footer, typed.
    assert_eq!(
        site["footer"],
        json!({
            "copyright": "Copyright©2002-2006 HEIHECHINA.com All Rights Reserved.",
            "lines": ["版权所有©黑龙江东北网络台 中共黑河市委宣传部 黑河日报社 主办"],
            "contact_label": "黑河新闻网联系方式",
            "phone": "0456-8223257",
            "qq": "2730088696",
            "email": "tym4673@126.com",
            "address": null,
            "report": {
                "name": "中国互联网违法和不良信息举报中心",
                "url": "https://www.12377.cn/",
                "phone_label": "本网站违法和不良信息举报电话",
                "phone": "0456-8223216",
            },
            "icp": null,
            "notice": "未经授权禁止复制或建立镜像",
        })
    );
    // The article screen's blocks in the page's order, the front page's after them.
    let keys = |screen: &str| -> Vec<String> {
        site["blocks"][screen]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                format!(
                    "{}:{}",
                    b["title"].as_str().unwrap(),
                    b["list"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        keys("article"),
        [
            "黑河时政:channel",
            "相关新闻:related",
            "点击排行:most_read",
            "黑河时政:channel",
            "影音黑河:latest"
        ]
    );
    assert_eq!(
        site["blocks"]["article"][0]["channel"],
        app.category_id("shizheng").await
    );
    assert_eq!(
        site["blocks"]["article"][4]["kinds"],
        json!(["video", "audio"])
    );
    assert_eq!(keys("home").len(), 4);
    assert_eq!(nav_slugs(&site), SEEDED_NAV);
    let first = &site["navigation"][0];
    assert_eq!(first["name"], "国内要闻");
    let path: Vec<&str> = first["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["dbw", "heihe", "guonei"]);
    assert_eq!(site["version"], 1);

    // Cached publicly: the same ETag answers 304.
    let res = app
        .get("/api/v1/site")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    // Seeding again leaves the settings alone.
    app.seed().await;
    assert_eq!(
        app.sql_i64("SELECT version::bigint AS n FROM site_settings")
            .await,
        1
    );
}

#[tokio::test]
async fn without_settings_the_site_answers_defaults() {
    let app = spawn_app().await;
    let (status, site) = app.get_as("/api/v1/site", None).await;
    assert_eq!(status, 200, "{site}");
    assert_eq!(site["name"], "newsdesk");
    assert_eq!(site["slogans"], json!([]));
    assert_eq!(site["navigation"], json!([]));
    assert!(site["footer"]["email"].is_null() && site["logo_url"].is_null());
    assert_eq!(site["footer"]["lines"], json!([]));
    assert_eq!(site["blocks"], json!({ "article": [], "home": [] }));
    assert!(site["updated_at"].is_null());
    assert_eq!(site["version"], 0);
}

#[tokio::test]
async fn admins_change_only_what_they_send_and_clear_with_null() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let before = stored(&app, &admin).await;

    let res = patch_site(
        &app,
        Some(&admin),
        json!({
            "name": "  黑河新闻  ",
            "logo_url": "https://cdn.example.com/logo.png",
            "footer": { "phone": null, "icp": "黑ICP备00000000号" },
        }),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), "\"v2\"");
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    let site: Value = res.json().await.unwrap();
    assert_eq!(site["name"], "黑河新闻");
    assert_eq!(site["footer"]["qq"], before["footer"]["qq"]);
    assert_eq!(site["footer"]["report"], before["footer"]["report"]);
    assert_eq!(site["logo_url"], "https://cdn.example.com/logo.png");
    assert!(site["footer"]["phone"].is_null());
    assert_eq!(site["footer"]["icp"], "黑ICP备00000000号");
    assert_eq!(site["footer"]["email"], before["footer"]["email"]);
    assert_eq!(site["footer"]["copyright"], before["footer"]["copyright"]);
    assert_eq!(site["slogans"], before["slogans"]);
    assert_eq!(site["navigation"], before["navigation"]);
    assert_eq!(site["version"], 2);

    // Lists are replaced as a whole, in the order sent; null clears the logo.
    let shehui = app.category_id("shehui").await;
    let guonei = app.category_id("guonei").await;
    let (status, site) = app
        .patch_json(
            "/api/v1/site",
            &admin,
            json!({
                "logo_url": null,
                "slogans": [{ "text": "新口号", "url": "https://example.com/x" }, { "text": "二" }],
                "navigation": [shehui, guonei],
            }),
        )
        .await;
    assert_eq!(status, 200, "{site}");
    assert!(site["logo_url"].is_null());
    assert_eq!(
        site["slogans"],
        json!([{ "text": "新口号", "url": "https://example.com/x" }, { "text": "二", "url": null }])
    );
    assert_eq!(nav_slugs(&site), ["shehui", "guonei"]);

    // The public sees the change.
    let (_, public) = app.get_as("/api/v1/site", None).await;
    assert_eq!(public["name"], "黑河新闻");
    assert_eq!(nav_slugs(&public), ["shehui", "guonei"]);
    assert!(public["footer"]["phone"].is_null());
}

#[tokio::test]
async fn the_first_change_creates_the_settings() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let (status, site) = app
        .patch_json("/api/v1/site", &admin, json!({ "name": "晚报" }))
        .await;
    assert_eq!(status, 200, "{site}");
    assert_eq!(site["name"], "晚报");
    assert_eq!(site["version"], 1);
    assert_eq!(site["slogans"], json!([]));
}

#[tokio::test]
async fn every_rule_is_checked_and_nothing_changes_on_an_error() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let guonei = app.category_id("guonei").await;
    let before = stored(&app, &admin).await;
    let many_slogans: Vec<Value> = (0..21)
        .map(|i| json!({ "text": format!("s{i}") }))
        .collect();
    let many_channels: Vec<i64> = (0..31).map(|i| guonei + i).collect();
    let long_url = format!("https://example.com/{}", "a".repeat(2048));
    let cases = [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "长".repeat(65) }), "name"),
        (
            json!({ "logo_url": "ftp://example.com/logo.png" }),
            "logo_url",
        ),
        (json!({ "logo_url": "/logo.png" }), "logo_url"),
        (json!({ "url": "heihe.dbw.cn" }), "url"),
        (json!({ "logo_url": long_url }), "logo_url"),
        (json!({ "slogans": many_slogans }), "slogans"),
        (json!({ "slogans": [{ "text": "" }] }), "slogans[0].text"),
        (
            json!({ "slogans": [{ "text": "ok" }, { "text": "字".repeat(101) }] }),
            "slogans[1].text",
        ),
        (
            json!({ "slogans": [{ "text": "ok", "url": "javascript:alert(1)" }] }),
            "slogans[0].url",
        ),
        (json!({ "navigation": many_channels }), "navigation"),
        (json!({ "navigation": [guonei, guonei] }), "navigation[1]"),
        (json!({ "navigation": [999_999] }), "navigation[0]"),
        (
            json!({ "footer": { "copyright": "x".repeat(201) } }),
            "footer.copyright",
        ),
        (json!({ "footer": { "phone": "" } }), "footer.phone"),
        (json!({ "footer": { "phone": "call me" } }), "footer.phone"),
        (json!({ "footer": { "qq": "qq2730088696" } }), "footer.qq"),
        (
            json!({ "footer": { "lines": ["ok", ""] } }),
            "footer.lines[1]",
        ),
        (
            json!({ "footer": { "lines": vec!["l"; 11] } }),
            "footer.lines",
        ),
        (
            json!({ "footer": { "notice": "a\u{1}b" } }),
            "footer.notice",
        ),
        (
            json!({ "footer": { "report": { "name": "中心", "phone": "举报" } } }),
            "footer.report.phone",
        ),
        (
            json!({ "footer": { "report": { "name": "", "url": "javascript:x" } } }),
            "footer.report.url",
        ),
        (json!({ "footer": { "report": ["中心"] } }), "footer"),
        (
            json!({ "footer": { "address": "a".repeat(201) } }),
            "footer.address",
        ),
        (json!({ "footer": { "icp": "a\u{1}b" } }), "footer.icp"),
        (
            json!({ "footer": { "email": "not-an-email" } }),
            "footer.email",
        ),
        (
            json!({ "footer": { "email": format!("{}@example.com", "a".repeat(200)) } }),
            "footer.email",
        ),
        // Objects must be objects (serde alone would build them from arrays of values).
        (json!({ "footer": [null, null] }), "footer"),
        (json!({ "slogans": [["口号", null]] }), "slogans"),
        (json!({ "slogans": "口号" }), "slogans"),
        // A valid change next to an invalid one is not applied either.
        (
            json!({ "name": "改名", "navigation": [999_999] }),
            "navigation[0]",
        ),
    ];
    for (body, field) in cases {
        let res = patch_site(&app, Some(&admin), body.clone()).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert!(
            field_errors(&problem).iter().any(|f| f == field),
            "{body}: want an error on {field}, got {problem}"
        );
        assert_eq!(
            stored(&app, &admin).await,
            before,
            "{body} changed the settings"
        );
    }
}

#[tokio::test]
async fn only_admins_may_change_the_site() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let before = stored(&app, &admin).await;
    let body = json!({ "name": "改名" });
    assert_problem(
        patch_site(&app, None, body.clone()).await,
        401,
        "unauthorized",
    )
    .await;
    for role in [Role::Editor, Role::Writer] {
        let token = app.token(role).await;
        assert_problem(
            patch_site(&app, Some(&token), body.clone()).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_eq!(stored(&app, &admin).await, before);
}

#[tokio::test]
async fn a_stale_if_match_is_refused() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .get("/api/v1/site")
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "etag"), "\"v1\"");
    assert_eq!(header(&res, "cache-control"), "private, no-store");

    let send = |tag: &'static str, name: &'static str| {
        app.client
            .patch(app.url("/api/v1/site"))
            .bearer_auth(&admin)
            .header("If-Match", tag)
            .json(&json!({ "name": name }))
            .send()
    };
    let res = send("\"v1\"", "第一").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), "\"v2\"");
    let before = stored(&app, &admin).await;
    let res = send("\"v1\"", "第二").await.unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    assert_eq!(stored(&app, &admin).await, before);
    assert_eq!(before["name"], "第一");
}

#[tokio::test]
async fn hidden_and_deleted_channels_are_left_out_for_the_public() {
    let app = spawn_app().await;
    app.seed().await;
    let admin = app.token(Role::Admin).await;
    let shengtai = app.category_id("shengtai").await;
    let shikong = app.category_id("shikong").await;
    let (status, body) = app
        .patch_json(
            &format!("/api/v1/categories/{shengtai}"),
            &admin,
            json!({ "visible": false }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.delete_as(&format!("/api/v1/categories/{shikong}"), &admin)
            .await,
        204
    );

    let (_, public) = app.get_as("/api/v1/site", None).await;
    let slugs = nav_slugs(&public);
    assert!(!slugs.contains(&"shengtai".to_owned()) && !slugs.contains(&"shikong".to_owned()));
    assert_eq!(slugs.len(), SEEDED_NAV.len() - 2);

    // Staff see the hidden one, marked; the deleted one is gone for everybody.
    let staff = stored(&app, &admin).await;
    let hidden: Vec<&Value> = staff["navigation"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["slug"] == "shengtai")
        .collect();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0]["visible"], false);
    assert!(!nav_slugs(&staff).contains(&"shikong".to_owned()));
}
