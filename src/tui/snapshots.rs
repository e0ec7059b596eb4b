//! The wizard as it is drawn: `view::render` over a `TestBackend` for every screen in its main
//! states, at the smallest supported window (80x24) and a roomy one (120x40), kept as insta
//! snapshots under `src/tui/snapshots/`. Review a changed snapshot like code.

use crossterm::event::KeyCode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::app::{App, Overlay, Screen};
use super::msg::Side;
use super::services::Cmd;
use super::test_support::*;
use super::view;
use crate::engine::journal::{JobRecord, Step};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).expect("a test terminal never fails");
    terminal
        .draw(|f| view::render(app, f))
        .expect("drawing into a test terminal never fails");
    terminal
}

/// Asserts the screen at one size. The elapsed clocks count from a start time in the past
/// (or from "now"), so their digits are redacted; everything else must be stable.
pub(super) fn snap_at(app: &App, name: &str, width: u16, height: u16) {
    let terminal = draw(app, width, height);
    insta::with_settings!({
        filters => vec![
            (r"elapsed \d+:\d{2}:\d{2}", "elapsed [clock]"),
            (r"Waiting for AWS… \d+ s", "Waiting for AWS… N s"),
        ],
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    });
}

pub(super) fn snap(app: &App, name: &str) {
    for (width, height) in SIZES {
        snap_at(app, name, width, height);
    }
}

#[test]
fn accounts_profiles_listed() {
    let app = accounts_listed();
    snap(&app, "accounts_profiles_listed");
}

#[test]
fn accounts_both_connected() {
    let app = accounts_connected();
    assert!(app.accounts.connected());
    snap(&app, "accounts_both_connected");
}

#[test]
fn accounts_destination_sso_expired() {
    let mut app = accounts_listed();
    pick_profiles(&mut app);
    connected(&mut app, Side::Source, Ok(identity(Side::Source)));
    connected(&mut app, Side::Dest, Err(expired_token()));
    snap(&app, "accounts_destination_sso_expired");
}

#[test]
fn table_details_with_gsi_and_lsi() {
    let app = table_with_details();
    snap(&app, "table_details_with_gsi_and_lsi");
}

#[test]
fn pitr_off() {
    snap(&pitr_disabled(), "pitr_disabled");
}

#[test]
fn pitr_turning_on() {
    let app = pitr_enabling();
    assert!(app.pitr.enabling);
    snap(&app, "pitr_enabling");
}

#[test]
fn pitr_on() {
    snap(&pitr_enabled(), "pitr_enabled");
}

#[test]
fn bucket_nothing_chosen() {
    snap(&bucket_listed(), "bucket_empty");
}

#[test]
fn bucket_invalid_name_shows_the_rule() {
    let mut app = bucket_listed();
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Ferry-Landing");
    press(&mut app, KeyCode::Enter);
    assert!(app.bucket.problem().is_some());
    snap(&app, "bucket_invalid_name");
}

#[test]
fn bucket_policy_preview_keeps_the_existing_statement() {
    snap(&policy_previewed(), "bucket_policy_preview");
}

#[test]
fn bucket_policy_as_json_one_key_away() {
    let mut app = policy_previewed();
    press(&mut app, KeyCode::Char('v'));
    assert!(app.bucket.json);
    snap(&app, "bucket_policy_json");
}

#[test]
fn plan_saved_says_where_and_how_to_run_it() {
    let mut app = verify_done();
    app.update(crate::tui::msg::Msg::PlanSaved(Ok(
        std::path::PathBuf::from(
            "/home/ops/.local/state/ddb-ferry/migrations/orders-to-orders-18138181.plan.jsonc",
        ),
    )));
    snap(&app, "plan_saved");
}

#[test]
fn export_choices_shown() {
    snap(&export_choices(), "export_choices");
}

#[test]
fn export_review_shows_the_cli_command() {
    snap(&export_review(), "export_review");
}

#[test]
fn export_in_progress() {
    let (app, _engine_holds) = export_running();
    snap(&app, "export_in_progress");
}

#[test]
fn export_failed_explained() {
    snap(&export_failed(), "export_failed");
}

#[test]
fn export_complete_waits_for_enter() {
    snap(&export_complete(), "export_complete");
}

#[test]
fn import_complete_waits_for_enter() {
    snap(&import_complete(), "import_complete");
}

#[test]
fn folder_export_with_manifest_summary() {
    snap(&folder_listed(), "folder_export_selected");
}

#[test]
fn folder_file_chosen_is_refused() {
    let app = folder_file_refused();
    assert!(app
        .folder
        .message
        .as_deref()
        .is_some_and(|m| m.contains("is a file")));
    snap(&app, "folder_file_refused");
}

#[test]
fn keys_prefilled_from_the_source() {
    snap(&keys_prefilled(), "keys_prefilled");
}

#[test]
fn keys_name_taken_in_the_destination() {
    snap(&keys_name_taken(), "keys_name_taken");
}

#[test]
fn keys_check_failure_shows_the_right_spelling() {
    let app = keys_check_failed();
    assert_eq!(
        app.failure.as_ref().map(|f| f.code.as_str()),
        Some("key-mismatch")
    );
    snap(&app, "keys_check_failed");
}

#[test]
fn import_in_progress() {
    let (app, _engine_holds) = import_running();
    snap(&app, "import_in_progress");
}

#[test]
fn import_failed_with_errors_and_cloudwatch() {
    snap(&import_failed(), "import_failed_with_errors");
}

#[test]
fn verify_done_with_settings_not_carried() {
    snap(&verify_done(), "verify_done");
}

#[test]
fn help_overlay() {
    let mut app = table_with_details();
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Overlay::Help(Box::new(Overlay::None)));
    snap(&app, "help_table");
}

#[test]
fn quit_confirmation_while_a_job_runs() {
    let (mut app, _engine_holds) = export_running();
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    snap(&app, "quit_confirmation");
}

#[test]
fn resume_overlay_offers_the_unfinished_migration() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut j = journal_at(&policy_previewed(), Step::Export);
    j.export = Some(JobRecord {
        client_token: "ddb-ferry-token".into(),
        arn: Some(export_arn()),
        status: Some("IN_PROGRESS".into()),
        started_at: Some(JOB_START.into()),
        ..JobRecord::default()
    });
    j.save(dir.path()).expect("the journal is saved");
    let mut app = App::new(dir.path().to_path_buf(), None);
    let cmds = app.start();
    assert!(cmds.iter().any(|c| matches!(c, Cmd::FindUnfinished)));
    // What the task layer finds in the state folder.
    app.update(super::msg::Msg::Unfinished {
        migrations: crate::engine::unfinished::unfinished(dir.path()),
        fleets: crate::engine::unfinished::unfinished_fleets(dir.path()),
    });
    app.update(super::msg::Msg::Profiles(Ok(PROFILES
        .iter()
        .map(|p| p.to_string())
        .collect())));
    assert!(matches!(&app.overlay, Overlay::Resume(offers) if offers.len() == 1));
    snap(&app, "resume_overlay");
}

#[test]
fn small_window_asks_to_enlarge() {
    let app = accounts_listed();
    assert_eq!(app.screen, Screen::Accounts);
    snap_at(&app, "window_too_small", 60, 20);
}

/// Another live process runs the migration the person asked to reattach to.
fn held_by_another_process() -> App {
    let (running, _session_runs) = export_running();
    let journal = running.journal.clone().expect("a journal");
    let mut app = accounts_listed();
    app.update(super::msg::Msg::Session(
        crate::engine::session::actor::Report::OpenFailed(
            crate::engine::session::OpenFailure::Held {
                id: journal.id.clone(),
                pid: Some(4242),
                journal: std::path::PathBuf::from(format!(
                    "{STATE_DIR}/migrations/{}.json",
                    journal.id
                )),
            },
        ),
    ));
    app
}

#[test]
fn held_by_another_process_offers_to_watch() {
    let app = held_by_another_process();
    assert!(matches!(&app.overlay, Overlay::Held(h) if h.pid == Some(4242)));
    snap(&app, "held_by_another_process");
}

#[test]
fn watching_a_running_export_read_only() {
    let mut app = held_by_another_process();
    let cmds = press(&mut app, KeyCode::Char('w'));
    assert!(matches!(&cmds[..], [Cmd::Watch { .. }]));
    let mut journal = journal_at(&policy_previewed(), Step::Export);
    journal.export = Some(JobRecord {
        client_token: "ddb-ferry-token".into(),
        arn: Some(export_arn()),
        status: Some("IN_PROGRESS".into()),
        started_at: Some(JOB_START.into()),
        ..JobRecord::default()
    });
    app.update(super::msg::Msg::Watched(journal));
    assert_eq!(app.screen, Screen::ExportProgress);
    // Read-only: keys that would change something do nothing.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    snap(&app, "watching_read_only");
}
