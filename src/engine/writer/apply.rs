//! The pipeline that applies data files to a table: read, batch, write, retry, report.
//!
//! Each file is read streaming on a blocking thread (gunzipped when it ends in `.gz`), line by
//! line, and its parsed lines cross a bounded channel, so memory stays bounded however large
//! the export is. Lines become batches (`logic::write_batch`), batches become calls, and up to
//! `in_flight` calls run at once. A call's unprocessed items and throttled calls are sent
//! again with backoff until DynamoDB takes them: nothing is dropped and there is no try limit,
//! so only the caller (an `Err` from its callback) or a failure that trying again cannot cure
//! ends a run early. A batch DynamoDB refuses is split in halves until the item at fault is
//! alone; that item is counted as failed and the others are written. Two calls never hold the
//! same key at once, so the writes of one key reach the table in the order of the lines even
//! when an earlier call is still being retried. A file is reported applied only once every
//! write of it ended, which is what makes the caller's per-file checkpoint safe.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use flate2::read::MultiGzDecoder;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::writes::TableWrites;
use super::{
    Backoff, DataFile, FileApplied, OnConflict, WriteFailure, WriteRate, WriteReport, WriteTarget,
    WriterEvent, WriterOptions,
};
use crate::aws::attr::item_difference;
use crate::aws::dynamodb_write::ConditionalPut;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::s3::S3;
use crate::logic::changes::{parse_change_line, Change, LineError, LineKind, WriteOp};
use crate::logic::write_batch::{key_attributes, key_of, write_units, BatchBuilder};

/// Parsed lines waiting between the reading thread and the writer.
const LINES_AHEAD: usize = 128;

/// Longest line read; DynamoDB's largest item (400 KB) is far shorter even as JSON.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Tries of a call that failed for a passing reason other than throttling (a network error,
/// an internal error of AWS), after which the run ends with that failure.
const TRANSIENT_TRIES: u32 = 5;

/// Least time between two `Progress` events.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// Applies `files` of `kind` to `target`, skipping those in `already_done`, and reports each
/// file applied to `on_event` as it ends. Returns the run's totals; an `Err` when a failure
/// ends the run (a non-retryable AWS failure, an unreadable file, or an `Err` of `on_event`,
/// which is returned as it is). With `StopAtConflict`, a conflict ends the run with `Ok` and
/// `stopped_at_conflict` set, after the writes in flight ended; its file is not reported.
pub async fn apply_files(
    target: &WriteTarget,
    options: &WriterOptions,
    s3: &S3,
    files: &[DataFile],
    kind: LineKind,
    already_done: &BTreeSet<String>,
    on_event: &mut (dyn FnMut(WriterEvent) -> Result<(), AwsFailure> + Send),
) -> Result<WriteReport, AwsFailure> {
    if !(1..=2).contains(&target.key_names.len()) {
        // Without its key every item would look like one and the same write.
        return Err(AwsFailure::new(
            "internal-order",
            FailureKind::BadInput,
            format!(
                "the writer was given {} key names for table {}; a table has a partition key and at most one sort key",
                target.key_names.len(),
                target.table
            ),
            "this is a bug in ddb-ferry",
            "report it with the command that ran",
        ));
    }
    let shared = Shared::new(
        target.dynamo.clone(),
        &target.table,
        &target.key_names,
        target.gsi_count,
        options,
    );
    let mut open =
        |file: &DataFile, read_bytes: Arc<AtomicU64>| start_reading(s3, file, kind, read_bytes);
    apply_with(shared, options, files, already_done, on_event, &mut open).await
}

/// Opens a data file: its lines arrive on the channel, its bytes read are counted.
pub(super) type OpenFile<'a> =
    dyn FnMut(&DataFile, Arc<AtomicU64>) -> mpsc::Receiver<FileLine> + Send + 'a;

/// [`apply_files`] over any table writes and any source of lines.
pub(super) async fn apply_with<W: TableWrites>(
    shared: Shared<W>,
    options: &WriterOptions,
    files: &[DataFile],
    already_done: &BTreeSet<String>,
    on_event: &mut (dyn FnMut(WriterEvent) -> Result<(), AwsFailure> + Send),
    open: &mut OpenFile<'_>,
) -> Result<WriteReport, AwsFailure> {
    let shared = Arc::new(shared);
    let mut run = Run {
        shared,
        options,
        on_event,
        report: WriteReport::default(),
        tasks: JoinSet::new(),
        keys_in_flight: HashMap::new(),
        file: FileApplied::default(),
        bytes_before: 0,
        reading: Arc::new(AtomicU64::new(0)),
        last_progress: Instant::now(),
    };
    for file in files.iter().filter(|f| !already_done.contains(&f.key)) {
        let reading = Arc::new(AtomicU64::new(0));
        let lines = open(file, reading.clone());
        if !run.apply_file(file, lines, reading).await? {
            break;
        }
    }
    run.report.retries = run.shared.retries.load(Ordering::Relaxed);
    run.report.throttled = run.shared.throttled.load(Ordering::Relaxed);
    Ok(run.report)
}

/// What every call of a run shares.
pub(super) struct Shared<W> {
    writes: W,
    table: String,
    key_names: Vec<String>,
    gsi_count: usize,
    on_conflict: OnConflict,
    rate: Option<WriteRate>,
    retries: AtomicU64,
    throttled: AtomicU64,
}

impl<W: TableWrites> Shared<W> {
    pub(super) fn new(
        writes: W,
        table: &str,
        key_names: &[String],
        gsi_count: usize,
        options: &WriterOptions,
    ) -> Self {
        Self {
            writes,
            table: table.to_owned(),
            key_names: key_names.to_vec(),
            gsi_count,
            on_conflict: options.on_conflict,
            rate: options.max_wcu.map(WriteRate::new),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }
    }

    /// Waits for the capacity `ops` will consume on the table and its indexes.
    async fn take_capacity(&self, ops: &[WriteOp]) {
        if let Some(rate) = &self.rate {
            let per_write = 1 + self.gsi_count as u64;
            let units: u64 = ops.iter().map(|op| u64::from(write_units(op))).sum();
            rate.acquire(units * per_write).await;
        }
    }

    fn count_retry(&self, throttled: bool) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        if throttled {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One call's worth of writes.
enum Work {
    /// Puts and deletes in one BatchWriteItem.
    Batch(Vec<WriteOp>),
    /// One put that must not overwrite another item.
    Conditional(Map<String, Value>),
}

/// What a call's writes ended as.
#[derive(Default)]
struct Done {
    keys: Vec<String>,
    puts: u64,
    deletes: u64,
    skipped: u64,
    failures: Vec<WriteFailure>,
    conflict: Option<WriteFailure>,
}

impl Done {
    fn count_written(&mut self, op: &WriteOp) {
        match op {
            WriteOp::Put(_) => self.puts += 1,
            WriteOp::Delete(_) => self.deletes += 1,
        }
    }
}

/// A run in progress: its totals, its calls in flight and the file being applied.
struct Run<'a, W> {
    shared: Arc<Shared<W>>,
    options: &'a WriterOptions,
    on_event: &'a mut (dyn FnMut(WriterEvent) -> Result<(), AwsFailure> + Send),
    report: WriteReport,
    tasks: JoinSet<Result<Done, AwsFailure>>,
    /// Key identities held by calls in flight.
    keys_in_flight: HashMap<String, usize>,
    file: FileApplied,
    /// Bytes of the files applied before the current one.
    bytes_before: u64,
    /// Bytes of the current file read so far (updated by the reading thread).
    reading: Arc<AtomicU64>,
    last_progress: Instant,
}

impl<W: TableWrites> Run<'_, W> {
    /// Applies one file, whose lines come from `lines`; false when the run stopped at a
    /// conflict.
    async fn apply_file(
        &mut self,
        file: &DataFile,
        mut lines: mpsc::Receiver<FileLine>,
        reading: Arc<AtomicU64>,
    ) -> Result<bool, AwsFailure> {
        self.file = FileApplied {
            key: file.key.clone(),
            ..FileApplied::default()
        };
        self.reading = reading;
        let mut builder = BatchBuilder::new(self.shared.key_names.clone());
        let mut ended = false;
        while self.report.stopped_at_conflict.is_none() {
            let Some(line) = lines.recv().await else {
                break;
            };
            match line {
                FileLine::Line { number, parsed } => {
                    self.file.items += 1;
                    self.report.items += 1;
                    match parsed {
                        Ok(change) => {
                            let pushed = builder.push(change);
                            if let Some(superseded) = pushed.superseded {
                                let mut done = Done::default();
                                done.count_written(&superseded.op);
                                self.absorb(done)?;
                            }
                            if let Some(batch) = pushed.full {
                                self.dispatch(batch).await?;
                            }
                        }
                        Err(e) => self.absorb(Done {
                            failures: vec![unreadable_line(file, number, &e)],
                            ..Done::default()
                        })?,
                    }
                }
                FileLine::End => {
                    ended = true;
                    break;
                }
                FileLine::Failed(detail) => return Err(file_unreadable(file, &detail)),
            }
            while let Some(joined) = self.tasks.try_join_next() {
                self.absorb(joined.map_err(task_failed)??)?;
            }
            self.progress(false)?;
        }
        let stopped = self.report.stopped_at_conflict.is_some();
        if !stopped && !ended {
            return Err(file_unreadable(file, "the reading thread stopped early"));
        }
        if !stopped {
            if let Some(batch) = builder.finish() {
                self.dispatch(batch).await?;
            }
        }
        drop(lines);
        while !self.tasks.is_empty() {
            self.finish_one().await?;
        }
        let bytes = self.reading.load(Ordering::Relaxed);
        self.bytes_before += bytes;
        self.reading = Arc::new(AtomicU64::new(0));
        self.progress(true)?;
        if self.report.stopped_at_conflict.is_some() {
            return Ok(false);
        }
        self.file.bytes = bytes;
        (self.on_event)(WriterEvent::FileApplied(self.file.clone()))?;
        Ok(true)
    }

    /// Sends a full batch: one BatchWriteItem, or with a conflict rule one conditional put
    /// per put and one BatchWriteItem for the deletes.
    async fn dispatch(&mut self, batch: Vec<Change>) -> Result<(), AwsFailure> {
        let ops: Vec<WriteOp> = batch.into_iter().map(|c| c.op).collect();
        if self.shared.on_conflict == OnConflict::Overwrite {
            return self.send(Work::Batch(ops)).await;
        }
        let (deletes, puts): (Vec<WriteOp>, Vec<WriteOp>) =
            ops.into_iter().partition(WriteOp::is_delete);
        for put in puts {
            if let WriteOp::Put(item) = put {
                self.send(Work::Conditional(item)).await?;
            }
        }
        if !deletes.is_empty() {
            self.send(Work::Batch(deletes)).await?;
        }
        Ok(())
    }

    /// Starts one call once none in flight holds its keys and a slot is free.
    async fn send(&mut self, work: Work) -> Result<(), AwsFailure> {
        let key_names = &self.shared.key_names;
        let keys: Vec<String> = match &work {
            Work::Batch(ops) => ops
                .iter()
                .filter_map(|op| key_of(op.attributes(), key_names))
                .collect(),
            Work::Conditional(item) => key_of(item, key_names).into_iter().collect(),
        };
        while keys.iter().any(|k| self.keys_in_flight.contains_key(k)) {
            self.finish_one().await?;
        }
        while self.tasks.len() >= self.options.in_flight.max(1) {
            self.finish_one().await?;
        }
        if self.report.stopped_at_conflict.is_some() {
            return Ok(());
        }
        for key in &keys {
            *self.keys_in_flight.entry(key.clone()).or_default() += 1;
        }
        let shared = self.shared.clone();
        self.tasks.spawn(async move {
            let mut done = Done {
                keys,
                ..Done::default()
            };
            match work {
                Work::Batch(ops) => write_batch(&shared, ops, &mut done).await?,
                Work::Conditional(item) => put_unless_other(&shared, item, &mut done).await?,
            }
            Ok(done)
        });
        Ok(())
    }

    /// Waits for one call in flight to end and counts what it did.
    async fn finish_one(&mut self) -> Result<(), AwsFailure> {
        match self.tasks.join_next().await {
            Some(joined) => self.absorb(joined.map_err(task_failed)??),
            None => {
                self.keys_in_flight.clear();
                Ok(())
            }
        }
    }

    /// Adds what a call did to the file's and the run's totals.
    fn absorb(&mut self, done: Done) -> Result<(), AwsFailure> {
        for key in &done.keys {
            if let Some(count) = self.keys_in_flight.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    self.keys_in_flight.remove(key);
                }
            }
        }
        let failed = done.failures.len() as u64;
        self.file.puts += done.puts;
        self.report.puts += done.puts;
        self.file.deletes += done.deletes;
        self.report.deletes += done.deletes;
        self.file.skipped_existing += done.skipped;
        self.report.skipped_existing += done.skipped;
        self.file.failed += failed;
        self.report.failed += failed;
        for failure in done.failures {
            if self.report.failures.len() < self.options.failures_kept {
                self.report.failures.push(failure);
            }
        }
        if self.report.stopped_at_conflict.is_none() {
            self.report.stopped_at_conflict = done.conflict;
        }
        self.progress(false)
    }

    /// Tells the caller the totals, at most every `PROGRESS_EVERY` unless `now`.
    fn progress(&mut self, now: bool) -> Result<(), AwsFailure> {
        if !now && self.last_progress.elapsed() < PROGRESS_EVERY {
            return Ok(());
        }
        self.last_progress = Instant::now();
        let r = &self.report;
        (self.on_event)(WriterEvent::Progress {
            items_applied: r.puts + r.deletes + r.skipped_existing + r.failed,
            bytes_applied: self.bytes_before + self.reading.load(Ordering::Relaxed),
            retries: self.shared.retries.load(Ordering::Relaxed),
            throttled: self.shared.throttled.load(Ordering::Relaxed),
        })
    }
}

/// Writes `ops` with BatchWriteItem until each is written or found at fault.
async fn write_batch<W: TableWrites>(
    shared: &Shared<W>,
    ops: Vec<WriteOp>,
    done: &mut Done,
) -> Result<(), AwsFailure> {
    // Groups still to write; a refused group comes back as its two halves.
    let mut groups = vec![ops];
    while let Some(mut pending) = groups.pop() {
        let mut backoff = Backoff::new();
        let mut transient = 0;
        while !pending.is_empty() {
            shared.take_capacity(&pending).await;
            match shared.writes.batch_write(&shared.table, &pending).await {
                Ok(written) => {
                    let mut left = Vec::with_capacity(written.unprocessed.len());
                    for (i, op) in std::mem::take(&mut pending).into_iter().enumerate() {
                        if written.unprocessed.contains(&i) {
                            left.push(op);
                        } else {
                            done.count_written(&op);
                        }
                    }
                    pending = left;
                    if !pending.is_empty() {
                        shared.count_retry(false);
                        backoff.wait().await;
                    }
                }
                Err(f) if f.code == "write-throttled" => {
                    shared.count_retry(true);
                    backoff.wait().await;
                }
                Err(f) if f.code == "write-refused" => {
                    if pending.len() == 1 {
                        done.failures
                            .push(refused(pending[0].attributes(), &shared.key_names, &f));
                        pending.clear();
                    } else {
                        let second = pending.split_off(pending.len() / 2);
                        groups.push(second);
                        groups.push(std::mem::take(&mut pending));
                    }
                }
                Err(f) if f.retryable && transient < TRANSIENT_TRIES => {
                    transient += 1;
                    shared.count_retry(false);
                    backoff.wait().await;
                }
                Err(f) => return Err(f),
            }
        }
    }
    Ok(())
}

/// Puts `item` unless another item has its key; one call per item, so slower than batches.
async fn put_unless_other<W: TableWrites>(
    shared: &Shared<W>,
    item: Map<String, Value>,
    done: &mut Done,
) -> Result<(), AwsFailure> {
    let op = WriteOp::Put(item);
    let item = op.attributes();
    let mut backoff = Backoff::new();
    let mut transient = 0;
    loop {
        shared.take_capacity(std::slice::from_ref(&op)).await;
        match shared
            .writes
            .put_item_unless_other(&shared.table, item, &shared.key_names)
            .await
        {
            Ok(ConditionalPut::Written | ConditionalPut::SameAlready) => {
                done.puts += 1;
                return Ok(());
            }
            Ok(ConditionalPut::Conflict { existing }) => {
                if shared.on_conflict == OnConflict::SkipExisting {
                    done.skipped += 1;
                } else {
                    done.conflict = Some(conflict(&existing, item, &shared.key_names));
                }
                return Ok(());
            }
            Err(f) if f.code == "write-throttled" => {
                shared.count_retry(true);
                backoff.wait().await;
            }
            Err(f) if f.code == "write-refused" => {
                done.failures.push(refused(item, &shared.key_names, &f));
                return Ok(());
            }
            Err(f) if f.retryable && transient < TRANSIENT_TRIES => {
                transient += 1;
                shared.count_retry(false);
                backoff.wait().await;
            }
            Err(f) => return Err(f),
        }
    }
}

fn refused(item: &Map<String, Value>, key_names: &[String], f: &AwsFailure) -> WriteFailure {
    WriteFailure {
        key: key_attributes(item, key_names),
        reason: f.what.clone(),
        aws_code: f.aws_code.clone(),
    }
}

fn conflict(
    existing: &Map<String, Value>,
    ours: &Map<String, Value>,
    key_names: &[String],
) -> WriteFailure {
    let difference = item_difference(existing, ours, "")
        .map_or_else(String::new, |d| format!(" (first difference: {d})"));
    WriteFailure {
        key: key_attributes(ours, key_names),
        reason: format!(
            "the table already holds another item with this key{difference}; it was left as it is"
        ),
        aws_code: Some("ConditionalCheckFailedException".into()),
    }
}

fn unreadable_line(file: &DataFile, number: u64, e: &LineError) -> WriteFailure {
    WriteFailure {
        key: Map::new(),
        reason: format!(
            "s3://{}/{}, line {number}: {} ({})",
            file.bucket, file.key, e.message, e.kind
        ),
        aws_code: None,
    }
}

fn file_unreadable(file: &DataFile, detail: &str) -> AwsFailure {
    AwsFailure::new(
        "data-file-unreadable",
        FailureKind::AwsRefused,
        format!("s3://{}/{} could not be read to its end: {detail}", file.bucket, file.key),
        "the object was deleted or its permissions changed during the run, the network broke for longer than the download's retries, or a .gz file is cut short or not gzip",
        format!("check the object (`aws s3api head-object --bucket {} --key {}`) and run the same command again: the files already applied are skipped", file.bucket, file.key),
    )
}

fn task_failed(e: tokio::task::JoinError) -> AwsFailure {
    AwsFailure::new(
        "internal-order",
        FailureKind::BadInput,
        format!("a write task ended abnormally: {e}"),
        "this is a bug in ddb-ferry",
        "run the same command again: the files already applied are skipped",
    )
}

/// What the reading thread hands over.
pub(super) enum FileLine {
    Line {
        /// 1-based, counting blank lines.
        number: u64,
        parsed: Result<Change, LineError>,
    },
    /// The file was read to its end.
    End,
    Failed(String),
}

/// Starts reading `file` on a blocking thread; its lines arrive on the channel returned.
fn start_reading(
    s3: &S3,
    file: &DataFile,
    kind: LineKind,
    read_bytes: Arc<AtomicU64>,
) -> mpsc::Receiver<FileLine> {
    let (tx, rx) = mpsc::channel(LINES_AHEAD);
    let object = s3.object_reader(&tokio::runtime::Handle::current(), &file.bucket, &file.key);
    let counted = Counted {
        inner: object,
        count: read_bytes,
    };
    let gzipped = file.key.ends_with(".gz");
    tokio::task::spawn_blocking(move || {
        // Built on the thread: a gzip decoder reads its header at once, and reads block.
        let source: Box<dyn Read + Send> = if gzipped {
            Box::new(MultiGzDecoder::new(counted))
        } else {
            Box::new(counted)
        };
        read_lines(source, kind, &tx)
    });
    rx
}

fn read_lines(source: Box<dyn Read + Send>, kind: LineKind, tx: &mpsc::Sender<FileLine>) {
    let mut reader = BufReader::with_capacity(256 * 1024, source);
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        let read = match read_line_bounded(&mut reader, &mut line, MAX_LINE_BYTES) {
            Ok(Some(whole)) => whole,
            Ok(None) => {
                let _ = tx.blocking_send(FileLine::End);
                return;
            }
            Err(e) => {
                let _ = tx.blocking_send(FileLine::Failed(e.to_string()));
                return;
            }
        };
        number += 1;
        let parsed = if !read {
            Err(LineError::new(
                "line-too-long",
                format!("the line is longer than {MAX_LINE_BYTES} bytes, far more than an item of DynamoDB can be"),
            ))
        } else {
            match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => parse_change_line(text.trim_end_matches('\r'), kind),
                Err(e) => Err(LineError::new(
                    "not-json",
                    format!("the line is not UTF-8 text ({e}), so it is not JSON"),
                )),
            }
        };
        if tx.blocking_send(FileLine::Line { number, parsed }).is_err() {
            return; // The writer stopped.
        }
    }
}

/// Reads one line without its newline into `line`. `Ok(None)` at the end of the input;
/// `Ok(Some(false))` when the line was longer than `max` (then `line` is empty and the rest
/// of the line skipped), so one huge line costs no more memory than `max`.
fn read_line_bounded(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    line.clear();
    let mut seen = false;
    let mut too_long = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(seen.then_some(!too_long));
        }
        seen = true;
        let (part, used, complete) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        if !too_long {
            if line.len() + part.len() > max {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(part);
            }
        }
        reader.consume(used);
        if complete {
            return Ok(Some(!too_long));
        }
    }
}

/// Counts the bytes read from the object, as stored (before gunzipping).
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(input: &[u8], max: usize) -> Vec<Option<String>> {
        let mut reader = BufReader::with_capacity(4, input);
        let mut line = Vec::new();
        let mut out = Vec::new();
        while let Some(whole) = read_line_bounded(&mut reader, &mut line, max).unwrap() {
            out.push(whole.then(|| String::from_utf8(line.clone()).unwrap()));
        }
        out
    }

    #[test]
    fn lines_are_read_whole_across_buffer_ends() {
        assert_eq!(
            lines_of(b"first line\nsecond\n\nlast without newline", 100),
            [
                Some("first line".to_owned()),
                Some("second".to_owned()),
                Some(String::new()),
                Some("last without newline".to_owned())
            ]
        );
        assert!(lines_of(b"", 100).is_empty());
        assert_eq!(lines_of(b"x\n", 100), [Some("x".to_owned())]);
    }

    #[test]
    fn a_line_too_long_is_skipped_to_its_end() {
        assert_eq!(
            lines_of(b"short\nthis one is far too long\nok", 10),
            [Some("short".to_owned()), None, Some("ok".to_owned())]
        );
    }

    #[test]
    fn gzip_members_are_read_one_after_the_other() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut data = Vec::new();
        for part in ["a\nb\n", "c\n"] {
            let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(part.as_bytes()).unwrap();
            data.extend(gz.finish().unwrap());
        }
        let mut reader = BufReader::new(MultiGzDecoder::new(&data[..]));
        let mut line = Vec::new();
        let mut got = Vec::new();
        while read_line_bounded(&mut reader, &mut line, 100)
            .unwrap()
            .is_some()
        {
            got.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(got, ["a", "b", "c"]);
    }
}
