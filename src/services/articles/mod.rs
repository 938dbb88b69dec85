//! The one write path for articles. Create, update (publishing, unpublishing and scheduling
//! are updates of `status` and its times), trash, restore, purge and revision restore each run
//! through [`crate::services::commit`]: one transaction that locks the row, checks the version
//! (`If-Match`) and the role rule, saves (recording the revision, the search index and, by the
//! database's trigger, the change-feed stamp), and emits one [`Change::Articles`] event naming
//! the article and its channels before and after.

mod draft;
mod input;
mod media;
mod save;

use chrono::Utc;
use diesel_async::AsyncPgConnection;

pub use draft::{Body, Draft, Lists, MAX_BODY_BYTES, MAX_BODY_NESTING};
pub use input::{CreateArticle, FlagsInput, UpdateArticle};
pub use save::lists_of;

use self::save::{may_edit, save};
use super::commit;
use super::version::check_if_match;
use crate::auth::Actor;
use crate::content::articles::{ArticleDetail, render};
use crate::content::change::{ArticleChange, ArticleEvent, Change};
use crate::error::{ApiError, OrNotFound};
use crate::models::article::{self, Article};
use crate::models::ids::ArticleId;
use crate::models::user::Role;
use crate::models::{Key, related_choices, revision};
use crate::state::AppState;

/// Creates an article. Writers create drafts; editors and admins may publish directly.
pub async fn create(
    state: &AppState,
    actor: Actor,
    body: CreateArticle,
) -> Result<ArticleDetail, ApiError> {
    let draft = Draft::from_create(body);
    commit(state, async |conn| {
        let saved = save(conn, &state.search, actor, None, draft).await?;
        saved_answer(state, conn, None, saved).await
    })
    .await
}

/// Changes the fields `patch` names; the previous state becomes a revision.
pub async fn update(
    state: &AppState,
    actor: Actor,
    key: &Key,
    if_match: Option<&str>,
    patch: UpdateArticle,
) -> Result<ArticleDetail, ApiError> {
    commit(state, async |conn| {
        let current = lock_live(conn, key, actor, if_match).await?;
        let lists = lists_of(conn, current.id).await?;
        let draft = Draft::from_update(&current, lists.clone(), patch);
        let saved = save(conn, &state.search, actor, Some((&current, lists)), draft).await?;
        saved_answer(state, conn, Some(&current), saved).await
    })
    .await
}

/// Makes revision `number` current again (itself an update: the replaced state is kept too).
pub async fn restore_revision(
    state: &AppState,
    actor: Actor,
    key: &Key,
    number: i32,
    if_match: Option<&str>,
) -> Result<ArticleDetail, ApiError> {
    commit(state, async |conn| {
        let current = lock_live(conn, key, actor, if_match).await?;
        let rev = revision::find(conn, current.id, number)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("revision {number} of article `{key}`")))?;
        let draft = Draft::from_revision(&rev)?;
        let lists = lists_of(conn, current.id).await?;
        let saved = save(conn, &state.search, actor, Some((&current, lists)), draft).await?;
        saved_answer(state, conn, Some(&current), saved).await
    })
    .await
}

/// Moves an article to the trash (editors: any; writers: their own drafts).
pub async fn trash(state: &AppState, actor: Actor, key: &Key) -> Result<ArticleId, ApiError> {
    commit(state, async |conn| {
        let current = lock_live(conn, key, actor, None).await?;
        article::set_deleted(conn, current.id, Some(Utc::now()), actor.id).await?;
        let slug = current.slug.clone();
        Ok((current.id, gone(&current, ArticleEvent::Trashed { slug })))
    })
    .await
}

/// Takes an article out of the trash.
pub async fn restore(state: &AppState, actor: Actor, key: &Key) -> Result<ArticleDetail, ApiError> {
    commit(state, async |conn| {
        let current = lock_trashed(conn, key, "").await?;
        may_edit(actor, &current)?;
        let restored = article::set_deleted(conn, current.id, None, actor.id).await?;
        // Back from the trash: announced as published when the public can see it again.
        saved_answer(state, conn, Some(&current), restored).await
    })
    .await
}

/// Admin: deletes a trashed article for good, with its revisions.
pub async fn purge(state: &AppState, actor: Actor, key: &Key) -> Result<(), ApiError> {
    actor.require(Role::Admin)?;
    commit(state, async |conn| {
        let current = lock_trashed(conn, key, "; move it there first").await?;
        article::purge(conn, current.id).await?;
        let slug = current.slug.clone();
        Ok(((), gone(&current, ArticleEvent::Purged { slug })))
    })
    .await
}

/// The article `key` locked for a write that changes it: not in the trash, at the version
/// `If-Match` names (when sent), and the actor's to change.
async fn lock_live(
    conn: &mut AsyncPgConnection,
    key: &Key,
    actor: Actor,
    if_match: Option<&str>,
) -> Result<Article, ApiError> {
    let current = article::find_for_update(conn, key)
        .await?
        .filter(|a| a.deleted_at.is_none())
        .or_not_found("article", key)?;
    check_if_match(if_match, current.version)?;
    may_edit(actor, &current)?;
    Ok(current)
}

/// The article `key` locked for a write that needs it in the trash (409 otherwise).
async fn lock_trashed(
    conn: &mut AsyncPgConnection,
    key: &Key,
    hint: &str,
) -> Result<Article, ApiError> {
    let current = article::find_for_update(conn, key)
        .await?
        .or_not_found("article", key)?;
    if current.deleted_at.is_none() {
        return Err(ApiError::conflict(format!(
            "article `{key}` is not in the trash{hint}"
        )));
    }
    Ok(current)
}

/// The answer to a write that saved `saved` (its full body) and the event it emits.
async fn saved_answer(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    before: Option<&Article>,
    saved: Article,
) -> Result<(ArticleDetail, Change), ApiError> {
    let related = related_choices::refresh(conn, &state.ranking, &saved).await?;
    let change = ArticleChange::saved(&saved, before, related);
    let tree = state.tree(conn).await?;
    let detail = render(conn, &tree, saved).await?;
    Ok((detail, Change::Articles(vec![change])))
}

/// The event of an article leaving the public (trash or purge).
fn gone(current: &Article, what: ArticleEvent) -> Change {
    Change::Articles(vec![ArticleChange::now(
        current.id,
        vec![current.category_id],
        what,
    )])
}
