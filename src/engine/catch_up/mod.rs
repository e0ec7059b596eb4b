//! Catch-up: after the import, the new table is brought up to date with the writes made to
//! the source since the export, one increment (an incremental export of a window of writes,
//! applied by the writer) at a time, until the cutover; then a full compare proves the two
//! tables equal. `round.rs` runs one increment, `cutover.rs` the last one and the compare;
//! `record.rs` is what the journal keeps. `Session::catch_up` is the one way in.

mod cutover;
mod guard;
pub mod record;
mod round;

use std::time::Duration;

pub(crate) use cutover::tables_differ;
pub(crate) use round::time_text;
pub use round::RoundReport;

use crate::engine::compare::CompareOptions;
use crate::logic::catch_up::WindowRules;

/// The environment variable that shortens the shortest window, for a local emulator that
/// allows windows shorter than AWS's 15 minutes (the project's own tests). AWS refuses them.
pub const SHORTEST_WINDOW_ENV: &str = "DDB_FERRY_SHORTEST_WINDOW_SECS";

/// What a catch-up run is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchUpRequest {
    /// Writes have stopped at the source: the last increment covers them all, then the full
    /// compare runs.
    pub cutover: bool,
    /// Repeat an increment this long after the last one ended, until stopped.
    pub every: Option<Duration>,
    /// The highest write rate into the new table, in write capacity units a second (its
    /// indexes' writes counted); `None`: as fast as the table takes them.
    pub max_wcu: Option<u32>,
    /// Write requests in flight at once.
    pub in_flight: usize,
    pub rules: WindowRules,
    /// How the cutover's compare reads both tables.
    pub compare: CompareOptions,
}

impl Default for CatchUpRequest {
    fn default() -> Self {
        Self {
            cutover: false,
            every: None,
            max_wcu: None,
            in_flight: 16,
            rules: WindowRules::default(),
            compare: CompareOptions::default(),
        }
    }
}

/// `rules`, with the shortest window from [`SHORTEST_WINDOW_ENV`] when it is set (read by the
/// engine when an increment is planned, so that no driver reads the environment itself).
pub(crate) fn with_shortest_from_env(rules: WindowRules) -> WindowRules {
    match std::env::var(SHORTEST_WINDOW_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        Some(secs) => WindowRules {
            shortest: Duration::from_secs(secs),
            ..rules
        },
        None => rules,
    }
}
