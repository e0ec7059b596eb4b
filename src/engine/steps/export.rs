//! The export: started once (a ClientToken saved before the call), found again after a crash,
//! and watched until it ends.

use std::time::{Duration, Instant};

use super::super::cli_equivalent::{describe_export, export_table};
use super::super::events::Event;
use super::super::journal::{JobRecord, Step};
use super::super::migration::{Migration, StepResult, Stop};
use super::super::poll::{elapsed_since, expected_minutes, is_slow, PollSchedule};
use crate::aws::dynamodb::{ExportInfo, ExportRequest};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::export::names;
use crate::export::policy::{export_statements, ExportGrant};

const STEP: Step = Step::Export;
/// How often a job-starting call is tried when it got no answer.
pub(super) const START_ATTEMPTS: u32 = 5;
/// How long to wait for AWS to let exports read a PITR that was just turned on.
const PITR_WARM_UP: Duration = Duration::from_secs(15 * 60);

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
                let request = ExportRequest {
                    table_arn: &table_arn,
                    bucket: &bucket,
                    bucket_owner: &owner,
                    prefix: &prefix,
                    format: plan.export.format,
                    encryption: &plan.export.encryption,
                    export_time,
                    client_token: &token,
                };
                let (info, reattached) = self.start_export(&request).await?;
                self.events.send(Event::JobStarted {
                    step: STEP,
                    job: "export",
                    arn: info.arn.clone(),
                    reattached,
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

    /// ExportTableToPointInTime, made so that a lost answer never starts a second export:
    /// the SDK does not repeat this call; after a call that may have reached AWS, the export
    /// is looked for (by token, or by bucket and prefix) before the same token is sent again.
    /// Right after PITR was turned on, AWS may refuse exports for a few minutes: waited out.
    /// Returns the export and whether it was found rather than started.
    async fn start_export(
        &mut self,
        request: &ExportRequest<'_>,
    ) -> Result<(ExportInfo, bool), AwsFailure> {
        let source = self.source()?.clone();
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let failure = match source.dynamo.export(request).await {
                Ok(info) => return Ok((info, false)),
                Err(f) => f.with_resource(request.table_arn),
            };
            let pitr_warming_up = failure.code == "pitr-not-enabled"
                && self.journal.pitr.enabled_by_us
                && started.elapsed() < PITR_WARM_UP;
            if pitr_warming_up {
                let wait = Duration::from_secs(30);
                self.events.warn(
                    STEP,
                    format!(
                        "AWS does not yet let exports read the PITR that ddb-ferry just turned on (this takes a few minutes); trying again in {} s",
                        wait.as_secs()
                    ),
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            if !failure.retryable || attempt >= START_ATTEMPTS {
                return Err(failure);
            }
            let wait = Duration::from_secs(1 << attempt.min(4));
            self.events.warn(
                STEP,
                format!(
                    "the export call failed ({}); checking whether AWS started the export anyway, then trying again in {} s",
                    failure.what,
                    wait.as_secs()
                ),
            );
            tokio::time::sleep(wait).await;
            if let Some(info) = self
                .find_started_export(request.table_arn, request.bucket, request.prefix)
                .await?
            {
                return Ok((info, true));
            }
        }
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
        let table_bytes = self
            .journal
            .source_table
            .as_ref()
            .map_or(0, |t| t.size_bytes);
        let mut warned_slow = false;
        loop {
            match info.status.as_str() {
                "COMPLETED" => return Ok(info),
                "FAILED" => {
                    let grant = self.export_grant();
                    return Err(export_failed(&info, &source.cli_args, &grant).into());
                }
                _ => {}
            }
            let elapsed = elapsed_since(info.start_time.as_deref(), started);
            if !warned_slow && is_slow(elapsed, table_bytes, false) {
                warned_slow = true;
                self.events.warn_explained(
                    STEP,
                    AwsFailure::job_slow(
                        "export",
                        elapsed,
                        expected_minutes(table_bytes, false),
                        &describe_export(&source.cli_args, &info.arn),
                    ),
                );
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

impl Migration {
    /// The grant the bucket step gave the source account, for explanations.
    fn export_grant(&self) -> ExportGrant {
        ExportGrant {
            bucket: self.plan().destination.bucket.clone(),
            prefix: format!("{}/", self.journal.export_prefix),
            source_account: self.journal.source_account(),
            deny_insecure_transport: false,
        }
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
