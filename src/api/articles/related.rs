//! 相关新闻: editors' picks, then articles sharing tags and keywords.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::query::{ApiQuery, count_param};
use crate::api::respond::{self, Audience, ListResponse};
use crate::auth::MaybeAuthUser;
use crate::cache::deps::{self, Dep};
use crate::content::articles::ArticleSummary;
use crate::db::pagination::Paged;
use crate::error::{ApiError, OrNotFound};
use crate::models::article::{self, Article};
use crate::models::ids::ArticleId;
use crate::models::{Key, related_choices};
use crate::state::AppState;

/// How many related articles an article page embeds with `include=related`.
pub const EMBEDDED: usize = 5;
const MAX_LIMIT: i64 = 20;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// How many, 1–20 (default 5).
    #[param(minimum = 1, maximum = 20)]
    pub limit: Option<i64>,
}

/// The ids of the related articles of `a`, best first (at most `limit`): visible editors'
/// picks in their order, then its stored choices (`models::related_choices`: articles sharing
/// tags and keywords, by score) that are visible now. Never `a` itself.
pub async fn related_ids(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    a: &Article,
    limit: usize,
) -> Result<Vec<ArticleId>, ApiError> {
    let found = related_choices::for_page(conn, &state.ranking, a).await?;
    // What is shown changes with the choices, with the articles shown, and with the visibility
    // of a hidden one ranked above the last shown (one ranked below it can only come in when
    // one shown goes, which is a change of that one).
    deps::record(Dep::Related(a.id));
    let mut shown = Vec::with_capacity(limit);
    for id in found.ids {
        if shown.len() == limit {
            break;
        }
        deps::record(Dep::Article(id));
        if found.visible.contains(&id) {
            shown.push(id);
        }
    }
    Ok(shown)
}

/// 相关新闻 of an article: editors' picks first (in their order), then articles sharing its
/// tags and keywords, preferring more shared terms, the same channel and recent ones. Only
/// visible articles, never the article itself.
#[utoipa::path(
    operation_id = "list_related_articles",
    tag = "search",
    params(("key" = String, Path, description = "Article id (all digits) or slug"), RelatedQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Related articles, best first", body = ListResponse<ArticleSummary>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/articles/{key}/related")]
pub async fn list_related(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: ApiQuery<RelatedQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = count_param("limit", query.limit, EMBEDDED as i64, MAX_LIMIT)?;
    let key = Key::parse(&key);
    let mut conn = state.read_conn().await?;
    let now = Utc::now();
    let found = article::find(&mut conn, &key)
        .await?
        .filter(|a| user.is_staff() || a.is_visible_at(now))
        .or_not_found("article", &key)?;
    let tree = state.tree(&mut conn).await?;
    let ids = related_ids(&mut conn, &state, &found, limit as usize).await?;
    let rows = crate::content::articles::summaries_of(&mut conn, &tree, &ids).await?;
    let paged = Paged::<ArticleSummary, ()> {
        rows,
        per_page: limit,
        page: None,
        total: None,
        total_is_lower_bound: false,
        next: None,
        prev: None,
    };
    let audience = Audience::of(&user, state.config.cache_detail_max_age_secs);
    Ok(respond::list(&req, audience, paged))
}
