//! The three jobs of the backup road. Each start call sends the engine's token as AWS
//! Backup's IdempotencyToken, so a repeat after a lost answer finds the same job; the job
//! id is what the engine's journal keeps.

use std::collections::BTreeMap;

use aws_sdk_backup::types as bk;

use super::{no_retries, percent, AwsBackup};
use crate::aws::dynamodb::time_text;
use crate::aws::dynamodb_backup::newest_first;
use crate::aws::explain::AwsFailure;

/// A backup job as AWS Backup reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupJobInfo {
    pub job_id: String,
    /// `CREATED`, `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `ABORTED`, `EXPIRED`…
    pub status: String,
    /// Known from the start: the job's recovery point, COMPLETED when the job is.
    pub recovery_point_arn: Option<String>,
    pub resource_arn: String,
    pub vault: String,
    /// RFC 3339.
    pub created: Option<String>,
    pub completed: Option<String>,
    pub percent_done: Option<u8>,
    pub size_bytes: Option<i64>,
    /// AWS's StatusMessage (why a job failed).
    pub message: Option<String>,
}

/// A copy job, listed and described in the account that started it.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyJobInfo {
    pub job_id: String,
    /// `CREATED`, `RUNNING`, `COMPLETED`, `FAILED` or `PARTIAL`.
    pub status: String,
    pub source_recovery_point_arn: String,
    /// The copy in the destination vault, once the job made it.
    pub dest_recovery_point_arn: Option<String>,
    pub dest_vault_arn: String,
    pub created: Option<String>,
    pub completed: Option<String>,
    pub size_bytes: Option<i64>,
    pub message: Option<String>,
}

/// A restore job; `created_resource_arn` is the new table.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreJobInfo {
    pub job_id: String,
    /// `PENDING`, `RUNNING`, `COMPLETED`, `ABORTED` or `FAILED`.
    pub status: String,
    pub recovery_point_arn: String,
    pub created: Option<String>,
    pub completed: Option<String>,
    pub percent_done: Option<u8>,
    pub expected_minutes: Option<i64>,
    pub created_resource_arn: Option<String>,
    pub message: Option<String>,
}

/// What StartBackupJob needs.
#[derive(Debug, Clone, Copy)]
pub struct BackupJobRequest<'a> {
    pub vault: &'a str,
    pub resource_arn: &'a str,
    pub role_arn: &'a str,
    pub token: &'a str,
}

/// What StartCopyJob needs: the recovery point in `source_vault`, copied into the vault
/// `dest_vault_arn` (of this or another account).
#[derive(Debug, Clone, Copy)]
pub struct CopyJobRequest<'a> {
    pub source_vault: &'a str,
    pub recovery_point_arn: &'a str,
    pub dest_vault_arn: &'a str,
    pub role_arn: &'a str,
    pub token: &'a str,
}

/// What StartRestoreJob needs: `metadata` holds the restore metadata keys
/// (`targetTableName`, `encryptionType`, `kmsMasterKeyArn`).
#[derive(Debug, Clone, Copy)]
pub struct RestoreJobRequest<'a> {
    pub recovery_point_arn: &'a str,
    pub role_arn: &'a str,
    pub token: &'a str,
    pub metadata: &'a BTreeMap<String, String>,
    pub copy_tags: bool,
}

/// DescribeBackupJob's output and ListBackupJobs' rows have the same accessors.
macro_rules! backup_job_info {
    ($j:expr) => {{
        let j = $j;
        BackupJobInfo {
            job_id: j.backup_job_id().unwrap_or_default().to_owned(),
            status: j
                .state()
                .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
            recovery_point_arn: j.recovery_point_arn().map(str::to_owned),
            resource_arn: j.resource_arn().unwrap_or_default().to_owned(),
            vault: j.backup_vault_name().unwrap_or_default().to_owned(),
            created: time_text(j.creation_date()),
            completed: time_text(j.completion_date()),
            percent_done: percent(j.percent_done()),
            size_bytes: j.backup_size_in_bytes(),
            message: j.status_message().map(str::to_owned),
        }
    }};
}

/// The same for DescribeRestoreJob's output and ListRestoreJobs' rows.
macro_rules! restore_job_info {
    ($j:expr) => {{
        let j = $j;
        RestoreJobInfo {
            job_id: j.restore_job_id().unwrap_or_default().to_owned(),
            status: j
                .status()
                .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
            recovery_point_arn: j.recovery_point_arn().unwrap_or_default().to_owned(),
            created: time_text(j.creation_date()),
            completed: time_text(j.completion_date()),
            percent_done: percent(j.percent_done()),
            expected_minutes: j.expected_completion_time_minutes(),
            created_resource_arn: j.created_resource_arn().map(str::to_owned),
            message: j.status_message().map(str::to_owned),
        }
    }};
}

fn copy_job_info(j: &bk::CopyJob) -> CopyJobInfo {
    CopyJobInfo {
        job_id: j.copy_job_id().unwrap_or_default().to_owned(),
        status: j
            .state()
            .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
        source_recovery_point_arn: j.source_recovery_point_arn().unwrap_or_default().to_owned(),
        dest_recovery_point_arn: j.destination_recovery_point_arn().map(str::to_owned),
        dest_vault_arn: j
            .destination_backup_vault_arn()
            .unwrap_or_default()
            .to_owned(),
        created: time_text(j.creation_date()),
        completed: time_text(j.completion_date()),
        size_bytes: j.backup_size_in_bytes(),
        message: j.status_message().map(str::to_owned),
    }
}

/// An empty token means "none": AWS refuses an empty IdempotencyToken.
fn token(t: &str) -> Option<String> {
    (!t.is_empty()).then(|| t.to_owned())
}

impl AwsBackup {
    /// Starts a backup job; the answer already names its recovery point.
    pub async fn start_backup_job(
        &self,
        req: &BackupJobRequest<'_>,
    ) -> Result<BackupJobInfo, AwsFailure> {
        const OP: &str = "backup:StartBackupJob";
        if req.role_arn.trim().is_empty() {
            return Err(AwsFailure::backup_role_missing(OP, &self.side));
        }
        let out = self
            .client
            .start_backup_job()
            .backup_vault_name(req.vault)
            .resource_arn(req.resource_arn)
            .iam_role_arn(req.role_arn)
            .set_idempotency_token(token(req.token))
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk(OP, &self.side, e))?;
        Ok(BackupJobInfo {
            job_id: out.backup_job_id().unwrap_or_default().to_owned(),
            status: "CREATED".to_owned(),
            recovery_point_arn: out.recovery_point_arn().map(str::to_owned),
            resource_arn: req.resource_arn.to_owned(),
            vault: req.vault.to_owned(),
            created: time_text(out.creation_date()),
            completed: None,
            percent_done: None,
            size_bytes: None,
            message: None,
        })
    }

    pub async fn describe_backup_job(&self, job_id: &str) -> Result<BackupJobInfo, AwsFailure> {
        let out = self
            .client
            .describe_backup_job()
            .backup_job_id(job_id)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("backup:DescribeBackupJob", &self.side, e))?;
        Ok(backup_job_info!(&out))
    }

    /// Every backup job of the resource AWS Backup still lists (30 days), newest first.
    pub async fn list_backup_jobs(
        &self,
        resource_arn: &str,
    ) -> Result<Vec<BackupJobInfo>, AwsFailure> {
        let jobs = self
            .client
            .list_backup_jobs()
            .by_resource_arn(resource_arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsFailure::from_sdk("backup:ListBackupJobs", &self.side, e))?;
        Ok(newest_first(&jobs, bk::BackupJob::creation_date, |j| {
            backup_job_info!(j)
        }))
    }

    pub async fn start_copy_job(
        &self,
        req: &CopyJobRequest<'_>,
    ) -> Result<CopyJobInfo, AwsFailure> {
        const OP: &str = "backup:StartCopyJob";
        if req.role_arn.trim().is_empty() {
            return Err(AwsFailure::backup_role_missing(OP, &self.side));
        }
        let out = self
            .client
            .start_copy_job()
            .source_backup_vault_name(req.source_vault)
            .recovery_point_arn(req.recovery_point_arn)
            .destination_backup_vault_arn(req.dest_vault_arn)
            .iam_role_arn(req.role_arn)
            .set_idempotency_token(token(req.token))
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk(OP, &self.side, e))?;
        Ok(CopyJobInfo {
            job_id: out.copy_job_id().unwrap_or_default().to_owned(),
            status: "CREATED".to_owned(),
            source_recovery_point_arn: req.recovery_point_arn.to_owned(),
            dest_recovery_point_arn: None,
            dest_vault_arn: req.dest_vault_arn.to_owned(),
            created: time_text(out.creation_date()),
            completed: None,
            size_bytes: None,
            message: None,
        })
    }

    pub async fn describe_copy_job(&self, job_id: &str) -> Result<CopyJobInfo, AwsFailure> {
        let out = self
            .client
            .describe_copy_job()
            .copy_job_id(job_id)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("backup:DescribeCopyJob", &self.side, e))?;
        out.copy_job().map(copy_job_info).ok_or_else(|| {
            AwsFailure::from_code(
                "backup:DescribeCopyJob",
                &self.side,
                "EmptyResponse",
                "AWS answered without a copy job",
            )
        })
    }

    /// Every copy job of the resource, started from this account, newest first.
    pub async fn list_copy_jobs(&self, resource_arn: &str) -> Result<Vec<CopyJobInfo>, AwsFailure> {
        let jobs = self
            .client
            .list_copy_jobs()
            .by_resource_arn(resource_arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsFailure::from_sdk("backup:ListCopyJobs", &self.side, e))?;
        Ok(newest_first(
            &jobs,
            bk::CopyJob::creation_date,
            copy_job_info,
        ))
    }

    /// Starts a restore job into a new DynamoDB table. StartRestoreJob answers with the id
    /// only, so the job is described at once; should that fail, the job has started
    /// anyway and its id comes back with the status PENDING for the next look to fill in.
    pub async fn start_restore_job(
        &self,
        req: &RestoreJobRequest<'_>,
    ) -> Result<RestoreJobInfo, AwsFailure> {
        const OP: &str = "backup:StartRestoreJob";
        if req.role_arn.trim().is_empty() {
            return Err(AwsFailure::backup_role_missing(OP, &self.side));
        }
        let out = self
            .client
            .start_restore_job()
            .recovery_point_arn(req.recovery_point_arn)
            .iam_role_arn(req.role_arn)
            .resource_type("DynamoDB")
            .set_metadata(Some(req.metadata.clone().into_iter().collect()))
            .copy_source_tags_to_restored_resource(req.copy_tags)
            .set_idempotency_token(token(req.token))
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk(OP, &self.side, e))?;
        let job_id = out.restore_job_id().unwrap_or_default().to_owned();
        match self.describe_restore_job(&job_id).await {
            Ok(info) => Ok(info),
            Err(f) => {
                tracing::warn!(job_id, failure = %f, "restore job started; describing it failed");
                Ok(RestoreJobInfo {
                    job_id,
                    status: "PENDING".to_owned(),
                    recovery_point_arn: req.recovery_point_arn.to_owned(),
                    created: None,
                    completed: None,
                    percent_done: None,
                    expected_minutes: None,
                    created_resource_arn: None,
                    message: None,
                })
            }
        }
    }

    pub async fn describe_restore_job(&self, job_id: &str) -> Result<RestoreJobInfo, AwsFailure> {
        let out = self
            .client
            .describe_restore_job()
            .restore_job_id(job_id)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("backup:DescribeRestoreJob", &self.side, e))?;
        Ok(restore_job_info!(&out))
    }

    /// Every DynamoDB restore job of this account AWS Backup still lists, newest first.
    pub async fn list_restore_jobs(&self) -> Result<Vec<RestoreJobInfo>, AwsFailure> {
        let jobs = self
            .client
            .list_restore_jobs()
            .by_resource_type("DynamoDB")
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsFailure::from_sdk("backup:ListRestoreJobs", &self.side, e))?;
        Ok(newest_first(
            &jobs,
            bk::RestoreJobsListMember::creation_date,
            |j| restore_job_info!(j),
        ))
    }
}
