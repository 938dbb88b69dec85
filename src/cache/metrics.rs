//! The response cache's counters for `/metrics` (read at scrape time).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, Opts};

use super::responses::{ResponseCache, Stats};

type Read = fn(&ResponseCache) -> i64;

pub struct ResponseCacheCollector {
    cache: Arc<ResponseCache>,
    gauges: Vec<(IntGauge, Read)>,
}

fn count(pick: fn(&Stats) -> &AtomicU64) -> impl Fn(&ResponseCache) -> i64 {
    move |c| pick(&c.stats).load(Ordering::Relaxed) as i64
}

impl ResponseCacheCollector {
    pub fn new(cache: Arc<ResponseCache>) -> prometheus::Result<Self> {
        let defs: [(&str, &str, Read); 12] = [
            (
                "hits_total",
                "Public GETs answered from the response cache",
                |c| count(|s| &s.hits)(c),
            ),
            (
                "misses_total",
                "Public GETs computed (no fresh entry)",
                |c| count(|s| &s.misses)(c),
            ),
            ("stores_total", "Responses stored", |c| {
                count(|s| &s.stores)(c)
            }),
            ("not_modified_total", "304s answered from the cache", |c| {
                count(|s| &s.not_modified)(c)
            }),
            (
                "stale_served_total",
                "Stale responses sent because the database failed (stale-if-error)",
                |c| count(|s| &s.stale_served)(c),
            ),
            (
                "collapsed_total",
                "Requests that waited for another one computing the same response",
                |c| count(|s| &s.collapsed)(c),
            ),
            ("bypassed_total", "Staff GETs, never cached", |c| {
                count(|s| &s.bypassed)(c)
            }),
            (
                "evictions_total",
                "Entries evicted to stay within RESPONSE_CACHE_MB",
                |c| count(|s| &s.evictions)(c),
            ),
            (
                "invalidated_total",
                "Entries dropped by change events",
                |c| count(|s| &s.invalidations)(c),
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
