//! The response cache's counters for `/metrics` (read at scrape time).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, Opts};

use super::responses::ResponseCache;

type Read = fn(&ResponseCache) -> i64;

pub struct ResponseCacheCollector {
    cache: Arc<ResponseCache>,
    gauges: Vec<(IntGauge, Read)>,
}

fn load(counter: &AtomicU64) -> i64 {
    counter.load(Ordering::Relaxed) as i64
}

impl ResponseCacheCollector {
    pub fn new(cache: Arc<ResponseCache>) -> prometheus::Result<Self> {
        let defs: [(&str, &str, Read); 12] = [
            (
                "hits_total",
                "Public GETs answered from the response cache",
                |c| load(&c.stats.hits),
            ),
            (
                "misses_total",
                "Public GETs computed (no fresh entry)",
                |c| load(&c.stats.misses),
            ),
            ("stores_total", "Responses stored", |c| {
                load(&c.stats.stores)
            }),
            ("not_modified_total", "304s answered from the cache", |c| {
                load(&c.stats.not_modified)
            }),
            (
                "stale_served_total",
                "Stale responses sent because the database failed (stale-if-error)",
                |c| load(&c.stats.stale_served),
            ),
            (
                "collapsed_total",
                "Requests that waited for another one computing the same response",
                |c| load(&c.stats.collapsed),
            ),
            ("bypassed_total", "Staff GETs, never cached", |c| {
                load(&c.stats.bypassed)
            }),
            (
                "evictions_total",
                "Entries evicted to stay within RESPONSE_CACHE_MB",
                |c| load(&c.stats.evictions),
            ),
            (
                "invalidated_total",
                "Entries dropped by change events",
                |c| load(&c.stats.invalidations),
            ),
            ("entries", "Entries held", |c| c.size().0 as i64),
            (
                "bytes",
                "Bytes held (bodies, compressed copies, headers, keys)",
                |c| c.size().1 as i64,
            ),
            (
                "subscribed",
                "1 while subscribed to change events (otherwise nothing is served fresh)",
                |c| i64::from(c.is_live()),
            ),
        ];
        let mut gauges = Vec::with_capacity(defs.len());
        for (name, help, read) in defs {
            let opts = Opts::new(format!("response_cache_{name}"), help).namespace("newsdesk");
            gauges.push((IntGauge::with_opts(opts)?, read));
        }
        Ok(Self { cache, gauges })
    }
}

impl Collector for ResponseCacheCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.gauges.iter().flat_map(|(g, _)| g.desc()).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.gauges
            .iter()
            .flat_map(|(g, read)| {
                g.set(read(&self.cache));
                g.collect()
            })
            .collect()
    }
}
