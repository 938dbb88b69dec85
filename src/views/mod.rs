//! The view beacon's engine: counts in memory, flushed in batches, nothing lost on a clean stop.

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

fn visitor_key(visitor: &str, article: ArticleId) -> u64 {
    let mut h = DefaultHasher::new();
    (visitor, article.0).hash(&mut h);
    h.finish()
}

pub struct ViewCounter {
    pending: Mutex<HashMap<Key, i64>>,
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

    pub fn pending_keys(&self) -> usize {
        self.pending.lock().map(|p| p.len()).unwrap_or(0)
    }

    fn take(&self) -> Vec<(ArticleId, NaiveDate, i64)> {
        match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p)
                .into_iter()
                .map(|((a, d), n)| (a, d, n))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Puts a batch that could not be written back (bounded like `record`).
    fn put_back(&self, batch: Vec<(ArticleId, NaiveDate, i64)>) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        for (a, d, n) in batch {
            self.add(&mut pending, (a, d), n);
        }
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

    /// Writes everything pending in one statement; on failure the counts stay in memory.
    pub async fn flush(&self, pool: &DbPool) -> Result<usize, String> {
        let batch = self.take();
        if batch.is_empty() {
            return Ok(0);
        }
        let total: i64 = batch.iter().map(|b| b.2).sum();
        let result = async {
            let mut conn = pool.get().await.map_err(|e| e.to_string())?;
            views::flush(&mut conn, &batch)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        match result {
            Ok(_) => {
                self.flushed.fetch_add(total as u64, Ordering::Relaxed);
                Ok(batch.len())
            }
            Err(e) => {
                self.put_back(batch);
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

/// The last flush on shutdown: retried until everything is written or `deadline` passes.
pub async fn drain(counter: &ViewCounter, pool: &DbPool, deadline: Duration) {
    let until = tokio::time::Instant::now() + deadline;
    loop {
        match counter.flush(pool).await {
            Ok(_) if counter.pending_keys() == 0 => return,
            Ok(_) => continue,
            Err(e) => {
                if tokio::time::Instant::now() >= until {
                    tracing::error!(error = %e, pending = counter.pending_keys(), "views lost at shutdown: database unreachable");
                    return;
                }
                tracing::warn!(error = %e, "final view flush failed; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}
