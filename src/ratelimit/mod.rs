//! Rate limits: a token bucket per client address for public requests (a separate, larger one
//! for the view beacon), or the bucket of the content API key a front end sends in `X-Api-Key`.
//! Staff requests (a valid bearer token) and the probes are not limited. Limited responses carry
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; a refusal is a 429
//! problem+json with `Retry-After`.

mod buckets;
pub mod keys;

use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use chrono::Utc;

pub use buckets::{ClientBuckets, Verdict};
pub use keys::ApiKeys;

use crate::config::Config;
use crate::error::ApiError;
use crate::net::TrustedProxies;
use crate::state::AppState;

pub const API_KEY_HEADER: &str = "x-api-key";

/// How often buckets that have refilled are forgotten.
const CLEANUP_EVERY: Duration = Duration::from_secs(60);

/// Paths never limited: the probes and the metrics endpoint.
const EXEMPT: &[&str] = &["/livez", "/readyz", "/metrics"];

/// The limiters of one server (shared by its workers).
pub struct RateLimits {
    trusted: TrustedProxies,
    public: Option<ClientBuckets>,
    beacon: Option<ClientBuckets>,
    pub keys: std::sync::Arc<ApiKeys>,
}

impl RateLimits {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        Ok(Self {
            trusted: TrustedProxies(config.trusted_proxy_nets()?),
            public: buckets::quota(config.rate_limit_per_minute, config.rate_limit_burst)
                .map(ClientBuckets::new),
            beacon: buckets::quota(
                config.beacon_rate_limit_per_minute,
                config.beacon_rate_limit_burst,
            )
            .map(ClientBuckets::new),
            keys: std::sync::Arc::new(ApiKeys::default()),
        })
    }

    /// Forgets client buckets that are full again (runs every minute in the background).
    pub fn forget_full(&self) {
        for buckets in [&self.public, &self.beacon].into_iter().flatten() {
            buckets.forget_full();
        }
    }
}

/// Runs `forget_full` every minute for as long as the limits exist.
pub fn spawn_cleanup(limits: &Arc<RateLimits>) -> tokio::task::JoinHandle<()> {
    let weak: Weak<RateLimits> = Arc::downgrade(limits);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLEANUP_EVERY);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(limits) = weak.upgrade() else { break };
            limits.forget_full();
        }
    })
}

/// Which bucket a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Exempt,
    Public,
    Beacon,
}

fn classify(method: &Method, path: &str) -> Class {
    if EXEMPT.contains(&path) {
        Class::Exempt
    } else if method == Method::POST && is_beacon(path) {
        Class::Beacon
    } else {
        Class::Public
    }
}

/// `/api/v1/articles/{key}/views`.
fn is_beacon(path: &str) -> bool {
    path.strip_prefix("/api/v1/articles/")
        .and_then(|rest| rest.strip_suffix("/views"))
        .is_some_and(|key| !key.is_empty() && !key.contains('/'))
}

/// A bearer token that verifies (signature, expiry, claims): staff are not limited. A bad token
/// is limited like anyone else, and the handler refuses it anyway.
fn is_staff(req: &ServiceRequest, state: &AppState) -> bool {
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && state.jwt.verify(token.trim()).is_ok()
}

fn refuse(
    req: ServiceRequest,
    err: &ApiError,
    verdict: Option<Verdict>,
) -> ServiceResponse<BoxBody> {
    let mut res = err.error_response();
    if let Some(v) = verdict {
        v.write_headers(res.headers_mut());
    }
    req.into_response(res)
}

fn too_many(req: ServiceRequest, verdict: Verdict) -> ServiceResponse<BoxBody> {
    let err = ApiError::RateLimited {
        retry_after_secs: verdict.retry_after_secs(),
    };
    refuse(req, &err, Some(verdict))
}

/// The decision for a request with `X-Api-Key`: the key's bucket, or a refusal.
async fn with_key(
    limits: &RateLimits,
    state: &AppState,
    client: IpAddr,
    value: Option<&str>,
) -> Result<Verdict, (ApiError, Option<Verdict>)> {
    let value = value.map(str::trim).unwrap_or("");
    if !keys::well_formed(value) {
        return Err((keys::unknown_key(), None));
    }
    let hash = keys::hash(value);
    let grant = match limits.keys.cached(&hash).await {
        Some(grant) => grant,
        None => {
            // A lookup costs the client a token of its anonymous bucket, so guessing keys is
            // limited like any other anonymous traffic.
            if let Some(v) = limits.public.as_ref().map(|b| b.check(client))
                && !v.allowed
            {
                let err = ApiError::RateLimited {
                    retry_after_secs: v.retry_after_secs(),
                };
                return Err((err, Some(v)));
            }
            limits
                .keys
                .load(&state.pool, hash)
                .await
                .map_err(|e| (e, None))?
        }
    };
    let grant = grant.ok_or_else(|| (keys::unknown_key(), None))?;
    grant.usable(Utc::now()).map_err(|e| (e, None))?;
    limits.keys.touch(&state.pool, grant.id);
    Ok(limits.keys.check(&grant))
}

/// The middleware (`actix_web::middleware::from_fn`).
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let class = classify(req.method(), req.path());
    let limits = req.app_data::<web::Data<RateLimits>>().cloned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(limits), Some(state)) = (limits, state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if class == Class::Exempt || is_staff(&req, &state) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let client = limits.trusted.of_service_request(&req);
    let verdict = if req.headers().contains_key(API_KEY_HEADER) {
        let value = req
            .headers()
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match with_key(&limits, &state, client, value.as_deref()).await {
            Ok(v) => Some(v),
            Err((err, v)) => return Ok(refuse(req, &err, v)),
        }
    } else {
        let buckets = match class {
            Class::Beacon => limits.beacon.as_ref(),
            _ => limits.public.as_ref(),
        };
        buckets.map(|b| b.check(client))
    };
    let Some(verdict) = verdict else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !verdict.allowed {
        return Ok(too_many(req, verdict));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    verdict.write_headers(res.headers_mut());
    Ok(res)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify(&Method::GET, "/livez"), Class::Exempt);
        assert_eq!(classify(&Method::GET, "/metrics"), Class::Exempt);
        assert_eq!(
            classify(&Method::POST, "/api/v1/articles/12/views"),
            Class::Beacon
        );
        assert_eq!(
            classify(&Method::POST, "/api/v1/articles/a-slug/views"),
            Class::Beacon
        );
        assert_eq!(
            classify(&Method::GET, "/api/v1/articles/12/views"),
            Class::Public
        );
        assert_eq!(
            classify(&Method::POST, "/api/v1/articles/12/revisions/1/views"),
            Class::Public
        );
        assert_eq!(
            classify(&Method::POST, "/api/v1/articles//views"),
            Class::Public
        );
        assert_eq!(classify(&Method::GET, "/api/v1/articles"), Class::Public);
    }
}
