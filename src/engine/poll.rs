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
    fn a_ten_minute_export_costs_few_calls() {
        let calls = PollSchedule::calls_for(Duration::from_secs(600));
        assert!(calls <= 30, "{calls}");
        let hour = PollSchedule::calls_for(Duration::from_secs(3600));
        assert!(hour <= 2 * 60 + 8, "{hour}");
    }
}
