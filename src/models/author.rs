//! Authors: bylines with an affiliation (作者单位), not logins.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Key;
use super::ids::AuthorId;
use crate::db::pagination::{Direction, PageRequest, Paged, offset};
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

pub type AuthorCursorKey = (String, i64);

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

pub async fn list(
    conn: &mut AsyncPgConnection,
    name_contains: Option<&str>,
    req: &PageRequest<AuthorCursorKey>,
) -> QueryResult<Paged<Author, AuthorCursorKey>> {
    let filtered = || {
        let mut q = authors::table.into_boxed();
        if let Some(needle) = name_contains {
            let pattern = format!("%{}%", super::like_escape(needle));
            q = q.filter(
                authors::name
                    .ilike(pattern.clone())
                    .or(authors::affiliation.ilike(pattern)),
            );
        }
        q
    };
    let limit = req.per_page() + 1;
    let (rows, total) = match req {
        PageRequest::Page { page, per_page } => {
            let total: i64 = filtered().count().get_result(conn).await?;
            let rows = filtered()
                .select(Author::as_select())
                .order((authors::name.asc(), authors::id.asc()))
                .offset(offset(*page, *per_page))
                .limit(limit)
                .load(conn)
                .await?;
            (rows, Some(total))
        }
        PageRequest::Cursor { cursor, .. } => {
            let (name, id) = (cursor.key.0.clone(), AuthorId(cursor.key.1));
            let q = filtered().select(Author::as_select()).limit(limit);
            let rows = match cursor.dir {
                Direction::Next => {
                    q.filter(
                        authors::name
                            .gt(name.clone())
                            .or(authors::name.eq(name).and(authors::id.gt(id))),
                    )
                    .order((authors::name.asc(), authors::id.asc()))
                    .load(conn)
                    .await?
                }
                Direction::Prev => {
                    q.filter(
                        authors::name
                            .lt(name.clone())
                            .or(authors::name.eq(name).and(authors::id.lt(id))),
                    )
                    .order((authors::name.desc(), authors::id.desc()))
                    .load(conn)
                    .await?
                }
            };
            (rows, None)
        }
    };
    Ok(Paged::from_rows(rows, req, total, |a: &Author| {
        (a.name.clone(), a.id.0)
    }))
}

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
