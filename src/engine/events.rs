//! What the engine tells its face (the `run` printer, the `--json` stream, the wizard): owned
//! messages on a channel, so the engine never knows who is watching.

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use super::journal::{NotCarried, Step};
use super::leftovers::Leftover;
use crate::aws::explain::AwsFailure;
use crate::aws::sts::Identity;
use crate::logic::cost::Estimate;

/// One thing that happened during a migration.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Started {
        migration_id: String,
        journal: String,
        resumed: bool,
        dry_run: bool,
    },
    Identity {
        side: &'static str,
        #[serde(flatten)]
        identity: Identity,
    },
    StepStarted {
        step: Step,
        title: &'static str,
    },
    StepDone {
        step: Step,
        summary: String,
    },
    Info {
        step: Step,
        message: String,
    },
    /// Something to look at that does not stop the run. Warnings of the failure catalogue
    /// carry its stable `code` and the why/next lines too.
    Warning {
        step: Step,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        why: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// A call that changes something; with `--dry-run` it is printed instead of made.
    Call {
        step: Step,
        operation: String,
        cli: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<serde_json::Value>,
        dry_run: bool,
    },
    JobStarted {
        step: Step,
        job: &'static str,
        arn: String,
        reattached: bool,
    },
    JobStatus {
        step: Step,
        job: &'static str,
        status: String,
        /// When AWS says the job started (RFC 3339), if it says.
        #[serde(skip_serializing_if = "Option::is_none")]
        started_at: Option<String>,
        elapsed_secs: u64,
        next_check_secs: u64,
        /// Only for jobs whose API reports a percentage; exports and imports report none.
        #[serde(skip_serializing_if = "Option::is_none")]
        percent_done: Option<u8>,
        /// AWS's estimate of the whole job in minutes, where it gives one (AWS Backup's
        /// restore jobs only).
        #[serde(skip_serializing_if = "Option::is_none")]
        expected_minutes: Option<u64>,
    },
    /// A rough cost, before `step` starts its job (the export or the import): `lines` in plain
    /// words, `estimate` with every size, price and source.
    Estimate {
        step: Step,
        lines: Vec<String>,
        estimate: Estimate,
    },
    NotCarried {
        #[serde(flatten)]
        item: NotCarried,
    },
    /// At the end: what the migration leaves in AWS, what each costs to keep, and the
    /// commands that remove each (ddb-ferry itself deletes nothing).
    Leftovers {
        items: Vec<Leftover>,
    },
    Failed {
        step: Step,
        #[serde(flatten)]
        failure: AwsFailure,
    },
    /// The session waits for a decision before `before` runs; the migration goes on once
    /// the driver answers.
    Paused {
        before: Step,
        decision: super::session::Decision,
    },
    /// A full export being written into an existing table (`options.existing_table`).
    LoadProgress {
        items_applied: u64,
    },
    /// Catch-up planned an increment: the source's writes from `from` to `to`.
    CatchUpWindow {
        number: u32,
        from: String,
        to: String,
        cutover: bool,
    },
    /// The increment's changes being applied to the new table, against the manifest's totals.
    CatchUpProgress {
        number: u32,
        items_applied: u64,
        items_total: u64,
        bytes_applied: u64,
        bytes_total: u64,
        items_per_sec: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        secs_left: Option<u64>,
        /// Write requests sent again (unprocessed or throttled) so far.
        retries: u64,
        throttled: u64,
    },
    /// An increment applied: the new table holds every write before `applied_until`; `lag_secs`
    /// is how far that is behind now, on AWS's clock.
    CatchUpApplied {
        number: u32,
        items: u64,
        puts: u64,
        deletes: u64,
        failed: u64,
        applied_until: String,
        lag_secs: u64,
    },
    /// The full compare reading both tables: items read so far on each side.
    CompareProgress {
        phase: String,
        source_items: u64,
        dest_items: u64,
    },
    /// The full compare's result: equal, or the first differences (key and what differs).
    CompareFinished {
        equal: bool,
        source_items: u64,
        dest_items: u64,
        differences: Vec<String>,
        more_differences: u64,
        expired_ttl: u64,
    },
    Finished {
        outcome: Outcome,
        exit_code: i32,
        #[serde(skip_serializing_if = "Option::is_none")]
        summary_file: Option<String>,
    },
}

/// How a run ended, with the documented exit code of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    /// Stopped after a requested step (the wizard between screens).
    Paused,
    DryRun,
    BadInput,
    AwsRefused,
    JobFailed,
    Interrupted,
    /// A fleet ended with some tables moved and some failed (each table's own failure).
    PartlyFailed,
    /// Catch-up (or a load) ended with writes that could not be made, each listed with its key.
    WritesFailed,
}

impl Outcome {
    /// 0 success, 2 bad input, 3 AWS refused, 4 job failed, 5 interrupted, 6 some tables of
    /// a fleet failed, 7 some writes into the new table could not be made.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Succeeded | Outcome::Paused | Outcome::DryRun => 0,
            Outcome::BadInput => 2,
            Outcome::AwsRefused => 3,
            Outcome::JobFailed => 4,
            Outcome::Interrupted => 5,
            Outcome::PartlyFailed => 6,
            Outcome::WritesFailed => 7,
        }
    }
}

/// The sending end handed to the engine. Sending never blocks and never fails the migration:
/// a closed face (the wizard quit) must not stop work that is journaled anyway.
#[derive(Debug, Clone)]
pub struct EventSink {
    tx: Option<UnboundedSender<Event>>,
}

impl EventSink {
    pub fn new(tx: UnboundedSender<Event>) -> Self {
        Self { tx: Some(tx) }
    }

    /// A sink that drops everything (for callers that only want the result).
    pub fn silent() -> Self {
        Self { tx: None }
    }

    pub fn send(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }

    pub fn info(&self, step: Step, message: impl Into<String>) {
        self.send(Event::Info {
            step,
            message: message.into(),
        });
    }

    pub fn warn(&self, step: Step, message: impl Into<String>) {
        self.send(Event::Warning {
            step,
            message: message.into(),
            code: None,
            why: None,
            next: None,
        });
    }

    /// A warning from the failure catalogue: its code, what, why and next.
    pub fn warn_explained(&self, step: Step, advice: AwsFailure) {
        self.send(Event::Warning {
            step,
            message: advice.what,
            code: Some(advice.code),
            why: Some(advice.why),
            next: Some(advice.next),
        });
    }
}
