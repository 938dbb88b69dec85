//! Article events: which one a write causes, and the summary they carry.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use super::{Event, EventKind, enqueue};
use crate::api::articles::summaries_of;
use crate::error::ApiError;
use crate::models::article::Article;
use crate::models::category::{self, Tree};
use crate::models::ids::ArticleId;

/// The event a write from `before` (None: a new article) to `after` causes, judged at `now`:
/// becoming publicly visible is `article.published`, ceasing to be is `article.unpublished`,
/// any other write to a visible article is `article.updated`; writes to articles the public
/// cannot see announce nothing.
pub fn article_transition(
    before: Option<&Article>,
    after: &Article,
    now: DateTime<Utc>,
) -> Option<EventKind> {
    let was = before.is_some_and(|a| a.is_visible_at(now));
    match (was, after.is_visible_at(now)) {
        (false, true) => Some(EventKind::ArticlePublished),
        (true, false) => Some(EventKind::ArticleUnpublished),
        (true, true) => Some(EventKind::ArticleUpdated),
        (false, false) => None,
    }
}

/// Queues `kind` for article `id` with its summary (as the transaction sees it now).
pub async fn announce_article_in(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    kind: EventKind,
    id: ArticleId,
) -> Result<(), ApiError> {
    let Some(summary) = summaries_of(conn, tree, &[id]).await?.pop() else {
        return Ok(());
    };
    enqueue(conn, Event::article(kind, &summary)).await
}

/// `announce_article_in` for callers without the channel tree at hand (it is loaded).
pub async fn announce_article(
    conn: &mut AsyncPgConnection,
    kind: EventKind,
    id: ArticleId,
) -> Result<(), ApiError> {
    let tree = category::load_tree(conn).await?;
    announce_article_in(conn, &tree, kind, id).await
}

/// Queues the event (if any) of a write from `before` to `after` (see `article_transition`).
pub async fn announce_write(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    before: Option<&Article>,
    after: &Article,
) -> Result<(), ApiError> {
    match article_transition(before, after, Utc::now()) {
        Some(kind) => announce_article_in(conn, tree, kind, after.id).await,
        None => Ok(()),
    }
}
