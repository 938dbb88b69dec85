//! The webhook consumer of change events: which events a committed change causes, queued in
//! the transaction that made it.

use diesel_async::AsyncPgConnection;

use super::{Event, EventKind, enqueue};
use crate::content::articles::summaries_of;
use crate::content::change::{ArticleEvent, Change, Lifecycle};
use crate::error::ApiError;
use crate::models::category::{self, Tree};
use crate::models::ids::ArticleId;
use crate::models::sync;

/// Queues the events of `change`; call it inside the transaction of the change (the one
/// caller is `crate::services::commit`), so the deliveries exist exactly when the change does.
pub async fn announce(conn: &mut AsyncPgConnection, change: &Change) -> Result<(), ApiError> {
    match change {
        Change::Articles(list) if list.is_empty() => Ok(()),
        Change::Articles(list) => {
            // Read in this transaction, not from the shared cache: the summaries must name
            // the channels as they are now, whoever wrote them.
            let tree = &category::load_tree(conn).await?;
            for a in list {
                match &a.what {
                    ArticleEvent::Saved => announce_write(conn, tree, a.id).await?,
                    ArticleEvent::Trashed { slug } => {
                        enqueue(conn, Event::article_deleted(a.id, slug, false)).await?
                    }
                    ArticleEvent::Purged { slug } => {
                        enqueue(conn, Event::article_deleted(a.id, slug, true)).await?
                    }
                    ArticleEvent::Clock { visible } => {
                        let kind = if *visible {
                            EventKind::ArticlePublished
                        } else {
                            EventKind::ArticleUnpublished
                        };
                        announce_article_in(conn, tree, kind, a.id).await?
                    }
                }
            }
            Ok(())
        }
        Change::Category(c) => {
            let kind = match c.what {
                Lifecycle::Created => EventKind::CategoryCreated,
                Lifecycle::Updated => EventKind::CategoryUpdated,
                Lifecycle::Deleted => EventKind::CategoryDeleted,
            };
            enqueue(conn, Event::new(kind, &c.detail)).await
        }
        Change::Board(b) => enqueue(conn, Event::ranking(b.id, &b.slug, b.deleted)).await,
        Change::Site(site) => enqueue(conn, Event::new(EventKind::SiteUpdated, site)).await,
        // Sources, bylines, API keys, accounts, endpoints and media have no events of their
        // own (an article's change carries what it shows).
        Change::Source(_)
        | Change::Author(_)
        | Change::ApiKey(_)
        | Change::User(_)
        | Change::Webhook(_)
        | Change::Synonyms(_)
        | Change::Media(_) => Ok(()),
    }
}

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
async fn announce_article_in(
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

/// Queues the event (if any) of a write to article `id`. Visibility before and after is read
/// from the delta-sync stamps the write took (`models::sync::visibility_change`), the record
/// the scheduler also works from: a scheduled publish is announced once, by whichever of a
/// write or the scheduler first stamps it visible.
async fn announce_write(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    id: ArticleId,
) -> Result<(), ApiError> {
    let Some((was, is)) = sync::visibility_change(conn, id).await? else {
        return Ok(());
    };
    match article_transition(was, is) {
        Some(kind) => announce_article_in(conn, tree, kind, id).await,
        None => Ok(()),
    }
}
