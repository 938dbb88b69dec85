//! The response cache: finished public responses (status, headers, body, strong `ETag`, and
//! compressed copies made once), keyed by the normalized request, bounded in bytes (TinyLFU
//! admission and eviction, by moka), and dropped exactly by change events.
//!
//! Each entry records what it depends on (`deps::Dep`); an index maps every dependency to the
//! keys of the entries that recorded it. An invalidation marks those entries revoked (they stay
//! only as a fallback while the database is unreachable: stale-if-error). A response computed
//! while an invalidation that touches it happened is not stored (a numbered log of recent
//! invalidations is checked at store time), so a write can never be hidden behind an answer
//! computed before it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::deps::{Dep, Deps};
use super::encode::{Coding, MIN_COMPRESSED};
use super::schedule::Schedule;

/// Invalidations remembered for responses still being computed.
const LOG_LEN: usize = 4096;

/// One cached response.
#[derive(Debug)]
pub struct Entry {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub etag: Option<String>,
    pub body: Bytes,
    /// The route's path parameters (a hit is not routed; metrics label it by its route).
    pub params: Vec<(String, String)>,
    gzip: OnceLock<Option<Bytes>>,
    br: OnceLock<Option<Bytes>>,
    pub stored: Instant,
    /// When it stops being fresh by itself (a view-count lifetime, a scheduled publish or
    /// offline time that affects it).
    fresh_until: Option<Instant>,
    epoch: u64,
    revoked: AtomicBool,
    weight: u32,
}

impl Entry {
    /// The body in `coding` (identity when compression does not apply), and the coding used.
    pub fn body_in(&self, coding: Coding) -> (Bytes, Coding) {
        if self.body.len() < MIN_COMPRESSED {
            return (self.body.clone(), Coding::Identity);
        }
        let slot = match coding {
            Coding::Identity => return (self.body.clone(), Coding::Identity),
            Coding::Gzip => &self.gzip,
            Coding::Brotli => &self.br,
        };
        match slot.get_or_init(|| coding.encode(&self.body)) {
            Some(b) => (b.clone(), coding),
            None => (self.body.clone(), Coding::Identity),
        }
    }

    /// Seconds since it was stored.
    pub fn age(&self) -> u64 {
        self.stored.elapsed().as_secs()
    }

    /// How much longer it stays fresh by itself (`None`: until a change event drops it).
    pub fn fresh_for(&self) -> Option<Duration> {
        self.fresh_until
            .map(|u| u.saturating_duration_since(Instant::now()))
    }
}

/// What a lookup found.
pub enum Lookup {
    Fresh(Arc<Entry>),
    /// Revoked, expired or from before a lost subscription: only for stale-if-error.
    Stale(Arc<Entry>),
    Miss,
}

/// Taken before a response is computed; checked when it is stored.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    seq: u64,
    epoch: u64,
    started: DateTime<Utc>,
}

enum Logged {
    All,
    Deps(Box<[Dep]>),
}

#[derive(Default)]
struct Index {
    by_dep: HashMap<Dep, HashSet<Arc<str>>>,
    seq: u64,
    log: VecDeque<(u64, Logged)>,
    stores_since_sweep: usize,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub stores: AtomicU64,
    pub not_modified: AtomicU64,
    pub stale_served: AtomicU64,
    pub collapsed: AtomicU64,
    pub bypassed: AtomicU64,
    pub evictions: AtomicU64,
    pub invalidations: AtomicU64,
}

/// What the middleware hands over to store.
pub struct Parts {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub etag: Option<String>,
    pub body: Bytes,
    pub params: Vec<(String, String)>,
}

pub struct ResponseCache {
    entries: Option<moka::sync::Cache<Arc<str>, Arc<Entry>>>,
    index: Mutex<Index>,
    epoch: AtomicU64,
    /// Subscribed to change events (always, for a single instance once started); nothing is
    /// stored or served fresh otherwise.
    live: AtomicBool,
    pub schedule: Schedule,
    flights: Mutex<HashMap<Arc<str>, watch::Receiver<bool>>>,
    pub stats: Arc<Stats>,
    pub max_stale: Duration,
    /// How long a response showing view counts is reused at most.
    counters: Duration,
    /// Until when the database is taken for unreachable (stale entries are served at once).
    db_down_until: Mutex<Option<Instant>>,
    /// Surrogate keys for an edge cache in front (`EDGE_KEY_HEADERS`).
    pub edge: Option<super::surrogate::Tagging>,
}

/// Waiting for, or computing, one key's response.
pub enum Flight {
    /// This request computes; others wait until the guard goes.
    Leader(FlightGuard),
    Follower(watch::Receiver<bool>),
}

pub struct FlightGuard {
    cache: Arc<ResponseCache>,
    key: Arc<str>,
    done: watch::Sender<bool>,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        if let Ok(mut f) = self.cache.flights.lock() {
            f.remove(&self.key);
        }
        let _ = self.done.send(true);
    }
}

impl ResponseCache {
    /// A cache of at most `bytes` (0 turns it off).
    pub fn new(bytes: u64, max_stale: Duration, counters: Duration) -> Self {
        let stats = Arc::new(Stats::default());
        let counted = stats.clone();
        let entries = (bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(bytes)
                .weigher(|_k: &Arc<str>, v: &Arc<Entry>| v.weight)
                .time_to_live(max_stale.max(Duration::from_secs(1)))
                .eviction_listener(move |_k, _v, cause| {
                    if cause == moka::notification::RemovalCause::Size {
                        counted.evictions.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .build()
        });
        Self {
            entries,
            index: Mutex::new(Index::default()),
            epoch: AtomicU64::new(0),
            live: AtomicBool::new(false),
            schedule: Schedule::default(),
            flights: Mutex::new(HashMap::new()),
            stats,
            max_stale,
            counters,
            db_down_until: Mutex::new(None),
            edge: None,
        }
    }

    /// Tags public responses for an edge cache.
    pub fn with_edge(mut self, edge: Option<super::surrogate::Tagging>) -> Self {
        self.edge = edge;
        self
    }

    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// Subscribed (or not) to change events. Either way everything cached so far stops being
    /// fresh: events may have been missed while not subscribed.
    pub fn set_live(&self, live: bool) {
        self.invalidate_all();
        self.live.store(live, Ordering::Release);
    }

    pub fn lookup(&self, key: &str) -> Lookup {
        let Some(entries) = &self.entries else {
            return Lookup::Miss;
        };
        let Some(e) = entries.get(key) else {
            return Lookup::Miss;
        };
        let fresh = self.is_live()
            && e.epoch == self.epoch.load(Ordering::Acquire)
            && !e.revoked.load(Ordering::Acquire)
            && e.fresh_until.is_none_or(|t| Instant::now() < t);
        if fresh {
            Lookup::Fresh(e)
        } else if e.stored.elapsed() <= self.max_stale {
            Lookup::Stale(e)
        } else {
            Lookup::Miss
        }
    }

    /// Joins the computation of `key`'s response, or leads it.
    pub fn flight(self: &Arc<Self>, key: &Arc<str>) -> Flight {
        let Ok(mut flights) = self.flights.lock() else {
            let (done, _) = watch::channel(false);
            return Flight::Leader(FlightGuard {
                cache: self.clone(),
                key: key.clone(),
                done,
            });
        };
        if let Some(rx) = flights.get(key) {
            return Flight::Follower(rx.clone());
        }
        let (done, rx) = watch::channel(false);
        flights.insert(key.clone(), rx);
        Flight::Leader(FlightGuard {
            cache: self.clone(),
            key: key.clone(),
            done,
        })
    }

    /// Taken before computing a response that may be stored.
    pub fn ticket(&self) -> Ticket {
        let seq = self.index.lock().map(|i| i.seq).unwrap_or(u64::MAX);
        Ticket {
            seq,
            epoch: self.epoch.load(Ordering::Acquire),
            started: Utc::now(),
        }
    }

    /// The entry of a computed response, stored unless something it depends on changed since
    /// `ticket` (or the cache is off or not subscribed); whether it was stored.
    pub fn store(
        &self,
        key: Arc<str>,
        ticket: Ticket,
        parts: Parts,
        deps: Deps,
    ) -> (Arc<Entry>, bool) {
        let lifetime = match (deps.lifetime, deps.counters) {
            (l, false) => l,
            (None, true) => Some(self.counters),
            (Some(l), true) => Some(l.min(self.counters)),
        };
        let deps: Box<[Dep]> = deps_sorted(deps.set);
        let mut fresh_until = lifetime.map(|l| Instant::now() + l);
        let mut storable = !deps.is_empty();
        if let Some(tick) = self.schedule.next_affecting(&deps, ticket.started) {
            match (tick - Utc::now()).to_std() {
                Ok(d) => {
                    let t = Instant::now() + d;
                    fresh_until = Some(fresh_until.map_or(t, |u| u.min(t)));
                }
                // Already passed: the response may predate it.
                Err(_) => storable = false,
            }
        }
        let weight = (parts.body.len()
            + parts.body.len() / 2
            + key.len()
            + parts
                .headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len() + 16)
                .sum::<usize>()
            + 256)
            .min(u32::MAX as usize) as u32;
        let entry = Arc::new(Entry {
            status: parts.status,
            headers: parts.headers,
            etag: parts.etag,
            body: parts.body,
            params: parts.params,
            gzip: OnceLock::new(),
            br: OnceLock::new(),
            stored: Instant::now(),
            fresh_until,
            epoch: ticket.epoch,
            revoked: AtomicBool::new(false),
            weight,
        });
        let stored = storable && self.insert(key, ticket, &deps, &entry);
        (entry, stored)
    }

    fn insert(&self, key: Arc<str>, ticket: Ticket, deps: &[Dep], entry: &Arc<Entry>) -> bool {
        let Some(entries) = &self.entries else {
            return false;
        };
        let Ok(mut index) = self.index.lock() else {
            return false;
        };
        if !self.is_live() || ticket.epoch != self.epoch.load(Ordering::Acquire) {
            return false;
        }
        if ticket.seq < index.seq {
            let oldest = index.log.front().map_or(u64::MAX, |(s, _)| *s);
            if oldest > ticket.seq + 1 {
                return false;
            }
            let touched = index.log.iter().any(|(s, what)| {
                *s > ticket.seq
                    && match what {
                        Logged::All => true,
                        Logged::Deps(d) => d.iter().any(|x| deps.binary_search(x).is_ok()),
                    }
            });
            if touched {
                return false;
            }
        }
        for d in deps {
            index.by_dep.entry(*d).or_default().insert(key.clone());
        }
        entries.insert(key, entry.clone());
        index.stores_since_sweep += 1;
        if index.stores_since_sweep >= 10_000 {
            index.stores_since_sweep = 0;
            for keys in index.by_dep.values_mut() {
                keys.retain(|k| entries.contains_key(k));
            }
            index.by_dep.retain(|_, keys| !keys.is_empty());
        }
        self.stats.stores.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Revokes every entry that depends on one of `deps`.
    pub fn invalidate(&self, deps: &[Dep]) {
        if deps.is_empty() {
            return;
        }
        let Ok(mut index) = self.index.lock() else {
            return;
        };
        index.seq += 1;
        let seq = index.seq;
        let mut sorted = deps.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut revoked = 0u64;
        for d in &sorted {
            let Some(keys) = index.by_dep.remove(d) else {
                continue;
            };
            if let Some(entries) = &self.entries {
                for k in keys {
                    if let Some(e) = entries.get(&k) {
                        e.revoked.store(true, Ordering::Release);
                        revoked += 1;
                    }
                }
            }
        }
        push_log(&mut index, seq, Logged::Deps(sorted.into_boxed_slice()));
        self.stats
            .invalidations
            .fetch_add(revoked, Ordering::Relaxed);
    }

    /// Nothing cached so far is fresh any more.
    pub fn invalidate_all(&self) {
        let Ok(mut index) = self.index.lock() else {
            return;
        };
        index.seq += 1;
        let seq = index.seq;
        push_log(&mut index, seq, Logged::All);
        index.by_dep.clear();
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The database failed a request just now: for a moment, stale entries are served without
    /// trying it again.
    pub fn note_db_down(&self, for_how_long: Duration) {
        if let Ok(mut d) = self.db_down_until.lock() {
            *d = Some(Instant::now() + for_how_long);
        }
    }

    pub fn db_known_down(&self) -> bool {
        self.db_down_until
            .lock()
            .ok()
            .and_then(|d| *d)
            .is_some_and(|t| Instant::now() < t)
    }

    /// Entries and their weight in bytes.
    pub fn size(&self) -> (u64, u64) {
        match &self.entries {
            Some(e) => {
                e.run_pending_tasks();
                (e.entry_count(), e.weighted_size())
            }
            None => (0, 0),
        }
    }
}

fn deps_sorted(set: HashSet<Dep>) -> Box<[Dep]> {
    let mut v: Vec<Dep> = set.into_iter().collect();
    v.sort_unstable();
    v.into_boxed_slice()
}

fn push_log(index: &mut Index, seq: u64, what: Logged) {
    index.log.push_back((seq, what));
    while index.log.len() > LOG_LEN {
        index.log.pop_front();
    }
}
