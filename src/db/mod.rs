//! Database access: the connection pool, embedded migrations, schema and pagination helpers.

pub mod pagination;
pub mod schema;
pub mod timestamp;
pub mod trace;

use std::path::Path;
use std::time::Duration;

use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Builds a lazy pool: no connection is opened until the first request needs one.
///
/// With `trace`, every statement is appended to that file (see `trace`).
pub fn build_pool(
    url: &str,
    size: usize,
    timeout: Duration,
    trace: Option<&Path>,
) -> Result<DbPool, String> {
    // `Fast` recycling skips a `SELECT 1` per checkout; a connection the server closed is
    // still noticed (`is_broken` asks the client whether its socket is closed).
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    if let Some(path) = trace {
        let sink = trace::open(path)?;
        config.custom_setup = Box::new(move |url| {
            let sink = sink.clone();
            Box::pin(async move {
                let mut conn = AsyncPgConnection::establish(url).await?;
                conn.set_instrumentation(trace::recorder(sink));
                Ok(conn)
            })
        });
    }
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| format!("cannot build the database pool: {e}"))
}

/// Applies pending migrations; returns the versions applied.
///
/// Runs on a blocking thread through diesel's sync harness (the async harness
/// panics under actix's runtime).
pub async fn run_migrations(url: &str) -> Result<Vec<String>, String> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| format!("migration failed: {e}"))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    })
    .await
    .map_err(|e| format!("migration task failed: {e}"))?
}

/// One round trip, bounded in time: used by `/readyz`.
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
