//! A request's database budget: once a request first waits for a connection or runs a
//! statement, all of its database work must end within `DATABASE_REQUEST_BUDGET_SECS`.
//!
//! The HTTP middleware (`crate::deadlines`) runs each request inside [`within`]; the pool
//! checkout calls [`arm`] and every statement `KillSwitch::started`, which start the clock the
//! first time.
//! Time spent before that (reading the body, checking a token's signature) is not counted. When
//! the budget runs out, the connections on which the request's statements still wait are
//! closed: those statements fail, and the request answers 503 through its ordinary error path
//! (with every header the middleware adds). A closed connection is never reused. Background
//! work (the scheduler, the webhook worker) runs under a budget too.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

tokio::task_local! {
    static BUDGET: Arc<Budget>;
}

/// How long a request may take to answer after its connections were closed (it normally
/// answers at once, with the error of its interrupted statement).
const GRACE: Duration = Duration::from_secs(2);

/// One pooled connection's state as the budget sees it, and the means to close its socket from
/// outside (see `connect::establish`).
#[derive(Debug, Default)]
pub struct KillSwitch {
    closed: Notify,
    /// Statements started and not yet answered.
    unanswered: AtomicU32,
    /// The budget (request) whose statement started last on it; 0 for none.
    owner: AtomicUsize,
}

impl KillSwitch {
    /// Closes the connection.
    pub fn kill(&self) {
        self.closed.notify_one();
    }

    pub async fn killed(&self) {
        self.closed.notified().await;
    }

    /// Statements started and not yet answered on this connection.
    pub fn unanswered(&self) -> u32 {
        self.unanswered.load(Ordering::Acquire)
    }

    /// A statement starts on this connection: it belongs to the current request (if any), whose
    /// clock starts.
    pub fn started(self: &Arc<Self>) {
        self.unanswered.fetch_add(1, Ordering::AcqRel);
        let owner = BUDGET
            .try_with(|b| {
                b.arm();
                if let Ok(mut used) = b.used.lock()
                    && !used.iter().any(|s| Arc::ptr_eq(s, self))
                {
                    used.push(self.clone());
                }
                b.id()
            })
            .unwrap_or(0);
        self.owner.store(owner, Ordering::Release);
    }

    /// A statement on this connection was answered.
    pub fn finished(&self) {
        let _ = self
            .unanswered
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// Closes the connection if `budget`'s statement is still waiting on it (a connection the
    /// request already gave back may be serving someone else).
    fn kill_if_stuck_for(&self, budget: usize) {
        if self.unanswered() > 0 && self.owner.load(Ordering::Acquire) == budget {
            self.kill();
        }
    }
}

#[derive(Default)]
struct Budget {
    armed_at: OnceLock<Instant>,
    armed: Notify,
    /// The connections this request has run statements on.
    used: Mutex<Vec<Arc<KillSwitch>>>,
}

impl Budget {
    /// Unique while the budget lives.
    fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    fn arm(&self) {
        if self.armed_at.set(Instant::now()).is_ok() {
            self.armed.notify_one();
        }
    }
}

/// Starts the current request's clock (no-op outside a request, or when it already runs).
pub fn arm() {
    let _ = BUDGET.try_with(|b| b.arm());
}

/// How a bounded future ended.
pub enum Bounded<T> {
    /// In time, or (`overran: true`) after its connections were closed at the deadline; then
    /// its output is normally the error of the interrupted statement.
    Done { output: T, overran: bool },
    /// It did not end even after its connections were closed.
    Stuck,
}

/// Runs `fut`; once it touches the database it has `limit` to finish, after which the
/// connections it used are closed (so its pending statements fail and it answers).
pub async fn within<F: Future>(limit: Duration, fut: F) -> Bounded<F::Output> {
    let budget = Arc::new(Budget::default());
    let fut = BUDGET.scope(budget.clone(), fut);
    tokio::pin!(fut);
    tokio::select! {
        biased;
        output = &mut fut => return Bounded::Done { output, overran: false },
        _ = budget.armed.notified() => {}
    }
    let started = budget.armed_at.get().copied().unwrap_or_else(Instant::now);
    tokio::select! {
        biased;
        output = &mut fut => return Bounded::Done { output, overran: false },
        _ = tokio::time::sleep_until(started + limit) => {}
    }
    let used = budget.used.lock().map(|u| u.clone()).unwrap_or_default();
    for switch in &used {
        switch.kill_if_stuck_for(budget.id());
    }
    match tokio::time::timeout(GRACE, fut).await {
        Ok(output) => Bounded::Done {
            output,
            overran: true,
        },
        Err(_) => Bounded::Stuck,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn unarmed_work_is_not_bounded() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            7
        };
        assert!(matches!(
            within(Duration::from_secs(1), slow).await,
            Bounded::Done {
                output: 7,
                overran: false
            }
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_starts_when_armed() {
        let work = async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            arm();
            tokio::time::sleep(Duration::from_millis(900)).await;
            1
        };
        assert!(matches!(
            within(Duration::from_secs(1), work).await,
            Bounded::Done {
                output: 1,
                overran: false
            }
        ));
        let switch = Arc::new(KillSwitch::default());
        let connection = switch.clone();
        // A statement that answers only when its connection is closed.
        let interrupted = async move {
            connection.started();
            connection.killed().await;
            "closed"
        };
        assert!(matches!(
            within(Duration::from_secs(1), interrupted).await,
            Bounded::Done {
                output: "closed",
                overran: true
            }
        ));
        let stuck = async {
            arm();
            tokio::time::sleep(Duration::from_secs(60)).await;
        };
        assert!(matches!(
            within(Duration::from_secs(1), stuck).await,
            Bounded::Stuck
        ));
    }
}
