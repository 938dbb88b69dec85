//! Demo articles and synthetic articles from `newsdesk::seed`.

use newsdesk::models::user::Role;
use serde_json::Value;

use crate::helpers::*;

const REFERENCE: &str = "/api/v1/articles/yin-di-zhi-yi-xin-zhi-sheng-chan-li";
const ADMIN: &str = "chief@example.com";

/// The tree and sources, an admin, then the demo articles; returns how many were created.
pub async fn seed_demo(app: &TestApp) -> usize {
    app.seed().await;
    let mut conn = app.conn().await;
    if newsdesk::models::user::find_by_email(&mut conn, ADMIN)
        .await
        .unwrap()
        .is_none()
    {
        app.create_user(ADMIN, Role::Admin).await;
    }
    newsdesk::seed::articles::run(&mut conn, Some(ADMIN))
        .await
        .unwrap()
        .articles_created
}

async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let mut req = app.get(path);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_reference_article_is_seeded_as_on_the_page() {
    let app = spawn_app().await;
    let created = seed_demo(&app).await;
    assert_eq!(created, 59, "demo articles");

    let a = get_json(&app, REFERENCE, None).await;
    assert_eq!(a["kicker"], "重点把握以“新”促“质”");
    assert_eq!(a["title"], "因地制宜推动黑河新质生产力发展");
    assert_eq!(a["status"], "published");
    assert_eq!(a["kind"], "article");
    assert_eq!(a["published_at"], "2024-06-28T01:53:21Z");
    assert_eq!(names(&a["authors"], "name"), ["张庆梅", "孙惠"]);
    assert_eq!(
        names(&a["authors"], "affiliation"),
        ["黑河市委讲师团", "黑河市委讲师团"]
    );
    assert_eq!(a["source"]["name"], "黑河日报");
    assert_eq!(a["source"]["slug"], "heihe-daily");
    assert_eq!(a["editor"]["display_name"], "吴岩");
    assert_eq!(a["category"]["slug"], "lilun");
    assert_eq!(
        names(&a["category"]["path"], "name"),
        ["东北网", "黑河新闻网", "理论"]
    );
    let tags = names(&a["tags"], "name");
    for t in ["新质生产力", "高质量发展", "黑河"] {
        assert!(tags.iter().any(|x| x == t), "{tags:?}");
    }
    let body = a["body"].as_str().unwrap();
    assert!(body.starts_with("<p>新质生产力自2023年9月"), "{body}");
    assert!(
        body.ends_with("<p>(作者单位为黑河市委讲师团)</p>"),
        "{body}"
    );
    assert_eq!(body.matches("<p>").count(), 6);
    assert!(
        a["word_count"].as_i64().unwrap() > 1500,
        "{}",
        a["word_count"]
    );
    let summary = a["summary"].as_str().unwrap();
    assert!(summary.starts_with("新质生产力") && summary.chars().count() <= 121);
    // 相关新闻 as the page lists them (editors' picks, in order), 上一篇 and 下一篇 in 理论.
    let screen = get_json(&app, &format!("{REFERENCE}?include=related"), None).await;
    assert_eq!(
        names(&screen["related"], "title")[..4],
        [
            "以大规模设备更新促进高质量发展",
            "发挥以旧换新对扩内需的牵引作用",
            "做好消费品以旧换新这篇大文章",
            "加快建设高质量韧性安全城市"
        ]
    );
    assert!(
        screen["prev"]["id"].is_i64() && screen["next"]["id"].is_i64(),
        "{screen}"
    );
    // 点击排行 has a ranking for every window.
    for window in ["day", "week", "month"] {
        let path = format!("/api/v1/rankings/most-read?window={window}&limit=10");
        let ranked = get_json(&app, &path, None).await;
        assert_eq!(ranked["data"].as_array().unwrap().len(), 10, "{window}");
    }

    // The other demo articles: several channels, one headline, one featured, one video.
    let list = get_json(&app, "/api/v1/articles?per_page=100", None).await;
    assert_eq!(list["meta"]["total"], created);
    let items = list["data"].as_array().unwrap();
    let channels: std::collections::HashSet<_> = items
        .iter()
        .map(|i| i["category"]["slug"].clone())
        .collect();
    assert!(channels.len() >= 6, "{channels:?}");
    assert!(items.iter().any(|i| i["flags"]["headline"] == true));
    assert!(items.iter().any(|i| i["flags"]["featured"] == true));
    let video = items.iter().find(|i| i["kind"] == "video").unwrap();
    let detail = get_json(&app, &format!("/api/v1/articles/{}", video["id"]), None).await;
    let media = detail["media_url"].as_str().unwrap();
    assert!(
        media.starts_with("https://") && media.ends_with(".mp4"),
        "{media}"
    );
    // 影音黑河 has both kinds; every navigation channel has articles to show.
    for kind in ["video", "audio"] {
        let n = items.iter().filter(|i| i["kind"] == kind).count();
        assert!(n >= 3, "{n} {kind} items");
    }
    for slug in SEEDED_NAV {
        let n = items
            .iter()
            .filter(|i| i["category"]["slug"] == slug)
            .count();
        assert!(n >= 4, "{slug} has {n} demo articles");
    }
}

#[tokio::test]
async fn seeding_twice_creates_nothing_new() {
    let app = spawn_app().await;
    let first = seed_demo(&app).await;
    assert!(first > 0);
    assert_eq!(seed_demo(&app).await, 0);
    let list = get_json(&app, "/api/v1/articles?per_page=1", None).await;
    assert_eq!(list["meta"]["total"], first);
    let authors = get_json(&app, "/api/v1/authors?q=黑河市委讲师团", None).await;
    assert_eq!(authors["meta"]["total"], 2, "{authors}");
}

#[tokio::test]
async fn synthetic_articles_are_generated_in_batches() {
    let app = spawn_app().await;
    let demo = seed_demo(&app).await;
    let mut conn = app.conn().await;
    let report = newsdesk::seed::synthetic::run(&mut conn, 300, None, false)
        .await
        .unwrap();
    assert_eq!(report.articles_created, 300);
    assert_eq!(report.authors_created, 200);

    let staff = app.token(Role::Editor).await;
    let all = get_json(&app, "/api/v1/articles?per_page=1", Some(&staff)).await;
    assert_eq!(all["meta"]["total"], 300 + demo);
    let public = get_json(&app, "/api/v1/articles?per_page=100", None).await;
    let visible = public["meta"]["total"].as_u64().unwrap() as usize - demo;
    assert!((220..300).contains(&visible), "{visible} visible");
    let channels: std::collections::HashSet<_> = public["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["category"]["slug"].clone())
        .collect();
    assert!(channels.len() >= 5, "{channels:?}");

    // Bylines and tags came along; the most read lists first.
    let top = get_json(&app, "/api/v1/articles?sort=-view_count&per_page=5", None).await;
    let top = top["data"].as_array().unwrap();
    assert!(top[0]["view_count"].as_i64() >= top[4]["view_count"].as_i64());
    let synthetic = public["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"].as_str().unwrap().starts_with("s-"))
        .unwrap();
    let id = synthetic["id"].clone();
    let d = get_json(&app, &format!("/api/v1/articles/{id}"), None).await;
    assert!(!d["authors"].as_array().unwrap().is_empty(), "{d}");
    assert!(!d["tags"].as_array().unwrap().is_empty(), "{d}");
    assert!(d["body"].as_str().unwrap().len() >= 2048);
    assert!(d["slug"].as_str().unwrap().starts_with("s-"));

    // A second run adds as many again, with fresh slugs.
    let again = newsdesk::seed::synthetic::run(&mut conn, 50, None, false)
        .await
        .unwrap();
    assert_eq!((again.articles_created, again.authors_created), (50, 0));
    let all = get_json(&app, "/api/v1/articles?per_page=1", Some(&staff)).await;
    assert_eq!(all["meta"]["total"], 350 + demo);
}
