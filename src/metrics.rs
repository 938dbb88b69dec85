//! Prometheus metrics: per-route request counts and latency (actix-web-prom) plus pool usage.

use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, Opts};

use crate::db::DbPool;

/// Reads the pool's status at scrape time.
struct PoolCollector {
    pool: DbPool,
    size: IntGauge,
    available: IntGauge,
    waiting: IntGauge,
    max: IntGauge,
}

impl PoolCollector {
    fn new(pool: DbPool) -> prometheus::Result<Self> {
        let gauge = |name: &str, help: &str| {
            IntGauge::with_opts(Opts::new(name, help).namespace("newsdesk"))
        };
        Ok(Self {
            pool,
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

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.size, &self.available, &self.waiting, &self.max]
            .into_iter()
            .flat_map(|g| g.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let status = self.pool.status();
        self.size.set(status.size as i64);
        self.available.set(status.available as i64);
        self.waiting.set(status.waiting as i64);
        self.max.set(status.max_size as i64);
        [&self.size, &self.available, &self.waiting, &self.max]
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}

/// The middleware that counts requests and serves `GET /metrics`.
pub fn build(pool: &DbPool) -> Result<PrometheusMetrics, String> {
    let registry = prometheus::Registry::new();
    let collector = PoolCollector::new(pool.clone()).map_err(|e| e.to_string())?;
    registry
        .register(Box::new(collector))
        .map_err(|e| e.to_string())?;
    PrometheusMetricsBuilder::new("newsdesk")
        .registry(registry)
        .endpoint("/metrics")
        .build()
        .map_err(|e| e.to_string())
}
