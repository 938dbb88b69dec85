//! Read routing with `DATABASE_REPLICA_URLS`, as far as one PostgreSQL shows it: positions
//! handed out by writes, the cookie, the cache bypass for newer positions, and replicas that are
//! unusable (unreachable, or not a standby) leaving every read on the primary. Real streaming
//! replicas are exercised by `scripts/cluster-test.sh`.

use std::time::Duration;

use newsdesk::models::user::Role;
use newsdesk::replication::Lsn;
use serde_json::{Value, json};

use crate::helpers::*;

async fn create_source(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    app.post("/api/v1/sources")
        .bearer_auth(token)
        .json(&json!({ "name": name, "kind": "website" }))
        .send()
        .await
        .unwrap()
}

async fn primary_position(app: &TestApp) -> Lsn {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        lsn: String,
    }
    let mut conn = app.conn().await;
    let row: Row = diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
        .get_result(&mut conn)
        .await
        .unwrap();
    row.lsn.parse().unwrap()
}

/// A replica URL where nothing listens.
const UNREACHABLE: &str = "postgres://root@127.0.0.1:1/nowhere";

/// An app with one replica at the URL `replica` makes of its own database's, checked every 50 ms.
async fn with_replica(replica: impl FnOnce(&str) -> String) -> TestApp {
    spawn_app_with(|c| {
        c.replicas.urls = vec![replica(&c.database_url)];
        c.replicas.check_interval_ms = 50;
    })
    .await
}

#[tokio::test]
async fn without_replicas_nothing_changes() {
    let app = spawn_app().await;
    let token = app.token(Role::Editor).await;
    let res = create_source(&app, &token, "黑河日报").await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("newsdesk-lsn").is_none());
    assert!(res.headers().get("set-cookie").is_none());
    // The header is not even read.
    let res = app
        .get("/api/v1/sources")
        .header("newsdesk-lsn", "not a position")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, ready) = status_json(app.get("/readyz").send().await.unwrap()).await;
    assert!(ready.get("replicas").is_none(), "{ready}");
}

#[tokio::test]
async fn an_unreachable_replica_leaves_reads_on_the_primary_and_writes_hand_out_positions() {
    let app = with_replica(|_| UNREACHABLE.into()).await;
    let (status, ready) = status_json(app.get("/readyz").send().await.unwrap()).await;
    assert_eq!(
        status, 200,
        "a replica down does not make the instance unready"
    );
    assert_eq!(ready["replicas"][0]["name"], "127.0.0.1:1");
    assert_eq!(ready["replicas"][0]["state"], "down");

    let token = app.token(Role::Editor).await;
    let before = primary_position(&app).await;
    let res = create_source(&app, &token, "黑河日报").await;
    assert_eq!(res.status(), 201);
    let lsn: Lsn = header(&res, "newsdesk-lsn").parse().unwrap();
    assert!(lsn > before, "{lsn} after {before}");
    assert!(lsn <= primary_position(&app).await);
    let cookie = header(&res, "set-cookie");
    assert_eq!(
        cookie,
        format!("newsdesk_lsn={lsn}; Max-Age=60; Path=/; HttpOnly; SameSite=Lax")
    );

    // Reads are served (by the primary), with or without a position.
    let (status, body) = status_json(app.get("/api/v1/sources").send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"][0]["name"], "黑河日报", "{body}");
    let res = app
        .get("/api/v1/sources")
        .header("newsdesk-lsn", lsn.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(app.metric("newsdesk_replica_fallback_reads_total").await >= 2);
    assert_eq!(
        app.metric("newsdesk_replica_in_rotation{replica=\"127.0.0.1:1\"}")
            .await,
        0
    );
    assert_eq!(
        app.metric("newsdesk_replica_reads_total{replica=\"127.0.0.1:1\"}")
            .await,
        0
    );
}

#[tokio::test]
async fn a_position_newer_than_the_caches_bypasses_them_until_they_cover_it() {
    let app = with_replica(|_| UNREACHABLE.into()).await;
    let token = app.token(Role::Editor).await;
    let res = create_source(&app, &token, "黑河日报").await;
    let lsn = header(&res, "newsdesk-lsn");
    let read = |with: Option<&str>| {
        let mut req = app.get("/api/v1/sources");
        if let Some(lsn) = with {
            req = req.header("newsdesk-lsn", lsn);
        }
        req
    };
    // Warm the cache without a position.
    read(None).send().await.unwrap();
    let res = read(None).send().await.unwrap();
    assert_eq!(header(&res, "cache-status"), "newsdesk; hit");
    // The writer's position is newer than what this instance has confirmed applying.
    let res = read(Some(&lsn)).send().await.unwrap();
    assert_eq!(header(&res, "cache-status"), "newsdesk; fwd=bypass");
    // The same through the cookie a browser keeps.
    let res = read(None)
        .header("cookie", format!("newsdesk_lsn={lsn}"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "cache-status"), "newsdesk; fwd=bypass");
    // Within two probes of the change listener (1 s each), the caches cover it.
    let mut covered = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let res = read(Some(&lsn)).send().await.unwrap();
        if header(&res, "cache-status").contains("hit") {
            covered = true;
            break;
        }
    }
    assert!(covered, "the cache never covered {lsn}");
}

#[tokio::test]
async fn a_malformed_position_is_a_400_and_changes_nothing() {
    let app = with_replica(|_| UNREACHABLE.into()).await;
    let token = app.token(Role::Editor).await;
    for bad in ["yesterday", "1/2/3", "123456789/0", "/"] {
        let res = app
            .post("/api/v1/sources")
            .bearer_auth(&token)
            .header("newsdesk-lsn", bad)
            .json(&json!({ "name": "黑河日报", "kind": "website" }))
            .send()
            .await
            .unwrap();
        let problem: Value = assert_problem(res, 400, "validation_failed").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("Newsdesk-Lsn"),
            "{problem}"
        );
    }
    assert_eq!(
        app.sql("SELECT 1 FROM sources WHERE name = '黑河日报'")
            .await,
        0
    );
    // A bad cookie is someone else's business: ignored.
    let res = app
        .get("/api/v1/sources")
        .header("cookie", "newsdesk_lsn=garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_server_that_is_not_a_standby_is_never_read_as_a_replica() {
    let app = with_replica(str::to_owned).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, ready) = status_json(app.get("/readyz").send().await.unwrap()).await;
    assert_eq!(ready["replicas"][0]["state"], "down", "{ready}");
    for _ in 0..3 {
        let res = app.get("/api/v1/categories").send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let name = ready["replicas"][0]["name"].as_str().unwrap().to_owned();
    assert_eq!(
        app.metric(&format!(
            "newsdesk_replica_reads_total{{replica=\"{name}\"}}"
        ))
        .await,
        0
    );
    // Staff reads are the primary's, always.
    let token = app.token(Role::Editor).await;
    let (status, _) = app.get_as("/api/v1/sources", Some(&token)).await;
    assert_eq!(status, 200);
    assert!(app.metric("newsdesk_replica_staff_reads_total").await >= 1);
}
