//! Webhook request and response bodies. The secret appears in one response only: the creation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::models::ids::{DeliveryId, UserId, WebhookId};
use crate::models::webhook::Webhook;
use crate::models::webhook_delivery::{Delivery, DeliveryStatus};

/// An endpoint that is sent signed JSON when content changes (see the README, Webhooks). The
/// signing secret is shown only in the response that created the endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: WebhookId,
    /// Where deliveries are POSTed; redirects are not followed.
    #[schema(example = "https://hooks.example.com/newsdesk")]
    pub url: String,
    /// The events it receives.
    #[schema(example = json!(["article.published", "article.updated"]),
             value_type = Vec<crate::content::webhooks::WebhookEvent>)]
    pub events: Vec<String>,
    /// Inactive endpoints receive nothing (their queued deliveries fail).
    pub active: bool,
    /// A note for people, at most 500 characters.
    pub description: Option<String>,
    /// The admin who created it; `null` when that account no longer exists.
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; `ETag: "v<version>"` for `If-Match`.
    pub version: i32,
}

impl From<Webhook> for WebhookDto {
    fn from(w: Webhook) -> Self {
        Self {
            events: w.event_names(),
            id: w.id,
            url: w.url,
            active: w.active,
            description: w.description,
            created_by: w.created_by,
            created_at: w.created_at,
            updated_at: w.updated_at,
            version: w.version,
        }
    }
}

/// An endpoint just created, with its signing secret: the only response that contains it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    /// The key of the `Newsdesk-Signature` HMAC. Shown this once: keep it now.
    #[schema(example = "whsec_Q2hpbmE5bXlzZWNyZXRrZXlpc2xvbmdlbm91Z2h0b28")]
    pub secret: String,
    #[serde(flatten)]
    pub webhook: WebhookDto,
}

/// One event sent (or to be sent) to one endpoint, with the result of its latest attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Also sent as `Newsdesk-Delivery` and as the payload's `id`.
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    /// The event name, also sent as `Newsdesk-Event`.
    #[schema(value_type = crate::content::webhooks::WebhookEvent)]
    pub event: String,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due; `null` once the delivery succeeded or failed.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When retries stop: a delivery is retried for `WEBHOOK_MAX_AGE_SECS` (a day).
    pub give_up_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the latest answer; `null` when there was none (timeout, refused).
    pub last_status_code: Option<i32>,
    /// What went wrong in the latest attempt; `null` after a success.
    pub last_error: Option<String>,
    /// The first KiB of the latest response body.
    pub last_response: Option<String>,
    /// How long the latest attempt took, in milliseconds.
    pub last_duration_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// When the endpoint answered 2xx.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The JSON body sent.
    #[schema(value_type = crate::content::webhooks::WebhookPayload)]
    pub payload: serde_json::Value,
}

impl DeliveryDto {
    pub fn of(d: Delivery, max_age: chrono::Duration) -> Self {
        let open = matches!(
            d.status,
            DeliveryStatus::Pending | DeliveryStatus::Delivering
        );
        Self {
            id: d.id,
            webhook_id: d.webhook_id,
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: open.then_some(d.next_attempt_at),
            give_up_at: d.give_up_at.unwrap_or(d.created_at + max_age),
            last_attempt_at: d.last_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            last_response: d.last_response,
            last_duration_ms: d.last_duration_ms,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
            payload: d.payload,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListWebhooksQuery {
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListDeliveriesQuery {
    /// Only deliveries in this state.
    pub status: Option<DeliveryStatus>,
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}

pub use crate::services::endpoints::{CreateWebhook, UpdateWebhook};
