//! Road: how the chosen table travels — exported and imported through S3, or through a
//! backup — compared in plain words for this table and these two accounts
//! (`compare_roads`), with the recommended road chosen already. Enter takes the chosen one.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::engine::plan::Via;
use crate::logic::cost::{Charge, Prices};
use crate::logic::road::{compare_roads, RoadComparison, RoadFacts, StoragePrices};
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::{Side, TableDetails};
use crate::tui::services::Cmd;
use crate::tui::widgets::pane::{render_scrolled, scroll_key};

#[derive(Debug, Clone, Default)]
pub struct State {
    /// The road highlighted (the recommended one at first).
    pub selected: Via,
    /// The road taken with Enter.
    pub chosen: Option<Via>,
    pub comparison: Option<RoadComparison>,
    /// The table the selection was made for: another table is recommended afresh.
    pub for_table: Option<String>,
    /// First line of the two panes shown.
    pub scroll: u16,
}

/// The name of a road, as the screen offers it.
pub fn road_name(via: Via) -> &'static str {
    match via {
        Via::S3 => "Export and import through S3",
        Via::Backup => "Through a backup",
    }
}

/// The storage prices of what each road leaves: S3 in the destination (the bucket), AWS
/// Backup in the source (the backup's vault). `None` when either is unknown.
pub fn storage_prices(
    prices: &Prices,
    s3_region: &str,
    backup_region: &str,
) -> Option<StoragePrices> {
    let s3 = prices.get(s3_region, Charge::S3Standard)?;
    let backup = prices.get(backup_region, Charge::BackupStorage)?;
    Some(StoragePrices {
        s3_gb_month: s3.amount,
        backup_gb_month: backup.amount,
        currency: s3.currency.clone(),
    })
}

/// The facts of this migration the comparison needs.
fn facts(app: &App, d: &TableDetails) -> RoadFacts {
    let src = app.accounts.identity(Side::Source);
    let dst = app.accounts.identity(Side::Dest);
    let region =
        |i: Option<&crate::aws::sts::Identity>| i.map(|i| i.region.clone()).unwrap_or_default();
    RoadFacts {
        same_account: matches!((src, dst), (Some(a), Some(b)) if a.account == b.account),
        same_region: matches!((src, dst), (Some(a), Some(b)) if a.region == b.region),
        lsi_count: d.table.lsis.len(),
        gsi_count: d.table.gsis.len(),
        table_bytes: d.table.size_bytes,
        item_count: d.table.item_count,
        pitr_on: d.pitr_status == "ENABLED",
        has_tags: d.tag_count > 0,
        prices: storage_prices(&app.prices, &region(dst), &region(src)),
    }
}

/// Enters the screen from Table: the comparison for this table; the recommended road
/// highlighted, unless a road was already chosen for this same table.
pub fn enter(app: &mut App) -> Vec<Cmd> {
    let comparison = app
        .table
        .chosen_details()
        .map(|d| compare_roads(&facts(app, d)));
    let st = &mut app.road;
    if st.for_table != app.table.chosen || st.chosen.is_none() {
        if let Some(c) = &comparison {
            st.selected = c.recommended.into();
        }
        st.for_table = app.table.chosen.clone();
    }
    st.comparison = comparison;
    st.scroll = 0;
    app.go(Screen::Road);
    Vec::new()
}

/// The road of the migration already opened, if any: it cannot change any more.
fn fixed(app: &App) -> Option<Via> {
    app.journal.as_ref().map(|j| j.plan.via)
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let open = fixed(app).is_some();
    let st = &mut app.road;
    match key.code {
        KeyCode::Up
        | KeyCode::Down
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Tab
        | KeyCode::BackTab
        | KeyCode::Char(' ' | 'j' | 'k' | 'h' | 'l')
            if !open =>
        {
            st.selected = match st.selected {
                Via::S3 => Via::Backup,
                Via::Backup => Via::S3,
            };
            Some(Vec::new())
        }
        KeyCode::Enter => Some(take(app)),
        _ if scroll_key(&mut st.scroll, &key) => Some(Vec::new()),
        _ => None,
    }
}

/// Takes the highlighted road (or the opened migration's): on to its first screen.
fn take(app: &mut App) -> Vec<Cmd> {
    let via = fixed(app).unwrap_or(app.road.selected);
    if app.road.chosen != Some(via) {
        // The other road's screens were never this migration's.
        app.reached = Screen::Road;
    }
    app.road.chosen = Some(via);
    match via {
        Via::S3 => {
            app.go(Screen::Pitr);
            Vec::new()
        }
        Via::Backup => super::backup::enter(app),
    }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.road;
    let Some(c) = &st.comparison else {
        f.render_widget(
            Paragraph::new("Reading the table's description…")
                .block(crate::tui::widgets::pane::pane("Road", false)),
            area,
        );
        return;
    };
    let table = app.table.chosen.clone().unwrap_or_default();
    let recommended: Via = c.recommended.into();
    let mut head = vec![Line::from(match fixed(app) {
        Some(via) => format!(
            "This migration goes through {}: its road cannot change any more. Enter continues; another road needs a new migration (quit and start ddb-ferry again).",
            road_name(via).to_lowercase()
        ),
        None => format!(
            "How should {table} travel to the destination? Neither road changes the items of the source table. Enter takes the road marked (*)."
        ),
    })];
    for via in [Via::S3, Via::Backup] {
        let mark = if st.selected == via { "(*)" } else { "( )" };
        let cursor = if st.selected == via { "> " } else { "  " };
        let tail = if via == recommended {
            "   recommended"
        } else {
            ""
        };
        let style = if st.selected == via {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        head.push(Line::from(Span::styled(
            format!("{cursor}{mark} {}{tail}", road_name(via)),
            style,
        )));
    }
    head.push(Line::from(format!("Recommended because {}.", c.why)));
    let width = area.width.max(1) as usize;
    let rows: u16 = head
        .iter()
        .map(|l| crate::tui::widgets::text::wrap(&line_text(l), width).len() as u16)
        .sum();
    let [top, panes] =
        Layout::vertical([Constraint::Length(rows + 1), Constraint::Min(4)]).areas(area);
    f.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }), top);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(panes);
    for (via, lines, area) in [
        (Via::S3, &c.lines_s3, left),
        (Via::Backup, &c.lines_backup, right),
    ] {
        let title = match via {
            Via::S3 => "Through S3",
            Via::Backup => "Through a backup",
        };
        let lines: Vec<Line<'static>> =
            lines.iter().map(|l| Line::from(format!("• {l}"))).collect();
        render_scrolled(f, area, title, st.selected == via, lines, st.scroll);
    }
}

fn line_text(l: &Line) -> String {
    l.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// The keys of the Road screen now.
pub fn bar(app: &App) -> Bar {
    if fixed(app).is_some() {
        return Bar::commands(vec![hint("Enter", "continue"), hint("Esc", "back")]);
    }
    let enter = match app.road.selected {
        Via::S3 => "go through S3",
        Via::Backup => "go through a backup",
    };
    Bar::commands(vec![
        hint("Enter", enter),
        hint("↑↓", "the other road"),
        hint("PgUp/PgDn", "scroll"),
        hint("Esc", "back"),
    ])
}

pub const HELP: &[&str] = &[
    "Two roads move a table to another account. Through S3: DynamoDB exports the table into a bucket (a storage container for files) of the destination account, then imports it there as a new table; any two accounts will do, and the keys, indexes, billing and encryption can be changed on the way, but an import cannot create local secondary indexes (LSIs).",
    "Through a backup: the table is backed up, the backup is copied into a vault (AWS Backup's store of backups) of the destination account, and the new table is restored from it, with every index and the source's billing. Across accounts both accounts must be in one AWS Organization with cross-account backup turned on.",
    "The panes compare both for this table: what each needs, keeps and loses, and what it leaves behind with what keeping that costs (estimates from the prices in use). The recommended road is marked; ↑↓ switches, Enter takes the marked one.",
];
