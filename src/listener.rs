//! Change events across instances. Every write publishes what it made stale (an
//! `Invalidation`) with PostgreSQL `NOTIFY` inside its own transaction, so it is delivered on
//! commit and never for a rolled-back write. Every instance keeps one connection that
//! `LISTEN`s and applies what the others publish to its caches.
//!
//! While that connection is down an instance cannot know what it missed: it drops its caches
//! and serves uncached (the response cache neither stores nor serves fresh) until it has
//! subscribed again, then drops them once more and loads the clock's pending instants.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::poll_fn;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};
use tokio_postgres::AsyncMessage;

use crate::cache::Invalidation;
use crate::cache::schedule::Tick;
use crate::db::PoolSettings;
use crate::replication::Lsn;
use crate::state::AppState;

/// The channel every instance listens on.
pub const CHANNEL: &str = "newsdesk_changes";
/// How the listening connection shows in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "newsdesk-listener";
/// PostgreSQL refuses payloads of 8000 bytes or more; larger invalidations drop everything.
const MAX_PAYLOAD: usize = 7900;
/// How often the listening connection is checked (a silent partition breaks it within this
/// and the connection's own timeouts).
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Generous: a database saturated by load answers slowly, which is not a lost connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const RETRY_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Serialize, Deserialize)]
struct Message {
    /// The instance that wrote (it applied the change itself).
    from: String,
    /// Drop everything (an invalidation too large to send, or a command-line tool's write).
    #[serde(default)]
    all: bool,
    #[serde(default)]
    inv: Invalidation,
}

/// Publishes `inv` to every instance when the caller's transaction commits.
pub async fn notify(
    conn: &mut AsyncPgConnection,
    from: &str,
    inv: &Invalidation,
) -> diesel::QueryResult<()> {
    let mut msg = Message {
        from: from.to_owned(),
        all: false,
        inv: inv.clone(),
    };
    let mut payload = serde_json::to_string(&msg).unwrap_or_default();
    if payload.is_empty() || payload.len() > MAX_PAYLOAD {
        msg.all = true;
        msg.inv = Invalidation::default();
        payload = serde_json::to_string(&msg).unwrap_or_default();
    }
    send(conn, &payload).await
}

/// Tells every instance to drop everything, and the edge too (writes made outside the services:
/// the command line's reindex and seed).
pub async fn notify_all(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    notify_instances(conn).await?;
    crate::edge::queue_everything(conn).await
}

/// Tells every instance to drop everything (their caches, and their search postings are
/// rebuilt); the edge is not told.
pub async fn notify_instances(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    let msg = Message {
        from: "cli".into(),
        all: true,
        inv: Invalidation::default(),
    };
    send(conn, &serde_json::to_string(&msg).unwrap_or_default()).await
}

async fn send(conn: &mut AsyncPgConnection, payload: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(payload)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Listens until `stop`, re-subscribing whenever the connection is lost.
pub async fn run(state: web::Data<AppState>, settings: PoolSettings, stop: Arc<Notify>) {
    let stopped = stop.notified();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => break,
            () = subscribe_and_apply(&state, &settings) => {}
        }
        // Lost: nothing cached can be trusted until subscribed again.
        state.caches.responses.set_live(false);
        state.caches.forget_all();
        tokio::select! {
            () = &mut stopped => break,
            () = tokio::time::sleep(RETRY_EVERY) => {}
        }
    }
}

/// One subscription: returns when the connection is lost.
async fn subscribe_and_apply(state: &AppState, settings: &PoolSettings) {
    let mut pg = match settings.pg_config(&state.config.database_url) {
        Ok(pg) => pg,
        Err(e) => {
            tracing::error!(error = %e, "change listener: bad database URL");
            return;
        }
    };
    pg.application_name(APPLICATION_NAME);
    let (client, mut connection) = match pg.connect(tokio_postgres::NoTls).await {
        Ok(pair) => pair,
        Err(e) => {
            tracing::debug!(error = %e, "change listener: cannot connect");
            return;
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    let subscribed = async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        Ok::<_, tokio_postgres::Error>(())
    };
    if tokio::time::timeout(PROBE_TIMEOUT, subscribed)
        .await
        .map_or(true, |r| r.is_err())
    {
        driver.abort();
        return;
    }
    // Subscribed: from here on nothing is missed. What was cached before may be stale.
    state.caches.forget_all();
    if let Err(e) = load_schedule(state).await {
        tracing::warn!(error = %e, "change listener: cannot load the clock's pending instants");
        driver.abort();
        return;
    }
    state.caches.responses.set_live(true);
    tracing::info!("change listener subscribed");
    let mut probe = tokio::time::interval(PROBE_EVERY);
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // With replicas: the primary's position at the previous probe.
    let mut probed: Option<Lsn> = None;
    loop {
        tokio::select! {
            payload = rx.recv() => match payload {
                Some(p) => {
                    if !apply_batch(state, &client, queued(&mut rx, vec![p])).await {
                        break;
                    }
                }
                None => break,
            },
            _ = probe.tick() => {
                let Some(replicas) = &state.replicas else {
                    let alive = tokio::time::timeout(PROBE_TIMEOUT, client.simple_query("SELECT 1")).await;
                    if !matches!(alive, Ok(Ok(_))) {
                        break;
                    }
                    continue;
                };
                let generation = replicas.unknown_generation();
                let Some(at) = position(&client).await else {
                    break;
                };
                replicas.settle_floor(at, generation);
                // Every write committed by the previous probe has been delivered by now (before
                // this probe's answer): apply what is queued, then the caches cover it.
                let batch = queued(&mut rx, Vec::new());
                if !batch.is_empty() && !apply_batch(state, &client, batch).await {
                    break;
                }
                if let Some(previous) = probed.replace(at) {
                    replicas.mark_seen(previous);
                }
            }
        }
    }
    tracing::warn!("change listener lost its connection; serving uncached until subscribed again");
    driver.abort();
}

/// The primary's current position, read on the listening connection.
async fn position(client: &tokio_postgres::Client) -> Option<Lsn> {
    let read = client.simple_query("SELECT pg_current_wal_lsn()::text");
    let messages = tokio::time::timeout(PROBE_TIMEOUT, read).await.ok()?.ok()?;
    messages.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0)?.parse().ok(),
        _ => None,
    })
}

/// Applies delivered events. With replicas, the read floor is first raised to the primary's
/// position (after all of them), so nothing refilled afterwards is older than they are. False
/// when the connection failed.
async fn apply_batch(
    state: &AppState,
    client: &tokio_postgres::Client,
    batch: Vec<String>,
) -> bool {
    let mut connected = true;
    if let Some(replicas) = &state.replicas {
        let generation = replicas.unknown_generation();
        match position(client).await {
            Some(at) => {
                replicas.raise_floor(at);
                replicas.settle_floor(at, generation);
            }
            None => {
                replicas.floor_unknown();
                connected = false;
            }
        }
    }
    for payload in &batch {
        apply(state, payload);
    }
    connected
}

/// `batch` with every event already delivered and waiting in `rx`.
fn queued(rx: &mut mpsc::UnboundedReceiver<String>, mut batch: Vec<String>) -> Vec<String> {
    while let Ok(more) = rx.try_recv() {
        batch.push(more);
    }
    batch
}

fn apply(state: &AppState, payload: &str) {
    let Ok(msg) = serde_json::from_str::<Message>(payload) else {
        tracing::warn!("change listener: unreadable event; dropping every cache");
        state.caches.forget_all();
        return;
    };
    if msg.from == state.caches.instance {
        return;
    }
    if msg.all {
        state.caches.forget_all();
    } else {
        state.caches.invalidate(&msg.inv);
    }
}

async fn load_schedule(state: &AppState) -> Result<(), crate::error::ApiError> {
    let mut conn = state.pool.get().await?;
    let pending = crate::models::sync::pending_ticks(&mut conn, chrono::Utc::now()).await?;
    let ticks = pending
        .into_iter()
        .map(|(article, channel, at)| Tick {
            at,
            article,
            channel,
        })
        .collect();
    state.caches.responses.schedule.replace(ticks);
    Ok(())
}
