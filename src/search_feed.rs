//! Builds and feeds the in-memory search postings (`cache::postings`): a build from the
//! database whenever the change listener (re)subscribes, then the articles each change event
//! names, read again and committed in batches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use tokio::sync::Notify;

use crate::models::ids::ArticleId;
use crate::models::search_index::postings::{self as rows, PostingsRow};
use crate::search::postings::{Postings, PostingsDoc, vector_lexemes};
use crate::state::AppState;

/// Articles read from the database per batch while building.
const BUILD_BATCH: i64 = 2_000;
/// Indexing memory of a build (tantivy splits it between its threads).
const MEMORY_BUDGET: usize = 64 * 1024 * 1024;
/// Wait after a failed build or update before trying again.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Builds and feeds the index until `stop`; waits while the change listener is not subscribed
/// (its subscription asks for a build).
pub async fn run(state: web::Data<AppState>, stop: Arc<Notify>) {
    let postings = &state.caches.postings;
    if !postings.is_enabled() {
        return;
    }
    let stopped = stop.notified();
    tokio::pin!(stopped);
    let mut built = 0;
    loop {
        let wanted = postings.wanted();
        let live = state.caches.responses.is_live();
        let work = async {
            if !live {
                return Ok(false);
            }
            if built != wanted || !postings.is_ready() {
                build(&state, wanted).await?;
                built = wanted;
                return Ok(true);
            }
            update(&state).await
        };
        let outcome: Result<bool, String> = tokio::select! {
            () = &mut stopped => return,
            r = work => r,
        };
        let pause = match outcome {
            Ok(true) => continue,
            Ok(false) => None,
            Err(e) => {
                tracing::warn!(error = %e, "search postings: will try again");
                Some(RETRY_EVERY)
            }
        };
        let woken = postings.woken();
        tokio::select! {
            () = &mut stopped => return,
            () = woken => {}
            () = tokio::time::sleep(pause.unwrap_or(RETRY_EVERY)) => {}
        }
    }
}

fn doc_of(row: PostingsRow) -> Option<PostingsDoc> {
    Some(PostingsDoc {
        id: row.id.0,
        published: row.published_at?,
        offline: row.offline_at,
        category: row.category_id.0,
        lexemes: vector_lexemes(&row.vector)?,
    })
}

/// Blocking index work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> tantivy::Result<T> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// A new index of every indexable article, swapped in when complete (and dropped if another
/// build was asked for meanwhile: it may lack what that one was asked for).
async fn build(state: &AppState, wanted: u64) -> Result<(), String> {
    let postings = &state.caches.postings;
    let started = Instant::now();
    // Changes up to here are in what is read below.
    let covered = postings.covered();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let index = Arc::new(blocking(move || Postings::new(threads, MEMORY_BUDGET)).await?);
    let mut conn = state.pool.get().await.map_err(|e| e.to_string())?;
    let mut after = ArticleId(0);
    // Each batch is parsed and indexed while the next one is read.
    let mut previous: Option<tokio::task::JoinHandle<tantivy::Result<()>>> = None;
    loop {
        let batch = rows::batch(&mut conn, after, BUILD_BATCH)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(task) = previous.take() {
            task.await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        }
        let Some(last) = batch.last() else {
            break;
        };
        after = last.id;
        let index = index.clone();
        previous = Some(tokio::task::spawn_blocking(move || {
            let docs: Vec<PostingsDoc> = batch.into_iter().filter_map(doc_of).collect();
            index.put(&docs)
        }));
    }
    drop(conn);
    let done = index.clone();
    blocking(move || done.commit()).await?;
    let n = index.len();
    if postings.install(index, wanted, covered, started.elapsed()) {
        tracing::info!(
            articles = n,
            ms = started.elapsed().as_millis() as u64,
            "search postings built"
        );
    }
    Ok(())
}

/// Applies the dirty articles; false when there were none.
async fn update(state: &AppState) -> Result<bool, String> {
    let postings = &state.caches.postings;
    let Some((index, taken)) = postings.take_dirty() else {
        return Ok(false);
    };
    let ids: Vec<ArticleId> = taken.keys().copied().collect();
    let mut conn = state.pool.get().await.map_err(|e| e.to_string())?;
    let found = rows::of(&mut conn, &ids).await.map_err(|e| e.to_string())?;
    drop(conn);
    let docs: Vec<PostingsDoc> = found.into_iter().filter_map(doc_of).collect();
    let kept: std::collections::HashSet<i64> = docs.iter().map(|d| d.id).collect();
    let gone: Vec<i64> = ids
        .iter()
        .map(|id| id.0)
        .filter(|id| !kept.contains(id))
        .collect();
    blocking(move || {
        index.remove(&gone);
        index.put(&docs)?;
        index.commit()
    })
    .await?;
    postings.settle(&taken);
    Ok(true)
}
