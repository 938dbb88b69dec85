//! The view beacon's engine: counts in memory, flushed in batches, nothing lost on a clean stop.

pub mod memory;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;

use crate::config::Config;
use crate::db::DbPool;
use crate::models::ids::ArticleId;
use crate::models::views;

type Key = (ArticleId, NaiveDate);

/// Counts taken from memory for one flush, under one id (see `models::views::flush`).
struct Batch {
    id: uuid::Uuid,
    rows: Vec<(ArticleId, NaiveDate, i64)>,
    views: i64,
}

fn visitor_key(visitor: &str, article: ArticleId) -> u64 {
    let mut h = DefaultHasher::new();
    (visitor, article.0).hash(&mut h);
    h.finish()
}

pub struct ViewCounter {
    pending: Mutex<HashMap<Key, i64>>,
    /// A batch whose flush failed: it may or may not have been stored, so it is retried as it
    /// is, under the same id, before anything else is flushed.
    unsettled: Mutex<Option<Batch>>,
    /// Longest time one flush may take (the request budget).
    flush_timeout: Duration,
    wake: Notify,
    threshold: usize,
    max_pending: usize,
    tz: Tz,
    bots: Vec<String>,
    dedupe: Option<moka::sync::Cache<u64, ()>>,
    /// Views accepted (answered 204 and counted).
    pub accepted: AtomicU64,
    /// Views written to the database.
    pub flushed: AtomicU64,
    /// Views dropped because the pending buffer was full.
    pub dropped: AtomicU64,
}

impl ViewCounter {
    pub fn new(config: &Config) -> Self {
        let dedupe = (config.views_dedupe_secs > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(config.views_dedupe_capacity)
                .time_to_live(Duration::from_secs(config.views_dedupe_secs))
                .build()
        });
        Self {
            pending: Mutex::new(HashMap::new()),
            unsettled: Mutex::new(None),
            flush_timeout: config.request_budget(),
            wake: Notify::new(),
            threshold: config.views_flush_threshold.max(1),
            max_pending: config.views_max_pending.max(1),
            tz: config.timezone,
            bots: config.bot_user_agents(),
            dedupe,
            accepted: AtomicU64::new(0),
            flushed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    /// The calendar day of an instant in the configured time zone.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    pub fn is_bot(&self, user_agent: &str) -> bool {
        let ua = user_agent.to_lowercase();
        self.bots.iter().any(|b| ua.contains(b.as_str()))
    }

    /// False when this visitor was already counted for this article within the dedupe window.
    pub fn first_sighting(&self, visitor: &str, article: ArticleId) -> bool {
        let Some(cache) = &self.dedupe else {
            return true;
        };
        cache
            .entry(visitor_key(visitor, article))
            .or_insert(())
            .is_fresh()
    }

    /// Lets this visitor count again for this article (after a view could not be recorded).
    pub fn forget(&self, visitor: &str, article: ArticleId) {
        if let Some(cache) = &self.dedupe {
            cache.invalidate(&visitor_key(visitor, article));
        }
    }

    /// Counts one view; false when the buffer is full (the view is dropped and counted as such).
    pub fn record(&self, article: ArticleId, at: DateTime<Utc>) -> bool {
        let key = (article, self.day_of(at));
        let len = {
            let Ok(mut pending) = self.pending.lock() else {
                return false;
            };
            if !self.add(&mut pending, key, 1) {
                return false;
            }
            pending.len()
        };
        self.accepted.fetch_add(1, Ordering::Relaxed);
        if len >= self.threshold {
            self.wake.notify_one();
        }
        true
    }

    /// Counters waiting to be written (including a batch being retried).
    pub fn pending_keys(&self) -> usize {
        let unsettled = self.lock_unsettled().as_ref().map_or(0, |b| b.rows.len());
        self.pending.lock().map(|p| p.len()).unwrap_or(0) + unsettled
    }

    /// Views waiting to be written (including a batch being retried).
    pub fn pending_views(&self) -> i64 {
        let unsettled = self.lock_unsettled().as_ref().map_or(0, |b| b.views);
        self.pending.lock().map(|p| p.values().sum()).unwrap_or(0) + unsettled
    }

    fn lock_unsettled(&self) -> std::sync::MutexGuard<'_, Option<Batch>> {
        self.unsettled.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The batch to write next: the unsettled one, or everything pending under a new id.
    fn next_batch(&self) -> Option<Batch> {
        if let Some(batch) = self.lock_unsettled().take() {
            return Some(batch);
        }
        let rows: Vec<_> = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p)
                .into_iter()
                .map(|((a, d), n)| (a, d, n))
                .collect(),
            Err(_) => Vec::new(),
        };
        (!rows.is_empty()).then(|| Batch {
            id: uuid::Uuid::new_v4(),
            views: rows.iter().map(|r| r.2).sum(),
            rows,
        })
    }

    /// Adds `n` to a counter; a new counter past `max_pending` is refused and counted as dropped.
    fn add(&self, pending: &mut HashMap<Key, i64>, key: Key, n: i64) -> bool {
        if !pending.contains_key(&key) && pending.len() >= self.max_pending {
            self.dropped.fetch_add(n as u64, Ordering::Relaxed);
            return false;
        }
        *pending.entry(key).or_insert(0) += n;
        true
    }

    /// Writes one batch in one statement, bounded by the request budget; returns the counters
    /// written. A batch that fails is kept and retried under the same id, so a flush whose
    /// answer was lost after it committed is not counted twice.
    pub async fn flush(&self, pool: &DbPool) -> Result<usize, String> {
        self.flush_within(pool, self.flush_timeout).await
    }

    /// `flush`, given at most `limit`.
    pub async fn flush_within(&self, pool: &DbPool, limit: Duration) -> Result<usize, String> {
        let Some(batch) = self.next_batch() else {
            return Ok(0);
        };
        let write = async {
            let mut conn = pool.get().await.map_err(|e| e.to_string())?;
            views::flush(&mut conn, batch.id, &batch.rows)
                .await
                .map_err(|e| e.to_string())
        };
        let result = match tokio::time::timeout(limit.min(self.flush_timeout), write).await {
            Ok(result) => result,
            Err(_) => Err("the database did not answer in time".into()),
        };
        match result {
            Ok(applied) => {
                if !applied {
                    tracing::info!(batch = %batch.id, views = batch.views,
                                   "view batch had been stored before its answer was lost; not added again");
                }
                self.flushed
                    .fetch_add(batch.views as u64, Ordering::Relaxed);
                Ok(batch.rows.len())
            }
            Err(e) => {
                *self.lock_unsettled() = Some(batch);
                Err(e)
            }
        }
    }
}

/// Flushes every `interval`, or sooner when the buffer passes its threshold, until `stop`.
pub async fn run_flusher(
    counter: std::sync::Arc<ViewCounter>,
    pool: DbPool,
    interval: Duration,
    stop: std::sync::Arc<Notify>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = counter.wake.notified() => {}
            _ = stop.notified() => break,
        }
        if let Err(e) = counter.flush(&pool).await {
            tracing::warn!(error = %e, pending = counter.pending_keys(), "view flush failed; will retry");
        }
    }
}

/// The last flush on shutdown: retried until everything is written or `until` passes; what
/// could not be written is logged.
pub async fn drain(counter: &ViewCounter, pool: &DbPool, until: tokio::time::Instant) {
    loop {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        match counter.flush_within(pool, left).await {
            Ok(_) if counter.pending_keys() == 0 => return,
            Ok(_) => continue,
            Err(e) if tokio::time::Instant::now() + Duration::from_millis(250) < until => {
                tracing::warn!(error = %e, "final view flush failed; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => {
                tracing::error!(error = %e, views = counter.pending_views(),
                                "views lost at shutdown: the database could not be written in time");
                return;
            }
        }
    }
}
