//! Webhook endpoints: where change events are sent, and the secret that signs them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::ids::{UserId, WebhookId};
use crate::db::pagination::{PageRequest, Paged};
use crate::db::schema::webhooks;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: String,
    pub events: Vec<Option<String>>,
    pub secret: String,
    pub active: bool,
    pub description: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl Webhook {
    /// The event names the endpoint subscribes to.
    pub fn event_names(&self) -> Vec<String> {
        self.events.iter().flatten().cloned().collect()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<Option<String>>,
    pub secret: String,
    pub active: bool,
    pub description: Option<String>,
    pub created_by: Option<UserId>,
}

/// The fields of a PATCH; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<Vec<Option<String>>>,
    pub secret: Option<String>,
    pub active: Option<bool>,
    pub description: Option<Option<String>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewWebhook) -> QueryResult<Webhook> {
    diesel::insert_into(webhooks::table)
        .values(new)
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: WebhookId) -> QueryResult<Option<Webhook>> {
    webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    id: WebhookId,
) -> QueryResult<Option<Webhook>> {
    webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Several endpoints by id (the worker loads those of the deliveries it claimed).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[WebhookId]) -> QueryResult<Vec<Webhook>> {
    webhooks::table
        .filter(webhooks::id.eq_any(ids))
        .select(Webhook::as_select())
        .load(conn)
        .await
}

/// The active endpoints subscribed to `event`.
pub async fn subscribers(conn: &mut AsyncPgConnection, event: &str) -> QueryResult<Vec<WebhookId>> {
    webhooks::table
        .filter(webhooks::active.eq(true))
        .filter(webhooks::events.contains(vec![Some(event.to_owned())]))
        .order(webhooks::id.asc())
        .select(webhooks::id)
        .load(conn)
        .await
}

/// Applies a PATCH, bumping the version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: WebhookId,
    changes: &WebhookChanges,
) -> QueryResult<Webhook> {
    diesel::update(webhooks::table.find(id))
        .set((
            changes,
            webhooks::updated_at.eq(Utc::now()),
            webhooks::version.eq(webhooks::version + 1),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

/// Deletes an endpoint with its delivery log; the number of rows deleted (0 or 1).
pub async fn delete(conn: &mut AsyncPgConnection, id: WebhookId) -> QueryResult<usize> {
    diesel::delete(webhooks::table.find(id)).execute(conn).await
}

/// Endpoints newest first (by id), both pagination modes; the cursor key is the id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    req: &PageRequest<i64>,
) -> QueryResult<Paged<Webhook, i64>> {
    let q = webhooks::table
        .select(Webhook::as_select())
        .limit(req.limit())
        .into_boxed();
    let rows = crate::keyset!(q, req.seek(), desc webhooks::id, |k| WebhookId(*k))
        .load(conn)
        .await?;
    let total = match req.counts_total() {
        true => Some(webhooks::table.count().get_result(conn).await?),
        false => None,
    };
    Ok(Paged::from_rows(rows, req, total, |w: &Webhook| w.id.0))
}
