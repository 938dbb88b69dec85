//! (d) A saturated pool: requests get a timely 503, while `/readyz` (a connection of its own)
//! truthfully says the database is fine, and `/metrics` shows the saturation.

use std::time::{Duration, Instant};

use super::behind_proxy;

#[tokio::test]
async fn pool_exhaustion_gives_a_timely_503_while_readyz_stays_truthful() {
    let (app, state, _proxy) = behind_proxy(|c| c.database_pool_size = 2).await;
    assert_eq!(
        app.get("/api/v1/sources").send().await.unwrap().status(),
        200
    );

    let held = (
        state.pool.get().await.unwrap(),
        state.pool.get().await.unwrap(),
    );
    let started = Instant::now();
    // (Asked differently from the first request, so not answered from the response cache.)
    let res = app.get("/api/v1/sources?page=1").send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "service_unavailable");

    let ready = app.get("/readyz").send().await.unwrap();
    assert_eq!(
        ready.status(),
        200,
        "readiness reflects the database, not the queue"
    );
    let metrics = app
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let timeouts = metrics
        .lines()
        .find_map(|l| l.strip_prefix("newsdesk_db_pool_checkout_timeouts_total "))
        .and_then(|v| v.trim().parse::<i64>().ok());
    assert!(timeouts.is_some_and(|n| n >= 1), "{metrics}");

    drop(held);
    assert_eq!(
        app.get("/api/v1/sources").send().await.unwrap().status(),
        200
    );
}
