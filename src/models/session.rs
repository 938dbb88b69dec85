//! Refresh tokens: opaque secrets kept only as SHA-256 hashes, rotated on every use, grouped in
//! families (one login = one family).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::ids::UserId;
use crate::db::schema::refresh_tokens;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub user_id: UserId,
    pub family: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub user_id: UserId,
    pub family: Uuid,
    pub token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewRefreshToken<'_>) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(new)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The token with this hash, locked for the rest of the transaction.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_used(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Revokes every live token of a family; how many.
pub async fn revoke_family(conn: &mut AsyncPgConnection, family: Uuid) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Revokes every live token of a user; how many.
pub async fn revoke_user(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Drops tokens that expired more than a day ago (housekeeping on login).
pub async fn delete_expired(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::expires_at.lt(Utc::now() - chrono::Duration::days(1))),
    )
    .execute(conn)
    .await
}
