//! The import: one ImportTable call (ClientToken saved first), found again after a crash, and
//! watched until the new table is ready.

use std::time::{Duration, Instant};

use super::super::cli_equivalent::{describe_import, import_table};
use super::super::events::Event;
use super::super::journal::{JobRecord, Step};
use super::super::migration::{journal_incomplete, Migration, StepResult, Stop};
use super::super::poll::{elapsed_since, expected_minutes, is_slow, PollSchedule};
use crate::aws::dynamodb::{ImportInfo, ImportRequest};
use crate::aws::explain::{max_import_bytes, AwsFailure, FailureKind, MAX_IMPORT_OBJECTS};
use crate::aws::logs::{first_import_errors, import_error_stream, IMPORT_LOG_GROUP};
use crate::export::layout::{format_of_key, ObjectInfo};

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
                if !self.dry_run {
                    self.check_import_source(&folder.bucket, &folder.prefix)
                        .await?;
                }
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
                let request = ImportRequest {
                    bucket: &folder.bucket,
                    bucket_owner: owner.as_deref(),
                    data_prefix: &folder.prefix,
                    format,
                    table: &spec,
                    client_token: &token,
                };
                let (info, reattached) = self.start_import(&request).await?;
                self.events.send(Event::JobStarted {
                    step: STEP,
                    job: "import",
                    arn: info.arn.clone(),
                    reattached,
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
            self.events.warn_explained(
                STEP,
                AwsFailure::new(
                    "import-item-errors",
                    FailureKind::JobFailed,
                    format!(
                        "{} items were rejected by the import; see CloudWatch Logs group {IMPORT_LOG_GROUP}, stream {stream} (`aws logs tail {IMPORT_LOG_GROUP} --log-stream-names {stream}`){lines}",
                        done.error_count
                    ),
                    "the import skips items it cannot write (a missing or mistyped key attribute, a wrong-case key name, an index key of the wrong type, a line that is not an item) and counts them as errors; the rest of the table is imported",
                    format!("read the error log (`aws logs tail {IMPORT_LOG_GROUP} --log-stream-names {stream}`), fix the keys in the plan (`table.partition_key`, `table.sort_key`, `table.gsis`) and import again under another table name with `ddb-ferry run --new PLAN`; verification will count the missing items"),
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

    /// Refuses an import AWS would make pointless or refuse: nothing under the prefix (AWS
    /// would create an empty table and call it a success), objects that are not data files,
    /// or more objects or bytes than one import may read.
    async fn check_import_source(&self, bucket: &str, prefix: &str) -> Result<(), AwsFailure> {
        let objects = self.bucket_s3()?.list(bucket, prefix).await?;
        let region = self
            .journal
            .dest_identity
            .as_ref()
            .map(|i| i.region.clone())
            .unwrap_or_default();
        match import_source_problem(bucket, prefix, &objects, &region) {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }

    /// ImportTable, made so that a lost answer never starts a second import: the SDK does not
    /// repeat it; after a call that may have reached AWS the import is looked for first.
    async fn start_import(
        &mut self,
        request: &ImportRequest<'_>,
    ) -> Result<(ImportInfo, bool), AwsFailure> {
        let dest = self.dest()?.clone();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let failure = match dest.dynamo.import(request).await {
                Ok(info) => return Ok((info, false)),
                Err(f) => f,
            };
            if !failure.retryable || attempt >= super::export::START_ATTEMPTS {
                return Err(failure);
            }
            let wait = Duration::from_secs(1 << attempt.min(4));
            self.events.warn(
                STEP,
                format!(
                    "the import call failed ({}); checking whether AWS started the import anyway, then trying again in {} s",
                    failure.what,
                    wait.as_secs()
                ),
            );
            tokio::time::sleep(wait).await;
            if let Some(info) = self.find_started_import(&request.table.name).await? {
                return Ok((info, true));
            }
        }
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
        let bytes = self
            .journal
            .data_folder
            .as_ref()
            .map_or(0, |d| d.total_bytes as i64);
        let mut warned_slow = false;
        loop {
            match info.status.as_str() {
                "COMPLETED" => return Ok(info),
                "FAILED" | "CANCELLED" | "CANCELLING" => {
                    return Err(import_failed(&info, &dest.cli_args).into())
                }
                _ => {}
            }
            let elapsed = elapsed_since(info.start_time.as_deref(), started);
            if !warned_slow && is_slow(elapsed, bytes, true) {
                warned_slow = true;
                self.events.warn_explained(
                    STEP,
                    AwsFailure::job_slow(
                        "import",
                        elapsed,
                        expected_minutes(bytes, true),
                        &describe_import(&dest.cli_args, &info.arn),
                    ),
                );
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

/// What is wrong with the objects under an import's prefix, if anything.
fn import_source_problem(
    bucket: &str,
    prefix: &str,
    objects: &[ObjectInfo],
    region: &str,
) -> Option<AwsFailure> {
    let objects: Vec<&ObjectInfo> = objects.iter().filter(|o| !o.key.ends_with('/')).collect();
    if objects.is_empty() {
        return Some(AwsFailure::import_prefix_empty(bucket, prefix));
    }
    let stray: Vec<&str> = objects
        .iter()
        .filter(|o| format_of_key(&o.key).is_none())
        .map(|o| o.key.as_str())
        .take(5)
        .collect();
    if !stray.is_empty() {
        return Some(AwsFailure::new(
            "non-data-objects",
            FailureKind::BadInput,
            format!("the data folder s3://{bucket}/{prefix} holds objects that are not data files: {}", stray.join(", ")),
            "ImportTable reads every object under the prefix, and anything that is not an export data file makes it fail",
            "move those objects out of the data folder (ddb-ferry never deletes objects), or choose the export's data/ folder, then run again",
        ));
    }
    if objects.len() > MAX_IMPORT_OBJECTS {
        return Some(AwsFailure::import_too_many_objects(
            bucket,
            prefix,
            objects.len(),
        ));
    }
    let bytes: u64 = objects.iter().map(|o| o.size).sum();
    if bytes > max_import_bytes(region) {
        return Some(AwsFailure::import_too_large(bucket, prefix, bytes, region));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(key: &str, size: u64) -> ObjectInfo {
        ObjectInfo {
            key: key.into(),
            size,
        }
    }

    const PREFIX: &str = "p/AWSDynamoDB/01/data/";

    #[test]
    fn an_empty_prefix_is_refused_before_aws_creates_an_empty_table() {
        let f = import_source_problem("b", PREFIX, &[], "us-east-1").unwrap();
        assert_eq!(f.code, "import-prefix-empty");
        let only_folder = [obj("p/AWSDynamoDB/01/data/", 0)];
        assert_eq!(
            import_source_problem("b", PREFIX, &only_folder, "us-east-1")
                .unwrap()
                .code,
            "import-prefix-empty"
        );
    }

    #[test]
    fn stray_objects_and_quotas_are_refused() {
        let stray = [
            obj("p/AWSDynamoDB/01/data/a.json.gz", 10),
            obj("p/AWSDynamoDB/01/data/notes.txt", 10),
        ];
        let f = import_source_problem("b", PREFIX, &stray, "us-east-1").unwrap();
        assert_eq!(f.code, "non-data-objects");
        assert!(f.what.contains("notes.txt"));

        let many: Vec<ObjectInfo> = (0..=MAX_IMPORT_OBJECTS)
            .map(|i| obj(&format!("{PREFIX}{i}.json.gz"), 1))
            .collect();
        let f = import_source_problem("b", PREFIX, &many, "us-east-1").unwrap();
        assert_eq!(f.code, "import-too-many-objects");
        assert!(f.what.contains("50001"), "{}", f.what);
        assert!(
            import_source_problem("b", PREFIX, &many[..MAX_IMPORT_OBJECTS], "us-east-1").is_none()
        );

        let two_tb = [obj(
            &format!("{PREFIX}a.json.gz"),
            2 * 1024 * 1024 * 1024 * 1024,
        )];
        assert!(import_source_problem("b", PREFIX, &two_tb, "us-east-1").is_none());
        let f = import_source_problem("b", PREFIX, &two_tb, "ap-south-1").unwrap();
        assert_eq!(f.code, "import-too-large");
    }

    #[test]
    fn export_data_files_pass() {
        let ok = [
            obj("p/AWSDynamoDB/01/data/a.json.gz", 100),
            obj("p/AWSDynamoDB/01/data/b.json.gz", 0),
        ];
        assert!(import_source_problem("b", PREFIX, &ok, "eu-central-1").is_none());
    }
}
