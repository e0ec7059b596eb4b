//! The import step when the plan writes the export into a table that exists
//! (`options.existing_table`): ImportTable only creates tables, so the writer applies the
//! export's items with the plan's choice for items the table already holds — overwrite
//! (batch writes), skip existing or stop at the first conflict (conditional writes, one
//! request per item). A checkpoint per data file lets a killed load continue after the last
//! file it finished.

use std::collections::BTreeSet;

use super::super::catch_up::record::{FailedWrite, LoadRecord};
use super::super::events::Event;
use super::super::journal::{now_rfc3339, Step};
use super::super::migration::{journal_incomplete, journal_write_failed, Migration, StepResult};
use super::super::writer::{
    apply_files, DataFile, OnConflict, WriteTarget, WriterEvent, WriterOptions,
};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::changes::LineKind;
use crate::logic::layout::{format_of_key, DataFormat};

const STEP: Step = Step::Import;
/// Failed writes kept in the journal (all are counted).
const FAILURES_KEPT: usize = 100;

impl Migration {
    pub(crate) async fn load_into_existing(&mut self, mode: OnConflict) -> StepResult {
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
        let Some(table) = dest.dynamo.describe_table(&spec.name).await? else {
            return Err(AwsFailure::new(
                "existing-table-missing",
                FailureKind::BadInput,
                format!("the plan writes into the existing table {}, which the destination does not have", spec.name),
                "`options.existing_table` is for a table that exists; an import creates a new one",
                "create the table first, fix `table.name`, or remove `options.existing_table` to import into a new table",
            )
            .into());
        };
        if table.key_names() != spec.key_names() {
            return Err(AwsFailure::new(
                "existing-table-keys-differ",
                FailureKind::BadInput,
                format!(
                    "the existing table {} is keyed by {}{}, the plan by {}{}",
                    spec.name,
                    table.partition_key.name,
                    table.sort_key.as_ref().map_or(String::new(), |k| format!(" + {}", k.name)),
                    spec.partition_key.name,
                    spec.sort_key.as_ref().map_or(String::new(), |k| format!(" + {}", k.name)),
                ),
                "the key check read the export against the plan's keys, and the writes go by the table's",
                "set `table.partition_key` and `table.sort_key` to the existing table's keys",
            )
            .into());
        }
        let s3 = self.bucket_s3()?.clone();
        let objects = s3.list(&folder.bucket, &folder.prefix).await?;
        let files: Vec<DataFile> = objects
            .iter()
            .filter(|o| matches!(format_of_key(&o.key), Some((DataFormat::DynamoDbJson, _))))
            .map(|o| DataFile {
                bucket: folder.bucket.clone(),
                key: o.key.clone(),
                size_bytes: o.size,
                item_count: None,
            })
            .collect();
        let how = match mode {
            OnConflict::Overwrite => "BatchWriteItem, 25 items a request; items with the same key are replaced",
            OnConflict::SkipExisting => "PutItem with attribute_not_exists, one item a request; items the table holds are kept (slower than batches)",
            OnConflict::StopAtConflict => "PutItem with attribute_not_exists, one item a request; stops at the first item the table holds with other values (slower than batches)",
        };
        let cli = format!(
            "(ddb-ferry writes {} data files of s3://{}/{} into {}: {how})",
            files.len(),
            folder.bucket,
            folder.prefix,
            spec.name
        );
        if !self.announce_call(STEP, "dynamodb:BatchWriteItem", cli, None) {
            return Ok(());
        }
        let record = self
            .journal
            .load
            .get_or_insert_with(LoadRecord::default)
            .clone();
        self.save()?;
        let key_names = spec.key_names();
        let target = WriteTarget {
            dynamo: dest.dynamo.clone(),
            table: spec.name.clone(),
            key_names,
            gsi_count: table.gsis.len(),
        };
        let options = WriterOptions {
            on_conflict: mode,
            max_wcu: None,
            in_flight: 16,
            failures_kept: FAILURES_KEPT,
        };
        let done: BTreeSet<String> = record.files_done.iter().cloned().collect();
        let report = {
            let mut on_event = |event: WriterEvent| -> Result<(), AwsFailure> {
                match event {
                    WriterEvent::Progress { items_applied, .. } => {
                        self.events.send(Event::LoadProgress { items_applied });
                        Ok(())
                    }
                    WriterEvent::FileApplied(file) => {
                        let load = self.journal.load.get_or_insert_with(LoadRecord::default);
                        load.files_done.push(file.key.clone());
                        load.applied.items += file.items;
                        load.applied.puts += file.puts;
                        load.applied.failed += file.failed;
                        load.applied.bytes += file.bytes;
                        load.skipped_existing += file.skipped_existing;
                        self.save().map_err(journal_write_failed)
                    }
                }
            };
            apply_files(
                &target,
                &options,
                &s3,
                &files,
                LineKind::Items,
                &done,
                &mut on_event,
            )
            .await?
        };
        let load = self.journal.load.get_or_insert_with(LoadRecord::default);
        for f in &report.failures {
            if load.failures.len() < FAILURES_KEPT {
                load.failures.push(FailedWrite {
                    key: f.key.clone(),
                    reason: f.reason.clone(),
                });
            }
        }
        let summary = load.clone();
        if let Some(conflict) = report.stopped_at_conflict {
            self.save()?;
            return Err(AwsFailure::new(
                "load-conflict",
                FailureKind::BadInput,
                format!(
                    "the table {} already holds the item {} with other values: {}",
                    spec.name,
                    serde_json::Value::Object(conflict.key),
                    conflict.reason
                ),
                "the plan says to stop at the first item the table already holds (`options.existing_table: stop_at_conflict`)",
                "look at that item in both places; to keep the table's items choose `skip_existing`, to replace them `overwrite`, then run the same command again (the files already written are not written again)",
            )
            .into());
        }
        let load = self.journal.load.get_or_insert_with(LoadRecord::default);
        load.done_at = Some(now_rfc3339());
        self.save()?;
        if summary.applied.failed > 0 {
            return Err(
                writes_failed(summary.applied.failed, &summary.failures, &spec.name).into(),
            );
        }
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "{} items written into the existing table {}{}",
                summary.applied.puts,
                spec.name,
                if summary.skipped_existing > 0 {
                    format!(
                        ", {} it already held kept as they were",
                        summary.skipped_existing
                    )
                } else {
                    String::new()
                }
            ),
        });
        Ok(())
    }
}

/// Writes that could not be made, with the first keys.
pub(crate) fn writes_failed(count: u64, failures: &[FailedWrite], table: &str) -> AwsFailure {
    let first: Vec<String> = failures
        .iter()
        .take(3)
        .map(|f| {
            format!(
                "{} ({})",
                serde_json::Value::Object(f.key.clone()),
                f.reason
            )
        })
        .collect();
    AwsFailure::new(
        "writes-failed",
        FailureKind::JobFailed,
        format!("{count} items could not be written into {table}: {}", first.join("; ")),
        "DynamoDB refused these items (an attribute value it does not accept, an item over 400 KB, a key of the wrong type); every other item was written",
        "the journal lists the first keys; fix those items at the source or write them by hand, then compare the tables with `ddb-ferry compare`",
    )
}
