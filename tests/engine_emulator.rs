//! The migration engine against a real local AWS emulator with two accounts: the built binary
//! runs `ddb-ferry run PLAN` and the tests inspect both accounts with the SDK.

mod support;

use serde_json::json;
use support::*;

const SOURCE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";

fn journal_path(emu: &Emulator) -> std::path::PathBuf {
    emu.journal_path().expect("a journal")
}

fn journal(emu: &Emulator) -> serde_json::Value {
    emu.journal().expect("a journal")
}

fn failure_code(out: &std::process::Output) -> Option<String> {
    json_events(out)
        .into_iter()
        .find(|e| e["event"] == "failed")
        .and_then(|e| e["code"].as_str().map(str::to_owned))
}

/// (a) + (b) + (h, manifest path): 2,100 items of every type cross accounts through the real
/// export layout (several data files, one empty); PITR is turned on and off again.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_cross_account_migration_keeps_every_item() {
    let emu = Emulator::start(Knobs {
        real_layout: true,
        data_files: 4,
        ..Knobs::default()
    });
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    let items: Vec<_> = (0..2100).map(varied_item).collect();
    put_items(&src, "orders", items).await;
    assert!(!pitr_enabled(&src, "orders").await);
    turn_on_ttl(&src, "orders", "expires_at").await;

    let plan_file = emu.plan("plan.json", &plan("ferry-a", "orders"));
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let dst = emu.dynamo("dest", None).await;
    assert_same_items(&src, &dst, "orders", 2100).await;
    // The GSI was created from the source's definition.
    let described = dst
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap();
    let gsis = described.table().unwrap().global_secondary_indexes();
    assert_eq!(gsis.len(), 1);
    assert_eq!(gsis[0].index_name(), Some("by-status"));

    // PITR: enabled by the tool for the export, off again afterwards.
    let j = journal(&emu);
    assert_eq!(j["pitr"]["enabled_by_us"], true);
    assert_eq!(j["pitr"]["disabled_after"], true);
    assert!(!pitr_enabled(&src, "orders").await);
    assert_eq!(j["data_folder"]["found_by"], "manifest");
    assert_eq!(j["data_folder"]["data_files"], 4);
    assert_eq!(j["data_folder"]["manifest_item_count"], 2100);
    assert!(j["data_folder"]["prefix"]
        .as_str()
        .unwrap()
        .ends_with("/data/"));
    assert_eq!(j["state"], "succeeded");
    assert_eq!(export_count(&src, SOURCE_ARN).await, 1);

    let events = json_events(&out);
    let ids: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "identity")
        .filter_map(|e| e["account"].as_str())
        .collect();
    assert_eq!(ids, ["123456789012", "222222222222"]);
    let ttl = events
        .iter()
        .find(|e| e["event"] == "not_carried" && e["setting"] == "TTL")
        .expect("TTL is reported as not carried");
    assert!(ttl["source_value"].as_str().unwrap().contains("expires_at"));
    assert!(ttl["how_to_apply"]
        .as_str()
        .unwrap()
        .contains("update-time-to-live"));
    // A cost estimate before each job; the import's is priced on the size AWS billed for
    // the export.
    let estimates: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "estimate").collect();
    let steps: Vec<&str> = estimates
        .iter()
        .filter_map(|e| e["step"].as_str())
        .collect();
    assert_eq!(steps, ["export", "import"]);
    assert_eq!(estimates[0]["estimate"]["costs"][0]["charge"], "export");
    let import = &estimates[1]["estimate"]["costs"][0];
    assert_eq!(import["size_of"], "export_billed");
    assert_eq!(import["bytes"], j["export"]["billed_bytes"]);
    assert!(estimates[1]["lines"][0]
        .as_str()
        .unwrap()
        .starts_with("Import: "));
    // What stays behind: the export's files and the bucket ddb-ferry created; PITR went off.
    let left = events
        .iter()
        .find(|e| e["event"] == "leftovers")
        .expect("the leftovers are listed");
    let whats: Vec<&str> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["what"].as_str())
        .collect();
    assert_eq!(whats.len(), 3, "{whats:?}");
    assert!(whats[0].starts_with("The export's files, s3://ferry-a/ddb-ferry/"));
    assert!(whats[1].contains("they were its only statements"));
    assert!(whats[2].starts_with("The bucket ferry-a, which ddb-ferry created"));
    assert_eq!(
        left["items"][0]["monthly_cost"]["bytes"],
        j["data_folder"]["total_bytes"]
    );
    let last = events.last().unwrap();
    assert_eq!(last["event"], "finished");
    assert_eq!(last["exit_code"], 0);
}

/// (c) + (h, listing path): an unrelated statement and one that reuses our Sid with other
/// content are kept; running the bucket step again changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn c_existing_bucket_policy_statements_are_kept() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..40).map(varied_item).collect()).await;
    let s3 = emu.s3("dest", "us-east-1").await;
    s3.create_bucket().bucket("ferry-c").send().await.unwrap();
    let unrelated = json!({
        "Sid": "ReadOnlyForAnalytics", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ferry-c/reports/*"
    });
    let same_sid = json!({
        "Sid": "DdbFerryExportFromSourceAccount", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::ferry-c/other/*"
    });
    let before = json!({"Version": "2012-10-17", "Statement": [unrelated, same_sid]});
    s3.put_bucket_policy()
        .bucket("ferry-c")
        .policy(before.to_string())
        .send()
        .await
        .unwrap();

    let plan_file = emu.plan("plan.json", &plan("ferry-c", "orders-copy"));
    let out = emu.run(&["run", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let policy_text = s3
        .get_bucket_policy()
        .bucket("ferry-c")
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_owned();
    let after: serde_json::Value = serde_json::from_str(&policy_text).unwrap();
    let statements = after["Statement"].as_array().unwrap();
    assert_eq!(
        statements[0], before["Statement"][0],
        "the unrelated statement is unchanged"
    );
    assert_eq!(
        statements[1], before["Statement"][1],
        "the same-Sid statement is unchanged"
    );
    assert!(statements.len() > 2, "ours were added");
    assert!(statements[2..]
        .iter()
        .all(|s| s["Sid"] != "DdbFerryExportFromSourceAccount"));
    assert_eq!(journal(&emu)["data_folder"]["found_by"], "listing");

    // The end lists what stays behind: the export's files and ddb-ferry's statements, with
    // commands that remove only those (the bucket was there before, so it is not listed).
    let j = journal(&emu);
    let t = text(&out);
    let id = j["id"].as_str().unwrap();
    let sids: Vec<&str> = j["bucket"]["statements_added"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(sids.len(), 2, "{sids:?}");
    let select = sids
        .iter()
        .map(|s| format!(".Sid == \"{s}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let leftovers = t
        .split("What stays behind")
        .nth(1)
        .unwrap_or_else(|| panic!("no leftovers in:\n{t}"));
    let expected = [
        format!("  - The export's files, s3://ferry-c/ddb-ferry/{id}/\n      keeping it costs: less than $0.01 a month (estimate: the export's files "),
        format!("        aws s3 rm --profile dest --region us-east-1 s3://ferry-c/ddb-ferry/{id}/ --recursive\n"),
        format!("  - ddb-ferry's statements in the policy of bucket ferry-c (Sids {}); the command keeps every other statement of the policy (it needs jq); wait for any other migration into this bucket to end first (it may rely on the same statements)\n      keeping it costs: nothing\n", sids.join(", ")),
        format!("        aws s3api put-bucket-policy --profile dest --region us-east-1 --bucket ferry-c --policy \"$(aws s3api get-bucket-policy --profile dest --region us-east-1 --bucket ferry-c --query Policy --output text | jq -c 'del(.Statement[] | select({select}))')\"\n"),
    ];
    for line in &expected {
        assert!(
            leftovers.contains(line.as_str()),
            "{line:?} missing from:\n{leftovers}"
        );
    }
    assert!(!leftovers.contains("delete-bucket"), "{leftovers}");
    assert!(!leftovers.contains("Point-in-time recovery"), "{leftovers}");
    let summary = std::fs::read_to_string(
        emu.state_dir
            .join("migrations")
            .join(format!("{id}.summary.md")),
    )
    .unwrap();
    assert!(summary.contains("## What stays behind"), "{summary}");
    assert!(summary.contains(&format!(
        "aws s3 rm --profile dest --region us-east-1 s3://ferry-c/ddb-ferry/{id}/ --recursive"
    )));

    // Put the journal back to the bucket step and run again: the policy step adds nothing,
    // the export and import are reattached, not started again.
    let dir = emu.state_dir.join("migrations");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    j["step"] = json!("bucket");
    j["state"] = json!("running");
    j["bucket"]["policy_done"] = json!(false);
    std::fs::write(&path, serde_json::to_vec(&j).unwrap()).unwrap();
    let again = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let events = json_events(&again);
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "call" && e["operation"] == "s3:PutBucketPolicy"),
        "no second policy change"
    );
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "call" && e["operation"] == "dynamodb:ExportTableToPointInTime"),
        "no second export"
    );
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "call" && e["operation"] == "dynamodb:ImportTable"),
        "no second import"
    );
    let policy_again = s3
        .get_bucket_policy()
        .bucket("ferry-c")
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_owned();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&policy_again).unwrap(),
        after
    );
    assert_eq!(export_count(&src, SOURCE_ARN).await, 1);
}

/// (d) A destination table name that is taken stops the run before anything changes.
#[tokio::test(flavor = "multi_thread")]
async fn d_taken_destination_name_is_refused_before_export() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..10).map(varied_item).collect()).await;
    let dst = emu.dynamo("dest", None).await;
    create_source_table(&dst, "orders").await;

    let plan_file = emu.plan("plan.json", &plan("ferry-d", "orders"));
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(failure_code(&out).as_deref(), Some("table-exists"));
    assert_eq!(export_count(&src, SOURCE_ARN).await, 0);
    assert!(!pitr_enabled(&src, "orders").await, "PITR untouched");
    let s3 = emu.s3("dest", "us-east-1").await;
    assert!(
        s3.head_bucket().bucket("ferry-d").send().await.is_err(),
        "no bucket created"
    );
    assert!(
        scan_all(&dst, "orders").await.is_empty(),
        "the existing table is not written to"
    );
}

/// (e) A wrong-case key name in the plan stops the run before the import, naming the right
/// spelling.
#[tokio::test(flavor = "multi_thread")]
async fn e_wrong_case_key_is_refused_before_import() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..30).map(varied_item).collect()).await;
    let mut p = plan("ferry-e", "orders-copy");
    p["table"]["partition_key"] = json!({"name": "PK", "type": "S"});
    p["table"]["sort_key"] = json!({"name": "sk", "type": "N"});
    p["table"]["gsis"] = json!([]);
    let plan_file = emu.plan("plan.json", &p);
    let out = emu.run(&["run", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("key-mismatch"), "{t}");
    assert!(
        t.contains(r#"use "pk""#),
        "the right spelling is shown: {t}"
    );
    let dst = emu.dynamo("dest", None).await;
    assert!(
        !table_exists(&dst, "orders-copy").await,
        "no import was started"
    );
    assert_eq!(journal(&emu)["import"], serde_json::Value::Null);

    // The plan fixed (the source's keys again): the same export is used, not a new one.
    let mut fixed = p.clone();
    fixed["table"]["partition_key"] = json!({"name": "pk", "type": "S"});
    std::fs::write(&plan_file, serde_json::to_vec(&fixed).unwrap()).unwrap();
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        export_count(&src, SOURCE_ARN).await,
        1,
        "the export is not repeated"
    );
    assert_eq!(scan_all(&dst, "orders-copy").await.len(), 30);
}

/// (f) Killed while the export runs: the next run reattaches; exactly one export exists.
#[tokio::test(flavor = "multi_thread")]
async fn f_killed_during_export_reattaches() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 6.0,
        ..Knobs::default()
    });
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..120).map(varied_item).collect()).await;
    let plan_file = emu.plan("plan.json", &plan("ferry-f", "orders"));

    let (mut child, started) = emu
        .spawn_until(&["run", "--json", plan_file.to_str().unwrap()], |e| {
            e["event"] == "job_status" && e["job"] == "export" && e["status"] == "IN_PROGRESS"
        });
    assert!(started, "the export was seen IN_PROGRESS");
    // A second process on the same migration is refused while the first runs.
    let second = emu.run(&["run", plan_file.to_str().unwrap()]);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    assert!(
        text(&second).contains("already running"),
        "{}",
        text(&second)
    );
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert_eq!(journal(&emu)["export"]["status"], "IN_PROGRESS");
    // The journal still says running, but no process holds the lock: status tells the truth.
    assert_eq!(journal(&emu)["state"], "running");
    let status = emu.status();
    assert_eq!(status[0]["state"], "interrupted", "{status:?}");
    assert!(status[0]["continue_with"]
        .as_str()
        .is_some_and(|c| c.starts_with("ddb-ferry resume ")));
    // Also lose the write that recorded the export's ARN: only the client token (saved
    // before the call) is left, and the export must be found again with ListExports.
    let path = journal_path(&emu);
    let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    j["export"]["arn"] = serde_json::Value::Null;
    std::fs::write(&path, serde_json::to_vec(&j).unwrap()).unwrap();

    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events = json_events(&out);
    assert!(events
        .iter()
        .any(|e| e["event"] == "job_started" && e["job"] == "export" && e["reattached"] == true));
    assert!(!events
        .iter()
        .any(|e| e["event"] == "call" && e["operation"] == "dynamodb:ExportTableToPointInTime"));
    assert_eq!(
        export_count(&src, SOURCE_ARN).await,
        1,
        "exactly one export"
    );
    let dst = emu.dynamo("dest", None).await;
    assert_eq!(scan_all(&dst, "orders").await.len(), 120);
}

/// (g) The destination (bucket and new table) is in another region than the source table.
#[tokio::test(flavor = "multi_thread")]
async fn g_export_to_a_bucket_in_another_region() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..60).map(varied_item).collect()).await;
    let mut p = plan("ferry-g", "orders");
    p["destination"]["region"] = json!("eu-west-1");
    let plan_file = emu.plan("plan.json", &p);
    let out = emu.run(&["run", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s3 = emu.s3("dest", "eu-west-1").await;
    let location = s3
        .get_bucket_location()
        .bucket("ferry-g")
        .send()
        .await
        .unwrap();
    assert_eq!(
        location.location_constraint().map(|c| c.as_str()),
        Some("eu-west-1")
    );
    let dst = emu.dynamo("dest", Some("eu-west-1")).await;
    assert_eq!(scan_all(&dst, "orders").await.len(), 60);
    let dst_us = emu.dynamo("dest", Some("us-east-1")).await;
    assert!(!table_exists(&dst_us, "orders").await);
}

/// `--dry-run` prints every call and the policy, and changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn dry_run_changes_nothing() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    let plan_file = emu.plan("plan.json", &plan("ferry-dry", "orders"));
    // A person's price for the import, over the built-in ones.
    let prices = emu.plan(
        "prices.json",
        &json!({"label": "price of our contract", "regions": {"us-east-1": {"import_per_gb": 0.12}}}),
    );
    let out = emu.run(&[
        "run",
        "--dry-run",
        "--prices",
        prices.to_str().unwrap(),
        plan_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    for op in [
        "dynamodb:UpdateContinuousBackups",
        "s3:CreateBucket",
        "s3:PutBucketPolicy",
        "dynamodb:ExportTableToPointInTime",
        "dynamodb:ImportTable",
    ] {
        assert!(
            t.contains(&format!("would call {op}")),
            "{op} missing from:\n{t}"
        );
    }
    assert!(t.contains("aws:CalledVia"), "the policy is shown");
    // The same estimates as a real run, before the export and before the import (the empty
    // table's size is 0 B, which the export's line explains).
    for line in [
        "  Estimated cost of the export (an estimate from list prices, not a quote; see docs/costs.md):\n    Export: less than $0.01 (estimate: table size 0 B × $0.10 per GB, us-east-1 list price of 2026-11); AWS updates the size DescribeTable reports about every six hours",
        "    Point-in-time recovery: less than $0.01 a month (estimate: table size 0 B × $0.20 per GB-month, us-east-1 list price of 2026-11); billed while it is on; ddb-ferry turns it off again when the migration ends\n",
        "    S3 storage of the export: less than $0.01 a month (estimate: table size 0 B × $0.023 per GB-month, us-east-1 list price of 2026-11); billed while the files are kept; ddb-ferry never deletes them\n",
        "  Estimated cost of the import (an estimate from list prices, not a quote; see docs/costs.md):\n    Import: less than $0.01 (estimate: table size 0 B × $0.12 per GB, us-east-1 price of our contract)\n",
    ] {
        assert!(t.contains(line), "{line:?} missing from:\n{t}");
    }
    assert!(
        t.find("Estimated cost of the export").unwrap()
            < t.find("would call dynamodb:ExportTableToPointInTime")
                .unwrap()
    );
    assert!(!pitr_enabled(&src, "orders").await);
    let s3 = emu.s3("dest", "us-east-1").await;
    assert!(s3.head_bucket().bucket("ferry-dry").send().await.is_err());
    assert_eq!(export_count(&src, SOURCE_ARN).await, 0);
    assert!(
        files_under(&emu.state_dir.join("migrations")).is_empty(),
        "no journal is written"
    );
}

/// `--endpoint-url` reaches every call, STS AssumeRole of the role profile included, when the
/// profiles themselves name no endpoint.
#[tokio::test(flavor = "multi_thread")]
async fn endpoint_flag_reaches_assume_role() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..15).map(varied_item).collect()).await;
    let config = std::fs::read_to_string(&emu.config_file).unwrap();
    let without: String = config
        .lines()
        .filter(|l| !l.trim_start().starts_with("endpoint_url"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        without.contains("role_arn"),
        "the dest profile is a role profile"
    );
    let bare = emu.dir.path().join("config-without-endpoints");
    std::fs::write(&bare, without).unwrap();
    let plan_file = emu.plan("plan.json", &plan("ferry-endpoint", "orders"));
    let out = emu
        .ferry()
        .env("AWS_CONFIG_FILE", &bare)
        .args([
            "run",
            "--json",
            "--endpoint-url",
            &emu.url,
            plan_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events = json_events(&out);
    let dest = events
        .iter()
        .find(|e| e["event"] == "identity" && e["side"] == "destination")
        .unwrap();
    assert_eq!(dest["account"], "222222222222");
    assert!(dest["arn"]
        .as_str()
        .unwrap()
        .contains("assumed-role/migrator"));
    let dst = emu.dynamo("dest", None).await;
    assert_eq!(scan_all(&dst, "orders").await.len(), 15);
}

/// Killed after ImportTable was sent but before its ARN was saved: the next run finds the
/// import again instead of starting a second one.
#[tokio::test(flavor = "multi_thread")]
async fn lost_import_arn_is_found_again() {
    let emu = Emulator::start(Knobs {
        import_delay_s: 5.0,
        ..Knobs::default()
    });
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..50).map(varied_item).collect()).await;
    let plan_file = emu.plan("plan.json", &plan("ferry-lost", "orders"));
    let (mut child, seen) = emu.spawn_until(&["run", "--json", plan_file.to_str().unwrap()], |e| {
        e["event"] == "job_status" && e["job"] == "import"
    });
    assert!(seen, "the import was seen running");
    child.kill().unwrap();
    child.wait().unwrap();
    let path = journal_path(&emu);
    let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(j["import"]["arn"].is_string(), "the import had started");
    j["import"]["arn"] = serde_json::Value::Null;
    std::fs::write(&path, serde_json::to_vec(&j).unwrap()).unwrap();

    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events = json_events(&out);
    assert!(events
        .iter()
        .any(|e| e["event"] == "job_started" && e["job"] == "import" && e["reattached"] == true));
    assert!(!events
        .iter()
        .any(|e| e["event"] == "call" && e["operation"] == "dynamodb:ImportTable"));
    let dst = emu.dynamo("dest", None).await;
    let imports = dst.list_imports().send().await.unwrap();
    assert_eq!(imports.import_summary_list().len(), 1, "exactly one import");
}

/// `status` lists the migration with its state; `resume ID` on a finished one says so.
#[tokio::test(flavor = "multi_thread")]
async fn status_and_resume_name_the_migration() {
    let emu = Emulator::start(Knobs::default());
    let src = emu.dynamo("source", None).await;
    create_source_table(&src, "orders").await;
    put_items(&src, "orders", (0..5).map(varied_item).collect()).await;
    // Recognisable credentials, so a leak anywhere would be found below.
    let secret = "FerrySecretKey-5cb1e0d7-do-not-leak";
    std::fs::write(
        &emu.credentials_file,
        format!("[source]\naws_access_key_id = AKIAFERRYLEAKCHECK01\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    let plan_file = emu.plan("plan.json", &plan("ferry-status", "orders"));
    assert_eq!(
        emu.run(&["run", plan_file.to_str().unwrap()]).status.code(),
        Some(0)
    );
    let status = emu.run(&["status", "--json"]);
    let line: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&status.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["state"], "succeeded");
    let id = line["id"].as_str().unwrap().to_owned();
    let resumed = emu.run(&["resume", &id]);
    assert_eq!(resumed.status.code(), Some(0));
    assert!(text(&resumed).contains("already finished"));
    let again = emu.run(&["run", plan_file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again).contains("already finished"));
    // No credential ever reaches a file ddb-ferry wrote, nor its output.
    let written = files_under(&emu.state_dir);
    assert!(written
        .iter()
        .any(|p| p.to_string_lossy().ends_with(".summary.md")));
    assert!(written
        .iter()
        .any(|p| p.to_string_lossy().ends_with("ddb-ferry.log")));
    for file in written {
        let content = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !content.contains(secret),
            "{} holds the secret key",
            file.display()
        );
    }
    assert!(!text(&again).contains(secret) && !text(&status).contains(secret));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(journal_path(&emu)).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

/// The first lines of an import's CloudWatch error log are read from the stream AWS names
/// `<import id>/error` in `/aws-dynamodb/imports`; a missing log is simply empty.
#[tokio::test(flavor = "multi_thread")]
async fn import_error_lines_come_from_cloudwatch() {
    use ddb_ferry::aws::logs::{first_import_errors, IMPORT_LOG_GROUP};
    let emu = Emulator::start(Knobs::default());
    let conf = emu.sdk_config("dest", None).await;
    let arn = "arn:aws:dynamodb:us-east-1:222222222222:table/orders/import/01763990000000-e5f6a7b8";
    assert!(first_import_errors(&conf, arn, 5, "dest")
        .await
        .unwrap()
        .is_empty());

    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    logs.create_log_group()
        .log_group_name(IMPORT_LOG_GROUP)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(IMPORT_LOG_GROUP)
        .log_stream_name("01763990000000-e5f6a7b8/error")
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let events: Vec<_> = (0..7)
        .map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now + i)
                .message(format!(
                    "item {i}: One or more parameter values were invalid: Missing the key pk"
                ))
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(IMPORT_LOG_GROUP)
        .log_stream_name("01763990000000-e5f6a7b8/error")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
    let lines = first_import_errors(&conf, arn, 5, "dest").await.unwrap();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("item 0: "), "{lines:?}");
}

/// `options.after_import`: at the end the new table gets the source's TTL attribute and PITR,
/// both are recorded in the journal's history with their commands, and neither is reported
/// as not carried any more.
#[tokio::test(flavor = "multi_thread")]
async fn after_import_turns_on_ttl_and_pitr_for_the_new_table() {
    let emu = Emulator::start(Knobs::default());
    let src = seed(&emu, 10).await;
    turn_on_ttl(&src, "orders", "expires_at").await;
    let mut p = plan("ferry-after", "orders");
    p["options"] = json!({"verify_sample": 5, "after_import": {"ttl": true, "pitr": true}});
    let plan_file = emu.plan("plan.json", &p);
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let dst = emu.dynamo("dest", None).await;
    assert!(pitr_enabled(&dst, "orders").await, "PITR of the new table");
    let ttl = dst
        .describe_time_to_live()
        .table_name("orders")
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().expect("a TTL description");
    assert_eq!(ttl.attribute_name(), Some("expires_at"));
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
    // The source's PITR, turned on for the export only, is off again.
    assert!(!pitr_enabled(&src, "orders").await);

    let j = journal(&emu);
    let history: Vec<(&str, &str)> = j["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["what"].as_str().unwrap(), h["cli"].as_str().unwrap_or("")))
        .collect();
    let ttl_entry = history
        .iter()
        .find(|(what, _)| *what == "TTL turned on for orders (attribute expires_at)")
        .unwrap_or_else(|| panic!("no TTL entry in {history:?}"));
    assert!(ttl_entry.1.contains("update-time-to-live"), "{ttl_entry:?}");
    assert!(
        history
            .iter()
            .any(|(what, _)| *what == "point-in-time recovery turned on for orders"),
        "{history:?}"
    );
    let events = json_events(&out);
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "not_carried" && e["setting"] == "TTL"),
        "TTL was applied, not left to do"
    );
    assert!(events
        .iter()
        .any(|e| e["event"] == "call" && e["operation"] == "dynamodb:UpdateTimeToLive"));
}
