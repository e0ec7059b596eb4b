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
