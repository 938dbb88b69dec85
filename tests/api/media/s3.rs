//! The same library on an S3-compatible object store: a real server (moto in server mode,
//! installed by `make test` into `.venv-moto`), not a mock of the client.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use newsdesk::config::StorageKind;
use newsdesk::models::user::Role;
use serde_json::json;

use super::{dimensions, fixture, jpeg};
use crate::helpers::{header, spawn_app_with};

/// A moto server on a free port, stopped on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> std::path::PathBuf {
    if let Ok(path) = std::env::var("NEWSDESK_MOTO_SERVER") {
        return path.into();
    }
    let local = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-moto/bin/moto_server");
    assert!(
        local.exists(),
        "moto_server is missing: `make test` installs it into .venv-moto (or set NEWSDESK_MOTO_SERVER)"
    );
    local
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn moto() -> Moto {
    moto_on(free_port()).await
}

/// A moto server on `port`, with the bucket `newsdesk-media`.
async fn moto_on(port: u16) -> Moto {
    let child = Command::new(moto_binary())
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let endpoint = format!("http://127.0.0.1:{port}");
    let moto = Moto { child, endpoint };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(&moto.endpoint).send().await.is_ok() {
            let res = client
                .put(format!("{}/newsdesk-media", moto.endpoint))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "create bucket: {}", res.status());
            return moto;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto_server did not start on {}", moto.endpoint);
}

fn on_s3(c: &mut newsdesk::config::Config, endpoint: String) {
    c.media.storage = StorageKind::S3;
    c.media.s3_bucket = "newsdesk-media".into();
    c.media.s3_endpoint = endpoint;
    c.media.s3_access_key_id = "testing".into();
    c.media.s3_secret_access_key = "testing".into();
}

#[tokio::test]
async fn an_unreachable_store_is_a_503_that_keeps_nothing_until_it_is_back() {
    let port = free_port();
    let app = spawn_app_with(move |c| on_s3(c, format!("http://127.0.0.1:{port}"))).await;
    let token = app.token(Role::Writer).await;
    let started = std::time::Instant::now();
    let (status, body) = app.upload(&token, jpeg(64, 48), "a.jpg", &[]).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "service_unavailable");
    assert!(
        body["detail"].as_str().unwrap().contains("media store"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "failed within seconds"
    );
    assert_eq!(
        app.sql_i64("SELECT count(*) AS n FROM media_assets").await,
        0
    );
    // The store comes up: the same upload now works.
    let _s3 = moto_on(port).await;
    let asset = app
        .upload_new(&token, jpeg(64, 48), "a.jpg", &[("public", "true")])
        .await;
    let res = app.fetch(asset["url"].as_str().unwrap(), None).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_library_works_the_same_on_an_s3_compatible_store() {
    let s3 = moto().await;
    let endpoint = s3.endpoint.clone();
    let app = spawn_app_with(move |c| {
        on_s3(c, endpoint);
        // Large enough that the video goes up in several parts.
        c.media.max_video_mb = 64;
    })
    .await;
    app.seed().await;
    let editor = app.token(Role::Editor).await;
    let cover = app
        .upload_new(&editor, jpeg(1000, 500), "cover.jpg", &[("alt", "封面")])
        .await;
    // A video above the single-request size: a multipart upload (8 MiB parts).
    let mut video = fixture("clip.mp4");
    video.extend(std::iter::repeat_n(0u8, 20 * 1024 * 1024));
    let asset = app
        .upload_new(
            &editor,
            video.clone(),
            "long.mp4",
            &[("poster_id", &cover["id"].to_string())],
        )
        .await;
    assert_eq!(asset["byte_size"].as_u64().unwrap(), video.len() as u64);
    let channel = app.category_id("shizheng").await;
    let article = app
        .create_article(
            &editor,
            json!({"title": "S3", "category_id": channel, "kind": "video", "status": "published",
                   "cover_image_id": cover["id"], "media_id": asset["id"]}),
        )
        .await;
    let (_, page) = app
        .get_as(&format!("/api/v1/articles/{}", article["id"]), None)
        .await;
    assert_eq!(page["media"]["poster"]["id"], cover["id"]);

    let url = page["media"]["url"].as_str().unwrap();
    let res = app
        .get(url)
        .header("range", "bytes=10000000-10000099")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap(), video[10_000_000..10_000_100]);
    let res = app.fetch(url, None).await;
    assert_eq!(res.bytes().await.unwrap().len(), video.len());

    let rendition = page["cover_image"]["renditions"][2]["url"]
        .as_str()
        .unwrap();
    let res = app.fetch(rendition, None).await;
    assert_eq!(header(&res, "x-rendition"), "rendered");
    assert_eq!(dimensions(&res.bytes().await.unwrap()), (640, 320));

    // Nothing went to the local folder; deleting removes the objects from the bucket.
    assert!(app.stored_files("").is_empty());
    let client = reqwest::Client::new();
    let list = |prefix: &'static str| {
        let req = client.get(format!(
            "{}/newsdesk-media?list-type=2&prefix={prefix}",
            s3.endpoint
        ));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    assert!(list("renditions/").await.contains("<Key>renditions/"));
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{}", article["id"]),
            &editor,
            json!({"clear": ["cover_image_id"]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/media/{}", asset["id"]),
            &editor,
            json!({"clear": ["poster_id"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.delete_as(&format!("/api/v1/media/{}", cover["id"]), &editor)
            .await,
        204
    );
    assert!(!list("renditions/").await.contains("<Key>"));
    assert_eq!(
        list("originals/").await.matches("<Key>").count(),
        1,
        "the video stays"
    );
}
