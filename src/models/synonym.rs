//! The newsroom's search synonyms: groups of terms a query may use for one another.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::SynonymId;
use crate::db::pagination::{PageRequest, Paged};
use crate::db::schema::search_synonyms;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = search_synonyms)]
pub struct SynonymRow {
    pub id: SynonymId,
    pub name: String,
    pub terms: Vec<Option<String>>,
    pub ambiguous: Vec<Option<String>>,
    pub context: Vec<Option<String>>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A group as the rest of the code uses it (PostgreSQL arrays may hold NULLs; these never do).
#[derive(Debug, Clone, PartialEq)]
pub struct SynonymGroup {
    pub id: SynonymId,
    pub name: String,
    pub terms: Vec<String>,
    pub ambiguous: Vec<String>,
    pub context: Vec<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// For the array columns (declared with nullable elements).
pub fn column(v: Vec<String>) -> Vec<Option<String>> {
    v.into_iter().map(Some).collect()
}

fn present(v: Vec<Option<String>>) -> Vec<String> {
    v.into_iter().flatten().collect()
}

impl From<SynonymRow> for SynonymGroup {
    fn from(r: SynonymRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            terms: present(r.terms),
            ambiguous: present(r.ambiguous),
            context: present(r.context),
            note: r.note,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = search_synonyms)]
pub struct NewSynonym {
    pub name: String,
    pub terms: Vec<Option<String>>,
    pub ambiguous: Vec<Option<String>>,
    pub context: Vec<Option<String>>,
    pub note: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = search_synonyms)]
pub struct SynonymChanges {
    pub name: Option<String>,
    pub terms: Option<Vec<Option<String>>>,
    pub ambiguous: Option<Vec<Option<String>>>,
    pub context: Option<Vec<Option<String>>>,
    pub note: Option<Option<String>>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: SynonymId,
) -> QueryResult<Option<SynonymGroup>> {
    search_synonyms::table
        .find(id)
        .select(SynonymRow::as_select())
        .first(conn)
        .await
        .optional()
        .map(|r| r.map(SynonymGroup::from))
}

/// Every group (the list applied to queries; a newsroom's list is hundreds of rows at most).
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<SynonymGroup>> {
    let rows: Vec<SynonymRow> = search_synonyms::table
        .select(SynonymRow::as_select())
        .order(search_synonyms::id.asc())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(SynonymGroup::from).collect())
}

mod listing {
    use super::*;
    pub(super) type Row = SynonymRow;
    pub(super) use crate::models::ids::SynonymId as Id;
    // `q` matches any term of the group.
    crate::models::list_by_name!(search_synonyms, Row, Id, pattern =>
        sql::<Bool>("array_to_string(search_synonyms.terms, ' ') ILIKE ").bind::<Text, _>(pattern));
}

/// Groups by name (then id), paginated; `q` matches any of their terms.
pub async fn list(
    conn: &mut AsyncPgConnection,
    q: Option<&str>,
    req: &PageRequest<(String, i64)>,
) -> QueryResult<Paged<SynonymGroup, (String, i64)>> {
    Ok(listing::list(conn, q, req).await?.map(SynonymGroup::from))
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewSynonym) -> QueryResult<SynonymGroup> {
    diesel::insert_into(search_synonyms::table)
        .values(new)
        .returning(SynonymRow::as_returning())
        .get_result(conn)
        .await
        .map(SynonymGroup::from)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: SynonymId,
    changes: &SynonymChanges,
) -> QueryResult<SynonymGroup> {
    diesel::update(search_synonyms::table.find(id))
        .set(changes)
        .returning(SynonymRow::as_returning())
        .get_result(conn)
        .await
        .map(SynonymGroup::from)
}

pub async fn delete(conn: &mut AsyncPgConnection, id: SynonymId) -> QueryResult<usize> {
    diesel::delete(search_synonyms::table.find(id))
        .execute(conn)
        .await
}
