//! The read-rate cap of one table, shared by its Scan segments and its reads by key: each
//! read waits while the table's token bucket is in debt, and its cost is taken once AWS
//! reports it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::logic::compare::TokenBucket;

pub(super) struct ReadLimiter {
    bucket: Option<Mutex<TokenBucket>>,
    start: Instant,
}

impl ReadLimiter {
    /// A limiter of `max_rcu` units a second; `None` lets every read through at once.
    pub fn new(max_rcu: Option<u32>) -> ReadLimiter {
        ReadLimiter {
            bucket: max_rcu.map(|r| Mutex::new(TokenBucket::new(f64::from(r), 0.0))),
            start: Instant::now(),
        }
    }

    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Waits until a read may start.
    pub async fn before_read(&self) {
        let Some(bucket) = &self.bucket else {
            return;
        };
        loop {
            let wait = bucket
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .wait(self.now());
            if wait <= 0.0 {
                return;
            }
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }

    /// Takes the cost of a read done.
    pub fn spent(&self, units: f64) {
        if let Some(bucket) = &self.bucket {
            bucket
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .spend(units, self.now());
        }
    }
}
