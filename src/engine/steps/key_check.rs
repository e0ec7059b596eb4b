//! Before the import: do the exported items carry the new table's keys, spelled (case-
//! sensitively) and typed as the table will expect? A wrong key makes an import fail hours
//! later, so a sample is checked now — with the same checker as `ddb-ferry check`, for
//! DynamoDB JSON and Ion alike — and a mismatch stops the run with the right spelling.

use std::sync::Arc;

use super::super::events::Event;
use super::super::inspect::{check_files, check_spec, input_file};
use super::super::journal::{KeyCheckRecord, Step};
use super::super::migration::{journal_incomplete, Migration, StepResult};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::check::report::{explain_key_problems, short_name};
use crate::logic::check::CheckOptions;
use crate::logic::layout::format_of_key;

const STEP: Step = Step::KeyCheck;

impl Migration {
    pub(crate) async fn key_check(&mut self) -> StepResult {
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
        let sample_size = self.plan().options.key_check_sample.max(1);
        let s3 = self.bucket_s3()?.clone();
        let files: Vec<_> = s3
            .list(&folder.bucket, &folder.prefix)
            .await?
            .iter()
            .filter(|o| format_of_key(&o.key).is_some())
            .map(input_file)
            .collect();
        let check_spec = check_spec(&spec.partition_key, spec.sort_key.as_ref(), &spec.gsis);
        let keys = check_spec.keys.clone();
        let options = CheckOptions {
            threads: 1,
            show: 5,
            max_items: Some(sample_size),
            block_size: 64 * 1024,
            ..CheckOptions::default()
        };
        let data = check_files(
            &s3,
            &folder.bucket,
            files,
            check_spec,
            options,
            Arc::new(|_| {}),
        )
        .await?;

        let unreadable = data
            .file_errors()
            .map(|f| {
                format!(
                    "{}: {}",
                    short_name(&f.key),
                    f.error.clone().unwrap_or_default()
                )
            })
            .chain(data.unreadable_lines.examples.iter().map(|e| {
                format!(
                    "{} line {}: {} (`{}`)",
                    short_name(&e.file),
                    e.line,
                    e.detail,
                    e.excerpt
                )
            }))
            .next();
        let problems = data.key_problem_count() + data.gsi_problem_count();
        self.journal.key_check = Some(KeyCheckRecord {
            items_checked: data.items,
            problems,
            passed: problems == 0 && unreadable.is_none(),
        });
        self.save()?;
        if let Some(first) = unreadable {
            return Err(AwsFailure::new(
                "data-line-unreadable",
                FailureKind::JobFailed,
                format!("an exported line could not be read: {first}"),
                "the data folder holds a file that is not a DynamoDB export in the expected format, or a file was damaged",
                format!(
                    "check the data folder; `ddb-ferry check s3://{}/{} --key ...` reads all of it and lists every bad line; ddb-ferry will not import data it cannot read",
                    folder.bucket, folder.prefix
                ),
            )
            .into());
        }
        if let Some(explanation) = explain_key_problems(&keys, &data, "sampled items") {
            return Err(AwsFailure::new(
                "key-mismatch",
                FailureKind::BadInput,
                format!(
                    "the exported items do not match the new table's keys ({} problems in {} items checked)",
                    data.key_problem_count(),
                    data.items
                ),
                explanation,
                "fix `table.partition_key` / `table.sort_key` in the plan (or remove them to copy the source's keys) and run again; the export is kept and will not be repeated",
            )
            .into());
        }
        if data.gsi_problem_count() > 0 {
            let shown: Vec<String> = data
                .gsi_problems
                .iter()
                .flat_map(|t| {
                    t.examples.iter().map(move |e| {
                        format!("{} line {}: {}", short_name(&e.file), e.line, t.problem)
                    })
                })
                .take(5)
                .collect();
            return Err(AwsFailure::new(
                "gsi-key-type-mismatch",
                FailureKind::BadInput,
                format!("{} sampled items hold an index key with another type: {}", data.gsi_problem_count(), shown.join("; ")),
                "an import rejects every item whose index key attribute has a type other than the index's",
                "fix the key type of the index in `table.gsis`, or drop that index from the plan",
            )
            .into());
        }
        if data.items == 0 {
            self.events.warn(
                STEP,
                "the export holds no items: the new table will be empty",
            );
        }
        let formats: Vec<&str> = {
            let mut f: Vec<&str> = data
                .files
                .iter()
                .filter(|f| !f.skipped)
                .map(|f| f.format)
                .collect();
            f.sort_unstable();
            f.dedup();
            f
        };
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "{} sampled items ({}) carry the keys {}",
                data.items,
                formats.join(", "),
                keys.iter()
                    .map(|k| format!("{} ({:?})", k.name, k.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        Ok(())
    }
}
