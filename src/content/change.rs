//! What a write changed, as one typed event. Every write builds one inside its transaction and
//! hands it to `services::commit`, which gives it to its consumers: the webhook outbox
//! (`webhooks::announce`, in the same transaction) and, after the commit, the in-process
//! caches (`cache::Caches::apply`). Nothing else queues webhooks or drops cached data.

use chrono::{DateTime, Utc};

use super::categories::CategoryDetail;
use super::site::SiteDto;
use crate::models::article::Article;
use crate::models::article_status::ArticleStatus;
use crate::models::ids::{
    ApiKeyId, ArticleId, AuthorId, CategoryId, MediaId, RankingId, SourceId, SynonymId, UserId,
    WebhookId,
};
use crate::models::ranking::Ranking;

#[derive(Debug)]
pub enum Change {
    /// Articles whose content, lists or visibility changed (a write, or the clock crossing a
    /// publish or offline time).
    Articles(Vec<ArticleChange>),
    /// A channel was created, changed or deleted (the tree, breadcrumbs and every summary that
    /// names it).
    Category(Box<CategoryChange>),
    /// A source was created, changed or deleted (summaries name it).
    Source(SourceId),
    /// A byline was created, changed or deleted (summaries name it).
    Author(AuthorId),
    /// A board or its entries changed.
    Board(BoardChange),
    /// The site settings changed; their new state.
    Site(Box<SiteDto>),
    /// An API key was created or revoked (its lookups are forgotten).
    ApiKey(ApiKeyId),
    /// A staff account was created, changed or deleted (nothing caches accounts; the event
    /// keeps every write on the one path).
    User(UserId),
    /// A webhook endpoint was registered, changed or deleted (subscribers are read from the
    /// database on each event).
    Webhook(WebhookId),
    /// A media asset was uploaded, changed or deleted (articles show its metadata).
    Media(MediaId),
    /// A group of the search synonym list was created, changed or deleted (search results
    /// change with it).
    Synonyms(SynonymId),
}

/// One article a write or the clock changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleChange {
    pub id: ArticleId,
    /// The channels whose lists it was in or is in now: its channel before and after the
    /// write (one entry when it stayed; empty when purged and gone).
    pub channels: Vec<CategoryId>,
    pub what: ArticleEvent,
    /// When saved: the future instants at which the clock changes its visibility
    /// (`published_at` of a scheduled article, `offline_at`), so caches expire on the second.
    pub ticks: Vec<DateTime<Utc>>,
    /// Articles whose 相关新闻 choices the write changed (its own included).
    pub related: Vec<ArticleId>,
    /// Whether its place in its channels' publish-ordered lists may have changed: it was
    /// created, left or entered the public, moved channel, or changed a field that orders or
    /// filters those lists (`published_at`, `offline_at`, pinned). An edit of its text alone
    /// leaves it where it was.
    pub placed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleEvent {
    /// Created, changed (publish, unpublish and schedule included) or taken out of the trash.
    /// Whether the public saw it before and after is read from the change feed's stamps.
    Saved,
    /// Moved to the trash.
    Trashed { slug: String },
    /// Deleted for good.
    Purged { slug: String },
    /// The clock made it visible (`published_at` came) or took it down (`offline_at` passed).
    Clock { visible: bool },
}

impl ArticleChange {
    /// A write that saved `saved`; `before` is the article before the write, if it existed.
    pub fn saved(saved: &Article, before: Option<&Article>, related: Vec<ArticleId>) -> Self {
        let after = saved.category_id;
        let mut channels = vec![after];
        if let Some(b) = before.map(|b| b.category_id).filter(|b| *b != after) {
            channels.insert(0, b);
        }
        let placed = before.is_none_or(|b| placement(b) != placement(saved));
        let now = Utc::now();
        let ticks = if saved.status == ArticleStatus::Published && saved.deleted_at.is_none() {
            [saved.published_at, saved.offline_at]
                .into_iter()
                .flatten()
                .filter(|t| *t > now)
                .collect()
        } else {
            Vec::new()
        };
        Self {
            id: saved.id,
            channels,
            what: ArticleEvent::Saved,
            ticks,
            related,
            placed,
        }
    }

    /// A change with no pending instants (trash, purge, the clock).
    pub fn now(id: ArticleId, channels: Vec<CategoryId>, what: ArticleEvent) -> Self {
        Self {
            id,
            channels,
            what,
            ticks: Vec::new(),
            related: Vec::new(),
            placed: true,
        }
    }
}

/// What decides whether and where an article appears in its channels' publish-ordered lists.
#[derive(PartialEq)]
struct Placement {
    channel: CategoryId,
    status: ArticleStatus,
    trashed: bool,
    published_at: Option<DateTime<Utc>>,
    offline_at: Option<DateTime<Utc>>,
    pinned: bool,
}

fn placement(a: &Article) -> Placement {
    Placement {
        channel: a.category_id,
        status: a.status,
        trashed: a.deleted_at.is_some(),
        published_at: a.published_at,
        offline_at: a.offline_at,
        pinned: a.is_pinned,
    }
}

/// What happened to a channel, with its state (the last one it had, when deleted).
#[derive(Debug)]
pub struct CategoryChange {
    pub what: Lifecycle,
    pub detail: CategoryDetail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Created,
    Updated,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardChange {
    pub id: RankingId,
    pub slug: String,
    pub deleted: bool,
}

impl Change {
    /// A board (or its entries) changed; `deleted` when it is gone.
    pub fn board(board: &Ranking, deleted: bool) -> Self {
        Self::Board(BoardChange {
            id: board.id,
            slug: board.slug.clone(),
            deleted,
        })
    }

    /// A change that changed nothing (a scheduler run with nothing due).
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Articles(list) if list.is_empty())
    }
}
