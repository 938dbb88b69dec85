//! `GET /media/{id}/{name}`: who may read, ranges, validators and the headers that keep a file
//! a file.

use newsdesk::models::user::Role;
use serde_json::json;

use super::{fixture, jpeg};
use crate::helpers::{assert_problem, header, spawn_app};

#[tokio::test]
async fn originals_answer_ranges_validators_and_safe_headers() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    let video = fixture("clip.mp4");
    let size = video.len();
    let asset = app
        .upload_new(&token, video.clone(), "flood.mp4", &[("public", "true")])
        .await;
    let url = asset["url"].as_str().unwrap().to_owned();

    let res = app.fetch(&url, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "video/mp4");
    assert_eq!(header(&res, "accept-ranges"), "bytes");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&res, "content-disposition"),
        "inline; filename=\"flood.mp4\""
    );
    assert!(header(&res, "content-security-policy").contains("sandbox"));
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&res, "content-length"), size.to_string());
    let etag = header(&res, "etag");
    assert_eq!(etag, format!("\"{}\"", asset["sha256"].as_str().unwrap()));
    assert_eq!(res.bytes().await.unwrap(), video);

    let ranged = |range: &'static str| app.get(&url).header("range", range).send();
    let res = ranged("bytes=0-99").await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(header(&res, "content-range"), format!("bytes 0-99/{size}"));
    assert_eq!(res.bytes().await.unwrap(), video[..100]);
    let res = ranged("bytes=-10").await.unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap(), video[size - 10..]);
    let res = ranged("bytes=1000-").await.unwrap();
    assert_eq!(
        header(&res, "content-range"),
        format!("bytes 1000-{}/{size}", size - 1)
    );
    assert_eq!(res.bytes().await.unwrap(), video[1000..]);
    // Several ranges are not served as such: the whole file.
    let res = ranged("bytes=0-1,5-6").await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .get(&url)
        .header("range", format!("bytes={size}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "content-range"), format!("bytes */{size}"));
    assert_problem(res, 416, "range_not_satisfiable").await;

    let res = app
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = app
        .get(&url)
        .header("range", "bytes=0-9")
        .header("if-range", "\"another-version\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "If-Range of another version: the whole file"
    );
    let res = app
        .get(&url)
        .header("range", "bytes=0-9")
        .header("if-range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);

    // Many players seeking at once, each gets its own bytes.
    let mut seeks = Vec::new();
    for n in 0..12usize {
        let start = n * 1000;
        let end = (start + 1499).min(size - 1);
        let req = app
            .get(&url)
            .header("range", format!("bytes={start}-{end}"));
        seeks.push(async move { (start, end, req.send().await.unwrap().bytes().await.unwrap()) });
    }
    for (start, end, got) in futures_util::future::join_all(seeks).await {
        assert_eq!(got, video[start..=end]);
    }
}

#[tokio::test]
async fn names_ids_and_paths_that_are_not_the_assets_are_not_found() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    let asset = app
        .upload_new(&token, jpeg(40, 30), "a.jpg", &[("public", "true")])
        .await;
    let id = asset["id"].as_i64().unwrap();
    for path in [
        format!("/media/{id}/b.jpg"),
        format!("/media/{id}/..%2F..%2Fetc%2Fpasswd"),
        format!("/media/{id}/a.jpg%00"),
        "/media/abc/a.jpg".to_owned(),
        "/media/99999999999999999999999/a.jpg".to_owned(),
        format!("/media/{}/a.jpg", id + 1),
    ] {
        let res = app.fetch(&path, None).await;
        assert!(
            matches!(res.status().as_u16(), 400 | 404),
            "{path}: {}",
            res.status()
        );
        assert_eq!(
            header(&res, "content-type"),
            "application/problem+json",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_private_asset_shows_only_while_a_visible_article_uses_it() {
    let app = spawn_app().await;
    app.seed().await;
    let editor = app.token(Role::Editor).await;
    let asset = app
        .upload_new(&editor, jpeg(64, 48), "cover.jpg", &[])
        .await;
    let url = asset["url"].as_str().unwrap().to_owned();
    assert_eq!(app.fetch(&url, None).await.status(), 404);
    let res = app.fetch(&url, Some(&editor)).await;
    assert_eq!(res.status(), 200, "staff read every asset");
    assert_eq!(header(&res, "cache-control"), "private, no-store");

    let channel = app.category_id("shizheng").await;
    let article = app
        .create_article(
            &editor,
            json!({"title": "封面测试", "category_id": channel, "cover_image_id": asset["id"]}),
        )
        .await;
    let key = article["id"].as_i64().unwrap();
    assert_eq!(
        app.fetch(&url, None).await.status(),
        404,
        "a draft shows nothing"
    );

    // Publishing needs the image's alt text.
    let (status, body) = app
        .patch_json(
            &format!("/api/v1/articles/{key}"),
            &editor,
            json!({"status": "published"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("alt"), "{body}");
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/media/{}", asset["id"]),
            &editor,
            json!({"alt": "封面"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{key}"),
            &editor,
            json!({"status": "published"}),
        )
        .await;
    assert_eq!(status, 200);
    let res = app.fetch(&url, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=31536000, immutable"
    );

    // The alt text of an image on a published page cannot be cleared.
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/media/{}", asset["id"]),
            &editor,
            json!({"clear": ["alt"]}),
        )
        .await;
    assert_eq!(status, 422);

    assert_eq!(
        app.delete_as(&format!("/api/v1/articles/{key}"), &editor)
            .await,
        204
    );
    assert_eq!(
        app.fetch(&url, None).await.status(),
        404,
        "trashed: hidden again"
    );
}
