//! The write side: one service per aggregate, and the one way a write is committed.
//!
//! Every write runs through [`commit`]: it opens the transaction, runs the service's work
//! (lock, role rule, save; the change feed is stamped by the database as rows change), and
//! takes the one change event the work returns to its consumers: the webhook outbox inside
//! the same transaction, then, once committed, the in-process caches. Handlers in `src/api`
//! extract and respond; they never queue a webhook or drop a cache themselves.

pub mod api_keys;
pub mod articles;
pub mod authors;
pub mod boards;
pub mod categories;
pub mod clock;
pub mod endpoints;
pub mod media;
pub mod site;
pub mod sources;
pub mod synonyms;
pub mod users;
pub mod version;

use std::future::Future;

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::cache::Invalidation;
use crate::content::change::Change;
use crate::error::ApiError;
use crate::models::{SlugTable, free_slug};
use crate::state::AppState;
use crate::validate::slugify;
use crate::{listener, webhooks};

/// The work of one write, run inside its transaction: returns the answer and the change it made.
/// (A named form of `AsyncFnOnce(&mut AsyncPgConnection) -> R` whose future is `Send`, which
/// the transaction needs; any `async |conn| { … }` closure is one.)
pub trait Work<'c, R>:
    AsyncFnOnce(&'c mut AsyncPgConnection) -> R
    + FnOnce(&'c mut AsyncPgConnection) -> <Self as Work<'c, R>>::Fut
{
    type Fut: Future<Output = R> + Send;
}

impl<'c, F, Fut, R> Work<'c, R> for F
where
    F: AsyncFnOnce(&'c mut AsyncPgConnection) -> R + FnOnce(&'c mut AsyncPgConnection) -> Fut,
    Fut: Future<Output = R> + Send,
{
    type Fut = Fut;
}

/// Runs `work` in one transaction, queues the webhook events of the change it returns in the
/// same transaction, and after the commit applies the change to the caches.
pub async fn commit<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send,
    F: for<'c> Work<'c, Result<(T, Change), ApiError>> + Send,
{
    let mut conn = state.conn().await?;
    let (value, change) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (value, change) = work(conn).await?;
            webhooks::announce(conn, &change).await?;
            let stale = (!change.is_empty()).then(|| Invalidation::of(&change));
            if let Some(inv) = &stale {
                // Delivered to the other instances on commit, never for a rollback.
                listener::notify(conn, &state.caches.instance, inv).await?;
                if let Some(edge) = &state.edge {
                    crate::edge::queue(conn, edge, inv).await?;
                }
            }
            Ok((value, stale))
        })
        .await?;
    if let Some(replicas) = &state.replicas {
        // Before the caches drop what the write made stale: whatever refills them must be read
        // from a replica that has replayed this commit (see `replication`).
        match crate::replication::lsn::current(&mut conn).await {
            Ok(at) => {
                replicas.raise_floor(at);
                crate::replication::route::note_write(at);
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the primary's position after a write; reads go to the primary until it is known");
                replicas.floor_unknown();
            }
        }
    }
    if let Some(inv) = &change {
        state.caches.invalidate(inv);
        if let Some(edge) = &state.edge {
            // After the caches: the edge's next fetch gets the new version from here.
            edge.wake.notify_one();
        }
    }
    Ok(value)
}

/// The slug given, or a free one made from `name` (`fallback` when the name has no letters to
/// make one from), in `table`.
async fn free_slug_for(
    conn: &mut AsyncPgConnection,
    table: SlugTable,
    given: Option<String>,
    name: &str,
    fallback: &str,
) -> Result<String, ApiError> {
    match given {
        Some(slug) => Ok(slug),
        None => Ok(free_slug(conn, table, &slugify(name, fallback)).await?),
    }
}

/// 409 while `used` articles (trashed ones included) still refer to what a write would delete:
/// "`<what>` <relation> 3 article(s) (trashed ones included); <fix>".
fn refuse_if_used(used: i64, what: &str, relation: &str, fix: &str) -> Result<(), ApiError> {
    if used > 0 {
        return Err(ApiError::conflict(format!(
            "{what} {relation} {used} article(s) (trashed ones included); {fix}"
        )));
    }
    Ok(())
}
