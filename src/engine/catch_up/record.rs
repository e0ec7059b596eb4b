//! What the journal keeps of catch-up: the base time, each increment (its window, its export
//! job, its data files and which of them are applied) and the cutover. A killed run comes
//! back to the increment it was on: a running export is reattached to, an applied file is
//! not applied again.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::journal::JobRecord;

/// Catch-up's part of a migration's journal; empty (and left out of the file) until the
/// first `catch-up`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchUpRecord {
    /// The full export's point in time (RFC 3339): the first window starts there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_time: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub increments: Vec<IncrementRecord>,
    /// When the person said writes had stopped at the source, on AWS's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes_stopped_at: Option<String>,
    /// The full compare after the cutover increment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareRecord>,
    /// True once the cutover increment is applied and the compare ran: catch-up is over.
    #[serde(default)]
    pub cutover_done: bool,
    /// A sample of the new table's items as ddb-ferry last left them (after the import, then
    /// after each increment): read again before the next increment, a changed one means
    /// something else writes to the new table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guard: Vec<GuardItem>,
}

/// One item of the guard sample: its key and a digest of the whole item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardItem {
    pub key: Map<String, Value>,
    pub digest: String,
}

impl CatchUpRecord {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The end of the last applied window: the new table holds every write before it.
    pub fn applied_until(&self) -> Option<&str> {
        self.increments
            .iter()
            .rev()
            .find(|i| i.applied_at.is_some())
            .map(|i| i.to.as_str())
    }

    /// An increment started and not yet applied: the next run continues it.
    pub fn unfinished(&self) -> Option<usize> {
        self.increments
            .iter()
            .position(|i| i.applied_at.is_none() && !i.abandoned)
    }
}

/// One increment: an incremental export of `[from, to)` and its application to the new table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncrementRecord {
    /// 1, 2, 3…: also the folder `<prefix>/catch-up/<number>` its export is written to.
    pub number: u32,
    /// Window start (inclusive) and end (exclusive), RFC 3339, whole milliseconds.
    pub from: String,
    pub to: String,
    /// The increment taken after writes stopped at the source.
    #[serde(default)]
    pub cutover: bool,
    pub export: Option<JobRecord>,
    /// The data files the export's manifest lists, once it completed.
    #[serde(default)]
    pub data_files: Vec<IncrementFile>,
    /// Keys of the data files applied in full: a rerun skips them.
    #[serde(default)]
    pub files_done: Vec<String>,
    #[serde(default)]
    pub applied: AppliedCounts,
    /// The first writes that could not be made, with their keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FailedWrite>,
    /// When the last file was applied (RFC 3339): the increment is done.
    pub applied_at: Option<String>,
    /// The export failed; the next run starts a new increment over the same window.
    #[serde(default)]
    pub abandoned: bool,
}

impl IncrementRecord {
    pub fn total_items(&self) -> u64 {
        self.data_files.iter().map(|f| f.items).sum()
    }

    pub fn total_bytes(&self) -> u64 {
        self.data_files.iter().map(|f| f.bytes).sum()
    }
}

/// A data file of an increment, as its manifest lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncrementFile {
    pub key: String,
    pub items: u64,
    pub bytes: u64,
}

/// What applying an increment did so far (summed over the files applied).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedCounts {
    pub items: u64,
    pub puts: u64,
    pub deletes: u64,
    pub failed: u64,
    pub bytes: u64,
}

/// A write that could not be made: the item's key and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedWrite {
    pub key: Map<String, Value>,
    pub reason: String,
}

/// The full compare's result, kept for `status` and the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareRecord {
    pub at: String,
    pub equal: bool,
    pub source_items: u64,
    pub dest_items: u64,
    pub differences: u64,
    pub expired_ttl: u64,
}

/// A full export written into a table that exists (`options.existing_table`): which data
/// files are applied, so a killed load continues after the last one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadRecord {
    #[serde(default)]
    pub files_done: Vec<String>,
    #[serde(default)]
    pub applied: AppliedCounts,
    /// Items left as the table had them (`skip_existing`).
    #[serde(default)]
    pub skipped_existing: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FailedWrite>,
    pub done_at: Option<String>,
}
