//! Decompressing and checking data files on a bounded pool of threads.
//!
//! Each worker owns at most one file at a time: it inflates the file into blocks of whole
//! lines and checks each block itself while data is hot in its cache. When another worker
//! is idle (fewer files than threads, or the last file of an export), the block goes to a
//! shared queue instead, so one file still keeps every core busy: one thread inflates,
//! the others check. Memory is bounded by the threads × (block + longest line) and the
//! queue's byte budget, whatever the size of the export.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{excerpt, scan_line, sniff_format};
use crate::logic::items::KeyProblem;
use crate::logic::items::LineError;
use crate::logic::layout::{Compression, DataFormat};
use crate::logic::watch::{CheckSpec, GsiProblem, Watch};

/// Longest line accepted. DynamoDB items are at most 400 KB; their JSON, with escapes, stays
/// well under this, so a longer line is not an item (and is skipped without being held).
pub const MAX_LINE: usize = 8 * 1024 * 1024;

/// Distinct key problems kept apart; more (many spellings of one name) share one tally.
const MAX_TALLIES: usize = 64;

/// One data file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub key: String,
    /// Size as stored (compressed), from the listing.
    pub size: u64,
    /// `None`: decided from the first bytes of the content.
    pub format: Option<DataFormat>,
    pub compression: Compression,
    /// The item count `manifest-files.json` gives for it.
    pub manifest_items: Option<u64>,
}

/// How to run a check.
#[derive(Clone)]
pub struct CheckOptions {
    pub threads: usize,
    /// Examples kept (and shown) per kind of problem.
    pub show: usize,
    /// Stop after this many items (a sample); files are then read in order on one thread.
    pub max_items: Option<u64>,
    /// Decompressed bytes per block of lines.
    pub block_size: usize,
    /// Bytes of blocks waiting for a free thread.
    pub queue_budget: usize,
    /// Set to stop early (the wizard's cancel).
    pub cancel: Arc<AtomicBool>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            show: 10,
            max_items: None,
            block_size: 512 * 1024,
            queue_budget: 8 * 1024 * 1024,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// How far a check has come, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CheckProgress {
    /// Stored (compressed) bytes read so far, and in all.
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub items: u64,
    pub files_done: usize,
    pub files_total: usize,
    pub elapsed: Duration,
}

impl CheckProgress {
    /// Bytes per second so far.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.bytes_read as f64 / secs
        } else {
            0.0
        }
    }

    /// Seconds left at the rate so far.
    pub fn eta_secs(&self) -> Option<u64> {
        let rate = self.rate();
        (rate > 0.0 && self.bytes_total >= self.bytes_read)
            .then(|| ((self.bytes_total - self.bytes_read) as f64 / rate).ceil() as u64)
    }

    /// Done of the total, 0.0 to 1.0.
    pub fn fraction(&self) -> f64 {
        if self.bytes_total > 0 {
            (self.bytes_read as f64 / self.bytes_total as f64).min(1.0)
        } else {
            1.0
        }
    }

    /// "1.2 GB of 3.4 GB (35%), 410.0 MB/s, 7 items, 6 s left".
    pub fn describe(&self) -> String {
        use crate::logic::units::human_bytes;
        format!(
            "{} of {} ({:.0}%), {}/s, {} items, {}",
            human_bytes(self.bytes_read),
            human_bytes(self.bytes_total),
            self.fraction() * 100.0,
            human_bytes(self.rate() as u64),
            self.items,
            match self.eta_secs() {
                Some(s) => format!("{s} s left"),
                None => "estimating".to_owned(),
            }
        )
    }
}

/// A line that shows a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    pub file: String,
    pub line: u64,
    pub excerpt: String,
    /// What is wrong with it (for unreadable lines; empty for key problems).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// One kind of problem: how many lines have it and the first few.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally<P> {
    pub problem: P,
    pub count: u64,
    pub examples: Vec<Example>,
}

/// One file's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileResult {
    pub key: String,
    pub size: u64,
    pub format: &'static str,
    pub compression: &'static str,
    pub lines: u64,
    pub items: u64,
    pub bad_lines: u64,
    pub uncompressed_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_items: Option<u64>,
    /// The file could not be read to its end (damaged or cut-short compression, a failed
    /// download); the counts stop there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Not read (the check stopped first).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

impl FileResult {
    pub fn is_empty(&self) -> bool {
        self.error.is_none() && !self.skipped && self.lines == 0
    }
}

/// What the data says, over every file checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DataCheck {
    pub files: Vec<FileResult>,
    pub items: u64,
    pub lines: u64,
    pub bytes_read: u64,
    pub uncompressed_bytes: u64,
    pub elapsed: Duration,
    pub threads: usize,
    /// True when `max_items` or a cancel ended it before the end of the data.
    pub stopped_early: bool,
    pub unreadable_lines: Tally<()>,
    pub key_problems: Vec<Tally<KeyProblem>>,
    pub gsi_problems: Vec<Tally<GsiProblem>>,
    /// Key problems beyond [`MAX_TALLIES`] distinct ones, counted here.
    pub other_key_problems: u64,
}

impl DataCheck {
    /// Items with at least one key problem can be fewer than the sum of the tallies (an
    /// item can miss two keys); this is the number of problems.
    pub fn key_problem_count(&self) -> u64 {
        self.key_problems.iter().map(|t| t.count).sum::<u64>() + self.other_key_problems
    }

    pub fn gsi_problem_count(&self) -> u64 {
        self.gsi_problems.iter().map(|t| t.count).sum()
    }

    pub fn file_errors(&self) -> impl Iterator<Item = &FileResult> {
        self.files.iter().filter(|f| f.error.is_some())
    }
}

/// Opens a data file's stored bytes.
pub type Opener<'a> = dyn Fn(&InputFile) -> io::Result<Box<dyn Read + Send>> + Sync + 'a;

/// Checks every line of `files` against `spec`. Blocks the calling thread; `progress` is
/// called from worker threads at most ten times a second and once at the end.
pub fn run_check(
    files: &[InputFile],
    spec: &CheckSpec,
    options: &CheckOptions,
    open: &Opener,
    progress: &(dyn Fn(&CheckProgress) + Sync),
) -> DataCheck {
    let started = Instant::now();
    let threads = if options.max_items.is_some() {
        1
    } else {
        options.threads.clamp(1, 64)
    };
    let watch = Watch::new(spec);
    let shared = Shared {
        state: Mutex::new(State {
            next_file: 0,
            queue: VecDeque::new(),
            queued_bytes: 0,
            idle: 0,
            inflating: 0,
            stop: false,
            agg: Aggregator::new(files, options.show),
        }),
        wake: Condvar::new(),
        pool: Mutex::new(Vec::new()),
        pool_max: threads * 2 + 2,
        buffer_size: options.block_size.max(1) * 2,
        bytes_read: AtomicU64::new(0),
        last_progress_ms: AtomicU64::new(0),
        started,
    };
    let ctx = Ctx {
        files,
        options,
        watch: &watch,
        open,
        progress,
        shared: &shared,
        bytes_total: files.iter().map(|f| f.size).sum(),
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| worker(&ctx));
        }
        worker(&ctx);
    });
    let bytes_total = ctx.bytes_total;
    let state = shared
        .state
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let bytes_read = shared.bytes_read.load(Ordering::Relaxed);
    let result = state.agg.finish(
        bytes_read,
        started.elapsed(),
        threads,
        state.stop || state.next_file < files.len(),
    );
    progress(&CheckProgress {
        bytes_read,
        bytes_total,
        items: result.items,
        files_done: result.files.iter().filter(|f| !f.skipped).count(),
        files_total: files.len(),
        elapsed: result.elapsed,
    });
    result
}

struct Ctx<'a> {
    files: &'a [InputFile],
    options: &'a CheckOptions,
    watch: &'a Watch,
    open: &'a Opener<'a>,
    progress: &'a (dyn Fn(&CheckProgress) + Sync),
    shared: &'a Shared,
    bytes_total: u64,
}

struct Shared {
    state: Mutex<State>,
    /// Block buffers to reuse, so that blocks cost no allocation or zeroing.
    pool: Mutex<Vec<Vec<u8>>>,
    pool_max: usize,
    buffer_size: usize,
    wake: Condvar,
    bytes_read: AtomicU64,
    last_progress_ms: AtomicU64,
    started: Instant,
}

struct State {
    next_file: usize,
    queue: VecDeque<Block>,
    queued_bytes: usize,
    idle: usize,
    inflating: usize,
    stop: bool,
    agg: Aggregator,
}

/// Whole lines of one file: `data[..len]`.
struct Block {
    file: usize,
    seq: u64,
    format: DataFormat,
    data: Vec<u8>,
    len: usize,
    /// The block is one line longer than [`MAX_LINE`], cut to its start.
    too_long: bool,
}

enum Job {
    Open(usize),
    InflateOwn,
    Check(Block),
}

impl Shared {
    fn buffer(&self) -> Vec<u8> {
        self.pool
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default()
    }

    fn recycle(&self, buffer: Vec<u8>) {
        // Buffers grown for a long line go back to the allocator.
        if buffer.len() > self.buffer_size || buffer.is_empty() {
            return;
        }
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < self.pool_max {
                pool.push(buffer);
            }
        }
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn worker(ctx: &Ctx) {
    let shared = ctx.shared;
    let mut own: Option<FileReader> = None;
    let mut checker = BlockChecker::new(ctx.watch, ctx.options.show);
    loop {
        let job = {
            let mut s = lock(shared);
            loop {
                if ctx.options.cancel.load(Ordering::Relaxed) {
                    s.stop = true;
                }
                if s.stop {
                    if own.take().is_some() {
                        s.inflating -= 1;
                    }
                    shared.wake.notify_all();
                    return;
                }
                if own.is_some() {
                    if s.queued_bytes >= ctx.options.queue_budget {
                        if let Some(block) = s.queue.pop_front() {
                            s.queued_bytes -= block.len;
                            break Job::Check(block);
                        }
                    }
                    break Job::InflateOwn;
                }
                if let Some(block) = s.queue.pop_front() {
                    s.queued_bytes -= block.len;
                    break Job::Check(block);
                }
                if s.next_file < ctx.files.len() {
                    let index = s.next_file;
                    s.next_file += 1;
                    s.inflating += 1;
                    break Job::Open(index);
                }
                if s.inflating == 0 {
                    shared.wake.notify_all();
                    return;
                }
                s.idle += 1;
                s = shared
                    .wake
                    .wait(s)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                s.idle -= 1;
            }
        };
        match job {
            Job::Open(index) => {
                let file = &ctx.files[index];
                match (ctx.open)(file) {
                    Ok(reader) => own = Some(FileReader::new(index, file, reader, ctx)),
                    Err(e) => {
                        let mut s = lock(shared);
                        s.agg.file_ended(index, 0, Some(read_error(file, &e)));
                        s.inflating -= 1;
                        shared.wake.notify_all();
                    }
                }
            }
            Job::InflateOwn => {
                let Some(reader) = own.as_mut() else { continue };
                match reader.next_block(ctx.options.block_size) {
                    Some(block) => {
                        let mut s = lock(shared);
                        if s.idle > 0 {
                            s.queued_bytes += block.len;
                            s.queue.push_back(block);
                            shared.wake.notify_one();
                        } else {
                            drop(s);
                            check_block(ctx, &mut checker, block);
                        }
                    }
                    None => {
                        let (index, blocks, error) = reader.end();
                        own = None;
                        let mut s = lock(shared);
                        s.agg.file_ended(index, blocks, error);
                        s.inflating -= 1;
                        shared.wake.notify_all();
                    }
                }
            }
            Job::Check(block) => check_block(ctx, &mut checker, block),
        }
        report_progress(ctx);
    }
}

fn check_block(ctx: &Ctx, checker: &mut BlockChecker, block: Block) {
    let remaining = match ctx.options.max_items {
        Some(max) => {
            let s = lock(ctx.shared);
            max.saturating_sub(s.agg.items)
        }
        None => u64::MAX,
    };
    let result = checker.check(&block, remaining);
    ctx.shared.recycle(block.data);
    let mut s = lock(ctx.shared);
    s.agg.merge(result);
    if ctx.options.max_items.is_some_and(|max| s.agg.items >= max) {
        s.stop = true;
    }
    ctx.shared.wake.notify_all();
}

fn report_progress(ctx: &Ctx) {
    let shared = ctx.shared;
    let now_ms = shared.started.elapsed().as_millis() as u64;
    let last = shared.last_progress_ms.load(Ordering::Relaxed);
    if now_ms < last + 100 {
        return;
    }
    if shared
        .last_progress_ms
        .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
        .is_err()
    {
        return;
    }
    let (items, files_done) = {
        let s = lock(shared);
        (s.agg.items, s.agg.files_done)
    };
    (ctx.progress)(&CheckProgress {
        bytes_read: shared.bytes_read.load(Ordering::Relaxed),
        bytes_total: ctx.bytes_total,
        items,
        files_done,
        files_total: ctx.files.len(),
        elapsed: shared.started.elapsed(),
    });
}

fn read_error(file: &InputFile, e: &io::Error) -> String {
    let what = match file.compression {
        Compression::Gzip => "gzip",
        Compression::Zstd => "zstd",
        Compression::None => "",
    };
    match e.kind() {
        io::ErrorKind::UnexpectedEof if !what.is_empty() => {
            format!("the {what} data is cut short (the file is truncated): {e}")
        }
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData if !what.is_empty() => {
            format!("the {what} data is damaged or not {what}: {e}")
        }
        _ => format!("the file could not be read: {e}"),
    }
}

/// Counts stored bytes as they are read, for progress.
struct Counting<'a> {
    inner: Box<dyn Read + Send>,
    counter: &'a AtomicU64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// One file being inflated into blocks of whole lines.
struct FileReader<'a> {
    index: usize,
    compression: Compression,
    format: Option<DataFormat>,
    reader: Box<dyn Read + Send + 'a>,
    /// The buffer being filled; `buf[..len]` holds the start of an unfinished line. Its
    /// length stays at its size, so a reused buffer is never zeroed again.
    buf: Vec<u8>,
    len: usize,
    shared: &'a Shared,
    seq: u64,
    /// Skipping the rest of an overlong line.
    skipping: bool,
    error: Option<String>,
    done: bool,
}

impl<'a> FileReader<'a> {
    fn new(index: usize, file: &'a InputFile, raw: Box<dyn Read + Send>, ctx: &'a Ctx) -> Self {
        let counted = Counting {
            inner: raw,
            counter: &ctx.shared.bytes_read,
        };
        let mut error = None;
        let reader: Box<dyn Read + Send + 'a> = match file.compression {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
                io::BufReader::with_capacity(64 * 1024, counted),
            )),
            Compression::Zstd => match zstd::stream::read::Decoder::new(counted) {
                Ok(d) => Box::new(d),
                Err(e) => {
                    error = Some(format!("the zstd decoder could not start: {e}"));
                    Box::new(io::empty())
                }
            },
            Compression::None => Box::new(counted),
        };
        FileReader {
            index,
            compression: file.compression,
            format: file.format,
            reader,
            buf: ctx.shared.buffer(),
            len: 0,
            shared: ctx.shared,
            seq: 0,
            skipping: false,
            done: error.is_some(),
            error,
        }
    }

    /// The next block of whole lines; `None` at the end of the file (or on an error).
    fn next_block(&mut self, block_size: usize) -> Option<Block> {
        let want = block_size.max(1);
        loop {
            if self.done {
                if self.len == 0 || self.skipping {
                    self.len = 0;
                    return None;
                }
                let len = std::mem::take(&mut self.len);
                let data = std::mem::replace(&mut self.buf, self.shared.buffer());
                return Some(self.block(data, len, false));
            }
            // Fill up to a block (or a whole line).
            let end = self.len + want;
            if self.buf.len() < end {
                self.buf.resize(end, 0);
            }
            let mut filled = self.len;
            while filled < end {
                match self.reader.read(&mut self.buf[filled..end]) {
                    Ok(0) => {
                        self.done = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.error = Some(read_error_kind(self.compression, &e));
                        self.done = true;
                        break;
                    }
                }
            }
            self.len = filled;
            if self.error.is_some() {
                // The last line was cut by the failure: it is not a line of the file.
                self.len = memchr::memrchr(b'\n', &self.buf[..self.len]).map_or(0, |p| p + 1);
            }
            if self.skipping {
                match memchr::memchr(b'\n', &self.buf[..self.len]) {
                    Some(pos) => {
                        self.buf.copy_within(pos + 1..self.len, 0);
                        self.len -= pos + 1;
                        self.skipping = false;
                    }
                    None => {
                        self.len = 0;
                        continue;
                    }
                }
            }
            if self.format.is_none() && (self.len > 0 || self.done) {
                self.format = Some(sniff_format(&self.buf[..self.len.min(64)]));
            }
            // The buffer held no newline before this read, so its first line is the one
            // that may have grown too long.
            let first_end = memchr::memchr(b'\n', &self.buf[..self.len]);
            if first_end.unwrap_or(self.len) > MAX_LINE {
                // Keep only the start of the overlong line, for the report.
                let head = self.buf[..super::EXCERPT_CHARS * 4].to_vec();
                let rest = match first_end {
                    Some(pos) => pos + 1..self.len,
                    None => {
                        self.skipping = !self.done;
                        0..0
                    }
                };
                // Give the grown buffer back to the allocator, not to the pool.
                let mut fresh = self.shared.buffer();
                if fresh.len() < rest.len() + want {
                    fresh.resize(rest.len() + want, 0);
                }
                fresh[..rest.len()].copy_from_slice(&self.buf[rest.clone()]);
                self.len = rest.len();
                self.buf = fresh;
                let len = head.len();
                return Some(self.block(head, len, true));
            }
            if let Some(pos) = memchr::memrchr(b'\n', &self.buf[..self.len]) {
                let rest = self.len - (pos + 1);
                let mut next = self.shared.buffer();
                if next.len() < rest + want {
                    next.resize(rest + want, 0);
                }
                next[..rest].copy_from_slice(&self.buf[pos + 1..self.len]);
                let data = std::mem::replace(&mut self.buf, next);
                self.len = rest;
                return Some(self.block(data, pos + 1, false));
            }
        }
    }

    fn block(&mut self, data: Vec<u8>, len: usize, too_long: bool) -> Block {
        let seq = self.seq;
        self.seq += 1;
        Block {
            file: self.index,
            seq,
            format: self.format.unwrap_or(DataFormat::DynamoDbJson),
            data,
            len,
            too_long,
        }
    }

    fn end(&mut self) -> (usize, u64, Option<String>) {
        let buf = std::mem::take(&mut self.buf);
        self.shared.recycle(buf);
        (self.index, self.seq, self.error.take())
    }
}

fn read_error_kind(compression: Compression, e: &io::Error) -> String {
    read_error(
        &InputFile {
            key: String::new(),
            size: 0,
            format: None,
            compression,
            manifest_items: None,
        },
        e,
    )
}

/// What one block held; line numbers are relative to the block's first line.
struct BlockResult {
    file: usize,
    seq: u64,
    lines: u64,
    items: u64,
    bad_lines: u64,
    uncompressed: u64,
    format: DataFormat,
    bad_examples: Vec<(u64, String, String)>,
    key: HashMap<KeyProblem, Noted>,
    gsi: HashMap<GsiProblem, Noted>,
}

/// A problem's count in a block and its first lines (relative line number, excerpt).
type Noted = (u64, Vec<(u64, String)>);

struct BlockChecker<'w> {
    watch: &'w Watch,
    show: usize,
    facts: crate::logic::watch::LineFacts,
    key_buf: Vec<KeyProblem>,
    gsi_buf: Vec<GsiProblem>,
}

impl<'w> BlockChecker<'w> {
    fn new(watch: &'w Watch, show: usize) -> Self {
        Self {
            watch,
            show,
            facts: watch.facts(),
            key_buf: Vec::new(),
            gsi_buf: Vec::new(),
        }
    }

    fn check(&mut self, block: &Block, max_items: u64) -> BlockResult {
        let mut r = BlockResult {
            file: block.file,
            seq: block.seq,
            lines: 0,
            items: 0,
            bad_lines: 0,
            uncompressed: block.len as u64,
            format: block.format,
            bad_examples: Vec::new(),
            key: HashMap::new(),
            gsi: HashMap::new(),
        };
        if block.too_long {
            r.lines = 1;
            r.bad_lines = 1;
            r.bad_examples.push((
                1,
                excerpt(&block.data[..block.len]),
                format!(
                    "the line is longer than {} MiB, far more than a DynamoDB item (400 KB) can take; the file is not an export data file",
                    MAX_LINE / (1024 * 1024)
                ),
            ));
            return r;
        }
        let data = &block.data[..block.len];
        // One UTF-8 check for the whole block is cheaper than one a line; a block that
        // fails it is checked line by line, to name the lines.
        let utf8 =
            block.format == DataFormat::DynamoDbJson && simdutf8::basic::from_utf8(data).is_ok();
        let mut start = 0;
        while start < data.len() {
            if r.items >= max_items {
                break;
            }
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |p| start + p);
            let line = &data[start..end];
            start = end + 1;
            r.lines += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let scanned = if utf8 {
                super::json::scan_utf8_line(line, self.watch, &mut self.facts)
            } else {
                scan_line(block.format, line, self.watch, &mut self.facts)
            };
            match scanned {
                Ok(()) => {
                    r.items += 1;
                    self.key_buf.clear();
                    self.watch.key_problems(&self.facts, &mut self.key_buf);
                    self.gsi_buf.clear();
                    self.watch.gsi_problems(&self.facts, &mut self.gsi_buf);
                    for p in self.key_buf.drain(..) {
                        note(&mut r.key, p, r.lines, line, self.show);
                    }
                    for p in self.gsi_buf.drain(..) {
                        note(&mut r.gsi, p, r.lines, line, self.show);
                    }
                }
                Err(LineError { message, .. }) => {
                    r.bad_lines += 1;
                    if r.bad_examples.len() < self.show {
                        r.bad_examples.push((r.lines, excerpt(line), message));
                    }
                }
            }
        }
        r
    }
}

fn note<P: std::hash::Hash + Eq>(
    map: &mut HashMap<P, Noted>,
    problem: P,
    line_no: u64,
    line: &[u8],
    show: usize,
) {
    let entry = map.entry(problem).or_insert_with(|| (0, Vec::new()));
    entry.0 += 1;
    if entry.1.len() < show {
        entry.1.push((line_no, excerpt(line)));
    }
}

/// Examples with their position, kept as the first `show` by (file, line).
#[derive(Default)]
struct Firsts {
    kept: Vec<(usize, u64, String, String)>,
}

impl Firsts {
    fn offer(&mut self, show: usize, file: usize, line: u64, excerpt: String, detail: String) {
        if show == 0 {
            return;
        }
        if self.kept.len() >= show {
            if let Some(last) = self.kept.last() {
                if (file, line) >= (last.0, last.1) {
                    return;
                }
            }
        }
        let at = self.kept.partition_point(|k| (k.0, k.1) < (file, line));
        self.kept.insert(at, (file, line, excerpt, detail));
        self.kept.truncate(show);
    }

    fn examples(self, files: &[FileResult]) -> Vec<Example> {
        self.kept
            .into_iter()
            .map(|(file, line, excerpt, detail)| Example {
                file: files.get(file).map(|f| f.key.clone()).unwrap_or_default(),
                line,
                excerpt,
                detail,
            })
            .collect()
    }
}

struct PendingBlock {
    lines: u64,
    bad: Vec<(u64, String, String)>,
    key: Vec<(KeyProblem, Vec<(u64, String)>)>,
    gsi: Vec<(GsiProblem, Vec<(u64, String)>)>,
}

struct FileProgress {
    next_seq: u64,
    lines_before: u64,
    pending: BTreeMap<u64, PendingBlock>,
    /// Known once the file's reader ended.
    blocks: Option<u64>,
    done: bool,
}

struct Aggregator {
    show: usize,
    files: Vec<FileResult>,
    progress: Vec<FileProgress>,
    items: u64,
    files_done: usize,
    bad_count: u64,
    bad: Firsts,
    key: HashMap<KeyProblem, (u64, Firsts)>,
    other_key: u64,
    gsi: HashMap<GsiProblem, (u64, Firsts)>,
}

impl Aggregator {
    fn new(files: &[InputFile], show: usize) -> Self {
        Aggregator {
            show,
            files: files
                .iter()
                .map(|f| FileResult {
                    key: f.key.clone(),
                    size: f.size,
                    format: format_name(f.format),
                    compression: compression_name(f.compression),
                    lines: 0,
                    items: 0,
                    bad_lines: 0,
                    uncompressed_bytes: 0,
                    manifest_items: f.manifest_items,
                    error: None,
                    skipped: true,
                })
                .collect(),
            progress: files
                .iter()
                .map(|_| FileProgress {
                    next_seq: 0,
                    lines_before: 0,
                    pending: BTreeMap::new(),
                    blocks: None,
                    done: false,
                })
                .collect(),
            items: 0,
            files_done: 0,
            bad_count: 0,
            bad: Firsts::default(),
            key: HashMap::new(),
            other_key: 0,
            gsi: HashMap::new(),
        }
    }

    fn merge(&mut self, r: BlockResult) {
        let Some(file) = self.files.get_mut(r.file) else {
            return;
        };
        file.skipped = false;
        file.format = format_name(Some(r.format));
        file.lines += r.lines;
        file.items += r.items;
        file.bad_lines += r.bad_lines;
        file.uncompressed_bytes += r.uncompressed;
        self.items += r.items;
        self.bad_count += r.bad_lines;
        let mut key = Vec::new();
        for (problem, (count, examples)) in r.key {
            if self.key.len() >= MAX_TALLIES && !self.key.contains_key(&problem) {
                self.other_key += count;
                continue;
            }
            self.key
                .entry(problem.clone())
                .or_insert_with(|| (0, Firsts::default()))
                .0 += count;
            key.push((problem, examples));
        }
        let mut gsi = Vec::new();
        for (problem, (count, examples)) in r.gsi {
            self.gsi
                .entry(problem.clone())
                .or_insert_with(|| (0, Firsts::default()))
                .0 += count;
            gsi.push((problem, examples));
        }
        let progress = &mut self.progress[r.file];
        progress.pending.insert(
            r.seq,
            PendingBlock {
                lines: r.lines,
                bad: r.bad_examples,
                key,
                gsi,
            },
        );
        self.flush(r.file);
    }

    /// Places the examples of blocks whose earlier blocks are all in.
    fn flush(&mut self, index: usize) {
        let show = self.show;
        let progress = &mut self.progress[index];
        while let Some(block) = progress.pending.remove(&progress.next_seq) {
            let base = progress.lines_before;
            for (line, excerpt, detail) in block.bad {
                self.bad.offer(show, index, base + line, excerpt, detail);
            }
            for (problem, examples) in block.key {
                if let Some((_, firsts)) = self.key.get_mut(&problem) {
                    for (line, excerpt) in examples {
                        firsts.offer(show, index, base + line, excerpt, String::new());
                    }
                }
            }
            for (problem, examples) in block.gsi {
                if let Some((_, firsts)) = self.gsi.get_mut(&problem) {
                    for (line, excerpt) in examples {
                        firsts.offer(show, index, base + line, excerpt, String::new());
                    }
                }
            }
            progress.lines_before += block.lines;
            progress.next_seq += 1;
        }
        if !progress.done && progress.blocks == Some(progress.next_seq) {
            progress.done = true;
            self.files_done += 1;
        }
    }

    fn file_ended(&mut self, index: usize, blocks: u64, error: Option<String>) {
        if let Some(file) = self.files.get_mut(index) {
            file.skipped = false;
            if let Some(e) = error {
                file.error = Some(e);
            }
        }
        if let Some(p) = self.progress.get_mut(index) {
            p.blocks = Some(blocks);
        }
        self.flush(index);
    }

    fn finish(
        mut self,
        bytes_read: u64,
        elapsed: Duration,
        threads: usize,
        stopped_early: bool,
    ) -> DataCheck {
        // A stopped check leaves blocks unplaced: place what is there, in order.
        for index in 0..self.progress.len() {
            let pending = std::mem::take(&mut self.progress[index].pending);
            for (seq, block) in pending {
                self.progress[index].next_seq = seq;
                self.progress[index].pending.insert(seq, block);
                self.flush(index);
            }
        }
        for (file, progress) in self.files.iter_mut().zip(&self.progress) {
            if let Some(e) = &mut file.error {
                *e = format!("{e} (after line {})", progress.lines_before);
            }
        }
        let files = self.files;
        let mut key_problems: Vec<Tally<KeyProblem>> = self
            .key
            .into_iter()
            .map(|(problem, (count, firsts))| Tally {
                problem,
                count,
                examples: firsts.examples(&files),
            })
            .collect();
        key_problems.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.problem.to_string().cmp(&b.problem.to_string()))
        });
        let mut gsi_problems: Vec<Tally<GsiProblem>> = self
            .gsi
            .into_iter()
            .map(|(problem, (count, firsts))| Tally {
                problem,
                count,
                examples: firsts.examples(&files),
            })
            .collect();
        gsi_problems.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.problem.cmp(&b.problem))
        });
        DataCheck {
            items: self.items,
            lines: files.iter().map(|f| f.lines).sum(),
            bytes_read,
            uncompressed_bytes: files.iter().map(|f| f.uncompressed_bytes).sum(),
            elapsed,
            threads,
            stopped_early,
            unreadable_lines: Tally {
                problem: (),
                count: self.bad_count,
                examples: self.bad.examples(&files),
            },
            key_problems,
            gsi_problems,
            other_key_problems: self.other_key,
            files,
        }
    }
}

fn format_name(format: Option<DataFormat>) -> &'static str {
    match format {
        Some(DataFormat::DynamoDbJson) => "DYNAMODB_JSON",
        Some(DataFormat::Ion) => "ION",
        None => "unknown",
    }
}

fn compression_name(compression: Compression) -> &'static str {
    match compression {
        Compression::Gzip => "GZIP",
        Compression::Zstd => "ZSTD",
        Compression::None => "NONE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::items::{KeyAttr, ScalarType};
    use crate::logic::watch::GsiKey;
    use std::collections::HashMap;
    use std::io::Write;

    fn spec() -> CheckSpec {
        CheckSpec {
            keys: vec![
                KeyAttr {
                    name: "pk".into(),
                    kind: ScalarType::S,
                },
                KeyAttr {
                    name: "sk".into(),
                    kind: ScalarType::N,
                },
            ],
            gsi: vec![GsiKey {
                index: "by-status".into(),
                attr: KeyAttr {
                    name: "status".into(),
                    kind: ScalarType::S,
                },
            }],
        }
    }

    fn gz(text: &str) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    }

    fn good(i: usize) -> String {
        format!(r#"{{"Item":{{"pk":{{"S":"p{i}"}},"sk":{{"N":"{i}"}},"status":{{"S":"x"}}}}}}"#)
    }

    struct Files(HashMap<String, Vec<u8>>);

    impl Files {
        fn inputs(&self, names: &[&str]) -> Vec<InputFile> {
            names
                .iter()
                .map(|n| {
                    let (format, compression) = crate::logic::layout::format_of_key(n).unwrap();
                    InputFile {
                        key: (*n).to_owned(),
                        size: self.0[*n].len() as u64,
                        format: if n.ends_with(".json.gz") || n.ends_with(".ion.gz") {
                            Some(format)
                        } else {
                            None
                        },
                        compression,
                        manifest_items: None,
                    }
                })
                .collect()
        }

        fn check(&self, inputs: &[InputFile], options: &CheckOptions) -> DataCheck {
            let open = |f: &InputFile| -> io::Result<Box<dyn Read + Send>> {
                Ok(Box::new(io::Cursor::new(self.0[&f.key].clone())))
            };
            run_check(inputs, &spec(), options, &open, &|_| {})
        }
    }

    fn options(threads: usize, block: usize) -> CheckOptions {
        CheckOptions {
            threads,
            block_size: block,
            show: 3,
            ..CheckOptions::default()
        }
    }

    #[test]
    fn counts_items_per_file_and_finds_every_kind_of_problem() {
        let mut a: Vec<String> = (0..50).map(good).collect();
        a[3] = r#"{"Item":{"PK":{"S":"x"},"sk":{"N":"1"}}}"#.into();
        a[10] = "garbage".into();
        a[20] = r#"{"Item":{"pk":{"S":"x"},"sk":{"S":"1"},"status":{"N":"1"}}}"#.into();
        a[30] = String::new();
        let files = Files(HashMap::from([
            ("d/a.json.gz".to_owned(), gz(&(a.join("\n") + "\n"))),
            ("d/empty.json.gz".to_owned(), gz("")),
            (
                "d/b.json.gz".to_owned(),
                gz(&(0..7).map(good).collect::<Vec<_>>().join("\n")),
            ),
        ]));
        let inputs = files.inputs(&["d/a.json.gz", "d/b.json.gz", "d/empty.json.gz"]);
        for (threads, block) in [(1, 1 << 20), (2, 64), (3, 7)] {
            let r = files.check(&inputs, &options(threads, block));
            assert_eq!(r.items, 48 + 7, "threads {threads} block {block}");
            assert_eq!(r.files[0].items, 48);
            assert_eq!(r.files[0].lines, 50);
            assert_eq!(r.files[1].items, 7);
            assert!(r.files[2].is_empty());
            assert_eq!(r.unreadable_lines.count, 1);
            assert_eq!(r.unreadable_lines.examples[0].line, 11);
            assert_eq!(r.unreadable_lines.examples[0].file, "d/a.json.gz");
            assert_eq!(r.unreadable_lines.examples[0].excerpt, "garbage");
            assert_eq!(r.key_problem_count(), 2);
            let case = r
                .key_problems
                .iter()
                .find(|t| matches!(t.problem, KeyProblem::WrongCase { .. }))
                .unwrap();
            assert_eq!(case.examples[0].line, 4);
            let ty = r
                .key_problems
                .iter()
                .find(|t| matches!(t.problem, KeyProblem::WrongType { .. }))
                .unwrap();
            assert_eq!(ty.examples[0].line, 21);
            assert_eq!(r.gsi_problem_count(), 1);
            assert_eq!(r.gsi_problems[0].examples[0].line, 21);
            assert!(!r.stopped_early);
            assert_eq!(r.bytes_read, inputs.iter().map(|f| f.size).sum::<u64>());
        }
    }

    #[test]
    fn examples_are_the_first_by_file_and_line_and_all_are_counted() {
        let lines: Vec<String> = (0..500).map(|i| format!("bad {i}")).collect();
        let files = Files(HashMap::from([
            ("a.json.gz".to_owned(), gz(&lines.join("\n"))),
            ("b.json.gz".to_owned(), gz(&lines.join("\n"))),
        ]));
        let inputs = files.inputs(&["a.json.gz", "b.json.gz"]);
        let r = files.check(&inputs, &options(4, 100));
        assert_eq!(r.unreadable_lines.count, 1000);
        let shown: Vec<(String, u64)> = r
            .unreadable_lines
            .examples
            .iter()
            .map(|e| (e.file.clone(), e.line))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("a.json.gz".to_owned(), 1),
                ("a.json.gz".to_owned(), 2),
                ("a.json.gz".to_owned(), 3)
            ]
        );
    }

    #[test]
    fn truncated_and_damaged_gzip_are_file_errors() {
        let whole = gz(&(0..2000).map(good).collect::<Vec<_>>().join("\n"));
        let cut = whole[..whole.len() / 2].to_vec();
        let mut damaged = whole.clone();
        damaged[40] ^= 0xff;
        let files = Files(HashMap::from([
            ("cut.json.gz".to_owned(), cut),
            ("damaged.json.gz".to_owned(), damaged),
            ("notgz.json.gz".to_owned(), b"plain text".to_vec()),
        ]));
        let inputs = files.inputs(&["cut.json.gz", "damaged.json.gz", "notgz.json.gz"]);
        let r = files.check(&inputs, &options(2, 4096));
        let cut = &r.files[0];
        assert!(
            cut.error.as_deref().unwrap().contains("cut short"),
            "{cut:?}"
        );
        assert!(cut.items > 0 && cut.items < 2000);
        assert!(cut
            .error
            .as_deref()
            .unwrap()
            .contains(&format!("after line {}", cut.lines)));
        assert!(r.files[1].error.is_some(), "{:?}", r.files[1]);
        assert!(r.files[2].error.is_some(), "{:?}", r.files[2]);
        assert_eq!(r.file_errors().count(), 3);
    }

    #[test]
    fn an_overlong_line_is_one_bad_line_and_memory_stays_bounded() {
        let long = format!(
            r#"{{"Item":{{"pk":{{"S":"{}"}}}}}}"#,
            "x".repeat(MAX_LINE + 10)
        );
        let text = format!("{}\n{long}\n{}\n", good(1), good(2));
        let files = Files(HashMap::from([("l.json".to_owned(), text.into_bytes())]));
        let inputs = files.inputs(&["l.json"]);
        let r = files.check(&inputs, &options(2, 1 << 20));
        assert_eq!(r.items, 2);
        assert_eq!(r.files[0].lines, 3);
        assert_eq!(r.unreadable_lines.count, 1);
        assert_eq!(r.unreadable_lines.examples[0].line, 2);
        assert!(r.unreadable_lines.examples[0]
            .detail
            .contains("longer than"));
    }

    #[test]
    fn zstd_plain_and_sniffed_ion() {
        let json = (0..10).map(good).collect::<Vec<_>>().join("\n");
        let ion = r#"$ion_1_0 {Item:{pk:"a",sk:1.}}
$ion_1_0 {Item:{pk:"b",sk:"2"}}"#;
        let files = Files(HashMap::from([
            (
                "z.json.zst".to_owned(),
                zstd::encode_all(json.as_bytes(), 1).unwrap(),
            ),
            ("p.json".to_owned(), json.clone().into_bytes()),
            ("emulator.gz".to_owned(), gz(ion)),
            ("real.ion.gz".to_owned(), gz(ion)),
        ]));
        let inputs = files.inputs(&["z.json.zst", "p.json", "emulator.gz", "real.ion.gz"]);
        let r = files.check(&inputs, &options(2, 1 << 16));
        assert_eq!(r.items, 24);
        assert_eq!(r.files[2].format, "ION");
        assert_eq!(r.files[3].format, "ION");
        assert_eq!(r.files[0].compression, "ZSTD");
        assert_eq!(r.key_problem_count(), 2, "{:?}", r.key_problems);
        assert_eq!(r.unreadable_lines.count, 0);
    }

    #[test]
    fn a_sample_stops_after_max_items_in_key_order() {
        let files = Files(HashMap::from([
            (
                "a.json.gz".to_owned(),
                gz(&(0..30).map(good).collect::<Vec<_>>().join("\n")),
            ),
            ("b.json.gz".to_owned(), gz("garbage")),
        ]));
        let inputs = files.inputs(&["a.json.gz", "b.json.gz"]);
        let r = files.check(
            &inputs,
            &CheckOptions {
                max_items: Some(12),
                threads: 4,
                block_size: 524288,
                ..CheckOptions::default()
            },
        );
        assert_eq!(r.items, 12);
        assert_eq!(r.threads, 1);
        assert!(r.stopped_early);
        assert!(r.files[1].skipped);
        assert_eq!(r.unreadable_lines.count, 0);
    }

    #[test]
    fn cancel_stops_the_check() {
        let files = Files(HashMap::from([(
            "a.json.gz".to_owned(),
            gz(&(0..1000).map(good).collect::<Vec<_>>().join("\n")),
        )]));
        let inputs = files.inputs(&["a.json.gz"]);
        let options = options(2, 64);
        options.cancel.store(true, Ordering::Relaxed);
        let r = files.check(&inputs, &options);
        assert!(r.stopped_early);
        assert!(r.items < 1000);
    }

    #[test]
    fn a_failed_open_is_a_file_error() {
        let inputs = vec![InputFile {
            key: "gone.json.gz".into(),
            size: 10,
            format: None,
            compression: Compression::Gzip,
            manifest_items: Some(3),
        }];
        let open = |_: &InputFile| -> io::Result<Box<dyn Read + Send>> {
            Err(io::Error::other("AccessDenied"))
        };
        let r = run_check(&inputs, &spec(), &CheckOptions::default(), &open, &|_| {});
        assert!(r.files[0]
            .error
            .as_deref()
            .unwrap()
            .contains("AccessDenied"));
    }

    #[test]
    fn progress_reaches_the_total() {
        let files = Files(HashMap::from([(
            "a.json.gz".to_owned(),
            gz(&(0..100).map(good).collect::<Vec<_>>().join("\n")),
        )]));
        let inputs = files.inputs(&["a.json.gz"]);
        let last = Mutex::new(None);
        let open = |f: &InputFile| -> io::Result<Box<dyn Read + Send>> {
            Ok(Box::new(io::Cursor::new(files.0[&f.key].clone())))
        };
        run_check(&inputs, &spec(), &options(2, 64), &open, &|p| {
            *last.lock().unwrap() = Some(*p);
        });
        let p = last.lock().unwrap().unwrap();
        assert_eq!(p.bytes_read, p.bytes_total);
        assert_eq!(p.items, 100);
        assert_eq!(p.files_done, 1);
        assert!(p.eta_secs().is_none_or(|s| s == 0));
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Damaged compressed data (cut, bytes changed) ends in a file error or bad lines
        /// naming the file, never a panic or a hang.
        #[test]
        fn damaged_gzip_and_zstd_are_reported(
            cut in any::<prop::sample::Index>(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
            zst in any::<bool>(),
        ) {
            let text = (0..300).map(good).collect::<Vec<_>>().join("\n");
            let (name, mut stored) = if zst {
                ("a.json.zst", zstd::encode_all(text.as_bytes(), 3).unwrap())
            } else {
                ("a.json.gz", gz(&text))
            };
            for (at, byte) in flips {
                let i = at.index(stored.len());
                stored[i] ^= byte;
            }
            let keep = cut.index(stored.len() + 1);
            stored.truncate(keep);
            let files = Files(HashMap::from([(name.to_owned(), stored)]));
            let inputs = files.inputs(&[name]);
            let r = files.check(&inputs, &options(2, 1024));
            let f = &r.files[0];
            prop_assert!(f.items <= 300);
            if f.items < 300 && f.error.is_none() {
                prop_assert!(f.bad_lines > 0 || f.lines < 300, "{:?}", f);
            }
            for e in &r.unreadable_lines.examples {
                prop_assert_eq!(&e.file, name);
                prop_assert!(e.line >= 1);
            }
        }

        /// However the data is cut into blocks and threads, the answer is the same.
        #[test]
        fn blocks_and_threads_do_not_change_the_answer(
            kinds in proptest::collection::vec(0u8..5, 0..200),
            block in 1usize..300,
            threads in 1usize..4,
        ) {
            let lines: Vec<String> = kinds.iter().enumerate().map(|(i, k)| match k {
                0 => good(i),
                1 => format!("bad line {i}"),
                2 => String::new(),
                3 => format!(r#"{{"Item":{{"Pk":{{"S":"{i}"}}}}}}"#),
                _ => "\r".to_owned(),
            }).collect();
            let files = Files(HashMap::from([("a.json.gz".to_owned(), gz(&lines.join("\n")))]));
            let inputs = files.inputs(&["a.json.gz"]);
            let one = files.check(&inputs, &options(1, 1 << 20));
            let many = files.check(&inputs, &options(threads, block));
            prop_assert_eq!(one.items, many.items);
            prop_assert_eq!(one.lines, many.lines);
            prop_assert_eq!(&one.unreadable_lines, &many.unreadable_lines);
            let mut a = one.key_problems.clone();
            let mut b = many.key_problems.clone();
            a.sort_by_key(|t| t.problem.to_string());
            b.sort_by_key(|t| t.problem.to_string());
            prop_assert_eq!(a, b);
        }
    }
}
