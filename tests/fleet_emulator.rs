//! A fleet of tables against the local emulator, with job delays and the emulator's call
//! counts: the good tables equal item by item, the bad ones refused with their codes and the
//! others unaffected, the fleet's limits respected (running jobs counted by the emulator),
//! `LimitExceededException` backed off, no job started twice, and a kill -9 mid-fleet
//! followed by a rerun that finishes exactly the unfinished tables.

mod support;

use aws_sdk_dynamodb::types::{BillingMode, KeyType, ScalarAttributeType};
use serde_json::{json, Value};
use support::backup::create_table_with_both_indexes;
use support::*;

const SOURCE_ACCOUNT: &str = "123456789012";
const DEST_ACCOUNT: &str = "222222222222";

/// Tables of four shapes: the tests' table (keys, a GSI), the same with an LSI, a
/// partition key only, and keys without an index.
async fn create_shaped(client: &aws_sdk_dynamodb::Client, name: &str, shape: usize) {
    match shape % 4 {
        0 => create_source_table(client, name).await,
        1 => create_table_with_both_indexes(client, name).await,
        2 => {
            client
                .create_table()
                .table_name(name)
                .attribute_definitions(attribute("pk", ScalarAttributeType::S))
                .key_schema(key_element("pk", KeyType::Hash))
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await
                .expect("create table");
        }
        _ => {
            client
                .create_table()
                .table_name(name)
                .attribute_definitions(attribute("pk", ScalarAttributeType::S))
                .attribute_definitions(attribute("sk", ScalarAttributeType::N))
                .key_schema(key_element("pk", KeyType::Hash))
                .key_schema(key_element("sk", KeyType::Range))
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await
                .expect("create table");
        }
    }
}

/// `n` tables `app-01`… of every shape, each with a few items (table i holds 3 + i), and one
/// table the pattern must not take.
async fn seed_fleet(emu: &Emulator, n: usize) -> aws_sdk_dynamodb::Client {
    let src = emu.dynamo("source", None).await;
    for i in 1..=n {
        let name = format!("app-{i:02}");
        create_shaped(&src, &name, i).await;
        put_items(&src, &name, (0..3 + i).map(varied_item).collect()).await;
    }
    create_source_table(&src, "other").await;
    src
}

fn fleet_plan(bucket: &str, extra: Value) -> Value {
    let mut plan = json!({
        "source": {"profile": "source"},
        "destination": {"profile": "dest", "bucket": bucket},
        "tables": ["app-*"],
        "rename": {"suffix": "-new"},
        "limits": {"exports": 3, "imports": 2},
    });
    if let (Some(p), Some(e)) = (plan.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    plan
}

/// The end of a run's output, for assertion messages (a fleet's whole output is long).
fn tail(out: &std::process::Output) -> String {
    let all = text(out);
    let start = all.len().saturating_sub(4000);
    let start = (start..all.len())
        .find(|i| all.is_char_boundary(*i))
        .unwrap_or(0);
    all[start..].to_owned()
}

fn events(out: &std::process::Output) -> Vec<Value> {
    json_events(out)
}

fn finished_tables(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["event"] == "table_finished")
        .collect()
}

fn count(stats: &Value, account: &str, operation: &str) -> u64 {
    stats["calls"][account][format!("DynamoDB.{operation}")]
        .as_u64()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fleet_moves_its_good_tables_and_refuses_the_bad_ones_alone() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 2.0,
        import_delay_s: 2.0,
        stats: true,
        limit_exceeded_first: Some(1),
        ..Knobs::default()
    });
    let src = seed_fleet(&emu, 12).await;
    let dst = emu.dynamo("dest", None).await;
    // app-07's new name is taken; app-05's override names a key its items lack.
    create_source_table(&dst, "app-07-new").await;
    let plan = emu.plan(
        "fleet.json",
        &fleet_plan(
            "ferry-fleet",
            json!({"overrides": {"app-05": {"partition_key": {"name": "PK", "type": "S"}}}}),
        ),
    );
    let plan_arg = plan.to_str().unwrap();

    // The dry run prints the summary, finds the taken name already, and changes nothing.
    let dry = emu.run(&["run", plan_arg, "--json", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(6), "{}", tail(&dry));
    let refused: Vec<Value> = finished_tables(&events(&dry))
        .into_iter()
        .filter(|t| t["failure"].is_object())
        .cloned()
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["failure"]["code"], "table-exists");
    let summary = events(&dry)
        .into_iter()
        .find(|e| e["event"] == "fleet_summary")
        .expect("a fleet summary");
    assert_eq!(summary["survey"]["rows"].as_array().unwrap().len(), 12);
    assert!(
        summary["lines"].to_string().contains("Estimated cost"),
        "{summary}"
    );
    assert!(!table_exists(&dst, "app-01-new").await);

    let out = emu.run(&["run", plan_arg, "--json"]);
    let all = events(&out);
    assert_eq!(out.status.code(), Some(6), "{}", tail(&out));
    let finished = finished_tables(&all);
    assert_eq!(finished.len(), 12, "{}", tail(&out));
    for t in &finished {
        let table = t["table"].as_str().unwrap();
        match table {
            "app-05" => assert_eq!(t["failure"]["code"], "key-mismatch", "{t}"),
            "app-07" => assert_eq!(t["failure"]["code"], "table-exists", "{t}"),
            _ => assert_eq!(t["outcome"], "succeeded", "{t}"),
        }
    }
    for i in (1..=12).filter(|i| *i != 5 && *i != 7) {
        let name = format!("app-{i:02}");
        assert_copied(&src, &name, &dst, &format!("{name}-new"), 3 + i).await;
    }
    assert!(
        !table_exists(&dst, "other-new").await,
        "the pattern took `other`"
    );

    // Every event of a table names it; the fleet said the limits and the one retry command.
    assert!(all
        .iter()
        .filter(|e| e["event"] == "job_started")
        .all(|e| e["table"].as_str().is_some_and(|t| t.starts_with("app-"))));
    let end = all.last().unwrap();
    assert_eq!(end["event"], "fleet_finished", "{end}");
    assert_eq!(end["exit_code"], 6);
    assert_eq!(end["retry_command"], format!("ddb-ferry run {plan_arg}"));
    assert!(
        all.iter().any(|e| e["event"] == "warning"
            && e["message"].as_str().is_some_and(|m| m.contains("quota"))),
        "the refused start is said and retried"
    );

    // The emulator saw at most the fleet's limits running, one export per table that got that
    // far (app-07 stopped at preflight), and the refused calls tried again.
    let stats = emu.stats();
    assert!(
        stats["peak_running"][SOURCE_ACCOUNT]["exports"]
            .as_u64()
            .unwrap()
            <= 3
    );
    assert!(
        stats["peak_running"][DEST_ACCOUNT]["imports"]
            .as_u64()
            .unwrap()
            <= 2
    );
    assert_eq!(stats["refused_limit"][SOURCE_ACCOUNT]["exports"], 1);
    assert_eq!(stats["refused_limit"][DEST_ACCOUNT]["imports"], 1);
    assert_eq!(
        count(&stats, SOURCE_ACCOUNT, "ExportTableToPointInTime"),
        11 + 1
    );
    assert_eq!(count(&stats, DEST_ACCOUNT, "ImportTable"), 10 + 1);

    // The taken name is freed by renaming app-07: the rerun takes up the two failed tables
    // only, moves app-07 and refuses app-05 again; the moved ones are left alone.
    let fixed = emu.plan(
        "fleet.json",
        &fleet_plan(
            "ferry-fleet",
            json!({
                "overrides": {"app-05": {"partition_key": {"name": "PK", "type": "S"}}},
                "rename": {"suffix": "-new", "names": {"app-07": "app-07-moved"}},
            }),
        ),
    );
    let again = emu.run(&["run", fixed.to_str().unwrap(), "--json"]);
    assert_eq!(again.status.code(), Some(6), "{}", tail(&again));
    let again_events = events(&again);
    let by_table = |t: &str| -> Value {
        finished_tables(&again_events)
            .into_iter()
            .find(|e| e["table"] == t)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        by_table("app-07")["outcome"],
        "succeeded",
        "{}",
        by_table("app-07")
    );
    assert_eq!(by_table("app-05")["failure"]["code"], "key-mismatch");
    let end = again_events.last().unwrap();
    let earlier = end["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["earlier"] == true)
        .count();
    assert_eq!(earlier, 10, "{end}");
    assert_copied(&src, "app-07", &dst, "app-07-moved", 10).await;
    let stats = emu.stats();
    // app-05's export is kept from the first run; app-07 exports once now.
    assert_eq!(
        count(&stats, SOURCE_ACCOUNT, "ExportTableToPointInTime"),
        12 + 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fleet_killed_mid_way_finishes_exactly_the_unfinished_tables() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 3.0,
        import_delay_s: 3.0,
        stats: true,
        ..Knobs::default()
    });
    let src = seed_fleet(&emu, 4).await;
    let dst = emu.dynamo("dest", None).await;
    let plan = emu.plan(
        "fleet.json",
        &fleet_plan(
            "ferry-kill",
            json!({"limits": {"exports": 2, "imports": 2}}),
        ),
    );
    let plan_arg = plan.to_str().unwrap();
    // Killed once the first import started: some tables import, others still export.
    let (mut child, seen) = emu.spawn_until(&["run", plan_arg, "--json"], |e| {
        e["event"] == "job_started" && e["job"] == "import"
    });
    assert!(seen, "an import started");
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let out = emu.run(&["run", plan_arg, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", tail(&out));
    let all = events(&out);
    assert!(
        all.iter()
            .any(|e| e["event"] == "job_started" && e["reattached"] == true),
        "the rerun reattached to the running jobs"
    );
    for i in 1..=4 {
        let name = format!("app-{i:02}");
        assert_copied(&src, &name, &dst, &format!("{name}-new"), 3 + i).await;
    }
    let stats = emu.stats();
    assert_eq!(count(&stats, SOURCE_ACCOUNT, "ExportTableToPointInTime"), 4);
    // The fleet watched its jobs with the list calls: a job is described when it is found
    // again and when the list shows it moved, not every round.
    assert!(
        count(&stats, SOURCE_ACCOUNT, "ListExports") > 0,
        "{}",
        stats["calls"]
    );
    assert!(
        count(&stats, DEST_ACCOUNT, "ListImports") > 0,
        "{}",
        stats["calls"]
    );
    assert!(
        count(&stats, SOURCE_ACCOUNT, "DescribeExport") <= 2 * 4,
        "{}",
        stats["calls"]
    );
    assert!(
        count(&stats, DEST_ACCOUNT, "DescribeImport") <= 2 * 4,
        "{}",
        stats["calls"]
    );
    assert_eq!(count(&stats, DEST_ACCOUNT, "ImportTable"), 4);

    // `status` shows the fleet and each of its tables.
    let status = emu.status();
    let fleet = status
        .iter()
        .find(|s| s["fleet"].is_string() && s["table"].is_null())
        .expect("a fleet line");
    assert_eq!(fleet["state"], "succeeded", "{fleet}");
    assert_eq!(fleet["tables"], 4);
    assert_eq!(
        status
            .iter()
            .filter(|s| s["fleet"] == fleet["fleet"] && s["table"].is_string())
            .count(),
        4
    );
}
