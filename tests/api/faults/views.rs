//! (b) Views are counted exactly once through faults: beacons sent while the database is cut
//! off are all stored after it returns, and a flush whose reply is lost after PostgreSQL
//! committed it is not added again.

use std::time::Duration;

use newsdesk::content::change::{ArticleChange, ArticleEvent, Change};
use newsdesk::models::ids::ArticleId;
use newsdesk::models::user::Role;
use newsdesk::state::AppState;
use serde_json::json;

use super::{behind_proxy, eventually};
use crate::fault_proxy::Mode;
use crate::helpers::TestApp;

const STORED: &str = "SELECT coalesce(sum(views), 0)::bigint AS n FROM article_views_daily";
const COUNTED: &str = "SELECT coalesce(sum(view_count), 0)::bigint AS n FROM articles";
const UA: &str = "Mozilla/5.0 (faults)";

/// Publishes `n` articles in a new channel; their ids.
async fn publish(app: &TestApp, n: usize) -> Vec<i64> {
    let token = app.token(Role::Admin).await;
    let (status, channel) = app
        .post_json("/api/v1/categories", &token, json!({ "name": "故障" }))
        .await;
    assert_eq!(status, 201, "{channel}");
    let mut ids = Vec::new();
    for i in 0..n {
        let body = json!({ "title": format!("断网测试 {i}"), "category_id": channel["id"], "status": "published" });
        ids.push(
            app.create_article(&token, body).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    ids
}

async fn beacon(app: &TestApp, id: i64, visitor: &str) -> u16 {
    app.beacon(&id.to_string(), Some(visitor), UA)
        .await
        .status()
        .as_u16()
}

/// Articles whose views the beacon has counted once while the database answered: it knows them.
async fn known_articles(app: &TestApp, n: usize) -> Vec<i64> {
    let ids = publish(app, n).await;
    for id in &ids {
        assert_eq!(beacon(app, *id, &format!("warm-{id}")).await, 204);
    }
    assert_eq!(app.wait_for_i64(STORED, n as i64).await, n as i64);
    ids
}

/// What the beacon knew is now due for a check (as after any write, or a few seconds): it must
/// ask the database, find it unreachable, and count the view anyway.
fn outdate(state: &AppState, ids: &[i64]) {
    state.caches.apply(&Change::Articles(
        ids.iter()
            .map(|i| ArticleChange::now(ArticleId(*i), Vec::new(), ArticleEvent::Saved))
            .collect(),
    ));
}

/// After the link is back, exactly `sent` views are stored (and stay so: nothing doubled).
async fn all_stored_once(app: &TestApp, sent: i64) {
    let stored = eventually(Duration::from_secs(20), || async {
        app.sql_i64(STORED).await == sent
    })
    .await;
    let now = app.sql_i64(STORED).await;
    assert!(stored.is_some(), "stored {now} of {sent}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(app.sql_i64(STORED).await, sent, "nothing doubled");
    assert_eq!(app.sql_i64(COUNTED).await, sent);
}

#[tokio::test]
async fn beacons_during_a_cut_are_all_stored_once_after_restore() {
    let (app, state, proxy) = behind_proxy(|_| {}).await;
    let ids = known_articles(&app, 3).await;
    proxy.set(Mode::Cut);
    outdate(&state, &ids);
    let mut sent = 3;
    for round in 0..20 {
        for id in &ids {
            assert_eq!(beacon(&app, *id, &format!("cut-{round}-{id}")).await, 204);
            sent += 1;
        }
    }
    // Flushes fail meanwhile; nothing may be lost or written twice when they succeed again.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(app.sql_i64(STORED).await, 3);
    proxy.set(Mode::Open);
    all_stored_once(&app, sent).await;
}

#[tokio::test]
async fn beacons_during_a_blackhole_answer_in_time_and_are_stored_after() {
    let (app, state, proxy) = behind_proxy(|_| {}).await;
    let ids = known_articles(&app, 2).await;
    proxy.set(Mode::Blackhole);
    outdate(&state, &ids);
    let mut sent = 2;
    for round in 0..5 {
        for id in &ids {
            let started = std::time::Instant::now();
            assert_eq!(beacon(&app, *id, &format!("dark-{round}-{id}")).await, 204);
            // One bounded look at the database (1 s) at most, then what was known.
            let took = started.elapsed();
            assert!(took < Duration::from_secs(4), "{took:?}");
            sent += 1;
        }
    }
    proxy.set(Mode::Open);
    all_stored_once(&app, sent).await;
}

#[tokio::test]
async fn a_flush_whose_reply_is_lost_after_commit_is_not_counted_twice() {
    // No flushes but the ones this test makes.
    let (app, state, proxy) = behind_proxy(|c| c.views_flush_interval = 3600.0).await;
    let ids = publish(&app, 2).await;
    for i in 0..100 {
        assert_eq!(beacon(&app, ids[i % 2], &format!("reader-{i}")).await, 204);
    }
    assert_eq!(state.views.pending_views(), 100);

    proxy.drop_reply_to(b"view_flushes");
    let first = state.views.flush(&state.pool).await;
    assert!(first.is_err(), "the reply was swallowed: {first:?}");
    assert_eq!(proxy.dropped_replies(), 1);
    assert_eq!(app.sql_i64(STORED).await, 100, "PostgreSQL committed it");
    assert_eq!(state.views.pending_views(), 100, "kept for a retry");

    state.views.flush(&state.pool).await.unwrap();
    assert_eq!(state.views.pending_views(), 0);
    assert_eq!(app.sql_i64(STORED).await, 100, "the retry added nothing");
    assert_eq!(app.sql_i64(COUNTED).await, 100);

    // And a new batch after that is written normally.
    assert_eq!(beacon(&app, ids[0], "late-reader").await, 204);
    state.views.flush(&state.pool).await.unwrap();
    assert_eq!(app.sql_i64(STORED).await, 101);
}
