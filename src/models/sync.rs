//! Delta sync stamps (migration 000007): the clock's transitions and the change feed's pages.
//!
//! Every write to an article stamps it (a trigger) under a transaction-level advisory lock;
//! [`apply_due`] stamps the articles whose visibility the clock changed since their last stamp;
//! [`page`] reads stamps in order under the same lock in shared mode.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::models::ids::{ArticleId, CategoryId};

/// The advisory lock every stamp is taken under (see `sync_tick()` in the migration).
const STAMP_LOCK: i64 = 7_401_001;

/// Most articles one [`apply_due`] call restamps (the rest are left to the next call).
const DUE_BATCH: i64 = 500;

/// An article the clock made visible (`visible`) or took down (`!visible`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Transition {
    #[diesel(sql_type = BigInt)]
    pub id: ArticleId,
    #[diesel(sql_type = Bool)]
    pub visible: bool,
    /// Its channel.
    #[diesel(sql_type = BigInt)]
    pub category_id: CategoryId,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Stamp {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// Restamps, inside the caller's transaction, the articles whose visibility at `now` differs
/// from the one they were stamped with: scheduled ones whose `published_at` came, and visible
/// ones whose `offline_at` passed. Rows are locked (in id order) before the stamp is taken,
/// the order every writer uses.
pub async fn apply_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Vec<Transition>> {
    let due: Vec<Id> = diesel::sql_query(
        "(SELECT article_id AS id FROM article_sync \
           WHERE NOT visible AND live \
             AND COALESCE(offline_at, 'infinity'::timestamptz) > $1 AND published_at <= $1 \
           LIMIT $2) \
         UNION \
         (SELECT article_id FROM article_sync \
           WHERE visible AND offline_at IS NOT NULL AND offline_at <= $1 LIMIT $2)",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(DUE_BATCH)
    .load(conn)
    .await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = due.into_iter().map(|r| r.id).collect();
    let locked: Vec<Id> =
        diesel::sql_query("SELECT id FROM articles WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind::<Array<BigInt>, _>(&ids)
            .load(conn)
            .await?;
    let ids: Vec<i64> = locked.into_iter().map(|r| r.id).collect();
    let stamp: Stamp = diesel::sql_query("SELECT sync_tick() AS seq")
        .get_result(conn)
        .await?;
    diesel::sql_query(
        "WITH now AS (SELECT clock_timestamp() AS at) \
         UPDATE article_sync s \
            SET seq = $2, \
                visible = article_visible_at(s.live, s.published_at, s.offline_at, now.at), \
                first_visible_seq = CASE \
                  WHEN s.first_visible_seq IS NULL \
                   AND article_visible_at(s.live, s.published_at, s.offline_at, now.at) \
                  THEN $2 ELSE s.first_visible_seq END \
           FROM now \
          WHERE s.article_id = ANY($1) \
            AND s.visible <> article_visible_at(s.live, s.published_at, s.offline_at, now.at) \
          RETURNING s.article_id AS id, s.visible, \
                    (SELECT a.category_id FROM articles a WHERE a.id = s.article_id) AS category_id",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<BigInt, _>(stamp.seq)
    .load(conn)
    .await
}

/// One entry of the change feed, in stamp order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Change {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = BigInt)]
    pub id: ArticleId,
    /// Visible when stamped; otherwise it is a removal (trashed, purged, unpublished, offline…).
    #[diesel(sql_type = Bool)]
    pub visible: bool,
}

#[derive(QueryableByName)]
struct Last {
    #[diesel(sql_type = Nullable<BigInt>)]
    seq: Option<i64>,
}

/// Takes the stamp lock in shared mode for the rest of the caller's transaction: every stamp
/// handed out so far is then committed (or rolled back), and no new one is taken meanwhile.
pub async fn hold_stamps(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1)")
        .bind::<BigInt, _>(STAMP_LOCK)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The last stamp handed out (0 before the first); call after [`hold_stamps`].
pub async fn last_stamp(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    let last: Last = diesel::sql_query(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM article_sync_seq",
    )
    .get_result(conn)
    .await?;
    Ok(last.seq.unwrap_or(0))
}

/// Up to `limit` changes after position `(seq, id)`, in stamp order; call after
/// [`hold_stamps`]. Removals are listed only for articles that were visible at or before
/// `seq` (a client that synced to `seq` may hold them); drafts that never went live are not.
pub async fn page(
    conn: &mut AsyncPgConnection,
    after: (i64, i64),
    limit: i64,
) -> diesel::QueryResult<Vec<Change>> {
    diesel::sql_query(
        "SELECT seq, article_id AS id, visible FROM article_sync \
          WHERE (seq, article_id) > ($1, $2) AND (visible OR first_visible_seq <= $1) \
          ORDER BY seq, article_id LIMIT $3",
    )
    .bind::<BigInt, _>(after.0)
    .bind::<BigInt, _>(after.1)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

#[derive(QueryableByName)]
struct Flip {
    #[diesel(sql_type = Bool)]
    before: bool,
    #[diesel(sql_type = Bool)]
    after: bool,
}

/// Whether the article was visible before the caller's transaction stamped it, and is now (as
/// stamped); `None` when this transaction has not stamped it. Judged by the same stamps as the
/// change feed and the scheduler, so every change of visibility is seen exactly once.
pub async fn visibility_change(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
) -> diesel::QueryResult<Option<(bool, bool)>> {
    let flip: Option<Flip> = diesel::sql_query(
        "SELECT visible_before AS before, visible AS after FROM article_sync \
          WHERE article_id = $1 AND stamp_xid = pg_current_xact_id()::text::bigint",
    )
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .optional()?;
    Ok(flip.map(|f| (f.before, f.after)))
}

#[derive(QueryableByName)]
struct PendingTick {
    #[diesel(sql_type = BigInt)]
    id: ArticleId,
    #[diesel(sql_type = BigInt)]
    category_id: CategoryId,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

/// The instants after `now` at which the clock changes an article's visibility (the
/// `published_at` of scheduled articles, `offline_at`s), with the article's channel.
pub async fn pending_ticks(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Vec<(ArticleId, CategoryId, DateTime<Utc>)>> {
    let rows: Vec<PendingTick> = diesel::sql_query(
        "SELECT a.id, a.category_id, t.at \
           FROM articles a CROSS JOIN LATERAL (VALUES (a.published_at), (a.offline_at)) AS t(at) \
          WHERE a.status = 'published' AND a.deleted_at IS NULL \
            AND (a.published_at > $1 OR a.offline_at > $1) AND t.at > $1 \
          ORDER BY t.at LIMIT 100000",
    )
    .bind::<Timestamptz, _>(now)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.category_id, r.at))
        .collect())
}
