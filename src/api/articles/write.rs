//! Creating and updating articles.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, patch, post, web};

use super::staff_article;
use crate::api::json::LargeJson;
use crate::api::respond::if_match;
use crate::auth::AuthUser;
use crate::content::articles::ArticleDetail;
use crate::error::ApiError;
use crate::models::Key;
use crate::services::articles::{self, CreateArticle, UpdateArticle};
use crate::state::AppState;

/// Create an article. Writers create drafts; editors and admins may publish directly.
#[utoipa::path(
    operation_id = "create_article",
    tag = "articles",
    request_body = CreateArticle,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it, `ETag` carries its version", body = ArticleDetail,
         headers(("Location" = String, description = "URL of the new article"), ("ETag" = String, description = "Version validator"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/articles")]
pub async fn create_article(
    user: AuthUser,
    state: web::Data<AppState>,
    body: LargeJson<CreateArticle>,
) -> Result<HttpResponse, ApiError> {
    let detail = articles::create(&state, user.actor(), body.0).await?;
    Ok(staff_article(StatusCode::CREATED, &detail))
}

/// Change an article; only the fields sent change. Send `If-Match` with the version's ETag to
/// refuse (412) when someone else changed it meanwhile. The previous state becomes a revision.
///
/// Writers may change their own drafts only; editors and admins change anything, status included.
#[utoipa::path(
    operation_id = "update_article",
    tag = "articles",
    request_body = UpdateArticle,
    params(
        ("key" = String, Path, description = "Article id (all digits) or slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version this change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ArticleDetail,
         headers(("ETag" = String, description = "Validator of the new version"))),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
        (status = 412, description = "The article changed since the given ETag", body = crate::error::Problem,
         content_type = "application/problem+json"),
    ),
)]
#[patch("/articles/{key}")]
pub async fn update_article(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: LargeJson<UpdateArticle>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let if_match = if_match(&req);
    let detail = articles::update(&state, user.actor(), &key, if_match.as_deref(), body.0).await?;
    Ok(staff_article(StatusCode::OK, &detail))
}
