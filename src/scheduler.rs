//! The scheduler: articles whose `published_at` came or whose `offline_at` passed change
//! visibility without a write; it stamps them for the change feed and announces them to
//! webhooks (`article.published`, `article.unpublished`) in the same transaction.

use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use diesel_async::AsyncConnection;

use crate::content::change::Change;
use crate::db::budget::Bounded;
use crate::error::ApiError;
use crate::models::category;
use crate::models::sync::{self, Transition};
use crate::state::AppState;
use crate::webhooks::{self, EventKind};

/// Most batches one run handles before yielding to the next tick.
const MAX_BATCHES: usize = 20;

/// Stamps every article whose visibility the clock changed, in batches; returns them.
pub async fn run_due(state: &AppState) -> Result<Vec<Transition>, ApiError> {
    let mut all = Vec::new();
    let mut conn = state.conn().await?;
    for _ in 0..MAX_BATCHES {
        let done = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let done = sync::apply_due(conn, Utc::now()).await?;
                if done.is_empty() {
                    return Ok(done);
                }
                // Loaded here, not from the shared cache: an idle scheduler must not keep a
                // tree cached that writes outside the API (seeding) would leave stale.
                let tree = category::load_tree(conn).await?;
                for t in &done {
                    let kind = if t.visible {
                        EventKind::ArticlePublished
                    } else {
                        EventKind::ArticleUnpublished
                    };
                    webhooks::announce_article_in(conn, &tree, kind, t.id).await?;
                }
                Ok(done)
            })
            .await?;
        if done.is_empty() {
            break;
        }
        all.extend(done);
    }
    if !all.is_empty() {
        state.changed(Change::Articles(all.iter().map(|t| t.id).collect()));
        tracing::info!(
            published = all.iter().filter(|t| t.visible).count(),
            taken_down = all.iter().filter(|t| !t.visible).count(),
            "scheduler: visibility changed by the clock"
        );
    }
    Ok(all)
}

/// Runs [`run_due`] every `interval` until the runtime stops.
pub async fn run(state: web::Data<AppState>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let budget = state.config.request_budget();
        match crate::db::budget::within(budget, run_due(&state)).await {
            Bounded::Done { output: Ok(_), .. } => {}
            Bounded::Done { output: Err(e), .. } => {
                tracing::warn!(error = %e, "scheduler run failed; will retry");
            }
            Bounded::Stuck => tracing::warn!("scheduler run overran its database budget"),
        }
    }
}
