//! Fixtures of the backup road: the wizard walked by keys from the Road screen to Verify,
//! with the messages the tasks and the session would send made by hand (as in
//! `test_support.rs`, whose S3 fixtures lead to the Road screen). Nothing runs or calls AWS.

use crossterm::event::KeyCode;

use super::app::{App, Screen};
use super::msg::{Msg, RecoveryPoint, VaultLook};
use super::services::Cmd;
use super::test_support::*;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::{JobRecord, Journal, RecoveryPointRecord, Step, VerifyRecord};
use crate::engine::plan::Plan;
use crate::engine::session::actor::Report;
use crate::engine::session::OpenFrom;

pub const POINT_ARN: &str =
    "arn:aws:backup:eu-west-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45";
pub const DDB_BACKUP_ARN: &str =
    "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/01764000000000-9f8e7d6c";
pub const COPY_ARN: &str =
    "arn:aws:backup:eu-west-1:444455556666:recovery-point:7D1C0E52-3B5A-4C1F-9E8D-6A2B4F0C9D17";

/// The source table's backups, newest first: a DynamoDB backup (it cannot leave the
/// account) and an AWS Backup recovery point (it can).
pub fn points() -> Vec<RecoveryPoint> {
    vec![
        RecoveryPoint {
            arn: DDB_BACKUP_ARN.into(),
            created: Some("2026-11-28T09:30:00Z".into()),
            size_bytes: Some(987_000_000),
            status: "AVAILABLE".into(),
            vault: None,
        },
        RecoveryPoint {
            arn: POINT_ARN.into(),
            created: Some("2026-11-20T02:00:00Z".into()),
            size_bytes: Some(975_000_000),
            status: "COMPLETED".into(),
            vault: Some("Default".into()),
        },
    ]
}

/// Backup & new table, across accounts: the backup road taken for `orders`, its backups
/// listed, the new name found free.
pub fn backup_setup() -> App {
    let mut app = road_offered();
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::BackupSetup);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::ListRecoveryPoints { table, .. } if table == "orders")),
        "{cmds:?}"
    );
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Cmd::CheckName(n) if n == "orders")));
    app.update(Msg::RecoveryPoints {
        points: points(),
        failures: Vec::new(),
    });
    app.update(Msg::NameChecked {
        name: "orders".into(),
        result: Ok(true),
    });
    app
}

/// The destination vault's policy: a statement of someone else's, which must be kept.
pub const VAULT_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ProtectRecoveryPoints","Effect":"Deny","Principal":{"AWS":"*"},"Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}"#;

/// The review, with the vault policy read and the change previewed.
pub fn backup_review() -> App {
    let mut app = backup_setup();
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&cmds[..], [Cmd::ReadVaultPolicy { vault }] if vault == "Default"),
        "{cmds:?}"
    );
    app.update(Msg::VaultPolicy {
        vault: "Default".into(),
        result: Ok(VaultLook {
            exists: true,
            policy: Some(VAULT_POLICY.into()),
        }),
    });
    app
}

/// Enter on the review: the vault question.
pub fn backup_confirm() -> App {
    let mut app = backup_review();
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(
        cmds.is_empty(),
        "the question comes before any start: {cmds:?}"
    );
    app
}

/// The plan the wizard opened its session with.
pub fn opened_plan(cmds: &[Cmd]) -> Plan {
    cmds.iter()
        .find_map(|c| match c {
            Cmd::OpenSession(from) => match from.as_ref() {
                OpenFrom::Plan { plan, .. } => Some((**plan).clone()),
                OpenFrom::Journal { .. } => None,
            },
            _ => None,
        })
        .expect("the start opens a session with the plan")
}

/// A new journal of `plan` as preflight leaves it, standing at `step`.
pub fn backup_journal(plan: Plan, step: Step) -> Box<Journal> {
    let mut journal = preflight_journal(plan, step);
    journal.backup.needs_copy = true;
    Box::new(journal)
}

fn status(step: Step, job: &'static str, percent: Option<u8>, expected: Option<u64>) -> Event {
    Event::JobStatus {
        step,
        job,
        status: "RUNNING".into(),
        started_at: Some(JOB_START.into()),
        elapsed_secs: 0,
        next_check_secs: 30,
        percent_done: percent,
        expected_minutes: expected,
    }
}

fn step_done(app: &mut App, step: Step, summary: &str) {
    engine(
        app,
        Event::StepDone {
            step,
            summary: summary.into(),
        },
    );
}

fn step_started(app: &mut App, step: Step) {
    engine(
        app,
        Event::StepStarted {
            step,
            title: step.title(),
        },
    );
}

/// `y` to the vault question: the session opened, preflight passed, AWS Backup's backup job
/// runs and says 40 %.
pub fn backup_running() -> (App, Box<Journal>) {
    let mut app = backup_confirm();
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.screen, Screen::BackupProgress);
    let j = backup_journal(opened_plan(&cmds), Step::Preflight);
    let cmds = app.update(Msg::Session(Report::Opened(j.clone())));
    continued(&app, &cmds);
    step_started(&mut app, Step::Preflight);
    step_done(
        &mut app,
        Step::Preflight,
        "every prerequisite of the backup road is in place",
    );
    step_started(&mut app, Step::Backup);
    engine(
        &mut app,
        Event::JobStarted {
            step: Step::Backup,
            job: "backup",
            arn: "8F1D6A2C-0B9E-4C7A-B3D5-1E2F3A4B5C6D".into(),
            reattached: false,
        },
    );
    engine(&mut app, status(Step::Backup, "backup", Some(40), None));
    (app, j)
}

/// The backup is made and the vault statement added; the copy runs (AWS reports no
/// percentage for it).
pub fn backup_copying() -> (App, Box<Journal>) {
    let (mut app, j) = backup_running();
    step_done(&mut app, Step::Backup, &format!("restoring {POINT_ARN}"));
    step_started(&mut app, Step::Vault);
    step_done(
        &mut app,
        Step::Vault,
        "the destination vault Default now lets account 111122223333 copy into it",
    );
    step_started(&mut app, Step::Copy);
    engine(
        &mut app,
        Event::JobStarted {
            step: Step::Copy,
            job: "copy",
            arn: "C0A1B2C3-D4E5-4F60-8172-93A4B5C6D7E8".into(),
            reattached: false,
        },
    );
    engine(&mut app, status(Step::Copy, "copy", None, None));
    (app, j)
}

/// The copy is done; AWS Backup's restore job says 46 % and expects 12 minutes.
pub fn backup_restoring() -> (App, Box<Journal>) {
    let (mut app, j) = backup_copying();
    step_done(&mut app, Step::Copy, &format!("copied to {COPY_ARN}"));
    step_started(&mut app, Step::Restore);
    engine(
        &mut app,
        Event::JobStarted {
            step: Step::Restore,
            job: "restore",
            arn: "3C9E1A7F-5B2D-4E8C-A6F0-9D1B3C5E7A2F".into(),
            reattached: false,
        },
    );
    engine(
        &mut app,
        status(Step::Restore, "restore", Some(46), Some(12)),
    );
    (app, j)
}

fn done_job(arn: &str, minutes: u32, bytes: i64) -> JobRecord {
    JobRecord {
        client_token: "ddb-ferry-token".into(),
        arn: Some(arn.into()),
        status: Some("COMPLETED".into()),
        started_at: Some(JOB_START.into()),
        ended_at: Some(format!("2020-01-01T00:{minutes:02}:30Z")),
        billed_bytes: Some(bytes),
        ..JobRecord::default()
    }
}

/// The migration ended: the restore's panel says so and waits for Enter.
pub fn backup_restored() -> App {
    let (mut app, mut j) = backup_restoring();
    step_done(
        &mut app,
        Step::Restore,
        "AWS Backup restored the table orders (COMPLETED)",
    );
    step_started(&mut app, Step::Verify);
    j.step = Step::Finish;
    j.backup.recovery_point = Some(RecoveryPointRecord {
        arn: Some(POINT_ARN.into()),
        vault: Some("Default".into()),
        found_by: "made now".into(),
        size_bytes: Some(975_000_000),
        ..RecoveryPointRecord::default()
    });
    j.backup.copied = Some(RecoveryPointRecord {
        arn: Some(COPY_ARN.into()),
        vault: Some("Default".into()),
        found_by: "copied".into(),
        size_bytes: Some(975_000_000),
        ..RecoveryPointRecord::default()
    });
    j.backup.statements_added = vec!["DdbFerryCopyIntoVaultOrdersToOrders".into()];
    j.backup.policy_done = true;
    j.backup.backup = Some(done_job(
        "8F1D6A2C-0B9E-4C7A-B3D5-1E2F3A4B5C6D",
        4,
        975_000_000,
    ));
    j.backup.copy = Some(done_job(
        "C0A1B2C3-D4E5-4F60-8172-93A4B5C6D7E8",
        9,
        975_000_000,
    ));
    let mut restore = done_job("3C9E1A7F-5B2D-4E8C-A6F0-9D1B3C5E7A2F", 17, 0);
    restore.billed_bytes = None;
    j.backup.restore = Some(restore);
    j.verify = Some(VerifyRecord {
        expected_items: Some(1_234_567),
        imported_items: None,
        counted_items: Some(1_234_567),
        sampled: 100,
        sample_mismatches: Vec::new(),
        passed: true,
    });
    j.not_carried = ttl_and_stream_not_carried();
    session_state(&mut app, j, None, Outcome::Succeeded);
    assert_eq!(app.screen, Screen::BackupProgress);
    pin_summary(&mut app);
    app
}

/// Verify & finish after the restore.
pub fn backup_verified() -> App {
    enter_verify(backup_restored())
}

/// Preflight found the two accounts in no common Organization: the run stopped before any
/// job, and the progress screen explains it.
pub fn backup_preflight_failed() -> App {
    let mut app = backup_confirm();
    let cmds = press(&mut app, KeyCode::Char('y'));
    let j = backup_journal(opened_plan(&cmds), Step::Preflight);
    app.update(Msg::Session(Report::Opened(j.clone())));
    step_started(&mut app, Step::Preflight);
    engine(
        &mut app,
        Event::Failed {
            step: Step::Preflight,
            failure: AwsFailure::new(
                "not-in-organization",
                FailureKind::BadInput,
                "the destination account is not in an AWS Organization",
                "AWS Backup copies recovery points only between accounts of one AWS Organization",
                "put both accounts in one Organization (AWS Organizations console → Add an AWS account), or use the S3 road (`\"via\": \"s3\"`), which needs no Organization",
            ),
        },
    );
    session_state(&mut app, j, None, Outcome::BadInput);
    app
}
