//! `/webhooks`: signed webhook endpoints and their delivery logs (admins only).

mod deliveries;
mod dto;
mod handlers;

pub use dto::*;

use crate::error::ApiError;
use crate::models::Key;
use crate::models::ids::{DeliveryId, WebhookId};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_webhooks)
        .service(handlers::create_webhook)
        .service(handlers::get_webhook)
        .service(handlers::update_webhook)
        .service(handlers::delete_webhook)
        .service(deliveries::list_deliveries)
        .service(deliveries::get_delivery)
        .service(deliveries::redeliver)
        .service(deliveries::ping_webhook);
}

/// A path id: digits only, anything else names no endpoint.
fn webhook_id(raw: &str) -> Result<WebhookId, ApiError> {
    match Key::parse(raw) {
        Key::Id(id) => Ok(WebhookId(id)),
        Key::Slug(_) => Err(ApiError::NotFound(format!("webhook `{raw}`"))),
    }
}

fn delivery_id(raw: &str) -> Result<DeliveryId, ApiError> {
    match Key::parse(raw) {
        Key::Id(id) => Ok(DeliveryId(id)),
        Key::Slug(_) => Err(ApiError::NotFound(format!("delivery `{raw}`"))),
    }
}
