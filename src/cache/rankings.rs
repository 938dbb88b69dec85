//! Most-read lists shown by cached responses. Their order moves with reading, not with change
//! events, so a response showing one is not given the list's short lifetime (which would make
//! every cached article page expire at once, at each recount); instead the lists in use are
//! recounted every `RANKINGS_TTL` (`api::rankings::most_read::recount`) and the responses that
//! show one are dropped when its order (the articles, the ranks) changed. The view counts shown
//! are counters (`RESPONSE_CACHE_COUNTERS_SECS`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::content::rankings::MostReadKey;
use crate::models::ids::ArticleId;

/// Lists followed at most (more distinct ones get the list's lifetime instead).
const MOST: usize = 1_000;

/// What a response was given for a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The order responses were given before.
    Same,
    /// Another order: responses showing the list must go.
    Changed,
    /// Not followed (too many lists): a response lasts no longer than the list.
    Untracked,
}

struct Shown {
    order: Vec<ArticleId>,
    used: Instant,
}

#[derive(Default)]
pub struct Followed {
    lists: Mutex<HashMap<MostReadKey, Shown>>,
}

impl Followed {
    /// A list's current order; whether it is what was shown before. `used`: a response is
    /// about to show it (a recount is not a use).
    pub fn observe(&self, key: MostReadKey, order: Vec<ArticleId>, used: bool) -> Seen {
        let Ok(mut lists) = self.lists.lock() else {
            return Seen::Untracked;
        };
        if let Some(shown) = lists.get_mut(&key) {
            if used {
                shown.used = Instant::now();
            }
            if shown.order == order {
                return Seen::Same;
            }
            shown.order = order;
            return Seen::Changed;
        }
        if !used {
            return Seen::Same;
        }
        if lists.len() >= MOST {
            return Seen::Untracked;
        }
        lists.insert(
            key,
            Shown {
                order,
                used: Instant::now(),
            },
        );
        Seen::Same
    }

    /// The lists to recount; those no response used for `idle` are no longer followed and
    /// returned second (responses still showing them must go).
    pub fn due(&self, idle: Duration) -> (Vec<MostReadKey>, Vec<MostReadKey>) {
        let Ok(mut lists) = self.lists.lock() else {
            return (Vec::new(), Vec::new());
        };
        let gone: Vec<MostReadKey> = lists
            .iter()
            .filter(|(_, s)| s.used.elapsed() > idle)
            .map(|(k, _)| *k)
            .collect();
        for k in &gone {
            lists.remove(k);
        }
        (lists.keys().copied().collect(), gone)
    }

    /// Forgets every list (the caches were dropped).
    pub fn clear(&self) {
        if let Ok(mut lists) = self.lists.lock() {
            lists.clear();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::models::ranking::TimeWindow;

    fn key(limit: i64) -> MostReadKey {
        MostReadKey {
            window: TimeWindow::Week,
            category: None,
            limit,
        }
    }

    #[test]
    fn tells_a_new_order_once() {
        let f = Followed::default();
        let ids = |v: &[i64]| v.iter().map(|&i| ArticleId(i)).collect::<Vec<_>>();
        assert_eq!(f.observe(key(5), ids(&[1, 2]), false), Seen::Same);
        assert!(
            f.due(Duration::from_secs(60)).0.is_empty(),
            "a recount alone follows nothing"
        );
        assert_eq!(f.observe(key(5), ids(&[1, 2]), true), Seen::Same);
        assert_eq!(f.observe(key(5), ids(&[1, 2]), false), Seen::Same);
        assert_eq!(f.observe(key(5), ids(&[2, 1]), false), Seen::Changed);
        assert_eq!(f.observe(key(5), ids(&[2, 1]), true), Seen::Same);
        assert_eq!(f.due(Duration::from_secs(60)), (vec![key(5)], vec![]));
        assert_eq!(f.due(Duration::ZERO), (vec![], vec![key(5)]));
        assert_eq!(
            f.observe(key(5), ids(&[3]), false),
            Seen::Same,
            "no longer followed"
        );
    }
}
