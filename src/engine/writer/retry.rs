//! The wait between two tries of a write.
//!
//! Throttling and unprocessed items mean DynamoDB has no capacity for the write now; sending
//! it again at once only adds to the load. The wait doubles from 50 ms up to 5 s, and each
//! wait is drawn between half and all of that ("equal jitter"), so that the many calls in
//! flight, throttled together, do not all come back together.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The first wait's ceiling.
pub const FIRST_WAIT: Duration = Duration::from_millis(50);

/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(5);

/// The waits of one write's tries.
#[derive(Debug, Clone)]
pub struct Backoff {
    tries: u32,
    random: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    pub fn new() -> Self {
        // Jitter needs no strong randomness: a clock read and a counter differ per writer.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self::with_seed(clock ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed))
    }

    /// A backoff whose jitter is drawn from `seed` (tests).
    pub fn with_seed(seed: u64) -> Self {
        Self {
            tries: 0,
            random: seed,
        }
    }

    /// The ceiling of the next wait: 50 ms doubled per try, at most 5 s.
    pub fn ceiling(&self) -> Duration {
        FIRST_WAIT
            .saturating_mul(1u32 << self.tries.min(16))
            .min(MAX_WAIT)
    }

    /// The next wait: between half and all of the ceiling.
    pub fn next_wait(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.tries = self.tries.saturating_add(1);
        let half = ceiling / 2;
        let spread = u64::try_from(half.as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(self.next_random() % (spread + 1))
    }

    /// Sleeps the next wait.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_wait()).await;
    }

    /// SplitMix64.
    fn next_random(&mut self) -> u64 {
        self.random = self.random.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[test]
    fn waits_double_from_50_ms_to_5_s_with_jitter() {
        let mut backoff = Backoff::with_seed(7);
        let mut ceilings = Vec::new();
        for _ in 0..12 {
            let ceiling = backoff.ceiling();
            let wait = backoff.next_wait();
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "{wait:?} of {ceiling:?}"
            );
            ceilings.push(ceiling.as_millis());
        }
        assert_eq!(
            ceilings,
            [50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000]
        );
        // Thousands of tries later it is still 5 s at most.
        for _ in 0..5000 {
            assert!(backoff.next_wait() <= MAX_WAIT);
        }
    }

    #[test]
    fn two_backoffs_do_not_wait_alike() {
        let waits = |seed| {
            let mut b = Backoff::with_seed(seed);
            (0..6).map(|_| b.next_wait()).collect::<Vec<_>>()
        };
        assert_ne!(waits(1), waits(2));
        let firsts: Vec<Duration> = (0..6).map(|_| Backoff::new().next_wait()).collect();
        assert!(firsts.windows(2).any(|w| w[0] != w[1]), "{firsts:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn ten_tries_wait_between_half_and_all_of_the_ceilings() {
        let mut backoff = Backoff::with_seed(42);
        let start = Instant::now();
        for _ in 0..10 {
            backoff.wait().await;
        }
        // Ceilings: 50+100+…+3,200 = 6,350 ms, then 5,000 three times: 21,350 ms.
        let took = start.elapsed().as_millis();
        assert!((10_675..=21_350).contains(&took), "{took}");
    }
}
