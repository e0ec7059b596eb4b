//! How often to ask AWS about a running job. Real exports and imports take minutes to hours and
//! report nothing until they end, so polling starts quick (a tiny job, an emulator) and then
//! spaces out to at most two calls a minute.

use std::time::Duration;

/// The gaps between status calls: 1, 2, 3, 5, 8, 13, 20 seconds, then every 30 seconds.
#[derive(Debug, Clone, Default)]
pub struct PollSchedule {
    calls: u32,
}

const STEPS: [u64; 7] = [1, 2, 3, 5, 8, 13, 20];
const CEILING: u64 = 30;

impl PollSchedule {
    pub fn new() -> Self {
        Self::default()
    }

    /// The wait before the next status call.
    pub fn next_delay(&mut self) -> Duration {
        let secs = STEPS.get(self.calls as usize).copied().unwrap_or(CEILING);
        self.calls = self.calls.saturating_add(1);
        Duration::from_secs(secs)
    }

    /// How many status calls a job of `duration` costs (the first call is made at once).
    pub fn calls_for(duration: Duration) -> u32 {
        let mut schedule = Self::new();
        let mut waited = Duration::ZERO;
        let mut calls = 1;
        while waited < duration {
            waited += schedule.next_delay();
            calls += 1;
        }
        calls
    }
}

/// About how many minutes a job takes for a table of `bytes`: AWS publishes no rate, and an
/// export of even a tiny table takes about 10 minutes. A rough figure, labelled as one.
pub fn expected_minutes(bytes: i64, import: bool) -> u64 {
    let gb = (bytes.max(0) as f64) / 1e9;
    if import {
        (5.0 + gb * 12.0).round() as u64
    } else {
        (10.0 + gb * 2.0).round() as u64
    }
}

/// The typical time of a job in words ("10 minutes", "2 hours"), for screens that must say
/// it is an estimate without a false precision.
pub fn typical_duration_words(bytes: i64, import: bool) -> String {
    let minutes = expected_minutes(bytes, import);
    if minutes < 90 {
        format!("{minutes} minutes")
    } else {
        format!("{} hours", (minutes as f64 / 60.0).round() as u64)
    }
}

/// A job is worth a warning once it has run three times its expected time (at least half
/// an hour): long enough that queueing alone rarely explains it.
pub fn is_slow(elapsed_secs: u64, bytes: i64, import: bool) -> bool {
    is_overdue(elapsed_secs, expected_minutes(bytes, import))
}

/// The same rule for a job whose kind gave its own expected minutes.
pub fn is_overdue(elapsed_secs: u64, expected_minutes: u64) -> bool {
    let limit = (expected_minutes * 3).max(30) * 60;
    elapsed_secs > limit
}

/// Seconds since a job started, from the start time AWS reported (RFC 3339) so a reattached
/// process shows the job's real age; `fallback` when AWS gave none.
pub fn elapsed_since(started_at: Option<&str>, fallback: std::time::Instant) -> u64 {
    started_at
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| (time::OffsetDateTime::now_utc() - t).whole_seconds().max(0) as u64)
        .unwrap_or_else(|| fallback.elapsed().as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_spaces_out_to_two_calls_a_minute() {
        let mut s = PollSchedule::new();
        let delays: Vec<u64> = (0..10).map(|_| s.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 3, 5, 8, 13, 20, 30, 30, 30]);
    }

    #[test]
    fn elapsed_counts_from_the_job_start() {
        let start = time::OffsetDateTime::now_utc() - time::Duration::seconds(90);
        let text = start
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let secs = elapsed_since(Some(&text), std::time::Instant::now());
        assert!((89..=92).contains(&secs), "{secs}");
        assert_eq!(
            elapsed_since(Some("not a time"), std::time::Instant::now()),
            0
        );
    }

    #[test]
    fn a_job_is_slow_after_three_times_its_expected_time() {
        assert_eq!(expected_minutes(0, false), 10);
        assert!(
            !is_slow(29 * 60, 0, false),
            "a tiny export may take half an hour"
        );
        assert!(is_slow(31 * 60, 0, false));
        // 100 GB: about 210 minutes expected, a warning after 630.
        let big = 100_000_000_000;
        assert_eq!(expected_minutes(big, false), 210);
        assert!(!is_slow(600 * 60, big, false));
        assert!(is_slow(631 * 60, big, false));
        assert!(expected_minutes(big, true) > expected_minutes(big, false));
    }

    #[test]
    fn a_ten_minute_export_costs_few_calls() {
        let calls = PollSchedule::calls_for(Duration::from_secs(600));
        assert!(calls <= 30, "{calls}");
        let hour = PollSchedule::calls_for(Duration::from_secs(3600));
        assert!(hour <= 2 * 60 + 8, "{hour}");
    }
}
