//! The import step: the checks of the data folder before the call, the announcement, and the
//! report of rejected items; the job itself is started once and watched by `jobs::ImportJob`.

use super::super::cli_equivalent::import_table;
use super::super::events::Event;
use super::super::jobs::ImportJob;
use super::super::journal::Step;
use super::super::migration::{journal_incomplete, Migration, StepResult};
use crate::aws::explain::{max_import_bytes, AwsFailure, FailureKind, MAX_IMPORT_OBJECTS};
use crate::aws::logs::{first_import_errors, import_error_stream, IMPORT_LOG_GROUP};
use crate::logic::layout::{format_of_key, ObjectInfo};

const STEP: Step = Step::Import;

impl Migration {
    pub(crate) async fn import(&mut self) -> StepResult {
        if let Some(mode) = self.plan().options.existing_table {
            return self.load_into_existing(mode).await;
        }
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

        let table_arn = self.journal.dest_identity.as_ref().map(|id| {
            let partition = id.arn.split(':').nth(1).unwrap_or("aws");
            format!(
                "arn:{partition}:dynamodb:{}:{}:table/{}",
                id.region, id.account, spec.name
            )
        });
        let job = ImportJob {
            dynamo: dest.dynamo.clone(),
            cli_args: dest.cli_args.clone(),
            bucket: folder.bucket.clone(),
            bucket_owner: owner.clone(),
            data_prefix: folder.prefix.clone(),
            format,
            table: spec.clone(),
            table_arn,
            data_bytes: folder.total_bytes as i64,
        };

        let info = match self.find_job(&job).await? {
            Some(info) => info,
            None => {
                if !self.dry_run {
                    self.check_import_source(&folder.bucket, &folder.prefix)
                        .await?;
                }
                let token = self.job_token(&job).unwrap_or_default();
                let cli = import_table(
                    &dest.cli_args,
                    &folder.bucket,
                    owner.as_deref(),
                    &folder.prefix,
                    format,
                    &spec,
                    &token,
                );
                self.announce_estimate(STEP);
                if !self.announce_call(
                    STEP,
                    "dynamodb:ImportTable",
                    cli,
                    Some(spec.creation_parameters_json()),
                ) {
                    return Ok(());
                }
                self.start_job(&job, Some(token)).await?
            }
        };
        let done = self.watch_job(&job, info).await?;
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
