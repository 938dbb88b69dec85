//! Failed-login counters per account and per client address, with exponential backoff.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::login_throttle;

/// The key of an account's counter.
pub fn account_key(email: &str) -> String {
    format!("email:{}", super::user::normalize_email(email))
}

/// The key of a client address's counter.
pub fn client_key(ip: std::net::IpAddr) -> String {
    format!("ip:{ip}")
}

/// The latest time any of these keys is blocked until, if in the future.
pub async fn blocked_until(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    let until: Option<DateTime<Utc>> = login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::blocked_until.gt(now))
        .select(diesel::dsl::max(login_throttle::blocked_until))
        .first(conn)
        .await?;
    Ok(until)
}

#[derive(QueryableByName)]
struct Failures {
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// Counts a failure for `key` (a count older than a day starts again) and, from `threshold`
/// failures on, blocks it for `2^(failures - threshold)` seconds, at most `max_secs`.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    key: &str,
    threshold: u32,
    max_secs: u64,
) -> QueryResult<i32> {
    let row: Failures = diesel::sql_query(
        "INSERT INTO login_throttle AS t (key, failures, updated_at) VALUES ($1, 1, now()) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN t.updated_at < now() - interval '1 day' THEN 1 ELSE t.failures + 1 END, \
           updated_at = now() \
         RETURNING failures",
    )
    .bind::<Text, _>(key)
    .get_result(conn)
    .await?;
    let over = row.failures - threshold as i32;
    if over >= 0 {
        let secs = 2u64
            .saturating_pow(over.min(40) as u32)
            .min(max_secs.max(1));
        let until = Utc::now() + chrono::Duration::seconds(secs as i64);
        diesel::sql_query("UPDATE login_throttle SET blocked_until = $2 WHERE key = $1")
            .bind::<Text, _>(key)
            .bind::<Nullable<Timestamptz>, _>(Some(until))
            .execute(conn)
            .await?;
    }
    Ok(row.failures)
}

/// Forgets the failures of `key` (a successful login resets its account's counter).
pub async fn reset(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.filter(login_throttle::key.eq(key)))
        .execute(conn)
        .await
        .map(|_| ())
}
