//! Fixtures of the fleet road: the wizard walked by keys from the Table screen (tables marked
//! with Space and `*`) through the bucket, the export settings, the new names and the summary
//! to the dashboard, with the messages the tasks and the fleet would send made by hand (as in
//! `test_support.rs`). Nothing runs or calls AWS.

use crossterm::event::KeyCode;

use super::app::{App, Screen};
use super::msg::{FleetReady, Msg};
use super::services::Cmd;
use super::test_support::*;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::events::{Event, Outcome};
use crate::engine::fleet::journal::FleetJournal;
use crate::engine::fleet::members::{fleet_id, members};
use crate::engine::fleet::outcome::TableResult;
use crate::engine::fleet::survey::{row, Regions, Survey};
use crate::engine::fleet::{FleetEvent, FleetNote, FleetPlan};
use crate::engine::journal::{JobRecord, Journal, MigrationState, Step, VerifyRecord};
use crate::logic::table::SourceTable;

/// The source's tables in the fleet fixtures.
pub const TABLES: [&str; 6] = [
    "audit-log",
    "customers",
    "orders",
    "orders-archive-2019-eu-west-1",
    "orders-lines",
    "sessions",
];

/// Table: the list arrived; `customers` marked with Space, then `/order` typed and Enter
/// (the filter kept), and `*` marked the three tables it shows.
pub fn fleet_marked() -> App {
    let mut app = accounts_connected();
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Tables(Ok(TABLES
        .iter()
        .map(|t| t.to_string())
        .collect())));
    press(&mut app, KeyCode::Down);
    app.update(Msg::TableDetails {
        name: "customers".into(),
        result: Ok(orders_details()),
    });
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "order");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('*'));
    assert_eq!(app.table.picker.marked.len(), 4);
    app
}

/// Bucket (the fleet's): Enter with four tables marked; the bucket chosen and its policy
/// change previewed.
pub fn fleet_bucket() -> App {
    let mut app = fleet_marked();
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Bucket);
    assert!(app.fleet.active);
    assert!(cmds.iter().any(|c| matches!(c, Cmd::ListDestTables)));
    app.update(Msg::Buckets(Ok(vec![
        "analytics-raw".into(),
        BUCKET.into(),
        "team-logs".into(),
    ])));
    press(&mut app, KeyCode::Down);
    let cmds = press(&mut app, KeyCode::Enter);
    let preview = preview_for(&cmds);
    app.update(Msg::Policy(Ok(preview)));
    app
}

/// New names: the bucket and the export settings taken with Enter; the destination has a
/// table named like one of the new names; the suffix `-v2` typed.
pub fn fleet_names() -> App {
    let mut app = fleet_bucket();
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(
        cmds.is_empty(),
        "nothing is applied before the fleet starts"
    );
    assert_eq!(app.screen, Screen::Export);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::FleetNames);
    app.update(Msg::DestTables(Ok(vec![
        "orders-v2".into(),
        "payments".into(),
    ])));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "-v2");
    app
}

fn source_table(name: &str, i: usize) -> SourceTable {
    let mut t = orders_table();
    t.name = name.into();
    t.arn = format!("arn:aws:dynamodb:{REGION}:{SOURCE_ACCOUNT}:table/{name}");
    let n = (i % 5) as i64 + 1;
    t.item_count = 250_000 * n * n;
    t.size_bytes = 120_000_000 * n * n;
    if i % 2 == 1 {
        t.lsis.clear();
        t.lsi_specs.clear();
    }
    t
}

/// What `SummarizeFleet` sends back for the plan it was given: a new fleet, every table
/// found and priced.
pub fn ready_for(cmds: &[Cmd], prices: &crate::logic::cost::Prices) -> FleetReady {
    let plan: FleetPlan = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::SummarizeFleet { plan, .. } => Some((**plan).clone()),
            _ => None,
        })
        .expect("Enter on the names asks for the summary");
    let id = fleet_id(&plan, 1);
    let mut journal = FleetJournal::new(plan.clone(), id.clone(), None, None);
    journal.members = members(&plan, &id, &plan.tables);
    let regions = Regions {
        source: REGION.into(),
        dest: REGION.into(),
        bucket: REGION.into(),
    };
    let limits = plan.limits.resolve(REGION);
    let rows = journal
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let t = source_table(&m.source_table, i);
            row(m, Some(&t), Some(i % 3 == 0), true, &regions, prices)
        })
        .collect();
    FleetReady {
        journal,
        resumed: false,
        survey: Survey::new(rows, &limits, "USD"),
        limits,
    }
}

/// Summary: Enter on the names; every table read and priced.
pub fn fleet_summary() -> App {
    let mut app = fleet_names();
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::FleetSummary);
    let ready = ready_for(&cmds, &app.prices);
    app.update(Msg::FleetSummary(Ok(Box::new(ready))));
    app
}

/// An RFC 3339 time `minutes` and a half ago, so a line shows that many whole minutes.
pub fn minutes_ago(minutes: i64) -> String {
    let t = time::OffsetDateTime::now_utc() - time::Duration::seconds(minutes * 60 + 30);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn on(table: &str, event: Event) -> Msg {
    Msg::Fleet(FleetEvent::Table {
        table: table.into(),
        event,
    })
}

fn arn(table: &str, job: &str, i: usize) -> String {
    match job {
        "export" => format!(
            "arn:aws:dynamodb:{REGION}:{SOURCE_ACCOUNT}:table/{table}/export/0176390000{i:04}-a1b2c3d4"
        ),
        _ => format!(
            "arn:aws:dynamodb:{REGION}:{DEST_ACCOUNT}:table/{table}-v2/import/0176399000{i:04}-e5f6a7b8"
        ),
    }
}

/// A job of `table` started `minutes` ago and IN_PROGRESS.
pub fn job_running(app: &mut App, table: &str, job: &'static str, i: usize, minutes: i64) {
    job_seen(app, table, job, i, "IN_PROGRESS", minutes_ago(minutes));
}

/// A job of `table`: its step started, the job started, and AWS said `status` of it.
fn job_seen(
    app: &mut App,
    table: &str,
    job: &'static str,
    i: usize,
    status: &str,
    started_at: String,
) -> Step {
    let step = if job == "export" {
        Step::Export
    } else {
        Step::Import
    };
    app.update(on(
        table,
        Event::StepStarted {
            step,
            title: step.title(),
        },
    ));
    app.update(on(
        table,
        Event::JobStarted {
            step,
            job,
            arn: arn(table, job, i),
            reattached: false,
        },
    ));
    app.update(on(
        table,
        Event::JobStatus {
            step,
            job,
            status: status.into(),
            started_at: Some(started_at),
            elapsed_secs: 0,
            next_check_secs: 30,
            percent_done: None,
            expected_minutes: None,
        },
    ));
    step
}

/// A table's journal as the task layer reads it after the table moved.
pub fn moved_journal(app: &App, table: &str, i: usize) -> Box<Journal> {
    let line = app
        .fleet
        .board
        .model
        .line(table)
        .expect("a table of the fleet");
    let plan = crate::engine::plan::Plan::parse(
        &format!(
            r#"{{"source":{{"profile":"dev-source","table":"{table}"}},"destination":{{"profile":"prod-dest","bucket":"{BUCKET}"}},"table":{{"name":"{}"}}}}"#,
            line.new_table
        ),
        "member",
    )
    .expect("a member plan");
    let mut j = crate::engine::new_journal(plan, line.migration_id.clone(), None, None);
    let items = 1_000 * (i as i64 + 1);
    j.state = MigrationState::Succeeded;
    j.step = Step::Finish;
    j.export = Some(JobRecord {
        arn: Some(arn(table, "export", i)),
        status: Some("COMPLETED".into()),
        started_at: Some(JOB_START.into()),
        item_count: Some(items),
        ..JobRecord::default()
    });
    j.import = Some(JobRecord {
        arn: Some(arn(table, "import", i)),
        status: Some("COMPLETED".into()),
        started_at: Some(JOB_START.into()),
        item_count: Some(items),
        error_count: Some(0),
        ..JobRecord::default()
    });
    j.verify = Some(VerifyRecord {
        expected_items: Some(items),
        imported_items: Some(items),
        counted_items: Some(items),
        sampled: 200,
        sample_mismatches: Vec::new(),
        passed: true,
    });
    Box::new(j)
}

fn finished(app: &mut App, table: &str, outcome: Outcome, step: Step, failure: Option<AwsFailure>) {
    let line = app
        .fleet
        .board
        .model
        .line(table)
        .cloned()
        .unwrap_or_default();
    app.update(Msg::Fleet(FleetEvent::Fleet(FleetNote::TableFinished {
        result: TableResult {
            table: table.into(),
            new_table: line.new_table,
            migration_id: line.migration_id,
            outcome,
            step,
            failure,
            earlier: false,
        },
    })));
}

pub fn name_taken(table: &str) -> AwsFailure {
    AwsFailure::new(
        "table-exists",
        FailureKind::AwsRefused,
        format!("the destination already has a table named {table}-v2"),
        "an import always creates a new table, and that name is taken in the destination account",
        format!("delete or rename {table}-v2 in the destination, or give this table another name in the fleet plan's rename.names, then run the fleet again"),
    )
}

/// The names of a hundred tables, some long.
pub fn hundred_tables() -> Vec<String> {
    (0..100)
        .map(|i| {
            if i % 9 == 4 {
                format!("app-{i:03}-customer-orders-archive-eu-west-1")
            } else {
                format!("app-{i:03}")
            }
        })
        .collect()
}

/// A fleet of `tables` marked with `*`, taken to the summary and started.
pub fn fleet_started(tables: Vec<String>) -> App {
    let mut app = accounts_connected();
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Tables(Ok(tables)));
    press(&mut app, KeyCode::Char('*'));
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Buckets(Ok(vec![BUCKET.into()])));
    let cmds = press(&mut app, KeyCode::Enter);
    app.update(Msg::Policy(Ok(preview_for(&cmds))));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    app.update(Msg::DestTables(Ok(Vec::new())));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "-v2");
    let cmds = press(&mut app, KeyCode::Enter);
    let ready = ready_for(&cmds, &app.prices);
    app.update(Msg::FleetSummary(Ok(Box::new(ready.clone()))));
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(matches!(&cmds[..], [Cmd::RunFleet { .. }]), "{cmds:?}");
    assert_eq!(app.screen, Screen::Fleet);
    app.update(Msg::Fleet(FleetEvent::Fleet(FleetNote::FleetStarted {
        fleet_id: ready.journal.id.clone(),
        journal: format!("{STATE_DIR}/fleets/{}.json", ready.journal.id),
        tables: ready.journal.members.len(),
        resumed: false,
        dry_run: false,
    })));
    app.update(Msg::Fleet(FleetEvent::Fleet(FleetNote::FleetSummary {
        lines: ready.survey.lines(),
        survey: ready.survey.clone(),
        limits: ready.limits,
    })));
    app
}

/// The dashboard of a hundred tables: 30 moved, three failed on their own (a taken name),
/// 25 running their export or import, the others waiting (ready, or for a slot).
pub fn fleet_board() -> App {
    let tables = hundred_tables();
    let mut app = fleet_started(tables.clone());
    app.update(Msg::Fleet(FleetEvent::Fleet(FleetNote::ExportTimeFixed {
        export_time: "2026-11-23T10:00:00Z".into(),
    })));
    let mut moved = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        match i {
            17 | 58 | 91 => {
                job_done(&mut app, t, "export", i);
                app.update(on(
                    t,
                    Event::StepStarted {
                        step: Step::Import,
                        title: Step::Import.title(),
                    },
                ));
                app.update(on(
                    t,
                    Event::Failed {
                        step: Step::Import,
                        failure: name_taken(t),
                    },
                ));
                finished(
                    &mut app,
                    t,
                    Outcome::AwsRefused,
                    Step::Import,
                    Some(name_taken(t)),
                );
            }
            0..30 => {
                finished(&mut app, t, Outcome::Succeeded, Step::Finish, None);
                moved.push((t.clone(), moved_journal(&app, t, i)));
            }
            30..42 => job_running(&mut app, t, "import", i, (i as i64 - 28) * 3),
            42..55 => job_running(&mut app, t, "export", i, i as i64 - 41),
            55..70 => {
                app.update(on(
                    t,
                    Event::StepDone {
                        step: Step::Bucket,
                        summary: "bucket ready".into(),
                    },
                ));
                app.update(on(
                    t,
                    Event::StepStarted {
                        step: Step::Export,
                        title: Step::Export.title(),
                    },
                ));
                app.update(on(
                    t,
                    Event::Info {
                        step: Step::Export,
                        message: "waiting for a free slot: the fleet runs at most 50 exports at once (or their bytes reach the fleet's limit); this export starts as soon as one ends".into(),
                    },
                ));
            }
            _ => {}
        }
    }
    app.update(Msg::FleetMembers(moved));
    app
}

/// A failed table's own panel: Enter on the first line (failures come first); its journal
/// read for the counts.
pub fn fleet_panel() -> App {
    let mut app = fleet_board();
    let first = app.fleet.board.model.order()[0].table.clone();
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&cmds[..], [Cmd::ReadFleetMembers { .. }]),
        "{cmds:?}"
    );
    assert_eq!(app.fleet.board.open.as_deref(), Some(first.as_str()));
    let mut j = moved_journal(&app, &first, 17);
    j.state = MigrationState::Failed;
    j.step = Step::Import;
    j.import = None;
    j.verify = None;
    j.failure = Some(name_taken(&first));
    app.update(Msg::FleetMembers(vec![(first, j)]));
    app
}

/// A job of `table` that ran and completed.
fn job_done(app: &mut App, table: &str, job: &'static str, i: usize) {
    let step = job_seen(app, table, job, i, "COMPLETED", JOB_START.into());
    app.update(on(
        table,
        Event::StepDone {
            step,
            summary: format!("{job} finished: {} items", 1_000 * (i + 1)),
        },
    ));
}
