//! What the view beacon remembers of articles, so a view costs no query and is still counted
//! while the database is unreachable.
//!
//! An entry is trusted for a few seconds (`FRESH`) and until the next article write on this
//! instance; after that the beacon asks the database again. When the database does not answer,
//! the last thing known is used instead: a view of an article known to be visible is counted
//! (and stored when the database returns), however long the outage. Entries that nobody reads
//! for an hour are forgotten; the number kept is bounded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::models::article::{Article, ArticleStatus};
use crate::models::ids::ArticleId;

/// How long an answer from the database is trusted.
const FRESH: Duration = Duration::from_secs(5);
/// After a failed check, how long the remembered answer is used before the database is asked
/// again (so an outage costs one slow check per article per second, not one per view).
const RETRY: Duration = Duration::from_secs(1);
/// Entries not read or refreshed for this long are dropped.
const IDLE: Duration = Duration::from_secs(3600);
/// Most articles remembered.
const CAPACITY: u64 = 100_000;

/// What the beacon needs of an article to judge it visible.
#[derive(Debug, Clone)]
pub struct BeaconArticle {
    pub id: ArticleId,
    status: ArticleStatus,
    deleted_at: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
    offline_at: Option<DateTime<Utc>>,
}

impl BeaconArticle {
    pub fn of(a: &Article) -> Self {
        Self {
            id: a.id,
            status: a.status,
            deleted_at: a.deleted_at,
            published_at: a.published_at,
            offline_at: a.offline_at,
        }
    }

    pub fn visible_at(&self, now: DateTime<Utc>) -> bool {
        crate::models::visibility::visible_at(
            self.status,
            self.deleted_at,
            self.published_at,
            self.offline_at,
            now,
        )
    }
}

#[derive(Clone)]
struct Entry {
    /// `None`: no such article.
    article: Option<BeaconArticle>,
    check_after: Instant,
    generation: u64,
}

/// Path key (id or slug) → what the database last said about it.
pub struct BeaconMemory {
    entries: moka::sync::Cache<String, Entry>,
    /// Bumped by every local article write: entries from before it must be checked again.
    generation: AtomicU64,
}

/// What the memory knows of a key.
pub enum Recall {
    /// Known, and recent enough to trust.
    Fresh(Option<BeaconArticle>),
    /// Known, but to be checked again; usable when the database cannot answer.
    Stale(Option<BeaconArticle>),
    Unknown,
}

impl Default for BeaconMemory {
    fn default() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(IDLE)
                .build(),
            generation: AtomicU64::new(0),
        }
    }
}

impl BeaconMemory {
    pub fn recall(&self, key: &str) -> Recall {
        match self.entries.get(key) {
            None => Recall::Unknown,
            Some(e)
                if e.check_after > Instant::now()
                    && e.generation == self.generation.load(Ordering::Acquire) =>
            {
                Recall::Fresh(e.article)
            }
            Some(e) => Recall::Stale(e.article),
        }
    }

    /// Remembers what the database just said.
    pub fn learn(&self, key: String, article: Option<BeaconArticle>) {
        self.put(key, article, FRESH);
    }

    /// The database could not be asked: keep using what was known for a moment.
    pub fn keep(&self, key: String, article: Option<BeaconArticle>) {
        self.put(key, article, RETRY);
    }

    fn put(&self, key: String, article: Option<BeaconArticle>, trust: Duration) {
        let entry = Entry {
            article,
            check_after: Instant::now() + trust,
            generation: self.generation.load(Ordering::Acquire),
        };
        self.entries.insert(key, entry);
    }

    /// An article changed here: every entry is checked again before it is trusted (but still
    /// used if the database cannot answer).
    pub fn outdate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}
