//! The delivery worker: claims due deliveries (several instances may run: rows are leased with
//! `FOR UPDATE SKIP LOCKED`), sends them signed, records each attempt and schedules retries
//! with exponential backoff until the delivery's age limit, then gives up.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::Notify;

use super::{guard, sign};
use crate::config::Config;
use crate::db::DbPool;
use crate::db::budget::{self, Bounded};
use crate::models::ids::WebhookId;
use crate::models::webhook::{self, Webhook};
use crate::models::webhook_delivery::{self as delivery, Delivery, Outcome};

/// Deliveries claimed (and sent concurrently) per round.
const BATCH: i64 = 16;
/// Most response body kept in the log, in bytes.
const SNIPPET_BYTES: usize = 1024;

/// Attempts since start, for the metrics endpoint.
#[derive(Debug, Default)]
pub struct Stats {
    pub succeeded: AtomicU64,
    pub failed: AtomicU64,
}

/// The worker's settings (from `Config`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    pub poll: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub max_age: chrono::Duration,
    pub allow_private: bool,
    /// The database budget of one round (on top of the delivery timeout).
    pub budget: Duration,
}

impl Settings {
    pub fn from_config(c: &Config) -> Self {
        Self {
            timeout: Duration::from_secs_f64(c.webhook_timeout_secs),
            poll: Duration::from_secs_f64(c.webhook_poll_interval),
            retry_base: Duration::from_secs_f64(c.webhook_retry_base_secs),
            retry_max: Duration::from_secs_f64(c.webhook_retry_max_secs),
            max_age: chrono::Duration::seconds(
                i64::try_from(c.webhook_max_age_secs).unwrap_or(86_400),
            ),
            allow_private: c.webhook_allow_private,
            budget: c.request_budget(),
        }
    }

    /// How long an attempt may hold a delivery before another worker takes it over.
    fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(30)
    }

    /// The wait before the next attempt after `attempts` failed ones: `base * 2^(attempts-1)`,
    /// capped, plus up to 10 % jitter.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(0);
        let delay = self
            .retry_base
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.retry_max);
        delay.mul_f64(1.0 + rand::rng().random_range(0.0..0.1))
    }
}

/// The HTTP client deliveries go out with: a timeout, no redirects, no proxy, and a resolver
/// that refuses private addresses unless they are allowed.
pub fn client(s: &Settings) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(s.timeout)
        .connect_timeout(s.timeout)
        .user_agent(concat!("newsdesk-webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(guard::GuardedResolver {
            allow_private: s.allow_private,
        }))
        .build()
        .map_err(|e| format!("cannot build the webhook HTTP client: {e}"))
}

/// Runs until `stop` is notified: claims due deliveries, sends them, sleeps when there are none.
pub async fn run(pool: DbPool, settings: Settings, stats: Arc<Stats>, stop: Arc<Notify>) {
    let client = match client(&settings) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker not started");
            return;
        }
    };
    loop {
        let limit = settings.budget + settings.timeout;
        let sent = match budget::within(limit, round(&pool, &client, &settings, &stats)).await {
            Bounded::Done { output: Ok(n), .. } => n,
            Bounded::Done { output: Err(e), .. } => {
                tracing::warn!(error = %e, "webhook worker: claiming deliveries failed");
                0
            }
            Bounded::Stuck => {
                tracing::warn!("webhook worker: a round overran its database budget");
                0
            }
        };
        if sent == 0 {
            tokio::select! {
                _ = tokio::time::sleep(settings.poll) => {}
                _ = stop.notified() => return,
            }
        }
    }
}

/// One round: claim, send concurrently, record. The number of deliveries claimed.
async fn round(
    pool: &DbPool,
    client: &reqwest::Client,
    s: &Settings,
    stats: &Stats,
) -> Result<usize, String> {
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    let claimed = delivery::claim_due(&mut conn, BATCH, s.lease())
        .await
        .map_err(|e| e.to_string())?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut ids: Vec<WebhookId> = claimed.iter().map(|d| d.webhook_id).collect();
    ids.sort();
    ids.dedup();
    let hooks: HashMap<WebhookId, Webhook> = webhook::by_ids(&mut conn, &ids)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    drop(conn);
    let n = claimed.len();
    let sends = claimed.into_iter().map(|d| {
        let hook = hooks.get(&d.webhook_id).cloned();
        async move {
            let outcome = attempt(client, s, hook.as_ref(), &d).await;
            record(pool, s, stats, &d, outcome).await;
        }
    });
    futures_util::future::join_all(sends).await;
    Ok(n)
}

/// One attempt: `Ok` for a 2xx, `Err` with what went wrong otherwise.
async fn attempt(
    client: &reqwest::Client,
    s: &Settings,
    hook: Option<&Webhook>,
    d: &Delivery,
) -> Result<Outcome, Outcome> {
    let started = Instant::now();
    let fail = |status_code: Option<i32>, error: String, response: Option<String>| Outcome {
        status_code,
        error: Some(error),
        response,
        duration_ms: elapsed_ms(started),
    };
    let Some(hook) = hook.filter(|h| h.active) else {
        return Err(fail(None, "the webhook is inactive".into(), None));
    };
    let url = guard::parse(&hook.url)
        .and_then(|u| guard::literal_allowed(&u, s.allow_private).map(|()| u))
        .map_err(|e| fail(None, format!("refused: the URL {e}"), None))?;
    let body = serde_json::to_vec(&d.payload).unwrap_or_default();
    let timestamp = Utc::now().timestamp();
    let request = client
        .post(url)
        .header("content-type", "application/json")
        .header("newsdesk-event", &d.event)
        .header("newsdesk-delivery", d.id.to_string())
        .header("newsdesk-timestamp", timestamp.to_string())
        .header(
            "newsdesk-signature",
            sign::signature(&hook.secret, timestamp, &body),
        )
        .body(body);
    let mut res = request
        .send()
        .await
        .map_err(|e| fail(None, describe(&e, s), None))?;
    let status = res.status();
    let snippet = snippet(&mut res).await;
    let code = Some(i32::from(status.as_u16()));
    if status.is_success() {
        Ok(Outcome {
            status_code: code,
            error: None,
            response: snippet,
            duration_ms: elapsed_ms(started),
        })
    } else if status.is_redirection() {
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
            .chars()
            .take(200)
            .collect::<String>();
        Err(fail(
            code,
            format!("HTTP {status}: redirect to `{to}` not followed"),
            snippet,
        ))
    } else {
        Err(fail(code, format!("HTTP {status}"), snippet))
    }
}

/// The first KiB of the response body, as text.
async fn snippet(res: &mut reqwest::Response) -> Option<String> {
    let mut buf = Vec::new();
    while buf.len() < SNIPPET_BYTES {
        match res.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
            _ => break,
        }
    }
    buf.truncate(SNIPPET_BYTES);
    (!buf.is_empty()).then(|| String::from_utf8_lossy(&buf).replace('\u{0}', ""))
}

/// A send error with its causes (the resolver's refusal is a cause).
fn describe(e: &reqwest::Error, s: &Settings) -> String {
    if e.is_timeout() {
        return format!("timed out after {:?}", s.timeout);
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text.chars().take(500).collect()
}

fn elapsed_ms(started: Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// When to try again after a failed attempt, or `None` to give up.
pub fn retry_at(s: &Settings, d: &Delivery, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let give_up = d.give_up_at.unwrap_or(d.created_at + s.max_age);
    if now >= give_up {
        return None;
    }
    let wait = chrono::Duration::from_std(s.backoff(d.attempts)).unwrap_or(chrono::Duration::MAX);
    Some(now.checked_add_signed(wait).unwrap_or(give_up).min(give_up))
}

async fn record(
    pool: &DbPool,
    s: &Settings,
    stats: &Stats,
    d: &Delivery,
    result: Result<Outcome, Outcome>,
) {
    let Ok(mut conn) = pool.get().await else {
        // The lease runs out and another round takes the delivery again.
        tracing::warn!(delivery = %d.id, "webhook worker: cannot record an attempt");
        return;
    };
    let written = match &result {
        Ok(outcome) => {
            stats.succeeded.fetch_add(1, Ordering::Relaxed);
            delivery::succeeded(&mut conn, d.id, outcome).await
        }
        Err(outcome) => {
            stats.failed.fetch_add(1, Ordering::Relaxed);
            let next = retry_at(s, d, Utc::now());
            tracing::info!(delivery = %d.id, attempts = d.attempts, error = ?outcome.error,
                           retry_at = ?next, "webhook delivery attempt failed");
            delivery::attempt_failed(&mut conn, d.id, outcome, next).await
        }
    };
    if let Err(e) = written {
        tracing::warn!(delivery = %d.id, error = %e, "webhook worker: recording an attempt failed");
    }
}
