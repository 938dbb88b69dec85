//! Saving an article inside its write's transaction: checks, derived fields, revision, byline,
//! tags, related picks and the search index; and the rules a write checks first.

use std::sync::Arc;

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::draft::{Draft, Lists};
use crate::auth::Actor;
use crate::error::ApiError;
use crate::models::article::{self, Article, ArticleStatus};
use crate::models::ids::ArticleId;
use crate::models::search_index as search;
use crate::models::user::Role;
use crate::models::{related, revision, tag};
use crate::search::{Document, Indexed, Indexer};

/// Inserts (`current` = None) or updates an article from a draft, inside the caller's
/// transaction; `current` is the locked row with the lists it has now (kept as the revision).
pub async fn save(
    conn: &mut AsyncPgConnection,
    indexer: &Arc<Indexer>,
    actor: Actor,
    current: Option<(&Article, Lists)>,
    mut draft: Draft,
) -> Result<Article, ApiError> {
    draft.validate()?;
    if let Some((old, _)) = &current
        && draft.related_ids.contains(&old.id)
    {
        return Err(ApiError::invalid(
            "related_ids",
            "must not name the article itself",
        ));
    }
    draft.check_role(actor)?;
    draft.check_references(conn).await?;
    let now = Utc::now();
    let (content, lists) = draft.into_content(conn, actor, now).await?;
    let saved = match current {
        None => article::insert(conn, &content, actor.id).await?,
        Some((old, old_lists)) => {
            revision::record(conn, old, old_lists, actor.id).await?;
            article::update(conn, old.id, &content, actor.id).await?
        }
    };
    article::set_authors(conn, saved.id, &lists.author_ids).await?;
    let tags = tag::find_or_create(conn, &lists.tags).await?;
    tag::set_for_article(conn, saved.id, &tags).await?;
    related::set_picks(conn, saved.id, &lists.related_ids).await?;
    super::media::store_uses(conn, actor, &saved, &lists.media).await?;
    let tag_names: Vec<String> = tags.into_iter().map(|t| t.name).collect();
    let indexed = index_off_thread(indexer, &saved, tag_names).await?;
    search::store(conn, saved.id, &indexed).await?;
    Ok(saved)
}

/// Segments the article on a blocking thread (a long body takes a while), not the request's.
async fn index_off_thread(
    indexer: &Arc<Indexer>,
    a: &Article,
    tags: Vec<String>,
) -> Result<Indexed, ApiError> {
    let indexer = indexer.clone();
    let (title, kicker, subtitle) = (a.title.clone(), a.kicker.clone(), a.subtitle.clone());
    let (summary, body) = (a.summary.clone(), a.body_text.clone());
    tokio::task::spawn_blocking(move || {
        indexer.index_timed(&Document {
            title: &title,
            kicker: kicker.as_deref(),
            subtitle: subtitle.as_deref(),
            tags: &tags,
            summary: &summary,
            body: &body,
        })
    })
    .await
    .map_err(ApiError::internal)
}

/// The bylines, tags and related picks an article has now.
pub async fn lists_of(conn: &mut AsyncPgConnection, id: ArticleId) -> Result<Lists, ApiError> {
    Ok(Lists {
        author_ids: article::author_ids(conn, id).await?,
        tags: tag::for_articles(conn, &[id])
            .await?
            .into_iter()
            .map(|(_, t)| t.name)
            .collect(),
        related_ids: related::picks(conn, id).await?,
        media: crate::models::media::refs_of(conn, id).await?,
    })
}

/// Writers change (and trash) only their own drafts; editors and admins anything.
pub fn may_edit(actor: Actor, a: &Article) -> Result<(), ApiError> {
    if actor.role.at_least(Role::Editor)
        || (a.created_by == actor.id && a.status == ArticleStatus::Draft)
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "writers may change only their own drafts".into(),
        ))
    }
}
