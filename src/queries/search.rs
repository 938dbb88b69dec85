//! Full-text search over articles: storing the index, matching, ranking, reindexing.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Float, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::article_list::ArticleQuery;
use crate::db::schema::{article_tags, articles, tags};
use crate::models::ids::ArticleId;
use crate::search::Indexed;

/// Writes an article's index (inside the caller's transaction).
pub async fn store(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    indexed: &Indexed,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE articles SET search_vector = CAST($1 AS tsvector), keywords = $2 WHERE id = $3",
    )
    .bind::<Text, _>(&indexed.vector)
    .bind::<Array<Text>, _>(&indexed.keywords)
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A match with what ranking needs.
#[derive(Debug, Clone, Queryable)]
pub struct Hit {
    pub id: ArticleId,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// `ts_rank` with normalization 1 (divided by 1 + the log of the document length).
    pub rank: f32,
}

impl ArticleQuery {
    /// The newest `limit` matches (after `skip` newer ones), each with its text rank under
    /// `tsquery` (the query's own search filter).
    pub async fn newest_matches(
        &self,
        conn: &mut AsyncPgConnection,
        tsquery: &str,
        skip: i64,
        limit: i64,
    ) -> QueryResult<Vec<Hit>> {
        use articles::dsl as a;
        self.filtered()
            .order((a::published_at.desc().nulls_last(), a::id.desc()))
            .select((
                a::id,
                a::published_at,
                a::updated_at,
                sql::<Float>("ts_rank(articles.search_vector, CAST(")
                    .bind::<Text, _>(tsquery.to_owned())
                    .sql(" AS tsquery), 1)"),
            ))
            .offset(skip)
            .limit(limit)
            .load(conn)
            .await
    }
}

/// Plain text of these articles' bodies (for snippets), at most `chars` characters each.
pub async fn body_texts(
    conn: &mut AsyncPgConnection,
    ids: &[ArticleId],
    chars: i32,
) -> QueryResult<Vec<(ArticleId, String)>> {
    articles::table
        .filter(articles::id.eq_any(ids))
        .select((
            articles::id,
            sql::<Text>("left(articles.body_text, ")
                .bind::<diesel::sql_types::Integer, _>(chars)
                .sql(")"),
        ))
        .load(conn)
        .await
}

/// The text of an article as the index sees it.
#[derive(Debug, Clone, Queryable)]
pub struct IndexSource {
    pub id: ArticleId,
    pub title: String,
    pub kicker: Option<String>,
    pub subtitle: Option<String>,
    pub summary: String,
    pub body_text: String,
}

/// The next batch to (re)index: ids above `after`, only unindexed ones when `missing_only`.
pub async fn batch_to_index(
    conn: &mut AsyncPgConnection,
    after: ArticleId,
    missing_only: bool,
    limit: i64,
) -> QueryResult<Vec<(IndexSource, Vec<String>)>> {
    use articles::dsl as a;
    let mut q = articles::table
        .filter(a::id.gt(after))
        .order(a::id)
        .limit(limit)
        .select((
            a::id,
            a::title,
            a::kicker,
            a::subtitle,
            a::summary,
            a::body_text,
        ))
        .into_boxed();
    if missing_only {
        q = q.filter(a::search_vector.is_null());
    }
    let rows: Vec<IndexSource> = q.load(conn).await?;
    let ids: Vec<ArticleId> = rows.iter().map(|r| r.id).collect();
    let tag_rows: Vec<(ArticleId, String)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(&ids))
        .order((article_tags::article_id, article_tags::position))
        .select((article_tags::article_id, tags::name))
        .load(conn)
        .await?;
    let mut by_article: std::collections::HashMap<ArticleId, Vec<String>> = Default::default();
    for (id, name) in tag_rows {
        by_article.entry(id).or_default().push(name);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let t = by_article.remove(&r.id).unwrap_or_default();
            (r, t)
        })
        .collect())
}

/// Writes the index of many articles in one statement.
pub async fn store_many(
    conn: &mut AsyncPgConnection,
    items: &[(ArticleId, Indexed)],
) -> QueryResult<usize> {
    if items.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = items.iter().map(|(id, _)| id.0).collect();
    let vectors: Vec<&str> = items.iter().map(|(_, i)| i.vector.as_str()).collect();
    // Keywords never contain U+001F, so it can join them for the trip.
    let keywords: Vec<String> = items
        .iter()
        .map(|(_, i)| i.keywords.join("\u{1f}"))
        .collect();
    diesel::sql_query(
        "UPDATE articles AS a SET search_vector = CAST(v.vector AS tsvector), \
         keywords = CASE WHEN v.keywords = '' THEN '{}'::text[] ELSE string_to_array(v.keywords, E'\\x1f') END \
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, vector, keywords) WHERE a.id = v.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(vectors)
    .bind::<Array<Text>, _>(keywords)
    .execute(conn)
    .await
}

/// How many articles are waiting to be indexed (all of them, or only the unindexed).
pub async fn count_to_index(conn: &mut AsyncPgConnection, missing_only: bool) -> QueryResult<i64> {
    let mut q = articles::table.count().into_boxed();
    if missing_only {
        q = q.filter(articles::search_vector.is_null());
    }
    q.get_result(conn).await
}

/// One page of matches in ranked order, and the total.
pub struct RankedPage {
    pub hits: Vec<(ArticleId, f64)>,
    pub total: i64,
    /// `total` is a lower bound (counting stopped at `search_count_cap`).
    pub total_is_lower_bound: bool,
}

impl ArticleQuery {
    /// Page `page` of the matches of `self.filters.search`: the newest `window` matches ordered
    /// by `ranking` score (ties newest first), then any older matches newest first.
    pub async fn ranked_page(
        &self,
        conn: &mut AsyncPgConnection,
        page: i64,
        per_page: i64,
        window: i64,
        ranking: &crate::search::Ranking,
        totals: Option<&moka::future::Cache<String, i64>>,
    ) -> QueryResult<RankedPage> {
        let Some(tsquery) = self.filters.search.as_deref() else {
            return Ok(RankedPage {
                hits: Vec::new(),
                total: 0,
                total_is_lower_bound: false,
            });
        };
        let now = Utc::now();
        let score = |h: &Hit| ranking.score(h.rank, h.published_at.unwrap_or(h.updated_at), now);
        let start = crate::db::pagination::offset(page, per_page);
        let end = start + per_page;
        let mut hits: Vec<(ArticleId, f64)> = Vec::new();
        if start < window {
            let mut newest = self.newest_matches(conn, tsquery, 0, window).await?;
            let full = newest.len() as i64 == window;
            newest.sort_by(|a, b| {
                score(b)
                    .total_cmp(&score(a))
                    .then(b.published_at.cmp(&a.published_at))
                    .then(b.id.cmp(&a.id))
            });
            hits.extend(
                newest
                    .iter()
                    .skip(start as usize)
                    .take(per_page as usize)
                    .map(|h| (h.id, score(h))),
            );
            if full && end > window {
                let older = self
                    .newest_matches(conn, tsquery, window, end - window)
                    .await?;
                hits.extend(older.iter().map(|h| (h.id, score(h))));
            }
        } else {
            let older = self.newest_matches(conn, tsquery, start, per_page).await?;
            hits.extend(older.iter().map(|h| (h.id, score(h))));
        }
        let (total, total_is_lower_bound) = super::article_list::capped_total(
            self.total(conn, totals).await?,
            self.search_count_cap,
        );
        Ok(RankedPage {
            hits,
            total,
            total_is_lower_bound,
        })
    }
}
