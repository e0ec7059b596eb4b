//! The writer's pipeline on a table in memory (`fake_table.rs`), on a paused clock: what it
//! promises under throttling, unprocessed items, refused items, conflicts and a stopping
//! caller, and how it paces itself.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::apply::{apply_with, FileLine, Shared};
use super::fake_table::{FakeTable, Faults};
use super::{DataFile, OnConflict, WriteReport, WriterEvent, WriterOptions, DEFAULT_FAILURES_KEPT};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::changes::{parse_change_line, LineKind};

const KEYS: [&str; 2] = ["pk", "sk"];

/// The code of the test callback's own failure (a test's, so not in docs/failure-codes.md).
const STOPPED_BY_CALLER: &str = "stopped-by-caller";

fn item(i: usize, v: &str) -> Map<String, Value> {
    json!({
        "pk": {"S": format!("p{}", i % 7)}, "sk": {"N": i.to_string()},
        "v": {"S": v}, "n": {"N": "1.5"}, "l": {"L": [{"BOOL": true}]},
    })
    .as_object()
    .unwrap()
    .clone()
}

fn item_line(item: &Map<String, Value>) -> String {
    json!({ "Item": item }).to_string()
}

fn change_line(item: &Map<String, Value>, at: u64, delete: bool) -> String {
    let keys = json!({"pk": item["pk"], "sk": item["sk"]});
    let mut line =
        json!({"Metadata": {"WriteTimestampMicros": {"N": at.to_string()}}, "Keys": keys});
    if !delete {
        line["NewImage"] = Value::Object(item.clone());
    }
    line.to_string()
}

/// Files named `f0`, `f1`, … holding these lines.
fn files(contents: &[Vec<String>]) -> Vec<(DataFile, Vec<String>)> {
    contents
        .iter()
        .enumerate()
        .map(|(i, lines)| {
            let file = DataFile {
                bucket: "b".into(),
                key: format!("f{i}"),
                size_bytes: lines.iter().map(|l| l.len() as u64 + 1).sum(),
                item_count: None,
            };
            (file, lines.clone())
        })
        .collect()
}

struct Ran {
    result: Result<WriteReport, AwsFailure>,
    events: Vec<WriterEvent>,
    opened: Vec<String>,
}

impl Ran {
    fn report(&self) -> &WriteReport {
        self.result.as_ref().expect("the run succeeds")
    }

    fn files_applied(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                WriterEvent::FileApplied(f) => Some(f.key.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Runs the pipeline over `files` into `table`; `stop_at` makes the callback fail at the
/// FileApplied of that file.
async fn run(
    table: &Arc<FakeTable>,
    options: &WriterOptions,
    files: &[(DataFile, Vec<String>)],
    kind: LineKind,
    already_done: &BTreeSet<String>,
    stop_at: Option<&str>,
) -> Ran {
    let shared = Shared::new(table.clone(), "t", &KEYS.map(String::from), 1, options);
    let mut events = Vec::new();
    let mut on_event = |e: WriterEvent| {
        let stop = matches!(&e, WriterEvent::FileApplied(f) if Some(f.key.as_str()) == stop_at);
        events.push(e);
        if stop {
            return Err(AwsFailure::new(
                STOPPED_BY_CALLER,
                FailureKind::BadInput,
                "stopped",
                "the test",
                "none",
            ));
        }
        Ok(())
    };
    let mut opened = Vec::new();
    let mut open = |file: &DataFile, reading: Arc<AtomicU64>| {
        opened.push(file.key.clone());
        let lines = files
            .iter()
            .find(|(f, _)| f.key == file.key)
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        let (tx, rx) = mpsc::channel(8);
        tokio::spawn(async move {
            for (i, line) in lines.iter().enumerate() {
                reading.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
                let parsed = parse_change_line(line, kind);
                let number = i as u64 + 1;
                if tx.send(FileLine::Line { number, parsed }).await.is_err() {
                    return;
                }
            }
            let _ = tx.send(FileLine::End).await;
        });
        rx
    };
    let data_files: Vec<DataFile> = files.iter().map(|(f, _)| f.clone()).collect();
    let result = apply_with(
        shared,
        options,
        &data_files,
        already_done,
        &mut on_event,
        &mut open,
    )
    .await;
    Ran {
        result,
        events,
        opened,
    }
}

fn overwrite() -> WriterOptions {
    WriterOptions::new(OnConflict::Overwrite)
}

fn faulty() -> Faults {
    Faults {
        throttle_every: 3,
        unprocessed_percent: 40,
        delay: Duration::from_millis(20),
        ..Faults::default()
    }
}

#[tokio::test(start_paused = true)]
async fn nothing_is_lost_under_throttling_and_unprocessed_items() {
    let table = FakeTable::new(&KEYS, faulty());
    let data: Vec<Vec<String>> = (0..3)
        .map(|f| {
            (f * 400..f * 400 + 400)
                .map(|i| item_line(&item(i, "x")))
                .collect()
        })
        .collect();
    let ran = run(
        &table,
        &overwrite(),
        &files(&data),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    let report = ran.report();
    assert_eq!(
        (report.items, report.puts, report.failed),
        (1200, 1200, 0),
        "{report:?}"
    );
    assert!(report.throttled > 10, "{report:?}");
    assert!(report.retries > report.throttled + 10, "{report:?}");
    assert_eq!(ran.files_applied(), ["f0", "f1", "f2"]);
    let record = table.record();
    assert_eq!(record.items.len(), 1200);
    assert_eq!((record.duplicate_keys, record.overlapping_keys), (0, 0));
    assert!(
        record.max_in_flight > 1 && record.max_in_flight <= 16,
        "{}",
        record.max_in_flight
    );
    drop(record);
    for i in [0, 599, 1199] {
        assert_eq!(table.item(&item(i, "x")), Some(item(i, "x")));
    }
}

/// The same key in many batches, each call of it throttled or left unprocessed at times:
/// the writes still reach the table in the order of the lines, so the last one stays.
#[tokio::test(start_paused = true)]
async fn writes_of_one_key_reach_the_table_in_line_order() {
    let table = FakeTable::new(
        &KEYS,
        Faults {
            unprocessed_percent: 60,
            ..faulty()
        },
    );
    let hot = |r: usize| item(1_000_000, &format!("round {r}"));
    let mut lines = Vec::new();
    for r in 0..40 {
        for i in 0..24 {
            lines.push(change_line(&item(r * 24 + i, "filler"), r as u64, false));
        }
        // Deleted in the odd rounds, written again in the even ones.
        lines.push(change_line(&hot(r), r as u64, r % 2 == 1 && r != 39));
    }
    let ran = run(
        &table,
        &overwrite(),
        &files(&[lines]),
        LineKind::Changes,
        &BTreeSet::new(),
        None,
    )
    .await;
    let report = ran.report();
    assert_eq!(report.failed, 0);
    assert_eq!(report.deletes, 19);
    assert_eq!(table.item(&hot(0)), Some(hot(39)));
    assert_eq!(table.record().overlapping_keys, 0);
}

#[tokio::test(start_paused = true)]
async fn refused_items_are_found_and_the_others_written() {
    let table = FakeTable::new(&KEYS, faulty());
    let mut lines: Vec<String> = (0..100).map(|i| item_line(&item(i, "x"))).collect();
    for i in [7, 50, 51] {
        let mut bad = item(i, "x");
        bad.insert("refuse".into(), json!({"BOOL": true}));
        lines[i] = item_line(&bad);
    }
    let mut no_sort_key = item(80, "x");
    no_sort_key.remove("sk");
    lines[80] = item_line(&no_sort_key);
    lines[90] = "{\"Item\":".into();
    let ran = run(
        &table,
        &overwrite(),
        &files(&[lines]),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    let report = ran.report();
    assert_eq!(
        (report.items, report.puts, report.failed),
        (100, 95, 5),
        "{report:?}"
    );
    let mut keys: Vec<String> = report
        .failures
        .iter()
        .map(|f| Value::Object(f.key.clone()).to_string())
        .collect();
    keys.sort();
    let mut expected: Vec<String> = [7, 50, 51]
        .iter()
        .map(|&i| json!({"pk": item(i, "x")["pk"], "sk": item(i, "x")["sk"]}).to_string())
        .chain([json!({"pk": {"S": "p3"}}).to_string(), "{}".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(keys, expected);
    let unreadable = report.failures.iter().find(|f| f.key.is_empty()).unwrap();
    assert!(
        unreadable.reason.contains("f0, line 91"),
        "{}",
        unreadable.reason
    );
    assert_eq!(table.record().items.len(), 95);
    assert_eq!(ran.files_applied(), ["f0"]);
}

#[tokio::test(start_paused = true)]
async fn failures_beyond_those_kept_are_counted() {
    let table = FakeTable::new(&KEYS, Faults::default());
    let lines: Vec<String> = (0..30).map(|_| "not json".to_owned()).collect();
    let mut options = overwrite();
    options.failures_kept = 4;
    let ran = run(
        &table,
        &options,
        &files(&[lines]),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    assert_eq!(ran.report().failed, 30);
    assert_eq!(ran.report().failures.len(), 4);
    assert_eq!(DEFAULT_FAILURES_KEPT, overwrite().failures_kept);
}

#[tokio::test(start_paused = true)]
async fn calls_in_flight_are_bounded() {
    let table = FakeTable::new(
        &KEYS,
        Faults {
            delay: Duration::from_millis(50),
            ..Faults::default()
        },
    );
    let lines: Vec<String> = (0..500).map(|i| item_line(&item(i, "x"))).collect();
    let mut options = overwrite();
    options.in_flight = 3;
    let ran = run(
        &table,
        &options,
        &files(&[lines]),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    assert_eq!(ran.report().puts, 500);
    assert_eq!(table.record().max_in_flight, 3);
}

#[tokio::test(start_paused = true)]
async fn an_error_of_the_callback_stops_the_run() {
    let table = FakeTable::new(&KEYS, faulty());
    let data = [
        (0..60).map(|i| item_line(&item(i, "x"))).collect(),
        (60..120).map(|i| item_line(&item(i, "x"))).collect(),
    ];
    let ran = run(
        &table,
        &overwrite(),
        &files(&data),
        LineKind::Items,
        &BTreeSet::new(),
        Some("f0"),
    )
    .await;
    assert_eq!(ran.result.unwrap_err().code, STOPPED_BY_CALLER);
    assert_eq!(ran.opened, ["f0"]);
    // The file reported applied was whole.
    assert_eq!(table.record().items.len(), 60);
}

#[tokio::test(start_paused = true)]
async fn files_already_applied_are_not_read() {
    let table = FakeTable::new(&KEYS, Faults::default());
    let data = [
        (0..10).map(|i| item_line(&item(i, "x"))).collect(),
        (10..20).map(|i| item_line(&item(i, "x"))).collect(),
    ];
    let done = BTreeSet::from(["f0".to_owned()]);
    let ran = run(
        &table,
        &overwrite(),
        &files(&data),
        LineKind::Items,
        &done,
        None,
    )
    .await;
    assert_eq!(ran.opened, ["f1"]);
    assert_eq!(ran.report().items, 10);
    let Some(WriterEvent::Progress {
        items_applied,
        bytes_applied,
        ..
    }) = ran
        .events
        .iter()
        .rev()
        .find(|e| matches!(e, WriterEvent::Progress { .. }))
    else {
        panic!("no progress: {:?}", ran.events)
    };
    assert_eq!(*items_applied, 10);
    assert_eq!(*bytes_applied, files(&data)[1].0.size_bytes);
    assert!(matches!(
        ran.events.last(),
        Some(WriterEvent::FileApplied(f)) if f.items == 10 && f.puts == 10 && f.bytes == *bytes_applied
    ));
}

#[tokio::test(start_paused = true)]
async fn a_failure_that_trying_again_cannot_cure_ends_the_run() {
    let denied = AwsFailure::from_code(
        "dynamodb:BatchWriteItem",
        "side",
        "AccessDeniedException",
        "not authorized",
    );
    let table = FakeTable::new(
        &KEYS,
        Faults {
            fail_first: Some((1, denied)),
            ..Faults::default()
        },
    );
    let lines: Vec<String> = (0..10).map(|i| item_line(&item(i, "x"))).collect();
    let ran = run(
        &table,
        &overwrite(),
        &files(std::slice::from_ref(&lines)),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    assert!(ran.files_applied().is_empty());
    assert_eq!(ran.result.unwrap_err().code, "access-denied");

    // A passing failure (AWS's own) is tried again, a few times only.
    let internal =
        AwsFailure::from_code("dynamodb:BatchWriteItem", "side", "InternalServerError", "");
    let passing = FakeTable::new(
        &KEYS,
        Faults {
            fail_first: Some((3, internal.clone())),
            ..Faults::default()
        },
    );
    let ran = run(
        &passing,
        &overwrite(),
        &files(std::slice::from_ref(&lines)),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    assert_eq!((ran.report().puts, ran.report().retries), (10, 3));
    let lasting = FakeTable::new(
        &KEYS,
        Faults {
            fail_first: Some((100, internal)),
            ..Faults::default()
        },
    );
    let ran = run(
        &lasting,
        &overwrite(),
        &files(&[lines]),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    assert_eq!(ran.result.unwrap_err().code, "aws-internal-error");
    assert_eq!(lasting.record().calls, 6);
}

#[tokio::test(start_paused = true)]
async fn stop_at_conflict_ends_after_the_writes_in_flight() {
    let table = FakeTable::new(&KEYS, faulty())
        .holding(item(10, "x")) // a killed load's own write: no conflict
        .holding(item(70, "theirs"));
    let data = [
        (0..50).map(|i| item_line(&item(i, "x"))).collect(),
        (50..100).map(|i| item_line(&item(i, "x"))).collect(),
    ];
    let mut options = WriterOptions::new(OnConflict::StopAtConflict);
    options.in_flight = 4;
    let ran = run(
        &table,
        &options,
        &files(&data),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    let report = ran.report();
    let conflict = report.stopped_at_conflict.as_ref().expect("a conflict");
    assert_eq!(
        Value::Object(conflict.key.clone()),
        json!({"pk": item(70, "x")["pk"], "sk": item(70, "x")["sk"]})
    );
    assert!(
        conflict.reason.contains("first difference: v"),
        "{}",
        conflict.reason
    );
    assert_eq!(ran.files_applied(), ["f0"]);
    assert_eq!(table.item(&item(70, "x")), Some(item(70, "theirs")));
    assert!(report.puts >= 50, "{report:?}");
    assert_eq!(table.record().in_flight, 0);
}

#[tokio::test(start_paused = true)]
async fn skip_existing_leaves_other_items_and_deletes_still_apply() {
    let table = FakeTable::new(&KEYS, faulty())
        .holding(item(3, "theirs"))
        .holding(item(4, "x"))
        .holding(item(5, "to delete"));
    let mut lines: Vec<String> = (0..40)
        .map(|i| change_line(&item(i, "x"), 1, false))
        .collect();
    lines[5] = change_line(&item(5, "x"), 1, true);
    let options = WriterOptions::new(OnConflict::SkipExisting);
    let ran = run(
        &table,
        &options,
        &files(&[lines]),
        LineKind::Changes,
        &BTreeSet::new(),
        None,
    )
    .await;
    let report = ran.report();
    assert_eq!(
        (
            report.puts,
            report.skipped_existing,
            report.deletes,
            report.failed
        ),
        (38, 1, 1, 0),
        "{report:?}"
    );
    assert_eq!(table.item(&item(3, "x")), Some(item(3, "theirs")));
    assert_eq!(table.item(&item(5, "x")), None);
    assert_eq!(table.record().items.len(), 39);
}

/// 200 one-unit items on a table with one index cost 400 units; at 100 a second, with the
/// first second's worth at once, that is 3 s.
#[tokio::test(start_paused = true)]
async fn the_write_rate_counts_the_indexes() {
    let table = FakeTable::new(&KEYS, Faults::default());
    let lines: Vec<String> = (0..200).map(|i| item_line(&item(i, "x"))).collect();
    let mut options = overwrite();
    options.max_wcu = Some(100);
    let start = Instant::now();
    let ran = run(
        &table,
        &options,
        &files(&[lines]),
        LineKind::Items,
        &BTreeSet::new(),
        None,
    )
    .await;
    assert_eq!(ran.report().puts, 200);
    let took = start.elapsed().as_secs_f64();
    assert!((2.95..3.2).contains(&took), "{took}");
}
