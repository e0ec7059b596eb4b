//! Fixtures of the Catch-up and Compare screens: a migration finished with catch-up chosen,
//! then the session's part played by hand (its events and its journal), increment by
//! increment.

use crossterm::event::KeyCode;

use super::app::{App, Screen};
use super::services::Cmd;
use super::test_support::*;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::catch_up::record::{AppliedCounts, IncrementFile, IncrementRecord};
use crate::engine::catch_up::CatchUpRequest;
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::session::actor::Request;

/// Windows of the increments, on AWS's clock.
pub const WINDOWS: [(&str, &str); 3] = [
    ("2026-12-02T13:40:00Z", "2026-12-02T13:55:00Z"),
    ("2026-12-02T13:55:00Z", "2026-12-02T14:10:00Z"),
    ("2026-12-02T14:10:00Z", "2026-12-02T14:26:40Z"),
];

pub fn increment_arn(n: u32) -> String {
    format!("arn:aws:dynamodb:{REGION}:{SOURCE_ACCOUNT}:table/orders/export/0176391000000{n}-c0ffee0{n}")
}

/// Verify, done, on a migration that chose "Catch up later" before its export: PITR stays on.
pub fn verify_with_catch_up() -> App {
    let mut app = import_complete();
    let mut j = app.journal.clone().expect("a journal");
    j.plan.options.catch_up = true;
    j.pitr.disabled_after = false;
    session_state(&mut app, j, None, Outcome::Succeeded);
    let app = enter_verify(app);
    assert!(!app.verify.pitr_off);
    app
}

/// The Catch-up screen, reached from Verify, nothing run yet.
pub fn catch_up_entered() -> App {
    let mut app = verify_with_catch_up();
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(
        cmds.is_empty(),
        "entering the screen runs nothing: {cmds:?}"
    );
    assert_eq!(app.screen, Screen::CatchUp);
    app
}

/// The journal's record of increment `n` (1-based), applied or not.
pub fn record(n: u32, items: u64, applied: bool) -> IncrementRecord {
    let (from, to) = WINDOWS[(n - 1) as usize];
    IncrementRecord {
        number: n,
        from: from.into(),
        to: to.into(),
        cutover: false,
        export: Some(JobRecord {
            client_token: format!("ddb-ferry-catch-up-{n}"),
            arn: Some(increment_arn(n)),
            status: Some("COMPLETED".into()),
            ..JobRecord::default()
        }),
        data_files: vec![IncrementFile {
            key: format!("ferry/catch-up/{n:04}/data/a.json.gz"),
            items,
            bytes: items * 210,
        }],
        files_done: if applied {
            vec![format!("ferry/catch-up/{n:04}/data/a.json.gz")]
        } else {
            Vec::new()
        },
        applied: if applied {
            AppliedCounts {
                items,
                puts: items - items / 10,
                deletes: items / 10,
                failed: 0,
                bytes: items * 210,
            }
        } else {
            AppliedCounts::default()
        },
        failures: Vec::new(),
        applied_at: applied.then(|| "2026-12-02T14:30:00Z".to_owned()),
        abandoned: false,
    }
}

/// The session starts increment `n`: its window, its export started.
pub fn window_and_export(app: &mut App, n: u32, status: &str) {
    let (from, to) = WINDOWS[(n - 1) as usize];
    engine(
        app,
        Event::CatchUpWindow {
            number: n,
            from: from.into(),
            to: to.into(),
            cutover: false,
        },
    );
    engine(
        app,
        Event::JobStarted {
            step: Step::CatchUp,
            job: "increment",
            arn: increment_arn(n),
            reattached: false,
        },
    );
    engine(
        app,
        Event::JobStatus {
            step: Step::CatchUp,
            job: "increment",
            status: status.into(),
            started_at: None,
            elapsed_secs: 30,
            next_check_secs: 30,
            percent_done: None,
            expected_minutes: None,
        },
    );
}

/// Runs increment `n` to its end as the session would: Enter, the events, the journal.
pub fn run_increment(app: &mut App, n: u32, items: u64, lag_secs: u64) {
    let cmds = press(app, KeyCode::Enter);
    assert_eq!(
        requests(&cmds),
        [&Request::CatchUp(CatchUpRequest::default())],
        "Enter asks for one increment"
    );
    assert!(app.engine_busy);
    run_started_increment(app, n, items, lag_secs);
}

/// The session runs increment `n`, already asked for, to its end.
pub fn run_started_increment(app: &mut App, n: u32, items: u64, lag_secs: u64) {
    window_and_export(app, n, "IN_PROGRESS");
    engine(
        app,
        Event::CatchUpApplied {
            number: n,
            items,
            puts: items - items / 10,
            deletes: items / 10,
            failed: 0,
            applied_until: WINDOWS[(n - 1) as usize].1.into(),
            lag_secs,
        },
    );
    let mut j = app.journal.clone().expect("a journal");
    j.catch_up.base_time = Some(WINDOWS[0].0.into());
    j.catch_up.increments.push(record(n, items, true));
    ended(app, j, Outcome::Succeeded);
}

/// The session answered the last request with `outcome`.
pub fn ended(app: &mut App, journal: Box<Journal>, outcome: Outcome) -> Vec<Cmd> {
    session_state(app, journal, None, outcome)
}

/// Two increments applied, four minutes behind.
pub fn catch_up_idle() -> App {
    let mut app = catch_up_entered();
    run_increment(&mut app, 1, 1_204, 900);
    run_increment(&mut app, 2, 3_480, 240);
    assert!(!app.engine_busy);
    app
}

/// The third increment being applied.
pub fn catch_up_applying() -> App {
    let mut app = catch_up_idle();
    press(&mut app, KeyCode::Enter);
    window_and_export(&mut app, 3, "COMPLETED");
    engine(
        &mut app,
        Event::CatchUpProgress {
            number: 3,
            items_applied: 5_120,
            items_total: 12_800,
            bytes_applied: 1_075_200,
            bytes_total: 2_688_000,
            items_per_sec: 410,
            secs_left: Some(19),
            retries: 3,
            throttled: 0,
        },
    );
    app
}

/// The third increment waits for AWS's window.
pub fn catch_up_waiting() -> App {
    let mut app = catch_up_idle();
    press(&mut app, KeyCode::Enter);
    engine(
        &mut app,
        Event::Info {
            step: Step::CatchUp,
            message: format!(
                "the next increment can cover the writes up to {} (AWS's clock); AWS exports windows of at least 15 min and its latest restorable time trails now by about five minutes: waiting",
                WINDOWS[2].1
            ),
        },
    );
    app
}

/// `x`: the cutover's question.
pub fn cutover_asked() -> App {
    let mut app = catch_up_idle();
    let cmds = press(&mut app, KeyCode::Char('x'));
    assert!(cmds.is_empty(), "the box asks first: {cmds:?}");
    app
}

/// `y` in the box: the cutover runs; its last increment is applied and the compare reads.
pub fn compare_running() -> App {
    let mut app = cutover_asked();
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(
        requests(&cmds)[..],
        [Request::CatchUp(CatchUpRequest { cutover: true, .. })]
    ));
    engine(
        &mut app,
        Event::Info {
            step: Step::CatchUp,
            message: "cutover: the last increment covers every write before 2026-12-02T14:26:00Z (AWS's clock)".into(),
        },
    );
    window_and_export(&mut app, 3, "COMPLETED");
    engine(
        &mut app,
        Event::CatchUpApplied {
            number: 3,
            items: 96,
            puts: 90,
            deletes: 6,
            failed: 0,
            applied_until: WINDOWS[2].1.into(),
            lag_secs: 75,
        },
    );
    engine(
        &mut app,
        Event::CompareProgress {
            phase: "reading".into(),
            source_items: 845_000,
            dest_items: 838_500,
        },
    );
    assert_eq!(app.screen, Screen::Compare);
    app
}

fn cutover_journal(app: &App, equal: bool) -> Box<Journal> {
    let mut j = app.journal.clone().expect("a journal");
    let mut last = record(3, 96, true);
    last.cutover = true;
    j.catch_up.increments.push(last);
    j.catch_up.writes_stopped_at = Some("2026-12-02T14:26:00Z".into());
    j.catch_up.compare = Some(crate::engine::catch_up::record::CompareRecord {
        at: "2026-12-02T14:41:00Z".into(),
        equal,
        source_items: 1_234_711,
        dest_items: if equal { 1_234_711 } else { 1_234_709 },
        differences: if equal { 0 } else { 14 },
        expired_ttl: 37,
    });
    j.catch_up.cutover_done = equal;
    j.pitr.disabled_after = equal;
    j
}

/// The cutover's compare found the tables equal: catch-up is over.
pub fn compare_equal() -> App {
    let mut app = compare_running();
    engine(
        &mut app,
        Event::CompareFinished {
            equal: true,
            source_items: 1_234_711,
            dest_items: 1_234_711,
            differences: Vec::new(),
            more_differences: 0,
            expired_ttl: 37,
        },
    );
    let j = cutover_journal(&app, true);
    ended(&mut app, j, Outcome::Succeeded);
    pin_summary(&mut app);
    app
}

/// The cutover's compare found differences.
pub fn compare_different() -> App {
    let mut app = compare_running();
    engine(
        &mut app,
        Event::CompareFinished {
            equal: false,
            source_items: 1_234_711,
            dest_items: 1_234_709,
            differences: vec![
                r#"{"pk":"order#88213","sk":"2026-12-02"}: only in the source"#.into(),
                r#"{"pk":"order#88214","sk":"2026-12-02"}: only in the source"#.into(),
                r#"{"pk":"order#10077","sk":"2026-11-30"}: status differs ("shipped" in the source, "packed" in the new table)"#.into(),
            ],
            more_differences: 11,
            expired_ttl: 37,
        },
    );
    engine(
        &mut app,
        Event::Failed {
            step: Step::CatchUp,
            failure: AwsFailure::new(
                "compare-differs",
                FailureKind::JobFailed,
                "the new table differs from the source: 14 difference(s) (1234711 items in the source, 1234709 in the new table)",
                "a write reached the source after the time given as the cutover, something else wrote to the new table, or a write could not be applied (see the failures above)",
                "look at the keys listed",
            ),
        },
    );
    let j = cutover_journal(&app, false);
    ended(&mut app, j, Outcome::JobFailed);
    app
}

/// The engine refuses: PITR no longer covers the next window.
pub fn catch_up_pitr_gap() -> App {
    let mut app = catch_up_entered();
    press(&mut app, KeyCode::Enter);
    engine(
        &mut app,
        Event::Failed {
            step: Step::CatchUp,
            failure: AwsFailure::new(
                "catch-up-pitr-gap",
                FailureKind::BadInput,
                "the writes made to orders since 2026-12-02T13:40:00Z can no longer be exported: point-in-time recovery is off",
                "incremental exports read the source's point-in-time recovery, which must cover the whole window; PITR was turned off (turning it on again starts a new window) or its retention passed",
                "catch-up of orders-to-orders cannot continue: move the table again",
            ),
        },
    );
    let j = app.journal.clone().expect("a journal");
    ended(&mut app, j, Outcome::BadInput);
    app
}
