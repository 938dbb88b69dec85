//! Sources (来源): where a story comes from.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Key;
use super::ids::SourceId;
use crate::db::pagination::{PageRequest, Paged};
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

pub async fn find(conn: &mut AsyncPgConnection, key: &Key) -> QueryResult<Option<Source>> {
    let query = sources::table.select(Source::as_select()).into_boxed();
    let query = match key {
        Key::Id(id) => query.filter(sources::id.eq(SourceId(*id))),
        Key::Slug(slug) => query.filter(sources::slug.eq(slug.as_str())),
    };
    query.first(conn).await.optional()
}

super::list_by_name!(sources, Source, SourceId, pattern => sources::name.ilike(pattern));

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
