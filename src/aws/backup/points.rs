//! Recovery points: what a backup job made, where it is, and whether it can leave the
//! account. A table's list also holds the backups DynamoDB made itself (ARN
//! `arn:aws:dynamodb:…`), which live in no vault and can never be copied to another account.

use std::collections::BTreeMap;

use aws_sdk_backup::types as bk;

use super::{arn_service, AwsBackup};
use crate::aws::dynamodb::time_text;
use crate::aws::dynamodb_backup::newest_first;
use crate::aws::explain::AwsFailure;

/// A recovery point, from a listing or DescribeRecoveryPoint (listings by resource carry
/// fewer fields: no completion time, no source vault).
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryPointInfo {
    pub arn: String,
    /// The vault's name; None for a backup made by DynamoDB.
    pub vault: Option<String>,
    /// `CREATING`, `COMPLETED`, `PARTIAL`, `EXPIRED`, `DELETING`…
    pub status: String,
    /// RFC 3339. A copy keeps the creation time of its source.
    pub created: Option<String>,
    pub completed: Option<String>,
    pub size_bytes: Option<i64>,
    pub resource_arn: String,
    pub encryption_key_arn: Option<String>,
    /// For a copy: the vault it was copied from.
    pub source_vault_arn: Option<String>,
}

impl RecoveryPointInfo {
    /// A backup made by DynamoDB (on demand, or by AWS Backup without advanced DynamoDB
    /// backup features): restorable in its own account only.
    pub fn made_by_dynamodb(&self) -> bool {
        arn_service(&self.arn) == Some("dynamodb")
    }

    /// Fully managed by AWS Backup (`arn:…:backup:…`), the only kind a copy job can carry
    /// into another account.
    pub fn can_cross_accounts(&self) -> bool {
        arn_service(&self.arn) == Some("backup")
    }

    pub fn is_completed(&self) -> bool {
        self.status == "COMPLETED"
    }
}

/// ListRecoveryPointsByBackupVault's rows and DescribeRecoveryPoint share these accessors.
macro_rules! full_point_info {
    ($p:expr) => {{
        let p = $p;
        RecoveryPointInfo {
            arn: p.recovery_point_arn().unwrap_or_default().to_owned(),
            vault: p.backup_vault_name().map(str::to_owned),
            status: p
                .status()
                .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
            created: time_text(p.creation_date()),
            completed: time_text(p.completion_date()),
            size_bytes: p.backup_size_in_bytes(),
            resource_arn: p.resource_arn().unwrap_or_default().to_owned(),
            encryption_key_arn: p.encryption_key_arn().map(str::to_owned),
            source_vault_arn: p.source_backup_vault_arn().map(str::to_owned),
        }
    }};
}

fn by_resource_info(p: &bk::RecoveryPointByResource, resource_arn: &str) -> RecoveryPointInfo {
    let mut info = RecoveryPointInfo {
        arn: p.recovery_point_arn().unwrap_or_default().to_owned(),
        vault: p.backup_vault_name().map(str::to_owned),
        status: p
            .status()
            .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
        created: time_text(p.creation_date()),
        completed: None,
        size_bytes: p.backup_size_bytes(),
        resource_arn: resource_arn.to_owned(),
        encryption_key_arn: p.encryption_key_arn().map(str::to_owned),
        source_vault_arn: None,
    };
    if info.made_by_dynamodb() {
        // AWS names a pseudo-vault for these; they are in no vault one could use.
        info.vault = None;
    }
    info
}

impl AwsBackup {
    /// Every recovery point of the resource in this account (DynamoDB-made backups
    /// included), newest first.
    pub async fn recovery_points_of(
        &self,
        resource_arn: &str,
    ) -> Result<Vec<RecoveryPointInfo>, AwsFailure> {
        let points = self
            .client
            .list_recovery_points_by_resource()
            .resource_arn(resource_arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| {
                AwsFailure::from_sdk("backup:ListRecoveryPointsByResource", &self.side, e)
            })?;
        Ok(newest_first(
            &points,
            bk::RecoveryPointByResource::creation_date,
            |p| by_resource_info(p, resource_arn),
        ))
    }

    /// Every recovery point in the vault, newest first.
    pub async fn recovery_points_in_vault(
        &self,
        vault: &str,
    ) -> Result<Vec<RecoveryPointInfo>, AwsFailure> {
        let points = self
            .client
            .list_recovery_points_by_backup_vault()
            .backup_vault_name(vault)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| {
                AwsFailure::from_sdk("backup:ListRecoveryPointsByBackupVault", &self.side, e)
            })?;
        Ok(newest_first(
            &points,
            bk::RecoveryPointByBackupVault::creation_date,
            |p| full_point_info!(p),
        ))
    }

    /// The recovery point, or None when the vault does not hold it. A missing vault is an
    /// error (`backup-vault-missing`), not a missing recovery point.
    pub async fn describe_recovery_point(
        &self,
        vault: &str,
        arn: &str,
    ) -> Result<Option<RecoveryPointInfo>, AwsFailure> {
        match self
            .client
            .describe_recovery_point()
            .backup_vault_name(vault)
            .recovery_point_arn(arn)
            .send()
            .await
        {
            Ok(out) => Ok(Some(full_point_info!(&out))),
            Err(e) => {
                let f = AwsFailure::from_sdk("backup:DescribeRecoveryPoint", &self.side, e);
                if f.code == "recovery-point-missing" {
                    Ok(None)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// The settings the table had when it was backed up, under the keys StartRestoreJob
    /// takes (`targetTableName`, `encryptionType`, `kmsMasterKeyArn`…).
    pub async fn restore_metadata(
        &self,
        vault: &str,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, AwsFailure> {
        let out = self
            .client
            .get_recovery_point_restore_metadata()
            .backup_vault_name(vault)
            .recovery_point_arn(arn)
            .send()
            .await
            .map_err(|e| {
                AwsFailure::from_sdk("backup:GetRecoveryPointRestoreMetadata", &self.side, e)
            })?;
        Ok(out
            .restore_metadata()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(arn: &str) -> RecoveryPointInfo {
        RecoveryPointInfo {
            arn: arn.into(),
            vault: None,
            status: "COMPLETED".into(),
            created: None,
            completed: None,
            size_bytes: None,
            resource_arn: "arn:aws:dynamodb:us-east-1:1:table/t".into(),
            encryption_key_arn: None,
            source_vault_arn: None,
        }
    }

    #[test]
    fn only_points_fully_managed_by_aws_backup_cross_accounts() {
        let advanced = point("arn:aws:backup:us-east-1:1:recovery-point:ABC");
        assert!(advanced.can_cross_accounts() && !advanced.made_by_dynamodb());
        for arn in [
            "arn:aws:dynamodb:us-east-1:1:table/t/backup/01700000000000-abcdef12",
            "arn:aws-us-gov:dynamodb:us-gov-west-1:1:table/t/backup/01",
            "arn:aws-cn:dynamodb:cn-north-1:1:table/t/backup/01",
        ] {
            let p = point(arn);
            assert!(p.made_by_dynamodb() && !p.can_cross_accounts(), "{arn}");
        }
        let odd = point("not-an-arn");
        assert!(!odd.made_by_dynamodb() && !odd.can_cross_accounts());
    }

    #[test]
    fn a_dynamodb_made_backup_is_in_no_vault() {
        let row = bk::RecoveryPointByResource::builder()
            .recovery_point_arn("arn:aws:dynamodb:us-east-1:1:table/t/backup/01")
            .backup_vault_name("DynamoDB-pseudo-vault")
            .status(bk::RecoveryPointStatus::Completed)
            .build();
        let info = by_resource_info(&row, "arn:aws:dynamodb:us-east-1:1:table/t");
        assert_eq!(info.vault, None);
        assert!(info.is_completed());
        assert_eq!(info.resource_arn, "arn:aws:dynamodb:us-east-1:1:table/t");
    }
}
