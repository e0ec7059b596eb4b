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
use crate::tui::services::Cmd;
use crate::tui::widgets::field::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Format,
    Time,
    Encryption,
    KmsKey,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub ion: bool,
    pub time: Field,
    pub kms: bool,
    pub kms_key: Field,
    pub reviewing: bool,
}

impl State {
    pub fn editing(&self) -> bool {
        matches!(self.focus, Focus::Time | Focus::KmsKey)
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

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let st = &mut app.export;
    if st.reviewing {
        return match key.code {
            KeyCode::Enter => Some(start(app)),
            KeyCode::Esc => {
                app.export.reviewing = false;
                Some(Vec::new())
            }
            _ => None,
        };
    }
    match key.code {
        KeyCode::Tab | KeyCode::BackTab => {
            let order: Vec<Focus> = if st.kms {
                vec![Focus::Format, Focus::Time, Focus::Encryption, Focus::KmsKey]
            } else {
                vec![Focus::Format, Focus::Time, Focus::Encryption]
            };
            let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
            let n = order.len();
            st.focus = order[if key.code == KeyCode::Tab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }];
            Some(Vec::new())
        }
        KeyCode::Enter => {
            if st.problem().is_none() {
                st.reviewing = true;
            }
            Some(Vec::new())
        }
        KeyCode::Esc => None,
        KeyCode::Char(' ')
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Char('h')
        | KeyCode::Char('l')
            if matches!(st.focus, Focus::Format | Focus::Encryption) =>
        {
            match st.focus {
                Focus::Format => st.ion = !st.ion,
                _ => st.kms = !st.kms,
            }
            Some(Vec::new())
        }
        _ => {
            match st.focus {
                Focus::Time => {
                    st.time.on_key(key);
                }
                Focus::KmsKey => {
                    st.kms_key.on_key(key);
                }
                _ => return None,
            }
            Some(Vec::new())
        }
    }
}

/// Starts the export: the choices go into the journal's plan and the engine runs the export
/// step (with a ClientToken saved first).
fn start(app: &mut App) -> Vec<Cmd> {
    let Some(journal) = &app.journal else {
        return Vec::new();
    };
    let bucket = journal.plan.destination.bucket.clone();
    let region = journal.bucket.region.clone().unwrap_or_default();
    app.progress.export_location = Some((bucket, region, format!("{}/", journal.export_prefix)));
    app.progress.reset_for(Step::Export);
    app.export.reviewing = false;
    app.go(Screen::ExportProgress);
    let settings = app.export.plan();
    app.continue_session(vec![Request::SetExportSettings(settings)])
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
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", Screen::Export.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if st.reviewing {
        let lines = vec![
            Line::from("Review. Enter starts the export; Esc goes back to the choices."),
            Line::from(""),
            Line::from("Equivalent AWS CLI command:"),
            Line::from(equivalent_command(app)),
            Line::from(""),
            Line::from(
                "The export runs inside AWS: you may quit at any time and reopen ddb-ferry to",
            ),
            Line::from("reattach. A tiny table takes about 10 minutes; large tables take hours."),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .split(inner);
    let marker = |on: bool| if on { "(*)" } else { "( )" };
    let focus = |x: Focus| if st.focus == x { "> " } else { "  " };
    f.render_widget(
        Paragraph::new(format!(
            "{}Format:      {} DynamoDB JSON   {} Amazon Ion   (Space switches)",
            focus(Focus::Format),
            marker(!st.ion),
            marker(st.ion)
        )),
        rows[0],
    );
    f.render_widget(
        Paragraph::new("  Export type: full export (every item at one point in time)"),
        rows[1],
    );
    let time_problem = names::iso8601("time", st.time.value().trim())
        .err()
        .filter(|_| !st.time.value().trim().is_empty())
        .map(|e| e.rule);
    st.time.render(
        f,
        rows[2],
        "  Point in time (empty = now, or ISO 8601)",
        st.focus == Focus::Time,
        time_problem.as_deref(),
    );
    f.render_widget(
        Paragraph::new(format!(
            "{}Encryption:  {} SSE-S3 (Amazon S3 key)   {} SSE-KMS (your KMS key)",
            focus(Focus::Encryption),
            marker(!st.kms),
            marker(st.kms)
        )),
        rows[3],
    );
    if st.kms {
        st.kms_key.render(
            f,
            rows[4],
            "  KMS key (id, alias or ARN)",
            st.focus == Focus::KmsKey,
            None,
        );
    }
    let hint = match st.problem() {
        Some(p) => format!("! {p}"),
        None => "Enter: review the export".into(),
    };
    f.render_widget(Paragraph::new(hint).wrap(Wrap { trim: true }), rows[5]);
}
