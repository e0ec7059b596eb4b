//! The plan's road, and what the backup road needs decided: which backup is restored, who
//! makes it, which vaults and roles AWS Backup uses, and how the restored table is encrypted.
//! Every field has a default that works in the usual case (a new backup by AWS Backup, the
//! `Default` vaults), so a backup plan can be as short as an S3 one.

use serde::{Deserialize, Serialize};

use super::Plan;
use crate::logic::restore::RestoreEncryption;
use crate::logic::road::Road;

/// How the table is moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// An export to an S3 bucket, then an import.
    #[default]
    S3,
    /// A backup, a copy into the destination's vault (across accounts), then a restore.
    Backup,
}

impl Via {
    /// Left out of a written plan, so plans and journals of the S3 road read as before.
    pub fn is_s3(&self) -> bool {
        *self == Via::S3
    }
}

impl From<Road> for Via {
    fn from(road: Road) -> Self {
        match road {
            Road::S3 => Via::S3,
            Road::Backup => Via::Backup,
        }
    }
}

impl From<Via> for Road {
    fn from(via: Via) -> Self {
        match via {
            Via::S3 => Road::S3,
            Via::Backup => Road::Backup,
        }
    }
}

/// What is restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BackupFrom {
    /// A backup made now.
    #[default]
    New,
    /// An existing recovery point, `recovery_point_arn`.
    RecoveryPoint,
    /// The table as it was at `restore_time` (same account only; needs PITR on).
    PointInTime,
}

/// Who makes the new backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BackupMaker {
    /// AWS Backup (StartBackupJob): its recovery points can be copied to another account.
    #[default]
    AwsBackup,
    /// DynamoDB's CreateBackup: same account only.
    Dynamodb,
}

/// The backup road's settings (`backup` in the plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupPlan {
    /// What is restored: "new" (a backup made now, default), "recovery_point" (the ARN below),
    /// or "point_in_time".
    #[serde(default)]
    pub from: BackupFrom,
    /// AWS Backup recovery point or DynamoDB backup ARN.
    #[serde(default)]
    pub recovery_point_arn: Option<String>,
    /// RFC 3339, only for point_in_time; absent = latest restorable time.
    #[serde(default)]
    pub restore_time: Option<String>,
    /// For "new": who makes the backup.
    #[serde(default)]
    pub made_by: BackupMaker,
    /// The source account's vault that holds the backup.
    #[serde(default = "default_vault")]
    pub source_vault: String,
    /// The destination account's vault that cross-account copies land in.
    #[serde(default = "default_vault")]
    pub dest_vault: String,
    /// AWS Backup role in the source account (StartBackupJob, StartCopyJob).
    #[serde(default)]
    pub source_role_arn: Option<String>,
    /// AWS Backup role in the destination (StartRestoreJob).
    #[serde(default)]
    pub dest_role_arn: Option<String>,
    /// The restored table's encryption.
    #[serde(default)]
    pub encryption: RestoreEncryption,
    /// Copy the source's tags onto the restored table (CopySourceTagsToRestoredResource).
    #[serde(default = "yes")]
    pub copy_tags: bool,
    /// Add the statement letting the source account copy into `dest_vault` to that vault's
    /// access policy, never dropping one already there.
    #[serde(default = "yes")]
    pub add_vault_policy: bool,
}

impl Default for BackupPlan {
    fn default() -> Self {
        Self {
            from: BackupFrom::default(),
            recovery_point_arn: None,
            restore_time: None,
            made_by: BackupMaker::default(),
            source_vault: default_vault(),
            dest_vault: default_vault(),
            source_role_arn: None,
            dest_role_arn: None,
            encryption: RestoreEncryption::default(),
            copy_tags: true,
            add_vault_policy: true,
        }
    }
}

fn default_vault() -> String {
    "Default".to_owned()
}

fn yes() -> bool {
    true
}

impl Plan {
    /// The backup road's settings, their defaults when the plan has no `backup` section.
    pub fn backup_or_default(&self) -> BackupPlan {
        self.backup.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_section_takes_the_defaults_and_names_read_as_written() {
        let b: BackupPlan = serde_json::from_str("{}").unwrap();
        assert_eq!(b, BackupPlan::default());
        assert_eq!(b.source_vault, "Default");
        assert!(b.copy_tags && b.add_vault_policy);
        let b: BackupPlan = serde_json::from_str(
            r#"{"from": "point_in_time", "made_by": "dynamodb",
                "encryption": {"type": "customer_managed", "kms_key_arn": "k"}}"#,
        )
        .unwrap();
        assert_eq!(b.from, BackupFrom::PointInTime);
        assert_eq!(b.made_by, BackupMaker::Dynamodb);
        assert_eq!(
            serde_json::to_value(BackupFrom::RecoveryPoint).unwrap(),
            "recovery_point"
        );
        assert_eq!(
            serde_json::to_value(BackupMaker::AwsBackup).unwrap(),
            "aws_backup"
        );
        assert_eq!(serde_json::to_value(Via::Backup).unwrap(), "backup");
        assert!(serde_json::from_str::<BackupPlan>(r#"{"vault": "x"}"#).is_err());
    }

    #[test]
    fn the_road_and_via_are_one() {
        for via in [Via::S3, Via::Backup] {
            assert_eq!(Via::from(Road::from(via)), via);
        }
    }
}
