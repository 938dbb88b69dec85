//! The search index columns of `articles` (`search_vector`, `keywords`): writing them, and
//! reading what (re)indexing needs, and rebuilding them in batches (`reindex`). Building a
//! document's index is `crate::search` (text only, no database); querying it is
//! `queries::search_results`.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{article_tags, articles, tags};
use crate::models::ids::ArticleId;
use crate::search::Indexed;

pub mod postings;
mod reindex;

pub use reindex::{ReindexReport, reindex};

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
