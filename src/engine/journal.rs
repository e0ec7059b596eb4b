//! The journal: one JSON file per migration holding every decision and every AWS job started,
//! written atomically (temp file, fsync, rename) with mode 0600 in a 0700 folder, so a killed
//! process comes back and reattaches instead of starting work twice. No credentials go here:
//! only names, account IDs, ARNs and client tokens.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::catch_up::record::{CatchUpRecord, LoadRecord};
use super::plan::Plan;
use crate::aws::explain::AwsFailure;
use crate::aws::sts::Identity;
use crate::logic::table::{SourceTable, TableSpec};

pub const JOURNAL_VERSION: u32 = 1;

/// Where a migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    Running,
    Succeeded,
    Failed,
    Interrupted,
}

/// The steps of a migration, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Preflight,
    Pitr,
    Bucket,
    Export,
    Locate,
    KeyCheck,
    Import,
    /// The backup road: make or choose what is restored.
    Backup,
    /// The backup road across accounts: the destination vault lets the source copy into it.
    Vault,
    /// The backup road across accounts or regions: the recovery point is copied over.
    Copy,
    /// The backup road: the new table is restored.
    Restore,
    Verify,
    Finish,
    /// After the migration: increments of the source's later writes applied to the new table
    /// (catch-up) until cutover, then the full compare. Outside both roads' step order.
    CatchUp,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Preflight => "Preflight checks",
            Step::Pitr => "Point-in-time recovery",
            Step::Bucket => "Destination bucket and policy",
            Step::Export => "Export to S3",
            Step::Locate => "Find the export's data folder",
            Step::KeyCheck => "Check key attributes in the export",
            Step::Import => "Import into the new table",
            Step::Backup => "Make or choose the backup",
            Step::Vault => "Destination vault access policy",
            Step::Copy => "Copy the backup to the destination",
            Step::Restore => "Restore the new table",
            Step::Verify => "Verify the new table",
            Step::Finish => "Finish",
            Step::CatchUp => "Catch up with the source",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Preflight => "preflight",
            Step::Pitr => "pitr",
            Step::Bucket => "bucket",
            Step::Export => "export",
            Step::Locate => "locate",
            Step::KeyCheck => "key_check",
            Step::Import => "import",
            Step::Backup => "backup",
            Step::Vault => "vault",
            Step::Copy => "copy",
            Step::Restore => "restore",
            Step::Verify => "verify",
            Step::Finish => "finish",
            Step::CatchUp => "catch_up",
        }
    }
}

/// A long-running AWS job (export or import): how it was started and what AWS last said.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Idempotency token sent with the start call; saved before the call is made.
    pub client_token: String,
    /// The job's ARN, once AWS answered (or once found again with List*).
    pub arn: Option<String>,
    pub status: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub item_count: Option<i64>,
    pub billed_bytes: Option<i64>,
    pub error_count: Option<i64>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// Extra facts: the export's manifest key, the import's CloudWatch log group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the start call was first about to be made (RFC 3339): a job found later that was
    /// created before it cannot be this migration's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PitrRecord {
    /// PITR status when the migration first looked.
    pub initially_enabled: Option<bool>,
    /// True once this tool turned PITR on, so it may turn it off again.
    pub enabled_by_us: bool,
    pub disabled_after: bool,
    /// True once PITR was turned on for the new table at the person's request (to match the
    /// source): it is billed every month, so the end lists it among what stays behind.
    #[serde(default)]
    pub enabled_on_new_table: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRecord {
    pub owner: Option<String>,
    pub region: Option<String>,
    pub created_by_us: bool,
    /// Sids of the statements this tool added to the bucket policy.
    pub statements_added: Vec<String>,
    pub policy_done: bool,
    /// True when the statements this tool added were the policy's only ones when it wrote
    /// it: removing them then means deleting the policy, since S3 refuses an empty one.
    #[serde(default)]
    pub policy_only_ours: bool,
}

/// What the backup road restores: a recovery point or backup made or chosen, or a point in
/// time of the source table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryPointRecord {
    /// The recovery point or DynamoDB backup ARN; `None` for a point-in-time restore.
    pub arn: Option<String>,
    /// The vault holding it; `None` for a backup DynamoDB made itself.
    pub vault: Option<String>,
    /// "made now", "chosen" or "point in time".
    pub found_by: String,
    pub created_at: Option<String>,
    pub size_bytes: Option<i64>,
    /// For a point-in-time restore: the time restored (`None`: the latest restorable time).
    pub restore_time: Option<String>,
}

/// The backup road's state besides its jobs: what is restored, the copy in the destination
/// and the vault policy statements this tool added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRoadRecord {
    pub recovery_point: Option<RecoveryPointRecord>,
    /// The copy of the recovery point in the destination's vault, once the copy finished.
    pub copied: Option<RecoveryPointRecord>,
    /// True when the recovery point must be copied (another account or region).
    pub needs_copy: bool,
    /// The destination vault's ARN, once preflight found it.
    pub dest_vault_arn: Option<String>,
    /// Sids this tool added to the destination vault's access policy.
    pub statements_added: Vec<String>,
    pub policy_done: bool,
    /// True when ddb-ferry's statement was the policy's only one when it wrote it.
    pub policy_only_ours: bool,
    /// The backup job (AWS Backup) or DynamoDB backup made by this migration.
    pub backup: Option<JobRecord>,
    pub copy: Option<JobRecord>,
    pub restore: Option<JobRecord>,
}

impl BackupRoadRecord {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Where the exported data files are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFolder {
    pub bucket: String,
    /// The `.../AWSDynamoDB/<id>/data/` prefix handed to ImportTable.
    pub prefix: String,
    pub data_files: usize,
    pub total_bytes: u64,
    /// Items the manifest lists, when the manifest was there.
    pub manifest_item_count: Option<u64>,
    /// "manifest" or "listing".
    pub found_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCheckRecord {
    pub items_checked: u64,
    pub problems: u64,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRecord {
    pub expected_items: Option<i64>,
    pub imported_items: Option<i64>,
    pub counted_items: Option<i64>,
    pub sampled: u64,
    pub sample_mismatches: Vec<String>,
    pub passed: bool,
}

/// A setting the import does not carry, with the source's value and how to apply it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCarried {
    pub setting: String,
    pub source_value: String,
    pub how_to_apply: String,
}

/// One line of the migration's history: decisions and calls, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    pub step: Step,
    pub what: String,
    /// The equivalent AWS CLI command, when the entry is a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub id: String,
    pub state: MigrationState,
    pub step: Step,
    pub created_at: String,
    pub updated_at: String,
    pub plan: Plan,
    pub plan_file: Option<String>,
    /// The endpoint override the run was started with (an emulator), so `resume` uses it too.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    pub source_identity: Option<Identity>,
    pub dest_identity: Option<Identity>,
    pub source_table: Option<SourceTable>,
    pub table_spec: Option<TableSpec>,
    #[serde(default)]
    pub pitr: PitrRecord,
    #[serde(default)]
    pub bucket: BucketRecord,
    /// The S3 prefix this migration's export is written under.
    pub export_prefix: String,
    pub export: Option<JobRecord>,
    pub data_folder: Option<DataFolder>,
    pub key_check: Option<KeyCheckRecord>,
    pub import: Option<JobRecord>,
    /// The export written into an existing table instead of an import
    /// (`options.existing_table`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadRecord>,
    pub verify: Option<VerifyRecord>,
    /// The backup road's records; empty (and left out of the file) on the S3 road.
    #[serde(default, skip_serializing_if = "BackupRoadRecord::is_empty")]
    pub backup: BackupRoadRecord,
    #[serde(default)]
    pub not_carried: Vec<NotCarried>,
    /// The fleet this table's migration belongs to, when it is one of many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetMembership>,
    /// Catch-up after the import: its increments and the cutover; left out while empty.
    #[serde(default, skip_serializing_if = "CatchUpRecord::is_empty")]
    pub catch_up: CatchUpRecord,
    pub failure: Option<AwsFailure>,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// A table's place in its fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetMembership {
    pub fleet_id: String,
    /// The bucket folder of the whole fleet: the bucket policy grants it once for every table.
    pub folder: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the journal {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read the journal {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the journal {path} is damaged ({source}); it was left as it is")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
}

/// Folder holding the journals: `$DDB_FERRY_STATE_DIR`, else `$XDG_STATE_HOME/ddb-ferry`
/// (`~/.local/state/ddb-ferry`).
pub fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DDB_FERRY_STATE_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::state_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
        .unwrap_or_else(|| PathBuf::from(".ddb-ferry-state"))
        .join("ddb-ferry")
}

/// Creates a folder (and its parents) private to the user.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Writes `bytes` to `path` atomically with mode 0600: a reader sees the old or the new file,
/// never half of one, even if the process is killed mid-write.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "journal".to_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes `value` as pretty JSON to `path`, atomically and private to the user: how every
/// journal (a migration's, a fleet's) is saved.
pub fn save_json<T: Serialize>(path: &Path, value: &T) -> Result<(), JournalError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| JournalError::Write {
        path: path.display().to_string(),
        source: std::io::Error::other(e),
    })?;
    write_private_atomic(path, &bytes).map_err(|source| JournalError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Reads a journal written by [`save_json`].
pub fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, JournalError> {
    let bytes = fs::read(path).map_err(|source| JournalError::Read {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| JournalError::Parse {
        path: path.display().to_string(),
        source,
    })
}

/// Every `*.json` journal in `folder` (temporary `.` files left out), newest first by
/// `updated_at`; a damaged one is listed with its error.
pub fn list_json<T: serde::de::DeserializeOwned>(
    folder: &Path,
    updated_at: impl Fn(&T) -> String,
) -> Vec<(PathBuf, Result<T, JournalError>)> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Result<T, JournalError>)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .map(|p| {
            let loaded = load_json(&p);
            (p, loaded)
        })
        .collect();
    out.sort_by_key(|(_, j)| std::cmp::Reverse(j.as_ref().map(&updated_at).unwrap_or_default()));
    out
}

impl Journal {
    pub fn path_in(dir: &Path, id: &str) -> PathBuf {
        dir.join("migrations").join(format!("{id}.json"))
    }

    pub fn path(&self, dir: &Path) -> PathBuf {
        Self::path_in(dir, &self.id)
    }

    /// Saves the journal; called before and after every AWS call that changes something.
    pub fn save(&mut self, dir: &Path) -> Result<(), JournalError> {
        self.updated_at = now_rfc3339();
        save_json(&self.path(dir), self)
    }

    pub fn load(path: &Path) -> Result<Journal, JournalError> {
        load_json(path)
    }

    /// Every journal in the state folder, newest first; damaged files are skipped.
    pub fn list(dir: &Path) -> Vec<(PathBuf, Result<Journal, JournalError>)> {
        list_json(&dir.join("migrations"), |j: &Journal| j.updated_at.clone())
    }

    /// The source account's id, once preflight confirmed it (empty before).
    pub fn source_account(&self) -> String {
        self.source_identity
            .as_ref()
            .map(|i| i.account.clone())
            .unwrap_or_default()
    }

    /// The destination account's id, once preflight confirmed it (empty before).
    pub fn dest_account(&self) -> String {
        self.dest_identity
            .as_ref()
            .map(|i| i.account.clone())
            .unwrap_or_default()
    }

    /// The job started last, by name ("export", "import", "backup", "copy", "restore"): the
    /// one a person watching wants to hear about.
    pub fn latest_job(&self) -> Option<(&'static str, &JobRecord)> {
        let road = &self.backup;
        [
            ("restore", &road.restore),
            ("copy", &road.copy),
            ("backup", &road.backup),
            ("import", &self.import),
            ("export", &self.export),
        ]
        .into_iter()
        .find_map(|(name, job)| job.as_ref().map(|j| (name, j)))
    }

    pub fn record(&mut self, step: Step, what: impl Into<String>, cli: Option<String>) {
        self.history.push(HistoryEntry {
            at: now_rfc3339(),
            step,
            what: what.into(),
            cli,
        });
    }
}

/// The current time as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_is_private_and_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("j.json");
        write_private_atomic(&path, b"one").unwrap();
        write_private_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dmode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dmode, 0o700);
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
