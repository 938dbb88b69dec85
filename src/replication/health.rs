//! The replicas' health check: every `REPLICA_CHECK_INTERVAL_MS`, the primary's position is
//! sampled and each replica asked how far it has replayed. A replica's lag is the age of the
//! oldest primary position it has not replayed yet (zero when it has replayed everything seen),
//! measured on this instance's clock only, so it needs no synchronized clocks and does not grow
//! while the primary is idle. Out of rotation: not answering, not a standby, or lagging more than
//! `REPLICA_MAX_LAG_SECS`; back as soon as a check finds it well.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable};
use diesel_async::RunQueryDsl;
use tokio::sync::Notify;

use super::lsn::{self, Lsn};
use super::{Replica, Replicas};
use crate::db::DbPool;

/// Primary positions remembered (a replica down for long saturates at the oldest one kept).
const MAX_SAMPLES: usize = 4096;

#[derive(QueryableByName)]
struct Standby {
    #[diesel(sql_type = Bool)]
    recovering: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    lsn: Option<i64>,
}

/// What one check found on one replica.
enum Found {
    Down(String),
    NotStandby,
    Replayed(Lsn),
}

/// Checks until `stop`. `primary` is a pool of its own (one connection).
pub async fn run(replicas: Arc<Replicas>, primary: DbPool, stop: Arc<Notify>) {
    let mut samples: VecDeque<(Instant, Lsn)> = VecDeque::new();
    let mut ticker = tokio::time::interval(replicas.check_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let timeout = replicas.check_every.max(Duration::from_secs(1));
    let stopped = stop.notified();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => return,
            _ = ticker.tick() => {}
        }
        if let Some(at) = primary_position(&primary, timeout).await {
            samples.push_back((Instant::now(), at));
            if samples.len() > MAX_SAMPLES {
                samples.pop_front();
            }
        }
        let mut slowest: Option<Lsn> = None;
        for replica in replicas.list() {
            let found = ask(replica, timeout).await;
            if let Found::Replayed(at) = found {
                slowest = Some(slowest.map_or(at, |s| s.min(at)));
            }
            judge(&replicas, replica, found, &samples);
        }
        // Positions every replica has replayed are no longer needed to measure anyone's lag.
        if let Some(slowest) = slowest {
            while samples.len() > 1 && samples.get(1).is_some_and(|(_, l)| *l <= slowest) {
                samples.pop_front();
            }
        }
    }
}

async fn primary_position(primary: &DbPool, timeout: Duration) -> Option<Lsn> {
    let read = async {
        let mut conn = primary.get().await.ok()?;
        lsn::current(&mut conn).await.ok()
    };
    tokio::time::timeout(timeout, read).await.ok().flatten()
}

async fn ask(replica: &Replica, timeout: Duration) -> Found {
    let read = async {
        let mut conn = replica.monitor.get().await.map_err(|e| e.to_string())?;
        diesel::sql_query(
            "SELECT pg_is_in_recovery() AS recovering, \
                    (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS lsn",
        )
        .get_result::<Standby>(&mut conn)
        .await
        .map_err(|e| e.to_string())
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) => Found::Down("the health check timed out".into()),
        Ok(Err(e)) => Found::Down(e),
        Ok(Ok(s)) if !s.recovering => Found::NotStandby,
        Ok(Ok(s)) => Found::Replayed(Lsn(s.lsn.map_or(0, |n| u64::try_from(n).unwrap_or(0)))),
    }
}

/// Age of the oldest sampled primary position beyond `at`.
fn lag(samples: &VecDeque<(Instant, Lsn)>, at: Lsn) -> Duration {
    samples
        .iter()
        .find(|(_, l)| *l > at)
        .map_or(Duration::ZERO, |(t, _)| t.elapsed())
}

fn judge(replicas: &Replicas, replica: &Replica, found: Found, samples: &VecDeque<(Instant, Lsn)>) {
    match found {
        Found::Down(why) => {
            if replica.up.swap(false, Ordering::AcqRel) {
                tracing::warn!(replica = %replica.name, error = %why, "replica does not answer");
            }
            replica.take_out("does not answer");
        }
        Found::NotStandby => {
            replica.up.store(false, Ordering::Release);
            replica.take_out("not a standby (pg_is_in_recovery() is false)");
        }
        Found::Replayed(at) => {
            replica.up.store(true, Ordering::Release);
            replica.note_replayed(at);
            let behind = lag(samples, at);
            replica
                .lag_ms
                .store(behind.as_millis() as u64, Ordering::Relaxed);
            if behind > replicas.max_lag {
                replica.take_out("lagging beyond REPLICA_MAX_LAG_SECS");
            } else if !replica.in_rotation.swap(true, Ordering::AcqRel) {
                tracing::info!(replica = %replica.name, lag_ms = behind.as_millis() as u64, "replica in rotation");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_the_age_of_the_oldest_position_not_replayed() {
        let now = Instant::now();
        let ago = |ms| now.checked_sub(Duration::from_millis(ms)).unwrap_or(now);
        let samples: VecDeque<(Instant, Lsn)> = [
            (ago(3000), Lsn(100)),
            (ago(2000), Lsn(200)),
            (ago(1000), Lsn(300)),
        ]
        .into();
        assert_eq!(
            lag(&samples, Lsn(300)),
            Duration::ZERO,
            "replayed everything"
        );
        assert_eq!(
            lag(&samples, Lsn(400)),
            Duration::ZERO,
            "ahead of the last sample"
        );
        let behind = lag(&samples, Lsn(150));
        assert!(behind >= Duration::from_millis(2000) && behind < Duration::from_millis(2500));
        let behind = lag(&samples, Lsn(0));
        assert!(behind >= Duration::from_millis(3000), "{behind:?}");
        assert_eq!(
            lag(&VecDeque::new(), Lsn(0)),
            Duration::ZERO,
            "nothing sampled yet"
        );
    }
}
