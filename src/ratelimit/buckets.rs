//! Token buckets (GCRA, from `governor`) and what a decision tells the client.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock, QuantaInstant};
use governor::middleware::{StateInformationMiddleware, StateSnapshot};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{NotUntil, Quota, RateLimiter};

pub const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
pub const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
pub const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The outcome of one check, as the `RateLimit-*` headers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// The bucket size (burst).
    pub limit: u32,
    /// Requests that may follow at once.
    pub remaining: u32,
    /// Allowed: until the bucket is full again. Refused: until the next request is allowed.
    pub reset: Duration,
}

impl Verdict {
    fn of(outcome: Result<StateSnapshot, NotUntil<QuantaInstant>>, now: QuantaInstant) -> Self {
        match outcome {
            Ok(snapshot) => {
                let quota = snapshot.quota();
                let limit = quota.burst_size().get();
                let remaining = snapshot.remaining_burst_capacity().min(limit);
                let reset = quota
                    .replenish_interval()
                    .checked_mul(limit - remaining)
                    .unwrap_or(Duration::MAX);
                Self {
                    allowed: true,
                    limit,
                    remaining,
                    reset,
                }
            }
            Err(not_until) => Self {
                allowed: false,
                limit: not_until.quota().burst_size().get(),
                remaining: 0,
                reset: not_until.wait_time_from(now),
            },
        }
    }

    /// Whole seconds, rounded up.
    pub fn reset_secs(&self) -> u64 {
        let secs = self.reset.as_secs();
        if self.reset.subsec_nanos() > 0 {
            secs.saturating_add(1)
        } else {
            secs
        }
    }

    /// For `Retry-After`: at least one second.
    pub fn retry_after_secs(&self) -> u64 {
        self.reset_secs().max(1)
    }

    /// Sets `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert(RATELIMIT_LIMIT, HeaderValue::from(self.limit));
        headers.insert(RATELIMIT_REMAINING, HeaderValue::from(self.remaining));
        headers.insert(RATELIMIT_RESET, HeaderValue::from(self.reset_secs()));
    }
}

/// A quota of `per_minute` requests (refill rate) with bucket size `burst`; `None` when either
/// is zero (limiting off).
pub fn quota(per_minute: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(burst)?;
    Some(Quota::per_minute(rate).allow_burst(burst))
}

type Keyed =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;
type Direct = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// One bucket per client address (IPv6 clients per /64, which one subscriber usually holds).
#[derive(Debug)]
pub struct ClientBuckets(Keyed);

impl ClientBuckets {
    pub fn new(quota: Quota) -> Self {
        Self(RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>())
    }

    /// Takes one token from the client's bucket, if there is one.
    pub fn check(&self, client: IpAddr) -> Verdict {
        let outcome = self.0.check_key(&bucket_of(client));
        Verdict::of(outcome, self.0.clock().now())
    }

    /// Forgets buckets that have refilled completely (they are the same as new ones).
    pub fn forget_full(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }
}

/// A single bucket (one API key).
#[derive(Debug)]
pub struct Bucket(Direct);

impl Bucket {
    pub fn new(quota: Quota) -> Self {
        Self(RateLimiter::direct(quota).with_middleware::<StateInformationMiddleware>())
    }

    pub fn check(&self) -> Verdict {
        let outcome = self.0.check();
        Verdict::of(outcome, self.0.clock().now())
    }
}

/// The address a bucket belongs to: IPv4 as is, IPv6 cut to its /64 network.
pub fn bucket_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_with_a_wait() {
        let buckets = ClientBuckets::new(quota(60, 3).unwrap());
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let first = buckets.check(ip);
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining), (3, 2));
        assert_eq!(first.reset_secs(), 1);
        assert_eq!(buckets.check(ip).remaining, 1);
        let third = buckets.check(ip);
        assert_eq!(third.remaining, 0);
        assert_eq!(third.reset_secs(), 3);
        let refused = buckets.check(ip);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_secs(), 1);
        // Another client has its own bucket.
        assert!(buckets.check("203.0.113.10".parse().unwrap()).allowed);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(bucket_of(a), bucket_of(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(bucket_of(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn zero_turns_limiting_off() {
        assert!(quota(0, 10).is_none());
        assert!(quota(10, 0).is_none());
    }

    #[test]
    fn headers_are_whole_seconds() {
        let mut headers = HeaderMap::new();
        Verdict {
            allowed: true,
            limit: 10,
            remaining: 4,
            reset: Duration::from_millis(2500),
        }
        .write_headers(&mut headers);
        assert_eq!(headers.get(RATELIMIT_LIMIT).unwrap(), "10");
        assert_eq!(headers.get(RATELIMIT_REMAINING).unwrap(), "4");
        assert_eq!(headers.get(RATELIMIT_RESET).unwrap(), "3");
    }
}
