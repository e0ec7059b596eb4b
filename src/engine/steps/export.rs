//! The export step: the request from the plan, the dry-run announcement, and the summary; the
//! job itself is started once and watched by `jobs::ExportJob`.

use super::super::cli_equivalent::export_table;
use super::super::events::Event;
use super::super::jobs::ExportJob;
use super::super::journal::Step;
use super::super::migration::{Migration, StepResult, Stop};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::names;
use crate::logic::policy::ExportGrant;

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

        let job = self.export_job(prefix.clone(), export_time)?;

        let info = match self.find_job(&job).await? {
            Some(info) => info,
            None => {
                let token = self.job_token(&job).unwrap_or_default();
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
                self.announce_estimate(STEP);
                if !self.announce_call(STEP, "dynamodb:ExportTableToPointInTime", cli, None) {
                    self.announce_dry_run_import();
                    return Err(Stop::DryRunComplete);
                }
                if let Some(t) = export_time {
                    self.wait_until_restorable(t).await?;
                }
                self.start_job(&job, Some(token)).await?
            }
        };
        let done = self.watch_job(&job, info).await?;
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
        self.announce_estimate(Step::Import);
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

    /// Waits until the source's PITR reaches `t` (its latest restorable time trails now by
    /// about five minutes, and AWS refuses an export time after it): a fleet's shared export
    /// time is "now" when every table is ready.
    async fn wait_until_restorable(&mut self, t: time::OffsetDateTime) -> Result<(), Stop> {
        let source = self.source()?.clone();
        let table = self.plan().source.table.clone();
        let mut said = false;
        loop {
            let pitr = source.dynamo.pitr_status(&table).await?;
            let latest = pitr
                .latest_restorable
                .as_deref()
                .and_then(|l| names::iso8601("latest restorable time", l).ok());
            match latest {
                Some(l) if l < t => {
                    if !said {
                        said = true;
                        self.events.info(
                            STEP,
                            format!("waiting until AWS can export the table as it was at {} (its latest restorable time trails now by about five minutes)", super::super::catch_up::time_text(t)),
                        );
                    }
                    let behind = (t - l).unsigned_abs();
                    tokio::time::sleep(behind.clamp(
                        std::time::Duration::from_secs(1),
                        std::time::Duration::from_secs(30),
                    ))
                    .await;
                }
                _ => return Ok(()),
            }
        }
    }

    /// An export of the source table into `prefix` of the bucket (the migration's export, or
    /// an increment of catch-up).
    pub(crate) fn export_job(
        &self,
        prefix: String,
        export_time: Option<time::OffsetDateTime>,
    ) -> Result<ExportJob, Stop> {
        let source = self.source()?;
        let plan = self.plan();
        Ok(ExportJob {
            dynamo: source.dynamo.clone(),
            cli_args: source.cli_args.clone(),
            table_arn: self
                .journal
                .source_table
                .as_ref()
                .map(|t| t.arn.clone())
                .unwrap_or_default(),
            bucket: plan.destination.bucket.clone(),
            bucket_owner: self.journal.bucket.owner.clone().unwrap_or_default(),
            prefix,
            format: plan.export.format,
            encryption: plan.export.encryption.clone(),
            export_time,
            table_bytes: self
                .journal
                .source_table
                .as_ref()
                .map_or(0, |t| t.size_bytes),
            pitr_enabled_by_us: self.journal.pitr.enabled_by_us,
            grant: self.export_grant(),
        })
    }

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
