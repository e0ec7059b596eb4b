//! The fleet's summary before anything starts: every table read and priced in a task
//! (`FleetRun::summarize`), a line per table with its items, size, indexes, PITR, the LSIs an
//! import cannot carry and its estimated cost, the totals and the estimated time — every
//! figure labelled an estimate. Enter starts the fleet.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::super::KeyResult;
use super::{count, fit, fit_right, grouped, money};
use crate::aws::explain::AwsFailure;
use crate::engine::fleet::survey::{Survey, SurveyRow};
use crate::logic::cost::{about, size};
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::FleetReady;
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::text::wrap;

#[derive(Debug, Clone, Default)]
pub struct State {
    pub loading: bool,
    pub result: Option<Result<Box<FleetReady>, AwsFailure>>,
    /// The first table row shown.
    pub scroll: usize,
}

impl State {
    pub fn ready(&self) -> Option<&FleetReady> {
        match &self.result {
            Some(Ok(r)) => Some(r),
            _ => None,
        }
    }
}

/// From the names: every table is read and priced in a task.
pub fn enter(app: &mut App) -> Vec<Cmd> {
    app.go(Screen::FleetSummary);
    let Some(plan) = super::plan_draft(app) else {
        return Vec::new();
    };
    app.fleet.summary = State {
        loading: true,
        ..State::default()
    };
    vec![Cmd::SummarizeFleet {
        plan: Box::new(plan),
        prices: app.prices.clone(),
    }]
}

pub fn on_summary(app: &mut App, result: Result<Box<FleetReady>, AwsFailure>) -> Vec<Cmd> {
    app.fleet.summary.loading = false;
    app.fleet.summary.result = Some(result);
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let st = &mut app.fleet.summary;
    let rows = st.ready().map_or(0, |r| r.survey.rows.len());
    let last = rows.saturating_sub(1);
    match key.code {
        KeyCode::Enter if st.ready().is_some() => Some(super::board::start(app)),
        // A failed reading is tried again.
        KeyCode::Enter if !st.loading => Some(enter(app)),
        KeyCode::Enter => Some(Vec::new()),
        KeyCode::Down | KeyCode::Char('j') => {
            st.scroll = (st.scroll + 1).min(last);
            Some(Vec::new())
        }
        KeyCode::Up | KeyCode::Char('k') => {
            st.scroll = st.scroll.saturating_sub(1);
            Some(Vec::new())
        }
        KeyCode::PageDown | KeyCode::Char('J') => {
            st.scroll = (st.scroll + 10).min(last);
            Some(Vec::new())
        }
        KeyCode::PageUp | KeyCode::Char('K') => {
            st.scroll = st.scroll.saturating_sub(10);
            Some(Vec::new())
        }
        KeyCode::Home => {
            st.scroll = 0;
            Some(Vec::new())
        }
        KeyCode::End => {
            st.scroll = last;
            Some(Vec::new())
        }
        _ => None,
    }
}

/// The keys of the summary now.
pub fn bar(app: &App) -> Bar {
    let st = &app.fleet.summary;
    if st.loading {
        return Bar::commands(vec![hint("Esc", "back")]);
    }
    if st.ready().is_none() {
        return Bar::commands(vec![hint("Enter", "try again"), hint("Esc", "back")]);
    }
    Bar::commands(vec![
        hint("Enter", "start the fleet"),
        hint("↑↓/PgUp/PgDn", "scroll"),
        hint("Ctrl-P", "save as a plan"),
        hint("Esc", "back"),
    ])
}

pub const HELP: &[&str] = &[
    "Before anything starts, ddb-ferry reads every marked table (its description and PITR status) and prices the move with the same estimates as for one table. Nothing has been changed yet.",
    "Items and sizes are AWS's own figures, which it updates about every 6 hours. GSIs (global secondary indexes) are created again by the import; LSIs (local secondary indexes) cannot be, so the new table has none. PITR off→on: the fleet turns PITR on to export, and off again at the end.",
    "The cost column is the export and the import of each table, once; the total adds what stays billed every month while the export files (and any PITR turned on) are kept. AWS publishes no speed for exports and imports: the time is an estimate too.",
    "Enter starts every table. The jobs run inside AWS: you may quit at any time and reopen ddb-ferry to reattach to the whole fleet.",
];

/// The widths of the summary's columns for an inner width.
struct Columns {
    name: usize,
    new_name: usize,
}

const ITEMS: usize = 10;
const SIZE: usize = 9;
const GSIS: usize = 4;
const PITR: usize = 7;
const LSIS: usize = 4;
const COST: usize = 10;

impl Columns {
    fn for_width(width: usize) -> Columns {
        let fixed = ITEMS + SIZE + GSIS + PITR + LSIS + COST + 6;
        let free = width.saturating_sub(fixed).max(10);
        if free >= 50 {
            Columns {
                name: free / 2,
                new_name: free - free / 2 - 1,
            }
        } else {
            Columns {
                name: free,
                new_name: 0,
            }
        }
    }

    fn header(&self) -> String {
        let mut s = fit("Table", self.name);
        if self.new_name > 0 {
            s.push(' ');
            s.push_str(&fit("New table", self.new_name));
        }
        format!(
            "{s} {} {} {} {} {} {}",
            fit_right("Items", ITEMS),
            fit_right("Size", SIZE),
            fit_right("GSIs", GSIS),
            fit("PITR", PITR),
            fit_right("LSIs", LSIS),
            fit_right("Est. cost", COST)
        )
    }

    fn row(&self, r: &SurveyRow, currency: &str) -> String {
        let mut s = fit(&r.table, self.name);
        if self.new_name > 0 {
            s.push(' ');
            s.push_str(&fit(&r.new_table, self.new_name));
        }
        if !r.found {
            return format!("{s} not found in the source: this table will be refused");
        }
        let pitr = match r.pitr_on {
            Some(true) => "on",
            Some(false) => "off→on",
            None => "unknown",
        };
        format!(
            "{s} {} {} {} {} {} {}",
            fit_right(&count(r.items), ITEMS),
            fit_right(&size(r.bytes.max(0) as u64), SIZE),
            fit_right(&r.gsis.to_string(), GSIS),
            fit(pitr, PITR),
            fit_right(
                &if r.lsis_not_carried.is_empty() {
                    "-".to_owned()
                } else {
                    r.lsis_not_carried.len().to_string()
                },
                LSIS
            ),
            fit_right(&money(r.one_off, currency), COST)
        )
    }
}

/// The lines under the table: totals, time, what Enter does.
fn footer(ready: &FleetReady) -> Vec<String> {
    let s: &Survey = &ready.survey;
    let mut lines = Vec::new();
    if s.rows.iter().any(|r| !r.lsis_not_carried.is_empty()) {
        lines.push(
            "LSIs: local secondary indexes an import cannot create; those new tables will not have them."
                .to_owned(),
        );
    }
    lines.push(format!(
        "Total: {} tables, {} items, {}. Estimated cost: {} once for the exports and imports, then {} a month while the export files (and any PITR turned on) are kept.",
        s.rows.len(),
        grouped(s.items),
        size(s.bytes.max(0) as u64),
        about(s.one_off, &s.currency),
        about(s.monthly, &s.currency)
    ));
    lines.push(format!(
        "Estimated time: about {} with at most {} exports and {} imports at once (AWS publishes no speed; a small table still takes 10 to 20 minutes).",
        crate::engine::fleet::survey::duration_words(s.minutes),
        ready.limits.exports,
        ready.limits.imports
    ));
    if ready.resumed {
        lines.push(format!(
            "This continues the unfinished fleet {}: tables already moved are left alone, running jobs are reattached.",
            ready.journal.id
        ));
    }
    lines.push(
        "Enter: start the fleet. Its jobs run in AWS: you may quit at any time and reopen ddb-ferry to reattach."
            .to_owned(),
    );
    lines
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.fleet.summary;
    let title = format!(" {} ", Screen::FleetSummary.title());
    let ready = match &st.result {
        None => {
            let tables = super::tables(app).len();
            f.render_widget(
                Paragraph::new(format!(
                    "Reading the {tables} tables (their description and PITR status) and pricing the move… Nothing is changed."
                ))
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(title)),
                area,
            );
            return;
        }
        Some(Err(e)) => {
            failure::render(f, area, e);
            return;
        }
        Some(Ok(r)) => r,
    };
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let width = inner.width.max(1) as usize;
    let intro = wrap(
        "Estimates: nothing has started. Items and sizes are AWS's figures (updated about every 6 hours).",
        width,
    );
    let footer: Vec<String> = footer(ready).iter().flat_map(|l| wrap(l, width)).collect();
    let [top, head, rows, bottom] = Layout::vertical([
        Constraint::Length(intro.len() as u16),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(footer.len() as u16),
    ])
    .areas(inner);
    let survey = &ready.survey;
    let shown = rows.height as usize;
    let start = st.scroll.min(survey.rows.len().saturating_sub(shown));
    let end = (start + shown).min(survey.rows.len());
    // A list that does not fit says which part is shown, and that there is more.
    let title = if start > 0 || end < survey.rows.len() {
        let more = if end < survey.rows.len() {
            " (PgDn: more)"
        } else {
            ""
        };
        format!(
            " {}: tables {}–{end} of {}{more} ",
            Screen::FleetSummary.title(),
            start + 1,
            survey.rows.len()
        )
    } else {
        title
    };
    f.render_widget(Block::default().borders(Borders::ALL).title(title), area);
    f.render_widget(
        Paragraph::new(intro.into_iter().map(Line::from).collect::<Vec<_>>()),
        top,
    );
    let columns = Columns::for_width(width);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            fit(&columns.header(), width),
            Style::default().add_modifier(Modifier::BOLD),
        ))),
        head,
    );
    let lines: Vec<Line> = survey.rows[start..end]
        .iter()
        .map(|r| Line::from(fit(&columns.row(r, &survey.currency), width)))
        .collect();
    f.render_widget(Paragraph::new(lines), rows);
    f.render_widget(
        Paragraph::new(footer.into_iter().map(Line::from).collect::<Vec<_>>()),
        bottom,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_fit_80_and_name_the_new_table_when_wide() {
        let narrow = Columns::for_width(78);
        assert_eq!(narrow.header().chars().count(), 78);
        assert_eq!(narrow.new_name, 0);
        let wide = Columns::for_width(118);
        assert!(wide.new_name > 0);
        assert_eq!(wide.header().chars().count(), 118);
    }
}
