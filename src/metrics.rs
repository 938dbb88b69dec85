//! Prometheus metrics: per-route request counts and latency (actix-web-prom) plus pool usage.

use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, Opts};

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::db::{DbPool, DbStats};
use crate::search::Indexer;
use crate::views::ViewCounter;

/// Reads the pool's status at scrape time. Saturation shows here (`db_pool_waiting`,
/// `db_pool_checkout_timeouts_total`), not in `/readyz`, which has a connection of its own.
struct PoolCollector {
    pool: DbPool,
    stats: Arc<DbStats>,
    size: IntGauge,
    available: IntGauge,
    waiting: IntGauge,
    max: IntGauge,
    timeouts: IntGauge,
    budget: IntGauge,
    discarded: IntGauge,
}

impl PoolCollector {
    fn new(pool: DbPool, stats: Arc<DbStats>) -> prometheus::Result<Self> {
        Ok(Self {
            pool,
            stats,
            timeouts: gauge(
                "db_pool_checkout_timeouts_total",
                "Requests that gave up waiting for a database connection (503)",
            )?,
            budget: gauge(
                "db_request_budget_exceeded_total",
                "Requests cut off by DATABASE_REQUEST_BUDGET_SECS (503)",
            )?,
            discarded: gauge(
                "db_connections_discarded_total",
                "Connections thrown away because a statement was still unanswered",
            )?,
            size: gauge("db_pool_connections", "Open database connections")?,
            available: gauge("db_pool_idle", "Idle database connections")?,
            waiting: gauge(
                "db_pool_waiting",
                "Requests waiting for a database connection",
            )?,
            max: gauge("db_pool_max", "Largest allowed pool size")?,
        })
    }
}

impl PoolCollector {
    fn gauges(&self) -> [&IntGauge; 7] {
        [
            &self.size,
            &self.available,
            &self.waiting,
            &self.max,
            &self.timeouts,
            &self.budget,
            &self.discarded,
        ]
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.gauges().into_iter().flat_map(|g| g.desc()).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let status = self.pool.status();
        self.size.set(status.size as i64);
        self.available.set(status.available as i64);
        self.waiting.set(status.waiting as i64);
        self.max.set(status.max_size as i64);
        let read = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as i64;
        self.timeouts.set(read(&self.stats.checkout_timeouts));
        self.budget.set(read(&self.stats.budget_exceeded));
        self.discarded.set(read(&self.stats.discarded));
        self.gauges()
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}

/// The beacon's counters, read at scrape time.
struct ViewsCollector {
    views: Arc<ViewCounter>,
    accepted: IntGauge,
    flushed: IntGauge,
    dropped: IntGauge,
    pending: IntGauge,
}

impl ViewsCollector {
    fn new(views: Arc<ViewCounter>) -> prometheus::Result<Self> {
        Ok(Self {
            views,
            accepted: gauge(
                "views_accepted_total",
                "Views counted by the beacon since start",
            )?,
            flushed: gauge(
                "views_flushed_total",
                "Views written to the database since start",
            )?,
            dropped: gauge(
                "views_dropped_total",
                "Views dropped because the buffer was full",
            )?,
            pending: gauge(
                "views_pending_counters",
                "(article, day) counters waiting for a flush",
            )?,
        })
    }
}

impl Collector for ViewsCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.accepted, &self.flushed, &self.dropped, &self.pending]
            .into_iter()
            .flat_map(|g| g.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.accepted
            .set(self.views.accepted.load(Ordering::Relaxed) as i64);
        self.flushed
            .set(self.views.flushed.load(Ordering::Relaxed) as i64);
        self.dropped
            .set(self.views.dropped.load(Ordering::Relaxed) as i64);
        self.pending.set(self.views.pending_keys() as i64);
        [&self.accepted, &self.flushed, &self.dropped, &self.pending]
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}

/// Indexing done on article writes, read at scrape time.
struct SearchCollector {
    indexer: Arc<Indexer>,
    indexed: IntGauge,
    micros: IntGauge,
}

impl Collector for SearchCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.indexed, &self.micros]
            .into_iter()
            .flat_map(|g| g.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.indexed
            .set(self.indexer.indexed.load(Ordering::Relaxed) as i64);
        self.micros
            .set(self.indexer.micros.load(Ordering::Relaxed) as i64);
        [&self.indexed, &self.micros]
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}

/// Webhook delivery attempts, read at scrape time.
struct WebhooksCollector {
    stats: Arc<crate::webhooks::worker::Stats>,
    succeeded: IntGauge,
    failed: IntGauge,
}

impl Collector for WebhooksCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.succeeded, &self.failed]
            .into_iter()
            .flat_map(|g| g.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.succeeded
            .set(self.stats.succeeded.load(Ordering::Relaxed) as i64);
        self.failed
            .set(self.stats.failed.load(Ordering::Relaxed) as i64);
        [&self.succeeded, &self.failed]
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}

/// Edge purges, read at scrape time.
struct EdgeCollector {
    edge: Arc<crate::edge::Edge>,
    gauges: [IntGauge; 5],
}

impl EdgeCollector {
    fn new(edge: Arc<crate::edge::Edge>) -> prometheus::Result<Self> {
        Ok(Self {
            edge,
            gauges: [
                gauge(
                    "edge_purge_requests_total",
                    "Purge requests an edge target accepted",
                )?,
                gauge(
                    "edge_purge_failures_total",
                    "Purge requests that failed (retried with backoff)",
                )?,
                gauge("edge_purge_keys_total", "Surrogate keys purged, per target")?,
                gauge(
                    "edge_purge_full_total",
                    "Purges of everything (asked for, or instead of an overdue purge)",
                )?,
                gauge(
                    "edge_purge_last_delay_milliseconds",
                    "From the oldest purge of the last round being queued to its delivery",
                )?,
            ],
        })
    }
}

impl Collector for EdgeCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.gauges.iter().flat_map(|g| g.desc()).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let s = &self.edge.stats;
        let values = [&s.requests, &s.failures, &s.keys, &s.full, &s.last_delay_ms];
        for (g, v) in self.gauges.iter().zip(values) {
            g.set(v.load(Ordering::Relaxed) as i64);
        }
        self.gauges.iter().flat_map(|g| g.collect()).collect()
    }
}

fn gauge(name: &str, help: &str) -> prometheus::Result<IntGauge> {
    IntGauge::with_opts(Opts::new(name, help).namespace("newsdesk"))
}

/// The middleware that counts requests and serves `GET /metrics`.
pub fn build(
    state: &crate::state::AppState,
    webhooks: Arc<crate::webhooks::worker::Stats>,
) -> Result<PrometheusMetrics, String> {
    let (pool, db_stats, views, indexer) = (
        &state.pool,
        state.db_stats.clone(),
        state.views.clone(),
        state.search.clone(),
    );
    let (responses, replicas, edge) = (
        state.caches.responses.clone(),
        state.replicas.clone(),
        state.edge.clone(),
    );
    let registry = prometheus::Registry::new();
    let cache = crate::cache::metrics::response_cache(responses).map_err(|e| e.to_string())?;
    registry
        .register(Box::new(cache))
        .map_err(|e| e.to_string())?;
    let postings = crate::cache::metrics::search_postings(state.caches.postings.clone())
        .map_err(|e| e.to_string())?;
    registry
        .register(Box::new(postings))
        .map_err(|e| e.to_string())?;
    let pool = PoolCollector::new(pool.clone(), db_stats).map_err(|e| e.to_string())?;
    registry
        .register(Box::new(pool))
        .map_err(|e| e.to_string())?;
    let views = ViewsCollector::new(views).map_err(|e| e.to_string())?;
    registry
        .register(Box::new(views))
        .map_err(|e| e.to_string())?;
    let search = SearchCollector {
        indexer,
        indexed: gauge(
            "search_indexed_on_write_total",
            "Articles segmented and indexed by writes since start",
        )
        .map_err(|e| e.to_string())?,
        micros: gauge(
            "search_index_microseconds_total",
            "Time spent segmenting and building search vectors on writes, in microseconds",
        )
        .map_err(|e| e.to_string())?,
    };
    registry
        .register(Box::new(search))
        .map_err(|e| e.to_string())?;
    let webhooks = WebhooksCollector {
        stats: webhooks,
        succeeded: gauge(
            "webhook_deliveries_succeeded_total",
            "Webhook delivery attempts answered with 2xx since start",
        )
        .map_err(|e| e.to_string())?,
        failed: gauge(
            "webhook_delivery_attempts_failed_total",
            "Webhook delivery attempts that failed (to be retried or given up) since start",
        )
        .map_err(|e| e.to_string())?,
    };
    registry
        .register(Box::new(webhooks))
        .map_err(|e| e.to_string())?;
    if let Some(replicas) = replicas {
        let routing = crate::replication::metrics::ReplicaCollector::new(replicas)
            .map_err(|e| e.to_string())?;
        registry
            .register(Box::new(routing))
            .map_err(|e| e.to_string())?;
    }
    if let Some(edge) = edge {
        let purges = EdgeCollector::new(edge).map_err(|e| e.to_string())?;
        registry
            .register(Box::new(purges))
            .map_err(|e| e.to_string())?;
    }
    PrometheusMetricsBuilder::new("newsdesk")
        .registry(registry)
        .endpoint("/metrics")
        .build()
        .map_err(|e| e.to_string())
}
