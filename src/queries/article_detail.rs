//! What article responses join in: bylines, tags, sources, editors, neighbours.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{article_authors, articles, authors, sources, users};
use crate::models::article::Article;
use crate::models::author::Author;
use crate::models::ids::{ArticleId, AuthorId, CategoryId, SourceId, UserId};
use crate::models::source::Source;
use crate::models::tag::{self, Tag};

/// Bylines of many articles: (article, author id, name, slug, affiliation) in byline order.
pub type BylineRow = (ArticleId, AuthorId, String, String, Option<String>);

pub async fn bylines(
    conn: &mut AsyncPgConnection,
    ids: &[ArticleId],
) -> QueryResult<HashMap<ArticleId, Vec<BylineRow>>> {
    let rows: Vec<BylineRow> = article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_id.eq_any(ids))
        .order((article_authors::article_id, article_authors::position))
        .select((
            article_authors::article_id,
            authors::id,
            authors::name,
            authors::slug,
            authors::affiliation,
        ))
        .load(conn)
        .await?;
    let mut map: HashMap<ArticleId, Vec<BylineRow>> = HashMap::new();
    for row in rows {
        map.entry(row.0).or_default().push(row);
    }
    Ok(map)
}

pub async fn sources_by_id(
    conn: &mut AsyncPgConnection,
    ids: &[SourceId],
) -> QueryResult<HashMap<SourceId, Source>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Source> = sources::table
        .filter(sources::id.eq_any(ids))
        .select(Source::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
}

/// A staff member as shown on an article (责任编辑).
#[derive(Debug, Clone)]
pub struct UserName {
    pub id: UserId,
    pub display_name: String,
}

pub async fn user_names(
    conn: &mut AsyncPgConnection,
    ids: &[UserId],
) -> QueryResult<HashMap<UserId, UserName>> {
    let rows: Vec<(UserId, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, display_name)| (id, UserName { id, display_name }))
        .collect())
}

/// The previous (older) or next (newer) visible article in a channel.
#[derive(Debug, Clone, Queryable)]
pub struct Neighbour {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
}

async fn neighbour(
    conn: &mut AsyncPgConnection,
    category: CategoryId,
    at: DateTime<Utc>,
    id: ArticleId,
    now: DateTime<Utc>,
    newer: bool,
) -> QueryResult<Option<Neighbour>> {
    use articles::dsl as a;
    let q = a::articles
        .filter(a::category_id.eq(category))
        .into_boxed()
        .filter(crate::models::visibility::visible(now))
        .select((a::id, a::slug, a::title, a::published_at))
        .limit(1);
    // The plain range (`>= at` / `<= at`) lets the index start at `at`; the OR breaks ties by id.
    let q = if newer {
        q.filter(a::published_at.ge(at))
            .filter(
                a::published_at
                    .gt(at)
                    .or(a::published_at.eq(at).and(a::id.gt(id))),
            )
            .order((a::published_at.asc().nulls_first(), a::id.asc()))
    } else {
        q.filter(a::published_at.le(at))
            .filter(
                a::published_at
                    .lt(at)
                    .or(a::published_at.eq(at).and(a::id.lt(id))),
            )
            .order((a::published_at.desc().nulls_last(), a::id.desc()))
    };
    q.first(conn).await.optional()
}

/// An article with everything its detail response shows.
pub struct ArticleView {
    pub article: Article,
    pub authors: Vec<Author>,
    pub tags: Vec<Tag>,
    pub source: Option<Source>,
    pub editor: Option<UserName>,
    pub prev: Option<Neighbour>,
    pub next: Option<Neighbour>,
    pub related_ids: Vec<ArticleId>,
}

pub async fn load(
    conn: &mut AsyncPgConnection,
    article: Article,
    now: DateTime<Utc>,
) -> QueryResult<ArticleView> {
    let authors: Vec<Author> = article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_id.eq(article.id))
        .order(article_authors::position)
        .select(Author::as_select())
        .load(conn)
        .await?;
    let tags = tag::for_articles(conn, &[article.id])
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let source = match article.source_id {
        Some(id) => sources::table
            .find(id)
            .select(Source::as_select())
            .first(conn)
            .await
            .optional()?,
        None => None,
    };
    let editor = match article.editor_id {
        Some(id) => user_names(conn, &[id]).await?.remove(&id),
        None => None,
    };
    let (prev, next) = match article.published_at {
        Some(at) if article.is_visible_at(now) => (
            neighbour(conn, article.category_id, at, article.id, now, false).await?,
            neighbour(conn, article.category_id, at, article.id, now, true).await?,
        ),
        _ => (None, None),
    };
    let related_ids = crate::models::related::picks(conn, article.id).await?;
    Ok(ArticleView {
        related_ids,
        article,
        authors,
        tags,
        source,
        editor,
        prev,
        next,
    })
}
