//! Content API keys for front ends: read-only, each with its own rate limit. Only a SHA-256
//! hash of the secret is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::{ApiKeyId, UserId};
use crate::db::pagination::{PageRequest, Paged};
use crate::db::schema::api_keys;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub rate_per_minute: i32,
    pub burst: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

impl ApiKey {
    /// Neither revoked nor expired at `now`.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey {
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub rate_per_minute: i32,
    pub burst: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewApiKey) -> QueryResult<ApiKey> {
    diesel::insert_into(api_keys::table)
        .values(new)
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: ApiKeyId) -> QueryResult<Option<ApiKey>> {
    api_keys::table
        .find(id)
        .select(ApiKey::as_select())
        .first(conn)
        .await
        .optional()
}

/// The key whose secret hashes to `hash` (revoked and expired ones included).
pub async fn find_by_hash(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<ApiKey>> {
    api_keys::table
        .filter(api_keys::secret_hash.eq(hash))
        .select(ApiKey::as_select())
        .first(conn)
        .await
        .optional()
}

/// Keys newest first (by id), both pagination modes; the cursor key is the id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    req: &PageRequest<i64>,
) -> QueryResult<Paged<ApiKey, i64>> {
    let q = api_keys::table
        .select(ApiKey::as_select())
        .limit(req.limit())
        .into_boxed();
    let rows = crate::keyset!(q, req.seek(), desc api_keys::id, |k| ApiKeyId(*k))
        .load(conn)
        .await?;
    let total = match req.counts_total() {
        true => Some(api_keys::table.count().get_result(conn).await?),
        false => None,
    };
    Ok(Paged::from_rows(rows, req, total, |k: &ApiKey| k.id.0))
}

/// Marks a key revoked (a key revoked before keeps its first revocation time); `None` when
/// there is no such key.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    id: ApiKeyId,
    at: DateTime<Utc>,
) -> QueryResult<Option<ApiKey>> {
    let revoked = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(at))
    .returning(ApiKey::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    match revoked {
        Some(key) => Ok(Some(key)),
        None => find(conn, id).await,
    }
}

/// Records a use of the key (callers do this at most about once a minute per key).
pub async fn touch(
    conn: &mut AsyncPgConnection,
    id: ApiKeyId,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(at))
        .execute(conn)
        .await
}
