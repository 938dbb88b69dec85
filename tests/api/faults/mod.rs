//! The fault suite: the server reaches PostgreSQL through a proxy (`fault_proxy`) that can cut
//! the link, blackhole it or swallow one reply, and must stay bounded, truthful and exact.

mod outage;
mod pool;
mod requests;
mod shutdown;
mod stale;
mod views;

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use actix_web::web::Data;
use newsdesk::config::Config;
use newsdesk::state::AppState;

use crate::fault_proxy::FaultProxy;
use crate::helpers::{TestApp, server_url, spawn_app_routed};

/// Where the test PostgreSQL listens.
pub fn upstream() -> SocketAddr {
    let url = url::Url::parse(&server_url()).expect("TEST_DATABASE_URL is a URL");
    let host = url.host_str().unwrap_or("127.0.0.1").to_owned();
    let port = url.port().unwrap_or(5432);
    (host.as_str(), port)
        .to_socket_addrs()
        .expect("resolve the test PostgreSQL")
        .next()
        .expect("an address for the test PostgreSQL")
}

/// A server behind a fault proxy, with bounds small enough for tests, and no background work
/// that would touch the database unasked (scheduler, webhooks).
pub async fn behind_proxy(
    tweak: impl FnOnce(&mut Config),
) -> (TestApp, Data<AppState>, FaultProxy) {
    let proxy = FaultProxy::start(upstream())
        .await
        .expect("start the proxy");
    let (app, state) = spawn_app_routed(
        |url| proxy.url_for(url),
        |c| {
            c.database_pool_size = 4;
            c.database_timeout_secs = 1;
            c.database_request_budget_secs = 1.5;
            c.scheduler_interval = 3600.0;
            c.webhook_worker = false;
            tweak(c);
        },
    )
    .await;
    (app, state, proxy)
}

/// Polls `check` every 100 ms until it is true or `limit` passes; the time it took.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}
