//! The clock's pending changes: the instants at which an article becomes visible
//! (`published_at` of a scheduled article) or is taken down (`offline_at`), with its channel.
//! A cached response never outlives the next one that affects what it depends on, so scheduled
//! articles appear and expire on the second without waiting for the scheduler.
//!
//! Loaded from the database when the instance subscribes to change events, and extended by
//! every article change event (which carries the article's future instants).

use std::sync::RwLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::deps::Dep;
use crate::models::ids::{ArticleId, CategoryId};

/// One pending change of visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tick {
    pub at: DateTime<Utc>,
    pub article: ArticleId,
    pub channel: CategoryId,
}

impl Tick {
    fn affects(&self, deps: &[Dep]) -> bool {
        deps.iter().any(|d| match d {
            Dep::AllArticles => true,
            Dep::Article(id) => *id == self.article,
            Dep::Channel(c) | Dep::Placement(c) => *c == self.channel,
            _ => false,
        })
    }
}

/// Pending ticks, sorted by time (those of the last minutes are kept too: a response computed
/// before a tick must not be stored after it).
#[derive(Debug, Default)]
pub struct Schedule {
    ticks: RwLock<Vec<Tick>>,
}

/// How long passed ticks are kept.
const KEEP_PASSED: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

impl Schedule {
    /// Replaces every tick (a fresh load from the database).
    pub fn replace(&self, mut ticks: Vec<Tick>) {
        ticks.sort_by_key(|t| (t.at, t.article));
        ticks.dedup();
        if let Ok(mut slot) = self.ticks.write() {
            *slot = ticks;
        }
    }

    /// Adds ticks (from a change event); forgets those passed long ago.
    pub fn add(&self, ticks: &[Tick]) {
        let Ok(mut slot) = self.ticks.write() else {
            return;
        };
        let horizon = Utc::now() - KEEP_PASSED;
        slot.retain(|t| t.at >= horizon);
        for t in ticks {
            if let Err(at) = slot.binary_search_by_key(&(t.at, t.article), |x| (x.at, x.article)) {
                slot.insert(at, *t);
            }
        }
    }

    /// The first tick after `since` that affects a response depending on `deps`.
    pub fn next_affecting(&self, deps: &[Dep], since: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let slot = self.ticks.read().ok()?;
        let from = slot.partition_point(|t| t.at <= since);
        slot[from..].iter().find(|t| t.affects(deps)).map(|t| t.at)
    }

    pub fn len(&self) -> usize {
        self.ticks.read().map(|s| s.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_next_tick_that_matters() {
        let now = Utc::now();
        let s = Schedule::default();
        let t = |secs: i64, a: i64, c: i64| Tick {
            at: now + chrono::TimeDelta::seconds(secs),
            article: ArticleId(a),
            channel: CategoryId(c),
        };
        s.replace(vec![t(30, 2, 7), t(10, 1, 5), t(-5, 9, 5)]);
        s.add(&[t(20, 3, 8), t(10, 1, 5)]);
        assert_eq!(s.len(), 4);
        let ch = |c| vec![Dep::Channel(CategoryId(c))];
        assert_eq!(
            s.next_affecting(&ch(5), now),
            Some(now + chrono::TimeDelta::seconds(10))
        );
        assert_eq!(
            s.next_affecting(&ch(5), now - chrono::TimeDelta::seconds(60)),
            Some(now - chrono::TimeDelta::seconds(5))
        );
        assert_eq!(
            s.next_affecting(&ch(8), now),
            Some(now + chrono::TimeDelta::seconds(20))
        );
        assert_eq!(s.next_affecting(&ch(6), now), None);
        assert_eq!(
            s.next_affecting(&[Dep::Article(ArticleId(2))], now),
            Some(now + chrono::TimeDelta::seconds(30))
        );
        assert_eq!(
            s.next_affecting(&[Dep::Site, Dep::AllArticles], now),
            Some(now + chrono::TimeDelta::seconds(10))
        );
        assert_eq!(s.next_affecting(&[Dep::Tree, Dep::Site], now), None);
    }
}
