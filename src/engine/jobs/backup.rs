//! Making the backup a migration restores: an AWS Backup job (with an idempotency token) or
//! DynamoDB's own CreateBackup (no token: found again by the backup's name, which holds the
//! migration id).

use super::lookup::created_since;
use super::watcher::{JobView, LongJob, Phase};
use crate::aws::backup::{AwsBackup, BackupJobInfo, BackupJobRequest};
use crate::aws::dynamodb::Dynamo;
use crate::aws::dynamodb_backup::DdbBackupInfo;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::cli_backup::{describe_backup, describe_backup_job};
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::poll::expected_minutes;

/// A backup job of AWS Backup in the source account.
pub(crate) struct AwsBackupJob {
    pub backup: AwsBackup,
    pub cli_args: String,
    pub vault: String,
    pub table_arn: String,
    pub role_arn: String,
    pub table_bytes: i64,
}

impl LongJob for AwsBackupJob {
    type Info = BackupJobInfo;
    const NAME: &'static str = "backup";
    const STEP: Step = Step::Backup;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.backup.backup
    }

    /// DescribeBackupJob echoes no token: the newest job of this table into the vault created
    /// since the token was saved is ours (a resend with the token would return it anyway,
    /// for an hour).
    async fn find_started(
        &self,
        saved: Option<&JobRecord>,
    ) -> Result<Option<BackupJobInfo>, AwsFailure> {
        let Some(rec) = saved else {
            return Ok(None);
        };
        let jobs = self.backup.list_backup_jobs(&self.table_arn).await?;
        Ok(jobs.into_iter().find(|j| {
            j.vault == self.vault
                && !matches!(j.status.as_str(), "FAILED" | "ABORTED" | "EXPIRED")
                && created_since(j.created.as_deref(), rec.requested_at.as_deref())
        }))
    }

    async fn start(&self, token: Option<&str>) -> Result<BackupJobInfo, AwsFailure> {
        self.backup
            .start_backup_job(&BackupJobRequest {
                vault: &self.vault,
                resource_arn: &self.table_arn,
                role_arn: &self.role_arn,
                token: token.unwrap_or_default(),
            })
            .await
    }

    async fn describe(&self, job_id: &str) -> Result<BackupJobInfo, AwsFailure> {
        self.backup.describe_backup_job(job_id).await
    }

    fn view<'a>(&self, info: &'a BackupJobInfo) -> JobView<'a> {
        JobView {
            arn: &info.job_id,
            status: &info.status,
            client_token: None,
            started_at: info.created.as_deref(),
            ended_at: info.completed.as_deref(),
            failure_code: None,
            failure_message: info.message.as_deref(),
            percent_done: info.percent_done,
            expected_minutes: None,
        }
    }

    fn phase(&self, info: &BackupJobInfo) -> Phase {
        aws_backup_phase(&info.status)
    }

    fn store_details(&self, info: &BackupJobInfo, record: &mut JobRecord) {
        record.billed_bytes = info.size_bytes;
        record.detail = info.recovery_point_arn.clone();
    }

    fn explain_failure(&self, info: &BackupJobInfo) -> AwsFailure {
        let mut f = AwsFailure::new(
            "backup-job-failed",
            FailureKind::JobFailed,
            format!(
                "the backup job {} ended {}: {}",
                info.job_id,
                info.status,
                info.message.as_deref().unwrap_or("no message")
            ),
            "the backup role may not read the table (dynamodb:CreateBackup, backup:*), the vault's key may not be usable, or the table changed while the job started",
            format!(
                "read `{}`; fix what it says and run the same command again (a new backup job starts)",
                describe_backup_job(&self.cli_args, &info.job_id)
            ),
        );
        f.aws_code = Some(info.status.clone());
        f
    }

    fn expected_minutes(&self) -> u64 {
        expected_minutes(self.table_bytes, false)
    }

    fn status_command(&self, job_id: &str) -> String {
        describe_backup_job(&self.cli_args, job_id)
    }
}

/// The phase of an AWS Backup job (backup, copy or restore) from its state word.
pub(crate) fn aws_backup_phase(status: &str) -> Phase {
    match status {
        "COMPLETED" => Phase::Succeeded,
        "FAILED" | "ABORTED" | "EXPIRED" | "PARTIAL" => Phase::Failed,
        _ => Phase::Running,
    }
}

/// A backup DynamoDB makes itself (CreateBackup): same account and region only.
pub(crate) struct DynamoBackupJob {
    pub dynamo: Dynamo,
    pub cli_args: String,
    pub table: String,
    /// `ddb-ferry-<migration id>`: the only way to find it again.
    pub backup_name: String,
    pub table_bytes: i64,
}

impl LongJob for DynamoBackupJob {
    type Info = DdbBackupInfo;
    const NAME: &'static str = "backup";
    const STEP: Step = Step::Backup;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.backup.backup
    }

    fn takes_token(&self) -> bool {
        false
    }

    async fn find_started(
        &self,
        _: Option<&JobRecord>,
    ) -> Result<Option<DdbBackupInfo>, AwsFailure> {
        let backups = self.dynamo.list_backups(&self.table).await?;
        Ok(backups
            .into_iter()
            .find(|b| b.name == self.backup_name && b.status != "DELETED"))
    }

    async fn start(&self, _: Option<&str>) -> Result<DdbBackupInfo, AwsFailure> {
        self.dynamo
            .create_backup(&self.table, &self.backup_name)
            .await
    }

    async fn describe(&self, arn: &str) -> Result<DdbBackupInfo, AwsFailure> {
        self.dynamo.describe_backup(arn).await
    }

    fn view<'a>(&self, info: &'a DdbBackupInfo) -> JobView<'a> {
        JobView {
            arn: &info.arn,
            status: &info.status,
            started_at: info.created.as_deref(),
            ..JobView::default()
        }
    }

    fn phase(&self, info: &DdbBackupInfo) -> Phase {
        match info.status.as_str() {
            "AVAILABLE" => Phase::Succeeded,
            "DELETED" => Phase::Failed,
            _ => Phase::Running,
        }
    }

    fn store_details(&self, info: &DdbBackupInfo, record: &mut JobRecord) {
        record.billed_bytes = info.size_bytes;
        record.detail = Some(info.arn.clone());
    }

    fn explain_failure(&self, info: &DdbBackupInfo) -> AwsFailure {
        AwsFailure::new(
            "backup-deleted",
            FailureKind::JobFailed,
            format!(
                "the backup {} was deleted before it could be restored",
                info.arn
            ),
            "someone (or a retention rule) deleted it while the migration ran",
            "run `ddb-ferry run --new PLAN` to make a new backup",
        )
    }

    fn expected_minutes(&self) -> u64 {
        expected_minutes(self.table_bytes, false)
    }

    fn status_command(&self, arn: &str) -> String {
        describe_backup(&self.cli_args, arn)
    }
}
