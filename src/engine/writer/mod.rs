//! The writer: applies an export's data files to a table that already exists.
//!
//! An import always creates a new table, so two things need a writer of their own: catching up
//! after an import (the change records of incremental exports applied to the new table) and
//! loading a full export into a table that exists. `apply.rs` is the pipeline (files read
//! streaming, many writes in flight, retries that never drop a write), `rate.rs` the optional
//! cap on write capacity, `retry.rs` the backoff between tries. The caller keeps a checkpoint
//! per data file (the `FileApplied` event) and passes the files already applied on the next
//! run, so a stopped run continues where it stopped; writing a file again is harmless, since
//! puts of whole items and deletes give the same table however often they are applied.

mod apply;
#[cfg(test)]
mod fake_table;
mod rate;
mod retry;
#[cfg(test)]
mod tests;
mod writes;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::aws::dynamodb::Dynamo;

pub use apply::apply_files;
pub use rate::WriteRate;
pub use retry::Backoff;

/// BatchWriteItem calls (or conditional puts) in flight at once, unless the caller says.
pub const DEFAULT_IN_FLIGHT: usize = 16;

/// Failures reported one by one (with their key) before the rest are only counted.
pub const DEFAULT_FAILURES_KEPT: usize = 100;

/// What to do with an item whose key already holds another item in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Write over it (BatchWriteItem: the fastest, 25 items a call).
    Overwrite,
    /// Leave the existing item and count it (`skipped_existing`).
    SkipExisting,
    /// Stop at the first such item and report it, after the writes in flight ended.
    StopAtConflict,
}

/// The table written to.
#[derive(Debug, Clone)]
pub struct WriteTarget {
    pub dynamo: Dynamo,
    pub table: String,
    /// The table's key: partition key, then sort key if it has one.
    pub key_names: Vec<String>,
    /// Global secondary indexes of the table: each write is also a write to every index, and
    /// an index with too little capacity throttles the table's writes too.
    pub gsi_count: usize,
}

/// How the writer goes about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Items whose key is taken. `SkipExisting` and `StopAtConflict` are slower than
    /// `Overwrite`: they need one conditional PutItem per item instead of 25 items a call.
    pub on_conflict: OnConflict,
    /// Most write capacity units a second the writer may consume, the table's indexes
    /// included; `None` writes as fast as DynamoDB takes it (throttling slows it down).
    pub max_wcu: Option<u32>,
    /// Calls in flight at once (at least 1).
    pub in_flight: usize,
    /// Failures kept in the report with their key; the rest are counted.
    pub failures_kept: usize,
}

impl WriterOptions {
    /// The defaults, with the one choice that has none.
    pub fn new(on_conflict: OnConflict) -> Self {
        Self {
            on_conflict,
            max_wcu: None,
            in_flight: DEFAULT_IN_FLIGHT,
            failures_kept: DEFAULT_FAILURES_KEPT,
        }
    }
}

/// One data file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub bucket: String,
    /// The object's key; `.gz` files are gunzipped, others read as they are.
    pub key: String,
    pub size_bytes: u64,
    /// Items the export's manifest lists for the file, when known.
    pub item_count: Option<u64>,
}

/// A data file whose every line was written or counted as failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileApplied {
    pub key: String,
    /// Lines read (blank lines aside).
    pub items: u64,
    pub puts: u64,
    pub deletes: u64,
    pub skipped_existing: u64,
    pub failed: u64,
    /// Bytes of the object read (as stored, so compressed for a `.gz`).
    pub bytes: u64,
}

/// An item that could not be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteFailure {
    /// The item's key attributes (those it has); empty when its line could not be read, and
    /// then `reason` names the file and the line.
    pub key: Map<String, Value>,
    pub reason: String,
    /// The AWS error code, when AWS refused it.
    pub aws_code: Option<String>,
}

/// What the writer tells its caller while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriterEvent {
    /// Totals so far (at most a few times a second, and at the end of each file).
    Progress {
        /// Items whose write ended: written, skipped or failed.
        items_applied: u64,
        /// Bytes of the files read so far (as stored).
        bytes_applied: u64,
        /// Calls sent again: unprocessed items, throttled or transiently failed calls.
        retries: u64,
        /// Calls DynamoDB answered with throttling.
        throttled: u64,
    },
    /// A file is applied: the caller's checkpoint. An `Err` from the callback stops the run.
    FileApplied(FileApplied),
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteReport {
    /// Lines read from the files applied in this run. Every one ends as a put, a delete, a
    /// skip or a failure; a change replaced by a later change of its key in the same batch
    /// counts as applied with it (the table ends as if both had been written in order).
    pub items: u64,
    pub puts: u64,
    pub deletes: u64,
    pub skipped_existing: u64,
    pub failed: u64,
    /// The first `failures_kept` failures.
    pub failures: Vec<WriteFailure>,
    pub retries: u64,
    pub throttled: u64,
    /// With `StopAtConflict`: the item that stopped the run.
    pub stopped_at_conflict: Option<WriteFailure>,
}
