//! Copying a recovery point into the destination's vault: an AWS Backup copy job started in
//! the source account, with an idempotency token, found again among the table's copy jobs.

use super::backup::aws_backup_phase;
use super::lookup::created_since;
use super::watcher::{JobView, LongJob, Phase};
use crate::aws::backup::{AwsBackup, CopyJobInfo, CopyJobRequest};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::cli_backup::describe_copy_job;
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::poll::expected_minutes;

pub(crate) struct CopyJob {
    /// The source side's AWS Backup client: a copy is started where the recovery point is.
    pub backup: AwsBackup,
    pub cli_args: String,
    pub source_vault: String,
    pub recovery_point_arn: String,
    /// The table the recovery point was made of (ListCopyJobs filters by it).
    pub table_arn: String,
    pub dest_vault_arn: String,
    pub role_arn: String,
    pub bytes: i64,
}

impl LongJob for CopyJob {
    type Info = CopyJobInfo;
    const NAME: &'static str = "copy";
    const STEP: Step = Step::Copy;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.backup.copy
    }

    async fn find_started(
        &self,
        saved: Option<&JobRecord>,
    ) -> Result<Option<CopyJobInfo>, AwsFailure> {
        let Some(rec) = saved else {
            return Ok(None);
        };
        let jobs = self.backup.list_copy_jobs(&self.table_arn).await?;
        Ok(jobs.into_iter().find(|j| {
            j.source_recovery_point_arn == self.recovery_point_arn
                && j.dest_vault_arn == self.dest_vault_arn
                && !matches!(j.status.as_str(), "FAILED" | "PARTIAL")
                && created_since(j.created.as_deref(), rec.requested_at.as_deref())
        }))
    }

    async fn start(&self, token: Option<&str>) -> Result<CopyJobInfo, AwsFailure> {
        self.backup
            .start_copy_job(&CopyJobRequest {
                source_vault: &self.source_vault,
                recovery_point_arn: &self.recovery_point_arn,
                dest_vault_arn: &self.dest_vault_arn,
                role_arn: &self.role_arn,
                token: token.unwrap_or_default(),
            })
            .await
    }

    async fn describe(&self, job_id: &str) -> Result<CopyJobInfo, AwsFailure> {
        self.backup.describe_copy_job(job_id).await
    }

    fn view<'a>(&self, info: &'a CopyJobInfo) -> JobView<'a> {
        JobView {
            arn: &info.job_id,
            status: &info.status,
            started_at: info.created.as_deref(),
            ended_at: info.completed.as_deref(),
            failure_message: info.message.as_deref(),
            ..JobView::default()
        }
    }

    fn phase(&self, info: &CopyJobInfo) -> Phase {
        aws_backup_phase(&info.status)
    }

    fn store_details(&self, info: &CopyJobInfo, record: &mut JobRecord) {
        record.billed_bytes = info.size_bytes;
        record.detail = info.dest_recovery_point_arn.clone();
    }

    fn explain_failure(&self, info: &CopyJobInfo) -> AwsFailure {
        let message = info.message.as_deref().unwrap_or("no message");
        let why = if message.contains("Access Denied") || message.contains("AccessDenied") {
            "the destination vault's access policy does not let the source account copy into it, the two accounts are not in one AWS Organization, or cross-account backup is off in the Organization"
        } else if message.contains("arn:aws:dynamodb") {
            "the recovery point was made by DynamoDB itself; only recovery points made by AWS Backup with its advanced DynamoDB features on can be copied to another account"
        } else {
            "the copy job failed inside AWS Backup; its status message says why"
        };
        let mut f = AwsFailure::new(
            "copy-job-failed",
            FailureKind::JobFailed,
            format!("the copy job {} ended {}: {message}", info.job_id, info.status),
            why,
            format!(
                "read `{}`, fix what it says (the vault policy, the Organization's cross-account backup setting), then run the same command again; the recovery point is kept",
                describe_copy_job(&self.cli_args, &info.job_id)
            ),
        );
        f.aws_code = Some(info.status.clone());
        f
    }

    fn expected_minutes(&self) -> u64 {
        expected_minutes(self.bytes, false)
    }

    fn status_command(&self, job_id: &str) -> String {
        describe_copy_job(&self.cli_args, job_id)
    }
}
