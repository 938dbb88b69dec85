//! Articles using assets: the cover with renditions in lists and on the page, the video with
//! its poster, the gallery, the body's images; and an asset in use cannot be deleted.

use newsdesk::models::user::Role;
use serde_json::json;

use super::{fixture, jpeg};
use crate::helpers::{field_errors, spawn_app};

#[tokio::test]
async fn upload_attach_publish_and_the_page_shows_it_all() {
    let app = spawn_app().await;
    app.seed().await;
    let editor = app.token(Role::Editor).await;
    let cover = app
        .upload_new(
            &editor,
            jpeg(1280, 720),
            "cover.jpg",
            &[("alt", "黑河口岸"), ("credit", "黑河日报")],
        )
        .await;
    let inline = app
        .upload_new(&editor, jpeg(700, 500), "inline.jpg", &[("alt", "江畔")])
        .await;
    let poster = app
        .upload_new(
            &editor,
            jpeg(640, 360),
            "poster.jpg",
            &[("alt", "视频封面")],
        )
        .await;
    let video = app
        .upload_new(
            &editor,
            fixture("clip.mp4"),
            "flood.mp4",
            &[
                ("title", "汛情通报"),
                ("poster_id", &poster["id"].to_string()),
            ],
        )
        .await;
    let channel = app.category_id("shizheng").await;
    let body = format!(
        "<p>开头</p><p><img src=\"{}\"></p><p><img src=\"https://example.com/x.jpg\" alt=\"外链\"></p>",
        inline["url"].as_str().unwrap()
    );
    let article = app
        .create_article(
            &editor,
            json!({
                "title": "黑河汛情", "category_id": channel, "kind": "video", "status": "published",
                "cover_image_id": cover["id"], "media_id": video["id"], "body": body,
            }),
        )
        .await;
    let key = article["id"].as_i64().unwrap();
    let (status, page) = app.get_as(&format!("/api/v1/articles/{key}"), None).await;
    assert_eq!(status, 200, "{page}");
    let c = &page["cover_image"];
    assert_eq!(c["id"], cover["id"]);
    assert_eq!(c["width"], 1280);
    assert_eq!(c["alt"], "黑河口岸");
    assert_eq!(c["credit"], "黑河日报");
    let widths: Vec<i64> = c["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["width"].as_i64().unwrap())
        .collect();
    assert_eq!(widths, [160, 320, 640, 960]);
    assert!(c["srcset"].as_str().unwrap().ends_with(" 1280w"));
    assert_eq!(page["media"]["mime"], "video/mp4");
    assert_eq!(page["media"]["title"], "汛情通报");
    assert!(page["media"]["duration_ms"].as_i64().unwrap() >= 2900);
    assert_eq!(page["media"]["poster"]["id"], poster["id"]);
    let html = page["body"].as_str().unwrap();
    assert!(html.contains("width=\"700\" height=\"500\""), "{html}");
    assert!(html.contains("alt=\"江畔\""), "{html}");
    assert!(html.contains("?w=640 640w"), "{html}");
    assert!(html.contains("loading=\"lazy\""));
    assert!(
        html.contains("https://example.com/x.jpg"),
        "external images stay as written"
    );

    // Everything the page names is readable by anyone now, with seeking.
    for url in [
        &c["url"],
        &page["media"]["url"],
        &page["media"]["poster"]["url"],
        &inline["url"],
    ] {
        let res = app.fetch(url.as_str().unwrap(), None).await;
        assert_eq!(res.status(), 200, "{url}");
    }
    let res = app
        .get(page["media"]["url"].as_str().unwrap())
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    let rendition = c["renditions"][1]["url"].as_str().unwrap();
    assert_eq!(app.fetch(rendition, None).await.status(), 200);

    // Lists carry the cover.
    let (_, list) = app
        .get_as("/api/v1/articles?category=shizheng&per_page=50", None)
        .await;
    let summary = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == key)
        .unwrap();
    assert_eq!(summary["cover_image"]["id"], cover["id"]);

    // A new alt text shows on the cached page at once.
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/media/{}", cover["id"]),
            &editor,
            json!({"alt": "新的说明"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, page) = app.get_as(&format!("/api/v1/articles/{key}"), None).await;
    assert_eq!(page["cover_image"]["alt"], "新的说明");

    // In use: 409 with how many use it; the poster too, through its video.
    for asset in [&cover, &video, &inline, &poster] {
        let res = app
            .delete(&format!("/api/v1/media/{}", asset["id"]))
            .bearer_auth(&editor)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409, "{asset}");
        let problem: serde_json::Value = res.json().await.unwrap();
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("1 article") || detail.contains("poster of 1"),
            "{detail}"
        );
    }
    // Taken out of the article, the cover can go.
    let (status, body) = app
        .patch_json(
            &format!("/api/v1/articles/{key}"),
            &editor,
            json!({"cover_image_id": null}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["cover_image"].is_null());
    assert_eq!(
        app.delete_as(&format!("/api/v1/media/{}", cover["id"]), &editor)
            .await,
        204
    );
}

#[tokio::test]
async fn references_are_checked_and_kept_in_revisions() {
    let app = spawn_app().await;
    app.seed().await;
    let editor = app.token(Role::Editor).await;
    let (writer, _) = app.staff(Role::Writer).await;
    let channel = app.category_id("shizheng").await;
    let image = app
        .upload_new(&editor, jpeg(300, 200), "i.jpg", &[("alt", "图")])
        .await;
    let song = app
        .upload_new(&editor, fixture("tone.ogg"), "s.ogg", &[])
        .await;
    let articles_before = app.sql_i64("SELECT count(*) AS n FROM articles").await;
    let post = |body: serde_json::Value, token: &str| {
        let app = &app;
        let token = token.to_owned();
        async move { app.post_json("/api/v1/articles", &token, body).await }
    };
    for (body, field) in [
        (json!({"cover_image_id": song["id"]}), "cover_image_id"),
        (json!({"cover_image_id": 987654}), "cover_image_id"),
        (
            json!({"kind": "audio", "media_id": image["id"]}),
            "media_id",
        ),
        (
            json!({"kind": "gallery", "gallery_ids": [image["id"], image["id"]]}),
            "gallery_ids",
        ),
        (json!({"media_id": song["id"]}), "media_id"),
        (json!({"body": "<img src=\"/media/987654/x.jpg\">"}), "body"),
    ] {
        let body = crate::helpers::merge(json!({"title": "t", "category_id": channel}), body);
        let (status, problem) = post(body.clone(), &editor).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(field_errors(&problem), [field], "{body}");
    }
    // A writer uses what they uploaded or what is public, not an editor's private upload.
    let (status, problem) = post(
        json!({"title": "t", "category_id": channel, "cover_image_id": image["id"]}),
        &writer,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM articles").await,
        articles_before
    );
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM article_media").await,
        0
    );

    // An audio article with the library's audio, a gallery article with images.
    let audio = app
        .create_article(&editor, json!({"title": "音频", "category_id": channel, "kind": "audio", "media_id": song["id"]}))
        .await;
    assert_eq!(audio["media"]["kind"], "audio");
    let second = app
        .upload_new(&editor, jpeg(310, 200), "j.jpg", &[("alt", "二")])
        .await;
    let gallery = app
        .create_article(
            &editor,
            json!({"title": "图集", "category_id": channel, "kind": "gallery", "gallery_ids": [second["id"], image["id"]]}),
        )
        .await;
    let order: Vec<_> = gallery["gallery"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].clone())
        .collect();
    assert_eq!(order, [second["id"].clone(), image["id"].clone()]);
    let key = gallery["id"].as_i64().unwrap();
    let (status, changed) = app
        .patch_json(
            &format!("/api/v1/articles/{key}"),
            &editor,
            json!({"gallery_ids": [image["id"]]}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["gallery"].as_array().unwrap().len(), 1);
    // Restoring the first revision brings the two-image gallery back.
    let res = app
        .post(&format!("/api/v1/articles/{key}/revisions/1/restore"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let restored: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        restored["gallery"].as_array().unwrap().len(),
        2,
        "{restored}"
    );
}
