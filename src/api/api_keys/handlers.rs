//! Creating, listing, reading and revoking API keys (admins only).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;

use super::dto::{
    ApiKeyDto, CreateApiKey, CreatedApiKey, DEFAULT_BURST, DEFAULT_RATE_PER_MINUTE,
    ListApiKeysQuery, MAX_BURST, MAX_RATE_PER_MINUTE,
};
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, created, no_content, staff_json};
use crate::auth::Admin;
use crate::content::change::Change;
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::Key;
use crate::models::api_key::{self, NewApiKey};
use crate::models::ids::ApiKeyId;
use crate::ratelimit::keys;
use crate::services;
use crate::state::AppState;
use crate::validate::Violations;

/// A path id: digits only, anything else names no key.
fn key_id(raw: &str) -> Result<ApiKeyId, ApiError> {
    match Key::parse(raw) {
        Key::Id(id) => Ok(ApiKeyId(id)),
        Key::Slug(_) => Err(ApiError::NotFound(format!("API key `{raw}`"))),
    }
}

/// A value in `1..=max`, or the field error.
fn in_range(v: &mut Violations, field: &str, value: Option<i64>, default: i32, max: i64) -> i32 {
    let value = value.unwrap_or(i64::from(default));
    if (1..=max).contains(&value) {
        i32::try_from(value).unwrap_or(default)
    } else {
        v.add(field, format!("must be between 1 and {max}"));
        default
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
    let ApiJson(body) = body;
    let now = Utc::now();
    let mut v = Violations::default();
    v.name("name", &body.name, 100);
    let rate = in_range(
        &mut v,
        "rate_per_minute",
        body.rate_per_minute,
        DEFAULT_RATE_PER_MINUTE,
        MAX_RATE_PER_MINUTE,
    );
    let burst = in_range(&mut v, "burst", body.burst, DEFAULT_BURST, MAX_BURST);
    if body.expires_at.is_some_and(|e| e <= now) {
        v.add("expires_at", "must be in the future");
    }
    v.finish()?;
    let secret = keys::new_secret();
    let new = NewApiKey {
        name: body.name.trim().to_owned(),
        prefix: secret.prefix,
        secret_hash: secret.hash,
        rate_per_minute: rate,
        burst,
        expires_at: body.expires_at,
        created_by: Some(admin.0.id),
    };
    let row = api_key::insert(&mut *state.conn().await?, &new).await?;
    tracing::info!(key = %row.id, admin = %admin.0.id, "API key created");
    Ok(created(
        format!("/api/v1/api-keys/{}", row.id),
        &CreatedApiKey {
            secret: secret.secret,
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
    let id = key_id(&id)?;
    services::commit(&state, async |conn| {
        api_key::revoke(conn, id, Utc::now())
            .await?
            .or_not_found("API key", id)?;
        Ok(((), Change::ApiKey(id)))
    })
    .await?;
    tracing::info!(key = %id, admin = %admin.0.id, "API key revoked");
    Ok(no_content())
}
