//! Daily view buckets: batched additive flushes and most-read aggregation.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::ids::{ArticleId, CategoryId};

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    claimed: i64,
}

/// Adds one batch of counts to the daily buckets and to `articles.view_count`, in one
/// statement, recording the batch's id in `view_flushes` in the same statement: a batch whose
/// id is already there adds nothing. False when the batch had already been applied (its earlier
/// flush committed but the answer was lost).
///
/// Additive (`views = views + n`), so several instances may flush concurrently. Counts of
/// articles that were purged meanwhile are dropped. Ids older than a week are pruned.
pub async fn flush(
    conn: &mut AsyncPgConnection,
    batch_id: Uuid,
    batch: &[(ArticleId, NaiveDate, i64)],
) -> QueryResult<bool> {
    let ids: Vec<i64> = batch.iter().map(|b| b.0.0).collect();
    let days: Vec<NaiveDate> = batch.iter().map(|b| b.1).collect();
    let counts: Vec<i64> = batch.iter().map(|b| b.2).collect();
    let total: i64 = counts.iter().sum();
    let row: Claimed = diesel::sql_query(
        "WITH claim AS ( \
           INSERT INTO view_flushes (id, views) VALUES ($4, $5) ON CONFLICT (id) DO NOTHING \
           RETURNING id \
         ), pruned AS ( \
           DELETE FROM view_flushes WHERE flushed_at < now() - interval '7 days' AND id <> $4 \
         ), v AS ( \
           SELECT u.article_id, u.day, u.views FROM unnest($1::bigint[], $2::date[], $3::bigint[]) \
                  AS u(article_id, day, views) \
            WHERE EXISTS (SELECT 1 FROM claim) \
              AND EXISTS (SELECT 1 FROM articles a WHERE a.id = u.article_id) \
         ), daily AS ( \
           INSERT INTO article_views_daily (article_id, day, views) SELECT article_id, day, views FROM v \
           ON CONFLICT (article_id, day) DO UPDATE SET views = article_views_daily.views + EXCLUDED.views \
         ), totals AS ( \
           UPDATE articles a SET view_count = a.view_count + s.views \
             FROM (SELECT article_id, sum(views)::bigint AS views FROM v GROUP BY article_id) s \
            WHERE a.id = s.article_id \
         ) \
         SELECT count(*) AS claimed FROM claim",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Date>, _>(days)
    .bind::<Array<BigInt>, _>(counts)
    .bind::<diesel::sql_types::Uuid, _>(batch_id)
    .bind::<BigInt, _>(total)
    .get_result(conn)
    .await?;
    Ok(row.claimed > 0)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MostRead {
    #[diesel(sql_type = BigInt)]
    pub article_id: i64,
    #[diesel(sql_type = BigInt)]
    pub views: i64,
}

/// Visible articles by views since `from` (a day, inclusive); `from = None` uses the all-time
/// `view_count`. `categories` limits the scope.
pub async fn most_read(
    conn: &mut AsyncPgConnection,
    from: Option<NaiveDate>,
    categories: Option<&[CategoryId]>,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<MostRead>> {
    let cats: Option<Vec<i64>> = categories.map(|c| c.iter().map(|c| c.0).collect());
    let visible = format!(
        "{} AND ($3::bigint[] IS NULL OR a.category_id = ANY($3::bigint[]))",
        super::visibility::sql("a", "$2")
    );
    match from {
        None => {
            diesel::sql_query(format!(
                "SELECT a.id AS article_id, a.view_count AS views FROM articles a \
                  WHERE {visible} AND a.view_count > 0 AND $1::date IS NULL \
                  ORDER BY a.view_count DESC, a.id DESC LIMIT $4"
            ))
            .bind::<Nullable<Date>, _>(None::<NaiveDate>)
            .bind::<Timestamptz, _>(now)
            .bind::<Nullable<Array<BigInt>>, _>(cats)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await
        }
        Some(day) => {
            diesel::sql_query(format!(
                "SELECT v.article_id, sum(v.views)::bigint AS views \
                   FROM article_views_daily v JOIN articles a ON a.id = v.article_id \
                  WHERE v.day >= $1 AND {visible} \
                  GROUP BY v.article_id ORDER BY views DESC, v.article_id DESC LIMIT $4"
            ))
            .bind::<Date, _>(day)
            .bind::<Timestamptz, _>(now)
            .bind::<Nullable<Array<BigInt>>, _>(cats)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await
        }
    }
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// All views ever flushed (for the benchmark's sent = stored check).
pub async fn total(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let t: Total =
        diesel::sql_query("SELECT coalesce(sum(views), 0)::bigint AS n FROM article_views_daily")
            .get_result(conn)
            .await?;
    Ok(t.n)
}

/// The end of both demo histories: their `days` rows added to the daily buckets and to the
/// articles' totals.
const ADD_DAYS: &str = ", ins AS ( \
           INSERT INTO article_views_daily (article_id, day, views) \
           SELECT id, day, views FROM days \
           ON CONFLICT (article_id, day) DO UPDATE SET views = article_views_daily.views + EXCLUDED.views \
           RETURNING article_id, views \
         ) \
         UPDATE articles a SET view_count = a.view_count + s.views \
           FROM (SELECT article_id, sum(views)::bigint AS views FROM ins GROUP BY article_id) s \
          WHERE a.id = s.article_id";

/// Demo data for articles older than a year's history: daily views of `ids` over the 35 days
/// up to `today`, with a skewed popularity (Zipf-like, exponent 0.9, in the order given,
/// shuffled deterministically), so that most-read by day, week and month all have a ranking.
/// Returns the number of articles given views.
pub async fn recent_history(
    conn: &mut AsyncPgConnection,
    ids: &[ArticleId],
    today: NaiveDate,
) -> QueryResult<usize> {
    diesel::sql_query("SELECT setseed(0.17)")
        .execute(conn)
        .await?;
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    diesel::sql_query(format!(
        "WITH pop AS ( \
           SELECT id, 600.0 / power(row_number() OVER (ORDER BY md5(id::text)), 0.9) AS w \
             FROM unnest($1::bigint[]) AS t(id) \
         ), days AS ( \
           SELECT p.id, $2::date - k AS day, ceil(p.w * (0.4 + random()))::bigint AS views \
             FROM pop p, generate_series(0, 34) AS k \
         ){ADD_DAYS}"
    ))
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Date, _>(today)
    .execute(conn)
    .await
}

/// Demo data: a year of daily views with a skewed (Zipf-like, exponent 0.8) popularity per
/// article, each article read most in its first days. Deterministic (`setseed`). Returns rows.
pub async fn synthesize_history(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
) -> QueryResult<usize> {
    diesel::sql_query("SELECT setseed(0.42)")
        .execute(conn)
        .await?;
    let rows = diesel::sql_query(format!(
        "WITH pop AS ( \
           SELECT id, published_at::date AS pday, \
                  4000.0 / power(row_number() OVER (ORDER BY md5(id::text)), 0.8) AS w, \
                  2.0 + 10.0 * random() AS decay \
             FROM articles \
            WHERE status = 'published' AND deleted_at IS NULL \
              AND published_at <= now() AND published_at::date > $1::date - 365 \
         ), days AS ( \
           SELECT p.id, p.pday + k AS day, \
                  ceil(p.w * exp(-k / p.decay) * (0.5 + random()))::bigint AS views \
             FROM pop p, generate_series(0, 60) AS k \
            WHERE p.pday + k <= $1::date AND p.w * exp(-k / p.decay) >= 0.5 \
         ){ADD_DAYS}"
    ))
    .bind::<Date, _>(today)
    .execute(conn)
    .await?;
    Ok(rows)
}
