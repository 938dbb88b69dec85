//! Creating, changing and deleting channels (editor or admin).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, patch, post, web};

use super::dto::{CategoryDetail, CreateCategory, UpdateCategory};
use crate::api::json::ApiJson;
use crate::api::respond::{created, no_content, staff_json};
use crate::auth::Editor;
use crate::error::ApiError;
use crate::models::Key;
use crate::services::categories;
use crate::state::AppState;

/// Create a channel.
#[utoipa::path(
    operation_id = "create_category",
    tag = "categories",
    request_body = CreateCategory,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = CategoryDetail,
         headers(("Location" = String, description = "URL of the new channel"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/categories")]
pub async fn create_category(
    editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateCategory>,
) -> Result<HttpResponse, ApiError> {
    let detail = categories::create(&state, editor.0.actor(), body.0).await?;
    Ok(created(
        format!("/api/v1/categories/{}", detail.category.id),
        &detail,
    ))
}

/// Change a channel; only the fields sent change. Moving it under itself or a descendant is a 409.
#[utoipa::path(
    operation_id = "update_category",
    tag = "categories",
    request_body = UpdateCategory,
    params(("key" = String, Path, description = "Category id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = CategoryDetail),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/categories/{key}")]
pub async fn update_category(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<UpdateCategory>,
) -> Result<HttpResponse, ApiError> {
    let detail = categories::update(&state, editor.0.actor(), &Key::parse(&key), body.0).await?;
    Ok(staff_json(StatusCode::OK, &detail))
}

/// Delete a channel; 409 while it still has sub-channels or articles.
#[utoipa::path(
    operation_id = "delete_category",
    tag = "categories",
    params(("key" = String, Path, description = "Category id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/categories/{key}")]
pub async fn delete_category(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    categories::delete(&state, editor.0.actor(), &Key::parse(&key)).await?;
    Ok(no_content())
}
