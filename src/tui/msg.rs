//! Everything that reaches the wizard's loop: keys, results of AWS work done in tasks, and
//! the engine's events. Results arrive by value; no task touches the screen state.

use crate::aws::explain::AwsFailure;
use crate::aws::sts::Identity;
use crate::engine::events::Outcome;
use crate::engine::fleet::limits::Resolved;
use crate::engine::fleet::survey::Survey;
use crate::engine::fleet::{FleetEvent, FleetJournal};
use crate::engine::journal::Journal;
use crate::engine::session::actor::Report;
use crate::engine::steps::bucket::PolicyPreview;
use crate::engine::unfinished::{Unfinished, UnfinishedFleet};
use crate::logic::check::{CheckProgress, CheckReport};
use crate::logic::layout::ObjectInfo;
use crate::logic::manifest::ManifestSummary;
use crate::logic::table::SourceTable;

/// Which account a result is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Dest,
}

/// Details of the highlighted source table.
#[derive(Debug, Clone)]
pub struct TableDetails {
    pub table: SourceTable,
    pub pitr_status: String,
    pub ttl_attribute: Option<String>,
    /// How many tags the table has (0 when they could not be read): the road comparison says
    /// whether they travel.
    pub tag_count: usize,
}

/// A backup of the source table that could be restored: an AWS Backup recovery point or a
/// DynamoDB backup, as the backup screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPoint {
    pub arn: String,
    /// RFC 3339.
    pub created: Option<String>,
    pub size_bytes: Option<i64>,
    /// As AWS says it: COMPLETED (AWS Backup) or AVAILABLE (DynamoDB) when it can be restored.
    pub status: String,
    /// The vault holding it; `None` for a backup DynamoDB keeps itself.
    pub vault: Option<String>,
}

/// The destination vault as the backup screen previews it: whether it exists, and its
/// access policy text (`None`: it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultLook {
    pub exists: bool,
    pub policy: Option<String>,
}

/// One folder of the bucket browser.
#[derive(Debug, Clone)]
pub struct FolderListing {
    pub prefix: String,
    pub folders: Vec<String>,
    pub objects: Vec<ObjectInfo>,
    /// Manifest summaries of export folders found at this level, by folder prefix.
    pub summaries: Vec<(String, Option<ManifestSummary>)>,
}

/// A fleet ready to start: its journal (new, or an unfinished fleet of the same tables found
/// again), whether it continues one, and what it moves and costs (estimates).
#[derive(Debug, Clone)]
pub struct FleetReady {
    pub journal: FleetJournal,
    pub resumed: bool,
    pub survey: Survey,
    pub limits: Resolved,
}

/// Messages are moved once, from a task to the loop; boxing the large ones buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    Key(crossterm::event::KeyEvent),
    Resize,
    /// Once a second while a clock is on screen.
    Tick,
    /// The plan file was written beside the journal (or why not).
    PlanSaved(Result<std::path::PathBuf, String>),
    Profiles(Result<Vec<String>, AwsFailure>),
    Connected {
        side: Side,
        result: Result<Identity, AwsFailure>,
        /// The non-AWS endpoint this side talks to (an emulator), if any.
        endpoint: Option<String>,
    },
    Tables(Result<Vec<String>, AwsFailure>),
    TableDetails {
        name: String,
        result: Result<TableDetails, AwsFailure>,
    },
    PitrEnabled(Result<(), AwsFailure>),
    PitrProgress(String),
    Buckets(Result<Vec<String>, AwsFailure>),
    Policy(Result<PolicyPreview, AwsFailure>),
    NameChecked {
        name: String,
        result: Result<bool, AwsFailure>,
    },
    /// The live S3 listing of a running export's folder: data files and bytes.
    ExportFiles {
        files: usize,
        bytes: u64,
    },
    Folder(Result<FolderListing, AwsFailure>),
    /// How far the full check of the export (Ctrl-F on the Keys screen) has come.
    CheckProgress(CheckProgress),
    CheckDone(Result<Box<CheckReport>, AwsFailure>),
    /// The first lines of the import's CloudWatch error log.
    ImportErrors(Result<Vec<String>, AwsFailure>),
    /// The source table's recovery points and backups, newest first, and the listings that
    /// failed (AWS Backup's and DynamoDB's are read apart, so one refusal hides only its half).
    RecoveryPoints {
        points: Vec<RecoveryPoint>,
        failures: Vec<AwsFailure>,
    },
    /// The destination vault and its access policy, for the preview of the copy grant.
    VaultPolicy {
        vault: String,
        result: Result<VaultLook, AwsFailure>,
    },
    /// Unfinished migrations and fleets in the state folder, found at start.
    Unfinished {
        migrations: Vec<Unfinished>,
        fleets: Vec<UnfinishedFleet>,
    },
    /// The destination's tables (the fleet's new names are checked against them).
    DestTables(Result<Vec<String>, AwsFailure>),
    /// The fleet's tables read and priced, before anything starts.
    FleetSummary(Result<Box<FleetReady>, AwsFailure>),
    /// The journal of the fleet being reattached to, read.
    FleetOpened(Result<Box<FleetJournal>, AwsFailure>),
    /// What the running fleet reports: a table's event or the fleet's own.
    Fleet(FleetEvent),
    /// Journals of tables of the fleet, by source table.
    FleetMembers(Vec<(String, Box<Journal>)>),
    /// The fleet's run ended.
    FleetEnded(Outcome),
    /// What the migration session reports: its events, its journal, the decision it waits for.
    Session(Report),
    /// The journal of a migration another process runs, re-read because it changed.
    Watched(Box<Journal>),
    /// The process that ran the watched migration has ended.
    WatchEnded,
    /// The automatic catch-up timer armed as `timer` fired.
    CatchUpTimer(u64),
    /// The person's clock's offset from UTC.
    UtcOffset(time::UtcOffset),
}
