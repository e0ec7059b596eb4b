//! The wizard (`ddb-ferry` with no arguments) driven by keys in a pseudo-terminal, against the
//! local AWS emulator with two accounts; the tests then inspect both accounts with the SDK.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::pty::*;
use support::*;

const TABLE: &str = "orders";
const SOURCE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";

/// The destination's `orders` holds exactly the source's items, attribute for attribute.
async fn assert_same_items(emu: &Emulator, src: &aws_sdk_dynamodb::Client, n: usize) {
    let dst = emu.dynamo("dest", None).await;
    support::assert_same_items(src, &dst, TABLE, n).await;
}

/// (a) Every screen by keys: accounts, table, PITR on, a new bucket, the export through the
/// real layout (manifests), the data folder, the keys, the import, verify; Enter quits with 0.
/// On the way, the command letters typed while a field is edited go where the key bar says:
/// into the field while it says EDITING, to the screen once Esc has left the field.
#[tokio::test(flavor = "multi_thread")]
async fn wizard_walks_the_whole_migration() {
    let emu = Emulator::start(Knobs {
        real_layout: true,
        data_files: 3,
        ..Knobs::default()
    });
    let src = seed(&emu, 200).await;

    let mut pty = Pty::wizard(&emu);
    choose_accounts(&mut pty);
    choose_table_and_pitr(&mut pty, TABLE);
    type_command_letters_into_the_bucket_field(&mut pty, "ferry-wizard-a");
    start_export(&mut pty);
    let last = finish_after_export_typing_help_into_the_name(&mut pty);
    assert!(
        last.contains("Items: export 200, imported 200, counted in the new table 200"),
        "the verify screen counts 200 items everywhere:\n{last}"
    );
    // Ctrl-P saves the choices as a plan beside the journal; any key closes the box.
    pty.send("\x10");
    pty.wait_for("Plan saved", WAIT);
    let saved = std::fs::read_dir(emu.state_dir.join("migrations"))
        .expect("the state folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".plan.jsonc"))
        .expect("a .plan.jsonc beside the journal");
    pty.keys(&[ESC]);
    pty.wait_gone("Plan saved", WAIT);
    pty.send(ENTER);
    match pty.wait_exit(Duration::from_secs(20)) {
        Some(code) => assert_eq!(code, 0, "exit code after the final Enter"),
        None => pty.fail("the wizard did not quit on Enter"),
    }

    assert_same_items(&emu, &src, 200).await;
    assert_eq!(export_count(&src, SOURCE_ARN).await, 1);
    assert!(
        !pitr_enabled(&src, TABLE).await,
        "PITR was off before: the wizard turns it off again"
    );

    // The saved plan, run headless as it is on a fresh emulator, makes the same table.
    let fresh = Emulator::start(Knobs::default());
    let fresh_src = seed(&fresh, 200).await;
    let out = fresh.run(&["run", &saved.display().to_string()]);
    assert!(out.status.success(), "the saved plan runs:\n{}", text(&out));
    let made_by_wizard = describe(&emu).await;
    let made_by_plan = describe(&fresh).await;
    assert_eq!(made_by_plan, made_by_wizard);
    let fresh_dst = fresh.dynamo("dest", None).await;
    support::assert_same_items(&fresh_src, &fresh_dst, TABLE, 200).await;
}

/// What makes a table the same table: keys, attribute types, indexes, billing.
async fn describe(emu: &Emulator) -> String {
    let t = emu
        .dynamo("dest", None)
        .await
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .expect("describe the new table")
        .table
        .expect("a table");
    let mut attributes: Vec<String> = t
        .attribute_definitions()
        .iter()
        .map(|a| format!("{}:{}", a.attribute_name(), a.attribute_type().as_str()))
        .collect();
    attributes.sort();
    let keys: Vec<String> = t
        .key_schema()
        .iter()
        .map(|k| format!("{}:{}", k.attribute_name(), k.key_type().as_str()))
        .collect();
    let gsis: Vec<&str> = t
        .global_secondary_indexes()
        .iter()
        .filter_map(|g| g.index_name())
        .collect();
    let billing = t
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|b| b.as_str().to_owned());
    format!("{attributes:?} {keys:?} {gsis:?} {billing:?}")
}

/// (b) Killed (SIGKILL) while the export runs; opened again, the wizard offers to reattach,
/// Enter reattaches to the same export, and the migration finishes with one export and one
/// import.
#[tokio::test(flavor = "multi_thread")]
async fn wizard_reattaches_after_being_killed_during_the_export() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 8.0,
        ..Knobs::default()
    });
    let src = seed(&emu, 120).await;

    let mut first = Pty::wizard(&emu);
    walk_to_export(&mut first, TABLE, "ferry-wizard-b");
    // The export has started in AWS (its ARN is in the journal) and is still running.
    first.wait_for(RUNNING, Duration::from_secs(20));
    first.kill_hard();
    drop(first);

    let mut second = Pty::wizard(&emu);
    let offer = second.wait_for(RESUME, WAIT);
    assert!(
        offer.contains(TABLE),
        "the offer names the migration:\n{offer}"
    );
    second.send(ENTER);
    second.wait_gone(RESUME, WAIT);
    second.wait_for(PROGRESS, WAIT);
    finish_after_export(&mut second, TABLE);
    second.send(ENTER);
    match second.wait_exit(Duration::from_secs(20)) {
        Some(code) => assert_eq!(code, 0, "exit code after the final Enter"),
        None => second.fail("the wizard did not quit on Enter"),
    }

    assert_eq!(
        export_count(&src, SOURCE_ARN).await,
        1,
        "the reattached wizard used the running export"
    );
    let dst = emu.dynamo("dest", None).await;
    let imports = dst.list_imports().send().await.expect("list imports");
    assert_eq!(imports.import_summary_list().len(), 1, "{imports:?}");
    assert_same_items(&emu, &src, 120).await;
}

/// The backup road across two accounts, as a person walks it: Road recommends it for a table
/// with an LSI; AWS Backup's new backup (the first row) is reviewed with the vault statement
/// in words; `y` adds it and starts; the three jobs run; Verify finds both indexes and every
/// item. The destination vault keeps its own statement beside ddb-ferry's one.
#[tokio::test(flavor = "multi_thread")]
async fn wizard_moves_a_table_with_an_lsi_across_accounts_through_aws_backup() {
    let emu = Emulator::start(Knobs {
        backup_job_s: Some(1.0),
        copy_job_s: Some(1.0),
        restore_job_s: Some(1.0),
        ..Knobs::default()
    });
    let src = support::backup::seed_with_both_indexes(&emu, 30).await;
    support::backup::prepare_cross_account(&emu).await;
    // The wizard offers the vault named Default in the destination.
    support::backup::backup_client(&emu, "dest")
        .await
        .create_backup_vault()
        .backup_vault_name("Default")
        .send()
        .await
        .expect("the destination's Default vault");

    let mut pty = Pty::wizard(&emu);
    choose_accounts(&mut pty);
    pty.wait_for_word(TABLE, WAIT);
    pty.send(ENTER);
    let road = pty.wait_for(ROAD, WAIT);
    assert!(
        road.contains(ROAD_BACKUP_CHOSEN) && road.contains("local secondary index"),
        "the LSI makes the backup road the recommended one:\n{road}"
    );
    pty.send(ENTER);
    let setup = pty.wait_for("Make a new backup now (AWS Backup)", WAIT);
    assert!(
        setup.contains("not here: a DynamoDB backup cannot leave its account"),
        "DynamoDB's own backup is dimmed across accounts:\n{setup}"
    );
    pty.send(ENTER);
    // The vault's policy is read, then the statement to add is said in words.
    pty.wait_for("Nothing has changed yet", WAIT);
    let review = pty.wait_for("copy recovery points into the vault Default", WAIT);
    assert!(
        review.contains("Account 123456789012"),
        "the review names who may copy:\n{review}"
    );
    pty.send(ENTER);
    pty.wait_for("y: yes, add the statement", WAIT);
    pty.send("y");
    pty.wait_for("Backup, copy & restore", WAIT);
    pty.wait_for("Restore complete", Duration::from_secs(90));
    pty.send(ENTER);
    let last = match pty.wait_until(WAIT, |s| {
        s.contains("Keys and indexes") && body(s).contains(QUIT_HINT)
    }) {
        Some(s) => s,
        None => pty.fail("the restore did not reach Verify & finish"),
    };
    assert!(
        last.contains("Keys and indexes: as in the source"),
        "{last}"
    );
    assert!(
        last.contains("Items: in the source 30, counted in the new table 30"),
        "{last}"
    );
    pty.send(ENTER);
    match pty.wait_exit(Duration::from_secs(20)) {
        Some(code) => assert_eq!(code, 0, "exit code after the final Enter"),
        None => pty.fail("the wizard did not quit on Enter"),
    }

    let dst = emu.dynamo("dest", None).await;
    assert_eq!(scan_all(&dst, TABLE).await.len(), 30);
    let described = dst.describe_table().table_name(TABLE).send().await.unwrap();
    let t = described.table().unwrap();
    assert_eq!(t.local_secondary_indexes().len(), 1, "the LSI arrived");
    assert_eq!(t.global_secondary_indexes().len(), 1, "the GSI arrived");
    let policy = support::backup::backup_client(&emu, "dest")
        .await
        .get_backup_vault_access_policy()
        .backup_vault_name("Default")
        .send()
        .await
        .unwrap();
    assert!(
        policy.policy().unwrap().contains("DdbFerryCopyIntoVault"),
        "the statement confirmed with y is in the vault's policy"
    );
    let _ = src;
}

/// (e) The backup road in one account (profile `source` on both sides): the Road screen
/// recommends it, a DynamoDB backup is made now and restored under a new name, and Verify
/// speaks of the restore. Enter moves on at every step.
#[tokio::test(flavor = "multi_thread")]
async fn wizard_restores_a_dynamodb_backup_in_one_account() {
    let emu = Emulator::start(Knobs {
        backup_job_s: Some(1.0),
        restore_job_s: Some(1.0),
        ..Knobs::default()
    });
    let src = seed(&emu, 40).await;

    let mut pty = Pty::wizard(&emu);
    // Accounts: `source` for the source, then `source` again for the destination (the
    // destination list starts on the other profile, `dest`).
    pty.wait_for(PROFILES_LISTED, WAIT);
    for column in [0, 40] {
        pty.send(DOWN);
        let highlighted = pty.wait_until(WAIT, |s| {
            s.lines().any(|l| {
                l.chars()
                    .skip(column)
                    .take(40)
                    .collect::<String>()
                    .contains("> source")
            })
        });
        if highlighted.is_none() {
            pty.fail("↓ did not highlight the profile `source`");
        }
        pty.send(ENTER);
    }
    pty.wait_for("Both profiles are the same account", WAIT);
    pty.send(ENTER);
    pty.wait_for_word(TABLE, WAIT);
    pty.send(ENTER);
    let road = pty.wait_for(ROAD, WAIT);
    assert!(
        road.contains(ROAD_BACKUP_CHOSEN) && road.contains("both tables are in one account"),
        "in one account the backup road is recommended and chosen:\n{road}"
    );
    pty.send(ENTER);
    // Backup setup: the new name is free; ↓ chooses DynamoDB's own backup.
    pty.wait_for("New table: orders-restored  free", WAIT);
    pty.send(DOWN);
    let setup = pty.wait_for("DynamoDB makes an on-demand backup", WAIT);
    assert_eq!(
        setup.matches("not here").count(),
        1,
        "in one account only the point in time is dimmed (PITR is off):\n{setup}"
    );
    assert!(
        setup.contains("not here: point-in-time recovery is off"),
        "{setup}"
    );
    pty.send(ENTER);
    pty.wait_for("Nothing has changed yet: Enter starts", WAIT);
    pty.send(ENTER);
    pty.wait_for("Backup, copy & restore", WAIT);
    let done = pty.wait_for("Restore complete", WAIT);
    assert!(
        done.contains("2. Copy: not needed"),
        "one account and region need no copy:\n{done}"
    );
    pty.send(ENTER);
    let last = match pty.wait_until(WAIT, |s| {
        s.contains("Keys and indexes") && body(s).contains(QUIT_HINT)
    }) {
        Some(s) => s,
        None => pty.fail("the restore did not reach Verify & finish"),
    };
    assert!(
        last.contains("Items: in the source 40, counted in the new table 40"),
        "{last}"
    );
    assert!(last.contains("what a restore leaves out"), "{last}");
    assert!(
        !last.to_lowercase().contains("export") && !last.contains("import"),
        "no export or import words after a restore:\n{last}"
    );
    pty.send(ENTER);
    match pty.wait_exit(Duration::from_secs(20)) {
        Some(code) => assert_eq!(code, 0, "exit code after the final Enter"),
        None => pty.fail("the wizard did not quit on Enter"),
    }
    assert_eq!(scan_all(&src, "orders-restored").await.len(), 40);
    let backups = src.list_backups().table_name(TABLE).send().await.unwrap();
    assert_eq!(
        backups.backup_summaries().len(),
        1,
        "one backup made, and kept"
    );
}

/// (f) A fleet by keys: three tables in the source, two marked with Space; Enter takes the
/// fleet's road (a new bucket, the export settings, the names kept, the summary), Enter
/// starts it, and the dashboard counts both tables moved. Both new tables hold their items;
/// the table left unmarked stays behind.
#[tokio::test(flavor = "multi_thread")]
async fn wizard_moves_two_marked_tables_as_a_fleet() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 1.0,
        import_delay_s: 1.0,
        ..Knobs::default()
    });
    let src = seed_three(&emu).await;

    let mut pty = Pty::wizard(&emu);
    start_a_fleet_of_two(&mut pty, "ferry-fleet-wizard");
    pty.wait_for("Fleet fleet-alpha-", WAIT);
    let done = match pty.wait_until(Duration::from_secs(120), |s| {
        s.contains("0 failed · 0 running · 0 waiting · 2 moved")
            && s.contains("Finished: every table moved")
    }) {
        Some(s) => s,
        None => pty.fail("the fleet did not move both tables"),
    };
    assert!(done.contains("alpha") && done.contains("bravo"), "{done}");
    pty.send("q");
    match pty.wait_exit(Duration::from_secs(20)) {
        Some(code) => assert_eq!(code, 0, "exit code after q"),
        None => pty.fail("the wizard did not quit on q"),
    }

    let dst = emu.dynamo("dest", None).await;
    support::assert_same_items(&src, &dst, "alpha", 12).await;
    support::assert_same_items(&src, &dst, "bravo", 7).await;
    assert!(
        !table_exists(&dst, "charlie").await,
        "the unmarked table stays behind"
    );
}

/// Three tables `alpha`, `bravo`, `charlie` in the source, with 12, 7 and 5 items.
async fn seed_three(emu: &Emulator) -> aws_sdk_dynamodb::Client {
    let src = emu.dynamo("source", None).await;
    for (name, n) in [("alpha", 12), ("bravo", 7), ("charlie", 5)] {
        create_source_table(&src, name).await;
        put_items(&src, name, (0..n).map(varied_item).collect()).await;
    }
    src
}

/// From the start to the fleet's dashboard: `alpha` and `bravo` marked with Space, Enter on
/// the marks, a new bucket, the export settings and the names as they are, the summary, and
/// Enter to start.
fn start_a_fleet_of_two(pty: &mut Pty, bucket: &str) {
    choose_accounts(pty);
    pty.wait_for("[ ] alpha", WAIT);
    pty.send(" ");
    pty.wait_for("[x] alpha", WAIT);
    pty.send(DOWN);
    pty.send(" ");
    let marked = pty.wait_for("[x] bravo", WAIT);
    assert!(marked.contains("[ ] charlie"), "{marked}");
    pty.wait_for("2 tables marked: they move together as a fleet", WAIT);
    assert!(
        last_line(&pty.screen()).contains("move the 2 marked as a fleet"),
        "the key bar says where Enter goes"
    );
    pty.send(ENTER);
    pty.wait_for(BUCKET_LIST, WAIT);
    pty.send(TAB);
    pty.send(bucket);
    pty.send(ENTER);
    pty.wait_for(BUCKET_NEW, WAIT);
    pty.send(ENTER);
    pty.wait_for(EXPORT_FORM, WAIT);
    pty.send(ENTER);
    let names = pty.wait_for("No new name is taken in the destination", WAIT);
    assert!(
        names.contains("alpha") && names.contains("bravo"),
        "{names}"
    );
    pty.send(ENTER);
    let summary = pty.wait_for("Estimated time", WAIT);
    assert!(
        summary.contains("Estimates: nothing has started"),
        "{summary}"
    );
    pty.send(ENTER);
}

/// (g) Quit while the fleet's exports run (the jobs go on in AWS); opened again, the wizard
/// offers the whole fleet, Enter reattaches, and both tables move with one export each.
#[tokio::test(flavor = "multi_thread")]
async fn wizard_reattaches_to_a_fleet_after_quitting() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 6.0,
        import_delay_s: 1.0,
        ..Knobs::default()
    });
    let src = seed_three(&emu).await;

    let mut first = Pty::wizard(&emu);
    start_a_fleet_of_two(&mut first, "ferry-fleet-again");
    first.wait_for(RUNNING, Duration::from_secs(60));
    first.send("q");
    first.wait_for("Quit?", WAIT);
    first.send("y");
    match first.wait_exit(Duration::from_secs(30)) {
        Some(code) => assert_eq!(code, 0, "exit code after quitting"),
        None => first.fail("the wizard did not quit"),
    }
    drop(first);

    let mut second = Pty::wizard(&emu);
    let offer = second.wait_for(RESUME, WAIT);
    assert!(
        offer.contains("a fleet of 2 tables"),
        "the offer is the whole fleet:\n{offer}"
    );
    second.send(ENTER);
    second.wait_gone(RESUME, WAIT);
    if second
        .wait_until(Duration::from_secs(120), |s| {
            s.contains("2 moved") && s.contains("Finished: every table moved")
        })
        .is_none()
    {
        second.fail("the reattached fleet did not move both tables");
    }
    second.send("q");
    assert_eq!(second.wait_exit(Duration::from_secs(20)), Some(0));

    for table in ["alpha", "bravo"] {
        let arn = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}");
        assert_eq!(
            export_count(&src, &arn).await,
            1,
            "{table}: the running export was reattached to, not started again"
        );
    }
    let dst = emu.dynamo("dest", None).await;
    support::assert_same_items(&src, &dst, "alpha", 12).await;
    support::assert_same_items(&src, &dst, "bravo", 7).await;
}

/// (c) Without a terminal the wizard does not start: exit 2 and a pointer to `ddb-ferry run`.
#[test]
fn wizard_refuses_to_run_without_a_terminal() {
    let state = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ddb-ferry"));
    for var in AWS_ENV_VARS {
        cmd.env_remove(var);
    }
    let out = cmd
        .env("DDB_FERRY_STATE_DIR", state.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run ddb-ferry");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ddb-ferry run"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing drawn without a terminal");
}

/// (d) Below 80x24 the wizard asks for a larger window; grown to 80x24 it draws the Accounts
/// screen.
#[test]
fn wizard_asks_for_a_larger_window() {
    let emu = Emulator::start(Knobs::default());
    let mut pty = Pty::ferry(&emu, &[], 20, 60);
    pty.wait_for(TOO_SMALL, WAIT);
    pty.resize(24, 80);
    let screen = match pty.wait_until(WAIT, |s| {
        !s.contains(TOO_SMALL) && has_word(s, "dest") && has_word(s, "source")
    }) {
        Some(s) => s,
        None => pty.fail("after the resize to 80x24 the Accounts screen did not appear"),
    };
    assert!(screen.lines().count() <= 24);
    pty.send("q");
    assert_eq!(pty.wait_exit(Duration::from_secs(20)), Some(0));
}

/// Bucket: Tab into the field; the bar says EDITING, so `p`, `a` and `q` are typed into the
/// name. Backspace takes them out; Esc leaves the field (the bar no longer says EDITING) and
/// `p` is then the command the bar lists: it previews the typed bucket; Enter applies it.
fn type_command_letters_into_the_bucket_field(pty: &mut Pty, bucket: &str) {
    pty.wait_for(BUCKET_LIST, WAIT);
    pty.send(TAB);
    let bar = pty.wait_for(EDITING, WAIT);
    assert!(
        last_line(&bar).starts_with("EDITING Bucket"),
        "the key bar names the field:\n{bar}"
    );
    pty.send(bucket);
    pty.send("paq");
    pty.wait_for(&format!("Bucket: {bucket}paq"), WAIT);
    assert!(!pty.screen().contains(BUCKET_NEW), "no preview was asked");
    pty.keys(&["\x7f", "\x7f", "\x7f", ESC]);
    let commands = pty.wait_until(WAIT, |s| !last_line(s).contains(EDITING));
    let commands = commands.unwrap_or_else(|| pty.fail("Esc did not leave the field"));
    assert!(
        last_line(&commands).contains("p: preview"),
        "the bar lists p once the field is left:\n{commands}"
    );
    assert!(
        commands.contains(&format!("Bucket: {bucket} ")),
        "{commands}"
    );
    pty.send("p");
    pty.wait_for(BUCKET_NEW, WAIT);
    pty.send(ENTER);
    pty.wait_for(EXPORT_FORM, WAIT);
}

/// The end of the walk, with `q` and `?` typed into the new table's name on the way: `q` is
/// text there (the bar says EDITING), `?` opens the help and is never typed.
fn finish_after_export_typing_help_into_the_name(pty: &mut Pty) -> String {
    open_keys_after_export(pty, TABLE);
    pty.send("q");
    pty.wait_for(&format!("Name: {TABLE}q"), WAIT);
    pty.send("?");
    pty.wait_for("Help: Keys & new table", WAIT);
    pty.keys(&[ESC]);
    pty.wait_gone("Help: Keys", WAIT);
    pty.keys(&["\x7f"]);
    let form = pty.wait_for(&format!("Name: {TABLE} "), WAIT);
    assert!(
        !form.contains(&format!("{TABLE}?")),
        "? is never typed:\n{form}"
    );
    import_and_verify(pty)
}

/// (h) Catch-up, chosen before the export: the migration by keys with "Catch up later" on,
/// then writes made to the source after the import; on Verify, Enter opens the Catch-up
/// screen and Enter there runs one increment, which brings those writes over and shows how
/// far the new table is behind the source. PITR stays on at the source (until the cutover).
/// Needs the emulator's incremental exports (short windows, a restorable time that trails)
/// and the real writer.
#[tokio::test(flavor = "multi_thread")]
async fn wizard_catches_up_after_the_migration() {
    let emu = Emulator::start(Knobs {
        real_layout: true,
        min_incremental_window_s: Some(5.0),
        restorable_lag_s: Some(2.0),
        ..Knobs::default()
    });
    let src = seed(&emu, 200).await;
    let mut env = emu.env();
    env.push(("DDB_FERRY_SHORTEST_WINDOW_SECS".into(), "5".into()));
    let mut pty = Pty::spawn(env!("CARGO_BIN_EXE_ddb-ferry"), &[], &env, 24, 80);
    choose_accounts(&mut pty);
    choose_table_and_pitr(&mut pty, TABLE);
    choose_new_bucket(&mut pty, "ferry-wizard-catch-up");

    // Export: Tab to "Catch up later" (through the time field), Space turns it on; the
    // screen says what it costs and asks.
    pty.keys(&[TAB, TAB, TAB]);
    pty.wait_for("> Catch up later", WAIT);
    pty.send(" ");
    pty.wait_for("PITR then stays on at the source until the cutover", WAIT);
    start_export(&mut pty);
    open_keys_after_export(&mut pty, TABLE);
    pty.send(ENTER);
    pty.wait_for(KEYS_MATCH, WAIT);
    pty.send(ENTER);
    pty.wait_for(IMPORT_COMPLETE, WAIT);
    pty.send(ENTER);
    // Verify offers catch-up first (the frame may arrive in parts: both lines are awaited).
    pty.wait_until(WAIT, |s| {
        s.contains("Next, catch up") && last_line(s).starts_with("Enter: catch up")
    })
    .unwrap_or_else(|| pty.fail("Verify does not offer catch-up first"));

    // The application goes on writing to the source.
    put_items(&src, TABLE, (200..210).map(varied_item).collect()).await;

    pty.send(ENTER);
    pty.wait_for("No increment yet", WAIT);
    pty.send(ENTER);
    // One increment: the writes made since the export are in the new table, and the screen
    // says how far it is behind (the frame may arrive in parts: all of it is awaited).
    pty.wait_until(Duration::from_secs(240), |s| {
        s.contains("behind the source") && s.contains("Increment 1") && s.contains("applied:")
    })
    .unwrap_or_else(|| pty.fail("one increment did not catch up"));
    assert_same_items(&emu, &src, 210).await;
    assert!(
        pitr_enabled(&src, TABLE).await,
        "catch-up keeps PITR on at the source until the cutover"
    );

    // Once the increment's run ended (Enter is offered again), nothing runs: q quits at once.
    pty.wait_until(WAIT, |s| last_line(s).starts_with("Enter: catch up"))
        .unwrap_or_else(|| pty.fail("the increment's run did not end"));
    pty.send("q");
    match pty.wait_exit(Duration::from_secs(20)) {
        Some(code) => assert_eq!(code, 0, "exit code after q"),
        None => pty.fail("the wizard did not quit on q"),
    }
}

fn last_line(screen: &str) -> &str {
    screen.trim_end().rsplit('\n').next().unwrap_or("")
}
