//! Content API keys: secrets, their lookup (briefly cached) and one bucket per key.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use governor::Quota;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::buckets::{Bucket, Verdict, quota};
use crate::db::DbPool;
use crate::error::ApiError;
use crate::models::api_key::{self, ApiKey};
use crate::models::ids::ApiKeyId;

/// Every secret starts with this.
pub const SECRET_PREFIX: &str = "ndk_";
/// Characters of the secret shown in lists (`ndk_` and 8 more).
pub const SHOWN_PREFIX_LEN: usize = 12;
/// `ndk_` + 32 random bytes in unpadded base64url.
const SECRET_LEN: usize = 4 + 43;

/// How long a looked-up key is trusted before the database is asked again (revocation on this
/// instance clears it at once; other instances notice within this time).
const LOOKUP_TTL: Duration = Duration::from_secs(5);
/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// A key's bucket is dropped after this long unused.
const BUCKET_IDLE: Duration = Duration::from_secs(3600);

/// A new secret: shown once, then only its hash and prefix are kept.
pub struct NewSecret {
    pub secret: String,
    pub prefix: String,
    pub hash: Vec<u8>,
}

pub fn new_secret() -> NewSecret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    NewSecret {
        prefix: secret.chars().take(SHOWN_PREFIX_LEN).collect(),
        hash: hash(&secret),
        secret,
    }
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether a header value could be a secret of ours (checked before any lookup).
pub fn well_formed(value: &str) -> bool {
    value.len() == SECRET_LEN
        && value.starts_with(SECRET_PREFIX)
        && value[SECRET_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a key allows, as last read from the database.
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: ApiKeyId,
    quota: Option<Quota>,
    expires_at: Option<DateTime<Utc>>,
    revoked: bool,
}

impl Grant {
    fn of(key: &ApiKey) -> Self {
        Self {
            id: key.id,
            quota: quota(
                u32::try_from(key.rate_per_minute).unwrap_or(0),
                u32::try_from(key.burst).unwrap_or(0),
            ),
            expires_at: key.expires_at,
            revoked: key.revoked_at.is_some(),
        }
    }

    /// Usable now, or the 401 that says why not.
    pub fn usable(&self, now: DateTime<Utc>) -> Result<(), ApiError> {
        if self.revoked {
            Err(ApiError::Unauthorized(
                "the API key has been revoked".into(),
            ))
        } else if self.expires_at.is_some_and(|e| e <= now) {
            Err(ApiError::Unauthorized("the API key has expired".into()))
        } else {
            Ok(())
        }
    }
}

pub fn unknown_key() -> ApiError {
    ApiError::Unauthorized("the API key is not valid".into())
}

/// Looked-up keys and their buckets.
pub struct ApiKeys {
    by_hash: moka::future::Cache<Vec<u8>, Option<Arc<Grant>>>,
    buckets: moka::sync::Cache<ApiKeyId, Arc<Bucket>>,
    touched: moka::sync::Cache<ApiKeyId, ()>,
}

impl Default for ApiKeys {
    fn default() -> Self {
        Self {
            by_hash: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(LOOKUP_TTL)
                .build(),
            buckets: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(BUCKET_IDLE)
                .build(),
            touched: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(TOUCH_EVERY)
                .build(),
        }
    }
}

impl ApiKeys {
    /// The remembered lookup of this hash: `None` when it must be read from the database.
    pub async fn cached(&self, hash: &[u8]) -> Option<Option<Arc<Grant>>> {
        self.by_hash.get(hash).await
    }

    /// Reads the key from the database and remembers the answer (also a miss) briefly.
    pub async fn load(&self, pool: &DbPool, hash: Vec<u8>) -> Result<Option<Arc<Grant>>, ApiError> {
        let mut conn = pool.get().await?;
        let found = api_key::find_by_hash(&mut conn, &hash).await?;
        let grant = found.as_ref().map(|k| Arc::new(Grant::of(k)));
        self.by_hash.insert(hash, grant.clone()).await;
        Ok(grant)
    }

    /// Takes one token from the key's own bucket.
    pub fn check(&self, grant: &Grant) -> Verdict {
        let Some(quota) = grant.quota else {
            // The table's checks make this impossible; refuse rather than not limit.
            return Verdict {
                allowed: false,
                limit: 0,
                remaining: 0,
                reset: Duration::from_secs(60),
            };
        };
        self.buckets
            .get_with(grant.id, || Arc::new(Bucket::new(quota)))
            .check()
    }

    /// Forgets every looked-up key, so a revocation takes effect at once on this instance.
    pub fn forget_lookups(&self) {
        self.by_hash.invalidate_all();
    }

    /// Records that the key was used, at most once per `TOUCH_EVERY`, without delaying the request.
    pub fn touch(&self, pool: &DbPool, id: ApiKeyId) {
        if self.touched.contains_key(&id) {
            return;
        }
        self.touched.insert(id, ());
        let pool = pool.clone();
        actix_web::rt::spawn(async move {
            let result = match pool.get().await {
                Ok(mut conn) => api_key::touch(&mut conn, id, Utc::now())
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(error) = result {
                tracing::warn!(key = %id, %error, "could not record the use of an API key");
            }
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_well_formed_and_hashed() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a.secret, b.secret);
        assert!(well_formed(&a.secret), "{}", a.secret);
        assert_eq!(a.prefix.len(), SHOWN_PREFIX_LEN);
        assert!(a.secret.starts_with(&a.prefix));
        assert_eq!(a.hash, hash(&a.secret));
        assert_eq!(a.hash.len(), 32);
        assert!(!well_formed("ndk_short"));
        assert!(!well_formed(&a.secret.replace("ndk_", "xyz_")));
        assert!(!well_formed(&format!("{}=", &a.secret[..46])));
    }
}
