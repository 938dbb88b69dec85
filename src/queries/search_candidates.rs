//! Where a public search finds its candidates: the in-memory postings (`cache::postings`)
//! when they can answer the query exactly and it is selective enough to gain from them, else
//! PostgreSQL's own indexes. Either way the database checks and ranks what is shown.

use crate::cache::postings::{SearchPostings, Snapshot};
use crate::models::ids::ArticleId;
use crate::search::postings::{Filter, parse_tsquery};

use super::article_list::{ArticleQuery, Scope};

/// Candidates from the postings beyond this many (deep pages) are left to the database.
pub const MAX_CANDIDATES: usize = 10_000;

/// A search the postings answer.
pub struct Candidates {
    snapshot: Snapshot,
    query: Box<dyn tantivy::query::Query>,
    filter: Filter,
}

/// The newest matches the postings found, with the articles they could not vouch for.
pub struct Found {
    /// The newest matches outside `dirty`, newest first.
    pub ids: Vec<ArticleId>,
    /// All matches outside `dirty`.
    pub total: i64,
    /// Changed since the postings saw them: the database decides.
    pub dirty: Vec<ArticleId>,
}

impl Found {
    /// The newest matches and the dirty articles, for the database to check.
    pub fn with_dirty(&self) -> Vec<ArticleId> {
        let mut all = self.ids.clone();
        all.extend(self.dirty.iter().copied());
        all
    }
}

impl ArticleQuery {
    /// The postings' plan for this query, when they can answer it: public scope, only the
    /// filters they hold (channels, publish times), a query they translate exactly and expect
    /// to match at most `max_share` of the articles.
    pub fn candidates(&self, postings: &SearchPostings, max_share: f64) -> Option<Candidates> {
        let f = &self.filters;
        let Scope::Public(now) = self.scope else {
            return None;
        };
        if !f.only_channels_and_times() {
            return None;
        }
        let tsq = parse_tsquery(f.search.as_deref()?)?;
        let snapshot = postings.snapshot()?;
        let (query, share) = snapshot.index.compile(&snapshot.searcher, &tsq)?;
        if share > max_share {
            return None;
        }
        let filter = Filter {
            now,
            categories: f
                .categories
                .as_ref()
                .map(|c| c.iter().map(|c| c.0).collect()),
            published_after: f.published_after,
            published_before: f.published_before,
            except: snapshot.dirty.iter().map(|id| id.0).collect(),
        };
        Some(Candidates {
            snapshot,
            query,
            filter,
        })
    }
}

impl Candidates {
    /// The `limit` newest matches and the total.
    pub fn newest(&self, limit: usize) -> tantivy::Result<Found> {
        let s = &self.snapshot;
        let newest = s.index.newest(
            &s.searcher,
            self.query.box_clone(),
            &self.filter,
            limit.min(MAX_CANDIDATES),
        )?;
        Ok(Found {
            ids: newest.ids.into_iter().map(ArticleId).collect(),
            total: newest.total as i64,
            dirty: s.dirty.clone(),
        })
    }
}
