//! A value loaded from the database and reused while younger than a bound (a bound only:
//! invalidations drop it at once).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub struct Fresh<T> {
    slot: RwLock<Option<(Instant, Arc<T>)>>,
    ttl: Duration,
}

impl<T> Fresh<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            slot: RwLock::new(None),
            ttl,
        }
    }

    /// The value, when it was stored less than the bound ago.
    pub fn get(&self) -> Option<Arc<T>> {
        let slot = self.slot.read().ok()?;
        let (at, value) = slot.as_ref()?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub fn put(&self, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((Instant::now(), value));
        }
    }

    pub fn forget(&self) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = None;
        }
    }
}
