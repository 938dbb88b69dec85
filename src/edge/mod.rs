//! The edge tier: purging exactly what changed from Varnish or a CDN in front.
//!
//! Public responses carry surrogate keys (`cache::surrogate`, added by the response cache's
//! middleware). Every write queues the keys its change purges in `edge_purges`, inside its own
//! transaction (`queue`, called by `services::commit`): twice, at once and `EDGE_REPURGE_SECS`
//! later, so that a page the edge fetched from an instance that had not heard of the write yet
//! is purged again. The worker (`worker`) on every instance claims due purges with
//! `FOR UPDATE SKIP LOCKED` (each is sent by one instance), merges their keys, sends one purge per
//! target (`targets`), and retries with backoff; a purge not delivered within
//! `EDGE_PURGE_MAX_DELAY_SECS` is replaced by purging everything.

pub mod targets;
pub mod worker;

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use diesel_async::AsyncPgConnection;

use crate::cache::Invalidation;
use crate::config::{Config, PurgeKind};
use crate::models::edge_purge;

/// Purges since start, for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    /// Purge requests a target accepted.
    pub requests: AtomicU64,
    /// Purge requests that failed (retried).
    pub failures: AtomicU64,
    /// Keys purged (each once per round, for every target).
    pub keys: AtomicU64,
    /// Full purges (fallback, or asked for).
    pub full: AtomicU64,
    /// Milliseconds from the oldest purge of the last round being queued to its delivery.
    pub last_delay_ms: AtomicU64,
}

/// Where purges go, and how.
pub struct Edge {
    pub targets: Vec<(PurgeKind, url::Url)>,
    pub token: String,
    pub repurge: Duration,
    pub poll: Duration,
    pub max_delay: Duration,
    pub stats: Stats,
    /// Notified after a write of this instance queued purges: the worker sends them at once.
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Edge {
    /// `None` when no purge target is configured.
    pub fn from_config(config: &Config) -> Result<Option<Self>, String> {
        let targets = config.edge.targets()?;
        if targets.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            targets,
            token: config.edge.purge_token.clone(),
            repurge: Duration::from_secs_f64(config.edge.repurge_secs),
            poll: Duration::from_millis(config.edge.poll_ms),
            max_delay: Duration::from_secs_f64(config.edge.max_delay_secs),
            stats: Stats::default(),
            wake: std::sync::Arc::new(tokio::sync::Notify::new()),
        }))
    }
}

/// Queues the edge purge of what `inv` invalidated, in the caller's transaction.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    edge: &Edge,
    inv: &Invalidation,
) -> diesel::QueryResult<()> {
    let keys = crate::cache::surrogate::purge_keys(inv);
    if keys.is_empty() {
        return Ok(());
    }
    edge_purge::enqueue(conn, &keys, false, edge.repurge).await
}

/// Queues a purge of everything (writes made outside the services: the command line's
/// reindex and seed). Harmless where no edge is configured: nothing sends it, and the next
/// instance with an edge purges everything once.
pub async fn queue_everything(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    edge_purge::enqueue(conn, &[], true, Duration::ZERO).await
}
