//! Export: format, point in time, encryption, then a review page with the exact equivalent
//! `aws dynamodb export-table-to-point-in-time` command, and start.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::engine::cli_equivalent::{export_table, side_args};
use crate::engine::journal::Step;
use crate::engine::plan::ExportPlan;
use crate::engine::session::actor::Request;
use crate::logic::names;
use crate::logic::options::{ExportFormat, ExportSse};
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::services::Cmd;
use crate::tui::widgets::field::{Field, Look};
use crate::tui::widgets::pane::{render_scrolled, scroll_key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Format,
    Time,
    Encryption,
    KmsKey,
    /// Catch up later (one table on the S3 road only).
    CatchUp,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub ion: bool,
    pub time: Field,
    pub kms: bool,
    pub kms_key: Field,
    pub reviewing: bool,
    /// The focused text field takes the keys (Tab onto it starts, Esc or Enter ends).
    pub typing: bool,
    /// The review shows the equivalent AWS CLI command instead of the words.
    pub show_command: bool,
    /// First line of the review shown (PgUp/PgDn).
    pub scroll: u16,
    /// Catch up later: the new table is kept in step with the source until the cutover, so
    /// PITR stays on at the source until then (`options.catch_up`).
    pub catch_up: bool,
}

impl State {
    /// (Never while the export already started: the screen then only says so.)
    pub fn editing(&self) -> bool {
        self.typing && !self.reviewing && matches!(self.focus, Focus::Time | Focus::KmsKey)
    }

    pub fn plan(&self) -> ExportPlan {
        ExportPlan {
            format: if self.ion {
                ExportFormat::Ion
            } else {
                ExportFormat::DynamodbJson
            },
            export_time: Some(self.time.value().trim().to_owned()).filter(|t| !t.is_empty()),
            encryption: if self.kms {
                ExportSse::SseKms {
                    kms_key: self.kms_key.value().trim().to_owned(),
                }
            } else {
                ExportSse::SseS3
            },
        }
    }

    pub fn problem(&self) -> Option<String> {
        let t = self.time.value().trim();
        if !t.is_empty() {
            if let Err(e) = names::iso8601("time", t) {
                return Some(e.rule);
            }
        }
        if self.kms {
            if let Err(e) = names::kms_key("KMS key", self.kms_key.value().trim()) {
                return Some(e.rule);
            }
        }
        None
    }
}

/// The export already started (the screen was reached again with Esc): its settings are
/// fixed, and Enter goes back to where the migration stands.
fn started(app: &App) -> Option<&crate::engine::journal::JobRecord> {
    app.journal.as_ref()?.export.as_ref()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if started(app).is_some() {
        return match key.code {
            KeyCode::Enter => {
                app.go(Screen::ExportProgress);
                Some(Vec::new())
            }
            _ => None,
        };
    }
    // A fleet is not caught up: the choice is one table's.
    let offered = !app.fleet.active;
    let st = &mut app.export;
    if st.reviewing {
        return match key.code {
            KeyCode::Enter => Some(start(app)),
            KeyCode::Char('v') => {
                st.show_command = !st.show_command;
                st.scroll = 0;
                Some(Vec::new())
            }
            _ if scroll_key(&mut st.scroll, &key) => Some(Vec::new()),
            KeyCode::Esc => {
                st.reviewing = false;
                Some(Vec::new())
            }
            _ => None,
        };
    }
    if st.editing() {
        let field = if st.focus == Focus::Time {
            &mut st.time
        } else {
            &mut st.kms_key
        };
        return match key.code {
            KeyCode::Enter => {
                st.typing = false;
                Some(review(app))
            }
            KeyCode::Esc => {
                st.typing = false;
                Some(Vec::new())
            }
            KeyCode::Tab | KeyCode::BackTab => {
                Some(move_focus(st, key.code == KeyCode::Tab, offered))
            }
            _ => {
                field.on_key(key);
                Some(Vec::new())
            }
        };
    }
    match key.code {
        KeyCode::Tab | KeyCode::BackTab => Some(move_focus(st, key.code == KeyCode::Tab, offered)),
        KeyCode::Down | KeyCode::Char('j') => Some(move_focus(st, true, offered)),
        KeyCode::Up | KeyCode::Char('k') => Some(move_focus(st, false, offered)),
        KeyCode::Enter => Some(review(app)),
        KeyCode::Char(' ')
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Char('h')
        | KeyCode::Char('l')
            if matches!(st.focus, Focus::Format | Focus::Encryption | Focus::CatchUp) =>
        {
            match st.focus {
                Focus::Format => st.ion = !st.ion,
                Focus::CatchUp => st.catch_up = !st.catch_up,
                _ => st.kms = !st.kms,
            }
            Some(Vec::new())
        }
        _ => None,
    }
}

/// Moves to the next (or previous) choice; landing on a text field starts editing it.
fn move_focus(st: &mut State, forward: bool, catch_up_offered: bool) -> Vec<Cmd> {
    let mut order = vec![Focus::Format, Focus::Time, Focus::Encryption];
    if st.kms {
        order.push(Focus::KmsKey);
    }
    if catch_up_offered {
        order.push(Focus::CatchUp);
    }
    let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
    let n = order.len();
    st.focus = order[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
    st.typing = matches!(st.focus, Focus::Time | Focus::KmsKey);
    Vec::new()
}

/// Enter: the review of the export; on the fleet road these settings are every table's, and
/// the fleet's summary is their review: on to the new names.
fn review(app: &mut App) -> Vec<Cmd> {
    if app.export.problem().is_some() {
        return Vec::new();
    }
    if app.fleet.active {
        app.export.typing = false;
        return super::fleet::names::enter(app);
    }
    app.export.reviewing = true;
    Vec::new()
}

/// The keys of the Export screen now.
pub fn bar(app: &App) -> Bar {
    if started(app).is_some() {
        return Bar::commands(vec![
            hint("Enter", "back to the progress"),
            hint("Esc", "back"),
        ]);
    }
    let st = &app.export;
    let enter = if app.fleet.active {
        "continue to the new names"
    } else {
        "review the export"
    };
    if st.reviewing {
        return Bar::commands(vec![
            hint("Enter", "start the export"),
            hint(
                "v",
                if st.show_command {
                    "words"
                } else {
                    "CLI command"
                },
            ),
            hint("PgUp/PgDn", "scroll"),
            hint("Esc", "change the choices"),
        ]);
    }
    if st.editing() {
        return Bar::editing(
            if st.focus == Focus::Time {
                "Point in time"
            } else {
                "KMS key"
            },
            vec![
                hint("Enter", enter),
                hint("Esc", "stop editing"),
                hint("Tab", "next choice"),
            ],
        );
    }
    let mut hints = vec![hint("Enter", enter)];
    if matches!(st.focus, Focus::Format | Focus::Encryption | Focus::CatchUp) {
        hints.push(hint("Space", "switch"));
    }
    hints.push(hint("↑↓/Tab", "move"));
    hints.push(hint("Esc", "back"));
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "Format: DynamoDB JSON is the usual choice; Amazon Ion is a richer text format some tools read. The import reads either.",
    "Point in time: leave it empty to export the table as it is now, or type a moment of the last 35 days (ISO 8601, like 2026-11-30T14:00:00Z) to export the table as it was then.",
    "Encryption of the files in S3: SSE-S3 uses a key S3 manages for you (the usual choice); SSE-KMS uses a key of yours in AWS KMS (the key service), which the source account must be allowed to use.",
    "Catch up later: after the import, the writes your application keeps making to the source are copied into the new table until you switch over (writes stopped for roughly 15–30 minutes). PITR stays on at the source until then, billed per GB-month of the table's size.",
    "Enter shows what will happen and a rough cost; Enter again starts the export.",
];

fn start(app: &mut App) -> Vec<Cmd> {
    let Some(journal) = &app.journal else {
        return Vec::new();
    };
    let bucket = journal.plan.destination.bucket.clone();
    let region = journal.bucket.region.clone().unwrap_or_default();
    app.progress.export_location = Some((bucket, region, format!("{}/", journal.export_prefix)));
    app.progress.reset_for(Step::Export);
    app.export.reviewing = false;
    app.export.typing = false;
    app.go(Screen::ExportProgress);
    let settings = app.export.plan();
    // Whether to catch up is decided before the export: it keeps the source's PITR on.
    let catch_up = app.export.catch_up && !app.fleet.active;
    app.continue_session(vec![
        Request::SetCatchUp(catch_up),
        Request::SetExportSettings(settings),
    ])
}

/// The command the review page shows.
pub fn equivalent_command(app: &App) -> String {
    let Some(j) = &app.journal else {
        return "(the migration is being prepared)".into();
    };
    let plan = app.export.plan();
    export_table(
        &side_args(
            j.plan.source.profile.as_deref(),
            j.source_identity.as_ref().map(|i| i.region.as_str()),
        ),
        j.source_table.as_ref().map_or("", |t| t.arn.as_str()),
        &j.plan.destination.bucket,
        j.bucket.owner.as_deref().unwrap_or(""),
        &j.export_prefix,
        plan.format,
        &plan.encryption,
        plan.export_time.as_deref(),
        "<generated when the export starts>",
    )
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.export;
    if let Some(job) = started(app) {
        let plan = app
            .journal
            .as_ref()
            .map(|j| j.plan.export.clone())
            .unwrap_or_default();
        let lines = vec![
            Line::from(format!(
                "The export has started ({}): its settings can no longer change.",
                job.status.as_deref().unwrap_or("starting")
            )),
            Line::from(format!(
                "Format {}, {}, encryption {}.",
                match plan.format {
                    ExportFormat::DynamodbJson => "DynamoDB JSON",
                    ExportFormat::Ion => "Amazon Ion",
                },
                plan.export_time
                    .map_or("as the table was when it started".to_owned(), |t| format!(
                        "as the table was at {t}"
                    )),
                match plan.encryption {
                    crate::logic::options::ExportSse::SseS3 => "SSE-S3".to_owned(),
                    crate::logic::options::ExportSse::SseKms { kms_key } =>
                        format!("SSE-KMS ({kms_key})"),
                }
            )),
            Line::from(""),
            Line::from(
                "Enter: back to the export's progress. Other settings need a new migration.",
            ),
        ];
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(" Export ")),
            area,
        );
        return;
    }
    if st.reviewing {
        render_scrolled(
            f,
            area,
            "Export: review",
            false,
            review_lines(app),
            st.scroll,
        );
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", Screen::Export.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(if app.fleet.active { 0 } else { 3 }),
        Constraint::Min(1),
    ])
    .split(inner);
    let marker = |on: bool| if on { "(*)" } else { "( )" };
    let focus = |x: Focus| if st.focus == x { "> " } else { "  " };
    f.render_widget(
        Paragraph::new(vec![
            Line::from(format!(
                "{}Format:      {} DynamoDB JSON   {} Amazon Ion",
                focus(Focus::Format),
                marker(!st.ion),
                marker(st.ion)
            )),
            Line::from("               the file format; the import reads either"),
        ]),
        rows[0],
    );
    f.render_widget(
        Paragraph::new("  Export type: full (every item, as it was at one moment)"),
        rows[1],
    );
    let time_problem = names::iso8601("time", st.time.value().trim())
        .err()
        .filter(|_| !st.time.value().trim().is_empty())
        .map(|e| e.rule);
    let [time_row, time_note] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(rows[2]);
    st.time.render(
        f,
        time_row,
        "  Point in time",
        Look::of(st.focus == Focus::Time, st.typing),
        time_problem.as_ref().map(|_| "!"),
    );
    f.render_widget(
        Paragraph::new(if app.fleet.active {
            "               empty = one moment for all tables, fixed when all are ready"
        } else {
            "               empty = now; or a moment like 2026-11-30T14:00:00Z"
        }),
        time_note,
    );
    f.render_widget(
        Paragraph::new(vec![
            Line::from(format!(
                "{}Encryption:  {} SSE-S3   {} SSE-KMS",
                focus(Focus::Encryption),
                marker(!st.kms),
                marker(st.kms)
            )),
            Line::from("               of the files: S3's own key, or a key of yours in KMS"),
        ]),
        rows[3],
    );
    if st.kms {
        st.kms_key.render(
            f,
            rows[4],
            "  KMS key (id, alias or ARN)",
            Look::of(st.focus == Focus::KmsKey, st.typing),
            None,
        );
    }
    if !app.fleet.active {
        f.render_widget(
            Paragraph::new(vec![
                Line::from(format!(
                    "{}Catch up later: {} no   {} yes",
                    focus(Focus::CatchUp),
                    marker(!st.catch_up),
                    marker(st.catch_up)
                )),
                Line::from("    keep the new table in step with the source until you switch over"),
            ]),
            rows[5],
        );
    }
    let mut notes = Vec::new();
    if st.catch_up && !app.fleet.active {
        notes.push(Line::from(catch_up_words(app)));
        notes.push(Line::from(""));
    }
    let hint = match st.problem() {
        Some(p) => format!("! {p}"),
        None if app.fleet.active => "These settings are every marked table's. Next: Enter goes on to the new tables' names; nothing starts before you confirm the fleet's summary.".into(),
        None => "Next: Enter shows what the export will do and a rough cost; nothing starts before you confirm.".into(),
    };
    notes.push(Line::from(hint));
    f.render_widget(Paragraph::new(notes).wrap(Wrap { trim: true }), rows[6]);
}

/// What catching up later costs and asks, in plain words: PITR stays on at the source (priced
/// for this table when the region's price is known), and the cutover stops writes a while.
pub fn catch_up_words(app: &App) -> String {
    use crate::logic::cost::{unit_price, Charge, CostLine, SizeOf};
    let stop = "Switching over later needs your application's writes to the source stopped for roughly 15–30 minutes.";
    let Some(j) = &app.journal else {
        return format!("PITR then stays on at the source until the cutover; it is billed per GB-month of the table's size (about $0.20 per GB-month in us-east-1). {stop}");
    };
    if j.pitr.initially_enabled == Some(true) {
        return format!("PITR was already on at the source and stays on: catching up adds no PITR charge. {stop}");
    }
    let region = crate::engine::costs::source_region(j);
    let line = CostLine::new(
        &app.prices,
        Charge::Pitr,
        &region,
        crate::engine::costs::table_bytes(j),
        SizeOf::TableSize,
    );
    let cost = match &line.price {
        Some(p) => format!(
            "{} for this table (PITR is billed per GB-month of the table's size: {} per GB-month in {region})",
            line.amount_words(),
            unit_price(p.amount, &p.currency)
        ),
        None => "billed per GB-month of the table's size (about $0.20 per GB-month in us-east-1; ddb-ferry has no price for this region)".to_owned(),
    };
    format!("PITR then stays on at the source until the cutover: {cost}. {stop}")
}

/// The review: what starts, where it goes, how long and what it costs; the CLI with `v`.
fn review_lines(app: &App) -> Vec<Line<'static>> {
    let st = &app.export;
    if st.show_command {
        return vec![
            Line::from("The equivalent AWS CLI command (v: back to the words):"),
            Line::from(""),
            Line::from(equivalent_command(app)),
        ];
    }
    let mut lines = vec![
        Line::from("What happens when you press Enter:"),
        Line::from(""),
    ];
    if let Some(j) = &app.journal {
        let table = &j.plan.source.table;
        let when = st
            .plan()
            .export_time
            .map_or("as it is now".to_owned(), |t| format!("as it was at {t}"));
        lines.push(Line::from(format!(
            "• DynamoDB writes a copy of the table {table}, {when}, into s3://{}/{}/ in the destination account.",
            j.plan.destination.bucket, j.export_prefix
        )));
        lines.push(Line::from(
            "• The table stays as it is and keeps serving your application: the export reads its backups, not the table.",
        ));
        if let Some(t) = &j.source_table {
            let size = if t.size_bytes > 0 {
                format!(
                    "for a table of this size ({}, {} items)",
                    crate::logic::units::human_bytes(t.size_bytes as u64),
                    t.item_count
                )
            } else {
                "for a small table (AWS has not counted this one's size yet: it does so about every 6 hours)".to_owned()
            };
            lines.push(Line::from(format!(
                "• It usually takes about {} {size}; AWS gives no progress while it runs.",
                crate::engine::poll::typical_duration_words(t.size_bytes, false),
            )));
        }
        lines.push(Line::from(
            "• It runs inside AWS: you may quit at any time and reopen ddb-ferry to reattach.",
        ));
        if st.catch_up && !app.fleet.active {
            lines.push(Line::from(format!(
                "• Catch up later is on: after the import, the Catch-up screen keeps the new table in step with the source until you switch over. {}",
                catch_up_words(app)
            )));
        }
        lines.push(Line::from(""));
        lines.push(Line::from("What it costs (estimates, not a bill):"));
        let estimate = crate::engine::costs::export_estimate_of(j, &app.prices);
        lines.extend(super::estimate_lines(&estimate).into_iter().map(Line::from));
    }
    lines
}
