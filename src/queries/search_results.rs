//! Search results: matching articles against a query, ranking them, the texts for highlights.
//! (The index itself is written by `models::search_index`.)

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Float, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::article_list::ArticleQuery;
use super::search_candidates::{Candidates, Found, MAX_CANDIDATES};
use crate::db::schema::articles;
use crate::models::ids::ArticleId;

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
        among: Option<&[ArticleId]>,
    ) -> QueryResult<Vec<Hit>> {
        use articles::dsl as a;
        let mut q = self.filtered();
        if let Some(ids) = among {
            q = q.filter(a::id.eq_any(ids.to_vec()));
        }
        q.order((a::published_at.desc().nulls_last(), a::id.desc()))
            .select((
                a::id,
                a::published_at,
                a::updated_at,
                // Matches in another sense of an ambiguous synonym rank at half.
                sql::<Float>("ts_rank(articles.search_vector, CAST(")
                    .bind::<Text, _>(tsquery.to_owned())
                    .sql(" AS tsquery), 1) * CASE WHEN CAST(")
                    .bind::<Nullable<Text>, _>(self.filters.search_preferred.clone())
                    .sql(" AS tsquery) IS NULL OR articles.search_vector @@ CAST(")
                    .bind::<Nullable<Text>, _>(self.filters.search_preferred.clone())
                    .sql(" AS tsquery) THEN 1::real ELSE 0.5::real END"),
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

/// One page of matches in ranked order, and the total.
pub struct RankedPage {
    pub hits: Vec<(ArticleId, f64)>,
    pub total: i64,
    /// `total` is a lower bound (counting stopped at `search_count_cap`).
    pub total_is_lower_bound: bool,
}

impl ArticleQuery {
    /// Page `page` of the matches of `self.filters.search`: the newest `window` matches ordered
    /// by `ranking` score (ties newest first), then any older matches newest first. The
    /// newest matches come from `by_postings` when given (the database checks and ranks them),
    /// else from the database alone.
    #[allow(clippy::too_many_arguments)]
    pub async fn ranked_page(
        &self,
        conn: &mut AsyncPgConnection,
        page: i64,
        per_page: i64,
        window: i64,
        ranking: &crate::search::Ranking,
        totals: Option<&moka::future::Cache<String, i64>>,
        by_postings: Option<&Candidates>,
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
        // The newest `window.max(end)` matches (and the dirty articles) hold every row below.
        let found = match by_postings {
            Some(c) if (window.max(end) as usize) <= MAX_CANDIDATES => c
                .newest(window.max(end) as usize)
                .inspect_err(
                    |e| tracing::error!(error = %e, "search postings failed; using the database"),
                )
                .ok(),
            _ => None,
        };
        let among = found.as_ref().map(Found::with_dirty);
        let among = among.as_deref();
        let mut hits: Vec<(ArticleId, f64)> = Vec::new();
        if start < window {
            let mut newest = self.newest_matches(conn, tsquery, 0, window, among).await?;
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
                    .newest_matches(conn, tsquery, window, end - window, among)
                    .await?;
                hits.extend(older.iter().map(|h| (h.id, score(h))));
            }
        } else {
            let older = self
                .newest_matches(conn, tsquery, start, per_page, among)
                .await?;
            hits.extend(older.iter().map(|h| (h.id, score(h))));
        }
        let n = match &found {
            Some(f) => f.total + self.count_among(conn, &f.dirty).await?,
            None => self.total(conn, totals).await?,
        };
        let (total, total_is_lower_bound) =
            super::article_list::capped_total(n, self.search_count_cap);
        Ok(RankedPage {
            hits,
            total,
            total_is_lower_bound,
        })
    }

    /// How many of `ids` match.
    async fn count_among(
        &self,
        conn: &mut AsyncPgConnection,
        ids: &[ArticleId],
    ) -> QueryResult<i64> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.filtered()
            .filter(articles::id.eq_any(ids.to_vec()))
            .count()
            .get_result(conn)
            .await
    }
}
