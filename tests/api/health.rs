use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::helpers::*;

#[tokio::test]
async fn livez_and_readyz_answer_ok() {
    let app = spawn_app().await;
    let res = app.get("/livez").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );
    let res = app.get("/readyz").send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let res = app
        .get("/livez")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.get("/livez").send().await.unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 36, "a uuid: {generated}");
    // Errors carry it too.
    let res = app
        .get("/nope")
        .header("x-request-id", "err-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "err-1");
}

#[tokio::test]
async fn metrics_count_requests_per_route_pattern_and_pool_usage() {
    let app = spawn_app().await;
    app.get("/api/v1/categories/123").send().await.unwrap();
    let body = app
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("newsdesk_http_requests_total"), "{body}");
    assert!(
        body.contains("endpoint=\"/api/v1/categories/{key}\""),
        "{body}"
    );
    assert!(body.contains("newsdesk_db_pool_max 4"), "{body}");
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = spawn_app().await;
    app.seed().await;
    let res = app
        .get("/api/v1/categories")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let app = spawn_app().await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/categories"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/categories"))
        .header("origin", "https://evil.example.net")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

async fn set_connections(db: &str, allowed: bool) {
    let mut admin = admin_conn().await;
    diesel::sql_query(format!(
        "ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS {allowed}"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    if !allowed {
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn database_outage_is_503_and_the_service_recovers() {
    let app = spawn_app().await;
    app.seed().await;
    assert_eq!(
        app.get("/api/v1/categories").send().await.unwrap().status(),
        200
    );

    set_connections(&app.db.name, false).await;
    // What was cached is still answered (stale-if-error); the rest is 503.
    let cached = app.get("/api/v1/categories").send().await.unwrap();
    assert_eq!(cached.status(), 200);
    for path in ["/readyz", "/api/v1/sources", "/api/v1/authors"] {
        // The first request may meet a pooled connection that was just killed: still 503.
        for _ in 0..2 {
            let res = app.get(path).send().await.unwrap();
            let body = assert_problem(res, 503, "service_unavailable").await;
            assert!(
                !body["detail"].as_str().unwrap().contains("FATAL"),
                "no raw database message"
            );
        }
    }
    assert_eq!(app.get("/livez").send().await.unwrap().status(), 200);

    set_connections(&app.db.name, true).await;
    let mut ok = false;
    for _ in 0..20 {
        if app.get("/api/v1/sources").send().await.unwrap().status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ok, "the service recovers once the database is back");
    assert_eq!(app.get("/readyz").send().await.unwrap().status(), 200);
    // The database itself is fine afterwards.
    let mut conn = AsyncPgConnection::establish(&app.db.url).await.unwrap();
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .unwrap();
}
