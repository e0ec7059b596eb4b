//! Table: the source account's tables (every page; `/` filters) with a details panel. Space
//! marks tables and `*` marks every one the filter shows: two or more marked move together
//! as a fleet (through S3); with one or none, Enter takes the highlighted table.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::logic::table::{Billing, KeySpec, TableSse};
use crate::logic::units::human_bytes;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::TableDetails;
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::picker::{Picker, PickerKey};

#[derive(Debug, Clone, Default)]
pub struct State {
    pub picker: Picker,
    pub loading: bool,
    pub error: Option<AwsFailure>,
    pub details: HashMap<String, Result<TableDetails, AwsFailure>>,
    pub chosen: Option<String>,
}

impl State {
    pub fn chosen_details(&self) -> Option<&TableDetails> {
        self.chosen
            .as_ref()
            .and_then(|c| self.details.get(c))
            .and_then(|r| r.as_ref().ok())
    }
}

pub fn on_tables(app: &mut App, result: Result<Vec<String>, AwsFailure>) -> Vec<Cmd> {
    app.table.loading = false;
    match result {
        Ok(mut names) => {
            names.sort();
            // Marks of tables that are gone are dropped; the others stay.
            app.table.picker.marked.retain(|m| names.contains(m));
            app.table.picker.marking = true;
            app.table.picker.set_items(names);
            if let Some(c) = app.table.chosen.clone() {
                app.table.picker.select(&c);
            }
            app.table.error = None;
            describe_current(app)
        }
        Err(f) => {
            app.table.error = Some(f);
            Vec::new()
        }
    }
}

pub fn on_details(
    app: &mut App,
    name: String,
    result: Result<TableDetails, AwsFailure>,
) -> Vec<Cmd> {
    let chosen_now =
        app.screen == Screen::Table && app.table.chosen.as_deref() == Some(name.as_str());
    let ready = chosen_now && result.is_ok();
    if let (true, Ok(d)) = (chosen_now, &result) {
        app.pitr.status = Some(d.pitr_status.clone());
        app.keys.prefill_from_source(&d.table);
    }
    app.table.details.insert(name, result);
    if ready {
        return super::road::enter(app);
    }
    Vec::new()
}

/// Asks for the highlighted table's details once.
fn describe_current(app: &mut App) -> Vec<Cmd> {
    match app.table.picker.current().cloned() {
        Some(name) if !app.table.details.contains_key(&name) => vec![Cmd::DescribeTable(name)],
        _ => Vec::new(),
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let picker = &mut app.table.picker;
    if key.code == KeyCode::Char('r') && !picker.filtering {
        app.table.loading = true;
        app.table.details.clear();
        return Some(vec![Cmd::ListTables]);
    }
    // Neither a space nor `*` can be part of a table name: they mark, also while the
    // filter is typed.
    match key.code {
        KeyCode::Char(' ') => {
            picker.toggle_mark();
            return Some(Vec::new());
        }
        KeyCode::Char('*') => {
            picker.mark_visible();
            return Some(Vec::new());
        }
        KeyCode::Enter if !picker.filtering && picker.marked.len() >= 2 => {
            return Some(super::fleet::enter(app));
        }
        _ => {}
    }
    match app.table.picker.on_key(key) {
        PickerKey::Chosen(name) => {
            super::fleet::leave(app);
            app.table.chosen = Some(name.clone());
            match app.table.details.get(&name) {
                Some(Ok(d)) => {
                    app.pitr.status = Some(d.pitr_status.clone());
                    app.keys.prefill_from_source(&d.table);
                    Some(super::road::enter(app))
                }
                _ => Some(vec![Cmd::DescribeTable(name)]),
            }
        }
        PickerKey::Moved => Some(describe_current(app)),
        PickerKey::Ignored => None,
    }
}

fn key_text(k: &KeySpec) -> String {
    format!("{} ({})", k.name, k.kind.as_str())
}

pub fn detail_lines(d: &TableDetails) -> Vec<Line<'static>> {
    let t = &d.table;
    let mut lines = vec![
        Line::from(format!("Partition key: {}", key_text(&t.partition_key))),
        Line::from(format!(
            "Sort key:      {}",
            t.sort_key.as_ref().map_or("none".to_owned(), key_text)
        )),
        Line::from(format!(
            "Items: {} (updated by AWS about every 6 hours)",
            t.item_count
        )),
        Line::from(format!(
            "Size:  {}",
            human_bytes(t.size_bytes.max(0) as u64)
        )),
        Line::from(format!(
            "Billing: {}",
            match t.billing {
                Billing::PayPerRequest => "on-demand".to_owned(),
                Billing::Provisioned { read, write } =>
                    format!("provisioned {read} RCU / {write} WCU"),
            }
        )),
        Line::from(format!(
            "PITR (continuous backups, needed to export): {}",
            d.pitr_status
        )),
        Line::from(format!(
            "Encryption: {}",
            match &t.sse {
                TableSse::DynamodbOwned => "DynamoDB-owned key".to_owned(),
                TableSse::AwsManaged => "AWS-managed KMS key".to_owned(),
                TableSse::CustomerManaged { kms_key } => format!("customer-managed key {kms_key}"),
            }
        )),
        Line::from(format!(
            "Stream (change feed): {}",
            t.stream.as_deref().unwrap_or("off")
        )),
        Line::from(format!(
            "TTL (items expire by a date attribute): {}",
            d.ttl_attribute
                .as_deref()
                .map_or("off".to_owned(), |a| format!("on ({a})"))
        )),
    ];
    for g in &t.gsis {
        lines.push(Line::from(format!(
            "GSI (extra index) {}: {}{} [{}]",
            g.name,
            key_text(&g.partition_key),
            g.sort_key
                .as_ref()
                .map_or(String::new(), |k| format!(" + {}", key_text(k))),
            g.projection.kind
        )));
    }
    for l in &t.lsis {
        lines.push(Line::from(format!(
            "LSI (index sharing the partition key) {l}: NOT carried by an import"
        )));
    }
    lines
}

/// The line under the lists once a table is marked: what Enter does with the marks.
pub fn marks_line(app: &App) -> Option<String> {
    let picker = &app.table.picker;
    let shown = picker.visible();
    let hidden = picker.marked.iter().filter(|m| !shown.contains(m)).count();
    let hidden = if hidden > 0 {
        format!(" ({hidden} not shown by the filter)")
    } else {
        String::new()
    };
    match picker.marked.len() {
        0 => None,
        1 => Some(format!("1 table marked{hidden}. Mark another (Space) to move several together as a fleet; Enter takes the highlighted table.")),
        n => Some(format!(
            "{n} tables marked{hidden}: they move together as a fleet (through S3). Enter: set up the fleet; * marks every table shown."
        )),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.table;
    let marks = marks_line(app).map(|l| crate::tui::widgets::text::wrap(&l, area.width as usize));
    let [area, note] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(marks.as_ref().map_or(0, |m| m.len() as u16)),
    ])
    .areas(area);
    if let Some(lines) = marks {
        f.render_widget(
            Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>()).style(
                ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::BOLD),
            ),
            note,
        );
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
    let title = if st.loading {
        "Source tables (loading…)"
    } else {
        "Source tables"
    };
    st.picker.render(f, left, title, true);
    if let Some(e) = &st.error {
        failure::render(f, right, e);
        return;
    }
    let block = Block::default().borders(Borders::ALL).title(" Details ");
    let lines = match st.picker.current().and_then(|c| st.details.get(c)) {
        Some(Ok(d)) => detail_lines(d),
        Some(Err(e)) => failure::lines(e),
        None if st.picker.current().is_some() => {
            vec![Line::from("Reading the table's description…")]
        }
        None => vec![Line::from("No table in this account and region.")],
    };
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        right,
    );
}

/// The keys of the Table screen now.
pub fn bar(app: &App) -> Bar {
    let picker = &app.table.picker;
    let star = if picker.all_visible_marked() {
        "unmark all"
    } else {
        "mark all"
    };
    if picker.filtering {
        return Bar::editing(
            "filter",
            vec![
                hint("Enter", "keep the filter"),
                hint("Esc", "clear it"),
                hint("*", star),
                hint("Space", "mark"),
                hint("↑↓", "move"),
            ],
        );
    }
    let marked = picker.marked.len();
    let enter = if marked >= 2 {
        format!("move the {marked} marked as a fleet")
    } else {
        "copy this table".to_owned()
    };
    Bar::commands(vec![
        hint("Enter", enter),
        hint("Space", "mark"),
        hint("/", "filter"),
        hint("*", star),
        hint("↑↓", "move"),
        hint("r", "reload"),
        hint("Esc", "back"),
    ])
}

pub const HELP: &[&str] = &[
    "The tables of the source account, in its region. Move to a table to see its details; Enter chooses it.",
    "Several tables: Space marks the highlighted one, / filters the list by a part of the name, and * marks every table the filter shows (again: unmarks them). With two or more marked, Enter moves them together as a fleet through S3: one bucket, one export time for all, one summary and one dashboard.",
    "Details: the keys (the attributes every item is found by; S, N and B mean text, number and binary), the number of items and size (AWS updates them about every 6 hours), billing, PITR (continuous backups), encryption, stream (a feed of changes) and TTL (items that expire).",
    "Indexes: a GSI (global secondary index) lets the table be queried by other attributes and is created again by the import. An LSI (local secondary index) cannot be created by an import: the new table will not have it.",
];
