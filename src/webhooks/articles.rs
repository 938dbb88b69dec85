//! Article events: which one a write causes, and the summary they carry.

use diesel_async::AsyncPgConnection;

use super::{Event, EventKind, enqueue};
use crate::content::articles::summaries_of;
use crate::error::ApiError;
use crate::models::article::Article;
use crate::models::category::Tree;
use crate::models::ids::ArticleId;
use crate::models::sync;

/// The event a write causes, from whether the article was publicly visible before and after
/// it: becoming visible is `article.published`, ceasing to be is `article.unpublished`, any
/// other write to a visible article is `article.updated`; writes to articles the public cannot
/// see announce nothing.
pub fn article_transition(was: bool, is: bool) -> Option<EventKind> {
    match (was, is) {
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

/// Queues the event (if any) of the caller's write to `after`. Visibility before and after is
/// read from the delta-sync stamps the write took (`models::sync::visibility_change`), the
/// record the scheduler also works from: a scheduled publish is announced once, by whichever
/// of a write or the scheduler first stamps it visible.
pub async fn announce_write(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    after: &Article,
) -> Result<(), ApiError> {
    let Some((was, is)) = sync::visibility_change(conn, after.id).await? else {
        return Ok(());
    };
    match article_transition(was, is) {
        Some(kind) => announce_article_in(conn, tree, kind, after.id).await,
        None => Ok(()),
    }
}
