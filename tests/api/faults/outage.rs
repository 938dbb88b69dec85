//! (a) A blackholed database: every request ends within its bound with 503, `/readyz` says so,
//! `/livez` does not, and the server recovers by itself when the link is back.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::{behind_proxy, eventually};
use crate::fault_proxy::Mode;
use crate::helpers::header;

const PATHS: [&str; 5] = [
    "/api/v1/articles",
    "/api/v1/sources",
    "/api/v1/authors",
    "/api/v1/tags",
    "/api/v1/articles?per_page=5",
];
/// The same lists asked differently: never cached, so they need the database.
const COLD: [&str; 5] = [
    "/api/v1/articles?page=1",
    "/api/v1/sources?page=1",
    "/api/v1/authors?page=1",
    "/api/v1/tags?page=1",
    "/api/v1/articles?per_page=6",
];

#[tokio::test]
async fn a_blackholed_database_gives_timely_503s_and_recovers_without_restart() {
    let (app, state, proxy) = behind_proxy(|_| {}).await;
    // Open pooled connections: the requests below find them and hang on them.
    let warm = join_all(PATHS.map(|p| app.get(p).send())).await;
    for res in warm {
        assert_eq!(res.unwrap().status(), 200);
    }

    proxy.set(Mode::Blackhole);
    let app = &app;
    let answers = join_all(COLD.map(|p| async move {
        let started = Instant::now();
        // Bounded here too, so that a regression fails instead of hanging the suite.
        let res = app.get(p).timeout(Duration::from_secs(30)).send().await;
        (p, res.expect("an answer within 30 s"), started.elapsed())
    }))
    .await;
    // Budget 1.5 s after the first checkout (or a 1 s checkout timeout), then 503.
    for (path, res, took) in answers {
        assert!(took < Duration::from_secs(6), "{path} took {took:?}");
        assert_eq!(res.status(), 503, "{path}");
        assert!(
            !header(&res, "retry-after").is_empty(),
            "{path}: Retry-After"
        );
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "service_unavailable", "{path}: {body}");
    }
    assert!(
        state.db_stats.budget_exceeded.load(Ordering::Relaxed) >= 1,
        "a request on an open connection was cut off by its budget"
    );
    let started = Instant::now();
    let ready = app.get("/readyz").timeout(Duration::from_secs(30)).send();
    let ready = ready.await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(app.get("/livez").send().await.unwrap().status(), 200);

    proxy.set(Mode::Open);
    let recovered = eventually(Duration::from_secs(15), || async {
        app.get("/api/v1/articles")
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    assert!(recovered.is_some(), "no recovery after the link came back");
    assert_eq!(app.get("/readyz").send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_cut_link_gives_503_at_once_and_recovers() {
    let (app, _state, proxy) = behind_proxy(|_| {}).await;
    assert_eq!(app.get(PATHS[0]).send().await.unwrap().status(), 200);
    proxy.set(Mode::Cut);
    let started = Instant::now();
    let res = app.get(PATHS[1]).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(3));
    proxy.set(Mode::Open);
    let recovered = eventually(Duration::from_secs(10), || async {
        app.get(PATHS[1])
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    assert!(recovered.is_some());
}
