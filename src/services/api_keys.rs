//! The write path for content API keys (admins only): create (the secret is shown once; only
//! its hash is stored) and revoke, whose change event makes the rate limiter forget the key.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::commit;
use crate::auth::Actor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::models::api_key::{self, ApiKey, NewApiKey};
use crate::models::ids::ApiKeyId;
use crate::models::user::Role;
use crate::ratelimit::keys;
use crate::state::AppState;
use crate::validate::Violations;

/// Default refill rate of a new key, requests per minute.
pub const DEFAULT_RATE_PER_MINUTE: i32 = 3000;
/// Default bucket size of a new key.
pub const DEFAULT_BURST: i32 = 300;
pub const MAX_RATE_PER_MINUTE: i64 = 1_000_000;
pub const MAX_BURST: i64 = 100_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for (usually the front end that uses it), 1–100 characters.
    #[schema(example = "黑河新闻 app", min_length = 1, max_length = 100)]
    pub name: String,
    /// Requests per minute, 1–1000000; default 3000.
    #[schema(minimum = 1, maximum = 1000000)]
    pub rate_per_minute: Option<i64>,
    /// Bucket size (requests at once), 1–100000; default 300.
    #[schema(minimum = 1, maximum = 100000)]
    pub burst: Option<i64>,
    /// When the key stops working, in the future; absent or `null` for never.
    #[serde(default, deserialize_with = "crate::db::timestamp::option")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A value in `1..=max`, or the field error.
fn in_range(v: &mut Violations, field: &str, value: Option<i64>, default: i32, max: i64) -> i32 {
    let value = value.unwrap_or(i64::from(default));
    if (1..=max).contains(&value) {
        i32::try_from(value).unwrap_or(default)
    } else {
        v.add(field, format!("must be between 1 and {max}"));
        default
    }
}

/// Creates a key; returns it with its secret.
pub async fn create(
    state: &AppState,
    actor: Actor,
    body: CreateApiKey,
    now: DateTime<Utc>,
) -> Result<(ApiKey, String), ApiError> {
    actor.require(Role::Admin)?;
    let mut v = Violations::default();
    v.name("name", &body.name, 100);
    let rate = in_range(
        &mut v,
        "rate_per_minute",
        body.rate_per_minute,
        DEFAULT_RATE_PER_MINUTE,
        MAX_RATE_PER_MINUTE,
    );
    let burst = in_range(&mut v, "burst", body.burst, DEFAULT_BURST, MAX_BURST);
    if body.expires_at.is_some_and(|e| e <= now) {
        v.add("expires_at", "must be in the future");
    }
    v.finish()?;
    let secret = keys::new_secret();
    let new = NewApiKey {
        name: body.name.trim().to_owned(),
        prefix: secret.prefix,
        secret_hash: secret.hash,
        rate_per_minute: rate,
        burst,
        expires_at: body.expires_at,
        created_by: Some(actor.id),
    };
    let row = commit(state, async |conn| {
        let row = api_key::insert(conn, &new).await?;
        let change = Change::ApiKey(row.id);
        Ok((row, change))
    })
    .await?;
    tracing::info!(key = %row.id, admin = %actor.id, "API key created");
    Ok((row, secret.secret))
}

/// Revokes a key (revoking it again changes nothing).
pub async fn revoke(state: &AppState, actor: Actor, id: ApiKeyId) -> Result<(), ApiError> {
    actor.require(Role::Admin)?;
    commit(state, async |conn| {
        api_key::revoke(conn, id, Utc::now())
            .await?
            .or_not_found("API key", id)?;
        Ok(((), Change::ApiKey(id)))
    })
    .await?;
    tracing::info!(key = %id, admin = %actor.id, "API key revoked");
    Ok(())
}
