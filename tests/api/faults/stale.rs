//! (f) Readable while the database is down: what the response cache holds is answered (marked
//! stale) through a cut link; what it never held is 503; writes are 503; when the link is back,
//! fresh answers return.

use std::time::Duration;

use newsdesk::models::user::Role;
use serde_json::json;

use super::{behind_proxy, eventually};
use crate::fault_proxy::Mode;
use crate::helpers::header;

#[tokio::test]
async fn cached_pages_stay_readable_through_a_database_cut() {
    let (app, _state, proxy) = behind_proxy(|_| {}).await;
    let token = app.token(Role::Admin).await;
    let (status, channel) = app
        .post_json("/api/v1/categories", &token, json!({ "name": "断网频道" }))
        .await;
    assert_eq!(status, 201, "{channel}");
    let body =
        json!({ "title": "断网也能读", "category_id": channel["id"], "status": "published" });
    let id = app.create_article(&token, body).await["id"]
        .as_i64()
        .unwrap();
    let article = format!("/api/v1/articles/{id}?include=latest_in_category");
    let pages = ["/api/v1/home", article.as_str()];
    let mut before = Vec::new();
    for p in pages {
        let res = app.get(p).send().await.unwrap();
        assert_eq!(res.status(), 200, "{p}");
        before.push(res.text().await.unwrap());
    }

    proxy.set(Mode::Cut);
    // Until the instance notices its change listener is gone, its entries are fresh (nothing
    // can change while nobody can write): hits. Once it notices, they are stale.
    let noticed = eventually(Duration::from_secs(5), || async {
        let metrics = app.metrics_text().await;
        metrics.contains("newsdesk_response_cache_subscribed 0")
    })
    .await;
    assert!(noticed.is_some(), "the listener's loss went unnoticed");
    for (p, was) in pages.iter().zip(&before) {
        let res = app
            .get(p)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{p}");
        let status = header(&res, "cache-status");
        assert!(status.contains("detail=stale-if-error"), "{p}: {status}");
        assert!(header(&res, "cache-control").contains("stale-if-error="));
        assert_eq!(&res.text().await.unwrap(), was, "{p}");
    }
    // Again, at once (the database is known to be down for a moment).
    let res = app.get("/api/v1/home").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "cache-status"),
        "newsdesk; hit; detail=stale-if-error"
    );
    // Never cached: 503, as before.
    let res = app.get("/api/v1/sources").send().await.unwrap();
    assert_eq!(res.status(), 503);
    // Writes fail.
    let (status, _) = app
        .patch_json(
            &format!("/api/v1/articles/{id}"),
            &token,
            json!({ "title": "改不了" }),
        )
        .await;
    assert_eq!(status, 503);

    proxy.set(Mode::Open);
    let fresh = eventually(Duration::from_secs(15), || async {
        app.get("/api/v1/home")
            .send()
            .await
            .is_ok_and(|r| !header(&r, "cache-status").contains("stale"))
    })
    .await;
    assert!(
        fresh.is_some(),
        "never fresh again after the link came back"
    );
    assert_eq!(
        app.get("/api/v1/sources").send().await.unwrap().status(),
        200
    );
}
