//! The Catch-up and Compare screens (and the Export screen's catch-up choice) as drawn, at
//! 80x24 and 120x40.

use crossterm::event::KeyCode;

use super::catch_up_support::*;
use super::snapshots::snap;
use super::test_support::*;

#[test]
fn export_with_catch_up_on() {
    let mut app = export_choices();
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(app.export.focus, super::screens::export::Focus::CatchUp);
    press(&mut app, KeyCode::Char(' '));
    assert!(app.export.catch_up);
    snap(&app, "export_catch_up_on");
}

#[test]
fn verify_offers_catch_up_first() {
    snap(&verify_with_catch_up(), "verify_catch_up_next");
}

#[test]
fn catch_up_idle_with_two_increments() {
    snap(&catch_up_idle(), "catch_up_idle");
}

#[test]
fn catch_up_first_time() {
    snap(&catch_up_entered(), "catch_up_first");
}

#[test]
fn catch_up_increment_applying() {
    snap(&catch_up_applying(), "catch_up_applying");
}

#[test]
fn catch_up_waiting_for_aws() {
    snap(&catch_up_waiting(), "catch_up_waiting");
}

#[test]
fn catch_up_cutover_box() {
    snap(&cutover_asked(), "catch_up_cutover_confirm");
}

#[test]
fn compare_reading() {
    snap(&compare_running(), "compare_running");
}

#[test]
fn compare_equal_ends_catch_up() {
    snap(&compare_equal(), "compare_equal");
}

#[test]
fn compare_with_differences() {
    snap(&compare_different(), "compare_differences");
}

#[test]
fn catch_up_refused_pitr_gap() {
    snap(&catch_up_pitr_gap(), "catch_up_pitr_gap");
}

#[test]
fn catch_up_help_box_fits() {
    let mut app = catch_up_idle();
    press(&mut app, KeyCode::Char('?'));
    snap(&app, "catch_up_help");
}

#[test]
fn cutover_help_box_fits() {
    let mut app = cutover_asked();
    press(&mut app, KeyCode::Char('?'));
    snap(&app, "catch_up_cutover_help");
}

#[test]
fn compare_help_box_fits() {
    let mut app = compare_equal();
    press(&mut app, KeyCode::Char('?'));
    snap(&app, "compare_help");
}

#[test]
fn catch_up_automatic_between_increments() {
    let mut app = catch_up_entered();
    press(&mut app, KeyCode::Char('a'));
    run_started_increment(&mut app, 1, 1_204, 900);
    assert!(app.catch_up.timer_armed);
    snap(&app, "catch_up_automatic");
}

#[test]
fn catch_up_arns_and_folders() {
    let mut app = catch_up_idle();
    press(&mut app, KeyCode::Char('v'));
    snap(&app, "catch_up_details");
}

#[test]
fn export_help_box_fits() {
    let mut app = export_choices();
    press(&mut app, KeyCode::Char('?'));
    snap(&app, "export_help");
}
