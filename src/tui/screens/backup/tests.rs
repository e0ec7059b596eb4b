//! The backup screen's key routing and the rules of its choices, driven by keys and messages
//! as a person and the task layer would send them.

use crossterm::event::KeyCode;

use super::{Focus, Stage};
use crate::engine::journal::{JobRecord, Step};
use crate::engine::plan::{BackupFrom, BackupMaker, Plan, Via};
use crate::logic::restore::RestoreEncryption;
use crate::tui::app::{Overlay, Screen};
use crate::tui::backup_support::*;
use crate::tui::msg::{Msg, Side};
use crate::tui::services::Cmd;
use crate::tui::test_support::*;

/// Both profiles are the source account: everything can be restored where it is.
fn same_account_setup() -> crate::tui::app::App {
    same_account_setup_with("DISABLED")
}

/// The same, with the source's PITR in `pitr` state.
fn same_account_setup_with(pitr: &str) -> crate::tui::app::App {
    let mut details = orders_details();
    details.pitr_status = pitr.into();
    let mut app = accounts_listed();
    pick_profiles(&mut app);
    connected(&mut app, Side::Source, Ok(identity(Side::Source)));
    connected(&mut app, Side::Dest, Ok(identity(Side::Source)));
    press(&mut app, KeyCode::Enter);
    app.update(Msg::Tables(Ok(vec!["orders".into()])));
    app.update(Msg::TableDetails {
        name: "orders".into(),
        result: Ok(details),
    });
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Road);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::BackupSetup);
    app.update(Msg::RecoveryPoints {
        points: points(),
        failures: Vec::new(),
    });
    app.update(Msg::NameChecked {
        name: "orders-restored".into(),
        result: Ok(true),
    });
    app
}

#[test]
fn a_dimmed_row_cannot_be_chosen_and_says_why() {
    let mut app = backup_setup();
    press(&mut app, KeyCode::Down);
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.backup.stage, Stage::Form);
    let why = app.backup.message.clone().expect("the reason is shown");
    assert!(why.contains("cannot leave its account"), "{why}");
    // The recovery point AWS Backup made can cross: Enter opens the review.
    for _ in 0..4 {
        press(&mut app, KeyCode::Down);
    }
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(app.backup.stage, Stage::Review);
    assert!(
        matches!(&cmds[..], [Cmd::ReadVaultPolicy { .. }]),
        "{cmds:?}"
    );
    let plan = super::draft::backup_plan(&app).expect("a plan");
    assert_eq!(plan.from, BackupFrom::RecoveryPoint);
    assert_eq!(plan.recovery_point_arn.as_deref(), Some(POINT_ARN));
}

#[test]
fn in_one_account_only_the_point_in_time_needs_pitr_and_no_vault_is_asked_for() {
    let app = same_account_setup();
    let rows = super::draft::all_rows(&app);
    let blocked: Vec<_> = rows.iter().filter_map(|r| r.blocked.as_deref()).collect();
    assert_eq!(blocked, ["point-in-time recovery is off for this table"]);
    assert_eq!(app.backup.name.value(), "orders-restored");
    assert!(!super::order(&app).contains(&Focus::Vault));
}

#[test]
fn the_encryption_choices_follow_the_row_and_a_kms_key_is_checked() {
    let mut app = backup_setup();
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.backup.focus, Focus::Name);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.backup.focus, Focus::Encryption);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(
        super::draft::encryption(&app),
        RestoreEncryption::AwsManaged
    );
    press(&mut app, KeyCode::Char(' '));
    assert!(super::order(&app).contains(&Focus::KmsKey));
    press(&mut app, KeyCode::Tab);
    assert!(app.editing(), "Tab onto the key field edits it");
    type_text(&mut app, "not-a-key");
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(cmds.is_empty());
    assert_eq!(app.backup.stage, Stage::Form);
    assert!(app.backup.message.is_some());
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(super::draft::encryption(&app), RestoreEncryption::Default);
}

#[test]
fn the_vault_statement_is_added_only_after_yes() {
    let mut app = backup_confirm();
    assert_eq!(app.backup.stage, Stage::Confirm);
    // Enter does not answer the question; only y or n does.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let cmds = press(&mut app, KeyCode::Char('n'));
    let plan = opened_plan(&cmds);
    assert_eq!(plan.via, Via::Backup);
    assert!(!plan.backup_or_default().add_vault_policy);

    let mut app = backup_confirm();
    let cmds = press(&mut app, KeyCode::Char('y'));
    let plan = opened_plan(&cmds);
    let b = plan.backup_or_default();
    assert!(b.add_vault_policy);
    assert_eq!(b.dest_vault, "Default");
    assert_eq!(
        b.source_role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole")
    );
    assert_eq!(
        b.dest_role_arn.as_deref(),
        Some("arn:aws:iam::444455556666:role/service-role/AWSBackupDefaultServiceRole")
    );
    assert_eq!(plan.validate(), Ok(()));
    assert_eq!(app.screen, Screen::BackupProgress);
    assert!(app.engine_busy);
}

#[test]
fn the_vault_question_is_shown_from_its_top_whatever_was_scrolled() {
    let mut app = backup_review();
    press(&mut app, KeyCode::PageDown);
    assert!(app.backup.scroll > 0, "the review scrolled");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.backup.stage, Stage::Confirm);
    assert_eq!(app.backup.scroll, 0, "the question's first line is in view");
}

#[test]
fn the_start_waits_for_the_vault_policy_and_esc_steps_back() {
    let mut app = backup_setup();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.backup.stage, Stage::Review);
    // The policy is not read yet: Enter says so and starts nothing.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(app.backup.message.is_some());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.backup.stage, Stage::Form);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Road);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Table);
}

#[test]
fn in_one_account_enter_enter_starts_with_a_dynamodb_backup() {
    let mut app = same_account_setup();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.backup.stage, Stage::Review);
    let cmds = press(&mut app, KeyCode::Enter);
    let plan = opened_plan(&cmds);
    let b = plan.backup_or_default();
    assert_eq!(
        (b.from, b.made_by),
        (BackupFrom::New, BackupMaker::Dynamodb)
    );
    assert!(!b.add_vault_policy, "no vault is involved in one account");
    assert_eq!(b.source_role_arn, None, "DynamoDB makes and restores it");
    assert_eq!(b.dest_role_arn, None);
    assert_eq!(plan.table.name, "orders-restored");
    assert_eq!(plan.validate(), Ok(()));
}

#[test]
fn a_field_being_edited_takes_letters_but_not_help() {
    let mut app = backup_setup();
    press(&mut app, KeyCode::Tab);
    assert!(app.editing());
    assert!(crate::tui::view::bar(&app)
        .line(80)
        .starts_with("EDITING New table"));
    let cmds = type_text(&mut app, "-qv");
    assert_eq!(app.backup.name.value(), "orders-qv");
    assert!(!app.quit);
    assert!(matches!(cmds.last(), Some(Cmd::CheckName(n)) if n == "orders-qv"));
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Overlay::Help(Box::new(Overlay::None)));
    press(&mut app, KeyCode::Esc);
    assert!(
        app.editing(),
        "closing the help leaves the field being edited"
    );
    // A taken name keeps the review closed, with the reason.
    app.update(Msg::NameChecked {
        name: "orders-qv".into(),
        result: Ok(false),
    });
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.backup.stage, Stage::Form);
    assert!(app
        .backup
        .message
        .as_deref()
        .is_some_and(|m| m.contains("already exists")));
    press(&mut app, KeyCode::Esc);
    assert!(!app.editing());
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn a_refused_preflight_goes_back_to_the_choices_and_starts_again() {
    let mut app = backup_preflight_failed();
    assert_eq!(app.screen, Screen::BackupProgress);
    assert!(!app.engine_busy);
    let f = app.failure.clone().expect("the failure box");
    assert!(f.next.contains("Road screen"), "{}", f.next);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::BackupSetup);
    press(&mut app, KeyCode::Enter);
    app.update(Msg::VaultPolicy {
        vault: "Default".into(),
        result: Ok(crate::tui::msg::VaultLook {
            exists: true,
            policy: Some(VAULT_POLICY.into()),
        }),
    });
    press(&mut app, KeyCode::Enter);
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(&cmds[..], [Cmd::OpenSession(_)]), "{cmds:?}");
}

/// A backup-road migration left while the copy ran: reopened, the offer reattaches and the
/// three jobs' panel is shown, with the journal's choices on the screens.
#[test]
fn reopening_during_the_copy_lands_on_the_jobs_panel() {
    let (running, _session) = backup_copying();
    let plan: Plan = running.journal.as_ref().expect("a journal").plan.clone();
    let mut j = backup_journal(plan, Step::Copy);
    j.backup.backup = Some(JobRecord {
        arn: Some("8F1D6A2C".into()),
        status: Some("COMPLETED".into()),
        ..JobRecord::default()
    });
    j.backup.copy = Some(JobRecord {
        arn: Some("C0A1B2C3".into()),
        status: Some("RUNNING".into()),
        started_at: Some(JOB_START.into()),
        ..JobRecord::default()
    });
    j.history.push(crate::engine::journal::HistoryEntry {
        at: JOB_START.into(),
        step: Step::Copy,
        what: "copy started".into(),
        cli: None,
    });
    let mut app = accounts_listed();
    app.update(Msg::Unfinished {
        migrations: vec![crate::engine::unfinished::Unfinished {
            path: std::path::PathBuf::from(format!("{STATE_DIR}/migrations/{}.json", j.id)),
            journal: (*j).clone(),
        }],
        fleets: Vec::new(),
    });
    match &app.overlay {
        Overlay::Resume(offers) => assert!(offers[0].summary.contains("(copy RUNNING)")),
        other => panic!("expected the resume offer, got {other:?}"),
    }
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(matches!(&cmds[..], [Cmd::OpenSession(_)]));
    app.update(Msg::Session(crate::engine::session::actor::Report::Opened(
        j,
    )));
    assert_eq!(app.screen, Screen::BackupProgress);
    assert_eq!(app.via(), Via::Backup);
    assert_eq!(app.backup.name.value(), "orders");
    assert!(view_text(&app).contains("2. Copy: RUNNING"));
}

#[test]
fn each_step_of_the_backup_road_has_its_screen() {
    for (step, screen) in [
        (Step::Preflight, Screen::BackupSetup),
        (Step::Backup, Screen::BackupProgress),
        (Step::Vault, Screen::BackupProgress),
        (Step::Copy, Screen::BackupProgress),
        (Step::Restore, Screen::BackupProgress),
        (Step::Verify, Screen::Verify),
        (Step::Finish, Screen::Verify),
    ] {
        assert_eq!(Screen::for_step(Via::Backup, step), screen, "{step:?}");
    }
    assert_eq!(Screen::for_step(Via::S3, Step::Preflight), Screen::Bucket);
}

#[test]
fn the_saved_plan_of_the_backup_road_reads_back() {
    let app = backup_verified();
    let plan = crate::tui::save_plan::current_plan(&app).expect("a journal");
    assert_eq!(plan.via, Via::Backup);
    let text = plan.render_commented(&[]);
    let back = Plan::parse(&text, "saved.jsonc").expect("it parses");
    assert_eq!(back, plan);
}

#[test]
fn the_point_in_time_takes_a_time_or_the_latest() {
    let mut app = same_account_setup_with("ENABLED");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(super::order(&app)[..2], [Focus::List, Focus::Time]);
    press(&mut app, KeyCode::Tab);
    assert!(app.editing());
    type_text(&mut app, "yesterday");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.backup.stage, Stage::Form);
    assert!(app.backup.message.is_some(), "the time's rule is said");
    // Enter left the field; `e` edits it again.
    press(&mut app, KeyCode::Char('e'));
    assert!(app.editing());
    for _ in 0.."yesterday".len() {
        press(&mut app, KeyCode::Backspace);
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.backup.stage, Stage::Review);
    let plan = super::draft::backup_plan(&app).expect("a plan");
    assert_eq!(plan.from, BackupFrom::PointInTime);
    assert_eq!(plan.restore_time, None, "empty: the latest restorable time");
}
