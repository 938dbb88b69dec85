//! Article summaries with their lookups (sources and bylines of the page), in a fixed number
//! of queries.

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::dto::{ArticleDetail, ArticleSummary, detail, summaries};
use crate::cache::deps::{self, Dep};
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
    let list = summaries(rows, tree, &sources, &mut by);
    record_summaries(&list);
    Ok(list)
}

/// A response showing these summaries depends on them (see `cache::deps`).
pub fn record_summaries(list: &[ArticleSummary]) {
    deps::counters();
    for a in list {
        deps::record(Dep::Article(a.id));
        if let Some(s) = &a.source {
            deps::record(Dep::Source(s.id));
        }
        deps::record_all(a.authors.iter().map(|x| Dep::Author(x.id)));
    }
}

/// A response showing this article depends on it, on what it names and on its place in its
/// channel's list (its previous and next articles).
fn record_detail(d: &ArticleDetail) {
    deps::counters();
    deps::record_all([Dep::Article(d.id), Dep::Placement(d.category.id), Dep::Tree]);
    deps::record_all(d.prev.iter().chain(&d.next).map(|x| Dep::Article(x.id)));
    if let Some(s) = &d.source {
        deps::record(Dep::Source(s.id));
    }
    deps::record_all(d.authors.iter().map(|x| Dep::Author(x.id)));
    if let Some(e) = &d.editor {
        deps::record(Dep::User(e.id));
    }
}

/// The full response body of one article.
pub async fn render(
    conn: &mut AsyncPgConnection,
    tree: &Tree,
    article: Article,
) -> Result<ArticleDetail, ApiError> {
    let view = article_detail::load(conn, article, Utc::now()).await?;
    let detail = detail(view, tree);
    record_detail(&detail);
    Ok(detail)
}
