//! The wizard's update logic, driven by keys and messages without a terminal or AWS.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Overlay, Screen};
use super::msg::{Msg, Side};
use super::services::Cmd;
use super::test_support::*;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::Step;
use crate::engine::session::actor::Request;

#[test]
fn esc_goes_back_and_enter_forward_keeping_what_was_typed() {
    let mut app = accounts_listed();
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "eu-west-1");
    press(&mut app, KeyCode::BackTab);
    pick_profiles(&mut app);
    connected(&mut app, Side::Source, Ok(identity(Side::Source)));
    connected(&mut app, Side::Dest, Ok(identity(Side::Dest)));

    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Table);
    assert!(matches!(&cmds[..], [Cmd::ListTables]));

    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Accounts);
    assert_eq!(app.accounts.source.region.value(), "eu-west-1");
    assert_eq!(app.accounts.source.profile.as_deref(), Some("dev-source"));
    assert_eq!(app.accounts.dest.profile.as_deref(), Some("prod-dest"));
    assert!(app.accounts.connected());

    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Table);
    assert_eq!(app.reached, Screen::Table);
}

#[test]
fn a_typed_bucket_name_survives_going_back_to_pitr() {
    let mut app = bucket_listed();
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "my-landing-bucket");
    // The first Esc leaves the field, the second leaves the screen.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Bucket);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Pitr);

    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Bucket);
    assert_eq!(app.bucket.bucket(), "my-landing-bucket");
    assert_eq!(app.bucket.owner.value(), DEST_ACCOUNT);
    assert_eq!(app.bucket.prefix.value(), "ddb-ferry");
}

#[test]
fn q_quits_at_once_without_a_job() {
    let mut app = table_with_details();
    assert!(!app.engine_busy);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn q_asks_first_while_a_job_runs_and_y_confirms() {
    let mut app = table_with_details();
    app.engine_busy = true;
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    press(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
}

#[test]
fn any_other_key_at_the_quit_question_stays() {
    let (mut app, _engine_holds) = export_running();
    assert!(app.engine_busy);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    press(&mut app, KeyCode::Char('n'));
    assert!(!app.quit);
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.screen, Screen::ExportProgress);
}

#[test]
fn ctrl_c_is_quit_too() {
    let mut app = accounts_listed();
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

#[test]
fn question_mark_opens_help_and_any_key_closes_it() {
    let mut app = table_with_details();
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Overlay::Help(Box::new(Overlay::None)));
    // The closing key does nothing else: not even `q` quits.
    let cmds = press(&mut app, KeyCode::Char('q'));
    assert!(cmds.is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert!(!app.quit);
    assert_eq!(app.screen, Screen::Table);
}

#[test]
fn q_in_a_text_field_is_text_and_question_mark_opens_the_help() {
    let mut app = bucket_listed();
    press(&mut app, KeyCode::Tab);
    assert!(app.editing());
    type_text(&mut app, "qa?");
    assert_eq!(app.bucket.name.value(), "qa");
    assert_eq!(app.overlay, Overlay::Help(Box::new(Overlay::None)));
    assert!(!app.quit);
    // The help closes and the field is still being edited.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);
    type_text(&mut app, "p");
    assert_eq!(app.bucket.name.value(), "qap");
}

#[test]
fn q_in_the_region_field_is_text_and_esc_leaves_the_field_first() {
    let mut app = accounts_listed();
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "q");
    assert_eq!(app.accounts.source.region.value(), "q");
    assert!(!app.quit);
    press(&mut app, KeyCode::Esc);
    assert!(!app.editing());
    assert_eq!(app.screen, Screen::Accounts);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn f1_opens_help_over_a_box_and_closing_it_returns_to_the_box() {
    let (mut app, _engine_holds) = export_running();
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    press(&mut app, KeyCode::F(1));
    assert_eq!(app.overlay, Overlay::Help(Box::new(Overlay::ConfirmQuit)));
    assert!(view_text(&app).contains("Help: Quit"));
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
}

#[test]
fn the_table_filter_narrows_the_list() {
    let mut app = table_with_details();
    press(&mut app, KeyCode::Char('/'));
    assert!(app.table.picker.filtering);
    // While filtering, `q` is part of the filter, not a command.
    type_text(&mut app, "q");
    assert!(!app.quit);
    assert!(app.table.picker.visible().is_empty());
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "ord");
    assert_eq!(app.table.picker.visible(), ["orders", "orders-archive"]);
    type_text(&mut app, "ers-");
    assert_eq!(app.table.picker.visible(), ["orders-archive"]);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert!(!app.table.picker.filtering);
    assert_eq!(app.table.picker.visible(), ["orders", "orders-archive"]);
}

#[test]
fn choosing_a_table_asks_for_its_details_when_not_cached() {
    let mut app = accounts_connected();
    press(&mut app, KeyCode::Enter);
    let cmds = app.update(Msg::Tables(Ok(vec!["orders".into(), "customers".into()])));
    // The first (sorted) table is described as soon as it is highlighted.
    assert!(matches!(&cmds[..], [Cmd::DescribeTable(n)] if n == "customers"));

    press(&mut app, KeyCode::Down);
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(matches!(&cmds[..], [Cmd::DescribeTable(n)] if n == "orders"));
    assert_eq!(app.table.chosen.as_deref(), Some("orders"));
    assert_eq!(app.screen, Screen::Table);

    // The details of the chosen table arrive: on to the road's choice, with the keys
    // prefilled.
    app.update(Msg::TableDetails {
        name: "orders".into(),
        result: Ok(orders_details()),
    });
    assert_eq!(app.screen, Screen::Road);
    assert_eq!(app.pitr.status.as_deref(), Some("DISABLED"));
    assert_eq!(app.keys.pk.value(), "customerId");
}

#[test]
fn choosing_a_described_table_needs_no_call() {
    let mut app = table_with_details();
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty());
    assert_eq!(app.screen, Screen::Road);
}

#[test]
fn the_bucket_name_field_rejects_uppercase_with_the_rule() {
    let mut app = bucket_listed();
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Ferry-Landing");
    let rule = app.bucket.problem().expect("uppercase is refused");
    assert!(rule.contains("uppercase"), "{rule}");

    let cmds = press(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty(), "no preview is asked for a bad name");
    match &app.bucket.preview {
        Some(Err(f)) => assert_eq!(f.what, rule),
        other => panic!("expected the rule as the preview's failure, got {other:?}"),
    }

    for _ in 0.."Ferry-Landing".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "ferry-landing");
    assert_eq!(app.bucket.problem(), None);
}

#[test]
fn the_clock_runs_only_while_a_job_or_the_pitr_wait_runs() {
    let app = accounts_listed();
    assert!(!app.clock_running());

    let app = pitr_disabled();
    assert!(!app.clock_running());
    let mut app = pitr_enabling();
    assert!(app.clock_running());
    app.update(Msg::PitrEnabled(Ok(())));
    assert!(!app.clock_running());

    let app = export_review();
    assert!(!app.clock_running());
    let (mut app, m) = export_running();
    assert!(app.clock_running());
    session_state(&mut app, m, None, Outcome::JobFailed);
    assert!(!app.clock_running());
}

#[test]
fn a_pitr_refusal_stops_the_clock_too() {
    let mut app = pitr_enabling();
    app.update(Msg::PitrEnabled(Err(AwsFailure::new(
        "access-denied",
        FailureKind::AwsRefused,
        "AWS refused dynamodb:UpdateContinuousBackups",
        "the caller's IAM policy does not allow this action",
        "add dynamodb:UpdateContinuousBackups to the source caller's policy",
    ))));
    assert!(!app.clock_running());
    assert!(app.pitr.error.is_some());
}

#[test]
fn an_engine_failure_is_shown() {
    let (mut app, _engine_holds) = export_running();
    assert!(app.failure.is_none());
    let failure = AwsFailure::new(
        "export-failed",
        FailureKind::JobFailed,
        "the export failed: S3AccessDenied: Access Denied",
        "the bucket policy does not let the source account write",
        "check the bucket policy",
    );
    let cmds = engine(
        &mut app,
        Event::Failed {
            step: Step::Export,
            failure,
        },
    );
    assert!(cmds.is_empty());
    assert_eq!(
        app.failure.as_ref().map(|f| f.code.as_str()),
        Some("export-failed")
    );
}

#[test]
fn a_stale_name_check_is_ignored() {
    let mut app = keys_prefilled();
    assert!(matches!(&app.keys.name_free, Some((n, Ok(true))) if n == "orders"));

    let cmds = type_text(&mut app, "-v2");
    assert!(matches!(cmds.last(), Some(Cmd::CheckName(n)) if n == "orders-v2"));

    // The answer for the name as it was before typing arrives late.
    app.update(Msg::NameChecked {
        name: "orders-v".into(),
        result: Ok(false),
    });
    assert!(matches!(&app.keys.name_free, Some((n, _)) if n == "orders"));

    app.update(Msg::NameChecked {
        name: "orders-v2".into(),
        result: Ok(false),
    });
    assert!(matches!(&app.keys.name_free, Some((n, Ok(false))) if n == "orders-v2"));
}

#[test]
fn the_export_starts_only_from_the_review_page() {
    let mut app = export_choices();
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty());
    assert!(app.export.reviewing);
    press(&mut app, KeyCode::Esc);
    assert!(!app.export.reviewing);
    assert_eq!(app.screen, Screen::Export);

    press(&mut app, KeyCode::Enter);
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&cmds),
        [
            &Request::SetCatchUp(false),
            &Request::SetExportSettings(app.export.plan()),
            &Request::Continue
        ],
        "the choices go to the session, which then runs the export"
    );
    assert_eq!(app.screen, Screen::ExportProgress);
    assert!(app.engine_busy);
}

#[test]
fn esc_does_not_leave_a_running_job() {
    let (mut app, _engine_holds) = export_running();
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::ExportProgress);
}

#[test]
fn a_screen_reached_again_with_esc_shows_the_state_as_it_is_now() {
    let mut app = export_complete();
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Export);
    let text = view_text(&app);
    assert!(
        text.contains("The export has started (COMPLETED)"),
        "the form is not offered again once the export ran:\n{text}"
    );
    // Enter goes back to where the migration stands; no second export is asked for.
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty());
    assert_eq!(app.screen, Screen::ExportProgress);

    // The bucket, reached again, says what was done rather than what would be.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Bucket);
    let text = view_text(&app);
    assert!(text.contains("Done. The bucket"), "{text}");
    assert!(!text.contains("does not exist yet"), "{text}");
}

#[test]
fn q_typed_into_the_folder_filter_is_text() {
    let mut app = folder_listed();
    press(&mut app, KeyCode::Char('/'));
    assert!(app.editing());
    type_text(&mut app, "q");
    assert!(!app.quit);
    assert_eq!(app.folder.picker.filter, "q");
}

#[test]
fn an_empty_bucket_list_says_to_type_a_name() {
    let mut app = bucket_listed();
    app.update(Msg::Buckets(Ok(Vec::new())));
    let bar = crate::tui::view::bar(&app).line(80);
    assert!(bar.starts_with("Tab: type a new bucket name"), "{bar}");
    press(&mut app, KeyCode::Tab);
    assert!(crate::tui::view::bar(&app)
        .line(80)
        .starts_with("EDITING Bucket"));
    type_text(&mut app, "new-landing");
    press(&mut app, KeyCode::Esc);
    let bar = crate::tui::view::bar(&app).line(80);
    assert!(
        bar.starts_with("Enter: preview the change  p: preview"),
        "{bar}"
    );
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&cmds[..], [Cmd::PreviewPolicy { bucket, .. }] if bucket == "new-landing"),
        "{cmds:?}"
    );
}
