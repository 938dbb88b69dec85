//! `newsdesk search related`: computes the stored 相关新闻 choices of every article that has
//! none (articles from before migration 000010, or bulk imports), several at a time. Writes keep
//! them up to date afterwards; a read computes a missing one on demand.

use std::time::{Duration, Instant};

use clap::Args;

use super::{DbArgs, connect};
use crate::models::related_choices;
use crate::queries::related;
use crate::search::Ranking;

#[derive(Debug, Args)]
pub struct RelatedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Connections computing at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// As for `serve`: how fast recency halves a candidate's score.
    #[arg(long, env = "SEARCH_HALF_LIFE_DAYS", default_value_t = 60.0)]
    pub search_half_life_days: f64,
}

/// Computes the missing choices; how many articles, and how long it took.
pub async fn backfill(
    url: &str,
    half_life_days: f64,
    workers: usize,
) -> Result<(u64, Duration), String> {
    let started = Instant::now();
    let workers = workers.max(1);
    related::analyze(&mut connect(url).await?)
        .await
        .map_err(|e| e.to_string())?;
    let mut tasks = Vec::with_capacity(workers);
    for k in 0..workers {
        let mut conn = connect(url).await?;
        let ranking = Ranking { half_life_days };
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            loop {
                let batch = related::missing(&mut conn, workers as i64, k as i64, 200)
                    .await
                    .map_err(|e| e.to_string())?;
                if batch.is_empty() {
                    return Ok::<u64, String>(done);
                }
                for (id, category) in batch {
                    related_choices::compute(&mut conn, &ranking, id, category)
                        .await
                        .map_err(|e| e.to_string())?;
                    done += 1;
                }
            }
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.map_err(|e| e.to_string())??;
    }
    Ok((total, started.elapsed()))
}

pub async fn run(args: RelatedArgs) -> Result<(), String> {
    crate::db::run_migrations(&args.db.database_url).await?;
    let (n, took) = backfill(
        &args.db.database_url,
        args.search_half_life_days,
        args.workers,
    )
    .await?;
    let mut conn = connect(&args.db.database_url).await?;
    let vacuumed =
        crate::db::vacuum_analyze(&mut conn, &["related_choices", "related_computed"]).await?;
    println!(
        "VACUUM (ANALYZE) of related_choices, related_computed in {:.1} s",
        vacuumed.as_secs_f64()
    );
    crate::listener::notify_all(&mut conn)
        .await
        .map_err(|e| format!("telling running instances failed: {e}"))?;
    println!(
        "computed the related choices of {n} articles in {:.1} s ({:.0} articles/s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64().max(0.001)
    );
    Ok(())
}
