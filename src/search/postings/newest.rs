//! The collector of the newest visible matches: one pass over the matching documents reads
//! their publish time (and, only for those that are visible and could enter the top, their
//! offline time and id), counts them, and keeps the `limit` newest in a heap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Publish time and id, compared as PostgreSQL orders them (both descending: larger is newer).
pub type Key = (i64, i64);

pub struct NewestVisible {
    pub limit: usize,
    /// Published in `(after, until]`, microseconds.
    pub after: i64,
    pub until: i64,
    /// Not offline at this instant (offline times up to it are gone), microseconds.
    pub now: i64,
}

pub struct Segment {
    limit: usize,
    after: i64,
    until: i64,
    now: i64,
    published: Arc<dyn ColumnValues<i64>>,
    offline: Arc<dyn ColumnValues<i64>>,
    id: Arc<dyn ColumnValues<i64>>,
    heap: BinaryHeap<Reverse<Key>>,
    count: usize,
}

fn column(
    segment: &SegmentReader,
    name: &str,
    default: i64,
) -> tantivy::Result<Arc<dyn ColumnValues<i64>>> {
    Ok(segment
        .fast_fields()
        .i64(name)?
        .first_or_default_col(default))
}

impl Collector for NewestVisible {
    type Fruit = (Vec<Key>, usize);
    type Child = Segment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Segment> {
        Ok(Segment {
            limit: self.limit,
            after: self.after,
            until: self.until,
            now: self.now,
            published: column(segment, "published", i64::MIN)?,
            offline: column(segment, "offline", i64::MAX)?,
            id: column(segment, "id", 0)?,
            heap: BinaryHeap::with_capacity(self.limit.min(4096) + 1),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<Key>, usize)>) -> tantivy::Result<(Vec<Key>, usize)> {
        let count = fruits.iter().map(|f| f.1).sum();
        let mut all: Vec<Key> = fruits.into_iter().flat_map(|f| f.0).collect();
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(self.limit);
        Ok((all, count))
    }
}

impl SegmentCollector for Segment {
    type Fruit = (Vec<Key>, usize);

    fn collect(&mut self, doc: DocId, _: Score) {
        let published = self.published.get_val(doc);
        if published <= self.after || published > self.until || published == i64::MIN {
            return;
        }
        if self.offline.get_val(doc) <= self.now {
            return;
        }
        self.count += 1;
        if self.limit == 0 {
            return;
        }
        if self.heap.len() == self.limit
            && self
                .heap
                .peek()
                .is_some_and(|Reverse(min)| published < min.0)
        {
            return;
        }
        let key = (published, self.id.get_val(doc));
        if self.heap.len() < self.limit {
            self.heap.push(Reverse(key));
        } else if self.heap.peek().is_some_and(|Reverse(min)| key > *min) {
            self.heap.pop();
            self.heap.push(Reverse(key));
        }
    }

    fn harvest(self) -> (Vec<Key>, usize) {
        (
            self.heap.into_iter().map(|Reverse(k)| k).collect(),
            self.count,
        )
    }
}
