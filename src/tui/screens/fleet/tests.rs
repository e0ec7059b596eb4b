//! The fleet road's keys and messages, without a terminal or AWS: marking and filtering on
//! the Table screen (the filter field takes letters, never the command keys), the names'
//! fields, the dashboard's keys and quiet updates, and the reattach offer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::engine::events::Event;
use crate::engine::fleet::{FleetEvent, FleetJournal};
use crate::engine::journal::{MigrationState, Step};
use crate::engine::unfinished::UnfinishedFleet;
use crate::tui::app::{Overlay, Screen};
use crate::tui::fleet_support::*;
use crate::tui::msg::Msg;
use crate::tui::services::Cmd;
use crate::tui::test_support::*;

fn table_listed() -> crate::tui::app::App {
    let mut app = accounts_connected();
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Tables(Ok(TABLES
        .iter()
        .map(|t| t.to_string())
        .collect())));
    app
}

#[test]
fn space_marks_and_one_mark_keeps_the_one_table_road() {
    let mut app = table_listed();
    press(&mut app, KeyCode::Char(' '));
    assert!(app.table.picker.marked.contains("audit-log"));
    press(&mut app, KeyCode::Down);
    app.update(Msg::TableDetails {
        name: "customers".into(),
        result: Ok(orders_details()),
    });
    // One table marked: Enter takes the highlighted table, as without marks.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Road);
    assert_eq!(app.table.chosen.as_deref(), Some("customers"));
    assert!(!app.fleet.active);
}

#[test]
fn two_marks_and_enter_take_the_fleet_road_through_the_bucket() {
    let mut app = table_listed();
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.road_screens(), Screen::fleet_road());
    let bar = crate::tui::view::bar(&app).line(200);
    assert!(bar.contains("move the 2 marked as a fleet"), "{bar}");
    assert!(view_text(&app).contains("2 tables marked: they move together as a fleet (through S3)"));
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Bucket);
    assert!(app.fleet.active);
    assert!(cmds.iter().any(|c| matches!(c, Cmd::ListBuckets)));
    // Esc goes back along the fleet's road.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Table);
}

#[test]
fn the_filter_field_takes_letters_but_never_the_command_keys() {
    let mut app = table_listed();
    press(&mut app, KeyCode::Char('/'));
    assert!(app.editing());
    // `q` and `r` are letters of the filter here, not quit and reload.
    let cmds = type_text(&mut app, "qr");
    assert!(cmds.is_empty());
    assert!(!app.quit);
    assert_eq!(app.table.picker.filter, "qr");
    // `?` opens the help and is never typed.
    press(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Overlay::Help(_)));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.table.picker.filter, "qr");
    // Esc leaves the field (and clears it) before it leaves the screen.
    press(&mut app, KeyCode::Esc);
    assert!(!app.editing());
    assert_eq!(app.screen, Screen::Table);
    assert_eq!(app.table.picker.filter, "");
    // Enter leaves the field and keeps the filter: letters are commands again.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "order");
    press(&mut app, KeyCode::Enter);
    assert!(!app.editing());
    assert_eq!(app.table.picker.visible().len(), 3);
    let cmds = press(&mut app, KeyCode::Char('r'));
    assert!(matches!(&cmds[..], [Cmd::ListTables]), "r reloads again");
    // Ctrl-C always reaches the wizard.
    press(&mut app, KeyCode::Char('/'));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

#[test]
fn star_marks_what_the_filter_shows_and_again_unmarks_it() {
    let mut app = table_listed();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "orders");
    // While the filter is typed, `*` and Space mark (neither can be part of a table name).
    press(&mut app, KeyCode::Char('*'));
    assert_eq!(app.table.picker.filter, "orders");
    assert_eq!(app.table.picker.marked.len(), 3);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('*'));
    assert!(app.table.picker.marked.is_empty());
    press(&mut app, KeyCode::Char('*'));
    // The marks stay when the filter is cleared.
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.table.picker.visible().len(), TABLES.len());
    assert_eq!(app.table.picker.marked.len(), 3);
    assert!(crate::tui::screens::table::marks_line(&app)
        .is_some_and(|l| l.starts_with("3 tables marked")));
}

#[test]
fn the_names_fields_take_letters_and_esc_leaves_them_first() {
    let mut app = fleet_names();
    assert!(app.editing());
    assert_eq!(app.fleet.names.suffix.value(), "-v2");
    type_text(&mut app, "q");
    assert!(!app.quit);
    assert_eq!(app.fleet.names.suffix.value(), "-v2q");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Esc);
    assert!(!app.editing());
    assert_eq!(app.screen, Screen::FleetNames);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Export);
}

#[test]
fn a_name_aws_would_refuse_keeps_the_names_screen() {
    let mut app = fleet_names();
    // A prefix that makes a name AWS refuses.
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "new copy ");
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty());
    assert_eq!(app.screen, Screen::FleetNames);
    assert!(view_text(&app).contains("cannot be a table name"));
}

#[test]
fn the_summary_is_asked_of_a_task_and_a_failure_can_be_retried() {
    let mut app = fleet_names();
    let cmds = press(&mut app, KeyCode::Enter);
    let Some(Cmd::SummarizeFleet { plan, .. }) = cmds.first() else {
        panic!("Enter asks for the summary: {cmds:?}");
    };
    assert_eq!(plan.rename.suffix, "-v2");
    assert_eq!(plan.tables.len(), 4);
    assert_eq!(plan.destination.bucket, BUCKET);
    app.update(Msg::FleetSummary(Err(expired_token())));
    let text = view_text(&app);
    assert!(text.contains("What:") && text.contains("Next:"), "{text}");
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(matches!(&cmds[..], [Cmd::SummarizeFleet { .. }]));
}

#[test]
fn a_repeated_status_draws_nothing_and_a_new_one_draws() {
    let mut app = fleet_board();
    let status = |s: &str| {
        Msg::Fleet(FleetEvent::Table {
            table: "app-030".into(),
            event: Event::JobStatus {
                step: Step::Import,
                job: "import",
                status: s.into(),
                started_at: None,
                elapsed_secs: 0,
                next_check_secs: 30,
                percent_done: None,
                expected_minutes: None,
            },
        })
    };
    app.update(status("IN_PROGRESS"));
    assert!(app.quiet, "nothing changed on screen");
    app.update(status("COMPLETED"));
    assert!(!app.quiet);
    // An Info line of a table whose panel is closed draws nothing either.
    app.update(Msg::Fleet(FleetEvent::Table {
        table: "app-030".into(),
        event: Event::Info {
            step: Step::Import,
            message: "still importing".into(),
        },
    }));
    assert!(app.quiet);
    assert!(app.minute_clock_running());
    assert!(!app.clock_running(), "no clock of seconds for the fleet");
}

#[test]
fn the_dashboard_moves_pages_opens_a_table_and_quitting_asks_first() {
    let mut app = fleet_board();
    let _ = view_text(&app);
    press(&mut app, KeyCode::End);
    let last = app
        .fleet
        .board
        .model
        .order()
        .last()
        .map(|l| l.table.clone());
    assert_eq!(app.fleet.board.selected, last);
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::PageDown);
    let page = app.fleet.board.page.get();
    assert!(page > 5);
    let order: Vec<String> = app
        .fleet
        .board
        .model
        .order()
        .iter()
        .map(|l| l.table.clone())
        .collect();
    assert_eq!(app.fleet.board.selected.as_ref(), Some(&order[page]));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.fleet.board.open.as_ref(), Some(&order[page]));
    press(&mut app, KeyCode::Esc);
    assert!(app.fleet.board.open.is_none());
    // Esc on the dashboard never goes back: the fleet has started.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Fleet);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    press(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
}

#[test]
fn once_the_fleet_ended_q_quits_at_once() {
    let mut app = fleet_board();
    app.update(Msg::FleetEnded(
        crate::engine::events::Outcome::PartlyFailed,
    ));
    assert!(!app.minute_clock_running());
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

fn unfinished_fleet() -> UnfinishedFleet {
    let app = fleet_summary();
    let ready = app.fleet.summary.ready().expect("a summary").clone();
    let mut journal: FleetJournal = ready.journal;
    journal.state = MigrationState::Interrupted;
    UnfinishedFleet {
        path: format!("{STATE_DIR}/fleets/{}.json", journal.id).into(),
        journal,
        moved: 1,
    }
}

#[test]
fn an_unfinished_fleet_is_offered_first_and_enter_reattaches_to_all_of_it() {
    let fleet = unfinished_fleet();
    let id = fleet.journal.id.clone();
    let mut app = accounts_listed();
    app.update(Msg::Unfinished {
        migrations: Vec::new(),
        fleets: vec![fleet.clone()],
    });
    let Overlay::Resume(offers) = &app.overlay else {
        panic!("the fleet is offered: {:?}", app.overlay);
    };
    assert!(offers[0].fleet && offers[0].id == id);
    assert!(offers[0].summary.contains("a fleet of 4 tables: 1 moved"));
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(matches!(&cmds[..], [Cmd::ReattachFleet { path, .. }] if *path == fleet.path));
    assert_eq!(app.screen, Screen::Fleet);
    assert!(app.fleet.running());
    // The task layer read the journal: every table is listed, their journals asked for.
    let cmds = app.update(Msg::FleetOpened(Ok(Box::new(fleet.journal.clone()))));
    assert!(
        matches!(&cmds[..], [Cmd::ReadFleetMembers { members }] if members.len() == 4),
        "{cmds:?}"
    );
    assert_eq!(app.fleet.board.model.lines.len(), 4);
    assert!(view_text(&app).contains(&id));
}

#[test]
fn a_fleet_journal_that_cannot_be_read_is_explained_on_the_dashboard() {
    let mut app = accounts_listed();
    app.update(Msg::Unfinished {
        migrations: Vec::new(),
        fleets: vec![unfinished_fleet()],
    });
    press(&mut app, KeyCode::Enter);
    app.update(Msg::FleetOpened(Err(crate::aws::explain::AwsFailure::new(
        "fleet-journal-unreadable",
        crate::aws::explain::FailureKind::BadInput,
        "cannot read the fleet journal",
        "it is damaged",
        "move it aside",
    ))));
    assert!(!app.fleet.running());
    let text = view_text(&app);
    assert!(text.contains("fleet-journal-unreadable"), "{text}");
}
