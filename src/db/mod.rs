//! Database access: the connection pool, embedded migrations, schema and pagination helpers.

pub mod budget;
pub mod connect;
pub mod keyset;
pub mod pagination;
pub mod schema;
pub mod timestamp;
pub mod trace;

use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{Hook, HookError};

use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{ManagerConfig, RecyclingMethod};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub use connect::{DbStats, PoolSettings};

pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Builds a lazy pool: no connection is opened until the first request needs one.
///
/// Every connection is bounded (see `connect`); one handed back broken, or with a statement
/// still unanswered, is discarded (and counted in `stats`). With `trace`, every statement is
/// appended to that file (see `trace`).
pub fn build_pool(
    url: &str,
    settings: &PoolSettings,
    stats: Arc<DbStats>,
) -> Result<DbPool, String> {
    let pg = Arc::new(settings.pg_config(url)?);
    let sink = settings.trace.as_deref().map(trace::open).transpose()?;
    // `Fast` recycling skips a `SELECT 1` per checkout; a connection the server closed is
    // still noticed (`is_broken` asks the client whether its socket is closed).
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |_url| connect::establish(pg.clone(), sink.clone()));
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    let timeout = settings.checkout_timeout;
    Pool::builder(manager)
        .max_size(settings.size)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .pre_recycle(Hook::sync_fn(move |conn: &mut AsyncPgConnection, _| {
            if connect::reusable(conn) {
                Ok(())
            } else {
                connect::count_discard(&stats);
                Err(HookError::message("a statement was still unanswered"))
            }
        }))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| format!("cannot build the database pool: {e}"))
}

/// The advisory lock key migrations run under ("newsdesk" read as a number).
const MIGRATION_LOCK: i64 = 0x6e65_7773_6465_736b;

/// Applies pending migrations, under an advisory lock (instances starting together migrate one
/// at a time); returns the versions applied.
///
/// Runs on a blocking thread through diesel's sync harness (the async harness
/// panics under actix's runtime).
pub async fn run_migrations(url: &str) -> Result<Vec<String>, String> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        // Several instances starting at once migrate one after the other: the first applies
        // what is pending, the others find nothing left (the lock goes with the session).
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            .execute(&mut conn)
            .map_err(|e| format!("cannot take the migration lock: {e}"))?;
        let applied: Result<Vec<String>, String> = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|done| done.iter().map(|v| v.to_string()).collect())
            .map_err(|e| format!("migration failed: {e}"));
        let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            .execute(&mut conn);
        applied
    })
    .await
    .map_err(|e| format!("migration task failed: {e}"))?
}

/// The tables a bulk write of articles fills (`seed --synthetic`, an import): vacuumed and
/// analyzed after it. A bulk write leaves the visibility map empty and the statistics stale until
/// autovacuum catches up, and search and list plans pay for it on every heap visit (a common-term
/// search at 20,000 fresh articles took 170 ms instead of 10 ms).
pub const CONTENT_TABLES: &[&str] = &[
    "articles",
    "article_sync",
    "article_terms",
    "article_tags",
    "tag_articles",
    "tags",
    "article_authors",
    "authors",
    "article_views_daily",
    "article_revisions",
    "related_choices",
    "related_computed",
];

/// The tables `search reindex` rewrites.
pub const SEARCH_TABLES: &[&str] = &["articles", "article_terms"];

/// `VACUUM (ANALYZE)` of `tables` (names from the constants above); how long it took.
pub async fn vacuum_analyze(
    conn: &mut AsyncPgConnection,
    tables: &[&str],
) -> Result<Duration, String> {
    use diesel_async::RunQueryDsl;
    let started = std::time::Instant::now();
    diesel::sql_query(format!("VACUUM (ANALYZE) {}", tables.join(", ")))
        .execute(conn)
        .await
        .map_err(|e| format!("VACUUM (ANALYZE) failed: {e}"))?;
    Ok(started.elapsed())
}

/// One round trip, bounded in time: used by `/readyz` (on its own pool, so a saturated request
/// pool does not read as a database outage).
pub async fn ping(pool: &DbPool, timeout: Duration) -> Result<(), String> {
    use diesel_async::RunQueryDsl;
    let check = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    match tokio::time::timeout(timeout, check).await {
        Ok(result) => result,
        Err(_) => Err("database round trip timed out".into()),
    }
}
