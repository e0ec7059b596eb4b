//! Restoring the new table: an AWS Backup restore job (idempotency token, `PercentDone`), or
//! one of DynamoDB's own restores, which take no token and run as the new table itself: found
//! again by the target table and its RestoreSummary.

use std::collections::BTreeMap;

use super::backup::aws_backup_phase;
use super::lookup::created_since;
use super::watcher::{JobView, LongJob, Phase};
use crate::aws::backup::{AwsBackup, RestoreJobInfo, RestoreJobRequest};
use crate::aws::dynamodb::Dynamo;
use crate::aws::dynamodb_backup::{RestoreSource, TableRestoreRequest};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::cli_backup::{describe_restore_job, describe_table};
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::poll::expected_minutes;
use crate::logic::restore::RestoreEncryption;
use crate::logic::table::SourceTable;

/// A restore job of AWS Backup in the destination account.
pub(crate) struct AwsRestoreJob {
    pub backup: AwsBackup,
    pub cli_args: String,
    pub recovery_point_arn: String,
    pub role_arn: String,
    pub metadata: BTreeMap<String, String>,
    pub copy_tags: bool,
    pub target_table: String,
    pub bytes: i64,
}

impl LongJob for AwsRestoreJob {
    type Info = RestoreJobInfo;
    const NAME: &'static str = "restore";
    const STEP: Step = Step::Restore;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.backup.restore
    }

    async fn find_started(
        &self,
        saved: Option<&JobRecord>,
    ) -> Result<Option<RestoreJobInfo>, AwsFailure> {
        let Some(rec) = saved else {
            return Ok(None);
        };
        let jobs = self.backup.list_restore_jobs().await?;
        Ok(jobs.into_iter().find(|j| {
            j.recovery_point_arn == self.recovery_point_arn
                && !matches!(j.status.as_str(), "FAILED" | "ABORTED")
                && created_since(j.created.as_deref(), rec.requested_at.as_deref())
        }))
    }

    async fn start(&self, token: Option<&str>) -> Result<RestoreJobInfo, AwsFailure> {
        self.backup
            .start_restore_job(&RestoreJobRequest {
                recovery_point_arn: &self.recovery_point_arn,
                role_arn: &self.role_arn,
                token: token.unwrap_or_default(),
                metadata: &self.metadata,
                copy_tags: self.copy_tags,
            })
            .await
    }

    async fn describe(&self, job_id: &str) -> Result<RestoreJobInfo, AwsFailure> {
        self.backup.describe_restore_job(job_id).await
    }

    fn view<'a>(&self, info: &'a RestoreJobInfo) -> JobView<'a> {
        JobView {
            arn: &info.job_id,
            status: &info.status,
            started_at: info.created.as_deref(),
            ended_at: info.completed.as_deref(),
            failure_message: info.message.as_deref(),
            percent_done: info.percent_done,
            expected_minutes: info
                .expected_minutes
                .and_then(|m| u64::try_from(m).ok())
                .filter(|m| *m > 0),
            ..JobView::default()
        }
    }

    fn phase(&self, info: &RestoreJobInfo) -> Phase {
        aws_backup_phase(&info.status)
    }

    fn store_details(&self, info: &RestoreJobInfo, record: &mut JobRecord) {
        record.detail = info.created_resource_arn.clone();
    }

    fn explain_failure(&self, info: &RestoreJobInfo) -> AwsFailure {
        let message = info.message.as_deref().unwrap_or("no message");
        let why = if message.contains("already exists") {
            "a table with the new table's name appeared in the destination while the restore started"
        } else if message.to_ascii_lowercase().contains("kms") {
            "the chosen KMS key cannot be used by the destination account (a key of another account must be shared with it)"
        } else {
            "the restore job failed inside AWS Backup; its status message says why"
        };
        let mut f = AwsFailure::new(
            "restore-job-failed",
            FailureKind::JobFailed,
            format!(
                "the restore job {} of the table {} ended {}: {message}",
                info.job_id, self.target_table, info.status
            ),
            why,
            format!(
                "read `{}`; the recovery point is kept, so after a fix the same command restores again",
                describe_restore_job(&self.cli_args, &info.job_id)
            ),
        );
        f.aws_code = Some(info.status.clone());
        f
    }

    fn expected_minutes(&self) -> u64 {
        expected_minutes(self.bytes, true)
    }

    fn status_command(&self, job_id: &str) -> String {
        describe_restore_job(&self.cli_args, job_id)
    }
}

/// What a DynamoDB restore reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DynamoRestoreFrom {
    Backup {
        arn: String,
    },
    PointInTime {
        source_table_arn: String,
        time: Option<String>,
    },
}

/// RestoreTableFromBackup or RestoreTableToPointInTime, in the destination's DynamoDB. The
/// "job" is the new table: CREATING while the restore runs, ACTIVE when it is done.
pub(crate) struct DynamoRestoreJob {
    pub dynamo: Dynamo,
    pub cli_args: String,
    pub target_table: String,
    pub from: DynamoRestoreFrom,
    pub encryption: RestoreEncryption,
    pub bytes: i64,
}

impl DynamoRestoreJob {
    /// True when `table` was made by this restore: its RestoreSummary names our source.
    fn is_ours(&self, table: &SourceTable) -> bool {
        let Some(summary) = &table.restore else {
            return false;
        };
        match &self.from {
            DynamoRestoreFrom::Backup { arn } => summary.source_backup_arn.as_deref() == Some(arn),
            DynamoRestoreFrom::PointInTime {
                source_table_arn, ..
            } => {
                summary.source_backup_arn.is_none()
                    && summary.source_table_arn.as_deref() == Some(source_table_arn)
            }
        }
    }
}

impl LongJob for DynamoRestoreJob {
    type Info = SourceTable;
    const NAME: &'static str = "restore";
    const STEP: Step = Step::Restore;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.backup.restore
    }

    fn takes_token(&self) -> bool {
        false
    }

    async fn find_started(&self, _: Option<&JobRecord>) -> Result<Option<SourceTable>, AwsFailure> {
        let table = self.dynamo.describe_table(&self.target_table).await?;
        Ok(table.filter(|t| self.is_ours(t)))
    }

    async fn start(&self, _: Option<&str>) -> Result<SourceTable, AwsFailure> {
        let source = match &self.from {
            DynamoRestoreFrom::Backup { arn } => RestoreSource::Backup { arn },
            DynamoRestoreFrom::PointInTime {
                source_table_arn,
                time,
            } => RestoreSource::PointInTime {
                source_table_arn,
                time: time.as_deref(),
            },
        };
        let request = TableRestoreRequest {
            target_table: &self.target_table,
            source,
            sse: Some(&self.encryption),
        };
        match &self.from {
            DynamoRestoreFrom::Backup { .. } => {
                self.dynamo.restore_table_from_backup(&request).await?
            }
            DynamoRestoreFrom::PointInTime { .. } => {
                self.dynamo.restore_table_to_point_in_time(&request).await?
            }
        }
        self.describe("").await
    }

    async fn describe(&self, _: &str) -> Result<SourceTable, AwsFailure> {
        match self.dynamo.describe_table(&self.target_table).await? {
            Some(t) => Ok(t),
            None => Err(AwsFailure::new(
                "restored-table-gone",
                FailureKind::JobFailed,
                format!("the table {} being restored is gone", self.target_table),
                "DynamoDB deletes the new table when a restore fails (a KMS key it may not use, a quota), or someone deleted it",
                format!(
                    "check `{}` and the account's CloudTrail events; then run `ddb-ferry run --new PLAN` to restore again",
                    describe_table(&self.cli_args, &self.target_table)
                ),
            )),
        }
    }

    fn view<'a>(&self, info: &'a SourceTable) -> JobView<'a> {
        JobView {
            arn: &info.arn,
            status: &info.status,
            ..JobView::default()
        }
    }

    fn phase(&self, info: &SourceTable) -> Phase {
        let in_progress = info.restore.as_ref().is_some_and(|r| r.in_progress);
        if info.status == "ACTIVE" && !in_progress {
            Phase::Succeeded
        } else {
            Phase::Running
        }
    }

    fn store_details(&self, info: &SourceTable, record: &mut JobRecord) {
        record.detail = Some(info.arn.clone());
    }

    fn explain_failure(&self, info: &SourceTable) -> AwsFailure {
        // A DynamoDB restore has no failed state: a failure makes the table vanish, which
        // `describe` reports. This is only reached if that changes.
        AwsFailure::new(
            "restore-failed",
            FailureKind::JobFailed,
            format!("the restore of {} ended {}", info.name, info.status),
            "the restore failed inside DynamoDB",
            format!("check `{}`", describe_table(&self.cli_args, &info.name)),
        )
    }

    fn expected_minutes(&self) -> u64 {
        expected_minutes(self.bytes, true)
    }

    fn status_command(&self, _: &str) -> String {
        describe_table(&self.cli_args, &self.target_table)
    }
}
