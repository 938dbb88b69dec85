//! The write path for webhook endpoints (admins only): register, change, delete. The URL is
//! checked against where its host points (no private addresses unless allowed).

use serde::Deserialize;
use utoipa::ToSchema;

use super::commit;
use super::version::check_if_match;
use crate::auth::Actor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::fields::double_option;
use crate::models::ids::WebhookId;
use crate::models::user::Role;
use crate::models::webhook::{self, NewWebhook, Webhook, WebhookChanges};
use crate::state::AppState;
use crate::validate::Violations;
use crate::webhooks::{EventKind, guard, sign};

/// Most event names (or patterns) an endpoint lists.
const MAX_EVENTS: usize = 20;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// An http(s) URL without credentials, at most 2048 characters. Unless the server allows
    /// it, its host must not be (or resolve to) a loopback, private or link-local address.
    #[schema(example = "https://hooks.example.com/newsdesk", max_length = 2048)]
    pub url: String,
    /// 1–20 event names: `article.published`, `article.updated`, `article.unpublished`,
    /// `article.deleted`, `category.created`, `category.updated`, `category.deleted`,
    /// `site.updated`, `ranking.updated`; `article.*` and `category.*` stand for their group.
    #[schema(example = json!(["article.*", "category.*"]), min_items = 1, max_items = 20,
             value_type = Vec<crate::content::webhooks::WebhookEventFilter>)]
    pub events: Vec<String>,
    /// The signing secret, 16–256 printable ASCII characters; generated (`whsec_…`) when absent.
    #[schema(min_length = 16, max_length = 256)]
    pub secret: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
    /// A note for people, at most 500 characters.
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

crate::named_enum! {
    /// The fields of `UpdateWebhook` that `clear` may name.
    WebhookClear {
        Description => "description",
    }
}

/// Only the fields present change; `clear` (or `null` in a merge patch) clears `description`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    /// As in creation.
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// As in creation; replaces the list.
    #[schema(min_items = 1, max_items = 20,
             value_type = Option<Vec<crate::content::webhooks::WebhookEventFilter>>)]
    pub events: Option<Vec<String>>,
    /// A new signing secret (16–256 printable ASCII characters); it is not echoed back.
    #[schema(min_length = 16, max_length = 256)]
    pub secret: Option<String>,
    pub active: Option<bool>,
    /// At most 500 characters; `clear` (or `null` in a merge patch) clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 500)]
    pub description: Option<Option<String>>,
    /// Fields to clear, by name, for clients that cannot send `null` (a field named here must
    /// not also be set). With `application/json` a `null` member leaves a field unchanged;
    /// with `application/merge-patch+json` it clears it.
    #[serde(default)]
    pub clear: Option<Vec<WebhookClear>>,
}

/// Registers an endpoint; returns it with its signing secret (generated when not given).
pub async fn create(
    state: &AppState,
    actor: Actor,
    body: CreateWebhook,
) -> Result<(Webhook, String), ApiError> {
    actor.require(Role::Admin)?;
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
        created_by: Some(actor.id),
    };
    let row = commit(state, async |conn| {
        let row = webhook::insert(conn, &new).await?;
        let change = Change::Webhook(row.id);
        Ok((row, change))
    })
    .await?;
    tracing::info!(webhook = %row.id, admin = %actor.id, "webhook created");
    Ok((row, secret))
}

/// Changes the fields `body` names; refused (412) unless `if_match` (when sent) names the
/// current version.
pub async fn update(
    state: &AppState,
    actor: Actor,
    id: WebhookId,
    if_match: Option<&str>,
    body: UpdateWebhook,
) -> Result<Webhook, ApiError> {
    actor.require(Role::Admin)?;
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
    commit(state, async |conn| {
        let current = webhook::find_for_update(conn, id)
            .await?
            .or_not_found("webhook", id)?;
        check_if_match(if_match, current.version)?;
        let row = webhook::update(conn, id, &changes).await?;
        Ok((row, Change::Webhook(id)))
    })
    .await
}

/// Deletes an endpoint with its delivery log; queued deliveries are dropped.
pub async fn delete(state: &AppState, actor: Actor, id: WebhookId) -> Result<(), ApiError> {
    actor.require(Role::Admin)?;
    commit(state, async |conn| {
        if webhook::delete(conn, id).await? == 0 {
            return Err(ApiError::NotFound(format!("webhook `{id}`")));
        }
        Ok(((), Change::Webhook(id)))
    })
    .await?;
    tracing::info!(webhook = %id, admin = %actor.id, "webhook deleted");
    Ok(())
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
