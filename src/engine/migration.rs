//! What the steps work on: the journal, the two sides' clients, and the event sink. Each step
//! lives in `steps/` as an `impl Migration` block and reads the journal first, so running a
//! step again after a crash continues it instead of repeating it. The order of the steps and
//! the decisions between them belong to `session`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_config::SdkConfig;

use super::events::{Event, EventSink};
use super::fleet::limits::Slot;
use super::fleet::link::FleetLink;
use super::jobs::board::JobBoards;
use super::journal::{Journal, JournalError, Step};
use super::plan::Plan;
use crate::aws::backup::AwsBackup;
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::s3::S3;
use crate::logic::cost::Prices;

/// Clients of one side, built once STS confirmed who the side is.
#[derive(Clone, Debug)]
pub struct SideClients {
    pub config: SdkConfig,
    pub dynamo: Dynamo,
    /// AWS Backup of this side (the backup road).
    pub backup: AwsBackup,
    /// `--profile P --region R` for the CLI equivalents.
    pub cli_args: String,
    /// The non-AWS endpoint the side talks to (an emulator), if any.
    pub custom_endpoint: Option<String>,
}

#[derive(Debug)]
pub struct Migration {
    pub journal: Journal,
    pub state_dir: PathBuf,
    pub events: EventSink,
    pub dry_run: bool,
    pub source: Option<SideClients>,
    pub dest: Option<SideClients>,
    /// S3 client of the destination side, in the bucket's region.
    pub bucket_s3: Option<S3>,
    /// Leave the "new table name is free" check to the import step: the wizard asks for the
    /// name after the export, and checks it as it is typed.
    pub defer_new_table_check: bool,
    /// The prices of the estimates; `None` until the driver gives them or the first
    /// estimate loads the default ones (see `costs.rs`).
    pub prices: Option<Prices>,
    /// What this migration shares with the other tables of its fleet, when it is one.
    pub fleet: Option<Arc<FleetLink>>,
    /// The fleet's slot held while this migration's export or import runs.
    pub job_slot: Option<Slot>,
    /// The list boards of the fleet this migration belongs to, shared by all its tables so
    /// that watching N jobs costs list pages, not N Describe calls a round; `None` for a
    /// single table, which describes its jobs.
    pub job_boards: Option<Arc<JobBoards>>,
}

/// Why a step stopped the run.
#[derive(Debug)]
pub enum Stop {
    Failed(AwsFailure),
    /// `--dry-run` printed every call and stops before work that needs an export.
    DryRunComplete,
}

impl From<AwsFailure> for Stop {
    fn from(f: AwsFailure) -> Self {
        Stop::Failed(f)
    }
}

/// The journal could not be written: the one failure every save can meet.
pub fn journal_write_failed(e: JournalError) -> AwsFailure {
    AwsFailure::new(
        "journal-write-failed",
        FailureKind::BadInput,
        e.to_string(),
        "the state folder is not writable, the disk is full, or DDB_FERRY_STATE_DIR points somewhere read-only",
        "free disk space or fix the folder's permissions, then run the same command again",
    )
}

impl From<JournalError> for Stop {
    fn from(e: JournalError) -> Self {
        Stop::Failed(journal_write_failed(e))
    }
}

pub type StepResult = Result<(), Stop>;

impl Migration {
    pub fn new(journal: Journal, state_dir: &Path, events: EventSink, dry_run: bool) -> Self {
        Self {
            journal,
            state_dir: state_dir.to_path_buf(),
            events,
            dry_run,
            source: None,
            dest: None,
            bucket_s3: None,
            defer_new_table_check: false,
            prices: None,
            fleet: None,
            job_slot: None,
            job_boards: None,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.journal.plan
    }

    pub fn journal_path(&self) -> PathBuf {
        self.journal.path(&self.state_dir)
    }

    /// Saves the journal (never in a dry run, which must leave no trace).
    pub fn save(&mut self) -> Result<(), JournalError> {
        if self.dry_run {
            return Ok(());
        }
        self.journal.save(&self.state_dir)
    }

    pub fn source(&self) -> Result<&SideClients, AwsFailure> {
        self.source.as_ref().ok_or_else(not_connected)
    }

    pub fn dest(&self) -> Result<&SideClients, AwsFailure> {
        self.dest.as_ref().ok_or_else(not_connected)
    }

    pub fn bucket_s3(&self) -> Result<&S3, AwsFailure> {
        self.bucket_s3.as_ref().ok_or_else(not_connected)
    }

    /// Announces a call that changes something. Returns false in a dry run: the caller then
    /// skips the call.
    pub fn announce_call(
        &mut self,
        step: Step,
        operation: &str,
        cli: String,
        body: Option<serde_json::Value>,
    ) -> bool {
        self.events.send(Event::Call {
            step,
            operation: operation.to_owned(),
            cli: cli.clone(),
            body,
            dry_run: self.dry_run,
        });
        if !self.dry_run {
            self.journal.record(step, operation.to_owned(), Some(cli));
        }
        !self.dry_run
    }
}

/// The journal lacks what an earlier step should have recorded.
pub fn journal_incomplete() -> AwsFailure {
    AwsFailure::new(
        "journal-incomplete",
        FailureKind::BadInput,
        "the journal lacks the table parameters or the data folder of an earlier step",
        "the journal file was edited or written by another version",
        "start the migration again with `ddb-ferry run --new PLAN`",
    )
}

fn not_connected() -> AwsFailure {
    AwsFailure::new(
        "internal-order",
        FailureKind::BadInput,
        "a step ran before the accounts were connected",
        "this is a bug in ddb-ferry",
        "run the same command again; the journal keeps every step done so far",
    )
}
