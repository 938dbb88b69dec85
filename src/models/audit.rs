//! The audit log: who did what to which resource, when and from where.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::UserId;
use crate::db::pagination::{Direction, PageRequest, Paged, offset};
use crate::db::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub actor: Option<String>,
    pub action: String,
    pub resource: String,
    pub resource_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub status: Option<i32>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewEntry {
    pub user_id: Option<UserId>,
    pub actor: Option<String>,
    pub action: String,
    pub resource: String,
    pub resource_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub status: Option<i32>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

pub async fn record(conn: &mut AsyncPgConnection, entry: &NewEntry) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub user: Option<UserId>,
    pub resource: Option<String>,
    pub resource_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The keyset of an entry: newest first.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AuditCursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

/// Entries newest first, filtered, in either pagination mode.
pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    req: &PageRequest<AuditCursor>,
) -> QueryResult<Paged<Entry, AuditCursor>> {
    let filtered = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(u) = f.user {
            q = q.filter(audit_log::user_id.eq(u));
        }
        if let Some(r) = &f.resource {
            q = q.filter(audit_log::resource.eq(r.clone()));
        }
        if let Some(r) = &f.resource_id {
            q = q.filter(audit_log::resource_id.eq(r.clone()));
        }
        if let Some(a) = &f.action {
            q = q.filter(audit_log::action.eq(a.clone()));
        }
        if let Some(t) = f.since {
            q = q.filter(audit_log::at.ge(t));
        }
        if let Some(t) = f.until {
            q = q.filter(audit_log::at.lt(t));
        }
        q
    };
    let limit = req.per_page() + 1;
    let (rows, total) = match req {
        PageRequest::Page { page, per_page } => {
            let total: i64 = filtered().count().get_result(conn).await?;
            let rows = filtered()
                .order((audit_log::at.desc(), audit_log::id.desc()))
                .select(Entry::as_select())
                .offset(offset(*page, *per_page))
                .limit(limit)
                .load(conn)
                .await?;
            (rows, Some(total))
        }
        PageRequest::Cursor { cursor, .. } => {
            let (at, id) = (cursor.key.at, cursor.key.id);
            let q = filtered();
            let rows = if cursor.dir == Direction::Prev {
                q.filter(
                    audit_log::at
                        .gt(at)
                        .or(audit_log::at.eq(at).and(audit_log::id.gt(id))),
                )
                .order((audit_log::at.asc(), audit_log::id.asc()))
                .select(Entry::as_select())
                .limit(limit)
                .load(conn)
                .await?
            } else {
                q.filter(
                    audit_log::at
                        .lt(at)
                        .or(audit_log::at.eq(at).and(audit_log::id.lt(id))),
                )
                .order((audit_log::at.desc(), audit_log::id.desc()))
                .select(Entry::as_select())
                .limit(limit)
                .load(conn)
                .await?
            };
            (rows, None)
        }
    };
    Ok(Paged::from_rows(rows, req, total, |e| AuditCursor {
        at: e.at,
        id: e.id,
    }))
}
