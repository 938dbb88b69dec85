//! The clock's write: articles whose `published_at` came or whose `offline_at` passed change
//! visibility without anyone writing them. Each batch is stamped for the change feed and emits
//! one change event (`ArticleEvent::Clock`), which announces the articles to webhooks
//! (`article.published`, `article.unpublished`) and to the caches.

use chrono::Utc;

use super::commit;
use crate::content::change::{ArticleChange, ArticleEvent, Change};
use crate::error::ApiError;
use crate::models::sync::{self, Transition};
use crate::state::AppState;

/// Most batches one run handles before yielding to the next tick.
const MAX_BATCHES: usize = 20;

/// Stamps every article whose visibility the clock changed, in batches; returns them. The
/// scheduler calls it every tick, and the change feed before it reads.
pub async fn run_due(state: &AppState) -> Result<Vec<Transition>, ApiError> {
    let mut all = Vec::new();
    for _ in 0..MAX_BATCHES {
        let done = commit(state, async |conn| {
            let done = sync::apply_due(conn, Utc::now()).await?;
            let change = Change::Articles(done.iter().map(clock_change).collect());
            Ok((done, change))
        })
        .await?;
        if done.is_empty() {
            break;
        }
        all.extend(done);
    }
    if !all.is_empty() {
        tracing::info!(
            published = all.iter().filter(|t| t.visible).count(),
            taken_down = all.iter().filter(|t| !t.visible).count(),
            "scheduler: visibility changed by the clock"
        );
    }
    Ok(all)
}

fn clock_change(t: &Transition) -> ArticleChange {
    ArticleChange::now(
        t.id,
        vec![t.category_id],
        ArticleEvent::Clock { visible: t.visible },
    )
}
