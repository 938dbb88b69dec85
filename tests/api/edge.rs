//! The edge tier without an edge: surrogate keys and lifetimes on public responses, and the
//! purges writes send (to a webhook-style target on loopback): once per write and again later,
//! merged, sent by one instance of several, retried, and replaced by a purge of everything when
//! overdue. A real Varnish is exercised by `scripts/edge-test.sh`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::desk::*;
use crate::helpers::*;
use crate::webhooks::receiver::{Received, Receiver, Reply};

fn keys(res: &reqwest::Response, name: &str) -> BTreeSet<String> {
    header(res, name).split(' ').map(str::to_owned).collect()
}

/// The keys of purge requests received (webhook targets get `{"keys": […], "everything": …}`).
fn purged(got: &[Received]) -> Vec<(BTreeSet<String>, bool)> {
    got.iter()
        .map(|r| {
            let body: Value = r.json();
            let keys = body["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_owned())
                .collect();
            (keys, body["everything"].as_bool().unwrap())
        })
        .collect()
}

fn with_target(url: &str) -> impl FnOnce(&mut newsdesk::config::Config) + '_ {
    move |c| {
        c.edge.purge_urls = format!("webhook={url}");
        c.edge.purge_token = "edge-secret".into();
        c.edge.poll_ms = 50;
        c.edge.repurge_secs = 1.0;
    }
}

#[tokio::test]
async fn public_answers_carry_surrogate_keys_and_an_edge_lifetime() {
    let d = desk().await;
    let id = d.publish("边缘键", json!({})).await;
    let path = article_path(id);
    for expected_cache in ["newsdesk; fwd=uri-miss; stored", "newsdesk; hit"] {
        let res = d.get(&path).send().await.unwrap();
        assert_eq!(header(&res, "cache-status"), expected_cache);
        let xkey = keys(&res, "xkey");
        assert!(
            xkey.contains("all") && xkey.contains(&format!("a{id}")),
            "{xkey:?}"
        );
        assert!(
            xkey.contains(&format!("p{}", d.cat)),
            "its channel's placement: {xkey:?}"
        );
        assert_eq!(keys(&res, "surrogate-key"), xkey);
        assert!(res.headers().get("cache-tag").is_none(), "not configured");
        // It shows its view count: kept no longer than RESPONSE_CACHE_COUNTERS_SECS (60 here).
        let lifetime = header(&res, "surrogate-control");
        let secs: u64 = lifetime.strip_prefix("max-age=").unwrap().parse().unwrap();
        assert!((50..=60).contains(&secs), "{lifetime}");
        assert!(header(&res, "cache-control").starts_with("public, max-age=60"));
    }
    // What only changes by writes is kept for EDGE_TTL_SECS (a day): purged, not expired.
    let res = d.get("/api/v1/sources").send().await.unwrap();
    assert_eq!(
        keys(&res, "xkey"),
        BTreeSet::from(["all".into(), "ss".into()])
    );
    let lifetime = header(&res, "surrogate-control");
    let secs: u64 = lifetime.strip_prefix("max-age=").unwrap().parse().unwrap();
    assert!((86_300..=86_400).contains(&secs), "{lifetime}");
    // Staff answers are not for an edge.
    let res = d.get(&path).bearer_auth(&d.t).send().await.unwrap();
    assert_eq!(res.status(), 200);
    for name in ["xkey", "surrogate-key", "surrogate-control"] {
        assert!(
            res.headers().get(name).is_none(),
            "{name} on a staff answer"
        );
    }
}

#[tokio::test]
async fn a_list_that_changes_at_a_scheduled_instant_is_kept_no_longer() {
    let d = desk().await;
    d.publish("已发布", json!({})).await;
    d.publish("定时", json!({ "published_at": at(30) })).await;
    let res = d
        .get("/api/v1/categories/shehui/articles")
        .send()
        .await
        .unwrap();
    let lifetime = header(&res, "surrogate-control");
    let secs: u64 = lifetime.strip_prefix("max-age=").unwrap().parse().unwrap();
    assert!((25..=30).contains(&secs), "{lifetime}");
}

#[tokio::test]
async fn the_headers_sent_are_configurable_and_long_lists_stay_bounded() {
    let d = desk_with(|c| {
        c.edge.key_headers = "cache-tag".into();
        c.edge.max_key_bytes = 64;
    })
    .await;
    for i in 0..20 {
        d.publish(&format!("第{i}篇"), json!({})).await;
    }
    let res = d
        .get("/api/v1/categories/shehui/articles?per_page=20")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("xkey").is_none());
    let tags = header(&res, "cache-tag");
    assert!(tags.len() <= 64, "{tags}");
    let tags: BTreeSet<&str> = tags.split(' ').collect();
    assert!(tags.contains("ax"), "20 articles grouped: {tags:?}");
    let none = desk_with(|c| c.edge.key_headers = String::new()).await;
    let res = none.get("/api/v1/site").send().await.unwrap();
    for name in ["xkey", "surrogate-key", "cache-tag", "surrogate-control"] {
        assert!(
            res.headers().get(name).is_none(),
            "{name} with EDGE_KEY_HEADERS empty"
        );
    }
}

#[tokio::test]
async fn a_write_purges_its_keys_at_once_and_again_later() {
    let target = Receiver::start(vec![]).await;
    let d = desk_with(with_target(&target.url)).await;
    let id = d.publish("要清除的", json!({})).await;
    let got = target.wait_for(1, 5).await;
    let (first, everything) = &purged(&got)[0];
    assert!(!everything);
    assert!(first.contains(&format!("a{id}")), "{first:?}");
    assert!(
        first.contains(&format!("p{}", d.cat)),
        "a publish moves its channel: {first:?}"
    );
    assert_eq!(got[0].header("authorization"), "Bearer edge-secret");
    // The publish's own re-purge first (1 s later).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = std::time::Instant::now();
    let edited = d
        .patch_json(&article_path(id), &d.t, json!({ "title": "改了" }))
        .await;
    assert_eq!(edited.0, 200);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // The edit: purged at once, and again about EDGE_REPURGE_SECS (1 s) later.
    let key = format!("a{id}");
    let after: Vec<f64> = target
        .received()
        .iter()
        .filter(|r| r.at >= sent && purged(std::slice::from_ref(r))[0].0.contains(&key))
        .map(|r| (r.at - sent).as_secs_f64())
        .collect();
    assert!(
        after.iter().any(|&t| t < 0.8),
        "no purge at once: {after:?}"
    );
    assert!(
        after.iter().any(|&t| (0.9..2.5).contains(&t)),
        "no purge again a second later: {after:?}"
    );
    // Sent: nothing left but what is not due yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        d.sql("SELECT 1 FROM edge_purges WHERE not_before <= now()")
            .await,
        0
    );
}

#[tokio::test]
async fn many_writes_make_few_purges() {
    let target = Receiver::start(vec![]).await;
    let d = desk_with(|c| {
        with_target(&target.url)(c);
        // At most two rounds a second: what is queued meanwhile is merged.
        c.edge.poll_ms = 500;
    })
    .await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for i in 0..30 {
            v.push(d.draft(&format!("草稿{i}"), json!({})).await);
        }
        v
    };
    let before = target.received().len();
    for id in &ids {
        let (status, _) = d
            .patch_json(&article_path(*id), &d.t, json!({ "status": "published" }))
            .await;
        assert_eq!(status, 200);
    }
    // Every key arrives (twice), in far fewer requests than writes.
    let all_there = |got: &[Received]| {
        let seen: BTreeSet<String> = purged(&got[before..])
            .into_iter()
            .flat_map(|(k, _)| k)
            .collect();
        ids.iter().all(|id| seen.contains(&format!("a{id}")))
    };
    let mut got = target.received();
    for _ in 0..100 {
        if all_there(&got) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        got = target.received();
    }
    assert!(all_there(&got), "not every key was purged");
    let first_round = got.len() - before;
    assert!(
        first_round < ids.len(),
        "{first_round} purge requests for {} writes",
        ids.len()
    );
}

#[tokio::test]
async fn each_purge_is_sent_by_one_instance_of_several() {
    let target = Receiver::start(vec![]).await;
    let d = desk_with(with_target(&target.url)).await;
    let mut config = test_config(d.db.url.clone());
    with_target(&target.url)(&mut config);
    let other = newsdesk::startup::Application::build(config).await.unwrap();
    let other_url = format!("http://127.0.0.1:{}", other.port());
    let handle = other.handle();
    tokio::spawn(other.run_until_stopped());
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for i in 0..10 {
        let id = d.draft(&format!("两处{i}"), json!({})).await;
        ids.push(id);
    }
    // The drafts' own purges (and their repeats) first.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let before = target.received().len();
    for (i, id) in ids.iter().enumerate() {
        let base = if i % 2 == 0 {
            d.address.clone()
        } else {
            other_url.clone()
        };
        let res = client
            .patch(format!("{base}{}", article_path(*id)))
            .bearer_auth(&d.t)
            .json(&json!({ "status": "published" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // Purged and purged again (EDGE_REPURGE_SECS=1), by one instance each time.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let got = purged(&target.received()[before..]);
    for id in &ids {
        let n = got
            .iter()
            .filter(|(k, _)| k.contains(&format!("a{id}")))
            .count();
        // Twice (at once, again a second later), or once when a slow round merged both; never
        // by both instances (that would be 3 or 4).
        assert!(
            (1..=2).contains(&n),
            "article {id}'s key sent {n} times: {got:?}"
        );
    }
    handle.stop(false).await;
}

#[tokio::test]
async fn a_purge_that_cannot_be_delivered_in_time_becomes_a_purge_of_everything() {
    let target = Receiver::start(vec![Reply::Status(500); 4]).await;
    let d = desk_with(|c| {
        with_target(&target.url)(c);
        c.edge.max_delay_secs = 1.0;
        c.edge.repurge_secs = 0.0;
    })
    .await;
    let id = d.publish("送不出去", json!({})).await;
    let mut full = None;
    for _ in 0..200 {
        let got = target.received();
        if let Some(r) = purged(&got).into_iter().position(|(_, all)| all) {
            full = Some((r, got.len()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (at, _) = full.expect("no purge of everything");
    assert!(at >= 1, "failures came first");
    let failed = purged(&target.received()[..at]);
    assert!(
        failed
            .iter()
            .all(|(k, all)| !all && k.contains(&format!("a{id}")))
    );
    assert!(d.metric("newsdesk_edge_purge_failures_total").await >= 1);
    // The first purge of everything seen may itself have failed: the next one goes through.
    let mut full = 0;
    for _ in 0..100 {
        full = d.metric("newsdesk_edge_purge_full_total").await;
        if full >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(full >= 1, "no purge of everything went through");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(d.sql("SELECT 1 FROM edge_purges").await, 0, "settled");
}
