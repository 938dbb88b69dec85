//! Most-read lists: rolling windows over the daily buckets, cached for `RANKINGS_TTL`.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Duration, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{MostReadMeta, MostReadResponse, RankedArticle};
use crate::api::articles::{ArticleSummary, CategoryBrief, summaries_of};
use crate::api::query::{ApiQuery, count_param};
use crate::api::respond::{Audience, cached_json_with};
use crate::auth::MaybeAuthUser;
use crate::cache::deps::{self, Dep};
use crate::cache::rankings::Seen;
use crate::content::articles::record_summaries;
use crate::content::rankings::{MostReadKey, MostReadPage};
use crate::db::budget::Bounded;
use crate::error::{ApiError, OrNotFound};
use crate::models::ids::{ArticleId, CategoryId};
use crate::models::ranking::TimeWindow;
use crate::models::{Key, views};
use crate::state::AppState;

/// Summaries keyed by article id.
pub fn by_id(list: Vec<ArticleSummary>) -> std::collections::HashMap<ArticleId, ArticleSummary> {
    list.into_iter().map(|a| (a.id, a)).collect()
}

async fn compute(state: &AppState, key: &MostReadKey) -> Result<MostReadPage, ApiError> {
    let now = Utc::now();
    let mut conn = state.read_conn().await?;
    let tree = state.tree(&mut conn).await?;
    let scope: Option<Vec<CategoryId>> = key.category.map(|c| tree.scope(c, true));
    let from = key
        .window
        .previous_days()
        .map(|d| state.views.day_of(now) - Duration::days(d));
    let ranked = views::most_read(&mut conn, from, scope.as_deref(), now, key.limit).await?;
    let ids: Vec<ArticleId> = ranked.iter().map(|r| ArticleId(r.article_id)).collect();
    let mut articles = by_id(summaries_of(&mut conn, &tree, &ids).await?);
    // Matched by id: an article purged between the two queries is left out, not mismatched.
    let items = ranked
        .iter()
        .filter_map(|r| articles.remove(&ArticleId(r.article_id)).map(|a| (r, a)))
        .enumerate()
        .map(|(i, (r, article))| RankedArticle {
            views: Some(r.views),
            ..RankedArticle::new(i + 1, article)
        })
        .collect();
    Ok(MostReadPage {
        generated_at: now,
        items,
    })
}

/// The most-read list for a window and scope: computed at most once per TTL, however many ask.
pub async fn most_read(state: &AppState, key: MostReadKey) -> Result<Arc<MostReadPage>, ApiError> {
    let page = state
        .caches
        .most_read
        .try_get_with(key, async { compute(state, &key).await.map(Arc::new) })
        .await
        .map_err(|e: Arc<ApiError>| match &*e {
            ApiError::Unavailable(m) => ApiError::Unavailable(m.clone()),
            other => ApiError::Internal(other.to_string()),
        })?;
    // A response showing it is dropped when a recount finds another order (`recount`);
    // one showing a list not followed lasts no longer than the list itself.
    match state.caches.most_read_order(key, order_of(&page), true) {
        Seen::Untracked => {
            let age = (Utc::now() - page.generated_at)
                .to_std()
                .unwrap_or_default();
            let ttl = std::time::Duration::from_secs(state.config.rankings_ttl_secs);
            deps::at_most(ttl.saturating_sub(age));
        }
        Seen::Same | Seen::Changed => deps::record(Dep::MostRead(key)),
    }
    deps::record(Dep::Tree);
    let shown: Vec<ArticleSummary> = page.items.iter().map(|r| r.article.clone()).collect();
    record_summaries(&shown);
    Ok(page)
}

fn order_of(page: &MostReadPage) -> Vec<ArticleId> {
    page.items.iter().map(|r| r.article.id).collect()
}

/// Recounts, every `RANKINGS_TTL`, the most-read lists that cached responses show, and drops
/// those responses when a list's order changed (`cache::rankings`). Runs until the runtime
/// stops (at once when the response cache is off); a recount that fails (database
/// unreachable) is tried again at the next tick.
pub async fn recount(state: web::Data<AppState>) {
    if !state.caches.responses.enabled() {
        return; // (no cached response to drop)
    }
    let every = std::time::Duration::from_secs(state.config.rankings_ttl_secs.max(1));
    // A list no response asked for during a few recounts is no longer followed.
    let idle = every * 5;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let (due, gone) = state.caches.rankings.due(idle);
        state.caches.unfollow(&gone);
        for key in due {
            let budget = state.config.request_budget();
            match crate::db::budget::within(budget, compute(&state, &key)).await {
                Bounded::Done {
                    output: Ok(page), ..
                } => {
                    let page = Arc::new(page);
                    state.caches.most_read.insert(key, page.clone()).await;
                    state.caches.most_read_order(key, order_of(&page), false);
                }
                Bounded::Done { output: Err(e), .. } => {
                    tracing::warn!(error = %e, "most-read recount failed; will retry");
                    break;
                }
                Bounded::Stuck => {
                    tracing::warn!("most-read recount overran its database budget");
                    break;
                }
            }
        }
    }
}

/// The week's (`TimeWindow::Week`) most-read across the site, up to `limit` (cached as above).
pub async fn week_most_read(state: &AppState, limit: i64) -> Result<Vec<RankedArticle>, ApiError> {
    let key = MostReadKey {
        window: TimeWindow::Week,
        category: None,
        limit,
    };
    Ok(most_read(state, key).await?.items.clone())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MostReadQuery {
    /// `day` (today), `week` (today and the 6 days before), `month` (30 days), `year` (365 days)
    /// or `all` (all time); days end at midnight in `NEWSDESK_TIMEZONE`. Default `week`.
    pub window: Option<TimeWindow>,
    /// Channel id or slug; its sub-channels are included.
    pub category: Option<String>,
    /// 1–100, default 10.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// 点击排行: the most-read visible articles in a window, optionally in one channel. Cached for
/// `RANKINGS_TTL` seconds (`Cache-Control` says how long is left).
#[utoipa::path(
    operation_id = "get_most_read",
    tag = "rankings",
    params(MostReadQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Ranked articles", body = MostReadResponse),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/rankings/most-read")]
pub async fn get_most_read(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<MostReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = count_param("limit", query.limit, 10, 100)?;
    let window = query.window.unwrap_or(TimeWindow::Week);
    let category = match &query.category {
        None => None,
        Some(raw) => {
            let tree = state.tree(&mut *state.conn().await?).await?;
            let key = Key::parse(raw);
            let c = tree
                .find(&key)
                .filter(|c| user.is_staff() || tree.publicly_visible(c.id))
                .or_not_found("category", &key)?;
            Some(CategoryBrief {
                id: c.id,
                slug: c.slug.clone(),
                name: c.name.clone(),
            })
        }
    };
    let page = most_read(
        &state,
        MostReadKey {
            window,
            category: category.as_ref().map(|c| c.id),
            limit,
        },
    )
    .await?;
    let body = MostReadResponse {
        data: page.items.clone(),
        meta: MostReadMeta {
            window,
            category,
            generated_at: page.generated_at,
        },
    };
    let age = (Utc::now() - page.generated_at).num_seconds().max(0) as u64;
    let remaining = state.config.rankings_ttl_secs.saturating_sub(age) as u32;
    let audience = if user.is_staff() {
        Audience::Staff
    } else {
        Audience::Public { max_age: remaining }
    };
    Ok(cached_json_with(
        &req,
        audience,
        StatusCode::OK,
        &body,
        vec![(header::AGE, age.to_string())],
    ))
}
