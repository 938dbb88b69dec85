//! 相关新闻: the articles most related to one, by shared tags and keywords.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{article_tags, articles};
use crate::models::ids::{ArticleId, CategoryId, TagId};

/// Candidates per shared keyword or tag (the newest ones).
const PER_TERM: i64 = 60;

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
    let visible = crate::models::visibility::sql("a", "$4");
    scored(
        conn,
        s,
        now,
        &format!("t.published_at <= $4 AND {visible}"),
        "",
    )
    .await
}

/// Articles not in the trash (drafts and scheduled ones too: staff see their choices) sharing
/// a tag or keyword with it, scored the same way: those whose choices it may belong in. The
/// newest `PER_TERM` published ones per term, and every such unpublished one (few, through a
/// partial index).
pub async fn neighbours(
    conn: &mut AsyncPgConnection,
    s: &Subject,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Candidate>> {
    // ($4 is bound and unused here.)
    let unpublished = "UNION \
           SELECT a.id FROM articles a \
            WHERE a.status <> 'published' AND a.deleted_at IS NULL AND a.id <> $1 \
              AND (a.keywords && $2::text[] OR EXISTS (SELECT 1 FROM article_tags x \
                   WHERE x.article_id = a.id AND x.tag_id = ANY($3)))";
    scored(conn, s, now, "$4::timestamptz IS NOT NULL", unpublished).await
}

/// For each keyword (`article_terms`) and tag (`tag_articles`) of `s`, the newest `PER_TERM`
/// published articles that pass `filter` (on `t`, the term row, and `a`, the article): each an
/// index range however common the term; and those of the `more` branch. Then what each shares
/// with `s`.
async fn scored(
    conn: &mut AsyncPgConnection,
    s: &Subject,
    now: DateTime<Utc>,
    filter: &str,
    more: &str,
) -> QueryResult<Vec<Candidate>> {
    if s.tag_ids.is_empty() && s.keywords.is_empty() {
        return Ok(Vec::new());
    }
    let query = format!(
        "WITH kw AS (SELECT k, ord FROM unnest($2::text[]) WITH ORDINALITY AS t(k, ord)), \
         cand AS ( \
           SELECT c.id FROM kw CROSS JOIN LATERAL ( \
             SELECT a.id FROM article_terms t JOIN articles a ON a.id = t.article_id \
              WHERE t.term = kw.k AND t.article_id <> $1 AND {filter} \
              ORDER BY t.published_at DESC, t.article_id DESC LIMIT {PER_TERM}) c \
           UNION \
           SELECT c.id FROM unnest($3::bigint[]) AS g(tag_id) CROSS JOIN LATERAL ( \
             SELECT a.id FROM tag_articles t JOIN articles a ON a.id = t.article_id \
              WHERE t.tag_id = g.tag_id AND t.article_id <> $1 AND {filter} \
              ORDER BY t.published_at DESC, t.article_id DESC LIMIT {PER_TERM}) c \
           {more}) \
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

impl Candidate {
    /// The score as a time-invariant number: `ln(shared × channel bonus) + ln 2 × published day
    /// / half life`. Every candidate decays at the same rate, so ordering by it gives the order
    /// of [`Candidate::score`] at any time. `None` when nothing is shared.
    pub fn lasting_score(
        &self,
        ranking: &crate::search::Ranking,
        now: DateTime<Utc>,
    ) -> Option<f64> {
        let shared = 2.0 * self.shared_tags + self.shared_keywords;
        if shared <= 0.0 {
            return None;
        }
        let channel = if self.same_channel { 1.5 } else { 1.0 };
        let day = self.published_at.unwrap_or(now).min(now).timestamp() as f64 / 86_400.0;
        Some(
            (shared * channel).ln()
                + std::f64::consts::LN_2 * day / ranking.half_life_days.max(0.001),
        )
    }
}

/// Replaces an article's choices with `scored` (candidate, lasting score).
pub async fn replace(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    scored: &[(ArticleId, f64)],
) -> QueryResult<()> {
    let (ids, scores): (Vec<i64>, Vec<f64>) = scored.iter().map(|(a, s)| (a.0, *s)).unzip();
    diesel::sql_query(
        "WITH gone AS (DELETE FROM related_choices WHERE article_id = $1), \
              mark AS (INSERT INTO related_computed (article_id) VALUES ($1) \
                       ON CONFLICT (article_id) DO UPDATE SET computed_at = now()) \
         INSERT INTO related_choices (article_id, related_id, score) \
         SELECT $1, r, s FROM unnest($2::bigint[], $3::float8[]) AS t(r, s) WHERE r <> $1 \
         ON CONFLICT (article_id, related_id) DO UPDATE SET score = EXCLUDED.score",
    )
    .bind::<BigInt, _>(id)
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Double>, _>(&scores)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = BigInt)]
    article_id: i64,
    #[diesel(sql_type = Double)]
    score: f64,
}

/// Takes `id` out of every article's choices; the articles it was in, with its score there.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
) -> QueryResult<Vec<(ArticleId, f64)>> {
    let sql = "DELETE FROM related_choices WHERE related_id = $1 RETURNING article_id, score";
    held(conn, sql, id).await
}

/// The articles whose choices hold `id`, with its score there.
pub async fn holders(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
) -> QueryResult<Vec<(ArticleId, f64)>> {
    let sql = "SELECT article_id, score FROM related_choices WHERE related_id = $1";
    held(conn, sql, id).await
}

async fn held(
    conn: &mut AsyncPgConnection,
    sql: &str,
    id: ArticleId,
) -> QueryResult<Vec<(ArticleId, f64)>> {
    let rows: Vec<Holder> = diesel::sql_query(sql)
        .bind::<BigInt, _>(id)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (ArticleId(r.article_id), r.score))
        .collect())
}

/// `b` as a candidate of each of `others`, scored from their side (their keyword order, their
/// channel).
pub async fn as_candidate_of(
    conn: &mut AsyncPgConnection,
    b: ArticleId,
    others: &[ArticleId],
) -> QueryResult<Vec<Candidate>> {
    let ids: Vec<i64> = others.iter().map(|a| a.0).collect();
    diesel::sql_query(
        "SELECT a.id, \
           (SELECT count(*) FROM article_tags x JOIN article_tags y ON y.tag_id = x.tag_id \
             WHERE x.article_id = a.id AND y.article_id = b.id)::float8 AS shared_tags, \
           (SELECT coalesce(sum(1.0 - (t.ord - 1) * 0.05), 0) \
              FROM unnest(a.keywords) WITH ORDINALITY AS t(k, ord) \
             WHERE t.k = ANY(b.keywords))::float8 AS shared_keywords, \
           (a.category_id = b.category_id) AS same_channel, \
           b.published_at \
         FROM articles a, articles b WHERE b.id = $1 AND a.id = ANY($2) AND a.id <> b.id",
    )
    .bind::<BigInt, _>(b)
    .bind::<Array<BigInt>, _>(&ids)
    .load(conn)
    .await
}

/// Adds `b` to the choices of the (already computed) articles in `scored` (article, score of b
/// for it), then keeps the best `cap` of each.
pub async fn merge(
    conn: &mut AsyncPgConnection,
    b: ArticleId,
    scored: &[(ArticleId, f64)],
    cap: i64,
) -> QueryResult<()> {
    if scored.is_empty() {
        return Ok(());
    }
    let (ids, scores): (Vec<i64>, Vec<f64>) = scored.iter().map(|(a, s)| (a.0, *s)).unzip();
    diesel::sql_query(
        "INSERT INTO related_choices (article_id, related_id, score) \
         SELECT t.a, $1, t.s FROM unnest($2::bigint[], $3::float8[]) AS t(a, s) \
           JOIN related_computed c ON c.article_id = t.a \
         ON CONFLICT (article_id, related_id) DO UPDATE SET score = EXCLUDED.score",
    )
    .bind::<BigInt, _>(b)
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Double>, _>(&scores)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "DELETE FROM related_choices r USING ( \
           SELECT article_id, related_id, \
                  row_number() OVER (PARTITION BY article_id ORDER BY score DESC, related_id DESC) AS n \
             FROM related_choices WHERE article_id = ANY($1)) x \
         WHERE r.article_id = x.article_id AND r.related_id = x.related_id AND x.n > $2",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<BigInt, _>(cap)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct Chosen {
    #[diesel(sql_type = Bool)]
    computed: bool,
    #[diesel(sql_type = Array<BigInt>)]
    ids: Vec<i64>,
    #[diesel(sql_type = Array<BigInt>)]
    visible: Vec<i64>,
}

/// What an article page's 相关新闻 are chosen from, in one statement: the editors' picks in
/// their order, then the stored choices by score (at most `cap`; duplicates possible), which of
/// them are visible at `now`, and whether the choices were ever computed.
pub struct PicksAndChoices {
    pub computed: bool,
    pub ids: Vec<ArticleId>,
    pub visible: Vec<ArticleId>,
}

pub async fn picks_and_choices(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    cap: i64,
    now: DateTime<Utc>,
) -> QueryResult<PicksAndChoices> {
    let visible = crate::models::visibility::sql("a", "$3");
    let row: Chosen = diesel::sql_query(format!(
        "WITH picks AS (SELECT related_id AS id, position::bigint AS ord \
                          FROM article_related WHERE article_id = $1), \
              chosen AS (SELECT related_id AS id, \
                                row_number() OVER (ORDER BY score DESC, related_id DESC) AS ord \
                           FROM related_choices WHERE article_id = $1 \
                          ORDER BY score DESC, related_id DESC LIMIT $2), \
              cand AS (SELECT id, 0 AS src, ord FROM picks UNION ALL SELECT id, 1, ord FROM chosen) \
         SELECT EXISTS (SELECT 1 FROM related_computed WHERE article_id = $1) AS computed, \
                ARRAY(SELECT id FROM cand ORDER BY src, ord) AS ids, \
                ARRAY(SELECT a.id FROM articles a WHERE a.id IN (SELECT id FROM cand) AND {visible}) AS visible"
    ))
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(cap)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .await?;
    Ok(PicksAndChoices {
        computed: row.computed,
        ids: row.ids.into_iter().map(ArticleId).collect(),
        visible: row.visible.into_iter().map(ArticleId).collect(),
    })
}

#[derive(QueryableByName)]
struct Missing {
    #[diesel(sql_type = BigInt)]
    id: ArticleId,
    #[diesel(sql_type = BigInt)]
    category_id: CategoryId,
}

/// Up to `limit` articles (not in the trash) whose choices were never computed, of those whose
/// id is `rest` modulo `modulo` (so that several workers share the work).
pub async fn missing(
    conn: &mut AsyncPgConnection,
    modulo: i64,
    rest: i64,
    limit: i64,
) -> QueryResult<Vec<(ArticleId, CategoryId)>> {
    let rows: Vec<Missing> = diesel::sql_query(
        "SELECT a.id, a.category_id FROM articles a \
          WHERE a.deleted_at IS NULL AND a.id % $1 = $2 \
            AND NOT EXISTS (SELECT 1 FROM related_computed c WHERE c.article_id = a.id) \
          ORDER BY a.id LIMIT $3",
    )
    .bind::<BigInt, _>(modulo)
    .bind::<BigInt, _>(rest)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.category_id)).collect())
}

/// Fresh planner statistics for the tables the choices are computed from (after bulk loads).
pub async fn analyze(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("ANALYZE articles, article_terms, article_tags")
        .execute(conn)
        .await
        .map(|_| ())
}
