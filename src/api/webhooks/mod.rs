//! `/webhooks`: signed webhook endpoints and their delivery logs (admins only).

mod deliveries;
mod dto;
mod handlers;

pub use dto::*;

use crate::error::ApiError;
use crate::models::Key;
use crate::models::ids::{DeliveryId, WebhookId};
use crate::validate::Violations;
use crate::webhooks::{EventKind, guard};

/// Most event names (or patterns) an endpoint lists.
const MAX_EVENTS: usize = 20;

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

/// The stored event list: names and `group.*` patterns expanded, in the canonical order.
fn checked_events(v: &mut Violations, events: &[String]) -> Vec<Option<String>> {
    if events.is_empty() {
        v.add("events", "must name at least one event");
    } else if events.len() > MAX_EVENTS {
        v.add("events", format!("must have at most {MAX_EVENTS} items"));
    }
    let mut wanted = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let kinds = EventKind::matching(e);
        if kinds.is_empty() {
            v.add(
                &format!("events[{i}]"),
                "must be an event name (e.g. `article.published`) or `article.*`, `category.*`",
            );
        }
        wanted.extend(kinds);
    }
    EventKind::SUBSCRIBABLE
        .iter()
        .filter(|k| wanted.contains(k))
        .map(|k| Some(k.name().to_owned()))
        .collect()
}

/// The URL as stored (as sent, trimmed), or a violation of `url` (form, credentials, where its host points).
async fn checked_url(v: &mut Violations, raw: &str, allow_private: bool) -> String {
    if raw.chars().any(char::is_control) {
        v.add("url", "must not contain control characters");
        return String::new();
    }
    let raw = raw.trim();
    match guard::check(raw, allow_private).await {
        Ok(_) => raw.to_owned(),
        Err(message) => {
            v.add("url", message);
            String::new()
        }
    }
}
