//! The purge worker: on every instance, claims due purges (each is sent by one instance), sends
//! them merged, one request per target (and per `targets::KEYS_PER_REQUEST` keys), and retries
//! with backoff. A purge older than `EDGE_PURGE_MAX_DELAY_SECS` when it is claimed is sent as a
//! purge of everything instead (the keys it stood for are covered, and whatever else may have
//! gone stale while the edge could not be reached).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;

use super::{Edge, targets};
use crate::db::DbPool;
use crate::models::edge_purge;

/// Purges claimed per round (their keys merged).
const BATCH: i64 = 1000;
/// How long a claim holds (an instance that dies mid-round leaves it to the others after this).
const LEASE: Duration = Duration::from_secs(30);
const TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .user_agent(concat!("newsdesk-purge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the purge HTTP client: {e}"))
}

/// Runs until `stop`. A round as soon as a write of this instance queued purges (`wake`) or
/// every `EDGE_PURGE_POLL_MS` (purges queued by other instances, re-purges), but never two
/// rounds within `EDGE_PURGE_POLL_MS`: purges queued meanwhile are merged into the next one
/// (100 edits in a second make at most 10 purge requests per target, not 100). After a failure,
/// rounds back off exponentially (up to 10 s).
pub async fn run(edge: Arc<Edge>, pool: DbPool, stop: Arc<Notify>) {
    let client = match client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "edge purges disabled");
            return;
        }
    };
    let mut failures: u32 = 0;
    let stopped = stop.notified();
    tokio::pin!(stopped);
    loop {
        let backoff = if failures == 0 {
            edge.poll
        } else {
            (edge.poll * 2u32.saturating_pow(failures.min(16))).min(MAX_BACKOFF)
        };
        tokio::select! {
            () = &mut stopped => return,
            () = tokio::time::sleep(backoff) => {}
            () = edge.wake.notified(), if failures == 0 => {}
        }
        match round(&edge, &pool, &client, backoff).await {
            Ok(_) => failures = 0,
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, failures, "edge purge failed; will retry");
            }
        }
        // The spacing that merges what is queued meanwhile into one round.
        tokio::select! {
            () = &mut stopped => return,
            () = tokio::time::sleep(edge.poll) => {}
        }
    }
}

/// One round: the number of purges sent.
async fn round(
    edge: &Edge,
    pool: &DbPool,
    client: &reqwest::Client,
    backoff: Duration,
) -> Result<usize, String> {
    let claimed = {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        edge_purge::claim(&mut conn, BATCH, LEASE)
            .await
            .map_err(|e| e.to_string())?
    };
    if claimed.ids.is_empty() {
        return Ok(0);
    }
    let started = Utc::now();
    let late = claimed
        .oldest
        .and_then(|t| (started - t).to_std().ok())
        .is_some_and(|age| age > edge.max_delay);
    let everything = claimed.everything || late;
    tracing::debug!(purges = claimed.ids.len(), keys = ?claimed.keys, everything, "edge purge");
    let sent = send_all(edge, client, &claimed.keys, everything).await;
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    match sent {
        Ok(()) => {
            if everything {
                edge.stats.full.fetch_add(1, Ordering::Relaxed);
                edge_purge::settled_by_full_purge(&mut conn, started)
                    .await
                    .map_err(|e| e.to_string())?;
                if late {
                    tracing::warn!("edge purge overdue: purged everything instead");
                }
            }
            edge_purge::sent(&mut conn, &claimed.ids)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(oldest) = claimed.oldest {
                let delay = (Utc::now() - oldest).num_milliseconds().max(0);
                edge.stats
                    .last_delay_ms
                    .store(u64::try_from(delay).unwrap_or(0), Ordering::Relaxed);
            }
            Ok(claimed.ids.len())
        }
        Err(e) => {
            edge_purge::retry(&mut conn, &claimed.ids, backoff * 2)
                .await
                .map_err(|e| e.to_string())?;
            Err(e)
        }
    }
}

/// Sends to every target; the first failure ends it (the whole round is retried: purges are
/// idempotent).
async fn send_all(
    edge: &Edge,
    client: &reqwest::Client,
    keys: &[String],
    everything: bool,
) -> Result<(), String> {
    for (kind, url) in &edge.targets {
        let chunks: Vec<&[String]> = if everything {
            vec![&[]]
        } else {
            keys.chunks(targets::KEYS_PER_REQUEST).collect()
        };
        for chunk in chunks {
            match targets::send(client, *kind, url, &edge.token, chunk, everything).await {
                Ok(()) => {
                    edge.stats.requests.fetch_add(1, Ordering::Relaxed);
                    edge.stats
                        .keys
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    edge.stats.failures.fetch_add(1, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}
