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
        KeyCode::Char('e') if !app.pitr.enabled() && !app.pitr.enabling => {
            let table = app.table.chosen.clone()?;
            app.pitr.enabling = true;
            app.pitr.since = Some(std::time::Instant::now());
            app.pitr.error = None;
            app.pitr.message = Some("Turning PITR on…".into());
            Some(vec![Cmd::EnablePitr(table)])
        }
        KeyCode::Enter => {
            if app.pitr.enabled() {
                Some(super::bucket::enter(app))
            } else {
                app.pitr.message = Some("An export needs PITR on: press e to turn it on.".into());
                Some(Vec::new())
            }
        }
        _ => None,
    }
}

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
        Line::from("An export to S3 reads the table from its point-in-time recovery (PITR) backups, so PITR must be on. It costs storage while on; the export itself does not read the table's capacity."),
        Line::from(""),
    ];
    if st.enabling {
        lines.push(Line::from(format!(
            "Waiting for AWS… {} s",
            st.since.map_or(0, |s| s.elapsed().as_secs())
        )));
    } else if st.enabled() {
        lines.push(Line::from("PITR is on. Enter: continue."));
    } else {
        lines.push(Line::from(
            "Press e to turn PITR on (ddb-ferry turns it off again at the end).",
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
