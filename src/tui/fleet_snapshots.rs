//! The fleet road as it is drawn, at 80x24 and 120x40 (see `snapshots.rs`): the Table screen
//! with marks and a filter, the new names with their warnings, the summary with the
//! estimate, the dashboard of a hundred tables (scrolled) and one table's own panel.

use crossterm::event::KeyCode;

use super::app::Screen;
use super::fleet_support::*;
use super::snapshots::snap;
use super::test_support::*;

#[test]
fn table_with_marks_and_a_filter() {
    let app = fleet_marked();
    assert_eq!(app.table.picker.filter, "order");
    snap(&app, "fleet_table_marked_filtered");
}

#[test]
fn table_while_the_filter_is_typed() {
    let mut app = fleet_marked();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "s-");
    assert!(app.editing());
    snap(&app, "fleet_table_filter_typed");
}

#[test]
fn fleet_bucket_preview_says_nothing_changes_yet() {
    snap(&fleet_bucket(), "fleet_bucket_preview");
}

#[test]
fn fleet_new_names_with_a_name_taken() {
    let app = fleet_names();
    assert_eq!(app.screen, Screen::FleetNames);
    snap(&app, "fleet_names");
}

#[test]
fn fleet_summary_with_the_estimate() {
    snap(&fleet_summary(), "fleet_summary");
}

#[test]
fn fleet_dashboard_of_a_hundred_tables() {
    let app = fleet_board();
    let t = app.fleet.board.model.totals();
    assert_eq!((t.moved, t.failed), (29, 3));
    snap(&app, "fleet_dashboard");
}

#[test]
fn fleet_dashboard_scrolled() {
    let mut app = fleet_board();
    // The first drawing measures the page; PgDn then moves a page down.
    let _ = view_text(&app);
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    snap(&app, "fleet_dashboard_scrolled");
}

#[test]
fn fleet_table_panel() {
    snap(&fleet_panel(), "fleet_table_panel");
}

#[test]
fn fleet_table_panel_with_whole_arns() {
    let mut app = fleet_panel();
    press(&mut app, KeyCode::Char('a'));
    snap(&app, "fleet_table_panel_arns");
}

#[test]
fn fleet_stopped_by_a_failure_of_a_whole_side() {
    let mut app = fleet_board();
    app.update(super::msg::Msg::Fleet(
        crate::engine::fleet::FleetEvent::Fleet(crate::engine::fleet::FleetNote::FleetStopping {
            table: "app-033".into(),
            failure: expired_token(),
        }),
    ));
    let text = view_text(&app);
    assert!(text.contains("What:") && text.contains("Next:"), "{text}");
    snap(&app, "fleet_stopped");
}
