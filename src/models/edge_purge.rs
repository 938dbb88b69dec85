//! The edge purge outbox (`edge_purges`): queued by writes, claimed and sent by one instance.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Interval, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

fn interval(d: std::time::Duration) -> diesel::data_types::PgInterval {
    diesel::data_types::PgInterval::from_microseconds(
        i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
    )
}

/// Queues a purge of `keys` (or of everything), to be sent at once and again after `again`
/// (zero: once), in the caller's transaction.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    everything: bool,
    again: std::time::Duration,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO edge_purges (keys, everything, not_before) \
         SELECT $1, $2, at FROM unnest(CASE WHEN $3 > interval '0' \
                                          THEN ARRAY[now(), now() + $3] ELSE ARRAY[now()] END) AS at",
    )
    .bind::<Array<Text>, _>(keys)
    .bind::<Bool, _>(everything)
    .bind::<Interval, _>(interval(again))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Purges claimed for one round.
#[derive(Debug, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = Array<BigInt>)]
    pub ids: Vec<i64>,
    #[diesel(sql_type = Array<Text>)]
    pub keys: Vec<String>,
    #[diesel(sql_type = Bool)]
    pub everything: bool,
    /// When the oldest of them was queued.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub oldest: Option<DateTime<Utc>>,
}

/// Claims up to `limit` due purges for `lease` (no other instance sends them meanwhile); their
/// keys merged (each once).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease: std::time::Duration,
) -> diesel::QueryResult<Claimed> {
    diesel::sql_query(
        "WITH claimed AS ( \
           UPDATE edge_purges SET leased_until = now() + $2, attempts = attempts + 1 \
            WHERE id IN (SELECT id FROM edge_purges \
                          WHERE not_before <= now() \
                            AND (leased_until IS NULL OR leased_until < now()) \
                          ORDER BY not_before LIMIT $1 FOR UPDATE SKIP LOCKED) \
           RETURNING id, keys, everything, created_at) \
         SELECT COALESCE(array_agg(id), '{}') AS ids, \
                COALESCE((SELECT array_agg(DISTINCT k) FROM claimed, unnest(keys) AS k), '{}') AS keys, \
                COALESCE(bool_or(everything), false) AS everything, \
                min(created_at) AS oldest \
           FROM claimed",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Interval, _>(interval(lease))
    .get_result(conn)
    .await
}

/// Sent: forgotten.
pub async fn sent(conn: &mut AsyncPgConnection, ids: &[i64]) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM edge_purges WHERE id = ANY($1)")
        .bind::<Array<BigInt>, _>(ids)
        .execute(conn)
        .await
}

/// Not sent: tried again after `wait` (by any instance).
pub async fn retry(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    wait: std::time::Duration,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "UPDATE edge_purges SET leased_until = NULL, not_before = now() + $2 WHERE id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Interval, _>(interval(wait))
    .execute(conn)
    .await
}

/// Everything was purged: every purge queued up to `upto` (due or not) is done.
pub async fn settled_by_full_purge(
    conn: &mut AsyncPgConnection,
    upto: DateTime<Utc>,
) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM edge_purges WHERE created_at <= $1 AND not_before <= now()")
        .bind::<Timestamptz, _>(upto)
        .execute(conn)
        .await
}
