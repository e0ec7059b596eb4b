//! The fleet's dashboard: a header with the totals, then one line per table — failures first,
//! then what runs, what waits, what moved — with its step, its job's status, the job's
//! elapsed minutes, its items and errors. Enter opens a table's own panel. The fleet runs in
//! a task (`FleetRun::run`); its events come back as messages and are folded into the model.

use std::cell::Cell;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::super::KeyResult;
use super::model::{Change, FleetModel, Line as TableLine, Standing};
use super::{count, fit, fit_right};
use crate::aws::explain::AwsFailure;
use crate::engine::events::{Event, Outcome};
use crate::engine::fleet::journal::FleetJournal;
use crate::engine::fleet::{FleetEvent, FleetNote};
use crate::engine::journal::{Journal, Step};
use crate::logic::cost::about;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::text::wrap;

#[derive(Debug, Clone, Default)]
pub struct State {
    pub model: FleetModel,
    /// The running fleet's plan (for Ctrl-P).
    pub plan: Option<crate::engine::fleet::FleetPlan>,
    /// The fleet's task runs (until it reports how the fleet ended).
    pub running: bool,
    /// The highlighted table (kept by name: the order changes as tables move on).
    pub selected: Option<String>,
    /// The table whose own panel is open.
    pub open: Option<String>,
    /// The panel shows the jobs' whole ARNs.
    pub show_arns: bool,
    pub panel_scroll: u16,
    /// The first line shown and the lines that fit, as the last drawing found them: only
    /// drawing knows the window's height.
    pub offset: Cell<usize>,
    pub page: Cell<usize>,
}

/// Enter on the summary: the fleet starts in a task.
pub fn start(app: &mut App) -> Vec<Cmd> {
    let Some(ready) = app.fleet.summary.ready() else {
        return Vec::new();
    };
    let journal = ready.journal.clone();
    let resumed = ready.resumed;
    open(app, &journal);
    vec![Cmd::RunFleet {
        journal: Box::new(journal),
        resumed,
        prices: app.prices.clone(),
    }]
}

/// The reattach offer taken: the fleet of that journal runs again (moved tables are left
/// alone, running jobs reattached).
pub fn reattach(app: &mut App, path: PathBuf) -> Vec<Cmd> {
    app.fleet.active = true;
    app.fleet.board = State {
        running: true,
        ..State::default()
    };
    app.reached = Screen::Fleet;
    app.go(Screen::Fleet);
    vec![Cmd::ReattachFleet {
        path,
        prices: app.prices.clone(),
    }]
}

fn open(app: &mut App, journal: &FleetJournal) {
    app.fleet.active = true;
    app.fleet.board = State {
        model: FleetModel::of(journal),
        plan: Some(journal.plan.clone()),
        running: true,
        ..State::default()
    };
    app.reached = Screen::Fleet;
    app.go(Screen::Fleet);
}

/// The journal of a reattached fleet was read: every table is listed, and the tables' own
/// journals are read for where each stands.
pub fn on_opened(app: &mut App, result: Result<Box<FleetJournal>, AwsFailure>) -> Vec<Cmd> {
    match result {
        Ok(journal) => {
            let model = FleetModel::of(&journal);
            app.fleet.board.model = model;
            app.fleet.board.plan = Some(journal.plan.clone());
            read_members(app, journal.members.iter().map(|m| m.source_table.clone()))
        }
        Err(f) => {
            app.fleet.board.running = false;
            app.fleet.board.model.refused = Some(f);
            Vec::new()
        }
    }
}

/// Asks the task layer for the journals of `tables` (counts, job ids, where each stands).
fn read_members(app: &App, tables: impl Iterator<Item = String>) -> Vec<Cmd> {
    let members: Vec<(String, String)> = tables
        .filter_map(|t| {
            let id = app.fleet.board.model.line(&t)?.migration_id.clone();
            (!id.is_empty()).then_some((t, id))
        })
        .collect();
    if members.is_empty() {
        Vec::new()
    } else {
        vec![Cmd::ReadFleetMembers { members }]
    }
}

/// One event of the fleet. A table's counts are read from its journal when a job ends and
/// when it finishes; an event that changes nothing on screen draws nothing.
pub fn on_event(app: &mut App, event: FleetEvent) -> Vec<Cmd> {
    let change = app.fleet.board.model.apply(&event);
    let table = match &event {
        FleetEvent::Table { table, .. } => Some(table.clone()),
        FleetEvent::Fleet(FleetNote::TableFinished { result }) => Some(result.table.clone()),
        FleetEvent::Fleet(_) => None,
    };
    let counts_changed = match &event {
        FleetEvent::Table {
            event: Event::StepDone { step, .. },
            ..
        } => matches!(step, Step::Export | Step::Import | Step::Verify),
        FleetEvent::Fleet(FleetNote::TableFinished { .. }) => true,
        _ => false,
    };
    app.quiet = !shows(app, change, table.as_deref());
    match table {
        Some(t) if counts_changed => read_members(app, std::iter::once(t)),
        _ => Vec::new(),
    }
}

/// Whether `change` of `table` is on screen.
fn shows(app: &App, change: Change, table: Option<&str>) -> bool {
    match change {
        Change::None => false,
        Change::Line => true,
        Change::Panel => app.fleet.board.open.is_some() && app.fleet.board.open.as_deref() == table,
    }
}

/// The tables' journals, read in the task layer.
pub fn on_members(app: &mut App, journals: Vec<(String, Box<Journal>)>) -> Vec<Cmd> {
    let mut visible = false;
    for (table, journal) in journals {
        let change = app.fleet.board.model.apply_journal(&table, &journal);
        visible |= shows(app, change, Some(&table));
    }
    app.quiet = !visible;
    Vec::new()
}

/// The fleet's task ended (its last event said how).
pub fn on_ended(app: &mut App, _outcome: Outcome) -> Vec<Cmd> {
    app.fleet.board.running = false;
    Vec::new()
}

/// The lines in the dashboard's order, and where the highlighted one is.
fn ordered(st: &State) -> (Vec<&TableLine>, usize) {
    let order = st.model.order();
    let at = st
        .selected
        .as_ref()
        .and_then(|s| order.iter().position(|l| &l.table == s))
        .unwrap_or(0);
    (order, at)
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let st = &mut app.fleet.board;
    if st.open.is_some() {
        return match key.code {
            KeyCode::Esc | KeyCode::Enter => {
                st.open = None;
                Some(Vec::new())
            }
            KeyCode::Char('a') => {
                st.show_arns = !st.show_arns;
                Some(Vec::new())
            }
            _ if crate::tui::widgets::pane::scroll_key(&mut st.panel_scroll, &key) => {
                Some(Vec::new())
            }
            KeyCode::Down | KeyCode::Char('j') => {
                st.panel_scroll = st.panel_scroll.saturating_add(1);
                Some(Vec::new())
            }
            KeyCode::Up | KeyCode::Char('k') => {
                st.panel_scroll = st.panel_scroll.saturating_sub(1);
                Some(Vec::new())
            }
            _ => None,
        };
    }
    let (order, at) = ordered(st);
    let last = order.len().saturating_sub(1);
    let page = match st.page.get() {
        0 => 10,
        n => n,
    };
    let to = match key.code {
        KeyCode::Down | KeyCode::Char('j') => (at + 1).min(last),
        KeyCode::Up | KeyCode::Char('k') => at.saturating_sub(1),
        KeyCode::PageDown => (at + page).min(last),
        KeyCode::PageUp => at.saturating_sub(page),
        KeyCode::Home => 0,
        KeyCode::End => last,
        KeyCode::Enter => {
            let Some(table) = order.get(at).map(|l| l.table.clone()) else {
                return Some(Vec::new());
            };
            st.open = Some(table.clone());
            st.panel_scroll = 0;
            return Some(read_members(app, std::iter::once(table)));
        }
        // Nothing to go back to: the fleet has started.
        KeyCode::Esc => return Some(Vec::new()),
        _ => return None,
    };
    let table = order.get(to).map(|l| l.table.clone());
    st.selected = table;
    Some(Vec::new())
}

/// The keys of the dashboard now.
pub fn bar(app: &App) -> Bar {
    let st = &app.fleet.board;
    if st.open.is_some() {
        return Bar::commands(vec![
            hint("Esc", "back to the fleet"),
            hint("a", if st.show_arns { "job ids" } else { "full ARNs" }),
            hint("PgUp/PgDn", "scroll"),
        ]);
    }
    let mut hints = vec![
        hint("Enter", "this table"),
        hint("↑↓", "move"),
        hint("PgUp/PgDn", "page"),
        hint("Home/End", "first/last"),
        hint("Ctrl-P", "save as a plan"),
    ];
    if st.running && st.model.finished.is_none() {
        hints.push(hint("q", "quit, jobs go on"));
    }
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "One line per table of the fleet: the step it is at, the status of its job as AWS reports it, how long that job has run (in minutes), the items moved and the items the import rejected. Failed tables come first, then those running, waiting and moved.",
    "Tables wait for one another once: every table is exported as of the same moment, so the copies agree. Jobs then run in parallel, up to the fleet's limits (a table \"waits for a slot\" until one frees).",
    "Enter opens a table's own panel: its steps, its jobs (a shows the whole ARNs), its last failure and its journal. A table's own failure stops that table only; the others go on.",
    "The jobs run inside AWS. q quits and leaves them running; reopening ddb-ferry offers to reattach to the whole fleet, without starting any job twice.",
];

/// Elapsed whole minutes, compact: `7m`, `2h05m`.
pub fn minutes(secs: u64) -> String {
    let m = secs / 60;
    if m < 60 {
        format!("{m}m")
    } else {
        format!("{}h{:02}m", m / 60, m % 60)
    }
}

/// A step's name in a narrow column.
pub fn step_name(step: Step) -> &'static str {
    match step {
        Step::Preflight => "Checks",
        Step::Pitr => "PITR",
        Step::Bucket => "Bucket",
        Step::Export => "Export",
        Step::Locate => "Folder",
        Step::KeyCheck => "Keys",
        Step::Import => "Import",
        Step::Verify => "Verify",
        Step::Finish => "Finish",
        other => other.as_str(),
    }
}

const STEP: usize = 7;
const STATUS: usize = 20;
const ELAPSED: usize = 7;
const ITEMS: usize = 8;
const ERRORS: usize = 6;

fn name_width(width: usize) -> usize {
    width
        .saturating_sub(2 + STEP + STATUS + ELAPSED + ITEMS + ERRORS + 5)
        .max(8)
}

fn header_row(width: usize) -> String {
    format!(
        "  {} {} {} {} {} {}",
        fit("Table", name_width(width)),
        fit("Step", STEP),
        fit("Status", STATUS),
        fit_right("Elapsed", ELAPSED),
        fit_right("Items", ITEMS),
        fit_right("Errors", ERRORS)
    )
}

fn table_row(l: &TableLine, width: usize, selected: bool) -> String {
    let step = match (l.standing(), l.step) {
        (Standing::Moved, _) => "done",
        (_, Some(s)) => step_name(s),
        (_, None) => "-",
    };
    let elapsed = l
        .running_job()
        .and_then(|j| j.started_at.as_deref())
        .map(|t| {
            minutes(crate::engine::poll::elapsed_since(
                Some(t),
                std::time::Instant::now(),
            ))
        })
        .unwrap_or_else(|| "-".to_owned());
    format!(
        "{}{} {} {} {} {} {}",
        if selected { "> " } else { "  " },
        fit(&l.table, name_width(width)),
        fit(step, STEP),
        fit(&l.status(), STATUS),
        fit_right(&elapsed, ELAPSED),
        fit_right(&l.items.map_or("-".to_owned(), count), ITEMS),
        fit_right(&l.rejected.map_or("-".to_owned(), count), ERRORS)
    )
}

/// The header's lines: the fleet, the totals and the cost, and how it stands.
fn header_lines(app: &App) -> Vec<String> {
    let st = &app.fleet.board;
    let m = &st.model;
    let t = m.totals();
    let mut first = format!(
        "Fleet {} · {} tables",
        if m.fleet_id.is_empty() {
            "(opening…)"
        } else {
            &m.fleet_id
        },
        m.lines.len()
    );
    if let Some(s) = &m.survey {
        first.push_str(&format!(
            " · estimated cost {}",
            about(s.one_off, &s.currency)
        ));
    }
    let mut second = format!(
        "{} failed · {} running · {} waiting · {} moved",
        t.failed, t.running, t.waiting, t.moved
    );
    if t.warnings > 0 {
        second.push_str(&format!(
            " · {} warning{}",
            t.warnings,
            if t.warnings == 1 { "" } else { "s" }
        ));
    }
    let resume = format!("ddb-ferry resume {}", m.fleet_id);
    let retry =
        |done: &super::model::Finished| done.retry_command.clone().unwrap_or(resume.clone());
    let stopped = m.refused.is_some() || m.stopping.is_some();
    let third = match &m.finished {
        Some(done) if stopped => format!(
            "The fleet stopped (the problem below); running jobs go on in AWS. After the fix: {}",
            retry(done)
        ),
        Some(done) => match done.outcome {
            Outcome::Succeeded => "Finished: every table moved. q quits.".to_owned(),
            Outcome::Interrupted => format!(
                "Stopped: running jobs go on in AWS. Reopen ddb-ferry to reattach, or run {}.",
                retry(done)
            ),
            _ => format!(
                "Finished: {} moved, {} not (failed first). Retry those only: {}",
                t.moved,
                m.lines.len() - t.moved,
                retry(done)
            ),
        },
        None if stopped => {
            "The fleet is stopping (the problem below); running jobs go on in AWS.".to_owned()
        }
        None if m.fleet_id.is_empty() || m.journal_path.is_none() && st.running => {
            "Starting: reading the tables; nothing has changed yet.".to_owned()
        }
        None if st.running => {
            "Running in AWS; q quits and the jobs go on (reopen ddb-ferry to reattach).".to_owned()
        }
        None => "The fleet is not running.".to_owned(),
    };
    let mut lines = vec![first, second, third];
    if let Some(done) = &m.finished {
        if !done.pitr_left_on.is_empty() {
            lines.push(format!(
                "PITR stays on (and billed) for {} table{} not moved; each one's panel has the command that turns it off.",
                done.pitr_left_on.len(),
                if done.pitr_left_on.len() == 1 { "" } else { "s" }
            ));
        }
    }
    lines
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.fleet.board;
    if let Some(table) = &st.open {
        super::detail::render(app, f, area, table);
        return;
    }
    let block = Block::default().borders(Borders::ALL);
    let inner = block.inner(area);
    let width = inner.width.max(1) as usize;
    let header: Vec<String> = header_lines(app)
        .iter()
        .flat_map(|l| wrap(l, width))
        .collect();
    let stopped = st
        .model
        .refused
        .as_ref()
        .or(st.model.stopping.as_ref().map(|(_, f)| f));
    // The problem box gets the rows its three lines wrap to, at most half the window.
    let problem_rows = stopped.map_or(0, |f| {
        let lines: usize = failure::lines(f)
            .iter()
            .map(|l| {
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                wrap(&text, width.saturating_sub(2)).len()
            })
            .sum();
        (lines as u16 + 2).min(inner.height / 2)
    });
    let [head, problem, columns, rows] = Layout::vertical([
        Constraint::Length(header.len() as u16),
        Constraint::Length(problem_rows),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    let (order, at) = ordered(st);
    let page = rows.height as usize;
    // Keep the highlighted line in view; the offset moves only as far as it must.
    let mut offset = st.offset.get();
    if at < offset {
        offset = at;
    } else if page > 0 && at >= offset + page {
        offset = at + 1 - page;
    }
    offset = offset.min(order.len().saturating_sub(page));
    st.offset.set(offset);
    st.page.set(page);
    let end = (offset + page).min(order.len());
    let title = if offset > 0 || end < order.len() {
        format!(
            " {}: {}–{end} of {}{} ",
            Screen::Fleet.title(),
            offset + 1,
            order.len(),
            if end < order.len() {
                " (PgDn: more)"
            } else {
                ""
            }
        )
    } else {
        format!(" {} ", Screen::Fleet.title())
    };
    f.render_widget(block.title(title), area);
    f.render_widget(
        Paragraph::new(header.into_iter().map(Line::from).collect::<Vec<_>>()),
        head,
    );
    if let Some(fail) = stopped {
        failure::render(f, problem, fail);
    }
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            fit(&header_row(width), width),
            Style::default().add_modifier(Modifier::BOLD),
        ))),
        columns,
    );
    let lines: Vec<Line> = order[offset..end]
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let selected = offset + i == at;
            let text = fit(&table_row(l, width, selected), width);
            let style = match (selected, l.standing()) {
                (true, _) => Style::default().add_modifier(Modifier::REVERSED),
                (false, Standing::Failed) => crate::tui::theme::problem(),
                (false, Standing::Moved) => Style::default().add_modifier(Modifier::DIM),
                _ => Style::default(),
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_fit_80_and_minutes_are_whole() {
        assert_eq!(header_row(78).chars().count(), 78);
        assert_eq!(name_width(78), 23);
        assert_eq!(minutes(59), "0m");
        assert_eq!(minutes(61 * 60 + 5), "1h01m");
    }
}
