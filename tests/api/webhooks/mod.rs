//! Signed webhooks: endpoints, events from writes, signatures, retries, restarts.

mod crud;
mod delivery;
mod events;
pub mod receiver;

use hmac::{Hmac, KeyInit, Mac};
use newsdesk::models::user::Role;
use serde_json::{Value, json};
use sha2::Sha256;

use self::receiver::Received;
use crate::helpers::*;

/// Registers an endpoint for `events` at `url`; returns (id, secret).
pub async fn register(app: &TestApp, token: &str, url: &str, events: Value) -> (i64, String) {
    let (status, body) = app
        .post_json(
            "/api/v1/webhooks",
            token,
            json!({ "url": url, "events": events }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_i64().unwrap(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Checks a request's signature and headers the way a receiver should; returns the payload.
pub fn verify(secret: &str, r: &Received) -> Value {
    let ts = r.header("newsdesk-timestamp");
    let sent: i64 = ts.parse().expect("a unix timestamp");
    assert!(
        (chrono::Utc::now().timestamp() - sent).abs() < 60,
        "fresh timestamp"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&r.body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(r.header("newsdesk-signature"), format!("v1={hex}"));
    assert_eq!(r.header("content-type"), "application/json");
    let payload = r.json();
    assert_eq!(payload["id"], r.header("newsdesk-delivery"));
    assert_eq!(payload["event"], r.header("newsdesk-event"));
    assert!(chrono::DateTime::parse_from_rfc3339(payload["occurred_at"].as_str().unwrap()).is_ok());
    payload
}

/// An admin token on a fresh app (with tweaks).
pub async fn admin_app(tweak: impl FnOnce(&mut newsdesk::config::Config)) -> (TestApp, String) {
    let app = spawn_app_with(tweak).await;
    let token = app.token(Role::Admin).await;
    (app, token)
}

/// Polls a delivery (up to `secs`) until `done` holds; returns it.
pub async fn delivery_until(
    app: &TestApp,
    token: &str,
    hook: i64,
    id: &str,
    secs: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let (status, d) = app
            .get_as(
                &format!("/api/v1/webhooks/{hook}/deliveries/{id}"),
                Some(token),
            )
            .await;
        assert_eq!(status, 200, "{d}");
        if done(&d) || std::time::Instant::now() >= until {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
