//! The Catch-up and Compare screens' keys, boxes, requests and events, without drawing.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use super::app::{Overlay, Screen};
use super::catch_up_support::*;
use super::msg::Msg;
use super::screens::catch_up::Run;
use super::services::Cmd;
use super::test_support::*;
use crate::engine::catch_up::CatchUpRequest;
use crate::engine::compare::CompareOptions;
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::Step;
use crate::engine::plan::Via;
use crate::engine::session::actor::Request;

#[test]
fn catch_up_is_chosen_on_the_export_screen_and_sent_before_the_settings() {
    let mut app = export_choices();
    assert!(!app.export.catch_up, "off by default");
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Char(' '));
    assert!(app.export.catch_up);
    let plan = super::save_plan::current_plan(&app).expect("a plan");
    assert!(
        plan.options.catch_up,
        "Ctrl-P's plan carries options.catch_up"
    );
    press(&mut app, KeyCode::Enter);
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&cmds),
        [
            &Request::SetCatchUp(true),
            &Request::SetExportSettings(app.export.plan()),
            &Request::Continue
        ]
    );
}

#[test]
fn the_catch_up_choice_wraps_back_to_the_format() {
    let mut app = export_choices();
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(app.export.focus, super::screens::export::Focus::Format);
    // Typing into the time field never toggles catch-up.
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, " x");
    assert!(!app.export.catch_up);
}

#[test]
fn verify_offers_catch_up_first_when_it_was_chosen() {
    let mut app = verify_with_catch_up();
    assert!(super::view::bar(&app)
        .line(80)
        .starts_with("Enter: catch up"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::CatchUp);
    assert!(!app.quit);
}

#[test]
fn verify_reaches_catch_up_with_u_otherwise() {
    let mut app = verify_done();
    assert!(super::view::bar(&app).hints.iter().any(|h| h.key == "u"));
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(app.screen, Screen::CatchUp);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Verify);
    press(&mut app, KeyCode::Enter);
    assert!(app.quit, "without catch-up chosen, Enter still quits");
}

#[test]
fn a_migration_standing_at_catch_up_lands_on_its_screen() {
    assert_eq!(Screen::for_step(Via::S3, Step::CatchUp), Screen::CatchUp);
    assert_eq!(Screen::for_step(Via::Backup, Step::CatchUp), Screen::Verify);
}

#[test]
fn enter_runs_one_increment_and_nothing_more_while_it_runs() {
    let mut app = catch_up_entered();
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&cmds),
        [&Request::CatchUp(CatchUpRequest::default())]
    );
    assert_eq!(app.catch_up.running, Some(Run::Increment));
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(press(&mut app, KeyCode::Char('x')).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    // q asks: the increment's export goes on in AWS.
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
}

#[test]
fn events_fold_into_the_increments_and_the_lag() {
    let mut app = catch_up_entered();
    let import_panel = format!("{:?}", app.progress);
    press(&mut app, KeyCode::Enter);
    window_and_export(&mut app, 1, "IN_PROGRESS");
    let inc = &app.catch_up.increments[0];
    assert_eq!((inc.number, inc.from.as_str()), (1, WINDOWS[0].0));
    assert_eq!(inc.export_status.as_deref(), Some("IN_PROGRESS"));
    assert_eq!(inc.export_arn, Some(increment_arn(1)));
    assert_eq!(
        format!("{:?}", app.progress),
        import_panel,
        "an increment's job is not the import's panel"
    );
    engine(
        &mut app,
        Event::CatchUpProgress {
            number: 1,
            items_applied: 50,
            items_total: 200,
            bytes_applied: 5_000,
            bytes_total: 20_000,
            items_per_sec: 25,
            secs_left: Some(6),
            retries: 0,
            throttled: 0,
        },
    );
    let inc = &app.catch_up.increments[0];
    assert_eq!((inc.items_applied, inc.items_total), (50, 200));
    assert_eq!(inc.rate, Some((25, Some(6))));
    assert!(app.catch_up.current().is_some());
    engine(
        &mut app,
        Event::CatchUpApplied {
            number: 1,
            items: 200,
            puts: 190,
            deletes: 10,
            failed: 2,
            applied_until: WINDOWS[0].1.into(),
            lag_secs: 240,
        },
    );
    let inc = &app.catch_up.increments[0];
    assert!(inc.applied);
    assert_eq!(inc.failed, 2);
    assert_eq!(app.catch_up.lag_text.as_deref(), Some("4 min"));
    let mut j = app.journal.clone().expect("a journal");
    j.catch_up.increments.push(record(1, 200, true));
    ended(&mut app, j, Outcome::WritesFailed);
    assert_eq!(
        app.screen,
        Screen::CatchUp,
        "the screen stays after the run"
    );
    assert!(!app.engine_busy);
    assert_eq!(app.catch_up.outcome, Some(Outcome::WritesFailed));
    assert_eq!(app.catch_up.increments.len(), 1);
}

#[test]
fn waiting_for_aws_is_said_with_the_time() {
    let app = catch_up_waiting();
    assert_eq!(app.catch_up.waiting_until.as_deref(), Some(WINDOWS[2].1));
    assert!(view_text(&app).contains("Waiting for AWS"));
}

#[test]
fn warnings_before_an_increment_are_shown_with_what_to_do() {
    let mut app = catch_up_waiting();
    super::screens::catch_up::on_event(
        &mut app,
        &Event::Warning {
            step: Step::CatchUp,
            message: "something else wrote to the new table".into(),
            code: Some("destination-written".into()),
            why: Some("another writer".into()),
            next: Some("stop that writer until the cutover".into()),
        },
    );
    let text = view_text(&app);
    assert!(text.contains("Warning [destination-written]"), "{text}");
    assert!(text.contains("next: stop that writer"), "{text}");
}

#[test]
fn the_cutover_asks_first_and_any_other_key_says_not_yet() {
    let mut app = cutover_asked();
    assert_eq!(app.overlay, Overlay::ConfirmCutover);
    // Help opens over the box and gives it back.
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Overlay::ConfirmCutover);
    let cmds = press(&mut app, KeyCode::Char('n'));
    assert!(cmds.is_empty());
    assert_eq!(app.overlay, Overlay::None);
    press(&mut app, KeyCode::Char('x'));
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        requests(&cmds),
        [&Request::CatchUp(CatchUpRequest {
            cutover: true,
            ..CatchUpRequest::default()
        })]
    );
    assert_eq!(app.catch_up.running, Some(Run::Cutover));
}

#[test]
fn automatic_runs_now_then_every_fifteen_minutes_until_turned_off() {
    let mut app = catch_up_entered();
    let cmds = press(&mut app, KeyCode::Char('a'));
    assert_eq!(
        requests(&cmds),
        [&Request::CatchUp(CatchUpRequest::default())]
    );
    press(&mut app, KeyCode::Char('-'));
    assert_eq!(
        app.catch_up.every_minutes, 15,
        "never under AWS's 15 minutes"
    );
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(app.catch_up.every_minutes, 20);
    press(&mut app, KeyCode::Char('-'));
    let mut j = app.journal.clone().expect("a journal");
    j.catch_up.increments.push(record(1, 10, true));
    let cmds = ended(&mut app, j, Outcome::Succeeded);
    let timer = match &cmds[..] {
        [Cmd::WakeAfter { after, timer }] => {
            assert_eq!(*after, Duration::from_secs(15 * 60));
            *timer
        }
        other => panic!("the next increment is timed: {other:?}"),
    };
    let cmds = app.update(Msg::CatchUpTimer(timer));
    assert_eq!(
        requests(&cmds),
        [&Request::CatchUp(CatchUpRequest::default())]
    );
    let j = app.journal.clone().expect("a journal");
    let cmds = ended(&mut app, j, Outcome::Succeeded);
    let [Cmd::WakeAfter { timer, .. }] = &cmds[..] else {
        panic!("timed again: {cmds:?}");
    };
    let timer = *timer;
    // Turned off while waiting: the timer that fires later starts nothing.
    assert!(press(&mut app, KeyCode::Char('a')).is_empty());
    assert!(!app.catch_up.automatic);
    assert!(app.update(Msg::CatchUpTimer(timer)).is_empty());
    assert!(app.quiet);
}

#[test]
fn a_failure_stops_the_automatic_increments() {
    let mut app = catch_up_entered();
    press(&mut app, KeyCode::Char('a'));
    let j = app.journal.clone().expect("a journal");
    let cmds = ended(&mut app, j, Outcome::AwsRefused);
    assert!(cmds.is_empty());
    assert!(!app.catch_up.automatic);
}

#[test]
fn c_compares_on_the_compare_screen() {
    let mut app = catch_up_idle();
    let cmds = press(&mut app, KeyCode::Char('c'));
    assert_eq!(
        requests(&cmds),
        [&Request::Compare(CompareOptions::default())]
    );
    assert_eq!(app.screen, Screen::Compare);
    assert_eq!(app.catch_up.running, Some(Run::Compare));
}

#[test]
fn a_compare_without_its_event_is_read_from_the_journal() {
    let mut app = catch_up_idle();
    press(&mut app, KeyCode::Char('c'));
    let mut j = app.journal.clone().expect("a journal");
    j.catch_up.compare = Some(crate::engine::catch_up::record::CompareRecord {
        at: "2026-12-02T15:00:00Z".into(),
        equal: false,
        source_items: 10,
        dest_items: 9,
        differences: 1,
        expired_ttl: 0,
    });
    ended(&mut app, j, Outcome::JobFailed);
    let r = app.catch_up.compare.clone().expect("a result");
    assert!(!r.equal);
    assert_eq!(r.total_differences, 1);
    assert!(view_text(&app).contains("lists them"));
}

#[test]
fn after_an_equal_cutover_catch_up_is_over() {
    let mut app = compare_equal();
    assert!(app.catch_up.over);
    assert!(app.catch_up.pitr_off);
    let text = view_text(&app);
    assert!(text.contains("Catch-up is over"), "{text}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::CatchUp);
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "no increment after the cutover"
    );
    assert!(press(&mut app, KeyCode::Char('x')).is_empty());
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn differences_are_listed_and_explained() {
    let app = compare_different();
    let r = app.catch_up.compare.clone().expect("a result");
    assert_eq!((r.differences.len(), r.total_differences), (3, 14));
    let failure = app.failure.clone().expect("the compare's failure");
    assert!(failure.next.contains("cut over again"), "{}", failure.next);
}

#[test]
fn the_pitr_gap_reads_well() {
    let app = catch_up_pitr_gap();
    let failure = app.failure.clone().expect("the refusal");
    assert_eq!(failure.code, "catch-up-pitr-gap");
    assert!(failure.next.contains("Catch up later"), "{}", failure.next);
    assert!(!app.engine_busy);
    assert_eq!(app.screen, Screen::CatchUp);
}

#[test]
fn the_clock_draws_only_when_the_lag_words_change() {
    let mut app = catch_up_idle();
    assert!(app.minute_clock_running(), "idle with a lag: once a minute");
    assert!(!app.clock_running());
    app.update(Msg::Tick);
    assert!(app.quiet, "the same words: nothing to draw");
    app.catch_up.lag = Some((240, Instant::now() - Duration::from_secs(60)));
    app.update(Msg::Tick);
    assert!(!app.quiet);
    assert_eq!(app.catch_up.lag_text.as_deref(), Some("5 min"));
}

#[test]
fn windows_are_said_on_the_persons_clock() {
    let mut app = catch_up_idle();
    app.update(Msg::UtcOffset(
        time::UtcOffset::from_hms(1, 0, 0).expect("an offset"),
    ));
    let text = view_text(&app);
    assert!(
        text.contains("14:55 → 15:10 your time, UTC+01:00"),
        "{text}"
    );
}

#[test]
fn quitting_while_an_increment_runs_says_what_goes_on() {
    let mut app = catch_up_idle();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    let text = view_text(&app);
    assert!(text.contains("on the Catch-up screen"), "{text}");
    press(&mut app, KeyCode::Char('n'));
    assert!(!app.quit);
}

#[test]
fn a_migration_being_caught_up_is_offered_again_and_opens_on_catch_up() {
    let moved = catch_up_idle();
    let journal = moved.journal.clone().expect("a journal");
    let mut j = journal.clone();
    j.state = crate::engine::journal::MigrationState::Succeeded;
    assert!(super::screens::catch_up::is_open(&j));
    let mut app = accounts_listed();
    app.update(Msg::Unfinished {
        migrations: vec![crate::engine::unfinished::Unfinished {
            path: std::path::PathBuf::from(format!("{STATE_DIR}/migrations/{}.json", j.id)),
            journal: (*j).clone(),
        }],
        fleets: Vec::new(),
    });
    let Overlay::Resume(offers) = &app.overlay else {
        panic!("offered: {:?}", app.overlay);
    };
    assert!(
        offers[0]
            .summary
            .contains("catch-up until the cutover (2 increments applied)"),
        "{}",
        offers[0].summary
    );
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(matches!(&cmds[..], [Cmd::OpenSession(_)]));
    let cmds = app.update(Msg::Session(crate::engine::session::actor::Report::Opened(
        j,
    )));
    assert!(
        requests(&cmds).is_empty(),
        "nothing runs until asked: {cmds:?}"
    );
    assert_eq!(app.screen, Screen::CatchUp);
    assert!(!app.engine_busy);
    assert_eq!(app.catch_up.increments.len(), 2);
    let mut cut = journal;
    cut.state = crate::engine::journal::MigrationState::Succeeded;
    cut.catch_up.cutover_done = true;
    assert!(!super::screens::catch_up::is_open(&cut));
}

#[test]
fn a_repeated_job_status_draws_nothing() {
    let mut app = catch_up_idle();
    press(&mut app, KeyCode::Enter);
    window_and_export(&mut app, 3, "IN_PROGRESS");
    assert!(!app.quiet);
    window_and_export(&mut app, 3, "IN_PROGRESS");
    assert!(app.quiet, "the same window and status again");
    window_and_export(&mut app, 3, "COMPLETED");
    assert!(!app.quiet);
}

#[test]
fn quitting_between_automatic_increments_asks_first() {
    let mut app = catch_up_entered();
    press(&mut app, KeyCode::Char('a'));
    run_started_increment(&mut app, 1, 10, 60);
    assert!(!app.engine_busy);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    assert!(view_text(&app).contains("Automatic catch-up stops"));
    press(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
}

#[test]
fn writes_that_failed_are_listed_with_their_keys() {
    let mut app = catch_up_entered();
    press(&mut app, KeyCode::Enter);
    let mut j = app.journal.clone().expect("a journal");
    let mut rec = record(1, 50, true);
    rec.applied.failed = 5;
    let mut key = serde_json::Map::new();
    key.insert("pk".into(), serde_json::json!("order#7"));
    rec.failures = vec![crate::engine::catch_up::record::FailedWrite {
        key,
        reason: "ValidationException: item too large".into(),
    }];
    j.catch_up.increments.push(rec);
    ended(&mut app, j, Outcome::WritesFailed);
    let text = view_text(&app);
    assert!(
        text.contains(r#"not written: {"pk":"order#7"}: ValidationException"#),
        "{text}"
    );
    assert!(text.contains("… and 4 more"), "{text}");
    assert!(text.contains("some writes could not be made"), "{text}");
}
