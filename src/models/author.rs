//! Authors: bylines with an affiliation (作者单位), not logins.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Key;
use super::ids::AuthorId;
use crate::db::pagination::{PageRequest, Paged};
use crate::db::schema::{article_authors, authors};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = authors)]
pub struct Author {
    pub id: AuthorId,
    pub slug: String,
    pub name: String,
    pub affiliation: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = authors)]
pub struct NewAuthor {
    pub slug: String,
    pub name: String,
    pub affiliation: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = authors)]
pub struct AuthorChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub affiliation: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn find(conn: &mut AsyncPgConnection, key: &Key) -> QueryResult<Option<Author>> {
    let query = authors::table.select(Author::as_select()).into_boxed();
    let query = match key {
        Key::Id(id) => query.filter(authors::id.eq(AuthorId(*id))),
        Key::Slug(slug) => query.filter(authors::slug.eq(slug.as_str())),
    };
    query.first(conn).await.optional()
}

pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[AuthorId]) -> QueryResult<Vec<Author>> {
    authors::table
        .filter(authors::id.eq_any(ids))
        .select(Author::as_select())
        .load(conn)
        .await
}

super::list_by_name!(authors, Author, AuthorId, pattern => authors::name.ilike(pattern.clone()).or(authors::affiliation.ilike(pattern)));

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewAuthor) -> QueryResult<Author> {
    diesel::insert_into(authors::table)
        .values(new)
        .returning(Author::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: AuthorId,
    changes: &AuthorChanges,
) -> QueryResult<Author> {
    diesel::update(authors::table.find(id))
        .set(changes)
        .returning(Author::as_returning())
        .get_result(conn)
        .await
}

/// Articles (trashed included) that credit the author.
pub async fn usage(conn: &mut AsyncPgConnection, id: AuthorId) -> QueryResult<i64> {
    article_authors::table
        .filter(article_authors::author_id.eq(id))
        .count()
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: AuthorId) -> QueryResult<usize> {
    diesel::delete(authors::table.find(id)).execute(conn).await
}
