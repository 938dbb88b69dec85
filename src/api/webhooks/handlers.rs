//! Registering, listing, reading, changing and deleting webhook endpoints (admins only).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use diesel_async::AsyncConnection;

use super::dto::{CreateWebhook, CreatedWebhook, ListWebhooksQuery, UpdateWebhook, WebhookDto};
use super::{checked_events, checked_url, webhook_id};
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, no_content};
use crate::auth::Admin;
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::webhook::{self, NewWebhook, WebhookChanges};
use crate::services::version::{check_if_match, version_etag};
use crate::state::AppState;
use crate::validate::Violations;
use crate::webhooks::sign;

/// An endpoint as staff see it: never cached, its version as the ETag.
fn staff_webhook(status: StatusCode, dto: &WebhookDto) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::ETAG, version_etag(dto.version)))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"))
        .json(dto)
}

fn check_secret(v: &mut Violations, secret: &str) {
    let n = secret.len();
    if !(16..=256).contains(&n) || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        v.add("secret", "must be 16 to 256 printable ASCII characters");
    }
}

fn check_description(v: &mut Violations, description: Option<&str>) {
    if let Some(d) = description {
        v.length("description", d, 0, 500);
        if d.chars().any(|c| c == '\u{0}') {
            v.add("description", "must not contain NUL characters");
        }
    }
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
    let ApiJson(body) = body;
    let mut v = Violations::default();
    let events = checked_events(&mut v, &body.events);
    if let Some(secret) = &body.secret {
        check_secret(&mut v, secret);
    }
    check_description(&mut v, body.description.as_deref());
    let url = checked_url(&mut v, &body.url, state.config.webhook_allow_private).await;
    v.finish()?;
    let secret = body.secret.unwrap_or_else(sign::new_secret);
    let new = NewWebhook {
        url,
        events,
        secret: secret.clone(),
        active: body.active.unwrap_or(true),
        description: body.description.map(|d| d.trim().to_owned()),
        created_by: Some(admin.0.id),
    };
    let row = webhook::insert(&mut *state.conn().await?, &new).await?;
    tracing::info!(webhook = %row.id, admin = %admin.0.id, "webhook created");
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
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let id = webhook_id(&id)?;
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let mut v = Violations::default();
    let events = body.events.as_ref().map(|e| checked_events(&mut v, e));
    if let Some(secret) = &body.secret {
        check_secret(&mut v, secret);
    }
    check_description(&mut v, body.description.as_ref().and_then(|d| d.as_deref()));
    let url = match &body.url {
        Some(u) => Some(checked_url(&mut v, u, state.config.webhook_allow_private).await),
        None => None,
    };
    v.finish()?;
    let changes = WebhookChanges {
        url,
        events,
        secret: body.secret,
        active: body.active,
        description: body.description.map(|d| d.map(|d| d.trim().to_owned())),
    };
    let mut conn = state.conn().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = webhook::find_for_update(conn, id)
                .await?
                .or_not_found("webhook", id)?;
            check_if_match(if_match.as_deref(), current.version)?;
            Ok(webhook::update(conn, id, &changes).await?)
        })
        .await?;
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
    let id = webhook_id(&id)?;
    if webhook::delete(&mut *state.conn().await?, id).await? == 0 {
        return Err(ApiError::NotFound(format!("webhook `{id}`")));
    }
    tracing::info!(webhook = %id, admin = %admin.0.id, "webhook deleted");
    Ok(no_content())
}
