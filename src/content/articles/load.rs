//! Article summaries with their lookups (sources and bylines of the page), in a fixed number
//! of queries.

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::dto::{ArticleDetail, ArticleSummary, detail, summaries};
use crate::error::ApiError;
use crate::models::article::Article;
use crate::models::category::Tree;
use crate::models::ids::ArticleId;
use crate::queries::article_detail::{self, bylines, sources_by_id};
use crate::queries::article_list::{SummaryRow, summary_rows};

/// Summaries of these articles, in this order (missing ones left out).
pub async fn summaries_of(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    ids: &[ArticleId],
) -> Result<Vec<ArticleSummary>, ApiError> {
    let rows = summary_rows(conn, ids).await?;
    summaries_of_rows(conn, tree, rows).await
}

/// Summaries of loaded rows, in their order.
pub async fn summaries_of_rows(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    rows: Vec<SummaryRow>,
) -> Result<Vec<ArticleSummary>, ApiError> {
    let ids: Vec<ArticleId> = rows.iter().map(|r| r.id).collect();
    let mut source_ids: Vec<_> = rows.iter().filter_map(|r| r.source_id).collect();
    source_ids.sort();
    source_ids.dedup();
    let sources = sources_by_id(conn, &source_ids).await?;
    let mut by = bylines(conn, &ids).await?;
    Ok(summaries(rows, tree, &sources, &mut by))
}

/// The full response body of one article.
pub async fn render(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    article: Article,
) -> Result<ArticleDetail, ApiError> {
    let view = article_detail::load(conn, article, Utc::now()).await?;
    Ok(detail(view, tree))
}
