//! One process per migration, the wizard included: the lock both ways between the wizard and
//! `run`/`resume`, read-only watching, and `status` after the wizard's terminal hung up.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::pty::*;
use support::*;

const TABLE: &str = "orders";

/// Waits until the journal satisfies `pred`.
fn wait_journal(emu: &Emulator, what: &str, pred: impl Fn(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if emu.journal().is_some_and(|j| pred(&j)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the journal never showed {what}: {:?}", emu.journal());
}

/// The wizard (its bucket step applied twice) watches a running export: `resume` on the same
/// migration is refused with the wizard's pid; `status` says it runs. Then the terminal hangs up (SIGHUP, a dropped SSH
/// session): the wizard leaves the journal interrupted, and `status` shows how to continue.
#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_holds_its_migration_until_its_terminal_hangs_up() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 120.0,
        ..Knobs::default()
    });
    seed(&emu, 20).await;
    let mut wizard = Pty::wizard(&emu);
    choose_accounts(&mut wizard);
    choose_table_and_pitr(&mut wizard, TABLE);
    choose_new_bucket(&mut wizard, "ferry-lock-a");
    // Back to the bucket, which says what was done; previewed and applied again: the session
    // of the first apply is closed before the second opens, so the wizard never finds its own
    // lock held.
    wizard.send(ESC);
    wizard.wait_for("Done. The bucket", WAIT);
    wizard.send("p");
    wizard.wait_for("Enter: continue (nothing to change)", WAIT);
    wizard.send(ENTER);
    wizard.wait_for(EXPORT_FORM, WAIT);
    assert!(!wizard.screen().contains("In use"), "{}", wizard.screen());
    start_export(&mut wizard);
    wizard.wait_for(RUNNING, WAIT);

    let id = emu.journal().expect("the wizard wrote a journal")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let status = emu.status();
    assert_eq!(status.len(), 1, "{status:?}");
    assert_eq!(status[0]["state"], "running", "{status:?}");
    assert_eq!(status[0]["pid"], wizard.pid, "{status:?}");

    let refused = emu.run(&["resume", &id]);
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(said.contains("already running"), "{said}");
    assert!(said.contains(&format!("pid {}", wizard.pid)), "{said}");
    assert_eq!(
        said.trim().lines().count(),
        3,
        "three lines, as before:\n{said}"
    );

    let _ = std::process::Command::new("kill")
        .args(["-HUP", &wizard.pid.to_string()])
        .status();
    assert!(
        wizard.wait_exit(Duration::from_secs(20)).is_some(),
        "the wizard ends on a hangup"
    );
    assert_eq!(emu.journal().expect("journal")["state"], "interrupted");
    let status = emu.status();
    assert_eq!(status[0]["state"], "interrupted", "{status:?}");
    assert_eq!(
        status[0]["continue_with"],
        format!("ddb-ferry resume {id}"),
        "{status:?}"
    );
    assert!(status[0].get("pid").is_none(), "{status:?}");
    let human = text(&emu.run(&["status"]));
    assert!(
        human.contains("Interrupted")
            && human.contains(&format!("continue with: ddb-ferry resume {id}")),
        "{human}"
    );
}

/// `run` drives a migration; the wizard, asked to reattach to it, says another process (with
/// its pid) runs it and watches it read-only to the end, calling nothing and writing nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_watches_a_migration_that_run_holds() {
    let emu = Emulator::start(Knobs {
        export_delay_s: 6.0,
        ..Knobs::default()
    });
    let src = seed(&emu, 30).await;
    let plan_file = emu.plan("plan.json", &plan("ferry-lock-b", "orders-copy"));
    let log = std::fs::File::create(emu.dir.path().join("run.log")).expect("a log file");
    let mut run = emu
        .ferry()
        .args(["run", "--json", plan_file.to_str().expect("a path")])
        .stdout(log)
        .stderr(Stdio::null())
        .spawn()
        .expect("start ddb-ferry run");
    wait_journal(&emu, "a running export", |j| {
        j["export"]["status"] == "IN_PROGRESS"
    });

    let mut wizard = Pty::wizard(&emu);
    wizard.wait_for(RESUME, WAIT);
    wizard.send(ENTER);
    let held = wizard.wait_for("In use", WAIT);
    assert!(
        held.contains(&format!("pid {}", run.id())),
        "the holder's pid is shown:\n{held}"
    );
    wizard.send("w");
    wizard.wait_for(&format!("Read-only: process {}", run.id()), WAIT);
    wizard.wait_for(PROGRESS, WAIT);

    let status = run.wait().expect("run ends");
    assert_eq!(status.code(), Some(0), "run finished the migration");
    // The watch follows the journal to the end, then says the other process has ended.
    let last = match wizard.wait_until(WAIT, |s| {
        s.contains(VERIFY_ITEMS) && s.contains("has ended")
    }) {
        Some(s) => s,
        None => wizard.fail("the watch did not follow the migration to its end"),
    };
    assert!(last.contains("Items: export 30"), "{last}");
    wizard.send("q");
    assert_eq!(wizard.wait_exit(Duration::from_secs(10)), Some(0));

    let journal = emu.journal().expect("journal");
    assert_eq!(
        journal["state"], "succeeded",
        "the watcher wrote nothing over it"
    );
    let dst = emu.dynamo("dest", None).await;
    assert_eq!(scan_all(&dst, "orders-copy").await.len(), 30);
    assert_eq!(scan_all(&src, TABLE).await.len(), 30);
    let imports = dst.list_imports().send().await.expect("list imports");
    assert_eq!(imports.import_summary_list().len(), 1, "one import, by run");
}
