//! Requests are bounded and answered precisely: a body must arrive in time, `If-Match` is
//! compared strongly, and an id too long for a number is named as sent.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use newsdesk::models::user::Role;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn a_trickled_body_is_cut_off_with_408_at_the_deadline() {
    let app = spawn_app_with(|c| c.body_read_timeout_secs = 1.0).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 200\r\n\r\n{",
        )
        .unwrap();
        let started = Instant::now();
        // One byte every 200 ms: the 200-byte body would take 40 s.
        let mut response = Vec::new();
        s.set_nonblocking(true).unwrap();
        while started.elapsed() < Duration::from_secs(10) {
            let _ = s.write_all(b" ");
            std::thread::sleep(Duration::from_millis(200));
            let mut buf = [0u8; 4096];
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
        }
        (
            String::from_utf8_lossy(&response).into_owned(),
            started.elapsed(),
        )
    })
    .await
    .unwrap();
    let (response, took) = answer;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");
    assert!(
        response.contains("\"code\":\"request_timeout\""),
        "{response}"
    );
    assert!(took < Duration::from_secs(6), "{took:?}");
}

#[tokio::test]
async fn if_match_with_a_weak_etag_is_a_precondition_failure() {
    let app = spawn_app().await;
    let token = app.token(Role::Admin).await;
    let (_, channel) = app
        .post_json("/api/v1/categories", &token, json!({ "name": "标签" }))
        .await;
    let article = app
        .create_article(
            &token,
            json!({ "title": "强比较", "category_id": channel["id"] }),
        )
        .await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let version = article["version"].as_i64().unwrap();
    for weak in [format!("W/\"v{version}\""), format!("v{version}")] {
        let res = app
            .patch(&path)
            .bearer_auth(&token)
            .header("if-match", weak.as_str())
            .json(&json!({ "summary": "弱" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 412, "If-Match: {weak}");
    }
    let res = app
        .patch(&path)
        .bearer_auth(&token)
        .header("if-match", format!("\"v{version}\""))
        .json(&json!({ "summary": "强" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn an_id_too_long_for_a_number_is_named_as_sent() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/articles/99999999999999999999999",
        "/api/v1/sources/99999999999999999999999",
        "/api/v1/articles/99999999999999999999999/views",
    ] {
        let res = if path.ends_with("/views") {
            app.post(path).send().await.unwrap()
        } else {
            app.get(path).send().await.unwrap()
        };
        assert_eq!(res.status(), 404, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("99999999999999999999999"),
            "{path}: {detail}"
        );
        assert!(!detail.contains("-1"), "{path}: {detail}");
    }
}

/// Sends raw bytes and reads until the server closes the connection.
fn raw_exchange(address: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn unparsable_requests_get_problem_json_too() {
    let app = spawn_app().await;
    let address = app.address.clone();
    let answers = tokio::task::spawn_blocking(move || {
        [
            &b"GET /api/v1/articles/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            b"NOT HTTP AT ALL\r\n\r\n",
            // After a good request on the same connection.
            b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/\xe4 HTTP/1.1\r\nHost: x\r\n\r\n",
        ]
        .map(|req| raw_exchange(&address, req))
    })
    .await
    .unwrap();
    for answer in answers {
        let last = &answer[answer.rfind("HTTP/1.1 ").unwrap()..];
        assert!(last.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
        assert!(
            last.contains("content-type: application/problem+json"),
            "{answer}"
        );
        let body = &last[last.find("\r\n\r\n").unwrap() + 4..];
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 400);
        assert_eq!(problem["code"], "validation_failed");
    }
}
