//! 相关新闻: the articles most related to one, by shared tags and keywords.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{article_tags, articles};
use crate::models::ids::{ArticleId, CategoryId, TagId};

/// Candidates per shared keyword or tag (the newest ones).
const PER_TERM: i64 = 200;

/// A candidate with what its score is made of.
#[derive(Debug, Clone, QueryableByName)]
pub struct Candidate {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// Tags it shares with the article.
    #[diesel(sql_type = Double)]
    pub shared_tags: f64,
    /// Shared keywords, each weighted by its place in the article's keyword list (1.0 for the
    /// first, 0.05 less for each next one).
    #[diesel(sql_type = Double)]
    pub shared_keywords: f64,
    #[diesel(sql_type = Bool)]
    pub same_channel: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
}

impl Candidate {
    /// `(2 × shared tags + shared keywords) × (1.5 in the same channel) × recency`, where
    /// recency halves the score every `SEARCH_HALF_LIFE_DAYS`.
    pub fn score(&self, ranking: &crate::search::Ranking, now: DateTime<Utc>) -> f64 {
        let shared = 2.0 * self.shared_tags + self.shared_keywords;
        let channel = if self.same_channel { 1.5 } else { 1.0 };
        let recency = ranking.score(1.0, self.published_at.unwrap_or(now), now);
        shared * channel * recency
    }
}

/// What relates to an article: its channel, tags and keywords.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: ArticleId,
    pub category_id: CategoryId,
    pub tag_ids: Vec<TagId>,
    pub keywords: Vec<String>,
}

/// The tags and stored keywords of an article.
pub async fn subject(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    category_id: CategoryId,
) -> QueryResult<Subject> {
    let keywords: Vec<Option<String>> = articles::table
        .find(id)
        .select(articles::keywords)
        .first(conn)
        .await?;
    let tag_ids = article_tags::table
        .filter(article_tags::article_id.eq(id))
        .select(article_tags::tag_id)
        .load(conn)
        .await?;
    Ok(Subject {
        id,
        category_id,
        tag_ids,
        keywords: keywords.into_iter().flatten().collect(),
    })
}

/// Visible articles (other than the subject) sharing a tag or keyword with it: for each tag and
/// keyword the newest `PER_TERM`, scored by what they share.
pub async fn candidates(
    conn: &mut AsyncPgConnection,
    s: &Subject,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Candidate>> {
    if s.tag_ids.is_empty() && s.keywords.is_empty() {
        return Ok(Vec::new());
    }
    let visible = format!(
        "{} AND a.id <> $1",
        crate::models::visibility::sql("a", "$4")
    );
    let query = format!(
        "WITH kw AS (SELECT k, ord FROM unnest($2::text[]) WITH ORDINALITY AS t(k, ord)), \
         cand AS ( \
           SELECT c.id FROM kw CROSS JOIN LATERAL ( \
             SELECT a.id FROM articles a WHERE a.keywords @> ARRAY[kw.k] AND {visible} \
             ORDER BY a.published_at DESC, a.id DESC LIMIT {PER_TERM}) c \
           UNION \
           SELECT c.id FROM unnest($3::bigint[]) AS t(tag_id) CROSS JOIN LATERAL ( \
             SELECT a.id FROM article_tags x JOIN articles a ON a.id = x.article_id \
             WHERE x.tag_id = t.tag_id AND {visible} \
             ORDER BY a.published_at DESC, a.id DESC LIMIT {PER_TERM}) c) \
         SELECT a.id, \
           (SELECT count(*) FROM article_tags x WHERE x.article_id = a.id AND x.tag_id = ANY($3))::float8 AS shared_tags, \
           (SELECT coalesce(sum(1.0 - (kw.ord - 1) * 0.05), 0) FROM kw WHERE kw.k = ANY(a.keywords))::float8 AS shared_keywords, \
           (a.category_id = $5) AS same_channel, \
           a.published_at \
         FROM cand JOIN articles a ON a.id = cand.id"
    );
    diesel::sql_query(query)
        .bind::<BigInt, _>(s.id)
        .bind::<Array<Text>, _>(&s.keywords)
        .bind::<Array<BigInt>, _>(&s.tag_ids)
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(s.category_id)
        .load(conn)
        .await
}
