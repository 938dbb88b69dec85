//! Settings of read routing (`DATABASE_REPLICA_URLS`, `REPLICA_*`): which streaming replicas
//! serve public reads, how far behind one may be, and how long a writer's position is carried.

use clap::Args;

pub const DEFAULT_MAX_LAG_SECS: f64 = 5.0;
pub const DEFAULT_CHECK_INTERVAL_MS: u64 = 500;
pub const DEFAULT_READ_YOUR_WRITES_SECS: u64 = 60;

#[derive(Debug, Clone, Args)]
pub struct ReplicaConfig {
    /// PostgreSQL streaming replicas (hot standbys) that serve public reads, comma-separated.
    /// Empty: every query goes to `DATABASE_URL`, as without this feature.
    #[arg(
        long = "database-replica-urls",
        env = "DATABASE_REPLICA_URLS",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub urls: Vec<String>,

    /// Connections per replica (0: `DATABASE_POOL_SIZE`).
    #[arg(
        long = "replica-pool-size",
        env = "REPLICA_POOL_SIZE",
        default_value_t = 0
    )]
    pub pool_size: usize,

    /// A replica further behind the primary than this many seconds leaves the rotation (its
    /// reads go to the primary) until it catches up.
    #[arg(long = "replica-max-lag-secs", env = "REPLICA_MAX_LAG_SECS", default_value_t = DEFAULT_MAX_LAG_SECS)]
    pub max_lag_secs: f64,

    /// How often each replica's health and replay position are checked (milliseconds).
    #[arg(long = "replica-check-interval-ms", env = "REPLICA_CHECK_INTERVAL_MS", default_value_t = DEFAULT_CHECK_INTERVAL_MS)]
    pub check_interval_ms: u64,

    /// Lifetime of the `newsdesk_lsn` cookie a write sets, so that a browser's next reads are
    /// at least as new as its write (seconds).
    #[arg(long = "read-your-writes-secs", env = "READ_YOUR_WRITES_SECS", default_value_t = DEFAULT_READ_YOUR_WRITES_SECS)]
    pub read_your_writes_secs: u64,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            pool_size: 0,
            max_lag_secs: DEFAULT_MAX_LAG_SECS,
            check_interval_ms: DEFAULT_CHECK_INTERVAL_MS,
            read_your_writes_secs: DEFAULT_READ_YOUR_WRITES_SECS,
        }
    }
}

impl ReplicaConfig {
    /// The replica URLs given (blank entries dropped).
    pub fn urls(&self) -> Vec<String> {
        self.urls
            .iter()
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty())
            .collect()
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(0.05..=86_400.0).contains(&self.max_lag_secs) {
            return Err("REPLICA_MAX_LAG_SECS must be between 0.05 and 86400".into());
        }
        if !(10..=60_000).contains(&self.check_interval_ms) {
            return Err("REPLICA_CHECK_INTERVAL_MS must be between 10 and 60000".into());
        }
        for url in self.urls() {
            url.parse::<tokio_postgres::Config>().map_err(|e| {
                format!("DATABASE_REPLICA_URLS holds an invalid PostgreSQL URL: {e}")
            })?;
        }
        Ok(())
    }
}
