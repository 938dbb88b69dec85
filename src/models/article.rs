//! Articles: rows, inserts, changes and the writes of the editorial workflow.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

use super::Key;
use super::ids::{ArticleId, AuthorId, CategoryId, SourceId, UserId};
use crate::db::schema::{article_authors, articles};

pub use super::article_status::{ArticleKind, ArticleStatus};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: ArticleId,
    /// The writable content (fields read through `Deref`: `article.title`).
    #[diesel(embed)]
    #[serde(flatten)]
    pub content: ArticleContent,
    pub view_count: i64,
    pub version: i32,
    pub created_by: UserId,
    pub updated_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl std::ops::Deref for Article {
    type Target = ArticleContent;

    fn deref(&self) -> &ArticleContent {
        &self.content
    }
}

impl Article {
    /// The public rule: published, live by the clock, and not in the trash.
    pub fn is_visible_at(&self, now: DateTime<Utc>) -> bool {
        super::visibility::visible_at(
            self.status,
            self.deleted_at,
            self.published_at,
            self.offline_at,
            now,
        )
    }
}

/// The writable content of an article: what a create sets and a revision restores.
#[derive(Debug, Clone, Serialize, Deserialize, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleContent {
    pub slug: String,
    pub kicker: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: String,
    pub body: String,
    pub body_text: String,
    pub cover_image_url: Option<String>,
    pub kind: ArticleKind,
    pub media_url: Option<String>,
    pub category_id: CategoryId,
    pub source_id: Option<SourceId>,
    pub editor_id: Option<UserId>,
    pub is_headline: bool,
    pub is_featured: bool,
    pub is_pinned: bool,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub offline_at: Option<DateTime<Utc>>,
    pub word_count: i32,
}

impl From<&Article> for ArticleContent {
    fn from(a: &Article) -> Self {
        a.content.clone()
    }
}

pub async fn find(conn: &mut AsyncPgConnection, key: &Key) -> QueryResult<Option<Article>> {
    let query = articles::table.select(Article::as_select()).into_boxed();
    let query = match key {
        Key::Id(id) => query.filter(articles::id.eq(ArticleId(*id))),
        Key::Slug(slug) => query.filter(articles::slug.eq(slug.as_str())),
    };
    query.first(conn).await.optional()
}

/// Locks the row for the rest of the transaction.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    key: &Key,
) -> QueryResult<Option<Article>> {
    let select = articles::table.select(Article::as_select()).for_update();
    match key {
        Key::Id(id) => select
            .filter(articles::id.eq(ArticleId(*id)))
            .first(conn)
            .await
            .optional(),
        Key::Slug(slug) => select
            .filter(articles::slug.eq(slug.as_str()))
            .first(conn)
            .await
            .optional(),
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    content: &ArticleContent,
    by: UserId,
) -> QueryResult<Article> {
    diesel::insert_into(articles::table)
        .values((
            content,
            articles::created_by.eq(by),
            articles::updated_by.eq(by),
        ))
        .returning(Article::as_returning())
        .get_result(conn)
        .await
}

/// Writes new content, bumps the version and stamps who and when.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    content: &ArticleContent,
    by: UserId,
) -> QueryResult<Article> {
    diesel::update(articles::table.find(id))
        .set((
            content,
            articles::version.eq(articles::version + 1),
            articles::updated_by.eq(by),
            articles::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Article::as_returning())
        .get_result(conn)
        .await
}

/// Moves to the trash (`Some(now)`) or back (`None`).
pub async fn set_deleted(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    deleted_at: Option<DateTime<Utc>>,
    by: UserId,
) -> QueryResult<Article> {
    diesel::update(articles::table.find(id))
        .set((
            articles::deleted_at.eq(deleted_at),
            articles::updated_by.eq(by),
            articles::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Article::as_returning())
        .get_result(conn)
        .await
}

pub async fn purge(conn: &mut AsyncPgConnection, id: ArticleId) -> QueryResult<usize> {
    diesel::delete(articles::table.find(id)).execute(conn).await
}

/// Replaces the byline, in order.
pub async fn set_authors(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    authors: &[AuthorId],
) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = authors
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                article_authors::article_id.eq(id),
                article_authors::author_id.eq(*a),
                article_authors::position.eq(i as i32),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(article_authors::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn author_ids(conn: &mut AsyncPgConnection, id: ArticleId) -> QueryResult<Vec<AuthorId>> {
    article_authors::table
        .filter(article_authors::article_id.eq(id))
        .order(article_authors::position)
        .select(article_authors::author_id)
        .load(conn)
        .await
}

/// Articles (trashed included) in these categories.
pub async fn count_in_categories(
    conn: &mut AsyncPgConnection,
    ids: &[CategoryId],
) -> QueryResult<i64> {
    articles::table
        .filter(articles::category_id.eq_any(ids))
        .count()
        .get_result(conn)
        .await
}

/// Articles (trashed included) from this source.
pub async fn count_from_source(conn: &mut AsyncPgConnection, id: SourceId) -> QueryResult<i64> {
    articles::table
        .filter(articles::source_id.eq(id))
        .count()
        .get_result(conn)
        .await
}

/// Which of these articles the public can see at `now`.
pub async fn visible_ids(
    conn: &mut AsyncPgConnection,
    ids: &[ArticleId],
    now: DateTime<Utc>,
) -> QueryResult<Vec<ArticleId>> {
    articles::table
        .filter(articles::id.eq_any(ids))
        .into_boxed()
        .filter(super::visibility::visible(now))
        .select(articles::id)
        .load(conn)
        .await
}

/// Which of these ids name articles (in or out of the trash).
pub async fn existing_ids(
    conn: &mut AsyncPgConnection,
    ids: &[ArticleId],
) -> QueryResult<Vec<ArticleId>> {
    articles::table
        .filter(articles::id.eq_any(ids))
        .select(articles::id)
        .load(conn)
        .await
}
