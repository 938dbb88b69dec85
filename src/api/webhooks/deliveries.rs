//! A webhook's delivery log: list, read, redeliver by hand, and the `ping` test event.

use crate::content::webhooks::Ping;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use diesel_async::AsyncConnection;

use super::dto::{DeliveryDto, ListDeliveriesQuery};
use super::{delivery_id, webhook_id};
use crate::api::query::ApiQuery;
use crate::api::respond::{self, Audience, staff_json};
use crate::db::pagination::PageRequest;
use crate::error::{ApiError, OrNotFound};
use crate::models::ids::WebhookId;
use crate::models::webhook;
use crate::models::webhook_delivery as delivery;
use crate::state::AppState;
use crate::webhooks::{self, Event, EventKind};

fn max_age(state: &AppState) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(state.config.webhook_max_age_secs).unwrap_or(86_400))
}

async fn existing(
    conn: &mut diesel_async::AsyncPgConnection,
    id: WebhookId,
) -> Result<(), ApiError> {
    webhook::find(conn, id)
        .await?
        .map(|_| ())
        .or_not_found("webhook", id)
}

/// A webhook's deliveries, newest first, paginated; `status` filters.
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ListDeliveriesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of deliveries; `Link` has next/prev",
         body = respond::ListResponse<DeliveryDto>),
        (status = 400, response = crate::error::responses::BadRequest),
        crate::error::responses::StaffAction,
    ),
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    _admin: crate::auth::Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: ApiQuery<ListDeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let page = PageRequest::from_params(query.page, query.per_page, query.cursor.as_deref())?;
    let mut conn = state.conn().await?;
    existing(&mut conn, id).await?;
    let paged = delivery::list(&mut conn, id, query.status, &page).await?;
    let age = max_age(&state);
    Ok(respond::list(
        &req,
        Audience::Staff,
        paged.map(|d| DeliveryDto::of(d, age)),
    ))
}

/// One delivery with its payload and the result of its latest attempt.
#[utoipa::path(
    operation_id = "get_webhook_delivery",
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The delivery", body = DeliveryDto),
        crate::error::responses::StaffAction,
    ),
)]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
pub async fn get_delivery(
    _admin: crate::auth::Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, did) = path.into_inner();
    let (id, did) = (webhook_id(&id)?, delivery_id(&did)?);
    let row = delivery::find(&mut *state.conn().await?, id, did)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("delivery `{did}` of webhook `{id}`")))?;
    Ok(staff_json(
        StatusCode::OK,
        &DeliveryDto::of(row, max_age(&state)),
    ))
}

/// Send a delivery again: it is queued now, with the same id and payload and a fresh retry
/// window, whatever its state.
#[utoipa::path(
    operation_id = "redeliver_webhook_delivery",
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "Webhook id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; the worker sends it shortly", body = DeliveryDto),
        crate::error::responses::StaffAction,
    ),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    _admin: crate::auth::Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, did) = path.into_inner();
    let (id, did) = (webhook_id(&id)?, delivery_id(&did)?);
    let age = max_age(&state);
    let row = delivery::redeliver(&mut *state.conn().await?, id, did, Utc::now() + age)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("delivery `{did}` of webhook `{id}`")))?;
    Ok(staff_json(StatusCode::ACCEPTED, &DeliveryDto::of(row, age)))
}

/// Queue a `ping` event to this endpoint (whatever it subscribes to), to test it.
#[utoipa::path(
    operation_id = "ping_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; its result shows in the delivery log", body = DeliveryDto),
        crate::error::responses::StaffAction,
    ),
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(
    _admin: crate::auth::Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let mut conn = state.conn().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            existing(conn, id).await?;
            let event = Event::new(EventKind::Ping, &Ping { webhook_id: id });
            webhooks::enqueue_to(conn, id, event).await
        })
        .await?;
    Ok(staff_json(
        StatusCode::ACCEPTED,
        &DeliveryDto::of(row, max_age(&state)),
    ))
}
