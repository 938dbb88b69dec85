//! The library as staff see it: lists and filters, who may change what, deleting.

use newsdesk::models::user::Role;
use serde_json::json;

use super::{fixture, jpeg};
use crate::helpers::{field_errors, ids, spawn_app};

#[tokio::test]
async fn lists_filter_by_kind_tag_uploader_text_and_time() {
    let app = spawn_app().await;
    let (writer, writer_id) = app.staff(Role::Writer).await;
    let (editor, _) = app.staff(Role::Editor).await;
    let bridge = app
        .upload_new(
            &writer,
            jpeg(40, 30),
            "bridge.jpg",
            &[("title", "黑河大桥"), ("tags", "大桥,夜景")],
        )
        .await;
    let river = app
        .upload_new(
            &editor,
            jpeg(41, 30),
            "river.jpg",
            &[("title", "江景"), ("tags", "夜景"), ("public", "true")],
        )
        .await;
    let song = app
        .upload_new(
            &editor,
            fixture("tone.mp3"),
            "song.mp3",
            &[("caption", "大桥之歌")],
        )
        .await;
    let private = app.upload_new(&editor, jpeg(42, 30), "p.jpg", &[]).await;

    let list = |q: &'static str, t: String| {
        let app = &app;
        async move {
            let (status, body) = app.get_as(&format!("/api/v1/media{q}"), Some(&t)).await;
            assert_eq!(status, 200, "{q}: {body}");
            ids(&body)
        }
    };
    let id = |v: &serde_json::Value| v["id"].as_i64().unwrap();
    assert_eq!(
        list("", editor.clone()).await,
        [id(&private), id(&song), id(&river), id(&bridge)]
    );
    assert_eq!(list("?kind=audio", editor.clone()).await, [id(&song)]);
    assert_eq!(
        list("?tag=夜景", editor.clone()).await,
        [id(&river), id(&bridge)]
    );
    assert_eq!(
        list("?q=大桥", editor.clone()).await,
        [id(&song), id(&bridge)]
    );
    let (_, mine) = app
        .get_as(
            &format!("/api/v1/media?uploaded_by={writer_id}"),
            Some(&editor),
        )
        .await;
    assert_eq!(ids(&mine), [id(&bridge)]);
    assert_eq!(
        list("?since=2999-01-01T00:00:00Z", editor.clone()).await,
        Vec::<i64>::new()
    );
    // A writer sees what they uploaded and what is public.
    assert_eq!(list("", writer.clone()).await, [id(&river), id(&bridge)]);
    let (status, _) = app
        .get_as(&format!("/api/v1/media/{}", id(&private)), Some(&writer))
        .await;
    assert_eq!(status, 404);
    let (status, body) = app.get_as("/api/v1/media?per_page=2", Some(&editor)).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body).len(), 2);
    assert!(body["meta"]["next_cursor"].is_string());
    for bad in ["?kind=pdf", "?per_page=0", "?since=yesterday"] {
        let (status, _) = app
            .get_as(&format!("/api/v1/media{bad}"), Some(&editor))
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = app.get_as("/api/v1/media", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn descriptions_change_by_their_uploader_or_an_editor() {
    let app = spawn_app().await;
    let writer = app.token(Role::Writer).await;
    let other = app.token(Role::Writer).await;
    let editor = app.token(Role::Editor).await;
    let asset = app
        .upload_new(&writer, jpeg(40, 30), "a.jpg", &[("alt", "旧")])
        .await;
    let path = format!("/api/v1/media/{}", asset["id"]);
    let (status, _) = app
        .patch_json(&path, &other, json!({"title": "别人的"}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .patch_json(
            &path,
            &writer,
            json!({"title": "新标题", "alt": "新", "tags": ["甲", "乙", "甲"], "public": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "新标题");
    assert_eq!(body["alt"], "新");
    assert_eq!(body["tags"], json!(["甲", "乙"]));
    assert_eq!(body["public"], true);
    let (status, body) = app
        .patch_json(&path, &editor, json!({"clear": ["alt", "caption"]}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["alt"].is_null());
    let (status, body) = app
        .patch_json(&path, &editor, json!({"poster_id": asset["id"]}))
        .await;
    assert_eq!(status, 422, "images have no poster");
    assert_eq!(field_errors(&body), ["poster_id"]);
    let (status, body) = app.patch_json(&path, &editor, json!({"width": 10})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_errors(&body), ["width"]);
    let (status, _) = app
        .patch_json("/api/v1/media/999999", &editor, json!({"title": "x"}))
        .await;
    assert_eq!(status, 404);

    // A video's poster is an image.
    let video = app
        .upload_new(&writer, fixture("clip.webm"), "v.webm", &[])
        .await;
    let (status, body) = app
        .patch_json(
            &format!("/api/v1/media/{}", video["id"]),
            &writer,
            json!({"poster_id": asset["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["poster_id"], asset["id"]);
    // The poster cannot go while the video names it.
    assert_eq!(app.delete_as(&path, &editor).await, 409);
}

#[tokio::test]
async fn an_unused_asset_is_deleted_with_its_files() {
    let app = spawn_app().await;
    let writer = app.token(Role::Writer).await;
    let other = app.token(Role::Writer).await;
    let asset = app
        .upload_new(&writer, jpeg(800, 600), "a.jpg", &[("public", "true")])
        .await;
    let url = asset["url"].as_str().unwrap().to_owned();
    assert_eq!(app.fetch(&format!("{url}?w=320"), None).await.status(), 200);
    assert_eq!(app.stored_files("renditions/").len(), 1);
    let path = format!("/api/v1/media/{}", asset["id"]);
    assert_eq!(app.delete_as(&path, &other).await, 403);
    assert_eq!(app.delete_as(&path, &writer).await, 204);
    assert_eq!(app.delete_as(&path, &writer).await, 404);
    assert_eq!(app.fetch(&url, None).await.status(), 404);
    assert!(app.stored_files("originals/").is_empty());
    assert!(app.stored_files("renditions/").is_empty());
    // The same file again is a new asset.
    app.upload_new(&writer, jpeg(800, 600), "a.jpg", &[]).await;
}
