//! The cutover: the person says writes have stopped at the source; the last increment covers
//! every write made before that moment (on AWS's clock), and a full compare proves the new
//! table equal to the source. Only then is catch-up over and the source's PITR, if ddb-ferry
//! turned it on, turned off again.

use time::OffsetDateTime;

use super::record::CompareRecord;
use super::round::{parse_time, time_text};
use crate::aws::explain::AwsFailure;
use crate::engine::compare::{
    compare_tables, CompareEvent, CompareOptions, ComparePhase, CompareReport, CompareSide,
};
use crate::engine::events::Event;
use crate::engine::journal::{now_rfc3339, Step};
use crate::engine::migration::{journal_incomplete, Migration, Stop};

const STEP: Step = Step::CatchUp;

impl Migration {
    /// Notes when writes stopped at the source: now on AWS's clock. A cutover increment left
    /// unfinished by a killed run keeps the time it was given.
    pub(crate) async fn note_writes_stopped(&mut self) -> Result<OffsetDateTime, Stop> {
        let unfinished_cutover = self
            .journal
            .catch_up
            .unfinished()
            .is_some_and(|i| self.journal.catch_up.increments[i].cutover);
        if let (true, Some(t)) = (unfinished_cutover, &self.journal.catch_up.writes_stopped_at) {
            return Ok(parse_time("writes stopped at", t)?);
        }
        // A fresh answer sets the clock.
        let table = self.plan().source.table.clone();
        self.source()?.dynamo.pitr_status(&table).await?;
        let now = self.aws_now();
        self.journal.catch_up.writes_stopped_at = Some(time_text(now));
        self.journal.record(
            STEP,
            format!(
                "writes stopped at the source at {} (AWS's clock): cutover",
                time_text(now)
            ),
            None,
        );
        self.save()?;
        self.events.info(
            STEP,
            format!(
                "cutover: the last increment covers every write before {} (AWS's clock); AWS's latest restorable time trails now by about five minutes and an incremental export takes about ten, so this usually takes 15 to 30 minutes",
                time_text(now)
            ),
        );
        Ok(now)
    }

    /// True once the applied increments cover the moment writes stopped.
    pub(crate) fn cutover_covered(&self) -> Result<bool, Stop> {
        let (Some(stopped), Some(until)) = (
            &self.journal.catch_up.writes_stopped_at,
            self.journal.catch_up.applied_until(),
        ) else {
            return Ok(false);
        };
        Ok(parse_time("window end", until)? > parse_time("writes stopped at", stopped)?)
    }

    /// The full compare of the source and the new table, recorded in the journal.
    pub(crate) async fn compare_tables_now(
        &mut self,
        options: &CompareOptions,
    ) -> Result<CompareReport, Stop> {
        let source = self.source()?.clone();
        let dest = self.dest()?.clone();
        let spec = self
            .journal
            .table_spec
            .clone()
            .ok_or_else(journal_incomplete)?;
        let source_table = self.plan().source.table.clone();
        let key_names = spec.key_names();
        let ttl = source.dynamo.ttl_attribute(&source_table).await?;
        let now = self.aws_now().unix_timestamp();
        let events = self.events.clone();
        let mut on_event = |e| events.send(compare_event(e));
        let report = compare_tables(
            &CompareSide {
                dynamo: source.dynamo.clone(),
                table: source_table,
            },
            &CompareSide {
                dynamo: dest.dynamo.clone(),
                table: spec.name.clone(),
            },
            &key_names,
            ttl.as_deref(),
            now,
            options,
            &mut on_event,
        )
        .await?;
        self.journal.catch_up.compare = Some(CompareRecord {
            at: now_rfc3339(),
            equal: report.equal,
            source_items: report.source_items,
            dest_items: report.dest_items,
            differences: report.differences.len() as u64 + report.more_differences,
            expired_ttl: report.expired_ttl.len() as u64 + report.more_expired_ttl,
        });
        self.save()?;
        self.events.send(Event::CompareFinished {
            equal: report.equal,
            source_items: report.source_items,
            dest_items: report.dest_items,
            differences: report.differences.iter().map(|d| d.line()).collect(),
            more_differences: report.more_differences,
            expired_ttl: report.expired_ttl.len() as u64 + report.more_expired_ttl,
        });
        Ok(report)
    }

    /// Ends catch-up after an equal compare: PITR back off if ddb-ferry turned it on.
    pub(crate) async fn finish_cutover(&mut self) -> Result<(), Stop> {
        self.journal.catch_up.cutover_done = true;
        self.save()?;
        self.pitr_back_off(STEP).await?;
        Ok(())
    }
}

/// The tables differ after the cutover.
pub(crate) fn tables_differ(id: &str, report: &CompareReport) -> AwsFailure {
    AwsFailure::new(
        "compare-differs",
        crate::aws::explain::FailureKind::JobFailed,
        format!(
            "the new table differs from the source: {} difference(s) ({} items in the source, {} in the new table)",
            report.differences.len() as u64 + report.more_differences,
            report.source_items,
            report.dest_items
        ),
        "a write reached the source after the time given as the cutover, something else wrote to the new table, or a write could not be applied (see the failures above)",
        format!("look at the keys listed; stop every writer of the source, then run `ddb-ferry catch-up {id} --cutover` again (it exports the writes made since) or `ddb-ferry compare {id}`"),
    )
}

/// The compare's progress as the engine's event; its other reports are for `compare`'s own
/// printer and pass as information.
fn compare_event(e: CompareEvent) -> Event {
    match e {
        CompareEvent::Progress {
            phase,
            source_items,
            dest_items,
        } => Event::CompareProgress {
            phase: match phase {
                ComparePhase::Digest => "reading both tables",
                ComparePhase::Examine => "reading the differing parts again",
                ComparePhase::Fetch => "reading the differences by key",
            }
            .into(),
            source_items,
            dest_items,
        },
        CompareEvent::DigestsCompared {
            differing_buckets, ..
        } => Event::Info {
            step: STEP,
            message: if differing_buckets == 0 {
                "compare: every part of the two tables agrees".into()
            } else {
                format!("compare: {differing_buckets} parts of the tables differ; reading them again to name the items")
            },
        },
        CompareEvent::Started { .. } => Event::Info {
            step: STEP,
            message: "compare: reading the source and the new table in full (consistent reads)"
                .into(),
        },
        CompareEvent::Fetching { keys } => Event::Info {
            step: STEP,
            message: format!("compare: reading {keys} items back by key to name the differences"),
        },
    }
}
