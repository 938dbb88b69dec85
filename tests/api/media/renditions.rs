//! Renditions: bounded variants, rendered once however many ask at the same time, stored.

use newsdesk::models::user::Role;

use super::{dimensions, fixture, jpeg, png};
use crate::helpers::{assert_problem, header, spawn_app, test_config};

#[tokio::test]
async fn renditions_are_bounded_rendered_once_and_stored() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    let asset = app
        .upload_new(&token, jpeg(1000, 750), "view.jpg", &[("public", "true")])
        .await;
    let url = asset["url"].as_str().unwrap().to_owned();

    let res = app.fetch(&format!("{url}?w=640"), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/jpeg");
    assert_eq!(header(&res, "x-rendition"), "rendered");
    assert_eq!(
        header(&res, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        header(&res, "content-disposition"),
        "inline; filename=\"view-640.jpg\""
    );
    let etag = header(&res, "etag");
    let first = res.bytes().await.unwrap();
    assert_eq!(dimensions(&first), (640, 480));
    let res = app.fetch(&format!("{url}?w=640"), None).await;
    assert_eq!(header(&res, "x-rendition"), "memory");
    assert_eq!(header(&res, "etag"), etag);
    assert_eq!(res.bytes().await.unwrap(), first);
    let res = app
        .get(&format!("{url}?w=640"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(app.stored_files("renditions/").len(), 1);

    // A box: cropped to fill it, or fitted inside it; other encodings.
    let res = app
        .fetch(&format!("{url}?w=320&h=180&fit=cover"), None)
        .await;
    assert_eq!(dimensions(&res.bytes().await.unwrap()), (320, 180));
    let res = app
        .fetch(&format!("{url}?w=320&h=320&fit=contain"), None)
        .await;
    assert_eq!(dimensions(&res.bytes().await.unwrap()), (320, 240));
    let res = app.fetch(&format!("{url}?w=160&format=webp"), None).await;
    assert_eq!(header(&res, "content-type"), "image/webp");
    assert_eq!(dimensions(&res.bytes().await.unwrap()), (160, 120));
    let res = app.fetch(&format!("{url}?w=160&format=png"), None).await;
    assert_eq!(header(&res, "content-type"), "image/png");
    let small = app
        .fetch(&format!("{url}?w=960&q=30"), None)
        .await
        .bytes()
        .await
        .unwrap();
    let fine = app
        .fetch(&format!("{url}?w=960&q=95"), None)
        .await
        .bytes()
        .await
        .unwrap();
    assert!(small.len() < fine.len());
    // Never wider than the original.
    let res = app.fetch(&format!("{url}?w=1920"), None).await;
    assert_eq!(dimensions(&res.bytes().await.unwrap()), (1000, 750));

    // Nobody makes the server render a million variants.
    for (query, field) in [
        ("w=641", "w"),
        ("h=100", "w"),
        ("w=640&h=361", "h"),
        ("w=640&fit=cover", "fit"),
        ("w=640&format=avif", "format"),
        ("w=640&format=gif", "format"),
        ("w=640&q=81", "q"),
        ("w=640&q=20", "q"),
        ("w=abc", "w"),
    ] {
        let res = app.fetch(&format!("{url}?{query}"), None).await;
        let body = assert_problem(res, 400, "validation_failed").await;
        assert!(
            body["detail"].as_str().unwrap().contains(field),
            "{query}: {body}"
        );
    }

    // Eight first requests at once: one renders, the others share it.
    let mut asks = Vec::new();
    for _ in 0..8 {
        let req = app.get(&format!("{url}?w=320&h=320"));
        asks.push(async move {
            let res = req.send().await.unwrap();
            let from = header(&res, "x-rendition");
            (from, res.bytes().await.unwrap())
        });
    }
    let answers = futures_util::future::join_all(asks).await;
    let rendered = answers
        .iter()
        .filter(|(from, _)| from == "rendered")
        .count();
    assert_eq!(
        rendered,
        1,
        "{:?}",
        answers.iter().map(|a| &a.0).collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|(_, b)| *b == answers[0].1));
    assert_eq!(dimensions(&answers[0].1), (320, 320));
}

#[tokio::test]
async fn a_stored_rendition_outlives_the_process_memory() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    let asset = app
        .upload_new(&token, png(400, 300), "chart.png", &[("public", "true")])
        .await;
    let url = format!("{}?w=320", asset["url"].as_str().unwrap());
    let res = app.fetch(&url, None).await;
    assert_eq!(header(&res, "content-type"), "image/png");
    let bytes = res.bytes().await.unwrap();
    // Another instance on the same store (a new process) reads it instead of rendering.
    let mut config = test_config(app.db.url.clone());
    config.media.dir = app.media_dir.clone();
    let other = newsdesk::startup::Application::build(config).await.unwrap();
    let address = format!("http://127.0.0.1:{}", other.port());
    let handle = other.handle();
    tokio::spawn(other.run_until_stopped());
    let res = app
        .client
        .get(format!("{address}{url}"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "x-rendition"), "stored");
    assert_eq!(res.bytes().await.unwrap(), bytes);
    handle.stop(true).await;
}

#[tokio::test]
async fn only_images_have_renditions() {
    let app = spawn_app().await;
    let token = app.token(Role::Writer).await;
    let asset = app
        .upload_new(
            &token,
            fixture("tone.mp3"),
            "tone.mp3",
            &[("public", "true")],
        )
        .await;
    let res = app
        .fetch(&format!("{}?w=320", asset["url"].as_str().unwrap()), None)
        .await;
    assert_problem(res, 400, "validation_failed").await;
}
