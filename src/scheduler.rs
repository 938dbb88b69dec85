//! The scheduler: runs the clock's write (`services::clock::run_due`) every tick, so articles
//! whose `published_at` came or whose `offline_at` passed change visibility without a write.

use std::time::Duration;

use actix_web::web;

use crate::db::budget::Bounded;
use crate::services::clock::run_due;
use crate::state::AppState;

/// Runs `run_due` every `interval` until the runtime stops.
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
