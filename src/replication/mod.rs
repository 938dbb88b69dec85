//! Read routing over PostgreSQL streaming replicas.
//!
//! Writes, and everything inside a write's transaction, use the primary (`AppState::conn`).
//! Public reads (`AppState::read_conn`) go round robin to a replica that is in rotation and has
//! replayed far enough, otherwise to the primary. "Far enough" is the larger of:
//!
//! - the position the request presents (`Newsdesk-Lsn` header or `newsdesk_lsn` cookie, handed
//!   out by every write: see `route`), so a writer never reads older than its own write;
//! - this instance's floor: the primary's position when this instance last learned of a write
//!   (its own, or another instance's through the change listener). The floor is raised before
//!   the caches are invalidated, so whatever fills a cache afterwards is at least that new.
//!
//! Each replica has its own pool and a health check (`health`) that takes it out of rotation
//! when it does not answer or lags more than `REPLICA_MAX_LAG_SECS`, and puts it back when it
//! has caught up. Staff requests (with an `Authorization` header) always read the primary.

pub mod health;
pub mod lsn;
pub mod metrics;
pub mod route;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use crate::config::ReplicaConfig;
use crate::db::{DbConn, DbPool, DbStats, PoolSettings};
pub use lsn::Lsn;

/// What reads were served by, and why one went to the primary (for `/metrics`).
#[derive(Debug, Default)]
pub struct RouteStats {
    /// Reads served by a replica.
    pub replica_reads: AtomicU64,
    /// Reads served by the primary although replicas are configured, because none was in
    /// rotation, none had replayed far enough, or the chosen one failed.
    pub fallback_reads: AtomicU64,
    /// Reads of staff requests (always on the primary).
    pub staff_reads: AtomicU64,
}

/// One replica: its pools and what the last check found.
pub struct Replica {
    /// Host and port (no credentials): how logs, metrics and `/readyz` name it.
    pub name: String,
    pool: DbPool,
    /// One connection of its own for the health check, so a busy pool does not read as down.
    monitor: DbPool,
    in_rotation: AtomicBool,
    /// Up (answering as a standby) at the last check.
    up: AtomicBool,
    /// How far it had replayed when last asked.
    replayed: AtomicU64,
    /// Milliseconds behind the primary at the last check.
    lag_ms: AtomicU64,
    reads: AtomicU64,
}

impl Replica {
    fn note_replayed(&self, lsn: Lsn) {
        self.replayed.fetch_max(lsn.0, Ordering::AcqRel);
    }

    fn replayed(&self) -> Lsn {
        Lsn(self.replayed.load(Ordering::Acquire))
    }

    pub fn in_rotation(&self) -> bool {
        self.in_rotation.load(Ordering::Acquire)
    }

    /// Out of rotation until the health check finds it well again.
    fn take_out(&self, why: &str) {
        if self.in_rotation.swap(false, Ordering::AcqRel) {
            tracing::warn!(replica = %self.name, reason = why, "replica out of rotation; its reads go to the primary");
        }
    }
}

/// A replica as `/readyz` reports it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplicaStatus {
    /// Host and port.
    pub name: String,
    /// `in_rotation` (serving reads), `lagging` (answers, but too far behind) or `down`.
    pub state: String,
    /// How far behind the primary it was at the last check, in milliseconds.
    pub lag_ms: u64,
    /// Reads it served since this instance started.
    pub reads: u64,
}

/// The replicas of one instance and its read floor.
pub struct Replicas {
    list: Vec<Replica>,
    next: AtomicUsize,
    /// No read of this instance may be older than this (see the module's documentation).
    floor: AtomicU64,
    /// Bumped whenever the floor becomes unknown (see `settle_floor`).
    unknown: AtomicU64,
    /// Every write at or before this has been applied to this instance's caches; a request
    /// presenting a newer position bypasses the response cache.
    seen: AtomicU64,
    pub max_lag: Duration,
    pub check_every: Duration,
    pub cookie_secs: u64,
    pub stats: RouteStats,
}

/// "Unknown": a write's position could not be read; reads go to the primary until the change
/// listener's next check of the primary's position.
const UNKNOWN: u64 = u64::MAX;

impl Replicas {
    /// Pools for each of `config`'s replicas (lazy: nothing is opened yet). `None` when none is
    /// configured.
    pub fn build(
        config: &ReplicaConfig,
        settings: &PoolSettings,
        stats: &Arc<DbStats>,
    ) -> Result<Option<Self>, String> {
        let urls = config.urls();
        if urls.is_empty() {
            return Ok(None);
        }
        let size = if config.pool_size == 0 {
            settings.size
        } else {
            config.pool_size
        };
        // A replica that does not answer quickly is skipped for the primary, not waited for.
        let mut replica_settings = settings.sized(size);
        replica_settings.checkout_timeout = settings.checkout_timeout.min(Duration::from_secs(1));
        let mut monitor_settings = replica_settings.sized(1);
        monitor_settings.trace = None;
        let mut list = Vec::with_capacity(urls.len());
        for url in &urls {
            let pool = crate::db::build_pool(url, &replica_settings, stats.clone())
                .map_err(|e| format!("DATABASE_REPLICA_URLS: {e}"))?;
            let monitor = crate::db::build_pool(url, &monitor_settings, stats.clone())
                .map_err(|e| format!("DATABASE_REPLICA_URLS: {e}"))?;
            list.push(Replica {
                name: name_of(url),
                pool,
                monitor,
                in_rotation: AtomicBool::new(false),
                up: AtomicBool::new(false),
                replayed: AtomicU64::new(0),
                lag_ms: AtomicU64::new(0),
                reads: AtomicU64::new(0),
            });
        }
        Ok(Some(Self {
            list,
            next: AtomicUsize::new(0),
            floor: AtomicU64::new(0),
            unknown: AtomicU64::new(0),
            seen: AtomicU64::new(0),
            max_lag: Duration::from_secs_f64(config.max_lag_secs),
            check_every: Duration::from_millis(config.check_interval_ms),
            cookie_secs: config.read_your_writes_secs,
            stats: RouteStats::default(),
        }))
    }

    pub fn list(&self) -> &[Replica] {
        &self.list
    }

    /// Raises the floor to `lsn` (before caches are invalidated for the write at `lsn`).
    pub fn raise_floor(&self, lsn: Lsn) {
        self.floor.fetch_max(lsn.0, Ordering::AcqRel);
    }

    /// A write's position is unknown: reads go to the primary until `settle_floor`.
    pub fn floor_unknown(&self) {
        self.unknown.fetch_add(1, Ordering::AcqRel);
        self.floor.store(UNKNOWN, Ordering::Release);
    }

    /// Taken before reading the primary's position for `settle_floor`.
    pub fn unknown_generation(&self) -> u64 {
        self.unknown.load(Ordering::Acquire)
    }

    /// The primary was at `lsn`, read by a query that started when the unknown generation was
    /// `generation`: if no write's position went unknown since, an unknown floor becomes `lsn`
    /// (every write it stood for had committed before that query).
    pub fn settle_floor(&self, lsn: Lsn, generation: u64) {
        let _ = self
            .floor
            .compare_exchange(UNKNOWN, lsn.0, Ordering::AcqRel, Ordering::Acquire);
        if self.unknown.load(Ordering::Acquire) != generation {
            // A write went unknown meanwhile: its commit may be after `lsn`.
            self.floor.store(UNKNOWN, Ordering::Release);
        }
    }

    /// Every write up to `lsn` has been applied to the caches.
    pub fn mark_seen(&self, lsn: Lsn) {
        self.seen.fetch_max(lsn.0, Ordering::AcqRel);
    }

    /// Whether cached answers may serve a request that presents `lsn`.
    pub fn cache_covers(&self, lsn: Lsn) -> bool {
        lsn.0 <= self.seen.load(Ordering::Acquire)
    }

    /// A connection to a replica that has replayed at least `need` (and the floor), or `None`
    /// (the caller reads the primary).
    pub async fn checkout(&self, need: Lsn) -> Option<DbConn> {
        let floor = self.floor.load(Ordering::Acquire);
        if floor == UNKNOWN {
            self.stats.fallback_reads.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let need = need.max(Lsn(floor));
        let n = self.list.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut behind = None;
        for i in 0..n {
            let replica = &self.list[(start + i) % n];
            if !replica.in_rotation() {
                continue;
            }
            if replica.replayed() < need {
                behind.get_or_insert(replica);
                continue;
            }
            if let Some(conn) = self.take(replica).await {
                return Some(self.served(replica, conn));
            }
        }
        // None known to be far enough: ask one whether it has replayed further since.
        if let Some(replica) = behind
            && let Some(mut conn) = self.take(replica).await
            && let Ok(at) = lsn::replayed(&mut conn).await
        {
            replica.note_replayed(at);
            if at >= need {
                return Some(self.served(replica, conn));
            }
        }
        self.stats.fallback_reads.fetch_add(1, Ordering::Relaxed);
        None
    }

    fn served(&self, replica: &Replica, conn: DbConn) -> DbConn {
        replica.reads.fetch_add(1, Ordering::Relaxed);
        self.stats.replica_reads.fetch_add(1, Ordering::Relaxed);
        conn
    }

    /// A pooled connection, or `None`; a replica that cannot be reached leaves the rotation at
    /// once (a busy pool does not).
    async fn take(&self, replica: &Replica) -> Option<DbConn> {
        match replica.pool.get().await {
            Ok(conn) => Some(conn),
            Err(crate::db::PoolError::Timeout(_)) => None,
            Err(e) => {
                replica.take_out(&format!("cannot connect: {e}"));
                replica.up.store(false, Ordering::Release);
                None
            }
        }
    }

    /// Every replica's state, for `/readyz`.
    pub fn status(&self) -> Vec<ReplicaStatus> {
        self.list
            .iter()
            .map(|r| ReplicaStatus {
                name: r.name.clone(),
                state: if r.in_rotation() {
                    "in_rotation"
                } else if r.up.load(Ordering::Acquire) {
                    "lagging"
                } else {
                    "down"
                }
                .into(),
                lag_ms: r.lag_ms.load(Ordering::Relaxed),
                reads: r.reads.load(Ordering::Relaxed),
            })
            .collect()
    }
}

/// `host:port` of a PostgreSQL URL (never its credentials).
fn name_of(url: &str) -> String {
    let Ok(pg) = url.parse::<tokio_postgres::Config>() else {
        return "replica".into();
    };
    let host = pg
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}
