//! Creating, changing and deleting sources (editor or admin).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, patch, post, web};

use super::dto::{CreateSource, SourceDto, UpdateSource};
use crate::api::json::ApiJson;
use crate::api::respond::{created, no_content, staff_json};
use crate::auth::Editor;
use crate::error::ApiError;
use crate::models::Key;
use crate::services::sources;
use crate::state::AppState;

/// Create a source.
#[utoipa::path(
    operation_id = "create_source",
    tag = "sources",
    request_body = CreateSource,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = SourceDto,
         headers(("Location" = String, description = "URL of the new source"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/sources")]
pub async fn create_source(
    editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateSource>,
) -> Result<HttpResponse, ApiError> {
    let row = sources::create(&state, editor.0.actor(), body.0).await?;
    Ok(created(
        format!("/api/v1/sources/{}", row.id),
        &SourceDto::from(row),
    ))
}

/// Change a source; only the fields sent change.
#[utoipa::path(
    operation_id = "update_source",
    tag = "sources",
    request_body = UpdateSource,
    params(("key" = String, Path, description = "Source id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = SourceDto),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/sources/{key}")]
pub async fn update_source(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<UpdateSource>,
) -> Result<HttpResponse, ApiError> {
    let row = sources::update(&state, editor.0.actor(), &Key::parse(&key), body.0).await?;
    Ok(staff_json(StatusCode::OK, &SourceDto::from(row)))
}

/// Delete a source; 409 while articles use it.
#[utoipa::path(
    operation_id = "delete_source",
    tag = "sources",
    params(("key" = String, Path, description = "Source id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/sources/{key}")]
pub async fn delete_source(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    sources::delete(&state, editor.0.actor(), &Key::parse(&key)).await?;
    Ok(no_content())
}
