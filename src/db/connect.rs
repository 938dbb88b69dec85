//! How pooled connections are made and vetted: bounded on every side.
//!
//! - `statement_timeout` (and `idle_in_transaction_session_timeout`) are set in the startup
//!   packet, so PostgreSQL itself cancels a runaway statement or an abandoned transaction.
//! - The socket has TCP keepalive and a TCP user timeout, so a silent partition breaks an open
//!   connection instead of hanging it for the kernel's ~15 minutes.
//! - Connecting has a deadline (`connect_timeout`, and the pool's create timeout).
//! - A request whose database budget runs out closes the connections it used (`budget`).
//! - A connection handed back while one of its statements was still waiting for an answer (a
//!   background flush that timed out and was dropped) is discarded, never reused: its protocol
//!   state is unknown and its link is likely dead.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::{ConnectionError, ConnectionResult};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use super::budget::KillSwitch;
use super::trace;
use crate::config::Config;

/// How connections are made and pooled (from `Config`).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub size: usize,
    /// Longest wait for a free connection, and for a new one to be made.
    pub checkout_timeout: Duration,
    /// `statement_timeout` of every connection (zero: the server's own).
    pub statement_timeout: Duration,
    /// The request budget: bounds unacknowledged writes on the socket too.
    pub budget: Duration,
    pub keepalive: Duration,
    pub trace: Option<PathBuf>,
}

impl PoolSettings {
    pub fn from_config(c: &Config) -> Self {
        Self {
            size: c.database_pool_size,
            checkout_timeout: c.database_timeout(),
            statement_timeout: c.statement_timeout(),
            budget: c.request_budget(),
            keepalive: Duration::from_secs(c.database_keepalive_secs.max(1)),
            trace: c.sql_trace_file.clone(),
        }
    }

    /// The same settings for a pool of `size` connections.
    pub fn sized(&self, size: usize) -> Self {
        Self {
            size,
            ..self.clone()
        }
    }

    /// The URL's settings with our bounds added (the URL's own values win where it sets them).
    pub fn pg_config(&self, url: &str) -> Result<tokio_postgres::Config, String> {
        let mut pg = tokio_postgres::Config::from_str(url)
            .map_err(|e| format!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))?;
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(self.checkout_timeout);
        }
        if pg.get_tcp_user_timeout().is_none() {
            pg.tcp_user_timeout(self.budget);
        }
        pg.keepalives(true)
            .keepalives_idle(self.keepalive)
            .keepalives_interval(self.keepalive)
            .keepalives_retries(3);
        let mut options = pg.get_options().unwrap_or_default().to_owned();
        if !self.statement_timeout.is_zero() {
            options.push_str(&format!(
                " -c statement_timeout={}",
                self.statement_timeout.as_millis()
            ));
        }
        // A transaction left open by a client that vanished releases its locks.
        options.push_str(&format!(
            " -c idle_in_transaction_session_timeout={}",
            (self.budget * 2).as_millis().max(1000)
        ));
        pg.options(options.trim());
        Ok(pg)
    }
}

/// What the pool has had to do about unhealthy connections (read by `/metrics`).
#[derive(Debug, Default)]
pub struct DbStats {
    /// Checkouts that gave up waiting for a connection (pool saturated or database unreachable).
    pub checkout_timeouts: AtomicU64,
    /// Requests cut off by `DATABASE_REQUEST_BUDGET_SECS`.
    pub budget_exceeded: AtomicU64,
    /// Connections thrown away instead of reused (broken, or a statement still unanswered).
    pub discarded: AtomicU64,
}

/// The instrumentation every pooled connection carries: statements started but not finished
/// (and the optional SQL trace).
pub struct Guard {
    trace: Option<trace::Sink>,
    switch: Arc<KillSwitch>,
}

impl Instrumentation for Guard {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                self.switch.started();
                if let Some(sink) = &self.trace {
                    trace::record(sink, &query.to_string());
                }
            }
            InstrumentationEvent::FinishQuery { .. } => self.switch.finished(),
            _ => {}
        }
    }
}

/// True when the connection may go back into the pool: no statement is still waiting for its
/// answer.
pub fn reusable(conn: &mut AsyncPgConnection) -> bool {
    // `instrumentation()` panics while a query future still holds the connection's
    // instrumentation; nothing does once the connection is handed back, but a panic here must
    // not escape into the pool.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        conn.instrumentation()
            .downcast_ref::<Guard>()
            .is_none_or(|g| g.switch.unanswered() == 0)
    }))
    .unwrap_or(false)
}

/// Makes one connection with the bounded settings and the guard installed.
pub fn establish(
    pg: Arc<tokio_postgres::Config>,
    trace: Option<trace::Sink>,
) -> BoxFuture<'static, ConnectionResult<AsyncPgConnection>> {
    async move {
        let (client, connection) = pg
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        // The socket is driven here rather than by diesel-async, so that a request whose
        // budget ran out can close it: dropping `connection` closes the socket, every pending
        // statement fails at once, and the client reports itself closed (never reused).
        let switch = Arc::new(KillSwitch::default());
        let watch = switch.clone();
        tokio::spawn(async move {
            tokio::select! {
                ended = connection => {
                    if let Err(e) = ended {
                        tracing::debug!(error = %e, "database connection ended");
                    }
                }
                () = watch.killed() => {
                    tracing::warn!("database connection closed: a request's database budget ran out");
                }
            }
        });
        let mut conn = AsyncPgConnection::try_from(client).await?;
        conn.set_instrumentation(Guard { trace, switch });
        Ok(conn)
    }
    .boxed()
}

/// Counts a discarded connection (for the pool's recycle hook).
pub fn count_discard(stats: &DbStats) {
    stats.discarded.fetch_add(1, Ordering::Relaxed);
}
