//! Sources (来源): where a story comes from.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Key;
use super::ids::SourceId;
use crate::db::pagination::{Direction, PageRequest, Paged, offset};
use crate::db::schema::sources;

crate::text_enum! {
    /// What kind of outlet a source is.
    SourceKind {
        Newspaper => "newspaper",
        Agency => "agency",
        Website => "website",
        Broadcaster => "broadcaster",
        Government => "government",
        Other => "other",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sources)]
pub struct Source {
    pub id: SourceId,
    pub slug: String,
    pub name: String,
    pub kind: SourceKind,
    pub homepage_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sources)]
pub struct NewSource {
    pub slug: String,
    pub name: String,
    pub kind: SourceKind,
    pub homepage_url: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sources)]
pub struct SourceChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub kind: Option<SourceKind>,
    pub homepage_url: Option<Option<String>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Sort key of the source list: name, then id.
pub type SourceCursorKey = (String, i64);

pub async fn find(conn: &mut AsyncPgConnection, key: &Key) -> QueryResult<Option<Source>> {
    let query = sources::table.select(Source::as_select()).into_boxed();
    let query = match key {
        Key::Id(id) => query.filter(sources::id.eq(SourceId(*id))),
        Key::Slug(slug) => query.filter(sources::slug.eq(slug.as_str())),
    };
    query.first(conn).await.optional()
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    name_contains: Option<&str>,
    req: &PageRequest<SourceCursorKey>,
) -> QueryResult<Paged<Source, SourceCursorKey>> {
    let filtered = || {
        let mut q = sources::table.into_boxed();
        if let Some(needle) = name_contains {
            let pattern = format!("%{}%", super::like_escape(needle));
            q = q.filter(sources::name.ilike(pattern));
        }
        q
    };
    let limit = req.per_page() + 1;
    let (rows, total) = match req {
        PageRequest::Page { page, per_page } => {
            let total: i64 = filtered().count().get_result(conn).await?;
            let rows = filtered()
                .select(Source::as_select())
                .order((sources::name.asc(), sources::id.asc()))
                .offset(offset(*page, *per_page))
                .limit(limit)
                .load(conn)
                .await?;
            (rows, Some(total))
        }
        PageRequest::Cursor { cursor, .. } => {
            let (name, id) = (cursor.key.0.clone(), SourceId(cursor.key.1));
            let q = filtered().select(Source::as_select()).limit(limit);
            let rows = match cursor.dir {
                Direction::Next => {
                    q.filter(
                        sources::name
                            .gt(name.clone())
                            .or(sources::name.eq(name).and(sources::id.gt(id))),
                    )
                    .order((sources::name.asc(), sources::id.asc()))
                    .load(conn)
                    .await?
                }
                Direction::Prev => {
                    q.filter(
                        sources::name
                            .lt(name.clone())
                            .or(sources::name.eq(name).and(sources::id.lt(id))),
                    )
                    .order((sources::name.desc(), sources::id.desc()))
                    .load(conn)
                    .await?
                }
            };
            (rows, None)
        }
    };
    Ok(Paged::from_rows(rows, req, total, |s: &Source| {
        (s.name.clone(), s.id.0)
    }))
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewSource) -> QueryResult<Source> {
    diesel::insert_into(sources::table)
        .values(new)
        .returning(Source::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: SourceId,
    changes: &SourceChanges,
) -> QueryResult<Source> {
    diesel::update(sources::table.find(id))
        .set(changes)
        .returning(Source::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: SourceId) -> QueryResult<usize> {
    diesel::delete(sources::table.find(id)).execute(conn).await
}
