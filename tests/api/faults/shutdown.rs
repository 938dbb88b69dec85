//! (c) SIGTERM while the database is blackholed: the process exits within
//! `SHUTDOWN_TIMEOUT_SECS`, saying which counted views it could not write.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use super::upstream;
use crate::fault_proxy::{FaultProxy, Mode};
use crate::helpers::{PASSWORD, TestDb, newsdesk};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn sigterm_during_a_blackhole_exits_within_the_shutdown_deadline() {
    let proxy = FaultProxy::start(upstream()).await.unwrap();
    let db = TestDb::create().await;
    let url = proxy.url_for(&db.url);
    let port = free_port();
    let log = tempfile_path("shutdown");
    let mut child = Reaped(
        newsdesk(&url)
            .arg("serve")
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", "x".repeat(64))
            .env("NEWSDESK_ENV", "test")
            .env("RUST_LOG", "info")
            .env("SHUTDOWN_TIMEOUT_SECS", "3")
            // Without the shutdown deadline, requests and the final flush would wait this long.
            .env("DATABASE_REQUEST_BUDGET_SECS", "120")
            .env("DATABASE_TIMEOUT_SECS", "120")
            .env("VIEWS_FLUSH_INTERVAL", "3600")
            .env("RATE_LIMIT_PER_MINUTE", "0")
            .env("BEACON_RATE_LIMIT_PER_MINUTE", "0")
            .env("NEWSDESK_ADMIN_EMAIL", "admin@example.com")
            .env("NEWSDESK_ADMIN_PASSWORD", PASSWORD)
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(
                std::fs::OpenOptions::new().append(true).open(&log).unwrap(),
            ))
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if client.get(format!("{base}/livez")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        up,
        "server did not start: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    // An admin, a channel, an article and a view waiting in memory.
    let users = newsdesk(&db.url)
        .args([
            "users",
            "create",
            "--email",
            "chief@example.com",
            "--role",
            "admin",
        ])
        .env("NEWSDESK_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(users.status.success(), "{users:?}");
    let login = json_of(
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "email": "chief@example.com", "password": PASSWORD })),
    )
    .await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let post = |path: &str, body: serde_json::Value| {
        json_of(
            client
                .post(format!("{base}{path}"))
                .bearer_auth(&token)
                .json(&body),
        )
    };
    let channel = post("/api/v1/categories", json!({ "name": "停机" })).await;
    let article = post(
        "/api/v1/articles",
        json!({ "title": "停机测试", "category_id": channel["id"], "status": "published" }),
    )
    .await;
    let views = client
        .post(format!("{base}/api/v1/articles/{}/views", article["id"]))
        .header("user-agent", "Mozilla/5.0")
        .send()
        .await
        .unwrap();
    assert_eq!(views.status(), 204);

    proxy.set(Mode::Blackhole);
    // A request stuck on the database when the signal comes.
    let stuck = tokio::spawn(client.get(format!("{base}/api/v1/articles")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut exited = None;
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(status) = child.0.try_wait().unwrap() {
            exited = Some((status, started.elapsed()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let Some((status, took)) = exited else {
        panic!("still running 20 s after SIGTERM:\n{output}");
    };
    assert!(
        took < Duration::from_secs(6),
        "exit took {took:?}:\n{output}"
    );
    assert!(status.success(), "{status:?}:\n{output}");
    assert!(output.contains("views lost at shutdown"), "{output}");
    stuck.abort();
    proxy.set(Mode::Open);
}

async fn json_of(req: reqwest::RequestBuilder) -> serde_json::Value {
    req.send().await.unwrap().json().await.unwrap()
}

fn tempfile_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "newsdesk-{name}-{}-{}.log",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// The server process, killed and reaped if the test ends early.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
