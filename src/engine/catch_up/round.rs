//! One increment of catch-up, start to end: the next window of the source's writes, its
//! incremental export (started once, through the one watcher), its data files from the
//! manifest, and their application to the new table by the writer, with a checkpoint in the
//! journal after each file. Every stage reads the journal first, so a killed run continues
//! the increment it was on instead of exporting or applying it twice.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::record::{FailedWrite, IncrementFile, IncrementRecord};
use super::CatchUpRequest;
use crate::aws::dynamodb::IncrementalWindow;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::cli_equivalent::shell_quote;
use crate::engine::events::Event;
use crate::engine::jobs::IncrementJob;
use crate::engine::journal::{now_rfc3339, Step};
use crate::engine::migration::{journal_incomplete, Migration, Stop};
use crate::engine::plan::Via;
use crate::engine::writer::{
    apply_files, DataFile, OnConflict, WriteTarget, WriterEvent, WriterOptions,
};
use crate::logic::catch_up::{lag, next_window, short_duration, whole_millisecond, NextWindow};
use crate::logic::changes::LineKind;
use crate::logic::manifest::{parse_files, parse_summary, MAX_MANIFEST_BYTES};
use crate::logic::options::ExportFormat;

const STEP: Step = Step::CatchUp;

/// Failed writes kept in the journal per increment (all are counted).
const FAILURES_KEPT: usize = 100;

/// What one increment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundReport {
    pub number: u32,
    pub from: String,
    pub to: String,
    pub items: u64,
    pub failed: u64,
    /// How far the new table is behind the source now, on AWS's clock.
    pub lag: Duration,
}

pub(crate) fn parse_time(field: &str, text: &str) -> Result<OffsetDateTime, AwsFailure> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        AwsFailure::new(
            "journal-incomplete",
            FailureKind::BadInput,
            format!("the journal's {field} `{text}` is not a time: {e}"),
            "the journal was edited or damaged",
            "restore the journal from a copy, or start catch-up from a new migration",
        )
    })
}

pub(crate) fn time_text(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

impl Migration {
    /// Now on AWS's clock (the source's last answer), else this machine's.
    pub(crate) fn aws_now(&self) -> OffsetDateTime {
        self.source
            .as_ref()
            .and_then(|s| s.dynamo.aws_clock().now())
            .unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Refuses catch-up where it cannot work: before the import finished, on the backup road,
    /// or when the new table's keys are not the source's (deletes carry the source's keys).
    pub(crate) fn check_catch_up_possible(&self) -> Result<(), Stop> {
        let j = &self.journal;
        let too_early = |what: &str| {
            Stop::from(AwsFailure::new(
                "catch-up-too-early",
                FailureKind::BadInput,
                format!("migration {} cannot be caught up yet: {what}", j.id),
                "catch-up applies the source's later writes to the table the import made, so the import must have finished",
                format!("finish the migration first (`ddb-ferry resume {}`), then run `ddb-ferry catch-up {}`", j.id, j.id),
            ))
        };
        if j.plan.via == Via::Backup {
            return Err(AwsFailure::new(
                "catch-up-needs-s3-road",
                FailureKind::BadInput,
                format!("migration {} went through a backup; catch-up follows the S3 road only", j.id),
                "the first increment starts at the full export's point in time, which the backup road does not make",
                "move the table through S3 (a plan without `via: backup`) with `options.catch_up: true`",
            )
            .into());
        }
        let imported = j
            .import
            .as_ref()
            .and_then(|i| i.status.as_deref())
            .is_some_and(|s| s == "COMPLETED")
            || j.load.as_ref().is_some_and(|l| l.done_at.is_some());
        if !imported {
            return Err(too_early("its import has not completed"));
        }
        let (Some(source), Some(spec)) = (&j.source_table, &j.table_spec) else {
            return Err(journal_incomplete().into());
        };
        if source.key_names() != spec.key_names() {
            return Err(AwsFailure::new(
                "catch-up-keys-differ",
                FailureKind::BadInput,
                format!("the new table {} has other key attributes than the source {}", spec.name, source.name),
                "an increment names each deleted item by the source's keys, which do not identify an item of the new table",
                "catch-up works between tables with the same key attributes; compare the tables with `ddb-ferry compare` instead",
            )
            .into());
        }
        if j.catch_up.cutover_done {
            return Err(AwsFailure::new(
                "catch-up-over",
                FailureKind::BadInput,
                format!("migration {} was already cut over", j.id),
                "the cutover increment was applied and the full compare found the tables equal",
                format!(
                    "nothing to do; compare again with `ddb-ferry compare {}`",
                    j.id
                ),
            )
            .into());
        }
        Ok(())
    }

    /// The full export's point in time, the first window's start: from the journal, else
    /// from DescribeExport (then saved).
    pub(crate) async fn catch_up_base_time(&mut self) -> Result<OffsetDateTime, Stop> {
        if let Some(t) = &self.journal.catch_up.base_time {
            return Ok(parse_time("catch-up base time", t)?);
        }
        let arn = self
            .journal
            .export
            .as_ref()
            .and_then(|e| e.arn.clone())
            .ok_or_else(journal_incomplete)?;
        let info = self.source()?.dynamo.describe_export(&arn).await?;
        let text = info
            .export_time
            .or(info.start_time)
            .ok_or_else(journal_incomplete)?;
        let t = parse_time("export time", &text)?;
        self.journal.catch_up.base_time = Some(time_text(t));
        self.save()?;
        Ok(t)
    }

    /// Warns before writing into the new table when its writes are seen by others: a stream
    /// (Lambda triggers, a Kinesis destination read it) fires for every catch-up write.
    pub(crate) async fn warn_about_destination_readers(&mut self) -> Result<(), Stop> {
        let dest = self.dest()?.clone();
        let name = self
            .journal
            .table_spec
            .as_ref()
            .map(|t| t.name.clone())
            .ok_or_else(journal_incomplete)?;
        let table = dest.dynamo.describe_table(&name).await?;
        if let Some(view) = table.and_then(|t| t.stream) {
            self.events.warn_explained(
                STEP,
                AwsFailure::new(
                    "catch-up-fires-stream",
                    FailureKind::BadInput,
                    format!("the new table {name} has a stream ({view}): every catch-up write goes into it"),
                    "Lambda triggers and other readers of the stream will run for the source's writes again, as they are applied",
                    "pause the triggers (or the stream's consumers) until the cutover if they must not see these writes",
                ),
            );
        }
        for destination in dest
            .dynamo
            .kinesis_destinations(&name)
            .await
            .unwrap_or_default()
        {
            self.events.warn_explained(
                STEP,
                AwsFailure::new(
                    "catch-up-fires-stream",
                    FailureKind::BadInput,
                    format!("the new table {name} streams its changes to Kinesis ({destination}): every catch-up write goes there"),
                    "readers of the Kinesis stream will see the source's writes again, as they are applied",
                    "pause those readers until the cutover if they must not see these writes",
                ),
            );
        }
        Ok(())
    }

    /// Plans the next increment from the end of the last one: waits (with events) until the
    /// source's PITR allows a window of the shortest length AWS accepts — or, at the cutover,
    /// one that covers the moment writes stopped — and refuses when PITR no longer covers it.
    async fn plan_increment(&mut self, request: &CatchUpRequest) -> Result<usize, Stop> {
        let base = self.catch_up_base_time().await?;
        let from = match self.journal.catch_up.applied_until() {
            Some(t) => parse_time("window end", t)?,
            None => whole_millisecond(base),
        };
        let cover = match (&self.journal.catch_up.writes_stopped_at, request.cutover) {
            (Some(t), true) => Some(parse_time("writes stopped at", t)?),
            _ => None,
        };
        let source = self.source()?.clone();
        let table = self.plan().source.table.clone();
        let rules = super::with_shortest_from_env(request.rules);
        let mut announced_wait = false;
        let (from, to) = loop {
            let pitr = source.dynamo.pitr_status(&table).await?;
            let earliest = pitr
                .earliest_restorable
                .as_deref()
                .filter(|_| pitr.is_enabled())
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
            let latest = pitr
                .latest_restorable
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .unwrap_or(from);
            match next_window(from, earliest, latest, cover, rules) {
                NextWindow::Ready { from, to } => break (from, to),
                NextWindow::PitrGap { from, earliest } => {
                    return Err(pitr_gap(&self.journal.id, &table, from, earliest).into())
                }
                NextWindow::TooSoon { ready_at, .. } => {
                    if !announced_wait {
                        announced_wait = true;
                        self.events.info(
                            STEP,
                            format!(
                                "the next increment can cover the writes up to {} (AWS's clock); AWS exports windows of at least {} and its latest restorable time trails now by about five minutes: waiting",
                                time_text(ready_at),
                                short_duration(rules.shortest),
                            ),
                        );
                    }
                    let behind = (ready_at - latest).unsigned_abs();
                    tokio::time::sleep(
                        behind.clamp(Duration::from_secs(1), Duration::from_secs(30)),
                    )
                    .await;
                }
            }
        };
        let number = self.journal.catch_up.increments.len() as u32 + 1;
        self.journal.catch_up.increments.push(IncrementRecord {
            number,
            from: time_text(from),
            to: time_text(to),
            cutover: request.cutover,
            ..IncrementRecord::default()
        });
        self.journal.record(
            STEP,
            format!(
                "increment {number}: the source's writes from {} to {}",
                time_text(from),
                time_text(to)
            ),
            None,
        );
        self.save()?;
        Ok(self.journal.catch_up.increments.len() - 1)
    }

    /// Runs the export of increment `index` (or reattaches to it) until it completed.
    async fn export_increment(&mut self, index: usize) -> Result<(), Stop> {
        let rec = self.journal.catch_up.increments[index].clone();
        let window = IncrementalWindow {
            from: parse_time("window start", &rec.from)?,
            to: parse_time("window end", &rec.to)?,
            old_images: false,
        };
        let prefix = format!(
            "{}/catch-up/{:04}",
            self.journal.export_prefix.trim_end_matches('/'),
            rec.number
        );
        let mut export = self.export_job(prefix.clone(), None)?;
        // The writer reads DynamoDB JSON; an Ion export would need the Ion reader's changes.
        export.format = ExportFormat::DynamodbJson;
        let cli = format!(
            "aws dynamodb export-table-to-point-in-time{} --table-arn {} --s3-bucket {} --s3-bucket-owner {} --s3-prefix {} --export-format DYNAMODB_JSON --export-type INCREMENTAL_EXPORT --incremental-export-specification ExportFromTime={},ExportToTime={},ExportViewType=NEW_IMAGE",
            export.cli_args,
            shell_quote(&export.table_arn),
            shell_quote(&export.bucket),
            export.bucket_owner,
            shell_quote(&prefix),
            rec.from,
            rec.to,
        );
        let job = IncrementJob {
            export,
            index,
            window,
        };
        self.events.send(Event::CatchUpWindow {
            number: rec.number,
            from: rec.from.clone(),
            to: rec.to.clone(),
            cutover: rec.cutover,
        });
        let info = match self.find_job(&job).await? {
            Some(info) => info,
            None => {
                let token = self.job_token(&job).unwrap_or_default();
                self.announce_call(
                    STEP,
                    "dynamodb:ExportTableToPointInTime",
                    format!("{cli} --client-token {token}"),
                    None,
                );
                self.start_job(&job, Some(token)).await?
            }
        };
        match self.watch_job(&job, info).await {
            Ok(_) => Ok(()),
            Err(stop) => {
                if let Stop::Failed(f) = &stop {
                    if f.kind == FailureKind::JobFailed {
                        // The window is exported again by a new increment on the next run.
                        self.journal.catch_up.increments[index].abandoned = true;
                        self.save()?;
                    }
                }
                Err(stop)
            }
        }
    }

    /// Reads the increment's manifests: its data files with their item counts.
    async fn list_increment_files(&mut self, index: usize) -> Result<(), Stop> {
        if !self.journal.catch_up.increments[index]
            .data_files
            .is_empty()
        {
            return Ok(());
        }
        let manifest_key = self.journal.catch_up.increments[index]
            .export
            .as_ref()
            .and_then(|e| e.detail.clone())
            .ok_or_else(journal_incomplete)?;
        let bucket = self.plan().destination.bucket.clone();
        let s3 = self.bucket_s3()?.clone();
        let bad = |e: String| {
            Stop::from(AwsFailure::new(
                "manifest-invalid",
                FailureKind::JobFailed,
                e,
                "the manifest files of an export are written last; a damaged one means the export folder was changed after AWS wrote it",
                "check the folder in the S3 console; the next `ddb-ferry catch-up` exports this window again once the increment is marked failed",
            ))
        };
        let summary = parse_summary(
            &s3.read_small(&bucket, &manifest_key, MAX_MANIFEST_BYTES as u64)
                .await?,
        )
        .map_err(|e| bad(format!("s3://{bucket}/{manifest_key}: {e}")))?;
        if !summary.is_incremental() {
            return Err(bad(format!(
                "s3://{bucket}/{manifest_key} is not an incremental export's manifest"
            )));
        }
        let files_key = summary.manifest_files_s3_key.clone();
        let entries = parse_files(
            &s3.read_small(&bucket, &files_key, MAX_MANIFEST_BYTES as u64)
                .await?,
        )
        .map_err(|e| bad(format!("s3://{bucket}/{files_key}: {e}")))?;
        let listed = s3
            .list(
                &bucket,
                &common_prefix(
                    &entries
                        .iter()
                        .map(|e| e.data_file_s3_key.as_str())
                        .collect::<Vec<_>>(),
                ),
            )
            .await?;
        let files = entries
            .iter()
            .map(|e| IncrementFile {
                key: e.data_file_s3_key.clone(),
                items: e.item_count,
                bytes: listed
                    .iter()
                    .find(|o| o.key == e.data_file_s3_key)
                    .map_or(0, |o| o.size),
            })
            .collect();
        self.journal.catch_up.increments[index].data_files = files;
        self.save()?;
        Ok(())
    }

    /// Applies increment `index`'s data files not yet applied, saving a checkpoint after each.
    async fn apply_increment(
        &mut self,
        index: usize,
        request: &CatchUpRequest,
    ) -> Result<(), Stop> {
        let dest = self.dest()?.clone();
        let spec = self
            .journal
            .table_spec
            .clone()
            .ok_or_else(journal_incomplete)?;
        let bucket = self.plan().destination.bucket.clone();
        let s3 = self.bucket_s3()?.clone();
        let rec = self.journal.catch_up.increments[index].clone();
        let key_names = spec.key_names();
        let target = WriteTarget {
            dynamo: dest.dynamo.clone(),
            table: spec.name.clone(),
            key_names,
            gsi_count: spec.gsis.len(),
        };
        let options = WriterOptions {
            on_conflict: OnConflict::Overwrite,
            max_wcu: request.max_wcu,
            in_flight: request.in_flight,
            failures_kept: FAILURES_KEPT,
        };
        let files: Vec<DataFile> = rec
            .data_files
            .iter()
            .map(|f| DataFile {
                bucket: bucket.clone(),
                key: f.key.clone(),
                size_bytes: f.bytes,
                item_count: Some(f.items),
            })
            .collect();
        let done: BTreeSet<String> = rec.files_done.iter().cloned().collect();
        let (items_total, bytes_total) = (rec.total_items(), rec.total_bytes());
        let (items_before, bytes_before) = (rec.applied.items, rec.applied.bytes);
        let started = Instant::now();
        let number = rec.number;
        let report = {
            let mut on_event = |event: WriterEvent| -> Result<(), AwsFailure> {
                match event {
                    WriterEvent::Progress {
                        items_applied,
                        bytes_applied,
                        retries,
                        throttled,
                    } => {
                        let secs = started.elapsed().as_secs_f64().max(0.001);
                        let rate = items_applied as f64 / secs;
                        let left = items_total.saturating_sub(items_before + items_applied);
                        self.events.send(Event::CatchUpProgress {
                            number,
                            items_applied: items_before + items_applied,
                            items_total,
                            bytes_applied: bytes_before + bytes_applied,
                            bytes_total,
                            items_per_sec: rate.round() as u64,
                            secs_left: (rate > 0.0).then(|| (left as f64 / rate).ceil() as u64),
                            retries,
                            throttled,
                        });
                        Ok(())
                    }
                    WriterEvent::FileApplied(file) => {
                        let inc = &mut self.journal.catch_up.increments[index];
                        inc.files_done.push(file.key.clone());
                        inc.applied.items += file.items;
                        inc.applied.puts += file.puts;
                        inc.applied.deletes += file.deletes;
                        inc.applied.failed += file.failed;
                        inc.applied.bytes += file.bytes;
                        self.save()
                            .map_err(crate::engine::migration::journal_write_failed)
                    }
                }
            };
            apply_files(
                &target,
                &options,
                &s3,
                &files,
                LineKind::Changes,
                &done,
                &mut on_event,
            )
            .await?
        };
        let inc = &mut self.journal.catch_up.increments[index];
        for f in report.failures {
            if inc.failures.len() < FAILURES_KEPT {
                inc.failures.push(FailedWrite {
                    key: f.key,
                    reason: f.reason,
                });
            }
        }
        inc.applied_at = Some(now_rfc3339());
        self.save()?;
        Ok(())
    }

    /// One increment: continues the unfinished one, else plans, exports and applies the next.
    pub(crate) async fn catch_up_round(
        &mut self,
        request: &CatchUpRequest,
    ) -> Result<RoundReport, Stop> {
        let index = match self.journal.catch_up.unfinished() {
            Some(i) => i,
            None => self.plan_increment(request).await?,
        };
        self.export_increment(index).await?;
        self.list_increment_files(index).await?;
        self.apply_increment(index, request).await?;
        self.take_destination_guard().await?;
        let rec = self.journal.catch_up.increments[index].clone();
        let to = parse_time("window end", &rec.to)?;
        // A fresh answer for the clock: the lag is read on AWS's.
        let _ = self
            .source()?
            .dynamo
            .pitr_status(&self.plan().source.table.clone())
            .await;
        let lag = lag(to, self.aws_now());
        self.events.send(Event::CatchUpApplied {
            number: rec.number,
            items: rec.applied.items,
            puts: rec.applied.puts,
            deletes: rec.applied.deletes,
            failed: rec.applied.failed,
            applied_until: rec.to.clone(),
            lag_secs: lag.as_secs(),
        });
        Ok(RoundReport {
            number: rec.number,
            from: rec.from,
            to: rec.to,
            items: rec.applied.items,
            failed: rec.applied.failed,
            lag,
        })
    }
}

/// The longest folder all `keys` share, to list their sizes in one go.
fn common_prefix(keys: &[&str]) -> String {
    let Some(first) = keys.first() else {
        return String::new();
    };
    let mut len = first.len();
    for k in &keys[1..] {
        len = first
            .bytes()
            .zip(k.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    match first[..len].rfind('/') {
        Some(i) => first[..=i].to_owned(),
        None => String::new(),
    }
}

/// The source's PITR no longer reaches back to where the next window starts.
fn pitr_gap(
    id: &str,
    table: &str,
    from: OffsetDateTime,
    earliest: Option<OffsetDateTime>,
) -> AwsFailure {
    let since = match earliest {
        Some(e) => format!("its earliest restorable time is {}", time_text(e)),
        None => "point-in-time recovery is off".to_owned(),
    };
    AwsFailure::new(
        "catch-up-pitr-gap",
        FailureKind::BadInput,
        format!(
            "the writes made to {table} since {} can no longer be exported: {since}",
            time_text(from)
        ),
        "incremental exports read the source's point-in-time recovery, which must cover the whole window; PITR was turned off (turning it on again starts a new window) or its retention passed",
        format!("catch-up of {id} cannot continue: move the table again (`ddb-ferry run --new PLAN` with `options.catch_up: true`, which keeps PITR on until the cutover)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_is_a_folder() {
        assert_eq!(
            common_prefix(&[
                "p/AWSDynamoDB/data/abc.json.gz",
                "p/AWSDynamoDB/data/abd.json.gz"
            ]),
            "p/AWSDynamoDB/data/"
        );
        assert_eq!(common_prefix(&["a/x", "b/y"]), "");
        assert_eq!(common_prefix(&[]), "");
    }

    #[test]
    fn the_gap_says_why_and_what_next() {
        let f = pitr_gap(
            "m-1",
            "orders",
            time::macros::datetime!(2026-12-02 08:00 UTC),
            None,
        );
        assert_eq!(f.code, "catch-up-pitr-gap");
        assert!(
            f.what.contains("point-in-time recovery is off"),
            "{}",
            f.what
        );
        assert!(f.next.contains("options.catch_up"));
    }
}
