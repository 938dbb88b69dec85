//! Creating, listing, reading and revoking API keys (admins only).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;

use super::dto::{ApiKeyDto, CreateApiKey, CreatedApiKey, ListApiKeysQuery};
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, created, no_content, staff_json};
use crate::auth::Admin;
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::Key;
use crate::models::api_key::{self};
use crate::models::ids::ApiKeyId;
use crate::services::api_keys;
use crate::state::AppState;

/// A path id: digits only, anything else names no key.
fn key_id(raw: &str) -> Result<ApiKeyId, ApiError> {
    match Key::parse(raw) {
        Key::Id(id) => Ok(ApiKeyId(id)),
        Key::Slug(_) => Err(ApiError::NotFound(format!("API key `{raw}`"))),
    }
}

/// Create a content API key. The response holds the secret, shown this once; only its
/// SHA-256 hash is stored.
#[utoipa::path(
    operation_id = "create_api_key",
    tag = "api-keys",
    request_body = CreateApiKey,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it; `secret` is shown only here",
         body = CreatedApiKey,
         headers(("Location" = String, description = "URL of the new key"))),
        crate::error::responses::StaffQuery,
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[post("/api-keys")]
pub async fn create_api_key(
    admin: Admin,
    state: web::Data<AppState>,
    body: ApiJson<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let (row, secret) = api_keys::create(&state, admin.0.actor(), body.0, now).await?;
    Ok(created(
        format!("/api/v1/api-keys/{}", row.id),
        &CreatedApiKey {
            secret,
            key: ApiKeyDto::of(row, now),
        },
    ))
}

/// API keys, newest first, paginated; revoked and expired keys included. Never the secrets.
#[utoipa::path(
    operation_id = "list_api_keys",
    tag = "api-keys",
    params(ListApiKeysQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of keys; `Link` has next/prev",
         body = respond::ListResponse<ApiKeyDto>),
        crate::error::responses::StaffQuery,
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    _admin: Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: ApiQuery<ListApiKeysQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = api_key::list(&mut *state.conn().await?, &page).await?;
    let now = Utc::now();
    Ok(respond::list(
        &req,
        Audience::Staff,
        paged.map(|k| ApiKeyDto::of(k, now)),
    ))
}

/// One API key (without its secret).
#[utoipa::path(
    operation_id = "get_api_key",
    tag = "api-keys",
    params(("id" = i64, Path, description = "API key id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The key", body = ApiKeyDto),
        crate::error::responses::StaffAction,
    ),
)]
#[get("/api-keys/{id}")]
pub async fn get_api_key(
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = key_id(&id)?;
    let key = api_key::find(&mut *state.conn().await?, id)
        .await?
        .or_not_found("API key", id)?;
    Ok(staff_json(StatusCode::OK, &ApiKeyDto::of(key, Utc::now())))
}

/// Revoke an API key: it stops working at once. The key stays listed, with `revoked_at`;
/// revoking it again changes nothing.
#[utoipa::path(
    operation_id = "revoke_api_key",
    tag = "api-keys",
    params(("id" = i64, Path, description = "API key id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        crate::error::responses::StaffAction,
    ),
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api_keys::revoke(&state, admin.0.actor(), key_id(&id)?).await?;
    Ok(no_content())
}
