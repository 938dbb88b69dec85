//! The webhook delivery queue: one row per (event, endpoint), claimed by workers with a lease.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Interval};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::{DeliveryId, WebhookId};
use crate::db::pagination::{PageRequest, Paged};
use crate::db::schema::webhook_deliveries as d;

crate::text_enum! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Waiting for its (next) attempt at `next_attempt_at`.
        Pending => "pending",
        /// A worker is sending it now.
        Delivering => "delivering",
        /// The endpoint answered 2xx.
        Succeeded => "succeeded",
        /// Every attempt failed and retries have stopped.
        Failed => "failed"
    }
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = d)]
pub struct Delivery {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event: String,
    pub payload: serde_json::Value,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
    /// `None`: `created_at` plus the configured maximum age.
    pub give_up_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub last_duration_ms: Option<i32>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = d)]
pub struct NewDelivery {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event: String,
    pub payload: serde_json::Value,
}

/// `count` fresh delivery ids (the payload names its own id, so ids are taken first).
pub async fn next_ids(conn: &mut AsyncPgConnection, count: usize) -> QueryResult<Vec<DeliveryId>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT nextval(pg_get_serial_sequence('webhook_deliveries', 'id')) AS id \
         FROM generate_series(1, $1)",
    )
    .bind::<BigInt, _>(i64::try_from(count).unwrap_or(0))
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| DeliveryId(r.id)).collect())
}

pub async fn insert_many(conn: &mut AsyncPgConnection, rows: &[NewDelivery]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(d::table)
        .values(rows)
        .execute(conn)
        .await
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &NewDelivery) -> QueryResult<Delivery> {
    diesel::insert_into(d::table)
        .values(row)
        .returning(Delivery::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    webhook: WebhookId,
    id: DeliveryId,
) -> QueryResult<Option<Delivery>> {
    d::table
        .find(id)
        .filter(d::webhook_id.eq(webhook))
        .select(Delivery::as_select())
        .first(conn)
        .await
        .optional()
}

/// Claims up to `limit` due deliveries (pending and due, or held by a worker whose lease ran
/// out) for `lease`, counting the attempt. Rows other workers hold are skipped.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease: std::time::Duration,
) -> QueryResult<Vec<Delivery>> {
    let lease = diesel::data_types::PgInterval::from_microseconds(
        i64::try_from(lease.as_micros()).unwrap_or(i64::MAX),
    );
    diesel::sql_query(
        "UPDATE webhook_deliveries SET status = 'delivering', locked_until = now() + $2, \
                attempts = attempts + 1, last_attempt_at = now() \
         WHERE id IN (SELECT id FROM webhook_deliveries \
                      WHERE (status = 'pending' AND next_attempt_at <= now()) \
                         OR (status = 'delivering' AND locked_until < now()) \
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Interval, _>(lease)
    .load(conn)
    .await
}

/// What one attempt gave.
#[derive(Debug)]
pub struct Outcome {
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response: Option<String>,
    pub duration_ms: i32,
}

/// Records a 2xx: the delivery is done.
pub async fn succeeded(
    conn: &mut AsyncPgConnection,
    id: DeliveryId,
    outcome: &Outcome,
) -> QueryResult<usize> {
    diesel::update(d::table.find(id))
        .set((
            d::status.eq(DeliveryStatus::Succeeded),
            d::locked_until.eq(None::<DateTime<Utc>>),
            d::delivered_at.eq(Utc::now()),
            d::last_status_code.eq(outcome.status_code),
            d::last_error.eq(None::<String>),
            d::last_response.eq(&outcome.response),
            d::last_duration_ms.eq(outcome.duration_ms),
        ))
        .execute(conn)
        .await
}

/// Records a failed attempt: retried at `retry_at`, or `failed` when that is `None`.
pub async fn attempt_failed(
    conn: &mut AsyncPgConnection,
    id: DeliveryId,
    outcome: &Outcome,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    let status = if retry_at.is_some() {
        DeliveryStatus::Pending
    } else {
        DeliveryStatus::Failed
    };
    diesel::update(d::table.find(id))
        .set((
            d::status.eq(status),
            d::locked_until.eq(None::<DateTime<Utc>>),
            d::next_attempt_at.eq(retry_at.unwrap_or_else(Utc::now)),
            d::last_status_code.eq(outcome.status_code),
            d::last_error.eq(&outcome.error),
            d::last_response.eq(&outcome.response),
            d::last_duration_ms.eq(outcome.duration_ms),
        ))
        .execute(conn)
        .await
}

/// Queues a delivery again now, with a fresh retry window; `None` when there is no such row.
pub async fn redeliver(
    conn: &mut AsyncPgConnection,
    webhook: WebhookId,
    id: DeliveryId,
    give_up_at: DateTime<Utc>,
) -> QueryResult<Option<Delivery>> {
    diesel::update(d::table.find(id).filter(d::webhook_id.eq(webhook)))
        .set((
            d::status.eq(DeliveryStatus::Pending),
            d::next_attempt_at.eq(Utc::now()),
            d::locked_until.eq(None::<DateTime<Utc>>),
            d::give_up_at.eq(give_up_at),
        ))
        .returning(Delivery::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// An endpoint's deliveries newest first (by id), optionally of one status.
pub async fn list(
    conn: &mut AsyncPgConnection,
    webhook: WebhookId,
    status: Option<DeliveryStatus>,
    req: &PageRequest<i64>,
) -> QueryResult<Paged<Delivery, i64>> {
    let filtered = || {
        let mut q = d::table.filter(d::webhook_id.eq(webhook)).into_boxed();
        if let Some(s) = status {
            q = q.filter(d::status.eq(s));
        }
        q
    };
    let q = filtered().select(Delivery::as_select()).limit(req.limit());
    let rows = crate::keyset!(q, req.seek(), desc d::id, |k| DeliveryId(*k))
        .load(conn)
        .await?;
    let total = match req.counts_total() {
        true => Some(filtered().count().get_result(conn).await?),
        false => None,
    };
    Ok(Paged::from_rows(rows, req, total, |r: &Delivery| r.id.0))
}
