//! Catch-up against the real local emulator (moto with write history and incremental exports,
//! see tests/README.md): a source kept busy by a writer during the export, the import and
//! three increments, then the cutover and the full compare; an increment applied twice;
//! kill -9 in the middle of an apply; the refusal when PITR no longer covers the last export;
//! the three choices of a full load into a table that exists.
//!
//! Windows are shortened to 2 s (AWS: 15 minutes) and the latest restorable time trails now by
//! 1 s (AWS: about five minutes) through the emulator's knobs and the product's test variable,
//! so that each increment takes seconds.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde_json::json;
use support::*;

const NEW_TABLE: &str = "orders-copy";

fn knobs() -> Knobs {
    Knobs {
        real_layout: true,
        data_files: 3,
        min_incremental_window_s: Some(1.0),
        restorable_lag_s: Some(1.0),
        ..Knobs::default()
    }
}

/// `ddb-ferry ARGS` with windows of at least 2 s.
fn ferry(emu: &Emulator, args: &[&str]) -> std::process::Output {
    emu.ferry()
        .env("DDB_FERRY_SHORTEST_WINDOW_SECS", "2")
        .args(args)
        .output()
        .expect("run ddb-ferry")
}

fn events_named(out: &std::process::Output, name: &str) -> Vec<serde_json::Value> {
    json_events(out)
        .into_iter()
        .filter(|e| e["event"] == name)
        .collect()
}

fn failure_code(out: &std::process::Output) -> Option<String> {
    events_named(out, "failed")
        .first()
        .and_then(|e| e["code"].as_str().map(str::to_owned))
}

fn catch_up_plan(bucket: &str) -> serde_json::Value {
    json!({
        "source": {"profile": "source", "table": "orders"},
        "destination": {"profile": "dest", "bucket": bucket},
        "table": {"name": NEW_TABLE},
        "options": {"catch_up": true},
    })
}

/// Keeps the source busy until stopped: puts of new and existing keys, updates, deletes,
/// transactions and PartiQL statements, every attribute type (`varied_item`). Returns how
/// many writes it made.
fn busy_writer(
    config: aws_config::SdkConfig,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    // A thread of its own with its own runtime and client: the test's runtime blocks while
    // the binary runs.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("the writer's runtime")
            .block_on(write_until_stopped(
                aws_sdk_dynamodb::Client::new(&config),
                stop,
            ))
    })
}

async fn write_until_stopped(client: aws_sdk_dynamodb::Client, stop: Arc<AtomicBool>) -> usize {
    {
        let mut n = 0usize;
        while !stop.load(Ordering::Relaxed) {
            let i = 1000 + n;
            let key = |j: usize| {
                HashMap::from([
                    (
                        "pk".to_owned(),
                        AttributeValue::S(format!("customer#{:04}", j % 700)),
                    ),
                    ("sk".to_owned(), AttributeValue::N(j.to_string())),
                ])
            };
            let result = match n % 6 {
                // A new item.
                0 => client
                    .put_item()
                    .table_name("orders")
                    .set_item(Some(varied_item(i)))
                    .send()
                    .await
                    .is_ok(),
                // An existing item rewritten whole.
                1 => {
                    let mut item = varied_item(n % 200);
                    item.insert("price".into(), AttributeValue::N(format!("{n}.5")));
                    client
                        .put_item()
                        .table_name("orders")
                        .set_item(Some(item))
                        .send()
                        .await
                        .is_ok()
                }
                // An update of some attributes of an existing item.
                2 => client
                    .update_item()
                    .table_name("orders")
                    .set_key(Some(key(n % 250)))
                    .update_expression("SET #t = :t, #c = :c REMOVE #b")
                    .expression_attribute_names("#t", "text")
                    .expression_attribute_names("#c", "counter")
                    .expression_attribute_names("#b", "blob")
                    .expression_attribute_values(":t", AttributeValue::S(format!("updated {n} ✓")))
                    .expression_attribute_values(":c", AttributeValue::N(n.to_string()))
                    .send()
                    .await
                    .is_ok(),
                // A delete, of a seeded item or of one this writer made.
                3 => client
                    .delete_item()
                    .table_name("orders")
                    .set_key(Some(key(if n % 12 == 3 { n / 3 % 300 } else { 1000 + n - 3 })))
                    .send()
                    .await
                    .is_ok(),
                // Two puts in one transaction.
                4 => client
                    .transact_write_items()
                    .transact_items(
                        TransactWriteItem::builder()
                            .put(Put::builder().table_name("orders").set_item(Some(varied_item(i))).build().unwrap())
                            .build(),
                    )
                    .transact_items(
                        TransactWriteItem::builder()
                            .put(Put::builder().table_name("orders").set_item(Some(varied_item(i + 1))).build().unwrap())
                            .build(),
                    )
                    .send()
                    .await
                    .is_ok(),
                // PartiQL (moto's parser takes an INSERT of literal values).
                _ => client
                    .execute_statement()
                    .statement(format!(
                        "INSERT INTO orders VALUE {{'pk': 'partiql#{n}', 'sk': {n}, 'note': 'written with PartiQL ✓'}}"
                    ))
                    .send()
                    .await
                    .is_ok(),
            };
            // A conditional failure or a missing item is part of a busy table's life.
            // A refused write is part of a busy table's life; the writes that were made count.
            let _ = result;
            n += 1;
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        n
    }
}

/// The migration's id from its journal.
fn migration_id(emu: &Emulator) -> String {
    emu.journal().expect("a journal")["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// (7) A source written to all along: export, import, three increments, an increment applied
/// twice, the cutover; the compare and an independent scan find both tables equal, item by
/// item. The destination throttles and leaves items unprocessed for a share of writes: none is
/// lost. The windows meet exactly, and no write is in two of them.
#[tokio::test(flavor = "multi_thread")]
async fn a_busy_source_is_caught_up_and_cut_over_equal() {
    let emu = Emulator::start(Knobs {
        unprocessed_share: Some(0.3),
        throttle_share: Some(0.2),
        fault_seed: Some(7),
        fault_tables: vec![NEW_TABLE.into()],
        stats: true,
        ..knobs()
    });
    let src = seed(&emu, 300).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = busy_writer(emu.sdk_config("source", None).await, Arc::clone(&stop));

    let plan_file = emu.plan("plan.json", &catch_up_plan("ferry-catch"));
    let out = ferry(&emu, &["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let id = migration_id(&emu);
    // PITR stays on for catch-up.
    assert!(pitr_enabled(&src, "orders").await);

    for round in 1..=3 {
        let out = ferry(&emu, &["catch-up", &id, "--json"]);
        assert_eq!(out.status.code(), Some(0), "round {round}: {}", text(&out));
        let applied = events_named(&out, "catch_up_applied");
        assert_eq!(applied.len(), 1, "round {round}: {}", text(&out));
        assert_eq!(applied[0]["failed"], 0);
        assert!(
            applied[0]["lag_secs"].as_u64().unwrap() < 60,
            "{}",
            applied[0]
        );
    }

    // The last increment delivered again: the same files applied a second time.
    let path = emu.journal_path().unwrap();
    let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let last = j["catch_up"]["increments"].as_array().unwrap().len() - 1;
    j["catch_up"]["increments"][last]["files_done"] = json!([]);
    j["catch_up"]["increments"][last]["applied_at"] = serde_json::Value::Null;
    std::fs::write(&path, serde_json::to_vec(&j).unwrap()).unwrap();
    let out = ferry(&emu, &["catch-up", &id, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let again = events_named(&out, "catch_up_applied");
    assert_eq!(
        again[0]["number"],
        last as u64 + 1,
        "the same increment, not a new one"
    );

    stop.store(true, Ordering::Relaxed);
    let writes = writer.join().unwrap();
    assert!(writes > 100, "the writer made {writes} writes");
    let out = ferry(&emu, &["catch-up", &id, "--cutover", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let compared = events_named(&out, "compare_finished");
    assert_eq!(compared[0]["equal"], true, "{}", text(&out));

    let dst = emu.dynamo("dest", None).await;
    let n = scan_all(&src, "orders").await.len();
    assert_copied(&src, "orders", &dst, NEW_TABLE, n).await;

    let j = emu.journal().unwrap();
    let increments = j["catch_up"]["increments"].as_array().unwrap();
    assert!(increments.len() >= 4, "{}", j["catch_up"]);
    for pair in increments.windows(2) {
        assert_eq!(pair[0]["to"], pair[1]["from"], "windows meet exactly");
    }
    assert_eq!(j["catch_up"]["cutover_done"], true);
    // Catch-up is over: PITR, which ddb-ferry turned on, is off again.
    assert!(!pitr_enabled(&src, "orders").await);
    // The destination's faults were met and every write was sent again until it was made.
    let stats = emu.stats();
    let faults = &stats["write_faults"]["222222222222"];
    assert!(faults["unprocessed_items"].as_u64() > Some(0), "{stats}");
    assert!(faults["throttled"].as_u64() > Some(0), "{stats}");

    // No write of the source is in two windows: every change record of the increments' data
    // files, by key and write time, appears once.
    let s3 = emu.s3("dest", "us-east-1").await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for inc in increments {
        for file in inc["data_files"].as_array().unwrap() {
            let key = file["key"].as_str().unwrap();
            let body = s3
                .get_object()
                .bucket("ferry-catch")
                .key(key)
                .send()
                .await
                .unwrap()
                .body
                .collect()
                .await
                .unwrap()
                .into_bytes();
            let mut text = String::new();
            use std::io::Read;
            flate2::read::GzDecoder::new(&body[..])
                .read_to_string(&mut text)
                .unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let record: serde_json::Value = serde_json::from_str(line).unwrap();
                let id = format!(
                    "{}@{}",
                    record["Keys"], record["Metadata"]["WriteTimestampMicros"]["N"]
                );
                *seen.entry(id).or_default() += 1;
            }
        }
    }
    assert!(!seen.is_empty());
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "writes exported in two windows: {twice:?}"
    );
}

/// (7) kill -9 while an increment is being applied: the next run reattaches to nothing new
/// (the export is done), skips the files already applied, finishes the rest; nothing is lost
/// and no increment is exported twice. (3) Then another writer changes the new table: the
/// next catch-up warns before it writes, as it does when the new table streams its changes
/// to Kinesis.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_apply_continues_without_loss_or_a_second_export() {
    let emu = Emulator::start(Knobs {
        data_files: 4,
        ..knobs()
    });
    let src = seed(&emu, 50).await;
    let plan_file = emu.plan("plan.json", &catch_up_plan("ferry-kill"));
    let out = ferry(&emu, &["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let id = migration_id(&emu);
    // Many changes after the export: 400 new items and 50 deletes.
    put_items(&src, "orders", (2000..2400).map(varied_item).collect()).await;
    for i in 0..50 {
        src.delete_item()
            .table_name("orders")
            .key("pk", AttributeValue::S(format!("customer#{:04}", i % 700)))
            .key("sk", AttributeValue::N(i.to_string()))
            .send()
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Slowed to 40 writes a second so that the apply is still running when killed.
    let (mut child, matched, seen) = {
        let mut cmd = emu.ferry();
        cmd.env("DDB_FERRY_SHORTEST_WINDOW_SECS", "2");
        let emu_args = ["catch-up", id.as_str(), "--json", "--max-wcu", "40"];
        let mut child = cmd
            .args(emu_args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::{BufRead, BufReader};
        let stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let matched = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| {
                let e: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                seen.push(line);
                e["event"] == "catch_up_progress" && e["items_applied"].as_u64() > Some(170)
            });
        (child, matched, seen)
    };
    assert!(matched, "the apply never started: {}", seen.join("\n"));
    child.kill().unwrap();
    child.wait().unwrap();
    let j = emu.journal().unwrap();
    let inc = &j["catch_up"]["increments"][0];
    assert!(inc["applied_at"].is_null(), "killed before the end: {inc}");
    let done_before = inc["files_done"].as_array().unwrap().len();
    assert!(
        done_before >= 1,
        "a file was applied and checkpointed: {inc}"
    );

    let out = ferry(&emu, &["catch-up", &id, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        events_named(&out, "job_started")
            .iter()
            .all(|e| e["reattached"] == true),
        "the increment's export is not started again: {}",
        text(&out)
    );
    let j = emu.journal().unwrap();
    assert_eq!(j["catch_up"]["increments"].as_array().unwrap().len(), 1);
    let dst = emu.dynamo("dest", None).await;
    assert_copied(&src, "orders", &dst, NEW_TABLE, 400).await;

    // Something else writes to the new table: the next catch-up says so before it writes.
    let first = dst
        .scan()
        .table_name(NEW_TABLE)
        .consistent_read(true)
        .limit(1)
        .send()
        .await
        .unwrap()
        .items()[0]
        .clone();
    let mut changed = first.clone();
    changed.insert(
        "status".into(),
        AttributeValue::S("changed by another writer".into()),
    );
    dst.put_item()
        .table_name(NEW_TABLE)
        .set_item(Some(changed))
        .send()
        .await
        .unwrap();
    // And the new table's changes go to a Kinesis stream: catch-up's writes would too.
    dst.enable_kinesis_streaming_destination()
        .table_name(NEW_TABLE)
        .stream_arn("arn:aws:kinesis:us-east-1:222222222222:stream/orders-changes")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let out = ferry(&emu, &["catch-up", &id, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let warnings = events_named(&out, "warning");
    for code in ["destination-written", "catch-up-fires-stream"] {
        assert!(
            warnings.iter().any(|w| w["code"] == code),
            "{code}: {}",
            text(&out)
        );
    }
}

/// (1, 7) A migration not planned for catch-up turned PITR off at its end: catch-up asked for
/// later is refused with its own code, since the writes since the export cannot be exported.
#[tokio::test(flavor = "multi_thread")]
async fn catch_up_is_refused_when_pitr_no_longer_covers_the_export() {
    let emu = Emulator::start(knobs());
    let src = seed(&emu, 20).await;
    let plan_file = emu.plan("plan.json", &plan("ferry-gap", NEW_TABLE));
    let out = ferry(&emu, &["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!pitr_enabled(&src, "orders").await);
    let id = migration_id(&emu);
    let out = ferry(&emu, &["catch-up", &id, "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(failure_code(&out).as_deref(), Some("catch-up-pitr-gap"));
    // Turning PITR on again starts a new window: still refused.
    turn_on_pitr(&src, "orders").await;
    let out = ferry(&emu, &["catch-up", &id, "--json"]);
    assert_eq!(
        failure_code(&out).as_deref(),
        Some("catch-up-pitr-gap"),
        "{}",
        text(&out)
    );
}

/// (2, 7) A full export written into a table that exists, by each of the plan's choices:
/// overwrite replaces the table's items, skip_existing keeps them, stop_at_conflict stops at
/// the first one that differs.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_load_into_an_existing_table_follows_the_plans_choice() {
    let emu = Emulator::start(knobs());
    let src = seed(&emu, 60).await;
    let dst = emu.dynamo("dest", None).await;
    // Three existing tables holding item 5 with other values, and one item of their own.
    for name in ["over", "skip", "stop"] {
        create_source_table(&dst, name).await;
        let mut changed = varied_item(5);
        changed.insert("price".into(), AttributeValue::N("999".into()));
        put_items(&dst, name, vec![changed, varied_item(5000)]).await;
    }
    let run = |name: &str, choice: &str| {
        let plan = json!({
            "source": {"profile": "source", "table": "orders"},
            "destination": {"profile": "dest", "bucket": format!("ferry-load-{name}")},
            "table": {"name": name},
            "options": {"existing_table": choice},
        });
        let file = emu.plan(&format!("{name}.json"), &plan);
        ferry(&emu, &["run", "--json", file.to_str().unwrap()])
    };
    let price_of_5 = |items: Vec<HashMap<String, AttributeValue>>| {
        items
            .into_iter()
            .find(|i| i.get("sk") == Some(&AttributeValue::N("5".into())))
            .and_then(|i| i.get("price").cloned())
    };

    let out = run("over", "overwrite");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let over = scan_all(&dst, "over").await;
    assert_eq!(over.len(), 61);
    assert_ne!(price_of_5(over), Some(AttributeValue::N("999".into())));

    let out = run("skip", "skip_existing");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let skip = scan_all(&dst, "skip").await;
    assert_eq!(skip.len(), 61);
    assert_eq!(price_of_5(skip), Some(AttributeValue::N("999".into())));

    let out = run("stop", "stop_at_conflict");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(failure_code(&out).as_deref(), Some("load-conflict"));
    let stop = scan_all(&dst, "stop").await;
    assert_eq!(price_of_5(stop), Some(AttributeValue::N("999".into())));
    drop(src);
}
