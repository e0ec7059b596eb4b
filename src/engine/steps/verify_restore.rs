//! Verify on the backup road: the restored table has the source's keys and every one of its
//! indexes (a restore that lost one is caught here), and — when the backup is of the table
//! as it is now — as many items as the source, a sample of them equal.

use super::super::events::Event;
use super::super::journal::{Step, VerifyRecord};
use super::super::migration::{journal_incomplete, Migration, StepResult};
use super::super::plan::BackupFrom;
use super::compare::{check_sample, key_names, SampleCheck, Sampled};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::table::SourceTable;

const STEP: Step = Step::Verify;
/// Up to this many items both tables are counted with a Scan.
const SCAN_COUNT_LIMIT: i64 = 200_000;

impl Migration {
    pub(crate) async fn verify_restore(&mut self) -> StepResult {
        let source = self.source()?.clone();
        let dest = self.dest()?.clone();
        let plan = self.plan().backup_or_default();
        let before = self
            .journal
            .source_table
            .clone()
            .ok_or_else(journal_incomplete)?;
        let target = self.plan().table.name.clone();
        let Some(restored) = dest.dynamo.describe_table(&target).await? else {
            return Err(AwsFailure::new(
                "restored-table-gone",
                FailureKind::JobFailed,
                format!("the restored table {target} is not in the destination"),
                "it was deleted after the restore finished, or the destination profile now points to another account or region",
                "check `aws dynamodb list-tables` in the destination; `ddb-ferry run --new PLAN` restores again (the backup is kept)",
            )
            .into());
        };
        let lost = schema_differences(&before, &restored);
        if !lost.is_empty() {
            self.journal.verify = Some(VerifyRecord {
                expected_items: None,
                imported_items: None,
                counted_items: None,
                sampled: 0,
                sample_mismatches: lost.clone(),
                passed: false,
            });
            self.save()?;
            return Err(AwsFailure::new(
                "verify-schema-mismatch",
                FailureKind::JobFailed,
                format!("the restored table {target} differs from the source: {}", lost.join("; ")),
                "the restore left out an index or a key, or the source's indexes changed after the backup was made",
                format!("compare `aws dynamodb describe-table --table-name {target}` in both accounts; the restored table is kept as it is"),
            )
            .into());
        }

        // A backup made by this run (or the latest restorable time) is the table as it is
        // now; an older recovery point or time has fewer or other items by design.
        let current = match plan.from {
            BackupFrom::New => true,
            BackupFrom::PointInTime => plan.restore_time.is_none(),
            BackupFrom::RecoveryPoint => false,
        };
        if !current {
            self.journal.verify = Some(VerifyRecord {
                expected_items: None,
                imported_items: None,
                counted_items: None,
                sampled: 0,
                sample_mismatches: Vec::new(),
                passed: true,
            });
            self.save()?;
            self.events.send(Event::StepDone {
                step: STEP,
                summary: "the restored table has the source's keys and every index; its items are of the backup's time, so they were not compared with the source as it is now".into(),
            });
            return Ok(());
        }

        let (mut expected, mut counted) = (None, None);
        if before.item_count <= SCAN_COUNT_LIMIT {
            expected = Some(source.dynamo.count_items(&before.name).await?);
            counted = Some(dest.dynamo.count_items(&target).await?);
        }
        let sample = self.plan().options.verify_sample as usize;
        let sample = if sample > 0 {
            let items = dest.dynamo.first_items(&target, sample).await?;
            check_sample(
                &source.dynamo,
                &before.name,
                &items,
                &key_names(&before.partition_key, before.sort_key.as_ref()),
                Sampled::Copies,
                "is in the restored table but not in the source",
            )
            .await?
        } else {
            SampleCheck::default()
        };
        let record = sample.record(expected, None, counted, expected == counted);
        let passed = record.passed;
        self.journal.verify = Some(record);
        self.save()?;
        let (sampled, mismatches) = (sample.sampled, sample.mismatches);
        let show = |v: Option<i64>| v.map_or("unknown".to_owned(), |n| n.to_string());
        if !passed {
            return Err(AwsFailure::new(
                "verify-restore-mismatch",
                FailureKind::JobFailed,
                format!(
                    "the restored table holds {} items, the source {}; {} of {sampled} sampled items differ{}",
                    show(counted),
                    show(expected),
                    mismatches.len(),
                    mismatches.first().map(|m| format!(": {m}")).unwrap_or_default()
                ),
                "the source was written to after the backup was made (the restore is the table as it was then), or the restore lost items",
                "if the source is still in use, this is expected: stop writes, or compare the items named above; the restored table is kept as it is",
            )
            .into());
        }
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "the restored table has the source's keys and every index, {} items as the source, and {sampled} sampled items equal to it",
                show(counted)
            ),
        });
        Ok(())
    }
}

/// What the restored table lacks or has otherwise than the source: keys, GSIs (with their
/// keys), LSIs.
fn schema_differences(source: &SourceTable, restored: &SourceTable) -> Vec<String> {
    let mut out = Vec::new();
    if source.partition_key != restored.partition_key || source.sort_key != restored.sort_key {
        out.push("the table's keys differ".to_owned());
    }
    for gsi in &source.gsis {
        match restored.gsis.iter().find(|g| g.name == gsi.name) {
            None => out.push(format!(
                "the global secondary index {} is missing",
                gsi.name
            )),
            Some(g) if g.partition_key != gsi.partition_key || g.sort_key != gsi.sort_key => out
                .push(format!(
                    "the global secondary index {} has other keys",
                    gsi.name
                )),
            Some(_) => {}
        }
    }
    for lsi in &source.lsis {
        if !restored.lsis.contains(lsi) {
            out.push(format!("the local secondary index {lsi} is missing"));
        }
    }
    out
}
