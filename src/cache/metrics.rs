//! The response cache's and the search postings' counters for `/metrics` (read at scrape
//! time).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, Opts};

use super::postings::SearchPostings;
use super::responses::ResponseCache;

/// How a gauge's value is read from its source.
type Read<T> = fn(&T) -> i64;

/// A gauge's name (after the prefix), help text and reader.
type Def<'a, T> = (&'a str, &'a str, Read<T>);

/// Gauges named `newsdesk_<prefix><name>`, each read from `T` at scrape time.
pub struct Gauges<T> {
    source: Arc<T>,
    gauges: Vec<(IntGauge, Read<T>)>,
}

impl<T> Gauges<T> {
    fn new(source: Arc<T>, prefix: &str, defs: &[Def<'_, T>]) -> prometheus::Result<Self> {
        let mut gauges = Vec::with_capacity(defs.len());
        for &(name, help, read) in defs {
            let opts = Opts::new(format!("{prefix}{name}"), help).namespace("newsdesk");
            gauges.push((IntGauge::with_opts(opts)?, read));
        }
        Ok(Self { source, gauges })
    }
}

fn load(counter: &AtomicU64) -> i64 {
    counter.load(Ordering::Relaxed) as i64
}

/// The response cache's gauges.
pub fn response_cache(cache: Arc<ResponseCache>) -> prometheus::Result<Gauges<ResponseCache>> {
    Gauges::new(
        cache,
        "response_cache_",
        &[
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
        ],
    )
}

/// The search postings' gauges.
pub fn search_postings(
    postings: Arc<SearchPostings>,
) -> prometheus::Result<Gauges<SearchPostings>> {
    Gauges::new(
        postings,
        "search_postings_",
        &[
            (
                "ready",
                "1 while searches may use the in-memory postings (built and subscribed)",
                |p| i64::from(p.is_ready()),
            ),
            ("articles", "Articles in the in-memory postings", |p| {
                p.articles() as i64
            }),
            (
                "pending",
                "Changed articles not yet applied (searches check them in the database)",
                |p| p.pending() as i64,
            ),
            (
                "builds_total",
                "Builds of the postings from the database",
                |p| load(&p.stats.builds),
            ),
            (
                "last_build_milliseconds",
                "How long the last build took",
                |p| load(&p.stats.last_build_ms),
            ),
            (
                "updates_total",
                "Commits of changed articles into the postings",
                |p| load(&p.stats.updates),
            ),
            (
                "searches_total",
                "Public searches whose newest matches the postings found",
                |p| load(&p.stats.served),
            ),
            (
                "database_searches_total",
                "Searches left to the database alone (staff, other filters, common terms, not ready)",
                |p| load(&p.stats.fell_back),
            ),
        ],
    )
}

impl<T: Send + Sync> Collector for Gauges<T> {
    fn desc(&self) -> Vec<&Desc> {
        self.gauges.iter().flat_map(|(g, _)| g.desc()).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.gauges
            .iter()
            .flat_map(|(g, read)| {
                g.set(read(&self.source));
                g.collect()
            })
            .collect()
    }
}
