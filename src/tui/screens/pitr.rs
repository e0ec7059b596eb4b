//! PITR: an export reads from point-in-time recovery, so it must be on. One key turns it on;
//! the screen waits visibly until AWS says ENABLED, and remembers that this tool did it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;

#[derive(Debug, Clone, Default)]
pub struct State {
    pub status: Option<String>,
    pub enabling: bool,
    /// This tool turned PITR on (so it offers to turn it off at the end).
    pub enabled_by_us: bool,
    pub message: Option<String>,
    pub error: Option<AwsFailure>,
    pub since: Option<std::time::Instant>,
}

impl State {
    pub fn enabled(&self) -> bool {
        self.status.as_deref() == Some("ENABLED")
    }
}

pub fn on_enabled(app: &mut App, result: Result<(), AwsFailure>) -> Vec<Cmd> {
    app.pitr.enabling = false;
    match result {
        Ok(()) => {
            app.pitr.status = Some("ENABLED".into());
            app.pitr.enabled_by_us = true;
            app.pitr.message =
                Some("PITR is on. ddb-ferry will turn it off again at the end, as it was.".into());
        }
        Err(f) => app.pitr.error = Some(f),
    }
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    match key.code {
        // Enter moves forward: it turns PITR on when it is off, and continues once it is on.
        KeyCode::Char('e') | KeyCode::Enter if !app.pitr.enabled() && !app.pitr.enabling => {
            let table = app.table.chosen.clone()?;
            app.pitr.enabling = true;
            app.pitr.since = Some(std::time::Instant::now());
            app.pitr.error = None;
            app.pitr.message = Some("Turning PITR on…".into());
            Some(vec![Cmd::EnablePitr(table)])
        }
        KeyCode::Enter if app.pitr.enabled() => Some(super::bucket::enter(app)),
        KeyCode::Enter => Some(Vec::new()),
        _ => None,
    }
}

/// The keys of the PITR screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.pitr;
    let mut hints = if st.enabling {
        vec![hint("q", "quit (AWS finishes turning it on)")]
    } else if st.enabled() {
        vec![hint("Enter", "continue to the bucket")]
    } else {
        vec![hint("Enter", "turn PITR on"), hint("e", "the same")]
    };
    hints.push(hint("Esc", "back"));
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "PITR (point-in-time recovery) keeps continuous backups of the table for up to 35 days. DynamoDB exports a table from these backups, so PITR must be on; the export does not read the table itself, so your application does not notice it.",
    "PITR is billed by the table's size for as long as it is on (see the estimate on the Export screen). When ddb-ferry turns it on, it turns it off again at the end, as it was.",
    "AWS may refuse to turn it on for a few minutes after a table is created: ddb-ferry retries.",
];

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.pitr;
    let table = app.table.chosen.as_deref().unwrap_or("?");
    let mut lines = vec![
        Line::from(format!("Table: {table}")),
        Line::from(format!(
            "Point-in-time recovery: {}",
            st.status.as_deref().unwrap_or("unknown")
        )),
        Line::from(""),
        Line::from("What it is: PITR keeps continuous backups of the table. DynamoDB exports a table from them, so PITR must be on; the export does not read the table itself, so your application does not notice it."),
        Line::from("What it costs: PITR is billed by the table's size while it is on."),
        Line::from(""),
    ];
    if st.enabling {
        lines.push(Line::from(format!(
            "Waiting for AWS… {} s",
            st.since.map_or(0, |s| s.elapsed().as_secs())
        )));
    } else if st.enabled() {
        lines.push(Line::from("PITR is on. Enter: continue to the bucket."));
    } else {
        lines.push(Line::from(
            "Next: Enter turns PITR on. ddb-ferry turns it off again at the end, as it was.",
        ));
    }
    if let Some(m) = &st.message {
        lines.push(Line::from(m.clone()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", Screen::Pitr.title()));
    if let Some(e) = &st.error {
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [top, bottom] = ratatui::layout::Layout::vertical([
            ratatui::layout::Constraint::Length(lines.len() as u16),
            ratatui::layout::Constraint::Min(4),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), top);
        failure::render(f, bottom, e);
    } else {
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
            area,
        );
    }
}
