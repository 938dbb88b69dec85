//! Registering, listing, reading, changing and deleting webhook endpoints (admins only).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::dto::{CreateWebhook, CreatedWebhook, ListWebhooksQuery, UpdateWebhook, WebhookDto};
use super::webhook_id;
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, if_match, no_content};
use crate::auth::Admin;
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::webhook::{self};
use crate::services::endpoints;
use crate::services::version::version_etag;
use crate::state::AppState;

/// An endpoint as staff see it: never cached, its version as the ETag.
fn staff_webhook(status: StatusCode, dto: &WebhookDto) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::ETAG, version_etag(dto.version)))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"))
        .json(dto)
}

/// Register an endpoint for change events. The response holds the signing secret, shown this
/// once.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "webhooks",
    request_body = CreateWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it; `secret` is shown only here",
         body = CreatedWebhook,
         headers(("Location" = String, description = "URL of the new endpoint"))),
        crate::error::responses::StaffQuery,
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[post("/webhooks")]
pub async fn create_webhook(
    admin: Admin,
    state: web::Data<AppState>,
    body: ApiJson<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let (row, secret) = endpoints::create(&state, admin.0.actor(), body.0).await?;
    Ok(respond::created(
        format!("/api/v1/webhooks/{}", row.id),
        &CreatedWebhook {
            secret,
            webhook: row.into(),
        },
    ))
}

/// Webhook endpoints, newest first, paginated. Never their secrets.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    params(ListWebhooksQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of endpoints; `Link` has next/prev",
         body = respond::ListResponse<WebhookDto>),
        crate::error::responses::StaffQuery,
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    _admin: Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: ApiQuery<ListWebhooksQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let paged = webhook::list(&mut *state.conn().await?, &page).await?;
    Ok(respond::list(
        &req,
        Audience::Staff,
        paged.map(WebhookDto::from),
    ))
}

/// One webhook endpoint (without its secret).
#[utoipa::path(
    operation_id = "get_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint; `ETag` carries its version", body = WebhookDto,
         headers(("ETag" = String, description = "Version validator"))),
        crate::error::responses::StaffAction,
    ),
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let row = webhook::find(&mut *state.conn().await?, id)
        .await?
        .or_not_found("webhook", id)?;
    Ok(staff_webhook(StatusCode::OK, &row.into()))
}

/// Change an endpoint; only the fields sent change. Send `If-Match` with the ETag to refuse
/// (412) when someone else changed it meanwhile. A new `secret` is used from the next attempt.
#[utoipa::path(
    operation_id = "update_webhook",
    tag = "webhooks",
    request_body = UpdateWebhook,
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version this change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = WebhookDto,
         headers(("ETag" = String, description = "Validator of the new version"))),
        (status = 400, response = crate::error::responses::BadRequest),
        crate::error::responses::StaffAction,
        (status = 412, description = "The endpoint changed since the given ETag", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 413, response = crate::error::responses::PayloadTooLarge),
        (status = 422, response = crate::error::responses::Unprocessable),
    ),
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let if_match = if_match(&req);
    let row = endpoints::update(&state, admin.0.actor(), id, if_match.as_deref(), body.0).await?;
    Ok(staff_webhook(StatusCode::OK, &row.into()))
}

/// Delete an endpoint with its delivery log; queued deliveries are dropped.
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::error::responses::StaffAction,
    ),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    endpoints::delete(&state, admin.0.actor(), webhook_id(&id)?).await?;
    Ok(no_content())
}
