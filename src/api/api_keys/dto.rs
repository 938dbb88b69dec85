//! API key request and response bodies. The secret appears in one response only: the creation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::models::api_key::ApiKey;
use crate::models::ids::{ApiKeyId, UserId};

/// Whether a key works now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyStatus {
    /// Accepted.
    Active,
    /// Past `expires_at`; refused.
    Expired,
    /// Revoked by an admin; refused.
    Revoked,
}

/// A content API key. Front ends send its secret as `X-Api-Key` to read with the key's rate
/// limit instead of the anonymous one; a key never allows writes. The secret itself is never
/// shown again after creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: ApiKeyId,
    /// What the key is for (usually the front end that uses it), 1–100 characters.
    pub name: String,
    /// The first 12 characters of the secret, to tell keys apart.
    #[schema(example = "ndk_Q2hpbmE5")]
    pub prefix: String,
    /// Requests per minute: the rate at which the key's bucket refills.
    pub rate_per_minute: i32,
    /// Bucket size: how many requests the key may send at once.
    pub burst: i32,
    /// When the key stops working; `null` for never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the key was revoked; `null` while it is not.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The last time the key was used (updated at most once a minute); `null` if never.
    pub last_used_at: Option<DateTime<Utc>>,
    /// The admin who created the key; `null` when that account no longer exists.
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    /// `active`, `expired` or `revoked`, as of this response.
    pub status: ApiKeyStatus,
}

impl ApiKeyDto {
    pub fn of(key: ApiKey, now: DateTime<Utc>) -> Self {
        let status = if key.revoked_at.is_some() {
            ApiKeyStatus::Revoked
        } else if key.expires_at.is_some_and(|e| e <= now) {
            ApiKeyStatus::Expired
        } else {
            ApiKeyStatus::Active
        };
        Self {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            rate_per_minute: key.rate_per_minute,
            burst: key.burst,
            expires_at: key.expires_at,
            revoked_at: key.revoked_at,
            last_used_at: key.last_used_at,
            created_by: key.created_by,
            created_at: key.created_at,
            status,
        }
    }
}

/// A key just created, with its secret: the only response that ever contains it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    /// The secret to send as `X-Api-Key`. Shown this once (only a hash is stored): keep it now.
    #[schema(example = "ndk_Q2hpbmE5bXlzZWNyZXRrZXlpc2xvbmdlbm91Z2h0b28")]
    pub secret: String,
    #[serde(flatten)]
    pub key: ApiKeyDto,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListApiKeysQuery {
    /// Page number (page mode), default 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    /// Opaque cursor from `meta.next_cursor` (keyset mode).
    pub cursor: Option<String>,
}

pub use crate::services::api_keys::{
    CreateApiKey, DEFAULT_BURST, DEFAULT_RATE_PER_MINUTE, MAX_BURST, MAX_RATE_PER_MINUTE,
};
