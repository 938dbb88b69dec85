//! `GET /search`: full-text search with highlighting.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::articles::{ArticleSummary, summaries_of};
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, ListResponse};
use crate::auth::MaybeAuthUser;
use crate::cache::deps::{self, Dep};
use crate::db::pagination::{PageRequest, Paged};
use crate::error::ApiError;
use crate::models::Key;
use crate::queries::article_list::{ArticleQuery, Filters, Scope, Sort};
use crate::queries::search_results::body_texts;
use crate::search::highlight;
use crate::state::AppState;

/// Body text read per hit for its snippet.
const SNIPPET_SOURCE_CHARS: i32 = 20_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for, 1–200 characters. Words must all match (Chinese text is segmented
    /// into words, so 新质生产力 also finds 生产力); text in `"double quotes"` (or “中文引号”)
    /// must match as a phrase.
    #[param(max_length = 200, example = "黑河 新质生产力", required = true)]
    #[serde(default)]
    pub q: String,
    /// Channel id or slug; includes its sub-channels unless `descendants=false`.
    pub category: Option<String>,
    /// Include sub-channels of `category` (default true).
    pub descendants: Option<bool>,
    /// Published strictly after this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub published_after: Option<DateTime<Utc>>,
    /// Published strictly before this time (RFC 3339).
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub published_before: Option<DateTime<Utc>>,
    /// Page number, default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Where the query matched, as HTML: text escaped, matches in `<mark>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Highlight {
    /// The title.
    pub title: String,
    /// About 120 characters of the body around the best matches ("…" where cut); the start of
    /// the body when only other fields matched.
    pub snippet: String,
}

/// A search result: the article summary, its score and highlights.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub article: ArticleSummary,
    /// Relevance blended with recency (higher is better):
    /// `ts_rank × 0.5 ^ (age_in_days / SEARCH_HALF_LIFE_DAYS)`.
    pub score: f64,
    pub highlight: Highlight,
}

/// Search articles. The public finds visible articles only; staff also find drafts and
/// scheduled ones (never the trash). Results are ranked by relevance blended with recency;
/// see the README for the formula.
#[utoipa::path(
    operation_id = "search_articles",
    tag = "search",
    params(SearchQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of results, best first; `Link` has next/prev", body = ListResponse<SearchHit>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[get("/search")]
pub async fn search(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.read_conn().await?;
    let synonyms = state.synonyms(&mut conn).await?;
    let parsed = state
        .search
        .parse_query(&query.q, &synonyms)
        .map_err(|e| ApiError::invalid("q", e.to_string()))?;
    let (page, per_page) = match PageRequest::<()>::from_params(query.page, query.per_page, None)? {
        PageRequest::Page { page, per_page } => (page, per_page),
        PageRequest::Cursor { .. } => return Err(ApiError::internal("cursor without cursor")),
    };
    let (scope, audience) = if user.is_staff() {
        (Scope::Staff(None), Audience::Staff)
    } else {
        let max_age = state.config.cache_list_max_age_secs;
        (Scope::Public(Utc::now()), Audience::Public { max_age })
    };
    let tree = state.tree(&mut conn).await?;
    let mut filters = Filters {
        search: Some(parsed.tsquery.clone()),
        search_preferred: parsed.preferred.clone(),
        published_after: query.published_after,
        published_before: query.published_before,
        ..Filters::default()
    };
    if let Some(raw) = query.category.as_deref() {
        let key = Key::parse(raw);
        let c = tree
            .find(&key)
            .filter(|c| user.is_staff() || tree.publicly_visible(c.id))
            .ok_or_else(|| {
                ApiError::bad_request("category", format!("`{key}` does not name a category"))
            })?;
        filters.categories = Some(tree.scope(c.id, query.descendants.unwrap_or(true)));
    }
    let aq = ArticleQuery {
        scope,
        filters,
        sort: Sort::PublishedDesc,
        search_count_cap: state.config.search_count_cap,
    };
    let ranked = aq
        .ranked_page(
            &mut conn,
            page,
            per_page,
            state.config.search_rank_window,
            &state.ranking,
            Some(&state.caches.list_totals),
            state.search_candidates(&aq).as_ref(),
        )
        .await?;
    let ids: Vec<_> = ranked.hits.iter().map(|(id, _)| *id).collect();
    let bodies: HashMap<_, _> = body_texts(&mut conn, &ids, SNIPPET_SOURCE_CHARS)
        .await?
        .into_iter()
        .collect();
    let scores: HashMap<_, _> = ranked.hits.iter().copied().collect();
    let hits: Vec<SearchHit> = summaries_of(&mut conn, &tree, &ids)
        .await?
        .into_iter()
        .map(|article| {
            let body = bodies.get(&article.id).map_or("", String::as_str);
            let snippet = highlight::snippet(body, &parsed.words).unwrap_or_else(|| {
                highlight::lead(if body.is_empty() {
                    &article.summary
                } else {
                    body
                })
            });
            SearchHit {
                score: scores.get(&article.id).copied().unwrap_or(0.0),
                highlight: Highlight {
                    title: highlight::mark(&article.title, &parsed.words),
                    snippet,
                },
                article,
            }
        })
        .collect();
    let mut paged: Paged<SearchHit, ()> = Paged::of_page(hits, page, per_page, ranked.total);
    paged.total_is_lower_bound = ranked.total_is_lower_bound;
    deps::record(Dep::AllArticles);
    Ok(respond::list(&req, audience, paged))
}
