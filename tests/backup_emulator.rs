//! The backup road against the local emulator with two accounts: AWS Backup's backup, copy
//! and restore jobs across accounts, DynamoDB's own backups and point-in-time restores in one
//! account, a restore that loses an index, every missing prerequisite, and kill -9 during
//! each job. The built binary runs `ddb-ferry run PLAN`; the tests inspect both accounts.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::backup::*;
use support::*;

const SOURCE_ROLE: &str = "arn:aws:iam::123456789012:role/backup";

/// Short jobs: the road's three jobs in a few seconds each.
fn quick() -> Knobs {
    Knobs {
        backup_job_s: Some(1.5),
        copy_job_s: Some(1.5),
        restore_job_s: Some(1.5),
        ..Knobs::default()
    }
}

fn failure_code(out: &std::process::Output) -> Option<String> {
    json_events(out)
        .into_iter()
        .find(|e| e["event"] == "failed")
        .and_then(|e| e["code"].as_str().map(str::to_owned))
}

/// Every code the run reported: its failure and its explained warnings.
fn codes(out: &std::process::Output) -> Vec<String> {
    json_events(out)
        .into_iter()
        .filter(|e| e["event"] == "failed" || e["event"] == "warning")
        .filter_map(|e| e["code"].as_str().map(str::to_owned))
        .collect()
}

/// The indexes of `table`: (GSI names, LSI names).
async fn indexes(client: &aws_sdk_dynamodb::Client, table: &str) -> (Vec<String>, Vec<String>) {
    let t = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let t = t.table().unwrap();
    let gsis = t
        .global_secondary_indexes()
        .iter()
        .filter_map(|g| g.index_name().map(str::to_owned))
        .collect();
    let lsis = t
        .local_secondary_indexes()
        .iter()
        .filter_map(|l| l.index_name().map(str::to_owned))
        .collect();
    (gsis, lsis)
}

fn cross_account_plan(table: &str) -> Value {
    json!({
        "via": "backup",
        "source": {"profile": "source", "table": "orders"},
        "destination": {"profile": "dest"},
        "table": {"name": table},
        "backup": {
            "dest_vault": "landing",
            "source_role_arn": SOURCE_ROLE,
            "dest_role_arn": format!("arn:aws:iam::{DEST_ACCOUNT}:role/restore"),
        }
    })
}

fn same_account_plan(table: &str, backup: Value) -> Value {
    json!({
        "via": "backup",
        "source": {"profile": "source", "table": "orders"},
        "destination": {"profile": "source"},
        "table": {"name": table},
        "backup": backup,
    })
}

/// The journal of the migration into `table`.
fn journal_of(emu: &Emulator, table: &str) -> Value {
    std::fs::read_dir(emu.state_dir.join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| serde_json::from_slice::<Value>(&std::fs::read(p).ok()?).ok())
        .find(|j| j["plan"]["table"]["name"] == table)
        .expect("a journal of that migration")
}

async fn backup_jobs(emu: &Emulator) -> usize {
    let src = backup_client(emu, "source").await;
    src.list_backup_jobs()
        .send()
        .await
        .unwrap()
        .backup_jobs()
        .len()
}

async fn copy_jobs(emu: &Emulator) -> usize {
    let src = backup_client(emu, "source").await;
    src.list_copy_jobs().send().await.unwrap().copy_jobs().len()
}

async fn restore_jobs(emu: &Emulator) -> usize {
    let dst = backup_client(emu, "dest").await;
    dst.list_restore_jobs()
        .send()
        .await
        .unwrap()
        .restore_jobs()
        .len()
}

/// Across two accounts: a backup job, a copy into the destination's vault (its policy gains
/// one statement and keeps its own), a restore with both indexes and every item.
#[tokio::test(flavor = "multi_thread")]
async fn across_accounts_both_indexes_and_every_item_arrive() {
    let emu = Emulator::start(quick());
    let src = seed_with_both_indexes(&emu, 120).await;
    prepare_cross_account(&emu).await;
    let plan_file = emu.plan("plan.json", &cross_account_plan("orders"));
    let plan_path = plan_file.to_str().unwrap();

    let dry = emu.run(&["run", "--dry-run", "--json", plan_path]);
    let calls: Vec<String> = json_events(&dry)
        .into_iter()
        .filter(|e| e["event"] == "call")
        .filter_map(|e| e["operation"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        calls,
        [
            "backup:StartBackupJob",
            "backup:PutBackupVaultAccessPolicy",
            "backup:StartCopyJob",
            "backup:StartRestoreJob"
        ],
        "{}",
        text(&dry)
    );
    assert!(
        text(&dry).contains("RECOVERY_POINT_ARN"),
        "the later commands name the backup a dry run did not make"
    );
    let estimate = json_events(&dry)
        .into_iter()
        .find(|e| e["event"] == "estimate")
        .expect("the road's cost comes before its first job");
    let charges: Vec<&str> = estimate["estimate"]["costs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["charge"].as_str())
        .collect();
    assert_eq!(
        charges.len(),
        3,
        "restore, the backup, its copy: {estimate}"
    );
    assert_eq!(backup_jobs(&emu).await, 0, "a dry run starts nothing");
    let untouched = backup_client(&emu, "dest")
        .await
        .get_backup_vault_access_policy()
        .backup_vault_name("landing")
        .send()
        .await
        .unwrap();
    assert!(
        !untouched.policy().unwrap().contains(SOURCE_ACCOUNT),
        "nor changes a policy"
    );

    let out = emu.run(&["run", "--json", plan_path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dst = emu.dynamo("dest", None).await;
    assert_same_items(&src, &dst, "orders", 120).await;
    assert_eq!(
        indexes(&dst, "orders").await,
        (vec!["by-status".to_owned()], vec!["by-date".to_owned()])
    );
    assert_eq!(
        (
            backup_jobs(&emu).await,
            copy_jobs(&emu).await,
            restore_jobs(&emu).await
        ),
        (1, 1, 1)
    );
    let policy = backup_client(&emu, "dest")
        .await
        .get_backup_vault_access_policy()
        .backup_vault_name("landing")
        .send()
        .await
        .unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(sids.len(), 2, "{policy}");
    assert_eq!(
        sids[0], "KeepMe",
        "the vault's own statement is kept, first"
    );
    let journal = emu.journal().unwrap();
    assert_eq!(journal["backup"]["statements_added"][0], sids[1]);
    assert!(
        text(&out).contains("aws backup start-copy-job"),
        "{}",
        text(&out)
    );
    let summary_events = json_events(&out);
    assert!(summary_events.iter().any(|e| e["event"] == "job_status"
        && e["job"] == "restore"
        && e.get("percent_done").is_some()));
}

/// One account: a DynamoDB backup restored (both indexes kept), and a point-in-time restore
/// that lacks a write made after its time.
#[tokio::test(flavor = "multi_thread")]
async fn in_one_account_a_dynamodb_backup_and_a_point_in_time_are_restored() {
    let emu = Emulator::start(quick());
    let src = seed_with_both_indexes(&emu, 60).await;
    let plan_file = emu.plan(
        "from-backup.json",
        &same_account_plan("orders-from-backup", json!({"made_by": "dynamodb"})),
    );
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        indexes(&src, "orders-from-backup").await,
        (vec!["by-status".to_owned()], vec!["by-date".to_owned()])
    );
    assert_eq!(scan_all(&src, "orders-from-backup").await.len(), 60);
    let backups = src
        .list_backups()
        .table_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(backups.backup_summaries().len(), 1, "one backup, kept");

    turn_on_pitr(&src, "orders").await;
    put_items(&src, "orders", vec![varied_item(1000)]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let cut = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    put_items(&src, "orders", vec![varied_item(2000)]).await;
    let plan_file = emu.plan(
        "pit.json",
        &same_account_plan(
            "orders-as-of",
            json!({"from": "point_in_time", "restore_time": cut}),
        ),
    );
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let restored: Vec<String> = scan_all(&src, "orders-as-of")
        .await
        .iter()
        .map(key_of)
        .collect();
    assert_eq!(
        restored.len(),
        61,
        "the 60 seeded items and the write before the time"
    );
    assert!(restored.contains(&key_of(&varied_item(1000))));
    assert!(
        !restored.contains(&key_of(&varied_item(2000))),
        "the later write is absent"
    );
}

/// One account, another region: a point-in-time restore creates the table there, reading
/// the source table in its own region; nothing is copied.
#[tokio::test(flavor = "multi_thread")]
async fn in_one_account_a_point_in_time_lands_in_another_region() {
    let emu = Emulator::start(quick());
    let src = seed_with_both_indexes(&emu, 25).await;
    turn_on_pitr(&src, "orders").await;
    let mut plan = same_account_plan("orders-west", json!({"from": "point_in_time"}));
    plan["destination"]["region"] = json!("us-west-2");
    let plan_file = emu.plan("west.json", &plan);
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let west = emu.dynamo("source", Some("us-west-2")).await;
    assert_eq!(scan_all(&west, "orders-west").await.len(), 25);
    assert_eq!(
        indexes(&west, "orders-west").await,
        (vec!["by-status".to_owned()], vec!["by-date".to_owned()])
    );
    assert!(
        !table_exists(&src, "orders-west").await,
        "nothing in the source's region"
    );
    assert_eq!(backup_jobs(&emu).await + copy_jobs(&emu).await, 0);
}

/// A restore that silently loses the GSI: Verify says so and the run fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_restore_that_drops_an_index_is_caught_by_verify() {
    let emu = Emulator::start(Knobs {
        restore_drop_index: Some("by-status".into()),
        ..quick()
    });
    seed_with_both_indexes(&emu, 20).await;
    let plan_file = emu.plan(
        "plan.json",
        &same_account_plan("orders-lossy", json!({"made_by": "dynamodb"})),
    );
    let out = emu.run(&["run", "--json", plan_file.to_str().unwrap()]);
    assert_eq!(
        failure_code(&out).as_deref(),
        Some("verify-schema-mismatch"),
        "{}",
        text(&out)
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).contains("by-status"), "{}", text(&out));
}

/// Each missing prerequisite of a cross-account copy is named by its code, and nothing
/// changed: no job, no table, the vault policy as it was.
#[tokio::test(flavor = "multi_thread")]
async fn each_missing_prerequisite_is_named_and_nothing_changes() {
    let emu = Emulator::start(quick());
    seed_with_both_indexes(&emu, 5).await;
    let base = cross_account_plan("orders");
    let with = |path: &[&str], value: Value| {
        let mut p = base.clone();
        let mut at = &mut p;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        p
    };
    let run = |name: &str, plan: &Value| {
        let file = emu.plan(&format!("{name}.json"), plan);
        emu.run(&["run", "--json", "--new", file.to_str().unwrap()])
    };
    // Nothing prepared yet: not in an Organization, no vaults, features and setting off.
    let out = run("bare", &base);
    let found = codes(&out);
    for code in [
        "backup-vault-missing",
        "advanced-dynamodb-backup-off",
        "not-in-organization",
        "cross-account-backup-off",
    ] {
        assert!(
            found.iter().any(|c| c == code),
            "{code} not in {found:?}: {}",
            text(&out)
        );
    }
    prepare_cross_account(&emu).await;
    let cases: Vec<(&str, Value)> = vec![
        (
            "backup-role-missing",
            with(&["backup", "source_role_arn"], Value::Null),
        ),
        (
            "backup-role-missing",
            with(&["backup", "dest_role_arn"], Value::Null),
        ),
        (
            "backup-role-other-account",
            with(
                &["backup", "source_role_arn"],
                json!("arn:aws:iam::111111111111:role/x"),
            ),
        ),
        (
            "backup-vault-missing",
            with(&["backup", "dest_vault"], json!("nowhere")),
        ),
        (
            "vault-policy-missing",
            with(&["backup", "add_vault_policy"], json!(false)),
        ),
        (
            "point-in-time-other-account",
            with(&["backup", "from"], json!("point_in_time")),
        ),
        (
            "dynamodb-backup-cannot-cross",
            with(&["backup", "made_by"], json!("dynamodb")),
        ),
    ];
    for (i, (code, plan)) in cases.iter().enumerate() {
        let out = run(&format!("case-{i}"), plan);
        assert_eq!(failure_code(&out).as_deref(), Some(*code), "{}", text(&out));
        assert_eq!(out.status.code(), Some(2), "bad input: {}", text(&out));
    }
    // A backup DynamoDB made cannot cross accounts.
    let src = emu.dynamo("source", None).await;
    let made = src
        .create_backup()
        .table_name("orders")
        .backup_name("by-hand")
        .send()
        .await
        .unwrap();
    let arn = made.backup_details().unwrap().backup_arn().to_owned();
    let plan = with(&["backup", "from"], json!("recovery_point"));
    let mut plan = plan;
    plan["backup"]["recovery_point_arn"] = json!(arn);
    let out = run("dynamodb-made", &plan);
    assert_eq!(
        failure_code(&out).as_deref(),
        Some("recovery-point-not-copyable"),
        "{}",
        text(&out)
    );

    assert_eq!(
        (
            backup_jobs(&emu).await,
            copy_jobs(&emu).await,
            restore_jobs(&emu).await
        ),
        (0, 0, 0)
    );
    let dst = emu.dynamo("dest", None).await;
    assert!(!table_exists(&dst, "orders").await);
    let policy = backup_client(&emu, "dest")
        .await
        .get_backup_vault_access_policy()
        .backup_vault_name("landing")
        .send()
        .await
        .unwrap();
    assert!(
        !policy.policy().unwrap().contains(SOURCE_ACCOUNT),
        "the policy is unchanged"
    );
}

/// kill -9 as each job starts (backup, copy, restore): the next run continues it, and each
/// migration ends with exactly one job of each kind and every item.
#[tokio::test(flavor = "multi_thread")]
async fn killed_at_each_job_and_the_vault_policy_the_next_run_makes_nothing_twice() {
    let emu = Emulator::start(Knobs {
        backup_job_s: Some(3.0),
        copy_job_s: Some(3.0),
        restore_job_s: Some(3.0),
        ..Knobs::default()
    });
    let src = seed_with_both_indexes(&emu, 30).await;
    prepare_cross_account(&emu).await;
    // Killed as the vault policy is written (first: the vault has no statement yet), and as
    // each job starts.
    let points = [
        ("call", "operation", "backup:PutBackupVaultAccessPolicy"),
        ("job_started", "job", "backup"),
        ("job_started", "job", "copy"),
        ("job_started", "job", "restore"),
    ];
    for (i, (event, field, value)) in points.into_iter().enumerate() {
        let table = format!("orders-{i}");
        let plan_file = emu.plan(&format!("kill-{i}.json"), &cross_account_plan(&table));
        let pf = plan_file.to_str().unwrap();
        let (mut child, matched) = emu.spawn_until(&["run", "--json", pf], |e| {
            e["event"] == event && e[field] == value
        });
        assert!(matched, "{value} was never reached");
        child.kill().unwrap();
        let _ = child.wait();
        let out = emu.run(&["run", "--json", pf]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "after a kill at {value}: {}",
            text(&out)
        );
        if event == "job_started" {
            assert!(
                json_events(&out).iter().any(|e| e["event"] == "job_started"
                    && e["job"] == value
                    && e["reattached"] == true),
                "the {value} job was found again: {}",
                text(&out)
            );
        } else {
            let journal = journal_of(&emu, &table);
            assert_eq!(
                journal["backup"]["statements_added"]
                    .as_array()
                    .map(Vec::len),
                Some(1),
                "the statement is listed as ddb-ferry's: {journal}"
            );
        }
        let dst = emu.dynamo("dest", None).await;
        assert_eq!(scan_all(&dst, &table).await.len(), 30);
        let n = i + 1;
        assert_eq!(
            (
                backup_jobs(&emu).await,
                copy_jobs(&emu).await,
                restore_jobs(&emu).await
            ),
            (n, n, n),
            "one job of each kind per migration"
        );
    }
    let _ = src;
}
