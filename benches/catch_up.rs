//! How fast catch-up's writer and the full compare are, side by side with plain loops doing
//! nothing else, in one run against a private local AWS emulator:
//!
//! 1. the writer (`engine::writer::apply_files`, overwrite: parallel BatchWriteItem) loading an
//!    export's data files from S3 into an empty table, against
//!    - a plain loop of parallel BatchWriteItem calls of the same items, already in memory (the
//!      emulator's own ceiling; goal: the writer at 80 % of it or better), and
//!    - a sequential scan-and-write, as scripts that copy tables do (Scan a page, write it, next);
//! 2. the compare (`engine::compare::compare_tables`) of two equal tables, against plain
//!    parallel Scans of both tables doing nothing else (goal: 70 % or better);
//! 3. the peak memory of the writer and of the compare (the process's high-water mark, reset
//!    before each), at N and 10 N items (goal: flat).
//!
//! `cargo bench --bench catch_up` (`cargo test` only builds it). Environment:
//! BENCH_CATCH_UP_ITEMS (default 2000: runs N, 10 N and 20 N — the emulator writes about a
//! thousand items a second, so larger sizes take long), BENCH_IN_FLIGHT (default 16).

// The engine's failures are large and carried by value everywhere (see src/lib.rs).
#![allow(clippy::result_large_err)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::{BTreeSet, HashMap};
use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use ddb_ferry::aws::dynamodb::Dynamo;
use ddb_ferry::aws::s3::S3;
use ddb_ferry::engine::compare::{compare_tables, CompareOptions, CompareSide};
use ddb_ferry::engine::writer::{apply_files, DataFile, OnConflict, WriteTarget, WriterOptions};
use ddb_ferry::logic::changes::LineKind;
use support::*;

const BUCKET: &str = "bench-catch-up";
const DATA_FILES: usize = 8;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A smaller item than the tests' (about 300 bytes): every attribute type, one write unit.
fn bench_item(i: usize) -> HashMap<String, AttributeValue> {
    let mut m = varied_item(i);
    m.insert("pk".into(), AttributeValue::S(format!("customer#{:07}", i)));
    for gone in ["big", "blobs", "nested", "negative"] {
        m.remove(gone);
    }
    m
}

/// The process's peak resident memory since the last reset, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak to the current resident size (Linux: `5` into clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/clear_refs")
        .and_then(|mut f| f.write_all(b"5"));
}

/// Writes `n` items as DATA_FILES gzipped DynamoDB JSON files under `prefix`, as an export's
/// data folder; returns the files.
async fn put_export(emu: &Emulator, n: usize, prefix: &str) -> Vec<DataFile> {
    let s3 = emu.s3("dest", "us-east-1").await;
    let _ = s3.create_bucket().bucket(BUCKET).send().await;
    let mut files = Vec::new();
    for f in 0..DATA_FILES {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in (f..n).step_by(DATA_FILES) {
            let item = ddb_ferry::aws::attr::item_to_json(&bench_item(i));
            writeln!(gz, "{}", serde_json::json!({ "Item": item })).unwrap();
        }
        let body = gz.finish().unwrap();
        let key = format!("{prefix}/data/file-{f}.json.gz");
        let size = body.len() as u64;
        s3.put_object()
            .bucket(BUCKET)
            .key(&key)
            .body(body.into())
            .send()
            .await
            .unwrap();
        files.push(DataFile {
            bucket: BUCKET.into(),
            key,
            size_bytes: size,
            item_count: None,
        });
    }
    files
}

/// Put requests for `items`.
fn puts(items: &[HashMap<String, AttributeValue>]) -> Vec<WriteRequest> {
    items
        .iter()
        .map(|item| {
            WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .unwrap(),
                )
                .build()
        })
        .collect()
}

/// One BatchWriteItem, its unprocessed items sent again at once until none is left.
async fn write_all(client: &aws_sdk_dynamodb::Client, table: &str, requests: Vec<WriteRequest>) {
    let mut pending = requests;
    while !pending.is_empty() {
        let out = client
            .batch_write_item()
            .request_items(table, pending)
            .send()
            .await
            .expect("batch write");
        pending = out
            .unprocessed_items()
            .and_then(|u| u.get(table).cloned())
            .unwrap_or_default();
    }
}

/// Parallel BatchWriteItem of items already in memory, `in_flight` at once; unprocessed items
/// sent again at once. The emulator's ceiling.
async fn plain_parallel_writes(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    n: usize,
    in_flight: usize,
) {
    let items: Vec<_> = (0..n).map(bench_item).collect();
    let permits = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut tasks = Vec::new();
    for chunk in items.chunks(25) {
        let requests = puts(chunk);
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let client = client.clone();
        let table = table.to_owned();
        tasks.push(tokio::spawn(async move {
            write_all(&client, &table, requests).await;
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Scan a page, write it with BatchWriteItem 25 at a time, next page: one request at a time.
async fn sequential_scan_and_write(client: &aws_sdk_dynamodb::Client, from: &str, to: &str) {
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(from)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for chunk in page.items().chunks(25) {
            write_all(client, to, puts(chunk)).await;
        }
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
}

/// Parallel consistent Scans of both tables, `segments` each, counting items only.
async fn plain_parallel_scans(
    client: &aws_sdk_dynamodb::Client,
    tables: [&str; 2],
    segments: i32,
) -> usize {
    let mut tasks = Vec::new();
    for table in tables {
        for segment in 0..segments {
            let client = client.clone();
            let table = table.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut count = 0;
                let mut start = None;
                loop {
                    let page = client
                        .scan()
                        .table_name(&table)
                        .segment(segment)
                        .total_segments(segments)
                        .consistent_read(true)
                        .set_exclusive_start_key(start)
                        .send()
                        .await
                        .expect("scan");
                    count += page.items().len();
                    match page.last_evaluated_key() {
                        Some(k) if !k.is_empty() => start = Some(k.clone()),
                        _ => break count,
                    }
                }
            }));
        }
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total
}

struct Row {
    items: usize,
    writer: f64,
    plain: f64,
    sequential: f64,
    compare: f64,
    scans: f64,
    writer_mib: f64,
    compare_mib: f64,
}

async fn measure(emu: &Emulator, n: usize, in_flight: usize) -> Row {
    let dst = emu.dynamo("dest", None).await;
    let config = emu.sdk_config("dest", None).await;
    let dynamo = Dynamo::new(&config, "destination");
    let s3 = S3::new(&config, "us-east-1", true, "destination");
    let [by_writer, by_plain, by_sequential] = [
        format!("writer-{n}"),
        format!("plain-{n}"),
        format!("sequential-{n}"),
    ];
    for t in [&by_writer, &by_plain, &by_sequential] {
        create_source_table(&dst, t).await;
    }
    let files = put_export(emu, n, &format!("bench-{n}")).await;

    reset_peak_rss();
    let base = peak_rss_mib();
    let started = Instant::now();
    let target = WriteTarget {
        dynamo: dynamo.clone(),
        table: by_writer.clone(),
        key_names: vec!["pk".into(), "sk".into()],
        gsi_count: 1,
    };
    let options = WriterOptions {
        on_conflict: OnConflict::Overwrite,
        max_wcu: None,
        in_flight,
        failures_kept: 10,
    };
    let report = apply_files(
        &target,
        &options,
        &s3,
        &files,
        LineKind::Items,
        &BTreeSet::new(),
        &mut |_| Ok(()),
    )
    .await
    .expect("the writer");
    let writer = n as f64 / started.elapsed().as_secs_f64();
    let writer_mib = peak_rss_mib() - base;
    assert_eq!(report.failed, 0);

    let started = Instant::now();
    plain_parallel_writes(&dst, &by_plain, n, in_flight).await;
    let plain = n as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    sequential_scan_and_write(&dst, &by_writer, &by_sequential).await;
    let sequential = n as f64 / started.elapsed().as_secs_f64();

    let options = CompareOptions::default();
    reset_peak_rss();
    let base = peak_rss_mib();
    let started = Instant::now();
    let side = |table: &str| CompareSide {
        dynamo: dynamo.clone(),
        table: table.to_owned(),
    };
    let result = compare_tables(
        &side(&by_writer),
        &side(&by_plain),
        &["pk".to_owned(), "sk".to_owned()],
        None,
        0,
        &options,
        &mut |_| {},
    )
    .await
    .expect("the compare");
    let compare = (2 * n) as f64 / started.elapsed().as_secs_f64();
    let compare_mib = peak_rss_mib() - base;
    assert!(result.equal, "the two loads differ");

    let started = Instant::now();
    let scanned =
        plain_parallel_scans(&dst, [&by_writer, &by_plain], options.segments as i32).await;
    let scans = scanned as f64 / started.elapsed().as_secs_f64();

    Row {
        items: n,
        writer,
        plain,
        sequential,
        compare,
        scans,
        writer_mib,
        compare_mib,
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("benches/catch_up.rs measures only under `cargo bench --bench catch_up`");
        return;
    }
    let n = env_usize("BENCH_CATCH_UP_ITEMS", 2_000);
    let in_flight = env_usize("BENCH_IN_FLIGHT", 16);
    let emu = Emulator::start(Knobs::default());
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    println!(
        "ddb-ferry writer and compare against plain loops, local emulator, {in_flight} requests in flight (items per second; memory: peak growth of the process)"
    );
    println!(
        "{:>8} | {:>8} {:>8} {:>6} {:>10} | {:>8} {:>8} {:>6} | {:>9} {:>10}",
        "items",
        "writer",
        "plain",
        "ratio",
        "scan+write",
        "compare",
        "scans",
        "ratio",
        "writer MB",
        "compare MB"
    );
    for size in [n, 10 * n, 20 * n] {
        let r = runtime.block_on(measure(&emu, size, in_flight));
        println!(
            "{:>8} | {:>8.0} {:>8.0} {:>5.0}% {:>10.0} | {:>8.0} {:>8.0} {:>5.0}% | {:>9.1} {:>10.1}",
            r.items,
            r.writer,
            r.plain,
            100.0 * r.writer / r.plain,
            r.sequential,
            r.compare,
            r.scans,
            100.0 * r.compare / r.scans,
            r.writer_mib,
            r.compare_mib,
        );
    }
    println!("goals: writer >= 80% of the plain loop, compare >= 70% of plain scans, memory flat as the tables grow");
}
