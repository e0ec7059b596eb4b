//! The windows of catch-up: which writes of the source the next incremental export covers.
//!
//! Each increment exports the source's writes from the end of the previous one (inclusive) to
//! a later time (exclusive), so the windows meet exactly and every write falls in exactly one.
//! AWS accepts windows of 15 minutes to 24 hours that lie inside the source's point-in-time
//! recovery window, whose end (the latest restorable time) trails now by about five minutes.
//! Boundaries are whole milliseconds: the API carries times as floating-point seconds, which
//! keep milliseconds exactly but not microseconds, and a fraction that did not survive the
//! trip would open a gap or an overlap between windows. (Whole seconds would not do either:
//! the first window starts at the full export's time, which has milliseconds, and rounding it
//! down can fall before the start of PITR, rounding it up would skip writes.)

use std::time::Duration;

use time::OffsetDateTime;

/// AWS's shortest incremental export window.
pub const AWS_SHORTEST_WINDOW: Duration = Duration::from_secs(15 * 60);
/// AWS's longest incremental export window.
pub const AWS_LONGEST_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The limits a window must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRules {
    pub shortest: Duration,
    pub longest: Duration,
}

impl Default for WindowRules {
    fn default() -> Self {
        Self {
            shortest: AWS_SHORTEST_WINDOW,
            longest: AWS_LONGEST_WINDOW,
        }
    }
}

/// What the source's PITR window allows next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextWindow {
    /// Export `[from, to)` now.
    Ready {
        from: OffsetDateTime,
        to: OffsetDateTime,
    },
    /// Not yet: the latest restorable time reaches what is needed at `ready_at` (on AWS's
    /// clock, give or take the few minutes PITR trails now).
    TooSoon {
        from: OffsetDateTime,
        ready_at: OffsetDateTime,
    },
    /// PITR no longer covers `from` (it was turned off, or its retention passed): the writes
    /// since `from` cannot be exported any more.
    PitrGap {
        from: OffsetDateTime,
        earliest: Option<OffsetDateTime>,
    },
}

/// Rounds down to a whole millisecond.
pub fn whole_millisecond(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_millisecond(t.millisecond()).unwrap_or(t)
}

/// The next window from `from`, given the source's PITR window (`earliest`: `None` when PITR
/// is off) and, for the cutover, the time writes stopped (`cover`): the window then ends
/// no earlier than that, so the last write is in it.
pub fn next_window(
    from: OffsetDateTime,
    earliest: Option<OffsetDateTime>,
    latest: OffsetDateTime,
    cover: Option<OffsetDateTime>,
    rules: WindowRules,
) -> NextWindow {
    let from = whole_millisecond(from);
    match earliest {
        Some(e) if e <= from => {}
        _ => return NextWindow::PitrGap { from, earliest },
    }
    let shortest_end = from + rules.shortest;
    let needed = match cover {
        Some(c) => shortest_end.max(whole_millisecond(c) + Duration::from_millis(1)),
        None => shortest_end,
    };
    let latest = whole_millisecond(latest);
    if latest < needed.min(from + rules.longest) {
        return NextWindow::TooSoon {
            from,
            ready_at: needed.min(from + rules.longest),
        };
    }
    NextWindow::Ready {
        from,
        to: latest.min(from + rules.longest),
    }
}

/// How far the new table is behind the source: from the end of the last applied window to
/// now on AWS's clock (never negative).
pub fn lag(applied_until: OffsetDateTime, aws_now: OffsetDateTime) -> Duration {
    let d = aws_now - applied_until;
    if d.is_negative() {
        Duration::ZERO
    } else {
        d.unsigned_abs()
    }
}

/// A lag or a wait in short words: "45 s", "12 min", "3 h 05 min".
pub fn short_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 90 {
        format!("{secs} s")
    } else if secs < 90 * 60 {
        format!("{} min", (secs + 30) / 60)
    } else {
        format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn a_window_runs_from_the_last_end_to_the_latest_restorable_time() {
        let from = datetime!(2026-12-02 08:00:00.250_4 UTC);
        let got = next_window(
            from,
            Some(datetime!(2026-12-01 00:00 UTC)),
            datetime!(2026-12-02 08:40:12.900_999 UTC),
            None,
            WindowRules::default(),
        );
        assert_eq!(
            got,
            NextWindow::Ready {
                from: datetime!(2026-12-02 08:00:00.250 UTC),
                to: datetime!(2026-12-02 08:40:12.900 UTC),
            }
        );
    }

    #[test]
    fn a_window_shorter_than_aws_allows_waits() {
        let from = datetime!(2026-12-02 08:00 UTC);
        let got = next_window(
            from,
            Some(from),
            from + 10 * MIN,
            None,
            WindowRules::default(),
        );
        assert_eq!(
            got,
            NextWindow::TooSoon {
                from,
                ready_at: from + 15 * MIN
            }
        );
    }

    #[test]
    fn a_long_gap_is_cut_into_windows_of_at_most_a_day() {
        let from = datetime!(2026-12-01 00:00 UTC);
        let got = next_window(
            from,
            Some(from),
            datetime!(2026-12-03 05:00 UTC),
            None,
            WindowRules::default(),
        );
        assert_eq!(
            got,
            NextWindow::Ready {
                from,
                to: datetime!(2026-12-02 00:00 UTC)
            }
        );
    }

    #[test]
    fn the_cutover_window_waits_until_it_covers_the_stop() {
        let from = datetime!(2026-12-02 08:00 UTC);
        let stopped = datetime!(2026-12-02 08:30:10.5 UTC);
        let early = next_window(
            from,
            Some(from),
            datetime!(2026-12-02 08:29 UTC),
            Some(stopped),
            WindowRules::default(),
        );
        assert_eq!(
            early,
            NextWindow::TooSoon {
                from,
                ready_at: datetime!(2026-12-02 08:30:10.501 UTC)
            }
        );
        let later = next_window(
            from,
            Some(from),
            datetime!(2026-12-02 08:35 UTC),
            Some(stopped),
            WindowRules::default(),
        );
        assert_eq!(
            later,
            NextWindow::Ready {
                from,
                to: datetime!(2026-12-02 08:35 UTC)
            }
        );
    }

    #[test]
    fn a_window_may_start_where_pitr_starts_to_the_millisecond() {
        // PITR turned on just before the export: the export's time, the first window's
        // start, is milliseconds after PITR's earliest restorable time.
        let earliest = datetime!(2026-12-02 08:00:00.720 UTC);
        let from = datetime!(2026-12-02 08:00:00.721 UTC);
        assert!(matches!(
            next_window(from, Some(earliest), from + 20 * MIN, None, WindowRules::default()),
            NextWindow::Ready { from: f, .. } if f == from
        ));
    }

    #[test]
    fn pitr_that_no_longer_covers_the_start_is_a_gap() {
        let from = datetime!(2026-12-02 08:00 UTC);
        for earliest in [None, Some(from + MIN)] {
            let got = next_window(
                from,
                earliest,
                from + 60 * MIN,
                None,
                WindowRules::default(),
            );
            assert_eq!(got, NextWindow::PitrGap { from, earliest });
        }
    }

    #[test]
    fn windows_chained_end_to_start_meet_exactly() {
        let rules = WindowRules {
            shortest: Duration::from_secs(2),
            longest: Duration::from_secs(7),
        };
        let start = datetime!(2026-12-02 08:00:00 UTC);
        let mut from = start;
        let latest = datetime!(2026-12-02 08:00:40 UTC);
        let mut covered = Duration::ZERO;
        while let NextWindow::Ready { from: f, to } =
            next_window(from, Some(start - MIN), latest, None, rules)
        {
            assert!(to - f >= rules.shortest && to - f <= rules.longest);
            covered += (to - f).unsigned_abs();
            from = to;
        }
        assert_eq!(covered, Duration::from_secs(40));
    }

    #[test]
    fn lag_is_never_negative_and_reads_short() {
        let t = datetime!(2026-12-02 08:00 UTC);
        assert_eq!(lag(t, t - MIN), Duration::ZERO);
        assert_eq!(short_duration(lag(t, t + 12 * MIN)), "12 min");
        assert_eq!(short_duration(Duration::from_secs(45)), "45 s");
        assert_eq!(
            short_duration(Duration::from_secs(3 * 3600 + 300)),
            "3 h 05 min"
        );
    }
}
