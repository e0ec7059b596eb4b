//! The backup road as it is drawn, at 80x24 and 120x40 (see `snapshots.rs`): the road's
//! choice, the backup screen and its review, the vault question, the three jobs' panel, a
//! refused preflight, and Verify after a restore.

use crossterm::event::KeyCode;

use super::app::Screen;
use super::backup_support::*;
use super::snapshots::snap;
use super::test_support::*;

#[test]
fn road_with_the_backup_recommended_for_an_lsi() {
    snap(&road_offered(), "road_backup_recommended");
}

#[test]
fn road_with_s3_highlighted_shows_its_steps() {
    let mut app = road_offered();
    press(&mut app, KeyCode::Down);
    snap(&app, "road_s3_highlighted");
}

#[test]
fn backup_setup_across_accounts() {
    snap(&backup_setup(), "backup_setup_across_accounts");
}

#[test]
fn backup_setup_a_dimmed_row_says_why() {
    let mut app = backup_setup();
    // The DynamoDB backup made now cannot leave the account.
    press(&mut app, KeyCode::Down);
    snap(&app, "backup_setup_dimmed_row");
}

#[test]
fn backup_review_shows_the_vault_policy_change_in_words() {
    snap(&backup_review(), "backup_review_vault_words");
}

#[test]
fn backup_review_shows_the_vault_policy_as_json_one_key_away() {
    let mut app = backup_review();
    press(&mut app, KeyCode::Char('v'));
    snap(&app, "backup_review_vault_json");
}

#[test]
fn backup_asks_before_adding_the_vault_statement() {
    snap(&backup_confirm(), "backup_confirm_vault");
}

#[test]
fn backup_job_running_with_percent() {
    let (app, _session_runs) = backup_running();
    snap(&app, "backup_progress_backup");
}

#[test]
fn copy_job_running_without_percent() {
    let (app, _session_runs) = backup_copying();
    snap(&app, "backup_progress_copy");
}

#[test]
fn restore_job_running_with_percent_and_expected_time() {
    let (app, _session_runs) = backup_restoring();
    snap(&app, "backup_progress_restore");
}

#[test]
fn restore_complete_waits_for_enter() {
    snap(&backup_restored(), "backup_progress_restored");
}

#[test]
fn preflight_refusal_in_the_failure_box() {
    snap(&backup_preflight_failed(), "backup_preflight_failed");
}

#[test]
fn verify_after_a_restore() {
    let app = backup_verified();
    assert_eq!(app.screen, Screen::Verify);
    snap(&app, "verify_restored");
}

#[test]
fn backup_help() {
    let mut app = backup_setup();
    press(&mut app, KeyCode::Char('?'));
    snap(&app, "help_backup_setup");
}
