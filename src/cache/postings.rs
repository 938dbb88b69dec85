//! The in-memory search postings (`search::postings`), kept exact by change events: built from
//! PostgreSQL when the change listener subscribes (and again whenever events may have been
//! missed), then fed the articles each event names (`search_feed`). Between an event and the commit that
//! applies it, its articles are "dirty": searches leave them out of the index's answer and
//! check them in the database instead, so a search never shows an article's old state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::models::ids::ArticleId;
use crate::search::postings::Postings;

/// What searches read: the index, once built, and the articles changed since it last saw
/// them.
pub struct SearchPostings {
    enabled: bool,
    current: RwLock<Option<Arc<Postings>>>,
    /// Changed articles not yet applied, with the sequence number of their last change.
    dirty: Mutex<HashMap<ArticleId, u64>>,
    seq: AtomicU64,
    /// Bumped when the index must be built again (events may have been missed).
    wanted: AtomicU64,
    wake: Notify,
    pub stats: Stats,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    pub builds: AtomicU64,
    pub last_build_ms: AtomicU64,
    pub updates: AtomicU64,
    /// Searches answered with the index, and by the database alone.
    pub served: AtomicU64,
    pub fell_back: AtomicU64,
}

/// One search's view: the index and the articles it must not trust.
pub struct Snapshot {
    pub index: Arc<Postings>,
    pub searcher: tantivy::Searcher,
    pub dirty: Vec<ArticleId>,
}

impl SearchPostings {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            current: RwLock::new(None),
            dirty: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(0),
            wanted: AtomicU64::new(1),
            wake: Notify::new(),
            stats: Stats::default(),
        }
    }

    fn dirty(&self) -> std::sync::MutexGuard<'_, HashMap<ArticleId, u64>> {
        self.dirty
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn index(&self) -> Option<Arc<Postings>> {
        self.current.read().ok()?.clone()
    }

    fn set_index(&self, index: Option<Arc<Postings>>) {
        if let Ok(mut slot) = self.current.write() {
            *slot = index;
        }
    }

    /// The index is built and in use.
    pub fn is_ready(&self) -> bool {
        self.index().is_some()
    }

    /// Articles in the index now (0 while not built).
    pub fn articles(&self) -> u64 {
        self.index().map_or(0, |p| p.len())
    }

    /// Changed articles not yet applied.
    pub fn pending(&self) -> usize {
        self.dirty().len()
    }

    /// What a search may use now (`None`: search the database alone).
    pub fn snapshot(&self) -> Option<Snapshot> {
        // The dirty set first: an article leaves it only after the index that holds its new
        // state is the one searches get.
        let dirty: Vec<ArticleId> = self.dirty().keys().copied().collect();
        let index = self.index()?;
        let searcher = index.searcher();
        Some(Snapshot {
            index,
            searcher,
            dirty,
        })
    }

    /// These articles changed (a write here, or an event from another instance).
    pub fn mark_dirty(&self, ids: impl IntoIterator<Item = ArticleId>) {
        if !self.enabled {
            return;
        }
        let mut dirty = self.dirty();
        let mut any = false;
        for id in ids {
            let seq = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
            dirty.insert(id, seq);
            any = true;
        }
        drop(dirty);
        if any {
            self.wake.notify_one();
        }
    }

    /// Events may have been missed: searches use the database until the index is rebuilt.
    pub fn forget(&self) {
        if !self.enabled {
            return;
        }
        // Asked for before the index goes: a build finishing meanwhile sees it (`install`).
        self.wanted.fetch_add(1, Ordering::AcqRel);
        self.set_index(None);
        self.wake.notify_one();
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The build asked for last (compare with the one made, `install`).
    pub fn wanted(&self) -> u64 {
        self.wanted.load(Ordering::Acquire)
    }

    /// Resolves at the next change or request for a build.
    pub fn woken(&self) -> tokio::sync::futures::Notified<'_> {
        self.wake.notified()
    }

    /// The sequence number of the last change so far: a build that reads the database after
    /// this holds every change up to it.
    pub fn covered(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Puts a new build in use, unless another was asked for since it started (`wanted` then);
    /// the changes it `covered` are no longer dirty. False when it was dropped.
    pub fn install(&self, index: Arc<Postings>, wanted: u64, covered: u64, took: Duration) -> bool {
        self.set_index(Some(index));
        if self.wanted() != wanted {
            self.set_index(None);
            return false;
        }
        self.dirty().retain(|_, seq| *seq > covered);
        self.stats.builds.fetch_add(1, Ordering::Relaxed);
        self.stats
            .last_build_ms
            .store(took.as_millis() as u64, Ordering::Relaxed);
        true
    }

    /// The index in use and its dirty articles, to apply them (`None`: nothing to do).
    pub fn take_dirty(&self) -> Option<(Arc<Postings>, HashMap<ArticleId, u64>)> {
        let taken = self.dirty().clone();
        if taken.is_empty() {
            return None;
        }
        Some((self.index()?, taken))
    }

    /// `taken` is in the index now: those not changed again since are no longer dirty.
    pub fn settle(&self, taken: &HashMap<ArticleId, u64>) {
        self.dirty().retain(|id, seq| taken.get(id) != Some(seq));
        self.stats.updates.fetch_add(1, Ordering::Relaxed);
    }
}
