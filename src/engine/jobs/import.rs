//! The import as a long job: ImportTable with a ClientToken, found again among the imports into
//! the new table, and explained when it fails.

use super::board::{JobBoard, JobBoards};
use super::watcher::{JobView, LongJob, Phase};
use crate::aws::dynamodb::{Dynamo, ImportInfo, ImportRequest};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::cli_equivalent::describe_import;
use crate::engine::fleet::limits::SlotKind;
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::poll::expected_minutes;
use crate::logic::options::ExportFormat;
use crate::logic::table::TableSpec;

/// One import of the data folder into a new table in the destination.
pub(crate) struct ImportJob {
    /// The destination side's client.
    pub dynamo: Dynamo,
    /// The destination side's `--profile P --region R`.
    pub cli_args: String,
    pub bucket: String,
    /// Set only when the bucket is not the destination account's own.
    pub bucket_owner: Option<String>,
    pub data_prefix: String,
    pub format: ExportFormat,
    pub table: TableSpec,
    /// The new table's ARN, once the destination's identity is known.
    pub table_arn: Option<String>,
    /// The data folder's size, for the expected duration.
    pub data_bytes: i64,
}

impl LongJob for ImportJob {
    type Info = ImportInfo;
    const NAME: &'static str = "import";
    const STEP: Step = Step::Import;

    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
        &mut journal.import
    }

    fn slot(&self) -> Option<SlotKind> {
        Some(SlotKind::Import)
    }

    /// By client token among the imports into the new table's ARN.
    async fn find_started(
        &self,
        saved: Option<&JobRecord>,
    ) -> Result<Option<ImportInfo>, AwsFailure> {
        let Some(rec) = saved else {
            return Ok(None);
        };
        let Some(table_arn) = &self.table_arn else {
            return Ok(None);
        };
        // The table exists only once an import created it; without it nothing can match.
        if self
            .dynamo
            .describe_table(&self.table.name)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        // Preflight saw the name free before our token was saved, so an import into this
        // table is ours: by token where AWS reports it, else the only one there is.
        let mut candidates = Vec::new();
        for arn in self.dynamo.list_imports(table_arn).await? {
            if let Ok(info) = self.dynamo.describe_import(&arn).await {
                if info.client_token.as_deref() == Some(rec.client_token.as_str()) {
                    return Ok(Some(info));
                }
                candidates.push(info);
            }
        }
        if candidates.len() == 1 {
            return Ok(candidates.pop());
        }
        Ok(None)
    }

    async fn start(&self, token: Option<&str>) -> Result<ImportInfo, AwsFailure> {
        let request = ImportRequest {
            bucket: &self.bucket,
            bucket_owner: self.bucket_owner.as_deref(),
            data_prefix: &self.data_prefix,
            format: self.format,
            table: &self.table,
            client_token: token.unwrap_or_default(),
        };
        self.dynamo.import(&request).await
    }

    async fn describe(&self, arn: &str) -> Result<ImportInfo, AwsFailure> {
        self.dynamo.describe_import(arn).await
    }

    fn view<'a>(&self, info: &'a ImportInfo) -> JobView<'a> {
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

    fn phase(&self, info: &ImportInfo) -> Phase {
        match info.status.as_str() {
            "COMPLETED" => Phase::Succeeded,
            "FAILED" | "CANCELLED" | "CANCELLING" => Phase::Failed,
            _ => Phase::Running,
        }
    }

    fn store_details(&self, info: &ImportInfo, record: &mut JobRecord) {
        record.item_count = Some(info.imported_items);
        record.billed_bytes = info.processed_bytes;
        record.error_count = Some(info.error_count);
        record.detail = info.log_group_arn.clone();
    }

    fn explain_failure(&self, info: &ImportInfo) -> AwsFailure {
        import_failed(info, &self.cli_args)
    }

    fn expected_minutes(&self) -> u64 {
        expected_minutes(self.data_bytes, true)
    }

    /// ListImports reports every import's status, 25 a page.
    fn board<'b>(&self, boards: &'b JobBoards) -> Option<&'b JobBoard> {
        Some(&boards.imports)
    }

    fn status_command(&self, arn: &str) -> String {
        describe_import(&self.cli_args, arn)
    }
}

fn import_failed(info: &ImportInfo, cli_args: &str) -> AwsFailure {
    let code = info.failure_code.as_deref().unwrap_or("Unknown");
    let message = info.failure_message.as_deref().unwrap_or("");
    let import_id = info.arn.rsplit('/').next().unwrap_or_default();
    let why = if message.contains("ResourceInUse") || message.contains("already exists") {
        "a table with the new table's name appeared in the destination while the import started"
    } else if code.contains("AccessDenied") || message.contains("Access Denied") {
        "the destination account may not read the bucket (s3:GetObject, s3:ListBucket) or use its KMS key"
    } else {
        "the import job failed inside AWS; its error log says which items or files were refused"
    };
    let mut f = AwsFailure::new(
        "import-failed",
        FailureKind::JobFailed,
        format!("the import failed ({}): {code}: {message}", info.status),
        why,
        format!(
            "read CloudWatch Logs group /aws-dynamodb/imports, stream {import_id}/error, and `{}`; the export is kept, so after a fix `ddb-ferry run --new PLAN` with another table name imports again",
            describe_import(cli_args, &info.arn)
        ),
    );
    f.aws_code = Some(code.to_owned());
    f
}
