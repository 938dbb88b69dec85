//! What every handler can reach: the pool, the settings and the token keys.

use std::sync::Arc;

use crate::api::rankings::{MostReadKey, MostReadPage};
use crate::api::views::BeaconArticle;
use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::error::ApiError;
use crate::views::ViewCounter;

pub struct AppState {
    pub pool: DbPool,
    pub config: Config,
    pub jwt: JwtKeys,
    /// A hash verified for unknown emails, so a login takes as long whether or not the email exists.
    pub dummy_hash: Arc<String>,
    /// Counted views waiting for the next flush.
    pub views: Arc<ViewCounter>,
    /// The beacon's short memory of article visibility (a few seconds), so a view costs no query.
    pub beacon_articles: moka::sync::Cache<String, Option<BeaconArticle>>,
    /// Most-read lists computed at most once per `RANKINGS_TTL`.
    pub most_read: moka::future::Cache<MostReadKey, Arc<MostReadPage>>,
}

impl AppState {
    pub fn new(pool: DbPool, config: Config, jwt: JwtKeys, dummy_hash: Arc<String>) -> Self {
        let views = Arc::new(ViewCounter::new(&config));
        let beacon_articles = moka::sync::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(std::time::Duration::from_secs(5))
            .build();
        let most_read = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(std::time::Duration::from_secs(
                config.rankings_ttl_secs.max(1),
            ))
            .build();
        Self {
            pool,
            config,
            jwt,
            dummy_hash,
            views,
            beacon_articles,
            most_read,
        }
    }

    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        Ok(self.pool.get().await?)
    }
}
