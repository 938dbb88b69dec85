//! Request limits: URL length, header size, body size, page size and array lengths.

use newsdesk::models::user::Role;
use serde_json::json;

use super::{assert_raw_problem, get_request, raw_request};
use crate::helpers::*;

#[tokio::test]
async fn a_url_over_max_url_bytes_is_414() {
    let app = spawn_app().await; // MAX_URL_BYTES = 4096 in tests
    let prefix = "/api/v1/categories/";
    let at_limit = format!("{prefix}{}", "a".repeat(4096 - prefix.len()));
    assert_eq!(at_limit.len(), 4096);
    let res = app.get(&at_limit).send().await.unwrap();
    assert_problem(res, 404, "not_found").await;
    let over = format!("{at_limit}a");
    let res = app.get(&over).send().await.unwrap();
    let body = assert_problem(res, 414, "validation_failed").await;
    assert_eq!(field_errors(&body), ["url"]);
    assert!(body["detail"].as_str().unwrap().contains("4096"));
    // A long path is refused the same way, before routing (not a 404), also for writes.
    let long_path = format!("/api/v1/categories/{}", "c".repeat(5000));
    let res = app.get(&long_path).send().await.unwrap();
    assert_problem(res, 414, "validation_failed").await;
    let res = app.delete(&long_path).send().await.unwrap();
    assert_problem(res, 414, "validation_failed").await;
    // Percent-encoding counts as sent.
    let encoded = format!("/api/v1/articles?q={}", "%E9%BB%91".repeat(500));
    let res = app.get(&encoded).send().await.unwrap();
    assert_problem(res, 414, "validation_failed").await;
}

#[tokio::test]
async fn headers_over_max_header_bytes_are_431() {
    let app = spawn_app().await; // MAX_HEADER_BYTES = 16 KiB in tests
    let res = app
        .get("/api/v1/categories")
        .header("x-pad", "p".repeat(15 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "15 KiB of headers pass");
    for (what, size) in [("20 KiB", 20 * 1024), ("64 KiB", 64 * 1024)] {
        let res = app
            .get("/api/v1/categories")
            .header("x-pad", "p".repeat(size))
            .send()
            .await
            .unwrap();
        let body = assert_problem(res, 431, "validation_failed").await;
        assert_eq!(field_errors(&body), ["headers"], "{what}");
    }
    // Many small headers add up.
    let mut req = app.get("/api/v1/categories");
    for i in 0..60 {
        req = req.header(format!("x-pad-{i}"), "p".repeat(400));
    }
    assert_problem(req.send().await.unwrap(), 431, "validation_failed").await;
    // A huge bearer token is refused by size before it is looked at.
    let res = app
        .get("/api/v1/auth/me")
        .bearer_auth("a".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    assert_problem(res, 431, "validation_failed").await;
}

#[tokio::test]
async fn heads_beyond_the_http_servers_own_limits_get_a_bare_431_or_a_closed_connection() {
    let app = spawn_app().await;
    // More than 128 KiB of head, or more than 96 header fields: actix-http answers before any
    // middleware runs, so this is the one place without problem+json.
    let huge = format!("X-Pad: {}\r\n", "p".repeat(200 * 1024));
    let raw = raw_request(
        &app.address,
        get_request(b"/api/v1/categories", huge.as_bytes()),
    )
    .await;
    assert!(matches!(raw.status, Some(431) | None), "{}", raw.head);
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let raw = raw_request(
        &app.address,
        get_request(b"/api/v1/categories", many.as_bytes()),
    )
    .await;
    assert!(matches!(raw.status, Some(431) | None), "{}", raw.head);
    // The server is still fine afterwards.
    assert_eq!(app.get("/livez").send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_declared_or_streamed() {
    let app = spawn_app().await; // MAX_BODY_BYTES = 64 KiB in tests
    let token = app.token(Role::Editor).await;
    let big = json!({ "name": "big", "description": "d".repeat(70 * 1024) }).to_string();
    // Declared with Content-Length.
    let res = app
        .post("/api/v1/categories")
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
    // Chunked, with no length declared up front.
    let mut req = format!(
        "POST /api/v1/categories HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in big.as_bytes().chunks(8192) {
        req.extend_from_slice(format!("{:X}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let raw = raw_request(&app.address, req).await;
    assert_raw_problem(&raw, 413, "chunked");
    // A Content-Length that lies low does not smuggle the rest in as a second request.
    let lie = format!(
        "POST /api/v1/categories HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: 2\r\n\r\n{{}}DELETE /api/v1/categories/1 HTTP/1.1\r\n\r\n"
    );
    let raw = raw_request(&app.address, lie.into_bytes()).await;
    assert_raw_problem(&raw, 422, "short content-length");
    assert_eq!(app.sql_i64("SELECT count(*) AS n FROM categories").await, 0);
}

#[tokio::test]
async fn page_sizes_and_array_lengths_are_bounded() {
    let app = spawn_app().await;
    app.seed().await;
    let (token, _) = app.staff(Role::Admin).await;
    let lists = [
        "/api/v1/articles",
        "/api/v1/categories/guonei/articles",
        "/api/v1/authors",
        "/api/v1/sources",
        "/api/v1/tags",
        "/api/v1/rankings",
        "/api/v1/search?q=黑河&",
        "/api/v1/trash/articles",
        "/api/v1/articles/1/revisions",
    ];
    for list in lists {
        let sep = if list.contains('?') { "" } else { "?" };
        for bad in [
            "per_page=101",
            "per_page=0",
            "per_page=-1",
            "per_page=99999999999999999999",
            "page=0",
            "page=100001",
            "page=9223372036854775807",
        ] {
            let res = app
                .get(&format!("{list}{sep}{bad}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let body = assert_problem(res, 400, "validation_failed").await;
            assert!(!field_errors(&body).is_empty(), "{list} {bad}");
        }
        let res = app
            .get(&format!("{list}{sep}per_page=100"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().as_u16() == 200 || list.contains("revisions"),
            "{list}"
        );
    }
    for bad in ["limit=101", "limit=0", "limit=-5", "limit=4294967296"] {
        for path in ["/api/v1/rankings/most-read?", "/api/v1/articles/1/related?"] {
            let res = app.get(&format!("{path}{bad}")).send().await.unwrap();
            assert!(matches!(res.status().as_u16(), 400 | 404), "{path}{bad}");
        }
    }
    // Lists in bodies: at most 20 authors, tags and related picks; at most 100 board entries.
    let category = app.category_id("guonei").await;
    let base = json!({ "title": "数组", "category_id": category });
    for (field, value) in [
        ("author_ids", json!((1..=21).collect::<Vec<i64>>())),
        ("related_ids", json!((1..=21).collect::<Vec<i64>>())),
        (
            "tags",
            json!((1..=21).map(|i| format!("t{i}")).collect::<Vec<_>>()),
        ),
        (
            "tags",
            json!((0..10_000).map(|i| format!("t{i}")).collect::<Vec<_>>()),
        ),
        ("author_ids", json!(vec![1; 50_000])),
    ] {
        let (status, body) = app
            .post_json(
                "/api/v1/articles",
                &token,
                merge(base.clone(), json!({ field: value })),
            )
            .await;
        assert_eq!(status, 422, "{field}: {body}");
        assert!(
            field_errors(&body).contains(&field.to_owned()),
            "{field}: {body}"
        );
    }
    let (_, board) = app
        .post_json(
            "/api/v1/rankings",
            &token,
            json!({ "title": "榜", "kind": "curated" }),
        )
        .await;
    let entries: Vec<_> = (0..101).map(|i| json!({ "article_id": i + 1 })).collect();
    let res = app
        .call(
            "PUT",
            &format!("/api/v1/rankings/{}/entries", board["id"]),
            Some(&token),
            Some(json!(entries)),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // Deeply nested HTML: parsing time grows with depth times tags (100,000 nested `<div>`s
    // took minutes), so bodies are refused beyond 256 levels, before the sanitizer runs.
    let started = std::time::Instant::now();
    for html in [
        "<div>".repeat(100_000),
        "<b>".repeat(50_000),
        "<table><tr><td>".repeat(20_000),
    ] {
        let (status, body) = app
            .post_json(
                "/api/v1/articles",
                &token,
                merge(base.clone(), json!({ "body": html })),
            )
            .await;
        assert_eq!(
            status,
            422,
            "{}",
            body.to_string().chars().take(300).collect::<String>()
        );
        assert_eq!(field_errors(&body), ["body"]);
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "refused without parsing"
    );
    let html = format!("{}深{}", "<div>".repeat(256), "</div>".repeat(256));
    let (status, body) = app
        .post_json(
            "/api/v1/articles",
            &token,
            merge(base.clone(), json!({ "body": html })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["body"], "深");
    assert_eq!(app.get("/livez").send().await.unwrap().status(), 200);
}
