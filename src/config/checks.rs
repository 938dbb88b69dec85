//! `Config::validate`: what cannot be expressed as a clap default.

use super::{Config, MAX_HEADER_BYTES_CEILING, MIN_JWT_SECRET_LEN};

impl Config {
    /// Checks what cannot be expressed as a default; a readable message on failure.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.search_half_life_days > 0.0 && self.search_half_life_days.is_finite()) {
            return Err("SEARCH_HALF_LIFE_DAYS must be a positive number of days".into());
        }
        if !(1..=10_000_000).contains(&self.search_count_cap) {
            return Err("SEARCH_COUNT_CAP must be between 1 and 10000000".into());
        }
        if !(0.0..=1.0).contains(&self.search_postings_max_share) {
            return Err("SEARCH_POSTINGS_MAX_SHARE must be between 0 and 1".into());
        }
        if !(1..=100_000).contains(&self.search_rank_window) {
            return Err("SEARCH_RANK_WINDOW must be between 1 and 100000".into());
        }
        if self.jwt_secret.len() < MIN_JWT_SECRET_LEN {
            return Err(format!(
                "JWT_SECRET must be at least {MIN_JWT_SECRET_LEN} bytes (it is {}); \
                 generate one with `openssl rand -hex 32` and put it in .env",
                self.jwt_secret.len()
            ));
        }
        self.trusted_proxy_nets()?;
        self.media.validate()?;
        self.replicas.validate()?;
        self.edge.validate()?;
        if !self.edge.purge_urls.trim().is_empty() && self.response_cache_mb == 0 {
            return Err("EDGE_PURGE_URLS needs the response cache (RESPONSE_CACHE_MB > 0): it knows what each response shows".into());
        }
        if self.login_max_failures == 0 {
            return Err("LOGIN_MAX_FAILURES must be at least 1".into());
        }
        if self.rate_limit_per_minute > 0 && self.rate_limit_burst == 0 {
            return Err("RATE_LIMIT_BURST must be at least 1".into());
        }
        if self.beacon_rate_limit_per_minute > 0 && self.beacon_rate_limit_burst == 0 {
            return Err("BEACON_RATE_LIMIT_BURST must be at least 1".into());
        }
        if self.max_url_bytes < 256 {
            return Err("MAX_URL_BYTES must be at least 256".into());
        }
        if !(1024..=MAX_HEADER_BYTES_CEILING).contains(&self.max_header_bytes) {
            return Err(format!(
                "MAX_HEADER_BYTES must be between 1024 and {MAX_HEADER_BYTES_CEILING}"
            ));
        }
        if self.database_pool_size == 0 {
            return Err("DATABASE_POOL_SIZE must be at least 1".into());
        }
        if self.max_body_bytes < 1024 {
            return Err("MAX_BODY_BYTES must be at least 1024".into());
        }
        if !(0.05..=3600.0).contains(&self.views_flush_interval) {
            return Err("VIEWS_FLUSH_INTERVAL must be between 0.05 and 3600 seconds".into());
        }
        if !(0.05..=3600.0).contains(&self.scheduler_interval) {
            return Err("SCHEDULER_INTERVAL must be between 0.05 and 3600 seconds".into());
        }
        let bounded = |v: f64, lo: f64, hi: f64| v.is_finite() && (lo..=hi).contains(&v);
        let secs = |v: f64| bounded(v, 0.01, 86_400.0);
        if !secs(self.webhook_timeout_secs) || !secs(self.webhook_poll_interval) {
            return Err(
                "WEBHOOK_TIMEOUT_SECS and WEBHOOK_POLL_INTERVAL must be between 0.01 and 86400"
                    .into(),
            );
        }
        if !secs(self.webhook_retry_base_secs)
            || !secs(self.webhook_retry_max_secs)
            || self.webhook_retry_max_secs < self.webhook_retry_base_secs
        {
            return Err(
                "WEBHOOK_RETRY_BASE_SECS and WEBHOOK_RETRY_MAX_SECS must be between 0.01 and \
                        86400, the maximum at least the base"
                    .into(),
            );
        }
        if !(1..=30 * 86_400).contains(&self.webhook_max_age_secs) {
            return Err("WEBHOOK_MAX_AGE_SECS must be between 1 and 2592000 (30 days)".into());
        }
        if self.max_article_request_bytes < self.max_body_bytes {
            return Err("MAX_ARTICLE_REQUEST_BYTES must be at least MAX_BODY_BYTES".into());
        }
        if !bounded(self.database_request_budget_secs, 0.1, 3600.0) {
            return Err("DATABASE_REQUEST_BUDGET_SECS must be between 0.1 and 3600".into());
        }
        if self.database_statement_timeout_ms > 3_600_000 {
            return Err("DATABASE_STATEMENT_TIMEOUT_MS must be at most 3600000 (an hour)".into());
        }
        if !(1..=3600).contains(&self.database_keepalive_secs) {
            return Err("DATABASE_KEEPALIVE_SECS must be between 1 and 3600".into());
        }
        if !bounded(self.shutdown_timeout_secs, 0.5, 3600.0) {
            return Err("SHUTDOWN_TIMEOUT_SECS must be between 0.5 and 3600".into());
        }
        if !bounded(self.body_read_timeout_secs, 0.1, 3600.0)
            || !bounded(self.keep_alive_secs, 0.1, 3600.0)
        {
            return Err(
                "BODY_READ_TIMEOUT_SECS and KEEP_ALIVE_SECS must be between 0.1 and 3600".into(),
            );
        }
        Ok(())
    }
}
