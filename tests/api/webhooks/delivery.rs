//! Delivery: retries with backoff, no redirects, timeouts, giving up, redelivery, restarts.

use std::time::Duration;

use serde_json::{Value, json};

use super::receiver::{Receiver, Reply};
use super::{admin_app, delivery_until, register, verify};
use crate::helpers::*;

/// Pings `hook`; returns the delivery id.
async fn ping(app: &TestApp, token: &str, hook: i64) -> String {
    let (status, d) = app
        .post_json(&format!("/api/v1/webhooks/{hook}/ping"), token, json!(null))
        .await;
    assert_eq!(status, 202, "{d}");
    assert_eq!(d["status"], "pending");
    d["id"].to_string()
}

#[tokio::test]
async fn webhooks_retry_with_exponential_backoff() {
    let (app, admin) = admin_app(|_| {}).await;
    let rx = Receiver::start(vec![Reply::Status(500), Reply::Status(503)]).await;
    let (hook, secret) = register(&app, &admin, &rx.url, json!(["site.updated"])).await;
    let id = ping(&app, &admin, hook).await;
    let got = rx.wait_for(3, 10).await;
    assert_eq!(got.len(), 3);
    // The same signed delivery each time, waiting about 1 s, then about 2 s.
    for r in &got {
        assert_eq!(verify(&secret, r)["event"], "ping");
        assert_eq!(r.header("newsdesk-delivery"), id);
    }
    let first = got[1].at - got[0].at;
    let second = got[2].at - got[1].at;
    assert!(first >= Duration::from_millis(900), "{first:?}");
    assert!(
        second >= Duration::from_millis(1900) && second > first,
        "{second:?}"
    );
    let d = delivery_until(&app, &admin, hook, &id, 5, |d| d["status"] == "succeeded").await;
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["last_status_code"], 200);
    assert_eq!(d["last_error"], Value::Null);
    assert_eq!(d["last_response"], "answer 200");
    assert!(d["delivered_at"].is_string());
}

#[tokio::test]
async fn webhooks_redirects_are_not_followed() {
    let (app, admin) = admin_app(|c| c.webhook_retry_base_secs = 60.0).await;
    let elsewhere = Receiver::start(vec![]).await;
    let rx = Receiver::start(vec![Reply::Redirect(elsewhere.url.clone())]).await;
    let (hook, _) = register(&app, &admin, &rx.url, json!(["site.updated"])).await;
    let id = ping(&app, &admin, hook).await;
    let d = delivery_until(&app, &admin, hook, &id, 5, |d| {
        d["attempts"] == 1 && d["status"] == "pending"
    })
    .await;
    assert_eq!(d["last_status_code"], 302);
    assert!(
        d["last_error"].as_str().unwrap().contains("not followed"),
        "{d}"
    );
    let wait = chrono::DateTime::parse_from_rfc3339(d["next_attempt_at"].as_str().unwrap())
        .unwrap()
        .to_utc()
        - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(50),
        "backoff from WEBHOOK_RETRY_BASE_SECS"
    );
    assert_eq!(rx.received().len(), 1);
    assert!(elsewhere.received().is_empty());
}

#[tokio::test]
async fn webhooks_slow_endpoints_time_out() {
    let (app, admin) = admin_app(|c| c.webhook_timeout_secs = 0.5).await;
    let rx = Receiver::start(vec![Reply::Slow(Duration::from_secs(3))]).await;
    let (hook, _) = register(&app, &admin, &rx.url, json!(["site.updated"])).await;
    let id = ping(&app, &admin, hook).await;
    let d = delivery_until(&app, &admin, hook, &id, 5, |d| {
        d["attempts"] == 1 && d["status"] == "pending"
    })
    .await;
    assert!(
        d["last_error"].as_str().unwrap().contains("timed out"),
        "{d}"
    );
    assert_eq!(d["last_status_code"], Value::Null);
    assert!(d["last_duration_ms"].as_i64().unwrap() < 2000);
    // The retry is answered at once.
    let d = delivery_until(&app, &admin, hook, &id, 5, |d| d["status"] == "succeeded").await;
    assert_eq!(d["attempts"], 2);
}

#[tokio::test]
async fn webhooks_give_up_after_the_max_age_and_redeliver_by_hand() {
    let (app, admin) = admin_app(|c| c.webhook_max_age_secs = 2).await;
    let rx = Receiver::start(vec![Reply::Status(500); 50]).await;
    let (hook, secret) = register(&app, &admin, &rx.url, json!(["site.updated"])).await;
    let id = ping(&app, &admin, hook).await;
    let d = delivery_until(&app, &admin, hook, &id, 8, |d| d["status"] == "failed").await;
    assert_eq!(d["status"], "failed", "{d}");
    assert!(d["attempts"].as_i64().unwrap() >= 2, "{d}");
    assert_eq!(d["last_status_code"], 500);
    assert_eq!(d["next_attempt_at"], Value::Null);
    let tries = rx.received().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.received().len(), tries, "no attempt after giving up");

    // By hand: queued now, same id and payload, a fresh window.
    rx.clear_script();
    let res = app
        .call(
            "POST",
            &format!("/api/v1/webhooks/{hook}/deliveries/{id}/redeliver"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.status(), 202);
    let got = rx.wait_for(tries + 1, 5).await;
    assert_eq!(verify(&secret, &got[tries])["id"], json!(id));
    let d = delivery_until(&app, &admin, hook, &id, 5, |d| d["status"] == "succeeded").await;
    assert_eq!(d["status"], "succeeded");
    let res = app
        .call(
            "POST",
            &format!("/api/v1/webhooks/{hook}/deliveries/999999/redeliver"),
            Some(&admin),
            None,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn webhooks_refuse_private_addresses_when_sending() {
    // Registered while allowed; a worker that refuses them records a failed attempt.
    let (app, admin) = admin_app(|c| c.webhook_worker = false).await;
    let rx = Receiver::start(vec![]).await;
    let (hook, _) = register(&app, &admin, &rx.url, json!(["site.updated"])).await;
    let id = ping(&app, &admin, hook).await;
    let other = app
        .start_another(|c| {
            c.webhook_allow_private = false;
            c.webhook_retry_base_secs = 60.0;
        })
        .await;
    // `attempts` counts from the claim; the attempt is recorded when the status is back to pending.
    let d = delivery_until(&app, &admin, hook, &id, 30, |d| {
        d["attempts"] == 1 && d["status"] == "pending"
    })
    .await;
    let error = d["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("refused"), "{d}");
    assert!(rx.received().is_empty());
    other.stop(true).await;
}

#[tokio::test]
async fn webhooks_deliveries_survive_a_restart() {
    // Queued while no worker runs (in the transaction of the change)…
    let (app, admin) = admin_app(|c| c.webhook_worker = false).await;
    let rx = Receiver::start(vec![]).await;
    let (hook, secret) = register(&app, &admin, &rx.url, json!(["site.updated"])).await;
    let (status, _) = app
        .patch_json("/api/v1/site", &admin, json!({ "name": "重启" }))
        .await;
    assert_eq!(status, 200);
    let (_, log) = app
        .get_as(&format!("/api/v1/webhooks/{hook}/deliveries"), Some(&admin))
        .await;
    assert_eq!(log["data"][0]["status"], "pending");
    assert_eq!(log["data"][0]["attempts"], 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.received().is_empty());
    app.stop().await;

    // …and sent by the next instance on the same database.
    let next = app.start_another(|_| {}).await;
    let got = rx.wait_for(1, 10).await;
    assert_eq!(got.len(), 1);
    let p = verify(&secret, &got[0]);
    assert_eq!(
        (p["event"].as_str(), p["data"]["name"].as_str()),
        (Some("site.updated"), Some("重启"))
    );
    next.stop(true).await;
}
