//! The cap on the write capacity the writer consumes (`max_wcu`).
//!
//! A load into a table that serves traffic must leave that traffic its capacity, and on a
//! provisioned table anything above its write capacity is throttled anyway. A token bucket
//! refilled `max_wcu` units a second, holding at most one second's worth, is taken from
//! before each call. A call that costs more than a second's worth waits for a full bucket and
//! leaves it in debt, so large items slow the writer down instead of blocking it for good.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket of write capacity units.
#[derive(Debug)]
pub struct WriteRate {
    per_second: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Units available; below zero after a call that cost more than the bucket held.
    units: f64,
    refilled_at: Instant,
}

impl WriteRate {
    /// A bucket refilled `max_wcu` units a second (at least 1), full at the start.
    pub fn new(max_wcu: u32) -> Self {
        let per_second = f64::from(max_wcu.max(1));
        Self {
            per_second,
            state: Mutex::new(Bucket {
                units: per_second,
                refilled_at: Instant::now(),
            }),
        }
    }

    /// Waits until `units` may be consumed, and consumes them.
    pub async fn acquire(&self, units: u64) {
        let wanted = units as f64;
        loop {
            let wait = {
                let mut bucket = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
                bucket.units = (bucket.units + elapsed * self.per_second).min(self.per_second);
                bucket.refilled_at = now;
                let needed = wanted.min(self.per_second);
                if bucket.units >= needed {
                    bucket.units -= wanted;
                    return;
                }
                Duration::from_secs_f64((needed - bucket.units) / self.per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_then_max_wcu_a_second() {
        let rate = WriteRate::new(100);
        let start = Instant::now();
        // The first second's worth at once.
        rate.acquire(100).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        // Then 100 units a second: 250 more take 2.5 s.
        for _ in 0..10 {
            rate.acquire(25).await;
        }
        let took = start.elapsed().as_secs_f64();
        assert!((2.49..2.52).contains(&took), "{took}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_larger_than_a_second_waits_for_a_full_bucket_and_owes_the_rest() {
        let rate = WriteRate::new(10);
        let start = Instant::now();
        rate.acquire(10).await;
        // 40 units: waits for a full bucket (1 s), then the bucket owes 30 (3 s more).
        rate.acquire(40).await;
        assert!((0.99..1.01).contains(&start.elapsed().as_secs_f64()));
        rate.acquire(1).await;
        let took = start.elapsed().as_secs_f64();
        assert!((4.09..4.11).contains(&took), "{took}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_bucket_holds_one_second_only() {
        let rate = WriteRate::new(50);
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        rate.acquire(50).await;
        rate.acquire(50).await;
        let took = start.elapsed().as_secs_f64();
        assert!((0.99..1.01).contains(&took), "{took}");
    }

    #[tokio::test(start_paused = true)]
    async fn many_writers_share_the_rate() {
        let rate = std::sync::Arc::new(WriteRate::new(200));
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let rate = rate.clone();
            tasks.spawn(async move {
                for _ in 0..25 {
                    rate.acquire(5).await;
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        // 1,000 units at 200 a second after a full bucket of 200: 4 s.
        let took = start.elapsed().as_secs_f64();
        assert!((3.95..4.1).contains(&took), "{took}");
    }
}
