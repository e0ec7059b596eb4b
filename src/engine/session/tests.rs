//! The session's decisions and its lock, without AWS: the steps that need AWS are covered by
//! the emulator suites (`tests/engine_emulator.rs`, `tests/wizard_pty.rs`).

use super::*;
use crate::engine::journal::{JobRecord, Journal, MigrationState};
use crate::engine::plan::Plan;
use crate::logic::options::ExportFormat;

fn journal() -> Journal {
    let plan = Plan::parse(
        r#"{"source":{"profile":"a","table":"Orders"},"destination":{"profile":"b","bucket":"bkt-one"},"table":{"name":"Orders"}}"#,
        "t",
    )
    .unwrap();
    let id = crate::engine::migration_id(&plan, 1);
    crate::engine::new_journal(plan, id, None, None)
}

fn open(dir: &Path, answers: Answers) -> Session {
    Session::open(journal(), dir, EventSink::silent(), false, answers).unwrap()
}

#[test]
fn one_session_per_migration_until_it_closes() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path(), Answers::AskPerson);
    let second = Session::open(
        journal(),
        dir.path(),
        EventSink::silent(),
        false,
        Answers::FromPlan,
    );
    assert!(
        matches!(&second, Err(LockError::Held { pid: Some(p), .. }) if *p == std::process::id()),
        "{second:?}"
    );
    // A dry run writes nothing and starts nothing: it needs no lock.
    assert!(Session::open(
        journal(),
        dir.path(),
        EventSink::silent(),
        true,
        Answers::FromPlan
    )
    .is_ok());
    first.close(false);
    assert!(Session::open(
        journal(),
        dir.path(),
        EventSink::silent(),
        false,
        Answers::FromPlan
    )
    .is_ok());
}

#[test]
fn a_person_is_asked_only_after_the_step_the_question_is_about_ran_here() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), Answers::AskPerson);
    // Reattached at the export: the bucket step did not run here, so no question.
    assert_eq!(s.decision_before(Step::Export), None);
    s.ran_here.insert(Step::Bucket);
    assert_eq!(
        s.decision_before(Step::Export),
        Some(Decision::ExportSettings)
    );
    s.ran_here.insert(Step::Locate);
    assert_eq!(
        s.decision_before(Step::KeyCheck),
        Some(Decision::DataFolder)
    );
    s.choose_data_folder(None, None).unwrap();
    assert_eq!(s.decision_before(Step::KeyCheck), Some(Decision::NewTable));
    let table = s.journal().plan.table.clone();
    s.set_new_table(table).unwrap();
    assert_eq!(s.decision_before(Step::KeyCheck), None);
    s.ran_here.insert(Step::KeyCheck);
    assert_eq!(s.decision_before(Step::Import), Some(Decision::StartImport));
    s.confirm_import();
    assert_eq!(s.decision_before(Step::Import), None);

    let mut plan = open_other(dir.path());
    plan.ran_here
        .extend([Step::Bucket, Step::Locate, Step::KeyCheck]);
    for step in [Step::Export, Step::KeyCheck, Step::Import] {
        assert_eq!(
            plan.decision_before(step),
            None,
            "the plan answers {step:?}"
        );
    }
}

fn open_other(dir: &Path) -> Session {
    let mut j = journal();
    j.id = "other".into();
    Session::open(j, dir, EventSink::silent(), false, Answers::FromPlan).unwrap()
}

#[test]
fn export_settings_are_recorded_until_the_export_starts() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), Answers::AskPerson);
    s.ran_here.insert(Step::Bucket);
    let mut export = s.journal().plan.export.clone();
    export.format = ExportFormat::Ion;
    s.set_export_settings(export.clone()).unwrap();
    let saved = Journal::load(&s.journal_path()).unwrap();
    assert_eq!(
        saved.plan.export.format,
        ExportFormat::Ion,
        "written to the journal"
    );
    assert_eq!(s.decision_before(Step::Export), None);

    s.migration.journal.export = Some(JobRecord::default());
    let refused = s.set_export_settings(export).unwrap_err();
    assert_eq!(refused.code, "decision-too-late");
}

#[test]
fn another_data_folder_replaces_the_found_one_and_the_found_one_can_be_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), Answers::AskPerson);
    s.choose_data_folder(None, None).unwrap();
    assert!(
        s.journal().data_folder.is_none(),
        "nothing found, nothing kept"
    );
    s.choose_data_folder(Some("p/AWSDynamoDB/1-a/data/".into()), Some(7))
        .unwrap();
    let saved = Journal::load(&s.journal_path()).unwrap();
    let folder = saved.data_folder.expect("the chosen folder is saved");
    assert_eq!(folder.prefix, "p/AWSDynamoDB/1-a/data/");
    assert_eq!(folder.bucket, "bkt-one");
    assert_eq!(folder.manifest_item_count, Some(7));
    assert_eq!(folder.found_by, "chosen in the wizard");
}

#[test]
fn new_table_settings_after_a_passed_check_run_the_check_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), Answers::AskPerson);
    s.ran_here.insert(Step::KeyCheck);
    s.confirm_import();
    s.migration.journal.step = Step::Import;
    let mut table = s.journal().plan.table.clone();
    table.name = "Orders-v2".into();
    s.set_new_table(table).unwrap();
    assert_eq!(s.journal().step, Step::KeyCheck, "the check runs again");
    assert_eq!(
        s.decision_before(Step::Import),
        Some(Decision::StartImport),
        "and the import waits for the person again"
    );
    s.migration.journal.import = Some(JobRecord::default());
    let table = s.journal().plan.table.clone();
    assert_eq!(
        s.set_new_table(table).unwrap_err().code,
        "decision-too-late"
    );
}

#[test]
fn closing_an_unfinished_migration_marks_it_interrupted_and_frees_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), Answers::AskPerson);
    s.migration.journal.state = MigrationState::Running;
    s.migration.save().unwrap();
    let path = s.journal_path();
    s.close(true);
    assert_eq!(
        Journal::load(&path).unwrap().state,
        MigrationState::Interrupted
    );
    assert!(Session::open(
        journal(),
        dir.path(),
        EventSink::silent(),
        false,
        Answers::FromPlan
    )
    .is_ok());
}

#[test]
fn each_road_runs_its_steps_in_the_journal_order() {
    for via in [Via::S3, Via::Backup] {
        let order = steps_of(via);
        let mut sorted = order.to_vec();
        sorted.sort();
        assert_eq!(sorted, order, "{via:?}");
        assert_eq!(order.first(), Some(&Step::Preflight));
        assert_eq!(order.last(), Some(&Step::Finish));
        assert_eq!(next_step(via, Step::Finish), Step::Finish);
    }
    assert_eq!(next_step(Via::S3, Step::Locate), Step::KeyCheck);
    assert_eq!(next_step(Via::Backup, Step::Preflight), Step::Backup);
    assert_eq!(next_step(Via::Backup, Step::Restore), Step::Verify);
}

#[test]
fn the_same_choices_applied_again_run_the_bucket_step_again_until_the_export_starts() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal();
    j.step = Step::Export;
    j.save(dir.path()).unwrap();
    let from = || OpenFrom::Plan {
        plan: Box::new(journal().plan),
        pitr_enabled_by_us: false,
    };
    let s = open_for_person(from(), dir.path(), None, EventSink::silent()).unwrap();
    assert_eq!(
        s.journal().step,
        Step::Bucket,
        "the export settings are asked again"
    );
    s.close(false);

    j.export = Some(JobRecord::default());
    j.save(dir.path()).unwrap();
    let s = open_for_person(from(), dir.path(), None, EventSink::silent()).unwrap();
    assert_eq!(
        s.journal().step,
        Step::Export,
        "a started export is reattached to"
    );
    // Held by this session: a second person is told who holds it.
    match open_for_person(from(), dir.path(), None, EventSink::silent()) {
        Err(OpenFailure::Held { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
        other => panic!("expected the migration to be held, got {other:?}"),
    }
}

#[tokio::test]
async fn a_session_connects_once_and_later_continues_skip_the_preflight() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut j = journal();
    j.step = Step::Export;
    let mut s =
        Session::open(j, dir.path(), EventSink::new(tx), false, Answers::AskPerson).unwrap();
    // As after the wizard's first run: connected, the bucket applied here.
    s.ran_here.extend([Step::Preflight, Step::Bucket]);
    // No AWS is reachable here: a preflight would fail. The session goes straight to the
    // question before the export instead.
    assert_eq!(s.run_until_decision().await, Outcome::Paused);
    assert_eq!(s.pending(), Some(Decision::ExportSettings));
    while let Ok(event) = rx.try_recv() {
        assert!(
            !matches!(
                event,
                Event::StepStarted {
                    step: Step::Preflight,
                    ..
                }
            ),
            "the preflight ran again"
        );
    }
}
