//! The trash: move an article there, bring it back, or purge it for good.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, post, web};

use super::staff_article;
use crate::api::respond::no_content;
use crate::auth::{Admin, AuthUser};
use crate::content::articles::ArticleDetail;
use crate::error::ApiError;
use crate::models::Key;
use crate::services::articles;
use crate::state::AppState;

/// Move an article to the trash (editors: any; writers: their own drafts).
#[utoipa::path(
    operation_id = "delete_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "In the trash"),
        crate::error::responses::StaffAction,
    ),
)]
#[delete("/articles/{key}")]
pub async fn trash_article(
    user: AuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    articles::trash(&state, user.actor(), &Key::parse(&key)).await?;
    Ok(no_content())
}

/// Take an article out of the trash.
#[utoipa::path(
    operation_id = "restore_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored", body = ArticleDetail),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/articles/{key}/restore")]
pub async fn restore_article(
    user: AuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let detail = articles::restore(&state, user.actor(), &Key::parse(&key)).await?;
    Ok(staff_article(StatusCode::OK, &detail))
}

/// Admin: delete a trashed article for good, with its revisions.
#[utoipa::path(
    operation_id = "purge_article",
    tag = "articles",
    params(("key" = String, Path, description = "Article id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Gone for good"),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/trash/articles/{key}")]
pub async fn purge_article(
    admin: Admin,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    articles::purge(&state, admin.0.actor(), &Key::parse(&key)).await?;
    Ok(no_content())
}
