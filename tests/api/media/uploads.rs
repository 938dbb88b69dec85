//! Uploading: types from content, metadata stripped, orientation applied, the same file once,
//! and refusals that change nothing.

use newsdesk::models::user::Role;
use serde_json::json;

use super::{dimensions, fixture, jpeg, jpeg_with_exif, png_claiming};
use crate::helpers::{assert_problem, field_errors, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_image_is_stored_without_its_metadata_and_once() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    let original = jpeg_with_exif(800, 600, 1, "GPS 47.2N 127.5E secret");
    let asset = app
        .upload_new(
            &token,
            original.clone(),
            "黑河 Bridge.JPG",
            &[
                ("title", "黑河大桥"),
                ("alt", "大桥夜景"),
                ("tags", "黑河, 大桥"),
                ("credit", "黑河日报"),
            ],
        )
        .await;
    assert_eq!(asset["kind"], "image");
    assert_eq!(asset["mime"], "image/jpeg");
    assert_eq!(asset["width"], 800);
    assert_eq!(asset["height"], 600);
    assert_eq!(asset["file_name"], "hei-he-bridge.jpg");
    assert_eq!(asset["tags"], json!(["黑河", "大桥"]));
    assert_eq!(asset["credit"], "黑河日报");
    assert_eq!(asset["public"], false);
    let url = asset["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/media/{}/hei-he-bridge.jpg", asset["id"]));
    let widths: Vec<i64> = asset["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["width"].as_i64().unwrap())
        .collect();
    assert_eq!(widths, [160, 320, 640]);
    assert_eq!(asset["renditions"][2]["height"], 480);

    let res = app.fetch(&url, Some(&token)).await;
    assert_eq!(res.status(), 200);
    let stored = res.bytes().await.unwrap();
    assert!(stored.starts_with(&[0xff, 0xd8]), "a JPEG");
    let text = String::from_utf8_lossy(&stored);
    assert!(!text.contains("secret"), "EXIF and comments are gone");
    assert!(!text.contains("Exif"), "no EXIF block");
    assert_eq!(dimensions(&stored), (800, 600));
    assert!(stored.len() < original.len());
    assert_eq!(asset["byte_size"].as_u64().unwrap(), stored.len() as u64);

    // The same file again, even by someone else: the same asset, 200.
    let other = app.token(Role::Editor).await;
    let (status, again) = app.upload(&other, original, "copy.jpg", &[]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], asset["id"]);
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM media_assets").await,
        1
    );
    assert_eq!(app.stored_files("originals/").len(), 1);
}

#[tokio::test]
async fn the_exif_orientation_is_applied_before_it_goes() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    // 6: rotate 90° clockwise to show; an 80×40 picture shows 40×80.
    let asset = app
        .upload_new(
            &token,
            jpeg_with_exif(80, 40, 6, "turned"),
            "turned.jpg",
            &[],
        )
        .await;
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(40), Some(80))
    );
    let stored = app
        .fetch(asset["url"].as_str().unwrap(), Some(&token))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(dimensions(&stored), (40, 80));
    assert!(!String::from_utf8_lossy(&stored).contains("turned"));
}

#[tokio::test]
async fn video_and_audio_get_their_type_and_duration_from_the_content() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    for (file, kind, mime, ext) in [
        ("clip.mp4", "video", "video/mp4", "mp4"),
        ("clip.webm", "video", "video/webm", "webm"),
        ("tone.mp3", "audio", "audio/mpeg", "mp3"),
        ("tone.m4a", "audio", "audio/mp4", "m4a"),
        ("tone.aac", "audio", "audio/aac", "aac"),
        ("tone.ogg", "audio", "audio/ogg", "ogg"),
    ] {
        // The client's name and type say nothing: a video named .png is still a video.
        let asset = app
            .upload_new(&token, fixture(file), "looks-like.png", &[("title", file)])
            .await;
        assert_eq!(asset["kind"], kind, "{file}");
        assert_eq!(asset["mime"], mime, "{file}");
        assert_eq!(asset["file_name"], format!("looks-like.{ext}"), "{file}");
        let ms = asset["duration_ms"]
            .as_i64()
            .unwrap_or_else(|| panic!("{file}: {asset}"));
        assert!((2900..=3200).contains(&ms), "{file}: {ms} ms");
        assert!(asset["width"].is_null() && asset["renditions"] == json!([]));
    }
}

#[tokio::test]
async fn what_is_not_an_accepted_file_is_refused_and_nothing_is_kept() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let (status, body) = app.upload(&token, html, "photo.jpg", &[]).await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(body["code"], "unsupported_media_type");
    let (status, body) = app
        .upload(
            &token,
            b"%PDF-1.7\n%\xe2\xe3\n1 0 obj".to_vec(),
            "a.mp4",
            &[],
        )
        .await;
    assert_eq!(status, 415);
    assert!(
        body["detail"].as_str().unwrap().contains("application/pdf"),
        "{body}"
    );

    // A header claiming 100 000 × 100 000 pixels: refused before any decoding.
    let (status, body) = app
        .upload(&token, png_claiming(100_000, 100_000), "bomb.png", &[])
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("pixels"),
        "{body}"
    );

    // A JPEG past the image limit (4 MiB in tests): cut off while it arrives.
    let mut big = jpeg(64, 64);
    big.extend(std::iter::repeat_n(0u8, 5 * 1024 * 1024));
    let (status, body) = app.upload(&token, big, "big.jpg", &[]).await;
    assert_eq!(status, 413, "{body}");

    // A video garbled after its first bytes.
    let mut broken = fixture("clip.mp4")[..64].to_vec();
    broken.extend(std::iter::repeat_n(0xAAu8, 4096));
    let (status, _) = app.upload(&token, broken, "broken.mp4", &[]).await;
    assert_eq!(status, 422);

    let (status, body) = app
        .upload(&token, jpeg(10, 10), "x.jpg", &[("colour", "red")])
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&body), ["colour"]);
    let (status, body) = app
        .upload(
            &token,
            jpeg(10, 10),
            "x.jpg",
            &[("title", &"题".repeat(201))],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&body), ["title"]);

    let form = reqwest::multipart::Form::new().text("title", "no file");
    let res = app
        .post("/api/v1/media")
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&body), ["file"]);

    let res = app
        .post("/api/v1/media")
        .bearer_auth(&token)
        .json(&json!({"file": "aGVsbG8="}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;

    let res = app
        .post("/api/v1/media")
        .multipart(
            reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(jpeg(8, 8))),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;

    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM media_assets").await,
        0
    );
    assert!(app.stored_files("originals/").is_empty());
}

#[tokio::test]
async fn uploads_are_rate_limited_per_staff_member() {
    let app = spawn_app_with(|c| c.media.uploads_per_minute = 2).await;
    let token = app.token(Role::Writer).await;
    for n in 0..2 {
        app.upload_new(&token, jpeg(20 + n, 20), "a.jpg", &[]).await;
    }
    let (status, body) = app.upload(&token, jpeg(30, 30), "a.jpg", &[]).await;
    assert_eq!(status, 429, "{body}");
    // Another member of staff has an allowance of their own.
    let other = app.token(Role::Writer).await;
    app.upload_new(&other, jpeg(30, 30), "a.jpg", &[]).await;
}

#[tokio::test]
async fn injection_strings_in_the_parts_of_an_upload_are_kept_as_text() {
    use crate::hardening::corpus::{Stored, corpus, judge};
    let app = spawn_app_with(|c| c.media.uploads_per_minute = 0).await;
    let token = app.token(Role::Editor).await;
    let mut stored = 0;
    for (i, value) in corpus().iter().enumerate() {
        for (k, part) in ["title", "alt", "caption", "credit"]
            .into_iter()
            .enumerate()
        {
            let image = jpeg(16 + i as u32, 8 + k as u32);
            let (status, body) = app.upload(&token, image, value, &[(part, value)]).await;
            let what = format!("upload {part}={value:.60?}");
            if judge(status, &body, part, Stored::Trimmed, value, &what) {
                stored += 1;
                let name = body["file_name"].as_str().unwrap();
                assert!(
                    name.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b == b'-'
                        || b == b'.'),
                    "{what}: file name {name}"
                );
                let (status, again) = app
                    .get_as(&format!("/api/v1/media/{}", body["id"]), Some(&token))
                    .await;
                judge(
                    status,
                    &again,
                    part,
                    Stored::Trimmed,
                    value,
                    &format!("{what} (read back)"),
                );
            }
        }
    }
    assert!(stored > 0);
}
