//! What every handler can reach: the pool, the settings and the token keys.

use std::sync::Arc;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::error::ApiError;

pub struct AppState {
    pub pool: DbPool,
    pub config: Config,
    pub jwt: JwtKeys,
    /// A hash verified for unknown emails, so a login takes as long whether or not the email exists.
    pub dummy_hash: Arc<String>,
}

impl AppState {
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        Ok(self.pool.get().await?)
    }
}
