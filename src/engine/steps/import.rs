//! The import: one ImportTable call (ClientToken saved first), found again after a crash, and
//! watched until the new table is ready.

use std::time::Instant;

use super::super::cli_equivalent::{describe_import, import_table};
use super::super::events::Event;
use super::super::journal::{JobRecord, Step};
use super::super::migration::{journal_incomplete, Migration, StepResult, Stop};
use super::super::poll::{elapsed_since, PollSchedule};
use crate::aws::dynamodb::{ImportInfo, ImportRequest};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::logs::{first_import_errors, import_error_stream, IMPORT_LOG_GROUP};

const STEP: Step = Step::Import;

impl Migration {
    pub(crate) async fn import(&mut self) -> StepResult {
        let dest = self.dest()?.clone();
        let spec = self
            .journal
            .table_spec
            .clone()
            .ok_or_else(journal_incomplete)?;
        let folder = self
            .journal
            .data_folder
            .clone()
            .ok_or_else(journal_incomplete)?;
        let format = self.plan().export.format;
        let dest_account = self.journal.dest_account();
        let owner = self
            .journal
            .bucket
            .owner
            .clone()
            .filter(|o| *o != dest_account);

        let info = match self.find_started_import(&spec.name).await? {
            Some(info) => {
                self.events.send(Event::JobStarted {
                    step: STEP,
                    job: "import",
                    arn: info.arn.clone(),
                    reattached: true,
                });
                info
            }
            None => {
                let token = match &self.journal.import {
                    Some(rec) => rec.client_token.clone(),
                    None => uuid::Uuid::new_v4().to_string(),
                };
                let cli = import_table(
                    &dest.cli_args,
                    &folder.bucket,
                    owner.as_deref(),
                    &folder.prefix,
                    format,
                    &spec,
                    &token,
                );
                if !self.announce_call(
                    STEP,
                    "dynamodb:ImportTable",
                    cli,
                    Some(spec.creation_parameters_json()),
                ) {
                    return Ok(());
                }
                self.journal.import = Some(JobRecord {
                    client_token: token.clone(),
                    ..JobRecord::default()
                });
                self.save()?;
                let info = dest
                    .dynamo
                    .import(&ImportRequest {
                        bucket: &folder.bucket,
                        bucket_owner: owner.as_deref(),
                        data_prefix: &folder.prefix,
                        format,
                        table: &spec,
                        client_token: &token,
                    })
                    .await?;
                self.events.send(Event::JobStarted {
                    step: STEP,
                    job: "import",
                    arn: info.arn.clone(),
                    reattached: false,
                });
                info
            }
        };
        self.store_import(&info)?;
        let done = self.wait_for_import(info).await?;
        if done.error_count > 0 {
            let stream = import_error_stream(&done.arn);
            let first = first_import_errors(&dest.config, &done.arn, 5, dest.dynamo.side())
                .await
                .unwrap_or_default();
            let lines = if first.is_empty() {
                String::new()
            } else {
                format!("; the first lines:\n    {}", first.join("\n    "))
            };
            self.events.warn(
                STEP,
                format!(
                    "{} items were rejected by the import; see CloudWatch Logs group {IMPORT_LOG_GROUP}, stream {stream} (`aws logs tail {IMPORT_LOG_GROUP} --log-stream-names {stream}`){lines}",
                    done.error_count
                ),
            );
        }
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "import finished: {} items imported, {} errors",
                done.imported_items, done.error_count
            ),
        });
        Ok(())
    }

    /// The import this migration already started: by ARN, by client token among the imports
    /// into the new table's ARN.
    async fn find_started_import(&self, table: &str) -> Result<Option<ImportInfo>, AwsFailure> {
        let dest = self.dest()?;
        let Some(rec) = &self.journal.import else {
            return Ok(None);
        };
        if let Some(arn) = &rec.arn {
            return dest.dynamo.describe_import(arn).await.map(Some);
        }
        let Some(id) = &self.journal.dest_identity else {
            return Ok(None);
        };
        let partition = id.arn.split(':').nth(1).unwrap_or("aws");
        let table_arn = format!(
            "arn:{partition}:dynamodb:{}:{}:table/{table}",
            id.region, id.account
        );
        // The table exists only once an import created it; without it nothing can match.
        if dest.dynamo.describe_table(table).await?.is_none() {
            return Ok(None);
        }
        // Preflight saw the name free before our token was saved, so an import into this
        // table is ours: by token where AWS reports it, else the only one there is.
        let mut candidates = Vec::new();
        for arn in dest.dynamo.list_imports(&table_arn).await? {
            if let Ok(info) = dest.dynamo.describe_import(&arn).await {
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

    fn store_import(&mut self, info: &ImportInfo) -> Result<(), Stop> {
        let rec = self.journal.import.get_or_insert_with(JobRecord::default);
        if let Some(t) = &info.client_token {
            rec.client_token = t.clone();
        }
        rec.arn = Some(info.arn.clone());
        rec.status = Some(info.status.clone());
        rec.started_at = info.start_time.clone().or(rec.started_at.clone());
        rec.ended_at = info.end_time.clone();
        rec.item_count = Some(info.imported_items);
        rec.billed_bytes = info.processed_bytes;
        rec.error_count = Some(info.error_count);
        rec.failure_code = info.failure_code.clone();
        rec.failure_message = info.failure_message.clone();
        rec.detail = info.log_group_arn.clone();
        self.save()?;
        Ok(())
    }

    async fn wait_for_import(&mut self, mut info: ImportInfo) -> Result<ImportInfo, Stop> {
        let dest = self.dest()?.clone();
        let started = Instant::now();
        let mut schedule = PollSchedule::new();
        loop {
            match info.status.as_str() {
                "COMPLETED" => return Ok(info),
                "FAILED" | "CANCELLED" | "CANCELLING" => {
                    return Err(import_failed(&info, &dest.cli_args).into())
                }
                _ => {}
            }
            let delay = schedule.next_delay();
            self.events.send(Event::JobStatus {
                step: STEP,
                job: "import",
                status: info.status.clone(),
                started_at: info.start_time.clone(),
                elapsed_secs: elapsed_since(info.start_time.as_deref(), started),
                next_check_secs: delay.as_secs(),
            });
            tokio::time::sleep(delay).await;
            let previous = info.status.clone();
            info = dest.dynamo.describe_import(&info.arn).await?;
            if info.status != previous || info.status != "IN_PROGRESS" {
                self.store_import(&info)?;
            }
        }
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
