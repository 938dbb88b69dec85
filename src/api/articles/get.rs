//! One article, with everything an article page shows.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;

use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::ArticleDetail;
use super::related::{EMBEDDED, related_to};
use super::save::{render, staff_article};
use crate::api::query::ApiQuery;
use crate::api::respond::{Audience, cached_json_with};
use crate::auth::MaybeAuthUser;
use crate::error::ApiError;
use crate::models::{Key, article};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetArticleQuery {
    /// `related` embeds the top 5 related articles (相关新闻) as `related`.
    #[param(pattern = "^related$")]
    pub include: Option<String>,
}

/// An article by id or slug: body, breadcrumb, bylines with affiliations, source, editor, tags,
/// the previous and next article in its channel, and with `include=related` its 相关新闻.
///
/// The public sees visible articles only (published, live by `published_at`/`offline_at`, not
/// trashed); staff see every article, with a version `ETag` for `If-Match`.
#[utoipa::path(
    operation_id = "get_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug"), GetArticleQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article", body = ArticleDetail,
         headers(("ETag" = String), ("Last-Modified" = String, description = "Public responses"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = crate::api::problems::BadRequest),
        (status = 401, response = crate::api::problems::Unauthorized),
        (status = 404, response = crate::api::problems::NotFound),
        (status = 503, response = crate::api::problems::Unavailable),
    ),
)]
#[get("/articles/{key}")]
pub async fn get_article(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: ApiQuery<GetArticleQuery>,
) -> Result<HttpResponse, ApiError> {
    let with_related = match query.include.as_deref() {
        None | Some("") => false,
        Some("related") => true,
        Some(_) => return Err(ApiError::bad_request("include", "must be `related`")),
    };
    let key = Key::parse(&key);
    let mut conn = state.conn().await?;
    let now = Utc::now();
    let found = article::find(&mut conn, &key)
        .await?
        .filter(|a| user.is_staff() || a.is_visible_at(now))
        .ok_or_else(|| ApiError::NotFound(format!("article `{key}`")))?;
    let updated = found.updated_at;
    let tree = state.tree(&mut conn).await?;
    let related = if with_related {
        Some(related_to(&mut conn, &state, &tree, &found, EMBEDDED).await?)
    } else {
        None
    };
    let mut detail = render(&mut conn, &tree, found).await?;
    detail.related = related;
    if user.is_staff() {
        return Ok(staff_article(StatusCode::OK, &detail));
    }
    let last_modified = header::HttpDate::from(std::time::SystemTime::from(updated));
    let audience = Audience::Public {
        max_age: state.config.cache_detail_max_age_secs,
    };
    Ok(cached_json_with(
        &req,
        audience,
        StatusCode::OK,
        &detail,
        vec![(header::LAST_MODIFIED, last_modified.to_string())],
    ))
}
