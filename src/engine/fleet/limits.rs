//! How much of a fleet runs at once. AWS's quotas per account and region (DynamoDB's
//! service quotas page): 50 concurrent imports, up to 15 TB of import source data in flight
//! in us-east-1, us-west-2 and eu-west-1 and 1 TB elsewhere, about 300 concurrent exports or
//! 100 TB of tables in flight, 500 simultaneous table operations (250 with indexes). A fleet
//! starts jobs up to limits set below them, counting both jobs and bytes, so the usual fleet
//! never meets `LimitExceededException`; when something else in the account uses the quota,
//! the watcher backs off and tries again (see `jobs/watcher.rs`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

/// The plan's `limits` section; each absent field takes the default for the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FleetLimits {
    /// Exports running at once (AWS allows about 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exports: Option<u32>,
    /// Imports running at once (AWS allows 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imports: Option<u32>,
    /// Source tables' bytes in exports at once, in GB (AWS allows 100 TB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_gb: Option<u64>,
    /// Import source data in flight, in GB (AWS allows 15 TB in us-east-1, us-west-2 and
    /// eu-west-1, 1 TB elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_gb: Option<u64>,
}

/// AWS's quotas, for the checks of the plan's limits.
pub const EXPORTS_QUOTA: u32 = 300;
pub const IMPORTS_QUOTA: u32 = 50;
pub const EXPORT_GB_QUOTA: u64 = 100_000;

/// The regions with the larger import quota.
const LARGE_IMPORT_REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

/// The import bytes quota of `region`, in GB.
pub fn import_gb_quota(region: &str) -> u64 {
    if LARGE_IMPORT_REGIONS.contains(&region) {
        15_000
    } else {
        1_000
    }
}

/// The limits a fleet runs with: the plan's, else about four fifths of each quota, so a few
/// jobs of other people in the same account still fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub exports: u32,
    pub imports: u32,
    pub export_bytes: u64,
    pub import_bytes: u64,
}

impl FleetLimits {
    /// The limits for a destination in `dest_region`.
    pub fn resolve(&self, dest_region: &str) -> Resolved {
        const GB: u64 = 1_000_000_000;
        Resolved {
            exports: self.exports.unwrap_or(EXPORTS_QUOTA / 6),
            imports: self.imports.unwrap_or(IMPORTS_QUOTA * 4 / 5),
            export_bytes: self.export_gb.unwrap_or(EXPORT_GB_QUOTA * 4 / 5) * GB,
            import_bytes: self
                .import_gb
                .unwrap_or(import_gb_quota(dest_region) * 4 / 5)
                * GB,
        }
    }
}

/// The kinds of job a fleet counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    Export,
    Import,
}

#[derive(Debug, Default)]
struct InFlight {
    exports: u32,
    imports: u32,
    export_bytes: u64,
    import_bytes: u64,
    /// The most jobs of each kind seen running at once, for the fleet's summary and tests.
    peak_exports: u32,
    peak_imports: u32,
}

/// The fleet's count of jobs and bytes in flight. A job waits for a slot before its start
/// call; a job found running (a reattached fleet) takes its slot without waiting, since it
/// runs anyway. A job bigger than the byte limit runs alone rather than never.
#[derive(Debug)]
pub struct Limiter {
    limits: Resolved,
    state: std::sync::Mutex<InFlight>,
    freed: Notify,
}

/// A slot held while a job runs; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    limiter: Arc<Limiter>,
    kind: SlotKind,
    bytes: u64,
}

impl Limiter {
    pub fn new(limits: Resolved) -> Arc<Limiter> {
        Arc::new(Limiter {
            limits,
            state: Default::default(),
            freed: Notify::new(),
        })
    }

    pub fn limits(&self) -> Resolved {
        self.limits
    }

    /// The most exports and imports that ran at once so far.
    pub fn peaks(&self) -> (u32, u32) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (s.peak_exports, s.peak_imports)
    }

    /// Waits until a job of `kind` and `bytes` fits, then holds its slot.
    pub async fn acquire(self: &Arc<Self>, kind: SlotKind, bytes: u64) -> Slot {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before the check, so a slot freed in between is not missed.
            freed.as_mut().enable();
            if self.try_take(kind, bytes, false) {
                return self.slot(kind, bytes);
            }
            freed.await;
        }
    }

    /// A slot now if one is free.
    pub fn try_acquire(self: &Arc<Self>, kind: SlotKind, bytes: u64) -> Option<Slot> {
        self.try_take(kind, bytes, false)
            .then(|| self.slot(kind, bytes))
    }

    /// Holds a slot for a job that already runs, whatever the count.
    pub fn take_running(self: &Arc<Self>, kind: SlotKind, bytes: u64) -> Slot {
        self.try_take(kind, bytes, true);
        self.slot(kind, bytes)
    }

    fn slot(self: &Arc<Self>, kind: SlotKind, bytes: u64) -> Slot {
        Slot {
            limiter: Arc::clone(self),
            kind,
            bytes,
        }
    }

    fn try_take(&self, kind: SlotKind, bytes: u64, always: bool) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let l = self.limits;
        let (jobs, in_bytes, max_jobs, max_bytes) = match kind {
            SlotKind::Export => (s.exports, s.export_bytes, l.exports, l.export_bytes),
            SlotKind::Import => (s.imports, s.import_bytes, l.imports, l.import_bytes),
        };
        let fits = jobs < max_jobs.max(1) && (jobs == 0 || in_bytes + bytes <= max_bytes);
        if !fits && !always {
            return false;
        }
        match kind {
            SlotKind::Export => {
                s.exports += 1;
                s.export_bytes += bytes;
                s.peak_exports = s.peak_exports.max(s.exports);
            }
            SlotKind::Import => {
                s.imports += 1;
                s.import_bytes += bytes;
                s.peak_imports = s.peak_imports.max(s.imports);
            }
        }
        true
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        {
            let mut s = self.limiter.state.lock().unwrap_or_else(|e| e.into_inner());
            match self.kind {
                SlotKind::Export => {
                    s.exports = s.exports.saturating_sub(1);
                    s.export_bytes = s.export_bytes.saturating_sub(self.bytes);
                }
                SlotKind::Import => {
                    s.imports = s.imports.saturating_sub(1);
                    s.import_bytes = s.import_bytes.saturating_sub(self.bytes);
                }
            }
        }
        self.limiter.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits(exports: u32, export_bytes: u64) -> Resolved {
        Resolved {
            exports,
            imports: 1,
            export_bytes,
            import_bytes: 10,
        }
    }

    #[test]
    fn defaults_stay_below_the_quotas_and_follow_the_region() {
        let big = FleetLimits::default().resolve("us-east-1");
        let small = FleetLimits::default().resolve("ap-south-1");
        assert!(big.imports < IMPORTS_QUOTA && big.exports < EXPORTS_QUOTA);
        assert_eq!(big.import_bytes, 12_000 * 1_000_000_000);
        assert_eq!(small.import_bytes, 800 * 1_000_000_000);
        let set = FleetLimits {
            imports: Some(3),
            ..Default::default()
        };
        assert_eq!(set.resolve("us-east-1").imports, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_job_starts_as_one_finishes() {
        let l = Limiter::new(limits(2, 1_000));
        let a = l.acquire(SlotKind::Export, 10).await;
        let _b = l.acquire(SlotKind::Export, 10).await;
        let waiting = tokio::spawn({
            let l = Arc::clone(&l);
            async move { l.acquire(SlotKind::Export, 10).await }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished(), "a third export waits");
        // An import is counted apart.
        let _i = l.acquire(SlotKind::Import, 5).await;
        drop(a);
        let _c = waiting.await.unwrap();
        assert_eq!(l.peaks(), (2, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn bytes_in_flight_are_counted_and_a_huge_table_runs_alone() {
        let l = Limiter::new(limits(10, 100));
        let a = l.acquire(SlotKind::Export, 80).await;
        let waiting = tokio::spawn({
            let l = Arc::clone(&l);
            async move { l.acquire(SlotKind::Export, 30).await }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished(), "80 + 30 bytes exceed 100");
        drop(a);
        drop(waiting.await.unwrap());
        // Bigger than the limit on its own: it runs when nothing else does.
        let _huge = l.acquire(SlotKind::Export, 500).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_running_job_found_again_takes_its_slot_without_waiting() {
        let l = Limiter::new(limits(1, 100));
        let _a = l.acquire(SlotKind::Export, 1).await;
        let _b = l.take_running(SlotKind::Export, 1);
        assert_eq!(l.peaks().0, 2);
    }
}
