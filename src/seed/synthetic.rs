//! `newsdesk seed --synthetic N`: N generated articles, inserted in large batches.
//!
//! Deterministic for a given N on a given database state: the RNG is seeded from N and the
//! number of synthetic articles already there (which also keeps slugs unique across runs).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;

use super::SeedError;
use super::compose::Words;
use super::plan::{self, COLUMNS, NewSynthetic, Planned, Pools};
use crate::db::schema::{article_authors, article_tags, articles, authors, sources, users};
use crate::models::category;
use crate::models::ids::{ArticleId, AuthorId, SourceId, TagId, UserId};
use crate::models::tag;
use crate::models::user::Role;

/// Articles per INSERT statement (and per transaction); far below PostgreSQL's 65,535
/// bind parameters (25 per article).
pub const CHUNK: usize = 1000;
/// Synthetic reporters (`reporter-0001` …).
pub const AUTHOR_POOL: usize = 200;
/// Synthetic tag names.
pub const TAG_POOL: usize = 300;

const _: () = assert!(CHUNK * COLUMNS < 65_535);

/// What a synthetic run created, and how long it took.
#[derive(Debug, Clone)]
pub struct SyntheticReport {
    pub articles_created: usize,
    pub authors_created: usize,
    pub elapsed: Duration,
}

impl SyntheticReport {
    pub fn rate(&self) -> f64 {
        self.articles_created as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Adds `count` generated articles (the channel tree, sources and an admin must exist: run
/// [`super::run`] and create an admin first). `admin_email` names the admin credited with
/// them (else the first admin). `progress` shows a bar on stderr when it is a terminal.
pub async fn run(
    conn: &mut AsyncPgConnection,
    count: usize,
    admin_email: Option<&str>,
    progress: bool,
) -> Result<SyntheticReport, String> {
    generate(conn, count, admin_email, progress)
        .await
        .map_err(|e| format!("synthetic seed failed: {e}"))
}

async fn generate(
    conn: &mut AsyncPgConnection,
    count: usize,
    admin_email: Option<&str>,
    progress: bool,
) -> Result<SyntheticReport, SeedError> {
    let started = Instant::now();
    let words = Words::load()?;
    let by = super::articles::seeding_user(conn, admin_email).await?;
    let (pools, authors_created) = load_pools(conn, &words, by).await?;
    let offset = synthetic_high_water(conn).await?;
    let mut rng = StdRng::seed_from_u64((count as u64) ^ offset.rotate_left(32) ^ 0x6e65_7773);

    let bar = if progress && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(count as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} articles, eta {eta}",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut done = 0usize;
    while done < count {
        let n = CHUNK.min(count - done);
        let batch: Vec<Planned> = (0..n)
            .map(|i| plan::article(&mut rng, &words, &pools, offset + (done + i) as u64 + 1))
            .collect();
        insert_batch(conn, batch).await?;
        done += n;
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    // Fresh planner statistics, so queries right after a load (benchmarks) use the indexes.
    diesel::sql_query("ANALYZE articles, article_authors, article_tags, authors, tags")
        .execute(conn)
        .await?;
    Ok(SyntheticReport {
        articles_created: done,
        authors_created,
        elapsed: started.elapsed(),
    })
}

/// The largest N among slugs `s-N-…` (0 when there are none).
async fn synthetic_high_water(conn: &mut AsyncPgConnection) -> Result<u64, SeedError> {
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let row: Max = diesel::sql_query(
        "SELECT COALESCE(MAX(substring(slug FROM '^s-([0-9]{1,18})-')::bigint), 0) AS n \
           FROM articles WHERE slug LIKE 's-%'",
    )
    .get_result(conn)
    .await?;
    Ok(u64::try_from(row.n).unwrap_or(0))
}

async fn load_pools(
    conn: &mut AsyncPgConnection,
    words: &Words,
    by: UserId,
) -> Result<(Pools, usize), SeedError> {
    let tree = category::load_tree(conn).await?;
    let categories: Vec<_> = tree
        .preorder()
        .into_iter()
        .map(|c| (c.id, c.slug.clone()))
        .collect();
    let category_weights =
        WeightedIndex::new(categories.iter().map(|c| plan::channel_weight(&c.1)))
            .map_err(|_| "no categories: run `newsdesk seed` first".to_owned())?;
    let source_rows: Vec<(SourceId, String)> = sources::table
        .order(sources::id)
        .select((sources::id, sources::slug))
        .load(conn)
        .await?;
    let source_weights =
        WeightedIndex::new(source_rows.iter().map(|s| plan::source_weight(&s.1))).ok();
    let editors: Vec<UserId> = users::table
        .filter(users::role.eq_any([Role::Editor, Role::Admin]))
        .filter(users::disabled.eq(false))
        .order(users::id)
        .limit(20)
        .select(users::id)
        .load(conn)
        .await?;

    let new_authors: Vec<_> = (1..=AUTHOR_POOL)
        .map(|i| {
            let (name, affiliation) = words.reporter(i);
            (
                authors::slug.eq(format!("reporter-{i:04}")),
                authors::name.eq(name),
                authors::affiliation.eq(affiliation),
            )
        })
        .collect();
    let authors_created = diesel::insert_into(authors::table)
        .values(&new_authors)
        .on_conflict(authors::slug)
        .do_nothing()
        .execute(conn)
        .await?;
    let slugs: Vec<String> = (1..=AUTHOR_POOL)
        .map(|i| format!("reporter-{i:04}"))
        .collect();
    let author_pool: Vec<(AuthorId, String)> = authors::table
        .filter(authors::slug.eq_any(&slugs))
        .order(authors::slug)
        .select((authors::id, authors::name))
        .load(conn)
        .await?;
    if author_pool.is_empty() {
        return Err("could not create the synthetic authors".to_owned().into());
    }

    let names = words.tag_pool(TAG_POOL);
    let tags = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            tag::find_or_create(conn, &names).await
        })
        .await?;
    let tag_pool: Vec<(TagId, String)> = tags.into_iter().map(|t| (t.id, t.name)).collect();

    let pools = Pools {
        categories,
        category_weights,
        sources: source_rows.into_iter().map(|s| s.0).collect(),
        source_weights,
        authors: author_pool,
        tags: tag_pool,
        editors,
        by,
        now: chrono::Utc::now(),
    };
    Ok((pools, authors_created))
}

/// One transaction: the articles, then their bylines and tags.
async fn insert_batch(conn: &mut AsyncPgConnection, batch: Vec<Planned>) -> Result<(), SeedError> {
    let mut rows: Vec<NewSynthetic> = Vec::with_capacity(batch.len());
    let mut links: HashMap<String, (Vec<AuthorId>, Vec<TagId>)> =
        HashMap::with_capacity(batch.len());
    for p in batch {
        links.insert(p.row.content.slug.clone(), (p.authors, p.tags));
        rows.push(p.row);
    }
    conn.transaction::<_, SeedError, _>(async |conn| {
        let ids: Vec<(ArticleId, String)> = diesel::insert_into(articles::table)
            .values(&rows)
            .returning((articles::id, articles::slug))
            .get_results(conn)
            .await?;
        let mut by_lines = Vec::with_capacity(ids.len() * 2);
        let mut tag_rows = Vec::with_capacity(ids.len() * 3);
        for (id, slug) in &ids {
            let Some((a, t)) = links.get(slug) else {
                continue;
            };
            for (pos, author) in a.iter().enumerate() {
                by_lines.push((
                    article_authors::article_id.eq(*id),
                    article_authors::author_id.eq(*author),
                    article_authors::position.eq(pos as i32),
                ));
            }
            for (pos, tag) in t.iter().enumerate() {
                tag_rows.push((
                    article_tags::article_id.eq(*id),
                    article_tags::tag_id.eq(*tag),
                    article_tags::position.eq(pos as i32),
                ));
            }
        }
        for chunk in by_lines.chunks(20_000) {
            diesel::insert_into(article_authors::table)
                .values(chunk)
                .execute(conn)
                .await?;
        }
        for chunk in tag_rows.chunks(20_000) {
            diesel::insert_into(article_tags::table)
                .values(chunk)
                .execute(conn)
                .await?;
        }
        Ok(())
    })
    .await
}
