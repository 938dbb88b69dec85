//! Rebuilding stored vectors in batches (after a dictionary change, or for unindexed rows).

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::AsyncPgConnection;

use super::{self as search, IndexSource};
use crate::models::ids::ArticleId;
use crate::search::{Document, Indexed, Segmenter};

/// Segments a batch on every core.
fn index_batch(seg: &Segmenter, rows: &[(IndexSource, Vec<String>)]) -> Vec<(ArticleId, Indexed)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(a, tags)| {
                            let doc = Document {
                                title: &a.title,
                                kicker: a.kicker.as_deref(),
                                subtitle: a.subtitle.as_deref(),
                                tags,
                                summary: &a.summary,
                                body: &a.body_text,
                            };
                            (a.id, seg.index(&doc))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

#[derive(Debug, Clone, Copy)]
pub struct ReindexReport {
    pub articles: usize,
    pub elapsed: Duration,
}

/// Indexes every article (or only those never indexed, `missing_only`) in batches of `batch`,
/// each batch written in one statement. `progress` is told the total, then each batch's size.
pub async fn reindex(
    conn: &mut AsyncPgConnection,
    seg: &Arc<Segmenter>,
    missing_only: bool,
    batch: usize,
    progress: &mut (dyn FnMut(Option<u64>, u64) + Send),
) -> Result<ReindexReport, diesel::result::Error> {
    let started = Instant::now();
    let total = search::count_to_index(conn, missing_only).await?;
    progress(Some(total.max(0) as u64), 0);
    let mut after = ArticleId(0);
    let mut done = 0usize;
    loop {
        let rows = search::batch_to_index(conn, after, missing_only, batch.max(1) as i64).await?;
        let Some(last) = rows.last() else { break };
        after = last.0.id;
        let seg = seg.clone();
        let items = tokio::task::spawn_blocking(move || index_batch(&seg, &rows))
            .await
            .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
        search::store_many(conn, &items).await?;
        done += items.len();
        progress(None, items.len() as u64);
    }
    Ok(ReindexReport {
        articles: done,
        elapsed: started.elapsed(),
    })
}
