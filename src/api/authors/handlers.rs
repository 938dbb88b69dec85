//! Author handlers: public reads, editor writes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::dto::{AuthorDto, CreateAuthor, ListAuthorsQuery, UpdateAuthor};
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{
    self, Audience, ListResponse, cached_json, created, no_content, staff_json,
};
use crate::auth::{Editor, MaybeAuthUser};
use crate::cache::deps::{self, Dep};
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::Key;
use crate::models::author;
use crate::services::authors;
use crate::state::AppState;

/// Authors by name, paginated; `q` matches name or affiliation.
#[utoipa::path(
    operation_id = "list_authors",
    tag = "authors",
    params(ListAuthorsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of authors; `Link` has next/prev", body = ListResponse<AuthorDto>),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffQuery,
    ),
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListAuthorsQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.q.as_deref().is_some_and(|s| s.chars().count() > 100) {
        return Err(ApiError::bad_request("q", "must be at most 100 characters"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    deps::record(Dep::Authors);
    let paged = author::list(&mut *state.read_conn().await?, q, &page).await?;
    let audience = Audience::of(&user, state.config.cache_max_age_secs);
    Ok(respond::list(&req, audience, paged.map(AuthorDto::from)))
}

/// One author by id or slug.
#[utoipa::path(
    operation_id = "get_author",
    tag = "authors",
    params(("key" = String, Path, description = "Author id (all digits) or slug")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The author", body = AuthorDto),
        (status = 304, description = "Not modified (If-None-Match)"),
        crate::error::responses::StaffRead,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/authors/{key}")]
pub async fn get_author(
    req: HttpRequest,
    user: MaybeAuthUser,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = Key::parse(&key);
    let found = author::find(&mut *state.read_conn().await?, &key)
        .await?
        .or_not_found("author", &key)?;
    deps::record(Dep::Author(found.id));
    let audience = Audience::of(&user, state.config.cache_max_age_secs);
    Ok(cached_json(
        &req,
        audience,
        StatusCode::OK,
        &AuthorDto::from(found),
    ))
}

/// Create an author.
#[utoipa::path(
    operation_id = "create_author",
    tag = "authors",
    request_body = CreateAuthor,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = AuthorDto,
         headers(("Location" = String, description = "URL of the new author"))),
        crate::error::responses::StaffWrite,
    ),
)]
#[post("/authors")]
pub async fn create_author(
    editor: Editor,
    state: web::Data<AppState>,
    body: ApiJson<CreateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let row = authors::create(&state, editor.0.actor(), body.0).await?;
    Ok(created(
        format!("/api/v1/authors/{}", row.id),
        &AuthorDto::from(row),
    ))
}

/// Change an author; only the fields sent change.
#[utoipa::path(
    operation_id = "update_author",
    tag = "authors",
    request_body = UpdateAuthor,
    params(("key" = String, Path, description = "Author id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = AuthorDto),
        crate::error::responses::StaffWrite,
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[patch("/authors/{key}")]
pub async fn update_author(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: ApiJson<UpdateAuthor>,
) -> Result<HttpResponse, ApiError> {
    let row = authors::update(&state, editor.0.actor(), &Key::parse(&key), body.0).await?;
    Ok(staff_json(StatusCode::OK, &AuthorDto::from(row)))
}

/// Delete an author; 409 while articles still credit them.
#[utoipa::path(
    operation_id = "delete_author",
    tag = "authors",
    params(("key" = String, Path, description = "Author id (all digits) or slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[delete("/authors/{key}")]
pub async fn delete_author(
    editor: Editor,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authors::delete(&state, editor.0.actor(), &Key::parse(&key)).await?;
    Ok(no_content())
}
