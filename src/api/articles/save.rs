//! The one way an article is written: checks, derived fields, revision, byline and tags.

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::input::{Draft, Lists};
use crate::auth::AuthUser;
use crate::content::articles::{ArticleDetail, detail};
use crate::error::ApiError;
use crate::models::article::{self, Article};
use crate::models::category::Tree;
use crate::models::ids::ArticleId;
use crate::models::search_index as search;
use crate::models::{related, revision, tag};
use crate::queries::article_detail;
use crate::search::{Document, Indexed, Indexer};

/// Inserts (`current` = None) or updates an article from a draft, inside the caller's transaction.
pub async fn save(
    conn: &mut AsyncPgConnection,
    indexer: &Arc<Indexer>,
    actor: &AuthUser,
    current: Option<&Article>,
    mut draft: Draft,
) -> Result<Article, ApiError> {
    draft.validate()?;
    if let Some(old) = current
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
        Some(old) => {
            let old_lists = lists_of(conn, old.id).await?;
            revision::record(conn, old, old_lists, actor.id).await?;
            article::update(conn, old.id, &content, actor.id).await?
        }
    };
    article::set_authors(conn, saved.id, &lists.author_ids).await?;
    let tags = tag::find_or_create(conn, &lists.tags).await?;
    tag::set_for_article(conn, saved.id, &tags).await?;
    related::set_picks(conn, saved.id, &lists.related_ids).await?;
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
    })
}

/// The full response body of one article.
pub async fn render(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    article: Article,
) -> Result<ArticleDetail, ApiError> {
    let view = article_detail::load(conn, article, Utc::now()).await?;
    Ok(detail(view, tree))
}

/// An article as staff see it: never cached, with its version as the ETag (and `Location`
/// when just created).
pub fn staff_article(status: StatusCode, detail: &ArticleDetail) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::ETAG, version_etag(detail.version)))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"));
    if status == StatusCode::CREATED {
        res.insert_header((header::LOCATION, format!("/api/v1/articles/{}", detail.id)));
    }
    res.json(detail)
}

/// `"v<version>"`: the validator staff send back in `If-Match`.
pub fn version_etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// 412 unless `If-Match` (when sent) names the current version. The comparison is strong
/// (RFC 9110 §13.1.1): a weak tag (`W/"v3"`) never matches, nor does an unquoted one.
pub fn check_if_match(if_match: Option<&str>, version: i32) -> Result<(), ApiError> {
    let Some(value) = if_match else { return Ok(()) };
    let current = version_etag(version);
    let ok = value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current);
    if ok {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn if_match() {
        assert!(check_if_match(None, 3).is_ok());
        assert!(check_if_match(Some("\"v3\""), 3).is_ok());
        assert!(check_if_match(Some("\"v9\", \"v3\""), 3).is_ok());
        assert!(check_if_match(Some("W/\"v3\""), 3).is_err());
        assert!(check_if_match(Some("W/\"v3\", \"v9\""), 3).is_err());
        assert!(check_if_match(Some("v3"), 3).is_err());
        assert!(check_if_match(Some("*"), 3).is_ok());
        assert!(check_if_match(Some("\"v2\""), 3).is_err());
    }
}
