//! Writes announce the right events, signed; failed writes announce nothing.

use serde_json::json;

use super::receiver::Receiver;
use super::{admin_app, register, verify};
use crate::helpers::*;

#[tokio::test]
async fn webhooks_article_lifecycle_is_announced_and_signed() {
    let (app, admin) = admin_app(|_| {}).await;
    let rx = Receiver::start(vec![]).await;
    let (hook, secret) = register(&app, &admin, &rx.url, json!(["article.*"])).await;
    let (_, cat) = app
        .post_json(
            "/api/v1/categories",
            &admin,
            json!({ "name": "本地", "slug": "local" }),
        )
        .await;
    let cat = cat["id"].as_i64().unwrap();

    // A draft announces nothing; publishing it does.
    let draft = app
        .create_article(&admin, json!({ "title": "草稿", "category_id": cat }))
        .await;
    let id = draft["id"].as_i64().unwrap();
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &admin,
            json!({ "status": "published" }),
        )
        .await;
    assert_eq!(status, 200);
    let got = rx.wait_for(1, 5).await;
    assert_eq!(got.len(), 1);
    let p = verify(&secret, &got[0]);
    assert_eq!(p["event"], "article.published");
    assert_eq!(p["data"]["id"], id);
    assert_eq!(p["data"]["title"], "草稿");
    assert_eq!(p["data"]["category"]["slug"], "local");
    assert!(p["data"].get("body").is_none(), "summary only");

    // Any other change of a live article is an update.
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &admin,
            json!({ "title": "主题" }),
        )
        .await;
    assert_eq!(status, 200);
    let got = rx.wait_for(2, 5).await;
    let p = verify(&secret, &got[1]);
    assert_eq!(
        (p["event"].as_str(), p["data"]["title"].as_str()),
        (Some("article.updated"), Some("主题"))
    );

    // A refused write announces nothing.
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &admin,
            json!({ "title": "" }),
        )
        .await;
    assert_eq!(status, 422);

    // Taking it offline is an unpublish; trashing it a delete.
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &admin,
            json!({ "status": "draft" }),
        )
        .await;
    assert_eq!(status, 200);
    let got = rx.wait_for(3, 5).await;
    assert_eq!(verify(&secret, &got[2])["event"], "article.unpublished");
    assert_eq!(
        app.delete_as(&format!("/api/v1/articles/{id}"), &admin)
            .await,
        204
    );
    let got = rx.wait_for(4, 5).await;
    let p = verify(&secret, &got[3]);
    assert_eq!(p["event"], "article.deleted");
    assert_eq!(
        p["data"],
        json!({ "id": id, "slug": draft["slug"], "purged": false })
    );

    // A publish time in the future is not a publish yet.
    app.create_article(
        &admin,
        json!({ "title": "明天", "category_id": cat, "status": "published", "published_at": at(3600) }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(rx.received().len(), 4);

    // The log lists them newest first, all delivered.
    let (status, log) = app
        .get_as(
            &format!("/api/v1/webhooks/{hook}/deliveries?status=succeeded"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200);
    let events: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "article.deleted",
            "article.unpublished",
            "article.updated",
            "article.published"
        ]
    );
    assert_eq!(log["data"][0]["attempts"], 1);
    assert_eq!(log["data"][0]["last_status_code"], 200);
    assert_eq!(log["data"][0]["next_attempt_at"], serde_json::Value::Null);
    let (_, pending) = app
        .get_as(
            &format!("/api/v1/webhooks/{hook}/deliveries?status=pending"),
            Some(&admin),
        )
        .await;
    assert_eq!(pending["meta"]["total"], 0);
}

#[tokio::test]
async fn webhooks_category_site_and_board_changes_are_announced() {
    let (app, admin) = admin_app(|_| {}).await;
    let rx = Receiver::start(vec![]).await;
    let events = json!(["category.*", "site.updated", "ranking.updated"]);
    let (_, secret) = register(&app, &admin, &rx.url, events).await;
    // Subscribed to nothing of this: receives nothing.
    let other = Receiver::start(vec![]).await;
    register(&app, &admin, &other.url, json!(["article.deleted"])).await;

    let (status, cat) = app
        .post_json(
            "/api/v1/categories",
            &admin,
            json!({ "name": "体育", "slug": "sports" }),
        )
        .await;
    assert_eq!(status, 201);
    let got = rx.wait_for(1, 5).await;
    let p = verify(&secret, &got[0]);
    assert_eq!(p["event"], "category.created");
    assert_eq!(p["data"]["slug"], "sports");

    let (status, _) = app
        .patch_json("/api/v1/site", &admin, json!({ "name": "黑河新闻网" }))
        .await;
    assert_eq!(status, 200);
    let got = rx.wait_for(2, 5).await;
    let p = verify(&secret, &got[1]);
    assert_eq!(
        (p["event"].as_str(), p["data"]["name"].as_str()),
        (Some("site.updated"), Some("黑河新闻网"))
    );

    let (status, board) = app
        .post_json(
            "/api/v1/rankings",
            &admin,
            json!({ "title": "头条", "slug": "front", "kind": "curated" }),
        )
        .await;
    assert_eq!(status, 201, "{board}");
    let got = rx.wait_for(3, 5).await;
    let p = verify(&secret, &got[2]);
    assert_eq!(p["event"], "ranking.updated");
    assert_eq!(p["data"]["slug"], "front");

    let res = app
        .call(
            "PUT",
            "/api/v1/rankings/front/entries",
            Some(&admin),
            Some(json!([])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let got = rx.wait_for(4, 5).await;
    assert_eq!(verify(&secret, &got[3])["event"], "ranking.updated");

    let slug = cat["id"].as_i64().unwrap();
    assert_eq!(
        app.delete_as(&format!("/api/v1/categories/{slug}"), &admin)
            .await,
        204
    );
    let got = rx.wait_for(5, 5).await;
    let p = verify(&secret, &got[4]);
    assert_eq!(
        (p["event"].as_str(), p["data"]["slug"].as_str()),
        (Some("category.deleted"), Some("sports"))
    );

    // A site PATCH that is refused announces nothing.
    let (status, _) = app
        .patch_json("/api/v1/site", &admin, json!({ "name": "" }))
        .await;
    assert_eq!(status, 422);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(rx.received().len(), 5);
    assert!(other.received().is_empty());
}

/// Scheduled publishes and offline times are announced when their time comes, once each,
/// whether the scheduler or an edit stamps them first.
#[tokio::test]
async fn webhooks_announce_scheduled_publishes_and_offline_times_once() {
    let (app, admin) = admin_app(|_| {}).await;
    let rx = Receiver::start(vec![]).await;
    let (_, secret) = register(&app, &admin, &rx.url, json!(["article.*"])).await;
    let (_, cat) = app
        .post_json(
            "/api/v1/categories",
            &admin,
            json!({ "name": "定时", "slug": "timed" }),
        )
        .await;
    let cat = cat["id"].as_i64().unwrap();
    let scheduled = app
        .create_article(
            &admin,
            json!({ "title": "定时发布", "category_id": cat, "status": "published",
                    "published_at": at(1), "offline_at": at(3) }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // Its publish time passes while an editor changes it: one announcement, not two.
    let edited = app
        .create_article(
            &admin,
            json!({ "title": "定时发布后被编辑", "category_id": cat, "status": "published",
                    "published_at": at(1) }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{edited}"),
            &admin,
            json!({ "subtitle": "副题" }),
        )
        .await;
    assert_eq!(status, 200);
    // Past the offline time (3 s after creation), with a scheduler run (every 0.2 s) to spare.
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    rx.wait_for(3, 10).await;
    let got: Vec<(String, i64)> = rx
        .received()
        .iter()
        .map(|r| {
            let p = verify(&secret, r);
            (
                p["event"].as_str().unwrap().to_owned(),
                p["data"]["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(got.len() >= 3, "{got:?}");
    let count = |event: &str, id: i64| got.iter().filter(|(e, i)| e == event && *i == id).count();
    assert_eq!(count("article.published", scheduled), 1, "{got:?}");
    assert_eq!(count("article.published", edited), 1, "{got:?}");
    assert_eq!(count("article.unpublished", scheduled), 1, "{got:?}");
    // The edit is an update when the scheduler stamped it first, and announces nothing more
    // when the edit stamped it visible itself.
    assert!(count("article.updated", edited) <= 1, "{got:?}");
    assert_eq!(count("article.unpublished", edited), 0, "{got:?}");
}
