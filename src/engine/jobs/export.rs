//! The export as a long job: ExportTableToPointInTime with a ClientToken, found again by token
//! or by its bucket and prefix, and explained by its failure code when it fails.

use crate::engine::fleet::limits::SlotKind;
use std::time::Duration;

use super::board::{JobBoard, JobBoards};
use super::watcher::{JobView, LongJob, NotReady, Phase};
use crate::aws::dynamodb::{Dynamo, ExportInfo, ExportRequest};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::cli_equivalent::describe_export;
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::poll::expected_minutes;
use crate::logic::options::{ExportFormat, ExportSse};
use crate::logic::policy::{export_statements, ExportGrant};

/// How long to wait for AWS to let exports read a PITR that was just turned on.
const PITR_WARM_UP: Duration = Duration::from_secs(15 * 60);

/// One export of the source table into the bucket.
pub(crate) struct ExportJob {
    /// The source side's client.
    pub dynamo: Dynamo,
    /// The source side's `--profile P --region R`.
    pub cli_args: String,
    pub table_arn: String,
    pub bucket: String,
    pub bucket_owner: String,
    pub prefix: String,
    pub format: ExportFormat,
    pub encryption: ExportSse,
    pub export_time: Option<time::OffsetDateTime>,
    pub table_bytes: i64,
    /// True when this migration turned PITR on: AWS then refuses exports for a few minutes.
    pub pitr_enabled_by_us: bool,
    /// The grant the bucket step gave the source account, quoted when access was denied.
    pub grant: ExportGrant,
}

impl LongJob for ExportJob {
    type Info = ExportInfo;
    const NAME: &'static str = "export";
    const STEP: Step = Step::Export;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.export
    }

    fn slot(&self) -> Option<SlotKind> {
        Some(SlotKind::Export)
    }

    /// By the journal's client token, or — when even the token was lost — a running export of
    /// the same table to the same bucket and prefix.
    async fn find_started(
        &self,
        saved: Option<&JobRecord>,
    ) -> Result<Option<ExportInfo>, AwsFailure> {
        let token = saved.map(|r| r.client_token.clone());
        for arn in self.dynamo.list_exports(&self.table_arn).await? {
            let Ok(info) = self.dynamo.describe_export(&arn).await else {
                continue;
            };
            let same_token = token.is_some() && info.client_token == token;
            let same_target = info.s3_bucket.as_deref() == Some(self.bucket.as_str())
                && info.s3_prefix.as_deref().map(|p| p.trim_end_matches('/'))
                    == Some(self.prefix.trim_end_matches('/'))
                && info.status != "FAILED";
            if same_token || same_target {
                return Ok(Some(info));
            }
        }
        Ok(None)
    }

    async fn start(&self, token: Option<&str>) -> Result<ExportInfo, AwsFailure> {
        let request = ExportRequest {
            table_arn: &self.table_arn,
            bucket: &self.bucket,
            bucket_owner: &self.bucket_owner,
            prefix: &self.prefix,
            format: self.format,
            encryption: &self.encryption,
            export_time: self.export_time,
            incremental: None,
            client_token: token.unwrap_or_default(),
        };
        self.dynamo
            .export(&request)
            .await
            .map_err(|f| f.with_resource(&self.table_arn))
    }

    async fn describe(&self, arn: &str) -> Result<ExportInfo, AwsFailure> {
        self.dynamo.describe_export(arn).await
    }

    fn view<'a>(&self, info: &'a ExportInfo) -> JobView<'a> {
        JobView {
            arn: &info.arn,
            status: &info.status,
            client_token: info.client_token.as_deref(),
            started_at: info.start_time.as_deref(),
            ended_at: info.end_time.as_deref(),
            failure_code: info.failure_code.as_deref(),
            failure_message: info.failure_message.as_deref(),
            percent_done: None,
            expected_minutes: None,
        }
    }

    fn phase(&self, info: &ExportInfo) -> Phase {
        match info.status.as_str() {
            "COMPLETED" => Phase::Succeeded,
            "FAILED" => Phase::Failed,
            _ => Phase::Running,
        }
    }

    fn store_details(&self, info: &ExportInfo, record: &mut JobRecord) {
        record.item_count = info.item_count;
        record.billed_bytes = info.billed_bytes;
        record.detail = info.manifest_key.clone();
    }

    fn explain_failure(&self, info: &ExportInfo) -> AwsFailure {
        export_failed(info, &self.cli_args, &self.grant)
    }

    fn expected_minutes(&self) -> u64 {
        expected_minutes(self.table_bytes, false)
    }

    /// ListExports reports every export's status, 25 a page.
    fn board<'b>(&self, boards: &'b JobBoards) -> Option<&'b JobBoard> {
        Some(&boards.exports)
    }

    fn status_command(&self, arn: &str) -> String {
        describe_export(&self.cli_args, arn)
    }

    /// Right after PITR was turned on, AWS may refuse exports for a few minutes: waited out.
    fn not_ready(&self, failure: &AwsFailure, since_first_call: Duration) -> Option<NotReady> {
        let warming_up = failure.code == "pitr-not-enabled"
            && self.pitr_enabled_by_us
            && since_first_call < PITR_WARM_UP;
        warming_up.then(|| {
            let wait = Duration::from_secs(30);
            NotReady {
                wait,
                message: format!(
                    "AWS does not yet let exports read the PITR that ddb-ferry just turned on (this takes a few minutes); trying again in {} s",
                    wait.as_secs()
                ),
            }
        })
    }
}

/// Explains a FAILED export from its failure code.
fn export_failed(info: &ExportInfo, cli_args: &str, grant: &ExportGrant) -> AwsFailure {
    let code = info.failure_code.as_deref().unwrap_or("Unknown");
    let message = info.failure_message.as_deref().unwrap_or("");
    let again = "then start a new export: `ddb-ferry run --new PLAN` (or a new migration in the wizard); the failed one is left as it is";
    let (slug, why, next) = match code {
        "S3NoSuchBucket" => (
            "export-bucket-not-found",
            "DynamoDB looked for the bucket in the account given as its owner and found none: the bucket belongs to another account than `destination.bucket_owner` (by default the destination account), or it was deleted".to_owned(),
            format!("if the bucket belongs to a third account, set `destination.bucket_owner` to that account's 12-digit ID (the owner sees it with `aws sts get-caller-identity`); otherwise check `destination.bucket`; {again}"),
        ),
        "S3AccessDenied" | "AccessDenied" => {
            let allow = export_statements(grant)
                .into_iter()
                .next()
                .map(|s| s.to_string())
                .unwrap_or_default();
            (
                "export-access-denied",
                "the export job could not write to the bucket: the bucket policy does not allow the source account to write there through DynamoDB, or the source caller's IAM policy lacks s3:PutObject on the prefix".to_owned(),
                format!("the bucket policy needs this statement (see it with `aws s3api get-bucket-policy --bucket {}`): {allow}; the source caller's IAM policy needs s3:PutObject, s3:AbortMultipartUpload and s3:PutObjectAcl on {}; {again}", grant.bucket, grant.objects_arn()),
            )
        }
        "KMSAccessDenied" | "KmsAccessDenied" | "KMSKeyNotFound" | "KMSDisabled" => (
            "export-kms-denied",
            "the KMS key for the exported files cannot be used by the source account: the key policy does not allow it, the key is disabled, or it is in another region than the bucket".to_owned(),
            format!("give the source account kms:GenerateDataKey and kms:Encrypt on the key in its key policy (a key in the bucket's region), or export with SSE-S3; {again}"),
        ),
        _ => (
            "export-failed",
            "the export job failed inside AWS".to_owned(),
            format!("read the message; once the cause is fixed, {again}"),
        ),
    };
    let mut f = AwsFailure::new(
        slug,
        FailureKind::JobFailed,
        format!("the export failed: {code}: {message}"),
        why,
        format!("{next} (details: {})", describe_export(cli_args, &info.arn)),
    );
    f.aws_code = Some(code.to_owned());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(code: &str) -> AwsFailure {
        let info = ExportInfo {
            arn: "arn:aws:dynamodb:us-east-1:111111111111:table/t/export/1".into(),
            status: "FAILED".into(),
            failure_code: Some(code.into()),
            failure_message: Some("msg".into()),
            ..ExportInfo::default()
        };
        let grant = ExportGrant {
            bucket: "bkt".into(),
            prefix: "ddb-ferry/m-1/".into(),
            source_account: "111111111111".into(),
            deny_insecure_transport: false,
        };
        export_failed(&info, " --profile src", &grant)
    }

    #[test]
    fn each_export_failure_code_has_its_own_advice() {
        let denied = failed("S3AccessDenied");
        assert_eq!(denied.code, "export-access-denied");
        assert!(
            denied.next.contains("DdbFerryExportFromSourceAccount"),
            "{}",
            denied.next
        );
        assert!(denied.next.contains("arn:aws:iam::111111111111:root"));
        assert!(denied.next.contains("arn:aws:s3:::bkt/ddb-ferry/m-1/*"));
        assert_eq!(failed("S3NoSuchBucket").code, "export-bucket-not-found");
        assert!(failed("S3NoSuchBucket")
            .next
            .contains("destination.bucket_owner"));
        assert_eq!(failed("KMSAccessDenied").code, "export-kms-denied");
        let other = failed("UnknownOperationException");
        assert_eq!(other.code, "export-failed");
        for f in [denied, other] {
            assert!(f.next.contains("describe-export"), "{}", f.next);
            assert_eq!(f.kind, FailureKind::JobFailed);
        }
    }
}
