//! The audit log: who did what to which resource, when and from where.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::UserId;
use crate::db::pagination::{PageRequest, Paged};
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
    // Newest first, ties by id.
    let (at, id) = (audit_log::at, audit_log::id);
    let q = filtered().select(Entry::as_select()).limit(req.limit());
    let rows = crate::keyset!(q, req.seek(), desc(at, id), |k| (k.at, k.id))
        .load(conn)
        .await?;
    let total = match req.counts_total() {
        true => Some(filtered().count().get_result(conn).await?),
        false => None,
    };
    Ok(Paged::from_rows(rows, req, total, |e| AuditCursor {
        at: e.at,
        id: e.id,
    }))
}
