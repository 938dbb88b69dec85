//! Typed settings, read from the environment (and `.env` when present).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

mod checks;
mod edge;
mod media;
mod replicas;

pub use edge::{EdgeConfig, KeyHeader, PurgeKind};
pub use media::{MediaConfig, StorageKind};
pub use replicas::ReplicaConfig;

/// Minimum length of `JWT_SECRET` in bytes.
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// actix-http answers a bare 431 and closes the connection when a request head exceeds 128 KiB,
/// before any middleware runs; `MAX_HEADER_BYTES` is checked below that.
pub const MAX_HEADER_BYTES_CEILING: usize = 128 * 1024;

/// How the service runs: development relaxes nothing but the JWT secret requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Environment {
    Development,
    Test,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting the service reads. Passed to the application, never global.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,

    /// Maximum number of pooled database connections.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 16)]
    pub database_pool_size: usize,

    /// Seconds a request waits for a pooled connection before answering 503.
    #[arg(long, env = "DATABASE_TIMEOUT_SECS", default_value_t = 5)]
    pub database_timeout_secs: u64,

    /// Milliseconds one SQL statement may run before PostgreSQL cancels it (`statement_timeout`,
    /// set when a connection is made); 0 leaves the server's setting.
    #[arg(long, env = "DATABASE_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    pub database_statement_timeout_ms: u64,

    /// Seconds a request's database work may take in all, from its first checkout (waiting for
    /// a connection and every query); past it the request answers 503 and its connection is
    /// discarded. Also bounds unacknowledged socket writes (TCP user timeout) and each view
    /// flush.
    #[arg(long, env = "DATABASE_REQUEST_BUDGET_SECS", default_value_t = 10.0)]
    pub database_request_budget_secs: f64,

    /// Seconds of silence on an idle database connection before TCP keepalive probes start
    /// (three probes, this far apart, then the connection is dropped).
    #[arg(long, env = "DATABASE_KEEPALIVE_SECS", default_value_t = 10)]
    pub database_keepalive_secs: u64,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind_addr: SocketAddr,

    /// HMAC key for staff JWTs, at least 32 bytes.
    #[arg(long, env = "JWT_SECRET", default_value = "", hide_env_values = true)]
    pub jwt_secret: String,

    /// Lifetime of an access token in seconds.
    #[arg(long, env = "JWT_TTL_SECS", default_value_t = 900)]
    pub jwt_ttl_secs: u64,

    /// Lifetime of a refresh token (a session) in seconds; each use rotates it.
    #[arg(long, env = "REFRESH_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_ttl_secs: u64,

    /// Failed logins (per account and per client address) before logins are throttled.
    #[arg(long, env = "LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: u32,

    /// Longest wait imposed after failed logins, in seconds (the wait doubles per failure).
    #[arg(long, env = "LOGIN_BACKOFF_MAX_SECS", default_value_t = 900)]
    pub login_backoff_max_secs: u64,

    /// Proxies (IPs or CIDRs, comma-separated) whose `X-Forwarded-For` is believed; the client
    /// address is the socket peer otherwise.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// Public endpoints: requests per minute per client (token bucket refill rate); 0 turns
    /// rate limiting off.
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    pub rate_limit_per_minute: u32,

    /// Public endpoints: bucket size (requests a client may send at once).
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 60)]
    pub rate_limit_burst: u32,

    /// The view beacon: requests per minute per client.
    #[arg(long, env = "BEACON_RATE_LIMIT_PER_MINUTE", default_value_t = 3000)]
    pub beacon_rate_limit_per_minute: u32,

    /// The view beacon: bucket size.
    #[arg(long, env = "BEACON_RATE_LIMIT_BURST", default_value_t = 300)]
    pub beacon_rate_limit_burst: u32,

    /// Longest accepted request target (path and query) in bytes; 414 above.
    #[arg(long, env = "MAX_URL_BYTES", default_value_t = 4096)]
    pub max_url_bytes: usize,

    /// Largest accepted request head fields (names and values together) in bytes; 431 above.
    #[arg(long, env = "MAX_HEADER_BYTES", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,

    /// `iss` claim written into and required from tokens.
    #[arg(long, env = "JWT_ISSUER", default_value = "newsdesk")]
    pub jwt_issuer: String,

    /// `aud` claim written into and required from tokens.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "newsdesk-staff")]
    pub jwt_audience: String,

    /// Comma-separated origins allowed by CORS; empty allows none.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", default_value = "")]
    pub cors_allowed_origins: String,

    /// Largest accepted request body in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Largest accepted article create/update body in bytes (article bodies may be 2 MiB).
    #[arg(long, env = "MAX_ARTICLE_REQUEST_BYTES", default_value_t = 3 * 1024 * 1024)]
    pub max_article_request_bytes: usize,

    /// `max-age` in seconds for anonymous GET responses of channels, sources, authors and tags.
    #[arg(long, env = "CACHE_MAX_AGE_SECS", default_value_t = 60)]
    pub cache_max_age_secs: u32,

    /// `max-age` in seconds for anonymous article lists.
    #[arg(long, env = "CACHE_LIST_MAX_AGE_SECS", default_value_t = 30)]
    pub cache_list_max_age_secs: u32,

    /// `max-age` in seconds for anonymous article details.
    #[arg(long, env = "CACHE_DETAIL_MAX_AGE_SECS", default_value_t = 60)]
    pub cache_detail_max_age_secs: u32,

    /// Memory for the response cache of public reads, in MiB (0 turns it off).
    #[arg(long, env = "RESPONSE_CACHE_MB", default_value_t = 256)]
    pub response_cache_mb: u64,

    /// Longest time a cached response may be served stale while the database is unreachable
    /// (stale-if-error), in seconds.
    #[arg(long, env = "RESPONSE_CACHE_MAX_STALE_SECS", default_value_t = 3600)]
    pub response_cache_max_stale_secs: u64,

    /// Longest time a cached response showing view counts is reused, in seconds (view counts
    /// move without change events; everything else is dropped by change events).
    #[arg(long, env = "RESPONSE_CACHE_COUNTERS_SECS", default_value_t = 300)]
    pub response_cache_counters_secs: u64,

    /// Log format: text for people, json for machines.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// development, test or production.
    #[arg(long, env = "NEWSDESK_ENV", value_enum, default_value = "development")]
    pub environment: Environment,

    /// Time zone of the daily view buckets (most-read windows end at its midnight).
    #[arg(long, env = "NEWSDESK_TIMEZONE", default_value = "Asia/Shanghai")]
    pub timezone: chrono_tz::Tz,

    /// Seconds between flushes of counted views to the database.
    #[arg(long, env = "VIEWS_FLUSH_INTERVAL", default_value_t = 2.0)]
    pub views_flush_interval: f64,

    /// Flush sooner when this many (article, day) counters are pending.
    #[arg(long, env = "VIEWS_FLUSH_THRESHOLD", default_value_t = 10_000)]
    pub views_flush_threshold: usize,

    /// Seconds between runs of the scheduler, which notices articles whose `published_at` came
    /// or whose `offline_at` passed (for the change feed and webhooks).
    #[arg(long, env = "SCHEDULER_INTERVAL", default_value_t = 1.0)]
    pub scheduler_interval: f64,

    /// Most (article, day) counters kept in memory while the database is unreachable; views of
    /// new articles beyond it are dropped (and counted in newsdesk_views_dropped_total).
    #[arg(long, env = "VIEWS_MAX_PENDING", default_value_t = 1_000_000)]
    pub views_max_pending: usize,

    /// A visitor counts once per article within this many seconds (0 turns dedupe off).
    #[arg(long, env = "VIEWS_DEDUPE_SECS", default_value_t = 1800)]
    pub views_dedupe_secs: u64,

    /// Most visitor/article pairs remembered for dedupe.
    #[arg(long, env = "VIEWS_DEDUPE_CAPACITY", default_value_t = 1_000_000)]
    pub views_dedupe_capacity: u64,

    /// Comma-separated User-Agent fragments (case-insensitive) whose views are ignored.
    #[arg(
        long,
        env = "VIEWS_BOT_USER_AGENTS",
        default_value = "googlebot,bingbot,baiduspider,sogou web spider,360spider,yisouspider,bytespider,\
                         yandexbot,slurp,duckduckbot,applebot,petalbot,semrushbot,ahrefsbot,mj12bot,dotbot,\
                         facebookexternalhit,twitterbot,spider,crawler"
    )]
    pub views_bot_user_agents: String,

    /// Seconds a most-read ranking is served from memory before it is computed again.
    #[arg(long, env = "RANKINGS_TTL", default_value_t = 60)]
    pub rankings_ttl_secs: u64,

    /// Seconds from SIGTERM/SIGINT to exit, in all: in-flight requests, the background workers
    /// and the final flush of counted views share it; what cannot be written by then is logged.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECS", default_value_t = 15.0)]
    pub shutdown_timeout_secs: f64,

    /// Seconds a client has to send a request body once its head arrived (408 after).
    #[arg(long, env = "BODY_READ_TIMEOUT_SECS", default_value_t = 10.0)]
    pub body_read_timeout_secs: f64,

    /// Seconds an idle keep-alive connection is kept open.
    #[arg(long, env = "KEEP_ALIVE_SECS", default_value_t = 5.0)]
    pub keep_alive_secs: f64,

    /// Benchmark aid: append every SQL statement (with its bind values) to this file.
    #[arg(long, env = "NEWSDESK_SQL_TRACE")]
    pub sql_trace_file: Option<std::path::PathBuf>,

    /// Worker threads of the HTTP server (0 = one per core).
    #[arg(long, env = "HTTP_WORKERS", default_value_t = 0)]
    pub http_workers: usize,

    /// Extra search dictionary (`word [frequency] [tag]` per line), added to the built-in
    /// newsroom dictionary. Run `newsdesk search reindex` after changing it.
    #[arg(long, env = "SEARCH_DICTIONARY")]
    pub search_dictionary: Option<std::path::PathBuf>,

    /// Search ranking: a match's relevance halves for every this many days of age.
    #[arg(long, env = "SEARCH_HALF_LIFE_DAYS", default_value_t = 60.0)]
    pub search_half_life_days: f64,

    /// Search ranking: how many of the newest matches are ranked by relevance; older matches
    /// follow newest first.
    #[arg(long, env = "SEARCH_RANK_WINDOW", default_value_t = 300)]
    pub search_rank_window: i64,

    /// Search totals are counted up to this many matches (`meta.total_relation: gte` beyond).
    #[arg(long, env = "SEARCH_COUNT_CAP", default_value_t = 10_000)]
    pub search_count_cap: i64,

    /// Search: keep an in-memory index (tantivy) of the public articles' stored lexemes, built
    /// from the database when the change listener subscribes and kept exact by change events,
    /// to find the newest matches of selective queries without reading a vector per candidate.
    /// Off: every search reads PostgreSQL alone.
    #[arg(long, env = "SEARCH_POSTINGS", default_value_t = true, action = clap::ArgAction::Set)]
    pub search_postings: bool,

    /// Search: queries expected to match at most this share of the indexed articles use the
    /// in-memory index; commoner ones walk PostgreSQL's newest-first index, which finds their
    /// newest matches after a few rows (0 sends every query to PostgreSQL, 1 none).
    #[arg(long, env = "SEARCH_POSTINGS_MAX_SHARE", default_value_t = 0.2)]
    pub search_postings_max_share: f64,

    /// Run the webhook delivery worker in this process (deliveries wait in the database while
    /// no process runs it).
    #[arg(long, env = "WEBHOOK_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhook_worker: bool,

    /// Seconds a webhook delivery may take (connect, send, first byte) before it fails.
    #[arg(long, env = "WEBHOOK_TIMEOUT_SECS", default_value_t = 10.0)]
    pub webhook_timeout_secs: f64,

    /// Seconds the worker waits before looking for due deliveries again when it found none.
    #[arg(long, env = "WEBHOOK_POLL_INTERVAL", default_value_t = 1.0)]
    pub webhook_poll_interval: f64,

    /// Wait before the first retry of a failed delivery, in seconds; it doubles per attempt.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_SECS", default_value_t = 30.0)]
    pub webhook_retry_base_secs: f64,

    /// Longest wait between two attempts, in seconds.
    #[arg(long, env = "WEBHOOK_RETRY_MAX_SECS", default_value_t = 3600.0)]
    pub webhook_retry_max_secs: f64,

    /// A delivery is retried until it is this many seconds old, then marked failed.
    #[arg(long, env = "WEBHOOK_MAX_AGE_SECS", default_value_t = 86_400)]
    pub webhook_max_age_secs: u64,

    /// Allow webhook URLs whose host is (or resolves to) a loopback, private or link-local
    /// address. Off in production: the API must not be a way into the internal network.
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,

    /// The media library (`MEDIA_*`).
    #[command(flatten)]
    pub media: MediaConfig,

    /// Read routing to streaming replicas (`DATABASE_REPLICA_URLS`, `REPLICA_*`).
    #[command(flatten)]
    pub replicas: ReplicaConfig,

    /// The edge tier: surrogate keys and purges (`EDGE_*`).
    #[command(flatten)]
    pub edge: EdgeConfig,
}

impl Config {
    /// `TRUSTED_PROXIES` parsed: single addresses become /32 (or /128) networks.
    pub fn trusted_proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("TRUSTED_PROXIES: `{s}` is not an IP address or CIDR"))
            })
            .collect()
    }

    pub fn database_timeout(&self) -> Duration {
        Duration::from_secs(self.database_timeout_secs.max(1))
    }

    pub fn statement_timeout(&self) -> Duration {
        Duration::from_millis(self.database_statement_timeout_ms)
    }

    pub fn request_budget(&self) -> Duration {
        Duration::from_secs_f64(self.database_request_budget_secs)
    }

    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.body_read_timeout_secs)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.shutdown_timeout_secs)
    }

    pub fn bot_user_agents(&self) -> Vec<String> {
        self.views_bot_user_agents
            .split(',')
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_allowed_origins
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}
