//! Compare: the wizard's last screen. Both tables read in full and compared item by item
//! (after the cutover's last increment, or on its own with `c`): the items read on each side
//! while it runs, then "equal" in large type or the differences, the TTL-expired items apart,
//! and once the cutover is done, that catch-up is over and what stays behind.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::catch_up::{self, CompareResult, Run};
use super::fleet::grouped;
use super::KeyResult;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::widgets::pane::{render_scrolled, scroll_key};
use crate::tui::widgets::{big_text, failure};

fn count(n: u64) -> String {
    grouped(n as i64)
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let busy = app.engine_busy;
    match key.code {
        KeyCode::Char('c') if !busy => Some(catch_up::compare_now(app)),
        KeyCode::Enter if !busy && app.catch_up.over => {
            app.quit = true;
            Some(Vec::new())
        }
        KeyCode::Esc if !busy => {
            app.go(Screen::CatchUp);
            Some(Vec::new())
        }
        _ if scroll_key(&mut app.catch_up.scroll, &key) => Some(Vec::new()),
        _ => None,
    }
}

/// The sentence about items whose TTL had passed, which the compare leaves out.
fn ttl_words(n: u64) -> String {
    format!(
        "{} items whose TTL (expiry time) had passed were left out: DynamoDB deletes expired items on its own schedule, often days later, so one side may still hold them while the other does not.",
        count(n)
    )
}

/// What the result means and what follows, under the big words.
fn result_lines(app: &App, r: &CompareResult) -> Vec<Line<'static>> {
    let st = &app.catch_up;
    let mut lines = Vec::new();
    if r.equal {
        if st.over {
            lines.push(Line::from(format!(
                "Catch-up is over: your application can write to the new table {} now.",
                st.new_table
            )));
            lines.push(Line::from(if st.pitr_off {
                "PITR on the source was turned off again, as it was before ddb-ferry turned it on."
            } else if st.pitr_ours {
                "PITR on the source is still on: ddb-ferry turned it on for the migration; the list below has the command that turns it off."
            } else {
                "PITR on the source stays as it was before the migration (on)."
            }));
        } else {
            lines.push(Line::from("The tables were equal when read. Writes made to the source since then reach the new table with the next increment; the cutover (x on the Catch-up screen) ends catch-up."));
        }
    } else {
        lines.push(Line::from(format!(
            "{} items in the source, {} in the new table. The differences (key, then what differs):",
            count(r.source_items),
            count(r.dest_items)
        )));
        for d in &r.differences {
            lines.push(Line::from(format!("• {d}")));
        }
        let rest = r
            .total_differences
            .saturating_sub(r.differences.len() as u64);
        if rest > 0 && r.differences.is_empty() {
            lines.push(Line::from(format!(
                "• {} differences; `ddb-ferry compare {}` lists them",
                count(rest),
                app.migration_id.as_deref().unwrap_or("ID")
            )));
        } else if rest > 0 {
            lines.push(Line::from(format!("… and {} more", count(rest))));
        }
    }
    if r.expired_ttl > 0 {
        lines.push(Line::from(""));
        lines.push(Line::from(ttl_words(r.expired_ttl)));
    }
    if r.equal && st.over {
        if let Some(j) = &app.journal {
            lines.extend(super::verify::leftover_lines(j, &app.prices));
        }
    }
    lines
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.catch_up;
    let running = app.engine_busy && matches!(st.running, Some(Run::Compare | Run::Cutover));
    let [top, bottom] = Layout::vertical([
        Constraint::Length(2 + 2 + big_text::HEIGHT),
        Constraint::Min(4),
    ])
    .areas(area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", Screen::Compare.title()));
    let inner = block.inner(top);
    f.render_widget(block, top);
    let [head, big] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(big_text::HEIGHT)])
            .areas(inner);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let (head_lines, big_words): (Vec<Line>, String) = match (&st.compare, running) {
        (Some(r), false) if r.equal => (
            vec![
                Line::styled("Equal: every item is the same on both sides.", bold),
                Line::from(""),
            ],
            format!("{} items on both sides", count(r.source_items)),
        ),
        (Some(r), false) => (
            vec![
                Line::styled("Different: the tables are not the same.", bold),
                Line::from(""),
            ],
            format!("{} differences", count(r.total_differences)),
        ),
        _ if running || st.compare_read.is_some() => {
            let (s, d) = st.compare_read.unwrap_or((0, 0));
            (
                vec![
                    Line::from("Reading both tables in full and comparing every item by its key; nothing is written."),
                    Line::from(format!(
                        "Items read: {} from the source, {} from the new table",
                        count(s),
                        count(d)
                    )),
                ],
                format!("{} items read", count(s.max(d))),
            )
        }
        _ => (
            vec![Line::from(
                "No compare has run yet: c compares both tables in full.",
            )],
            String::new(),
        ),
    };
    f.render_widget(
        Paragraph::new(head_lines).wrap(ratatui::widgets::Wrap { trim: true }),
        head,
    );
    if !big_words.is_empty() {
        big_text::render(f, big, &big_words, bold);
    }
    let lines = match (&st.compare, running) {
        (Some(r), false) => {
            // The differences come first; the failure's advice follows them.
            let mut lines = result_lines(app, r);
            if let Some(fail) = &app.failure {
                lines.push(Line::from(""));
                lines.push(Line::styled(
                    format!("Why this happens: {}", fail.why),
                    Style::default(),
                ));
                lines.push(Line::styled(format!("What to do: {}", fail.next), bold));
            }
            lines
        }
        _ if app.failure.is_some() => {
            if let Some(fail) = &app.failure {
                failure::render(f, bottom, fail);
            }
            return;
        }
        _ if running => {
            let mut lines = vec![Line::from(
                "The compare reads every item of both tables once, using read capacity on each side; a large table takes a while. It changes nothing.",
            )];
            if st.running == Some(Run::Cutover) {
                lines.push(Line::from("After the cutover's last increment: when both sides are equal, catch-up is over."));
            }
            lines
        }
        _ => Vec::new(),
    };
    render_scrolled(f, bottom, "What it means", false, lines, st.scroll);
}

/// The keys of the Compare screen now.
pub fn bar(app: &App) -> Bar {
    if app.engine_busy {
        return Bar::commands(vec![hint("PgUp/PgDn", "scroll")]);
    }
    let mut hints = Vec::new();
    if app.catch_up.over {
        hints.push(hint("Enter", "quit"));
    }
    hints.push(hint("c", "compare again"));
    hints.push(hint("PgUp/PgDn", "scroll"));
    hints.push(hint("Esc", "back to catch-up"));
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "The compare reads every item of the source and of the new table and compares them by key, attribute by attribute (numbers by value). It writes nothing; it uses read capacity on both sides.",
    "Items whose TTL (expiry time) has passed are left out and counted apart: DynamoDB deletes expired items on its own schedule, often days later, so one side may still hold one the other has already deleted.",
    "After the cutover, equal tables end catch-up: your application can write to the new table, and PITR on the source is turned off again if ddb-ferry turned it on. Differences keep catch-up open: look at the keys listed, make sure nothing else writes to either table, and cut over again from the Catch-up screen.",
];
