//! Signed webhooks: change events are queued in PostgreSQL inside the transaction of the change
//! (`enqueue`), and a background worker (`worker::run`) sends them, signed, with retries.
//!
//! Writes do not queue events themselves: they emit a change event (`content::change::Change`)
//! and `announce` turns it into webhook events inside the write's transaction.

mod announce;
mod event;
pub mod guard;
pub mod sign;
pub mod worker;

use diesel_async::AsyncPgConnection;

pub use announce::{announce, article_transition};
pub use event::{Event, EventKind};

use crate::error::ApiError;
use crate::models::ids::WebhookId;
use crate::models::webhook;
use crate::models::webhook_delivery::{self as delivery, Delivery, NewDelivery};

/// Queues one delivery of `event` per active webhook subscribed to it. Call it inside the
/// transaction of the change: the deliveries exist exactly when the change does.
pub async fn enqueue(conn: &mut AsyncPgConnection, event: Event) -> Result<(), ApiError> {
    let hooks = webhook::subscribers(conn, event.kind.name()).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let ids = delivery::next_ids(conn, hooks.len()).await?;
    let rows: Vec<NewDelivery> = hooks
        .into_iter()
        .zip(ids)
        .map(|(webhook_id, id)| NewDelivery {
            id,
            webhook_id,
            event: event.kind.name().to_owned(),
            payload: event.payload(id),
        })
        .collect();
    delivery::insert_many(conn, &rows).await?;
    Ok(())
}

/// Queues `event` for one webhook, subscribed or not (the `ping` test event).
pub async fn enqueue_to(
    conn: &mut AsyncPgConnection,
    webhook_id: WebhookId,
    event: Event,
) -> Result<Delivery, ApiError> {
    let Some(id) = delivery::next_ids(conn, 1).await?.pop() else {
        return Err(ApiError::internal("no delivery id"));
    };
    let row = NewDelivery {
        id,
        webhook_id,
        event: event.kind.name().to_owned(),
        payload: event.payload(id),
    };
    Ok(delivery::insert(conn, &row).await?)
}
