//! What a write changed, as one typed event. Every write emits one after it commits; the caches
//! (`crate::cache::Caches::apply`) are its consumer, and nothing else drops cached data.

use crate::models::ids::{ApiKeyId, ArticleId, AuthorId, CategoryId, RankingId, SourceId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Articles whose content, lists or visibility changed (a write, or the clock crossing a
    /// publish or offline time).
    Articles(Vec<ArticleId>),
    /// A channel was created, changed or deleted (the tree, breadcrumbs and every summary that
    /// names it).
    Category(CategoryId),
    /// A source was renamed or changed (summaries name it).
    Source(SourceId),
    /// A byline was renamed or changed (summaries name it).
    Author(AuthorId),
    /// A board or its entries changed.
    Board(RankingId),
    /// The site settings changed.
    Site,
    /// An API key was revoked (its lookups are forgotten).
    ApiKey(ApiKeyId),
}

impl Change {
    pub fn article(id: ArticleId) -> Self {
        Self::Articles(vec![id])
    }
}
