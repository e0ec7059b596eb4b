//! Verify: the new table holds as many items as the export, and a sample of exported items
//! reads back from the new table equal, attribute by attribute (numbers by value).

use super::super::events::Event;
use super::super::journal::Step;
use super::super::migration::{journal_incomplete, Migration, StepResult};
use super::compare::{check_sample, key_names, SampleCheck, Sampled};
use super::sample::sample_items;
use crate::aws::attr::JsonItem;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::check::sniff_format;
use crate::logic::items::parse_item_line;
use crate::logic::layout::DataFormat;

const STEP: Step = Step::Verify;
/// Up to this many items the destination is counted with a Scan (exact, cheap enough).
const SCAN_COUNT_LIMIT: i64 = 200_000;

impl Migration {
    pub(crate) async fn verify(&mut self) -> StepResult {
        let dest = self.dest()?.clone();
        let s3 = self.bucket_s3()?.clone();
        let spec = self.journal.table_spec.clone();
        let folder = self.journal.data_folder.clone();
        let (Some(spec), Some(folder)) = (spec, folder) else {
            return Err(journal_incomplete().into());
        };
        let expected = folder.manifest_item_count.map(|c| c as i64).or(self
            .journal
            .export
            .as_ref()
            .and_then(|e| e.item_count));
        let imported = self.journal.import.as_ref().and_then(|i| i.item_count);
        let counted = match expected {
            Some(n) if n <= SCAN_COUNT_LIMIT => Some(dest.dynamo.count_items(&spec.name).await?),
            None => Some(dest.dynamo.count_items(&spec.name).await?),
            _ => None,
        };

        let sample_size = self.plan().options.verify_sample;
        let sample = if sample_size > 0 {
            let lines = sample_items(&s3, &folder.bucket, &folder.prefix, sample_size).await?;
            // DynamoDB JSON or Ion lines, both read into the same item shape.
            let exported: Vec<JsonItem> = lines
                .iter()
                .filter_map(|l| match sniff_format(l.text.as_bytes()) {
                    DataFormat::Ion => crate::logic::ion::parse_line(l.text.as_bytes()).ok(),
                    DataFormat::DynamoDbJson => parse_item_line(&l.text).ok(),
                })
                .collect();
            check_sample(
                &dest.dynamo,
                &spec.name,
                &exported,
                &key_names(&spec.partition_key, spec.sort_key.as_ref()),
                Sampled::Originals,
                "is missing from the new table",
            )
            .await?
        } else {
            SampleCheck::default()
        };

        let have = counted.or(imported);
        // Written into a table that had items: it holds at least the export's, and with
        // `skip_existing` some of them as they were, so neither the count nor the sample need
        // agree with the export; the writer counted every write it made.
        let loaded = self.plan().options.existing_table;
        let count_ok = match (expected, have, loaded) {
            (Some(e), Some(h), Some(_)) => h >= e,
            (Some(e), Some(h), None) => e == h,
            _ => true,
        };
        let sample = if matches!(
            loaded,
            Some(crate::engine::writer::OnConflict::SkipExisting)
        ) {
            SampleCheck::default()
        } else {
            sample
        };
        self.journal.verify = Some(sample.record(expected, imported, counted, count_ok));
        self.save()?;
        let (sampled, mismatches) = (sample.sampled, sample.mismatches);
        let show = |v: Option<i64>| v.map_or("unknown".to_owned(), |n| n.to_string());
        if !count_ok {
            return Err(AwsFailure::new(
                "verify-count-mismatch",
                FailureKind::JobFailed,
                format!(
                    "the new table holds {} items but the export has {}",
                    show(have),
                    show(expected)
                ),
                "items the import rejected (see its error count and CloudWatch log), or items sharing one key that overwrote each other",
                "read CloudWatch Logs group /aws-dynamodb/imports; the new table is kept as it is",
            )
            .into());
        }
        if !mismatches.is_empty() {
            return Err(AwsFailure::new(
                "verify-item-mismatch",
                FailureKind::JobFailed,
                format!("{} of {sampled} sampled items differ: {}", mismatches.len(), mismatches.iter().take(3).cloned().collect::<Vec<_>>().join("; ")),
                "the import changed or dropped attributes, or the new table was written to after the import",
                "compare the items named above in both tables; the journal keeps the full list",
            )
            .into());
        }
        if self.plan().options.catch_up {
            // What catch-up compares with before it writes: has anything else written since?
            self.take_destination_guard().await?;
        }
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "the new table holds {} items as expected; {sampled} sampled items are equal to the export",
                show(have)
            ),
        });
        Ok(())
    }
}
