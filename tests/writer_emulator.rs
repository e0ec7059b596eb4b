//! The writer (`engine::writer`) against the local emulator: export data files put in a
//! bucket (full-export items and change records written here, every attribute type) applied to
//! tables that exist, then read back item by item.
//!
//! One emulator serves both tests (shared while either runs), and each scenario has its own
//! table, so the scenarios run side by side. The faults (throttling, unprocessed items) apply
//! to the fault tables only.

// The writer's callback returns the crate's `AwsFailure`, as the crate allows.
#![allow(clippy::result_large_err)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex, Weak};

use ddb_ferry::aws::attr::{item_difference, item_to_json, JsonItem};
use ddb_ferry::aws::dynamodb::Dynamo;
use ddb_ferry::aws::dynamodb_write::ConditionalPut;
use ddb_ferry::aws::explain::AwsFailure;
use ddb_ferry::aws::s3::S3;
use ddb_ferry::engine::writer::{
    apply_files, DataFile, OnConflict, WriteReport, WriteTarget, WriterEvent, WriterOptions,
};
use ddb_ferry::logic::changes::{LineKind, WriteOp};
use serde_json::{json, Value};
use support::*;

const BUCKET: &str = "writer-data";
const FAULT_TABLES: [&str; 2] = ["throttled", "throttled-skip"];

/// The emulator of this file's tests, started by the first and stopped after the last.
fn shared_emulator() -> Arc<Emulator> {
    static SHARED: Mutex<Weak<Emulator>> = Mutex::new(Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(emu) = slot.upgrade() {
        return emu;
    }
    let emu = Arc::new(Emulator::start(Knobs {
        unprocessed_share: Some(0.3),
        throttle_share: Some(0.2),
        fault_seed: Some(7),
        fault_tables: FAULT_TABLES.iter().map(|t| t.to_string()).collect(),
        ..Knobs::default()
    }));
    *slot = Arc::downgrade(&emu);
    emu
}

/// The clients of the destination account, and its bucket of data files.
struct Side {
    client: aws_sdk_dynamodb::Client,
    dynamo: Dynamo,
    s3: S3,
    s3_client: aws_sdk_s3::Client,
}

async fn side(emu: &Emulator) -> Side {
    let config = emu.sdk_config("dest", None).await;
    let side = Side {
        client: aws_sdk_dynamodb::Client::new(&config),
        dynamo: Dynamo::new(&config, "the destination account (profile dest)"),
        s3: S3::new(&config, "us-east-1", true, "the destination account"),
        s3_client: emu.s3("dest", "us-east-1").await,
    };
    // Both tests make it; the second finds it.
    let _ = side.s3_client.create_bucket().bucket(BUCKET).send().await;
    side
}

impl Side {
    /// A table keyed `pk` (S) / `sk` (N) with one GSI, holding `items` (written one by one
    /// until each is in, since the fault tables throttle these writes too).
    async fn table(&self, name: &str, items: Vec<JsonItem>) -> WriteTarget {
        create_source_table(&self.client, name).await;
        for item in &items {
            let sdk = ddb_ferry::aws::attr::item_from_json(item).unwrap();
            let mut tries = 0;
            // Tried again at once: the SDK's own retries wait a second or more.
            while let Err(e) = self
                .client
                .put_item()
                .table_name(name)
                .set_item(Some(sdk.clone()))
                .customize()
                .config_override(
                    aws_sdk_dynamodb::config::Builder::default()
                        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled()),
                )
                .send()
                .await
            {
                tries += 1;
                assert!(tries < 50, "seeding {name}: {e:?}");
            }
        }
        WriteTarget {
            dynamo: self.dynamo.clone(),
            table: name.into(),
            key_names: vec!["pk".into(), "sk".into()],
            gsi_count: 1,
        }
    }

    /// Puts `lines` in the bucket as one data file (gzipped when `key` ends in `.gz`).
    async fn file(&self, key: &str, lines: &[String]) -> DataFile {
        let mut text = lines.join("\n");
        text.push('\n');
        let body = if key.ends_with(".gz") {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).unwrap();
            gz.finish().unwrap()
        } else {
            text.into_bytes()
        };
        let size_bytes = body.len() as u64;
        self.s3_client
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(body.into())
            .send()
            .await
            .expect("put a data file");
        DataFile {
            bucket: BUCKET.into(),
            key: key.into(),
            size_bytes,
            item_count: Some(lines.len() as u64),
        }
    }

    async fn items(&self, table: &str) -> HashMap<String, JsonItem> {
        scan_all(&self.client, table)
            .await
            .iter()
            .map(|i| (key_of(i), item_to_json(i)))
            .collect()
    }

    /// The table holds exactly `expected`, attribute for attribute.
    async fn assert_holds(&self, table: &str, expected: &HashMap<String, JsonItem>) {
        let found = self.items(table).await;
        let mut missing: Vec<&String> = expected
            .keys()
            .filter(|k| !found.contains_key(*k))
            .collect();
        let mut extra: Vec<&String> = found
            .keys()
            .filter(|k| !expected.contains_key(*k))
            .collect();
        missing.sort();
        extra.sort();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{table}: missing {missing:?}, not expected {extra:?}"
        );
        for (key, item) in expected {
            assert_eq!(
                item_difference(&found[key], item, ""),
                None,
                "{table}: item {key} differs"
            );
        }
    }
}

/// Item `i` of the data: every attribute type (see `varied_item`).
fn item(i: usize) -> JsonItem {
    item_to_json(&varied_item(i))
}

fn key(item: &JsonItem) -> String {
    format!("{}|{}", item["pk"], item["sk"])
}

fn by_key(items: impl IntoIterator<Item = JsonItem>) -> HashMap<String, JsonItem> {
    items.into_iter().map(|i| (key(&i), i)).collect()
}

fn item_line(item: &JsonItem) -> String {
    json!({ "Item": item }).to_string()
}

fn keys_of(item: &JsonItem) -> Value {
    json!({"pk": item["pk"], "sk": item["sk"]})
}

fn put_record(item: &JsonItem, at: u64) -> String {
    json!({
        "Metadata": {"WriteTimestampMicros": {"N": at.to_string()}},
        "Keys": keys_of(item),
        "NewImage": item,
        "OldImage": {"pk": item["pk"], "sk": item["sk"], "old": {"S": "before"}},
    })
    .to_string()
}

fn delete_record(item: &JsonItem, at: u64) -> String {
    json!({
        "Metadata": {"WriteTimestampMicros": {"N": at.to_string()}},
        "Keys": keys_of(item),
        "OldImage": item,
    })
    .to_string()
}

/// `item(i)` with another value, as a different writer left it.
fn changed(i: usize, how: &str) -> JsonItem {
    let mut item = item(i);
    item.insert("text".into(), json!({ "S": how }));
    item
}

/// Runs the writer and keeps its events.
async fn apply(
    side: &Side,
    target: &WriteTarget,
    options: &WriterOptions,
    files: &[DataFile],
    kind: LineKind,
    already_done: &BTreeSet<String>,
) -> (Result<WriteReport, AwsFailure>, Vec<WriterEvent>) {
    let mut events = Vec::new();
    let mut on_event = |e: WriterEvent| {
        events.push(e);
        Ok(())
    };
    let result = apply_files(
        target,
        options,
        &side.s3,
        files,
        kind,
        already_done,
        &mut on_event,
    )
    .await;
    (result, events)
}

fn files_applied(events: &[WriterEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            WriterEvent::FileApplied(f) => Some(f.key.clone()),
            _ => None,
        })
        .collect()
}

/// Overwrite: a gzipped and a plain file over a table that holds older copies of some items
/// and items of its own; a second run with both files done applies nothing.
async fn overwrite(side: &Side) {
    let mut before: Vec<JsonItem> = (0..20).map(|i| changed(i, "old")).collect();
    before.extend((1000..1010).map(item));
    let target = side.table("overwrite", before.clone()).await;
    let files = [
        side.file(
            "overwrite/data/a.json.gz",
            &(0..150).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
        )
        .await,
        side.file(
            "overwrite/data/b.json",
            &(150..300).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
        )
        .await,
    ];
    let mut options = WriterOptions::new(OnConflict::Overwrite);
    options.max_wcu = Some(5000);
    let (report, events) = apply(
        side,
        &target,
        &options,
        &files,
        LineKind::Items,
        &BTreeSet::new(),
    )
    .await;
    let report = report.expect("the overwrite load");
    assert_eq!(
        (report.items, report.puts, report.failed),
        (300, 300, 0),
        "{report:?}"
    );
    assert_eq!(
        files_applied(&events),
        ["overwrite/data/a.json.gz", "overwrite/data/b.json"]
    );
    let Some(WriterEvent::FileApplied(first)) = events
        .iter()
        .find(|e| matches!(e, WriterEvent::FileApplied(_)))
    else {
        unreachable!()
    };
    assert_eq!(
        (first.items, first.puts, first.bytes),
        (150, 150, files[0].size_bytes)
    );
    assert!(matches!(
        events
            .iter()
            .rev()
            .find(|e| matches!(e, WriterEvent::Progress { .. })),
        Some(WriterEvent::Progress {
            items_applied: 300,
            ..
        })
    ));
    let mut expected = by_key((0..300).map(item));
    expected.extend(by_key((1000..1010).map(item)));
    side.assert_holds("overwrite", &expected).await;

    let done: BTreeSet<String> = files.iter().map(|f| f.key.clone()).collect();
    let (again, events) = apply(side, &target, &options, &files, LineKind::Items, &done).await;
    assert_eq!(again.unwrap(), WriteReport::default());
    assert!(events.is_empty(), "{events:?}");
}

/// Skip-existing: other items with the data's keys are left alone; copies a killed load
/// wrote before are no conflict.
async fn skip_existing(side: &Side) {
    let mut before: Vec<JsonItem> = (0..30).map(|i| changed(i, "theirs")).collect();
    before.extend((30..40).map(item)); // a killed earlier load's writes
    let target = side.table("skip", before).await;
    let files = [side
        .file(
            "skip/data/a.json.gz",
            &(0..100).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
        )
        .await];
    let options = WriterOptions::new(OnConflict::SkipExisting);
    let (report, events) = apply(
        side,
        &target,
        &options,
        &files,
        LineKind::Items,
        &BTreeSet::new(),
    )
    .await;
    let report = report.expect("the skip-existing load");
    assert_eq!(
        (
            report.items,
            report.puts,
            report.skipped_existing,
            report.failed
        ),
        (100, 70, 30, 0),
        "{report:?}"
    );
    assert_eq!(files_applied(&events), ["skip/data/a.json.gz"]);
    let mut expected = by_key((30..100).map(item));
    expected.extend(by_key((0..30).map(|i| changed(i, "theirs"))));
    side.assert_holds("skip", &expected).await;
}

/// Stop-at-conflict: the first file is applied whole (its items a killed load wrote before are
/// no conflict); the other item in the second file stops the run and is reported.
async fn stop_at_conflict(side: &Side) {
    let mut before: Vec<JsonItem> = (0..50).map(item).collect();
    before.push(changed(150, "theirs"));
    let target = side.table("stop", before).await;
    let files = [
        side.file(
            "stop/data/a.json.gz",
            &(0..100).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
        )
        .await,
        side.file(
            "stop/data/b.json.gz",
            &(100..200).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
        )
        .await,
    ];
    let mut options = WriterOptions::new(OnConflict::StopAtConflict);
    options.in_flight = 4;
    let (report, events) = apply(
        side,
        &target,
        &options,
        &files,
        LineKind::Items,
        &BTreeSet::new(),
    )
    .await;
    let report = report.expect("a conflict is a report, not an error");
    let conflict = report
        .stopped_at_conflict
        .clone()
        .expect("stopped at the conflict");
    assert_eq!(Value::Object(conflict.key), keys_of(&item(150)));
    assert_eq!(
        conflict.aws_code.as_deref(),
        Some("ConditionalCheckFailedException")
    );
    assert!(conflict.reason.contains("text"), "{}", conflict.reason);
    assert_eq!(files_applied(&events), ["stop/data/a.json.gz"]);
    assert_eq!(report.failed, 0);
    let found = side.items("stop").await;
    assert_eq!(
        item_difference(&found[&key(&item(150))], &changed(150, "theirs"), ""),
        None
    );
    for i in 0..100 {
        assert_eq!(
            item_difference(&found[&key(&item(i))], &item(i), ""),
            None,
            "item {i}"
        );
    }
}

/// Change records: keys changed in two files, a delete and a re-creation, two changes of one
/// key in one batch out of time order; the last file applied twice changes nothing.
async fn changes(side: &Side) {
    let target = side.table("changes", (0..40).map(item).collect()).await;
    let mut first = Vec::new();
    for i in 0..20 {
        first.push(put_record(&changed(i, "v1"), 1_000 + i as u64));
    }
    for i in 20..25 {
        first.push(delete_record(&item(i), 1_000));
    }
    for i in 40..50 {
        first.push(put_record(&item(i), 1_000));
    }
    // Key 45 twice, the newer first: the older line loses.
    first.push(put_record(&changed(45, "newest"), 3_000));
    first.push(put_record(&changed(45, "older"), 2_500));
    let mut second = Vec::new();
    for i in 0..10 {
        second.push(put_record(&changed(i, "v2"), 2_000));
    }
    second.push(put_record(&changed(20, "back"), 2_000)); // deleted in the first file
    second.push(delete_record(&item(30), 2_000));
    second.push(delete_record(&item(999), 2_000)); // never existed
    let files = [
        side.file("changes/1/data/a.json.gz", &first).await,
        side.file("changes/2/data/a.json.gz", &second).await,
    ];
    let options = WriterOptions::new(OnConflict::Overwrite);
    let (report, events) = apply(
        side,
        &target,
        &options,
        &files,
        LineKind::Changes,
        &BTreeSet::new(),
    )
    .await;
    let report = report.expect("the changes");
    assert_eq!(report.items, (first.len() + second.len()) as u64);
    assert_eq!((report.deletes, report.failed), (7, 0), "{report:?}");
    assert_eq!(report.puts + report.deletes, report.items);
    assert_eq!(files_applied(&events).len(), 2);

    let mut expected = by_key((0..40).map(item));
    expected.extend(by_key((0..20).map(|i| changed(i, "v1"))));
    for i in 20..25 {
        expected.remove(&key(&item(i)));
    }
    expected.extend(by_key((40..50).map(item)));
    expected.extend(by_key([changed(45, "newest")]));
    expected.extend(by_key((0..10).map(|i| changed(i, "v2"))));
    expected.extend(by_key([changed(20, "back")]));
    expected.remove(&key(&item(30)));
    side.assert_holds("changes", &expected).await;

    let (again, _) = apply(
        side,
        &target,
        &options,
        &files[1..],
        LineKind::Changes,
        &BTreeSet::new(),
    )
    .await;
    assert_eq!(again.expect("the second file again").failed, 0);
    side.assert_holds("changes", &expected).await;
}

/// A batch with items DynamoDB refuses (no sort key; a sort key of the wrong type) and a line
/// that is not JSON: exactly those fail, each
/// named, and every other item is written.
async fn refused_items(side: &Side) {
    let target = side.table("refused", Vec::new()).await;
    let mut lines: Vec<String> = (0..60).map(|i| item_line(&item(i))).collect();
    let mut no_sort_key = item(33);
    no_sort_key.remove("sk");
    lines[33] = item_line(&no_sort_key);
    let mut mistyped_key = item(45);
    mistyped_key.insert("sk".into(), json!({"S": "45"}));
    lines[45] = item_line(&mistyped_key);
    lines[50] = "{\"Item\": not json".into();
    let files = [side.file("refused/data/a.json.gz", &lines).await];
    let options = WriterOptions::new(OnConflict::Overwrite);
    let (report, events) = apply(
        side,
        &target,
        &options,
        &files,
        LineKind::Items,
        &BTreeSet::new(),
    )
    .await;
    let report = report.expect("refused items are counted, not fatal");
    assert_eq!(
        (report.items, report.puts, report.failed),
        (60, 57, 3),
        "{report:?}"
    );
    assert_eq!(files_applied(&events), ["refused/data/a.json.gz"]);
    let mut keys: Vec<Value> = report
        .failures
        .iter()
        .map(|f| Value::Object(f.key.clone()))
        .collect();
    keys.sort_by_key(Value::to_string);
    let mut expected_keys = vec![
        json!({}),
        json!({"pk": item(33)["pk"]}),
        keys_of(&mistyped_key),
    ];
    expected_keys.sort_by_key(Value::to_string);
    assert_eq!(keys, expected_keys, "{:?}", report.failures);
    let unreadable = report.failures.iter().find(|f| f.key.is_empty()).unwrap();
    assert!(
        unreadable.reason.contains("line 51"),
        "{}",
        unreadable.reason
    );
    assert!(report
        .failures
        .iter()
        .filter(|f| !f.key.is_empty())
        .all(|f| f.aws_code.as_deref() == Some("ValidationException")));
    let expected = by_key((0..60).filter(|i| ![33, 45, 50].contains(i)).map(item));
    side.assert_holds("refused", &expected).await;
}

/// The two write calls themselves: a batch is written whole and its capacity reported; an item
/// without its sort key is refused as `write-refused`; a conditional put writes, finds its own
/// item again (numbers and sets spelt otherwise) and finds another item.
async fn write_calls(side: &Side) {
    let target = side.table("calls", Vec::new()).await;
    let (a, b) = (item(1), item(2));
    let written = side
        .dynamo
        .batch_write("calls", &[WriteOp::Put(a.clone()), WriteOp::Put(b.clone())])
        .await
        .expect("a batch of two");
    assert!(written.unprocessed.is_empty(), "{written:?}");
    assert!(written.consumed_wcu.is_some_and(|w| w > 0.0), "{written:?}");
    // (AWS also refuses two requests for one key in a batch; the emulator does not, so the
    // batch builder's unit tests are what hold the writer to one request per key.)
    let mut keyless = item(4);
    keyless.remove("sk");
    let refused = side
        .dynamo
        .batch_write("calls", &[WriteOp::Put(keyless)])
        .await
        .expect_err("an item without its sort key");
    assert_eq!(refused.code, "write-refused", "{refused}");
    assert_eq!(refused.aws_code.as_deref(), Some("ValidationException"));
    assert!(refused.what.contains("sk"), "{}", refused.what);

    let keys = &target.key_names;
    let c = item(3);
    let put = |i| side.dynamo.put_item_unless_other("calls", i, keys);
    assert_eq!(put(&c).await.unwrap(), ConditionalPut::Written);
    let mut respelt = c.clone();
    respelt.insert(
        "price".into(),
        json!({"N": format!("{}0", c["price"]["N"].as_str().unwrap())}),
    );
    let mut tags: Vec<Value> = c["tags"]["SS"].as_array().unwrap().clone();
    tags.reverse();
    respelt.insert("tags".into(), json!({ "SS": tags }));
    assert_eq!(put(&respelt).await.unwrap(), ConditionalPut::SameAlready);
    let other = changed(3, "another");
    assert_eq!(
        put(&other).await.unwrap(),
        ConditionalPut::Conflict {
            existing: c.clone()
        }
    );
    side.assert_holds("calls", &by_key([a, b, c])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_writer_applies_export_data_to_existing_tables() {
    let emu = shared_emulator();
    let side = side(&emu).await;
    tokio::join!(
        overwrite(&side),
        skip_existing(&side),
        stop_at_conflict(&side),
        changes(&side),
        refused_items(&side),
        write_calls(&side),
    );
}

/// Needs the emulator's fault knobs (`FERRY_EMU_UNPROCESSED_SHARE`,
/// `FERRY_EMU_THROTTLE_SHARE`): a share of each batch comes back unprocessed and a share of
/// the write calls is throttled, on these tables only. Every item is written all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_lost_under_throttling_and_unprocessed_items() {
    let emu = shared_emulator();
    let side = side(&emu).await;
    let batch = async {
        let target = side
            .table(
                FAULT_TABLES[0],
                (0..10).map(|i| changed(i, "old")).collect(),
            )
            .await;
        let files = [
            side.file(
                "throttled/data/a.json.gz",
                &(0..100).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
            )
            .await,
            side.file(
                "throttled/data/b.json.gz",
                &(100..200).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
            )
            .await,
        ];
        let mut options = WriterOptions::new(OnConflict::Overwrite);
        options.in_flight = 8;
        let (report, events) = apply(
            &side,
            &target,
            &options,
            &files,
            LineKind::Items,
            &BTreeSet::new(),
        )
        .await;
        let report = report.expect("throttling never ends the run");
        assert_eq!((report.puts, report.failed), (200, 0), "{report:?}");
        assert!(
            report.throttled > 0,
            "the emulator throttled no call: {report:?}"
        );
        assert!(
            report.retries > report.throttled,
            "no unprocessed items came back: {report:?}"
        );
        assert_eq!(files_applied(&events).len(), 2);
        side.assert_holds(FAULT_TABLES[0], &by_key((0..200).map(item)))
            .await;
    };
    let conditional = async {
        let target = side
            .table(
                FAULT_TABLES[1],
                (0..10).map(|i| changed(i, "theirs")).collect(),
            )
            .await;
        let files = [side
            .file(
                "throttled-skip/data/a.json.gz",
                &(0..60).map(|i| item_line(&item(i))).collect::<Vec<_>>(),
            )
            .await];
        let options = WriterOptions::new(OnConflict::SkipExisting);
        let (report, _) = apply(
            &side,
            &target,
            &options,
            &files,
            LineKind::Items,
            &BTreeSet::new(),
        )
        .await;
        let report = report.expect("throttling never ends the run");
        assert_eq!(
            (report.puts, report.skipped_existing, report.failed),
            (50, 10, 0),
            "{report:?}"
        );
        assert!(
            report.throttled > 0,
            "the emulator throttled no PutItem: {report:?}"
        );
        let mut expected = by_key((10..60).map(item));
        expected.extend(by_key((0..10).map(|i| changed(i, "theirs"))));
        side.assert_holds(FAULT_TABLES[1], &expected).await;
    };
    tokio::join!(batch, conditional);
}
