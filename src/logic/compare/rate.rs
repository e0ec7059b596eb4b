//! A read-rate cap as a token bucket, on a clock the caller supplies (seconds), so that the
//! arithmetic is tested without waiting. A Scan page's cost is known only once it is read
//! (AWS reports its consumed capacity), so a read is allowed whenever the bucket is not in
//! debt and its cost is taken afterwards: the average rate holds, and one page may overdraw.

/// Read capacity units allowed per second, with at most one second of them saved up.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: f64,
}

impl TokenBucket {
    /// A full bucket of `per_second` units at time `now`.
    pub fn new(per_second: f64, now: f64) -> TokenBucket {
        let rate = per_second.max(0.001);
        TokenBucket {
            rate,
            tokens: rate,
            last: now,
        }
    }

    fn refill(&mut self, now: f64) {
        if now > self.last {
            self.tokens = (self.tokens + (now - self.last) * self.rate).min(self.rate);
            self.last = now;
        }
    }

    /// Seconds to wait at `now` before the next read may start (0 when it may start now).
    pub fn wait(&mut self, now: f64) -> f64 {
        self.refill(now);
        if self.tokens > 0.0 {
            0.0
        } else {
            (-self.tokens + f64::EPSILON) / self.rate
        }
    }

    /// Takes the cost of a read done, at `now`.
    pub fn spend(&mut self, cost: f64, now: f64) {
        self.refill(now);
        self.tokens -= cost.max(0.0);
    }
}

/// Read capacity a consistent read of `bytes` costs without AWS saying: one unit per 4 KB,
/// rounded up per item; for when an answer carries no consumed capacity (an emulator).
pub fn consistent_read_units(item_bytes: impl IntoIterator<Item = usize>) -> f64 {
    item_bytes
        .into_iter()
        .map(|b| b.div_ceil(4096).max(1) as f64)
        .sum()
}

/// The most items a Scan page asks for: what the compare holds in memory at once is this
/// many items per segment of each table, however large the tables (a page without a limit is
/// up to 1 MB, which with 16 segments in flight and the items decoded came to over 100 MB).
pub const PAGE_ITEMS: i32 = 500;

/// Items a Scan page asks for: under a read-rate cap, about a second of the segment's share
/// of `max_rcu`, from what an item cost on the previous page (100 before any page), between
/// 10 and [`PAGE_ITEMS`]; without a cap, [`PAGE_ITEMS`].
pub fn page_limit(max_rcu: Option<u32>, segments: u32, units_per_item: Option<f64>) -> Option<i32> {
    let Some(max) = max_rcu.map(f64::from) else {
        return Some(PAGE_ITEMS);
    };
    let share = max / f64::from(segments.max(1));
    let items = match units_per_item {
        Some(u) if u > 0.0 => share / u,
        _ => 100.0,
    };
    Some(items.clamp(10.0, f64::from(PAGE_ITEMS)) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_rate_holds_however_pages_overdraw() {
        let mut bucket = TokenBucket::new(10.0, 0.0);
        let mut now = 0.0;
        let mut spent = 0.0;
        // Pages of 25 units: each waits until the bucket is out of debt.
        for _ in 0..40 {
            now += bucket.wait(now);
            bucket.spend(25.0, now);
            spent += 25.0;
        }
        let rate = spent / (now + bucket.wait(now));
        assert!((9.0..=10.5).contains(&rate), "rate {rate}");
    }

    #[test]
    fn a_full_bucket_lets_the_first_read_start_at_once() {
        let mut bucket = TokenBucket::new(5.0, 100.0);
        assert_eq!(bucket.wait(100.0), 0.0);
        bucket.spend(10.0, 100.0);
        assert!((bucket.wait(100.0) - 1.0).abs() < 1e-6);
        assert_eq!(bucket.wait(101.5), 0.0);
    }

    #[test]
    fn pages_are_sized_to_a_second_of_the_cap() {
        assert_eq!(page_limit(None, 8, Some(0.1)), Some(PAGE_ITEMS));
        assert_eq!(page_limit(Some(800), 8, None), Some(100));
        // 100 units a second for the segment, a quarter unit an item: 400 items.
        assert_eq!(page_limit(Some(800), 8, Some(0.25)), Some(400));
        assert_eq!(page_limit(Some(1), 8, Some(2.0)), Some(10));
        assert_eq!(page_limit(Some(1_000_000), 1, Some(0.01)), Some(PAGE_ITEMS));
    }

    #[test]
    fn units_are_counted_per_started_4_kb() {
        assert_eq!(consistent_read_units([10, 4096, 4097]), 4.0);
        assert_eq!(consistent_read_units([]), 0.0);
    }
}
