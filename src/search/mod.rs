//! Chinese full-text search: jieba segmentation (search mode, newsroom dictionary), weighted
//! tsvectors built here and stored in PostgreSQL, a small query syntax, relevance blended with
//! recency, and highlighting.

mod document;
pub mod highlight;
pub mod pinyin;
pub mod postings;
mod query;
mod russian;
mod segmenter;
pub mod synonyms;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};

pub use document::{Document, Indexed, KEYWORDS_PER_ARTICLE};
pub use query::{MAX_QUERY_CHARS, QueryError, SearchQuery};
pub use segmenter::{Segmenter, Word, normalize};
pub use synonyms::Synonyms;

/// The segmenter plus counters of the indexing work done on writes (for `/metrics`).
#[derive(Debug)]
pub struct Indexer {
    segmenter: Arc<Segmenter>,
    /// Articles indexed on write since start.
    pub indexed: AtomicU64,
    /// Time spent segmenting and building their vectors, in microseconds.
    pub micros: AtomicU64,
}

impl Indexer {
    pub fn new(segmenter: Arc<Segmenter>) -> Self {
        Self {
            segmenter,
            indexed: AtomicU64::new(0),
            micros: AtomicU64::new(0),
        }
    }

    pub fn segmenter(&self) -> &Arc<Segmenter> {
        &self.segmenter
    }

    /// Builds an article's index, counting the time it took.
    pub fn index_timed(&self, doc: &Document<'_>) -> Indexed {
        let started = Instant::now();
        let out = self.segmenter.index(doc);
        self.indexed.fetch_add(1, Ordering::Relaxed);
        self.micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        out
    }
}

impl std::ops::Deref for Indexer {
    type Target = Segmenter;
    fn deref(&self) -> &Segmenter {
        &self.segmenter
    }
}

/// How relevance and recency are blended:
/// `score = ts_rank(vector, query, 1) × 0.5 ^ (age_in_days / half_life_days)`.
#[derive(Debug, Clone, Copy)]
pub struct Ranking {
    pub half_life_days: f64,
}

impl Ranking {
    /// The score of a match with text rank `rank`, published (or, unpublished, last updated)
    /// at `at`.
    pub fn score(&self, rank: f32, at: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
        let age_days = ((now - at).num_seconds().max(0) as f64) / 86_400.0;
        f64::from(rank) * 0.5f64.powf(age_days / self.half_life_days.max(0.001))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn score_halves_every_half_life() {
        let r = Ranking {
            half_life_days: 30.0,
        };
        let now = Utc::now();
        assert!((r.score(0.8, now, now) - 0.8).abs() < 1e-6);
        let month = now - chrono::Duration::days(30);
        assert!((r.score(0.8, month, now) - 0.4).abs() < 1e-6);
        let future = now + chrono::Duration::days(3);
        assert!((r.score(0.8, future, now) - 0.8).abs() < 1e-6);
    }
}
