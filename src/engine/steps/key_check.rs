//! Before the import: do the exported items carry the new table's keys, spelled (case-
//! sensitively) and typed as the table will expect? A wrong key makes an import fail hours
//! later, so a sample is checked now and a mismatch stops the run with the right spelling.

use super::super::events::Event;
use super::super::journal::{KeyCheckRecord, Step};
use super::super::migration::{journal_incomplete, Migration, StepResult};
use super::super::plan::ExportFormat;
use super::super::table_spec::{KeySpec, KeyType};
use super::jobs::sample_items;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::export::items::{
    check_item_keys, check_sample, parse_item_line, KeyAttr, KeyProblem, ScalarType,
};

const STEP: Step = Step::KeyCheck;

fn key_attr(k: &KeySpec) -> KeyAttr {
    KeyAttr {
        name: k.name.clone(),
        kind: match k.kind {
            KeyType::S => ScalarType::S,
            KeyType::N => ScalarType::N,
            KeyType::B => ScalarType::B,
        },
    }
}

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
        if self.plan().export.format == ExportFormat::Ion {
            self.events.warn(
                STEP,
                "the key check reads DynamoDB JSON exports; this export is Amazon Ion, so its keys are not checked before the import",
            );
            return Ok(());
        }
        let sample_size = self.plan().options.key_check_sample.max(1);
        let s3 = self.bucket_s3()?.clone();
        let lines = sample_items(&s3, &folder.bucket, &folder.prefix, sample_size).await?;
        let mut keys = vec![key_attr(&spec.partition_key)];
        if let Some(sk) = &spec.sort_key {
            keys.push(key_attr(sk));
        }
        let report = check_sample(
            lines.iter().map(|l| (l.line, l.text.clone())),
            &keys,
            sample_size,
        )
        .map_err(|e| {
            AwsFailure::new(
                "data-line-unreadable",
                FailureKind::JobFailed,
                format!("an exported line could not be read: {e}"),
                "the data folder holds a file that is not a DynamoDB JSON export, or a file was damaged",
                "check the data folder; ddb-ferry will not import data it cannot read",
            )
        })?;

        // A GSI key may be absent (the item is simply not indexed), but with the wrong type
        // the import rejects the item.
        let gsi_keys: Vec<KeyAttr> = spec
            .gsis
            .iter()
            .flat_map(|g| std::iter::once(&g.partition_key).chain(g.sort_key.iter()))
            .filter(|k| !keys.iter().any(|t| t.name == k.name))
            .map(key_attr)
            .collect();
        let mut gsi_problems = Vec::new();
        for l in &lines {
            if let Ok(item) = parse_item_line(&l.text) {
                for p in check_item_keys(&item, &gsi_keys) {
                    if matches!(p, KeyProblem::WrongType { .. }) {
                        gsi_problems.push(format!("{} line {}: {p}", l.file, l.line));
                    }
                }
            }
        }

        let passed = report.problems.is_empty() && gsi_problems.is_empty();
        self.journal.key_check = Some(KeyCheckRecord {
            items_checked: report.items_checked,
            problems: (report.problems.len() + gsi_problems.len()) as u64,
            passed,
        });
        self.save()?;
        if let Some(explanation) = report.explain() {
            return Err(AwsFailure::new(
                "key-mismatch",
                FailureKind::BadInput,
                format!(
                    "the exported items do not match the new table's keys ({} problems in {} items checked)",
                    report.problems.len(),
                    report.items_checked
                ),
                explanation,
                "fix `table.partition_key` / `table.sort_key` in the plan (or remove them to copy the source's keys) and run again; the export is kept and will not be repeated",
            )
            .into());
        }
        if !gsi_problems.is_empty() {
            let shown: Vec<&str> = gsi_problems.iter().take(5).map(String::as_str).collect();
            return Err(AwsFailure::new(
                "gsi-key-type-mismatch",
                FailureKind::BadInput,
                format!("{} sampled items hold an index key with another type: {}", gsi_problems.len(), shown.join("; ")),
                "an import rejects every item whose index key attribute has a type other than the index's",
                "fix the key type of the index in `table.gsis`, or drop that index from the plan",
            )
            .into());
        }
        if report.items_checked == 0 {
            self.events.warn(
                STEP,
                "the export holds no items: the new table will be empty",
            );
        }
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "{} sampled items carry the keys {}",
                report.items_checked,
                keys.iter()
                    .map(|k| format!("{} ({:?})", k.name, k.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        Ok(())
    }
}
