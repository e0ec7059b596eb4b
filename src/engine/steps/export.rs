//! The export: started once (a ClientToken saved before the call), found again after a crash,
//! and watched until it ends.

use std::time::Instant;

use super::super::cli_equivalent::{describe_export, export_table};
use super::super::events::Event;
use super::super::journal::{JobRecord, Step};
use super::super::migration::{Migration, StepResult, Stop};
use super::super::poll::{elapsed_since, PollSchedule};
use crate::aws::dynamodb::{ExportInfo, ExportRequest};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::export::names;

const STEP: Step = Step::Export;

impl Migration {
    pub(crate) async fn export(&mut self) -> StepResult {
        let source = self.source()?.clone();
        let plan = self.plan().clone();
        let table_arn = self
            .journal
            .source_table
            .as_ref()
            .map(|t| t.arn.clone())
            .unwrap_or_default();
        let bucket = plan.destination.bucket.clone();
        let owner = self.journal.bucket.owner.clone().unwrap_or_default();
        let prefix = self.journal.export_prefix.clone();
        let export_time = match &plan.export.export_time {
            Some(t) => Some(names::iso8601("export.export_time", t).map_err(|e| {
                AwsFailure::new(
                    "bad-export-time",
                    FailureKind::BadInput,
                    e.to_string(),
                    "export times are ISO 8601, like 2026-11-23T10:00:00Z",
                    "fix `export.export_time` in the plan",
                )
            })?),
            None => None,
        };

        let info = match self
            .find_started_export(&table_arn, &bucket, &prefix)
            .await?
        {
            Some(info) => {
                self.events.send(Event::JobStarted {
                    step: STEP,
                    job: "export",
                    arn: info.arn.clone(),
                    reattached: true,
                });
                info
            }
            None => {
                let token = match &self.journal.export {
                    Some(rec) => rec.client_token.clone(),
                    None => uuid::Uuid::new_v4().to_string(),
                };
                let cli = export_table(
                    &source.cli_args,
                    &table_arn,
                    &bucket,
                    &owner,
                    &prefix,
                    plan.export.format,
                    &plan.export.encryption,
                    plan.export.export_time.as_deref(),
                    &token,
                );
                if !self.announce_call(STEP, "dynamodb:ExportTableToPointInTime", cli, None) {
                    self.announce_dry_run_import();
                    return Err(Stop::DryRunComplete);
                }
                // Saved before the call: a crash between the call and the next save leaves the
                // token, and the token finds the running export again.
                self.journal.export = Some(JobRecord {
                    client_token: token.clone(),
                    ..JobRecord::default()
                });
                self.save()?;
                let info = source
                    .dynamo
                    .export(&ExportRequest {
                        table_arn: &table_arn,
                        bucket: &bucket,
                        bucket_owner: &owner,
                        prefix: &prefix,
                        format: plan.export.format,
                        encryption: &plan.export.encryption,
                        export_time,
                        client_token: &token,
                    })
                    .await?;
                self.events.send(Event::JobStarted {
                    step: STEP,
                    job: "export",
                    arn: info.arn.clone(),
                    reattached: false,
                });
                info
            }
        };
        self.store_export(&info)?;
        let done = self.wait_for_export(info).await?;
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "export finished: {} items, {} bytes billed",
                done.item_count.map_or("?".into(), |c| c.to_string()),
                done.billed_bytes.map_or("?".into(), |c| c.to_string())
            ),
        });
        Ok(())
    }

    /// In a dry run the export is not started, so its folder is unknown: show the import call
    /// with the folder as a placeholder.
    fn announce_dry_run_import(&mut self) {
        let (Some(spec), Ok(dest)) = (self.journal.table_spec.clone(), self.dest().cloned()) else {
            return;
        };
        let bucket = self.plan().destination.bucket.clone();
        let prefix = format!(
            "{}/AWSDynamoDB/<export id>/data/",
            self.journal.export_prefix
        );
        let cli = super::super::cli_equivalent::import_table(
            &dest.cli_args,
            &bucket,
            None,
            &prefix,
            self.plan().export.format,
            &spec,
            "<new token>",
        );
        self.announce_call(
            Step::Import,
            "dynamodb:ImportTable",
            cli,
            Some(spec.creation_parameters_json()),
        );
        self.events.info(
            STEP,
            "dry run: nothing was changed; the key check, import and verification run after a real export",
        );
    }

    /// The export this migration already started, if any: by the ARN in the journal, by the
    /// journal's client token, or — when even the token was lost — a running export of the same
    /// table to the same bucket and prefix.
    async fn find_started_export(
        &mut self,
        table_arn: &str,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<ExportInfo>, AwsFailure> {
        let source = self.source()?.clone();
        if let Some(arn) = self.journal.export.as_ref().and_then(|r| r.arn.clone()) {
            return source.dynamo.describe_export(&arn).await.map(Some);
        }
        let token = self.journal.export.as_ref().map(|r| r.client_token.clone());
        for arn in source.dynamo.list_exports(table_arn).await? {
            let Ok(info) = source.dynamo.describe_export(&arn).await else {
                continue;
            };
            let same_token = token.is_some() && info.client_token == token;
            let same_target = info.s3_bucket.as_deref() == Some(bucket)
                && info.s3_prefix.as_deref().map(|p| p.trim_end_matches('/'))
                    == Some(prefix.trim_end_matches('/'))
                && info.status != "FAILED";
            if same_token || same_target {
                return Ok(Some(info));
            }
        }
        Ok(None)
    }

    fn store_export(&mut self, info: &ExportInfo) -> Result<(), Stop> {
        let rec = self.journal.export.get_or_insert_with(JobRecord::default);
        if let Some(t) = &info.client_token {
            rec.client_token = t.clone();
        }
        rec.arn = Some(info.arn.clone());
        rec.status = Some(info.status.clone());
        rec.started_at = info.start_time.clone().or(rec.started_at.clone());
        rec.ended_at = info.end_time.clone();
        rec.item_count = info.item_count;
        rec.billed_bytes = info.billed_bytes;
        rec.failure_code = info.failure_code.clone();
        rec.failure_message = info.failure_message.clone();
        rec.detail = info.manifest_key.clone();
        self.save()?;
        Ok(())
    }

    async fn wait_for_export(&mut self, mut info: ExportInfo) -> Result<ExportInfo, Stop> {
        let source = self.source()?.clone();
        let started = Instant::now();
        let mut schedule = PollSchedule::new();
        loop {
            match info.status.as_str() {
                "COMPLETED" => return Ok(info),
                "FAILED" => return Err(export_failed(&info, &source.cli_args).into()),
                _ => {}
            }
            let delay = schedule.next_delay();
            self.events.send(Event::JobStatus {
                step: STEP,
                job: "export",
                status: info.status.clone(),
                started_at: info.start_time.clone(),
                elapsed_secs: elapsed_since(info.start_time.as_deref(), started),
                next_check_secs: delay.as_secs(),
            });
            tokio::time::sleep(delay).await;
            let previous = info.status.clone();
            info = source.dynamo.describe_export(&info.arn).await?;
            if info.status != previous || info.status != "IN_PROGRESS" {
                self.store_export(&info)?;
            }
        }
    }
}

/// Explains a FAILED export from its failure code.
fn export_failed(info: &ExportInfo, cli_args: &str) -> AwsFailure {
    let code = info.failure_code.as_deref().unwrap_or("Unknown");
    let message = info.failure_message.as_deref().unwrap_or("");
    let (why, next) = match code {
        "S3NoSuchBucket" => (
            "DynamoDB could not find the bucket: it does not exist, or it is in another account and the bucket owner was not passed",
            "check `destination.bucket` and `destination.bucket_owner` in the plan",
        ),
        "S3AccessDenied" | "AccessDenied" => (
            "the bucket policy (or the source's IAM policy) does not let the source account write to the bucket through DynamoDB",
            "check that the bucket policy has the statement ddb-ferry added (its Sid starts with DdbFerryExportFromSourceAccount) and that the source caller may use dynamodb:ExportTableToPointInTime and s3:PutObject",
        ),
        "KMSAccessDenied" | "KmsAccessDenied" => (
            "the KMS key for the exported files cannot be used by the source account",
            "give the source account kms:GenerateDataKey on the key, or export with SSE-S3",
        ),
        _ => (
            "the export job failed inside AWS",
            "read the message; once the cause is fixed, run `ddb-ferry run --new PLAN` to start a fresh export",
        ),
    };
    let mut f = AwsFailure::new(
        "export-failed",
        FailureKind::JobFailed,
        format!("the export failed: {code}: {message}"),
        why,
        format!("{next} (details: {})", describe_export(cli_args, &info.arn)),
    );
    f.aws_code = Some(code.to_owned());
    f
}
