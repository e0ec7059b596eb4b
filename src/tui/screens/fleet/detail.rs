//! A table's own panel, opened from the fleet's dashboard: where it stands, its steps, its
//! jobs (the whole ARNs one key away), its last failure in three lines and its journal. Read
//! only: the fleet's run is the table's only driver, and a one-table progress panel would
//! offer decisions (Enter moves on) that the fleet makes itself.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::board::{minutes, step_name};
use super::model::{Line as TableLine, Standing};
use crate::engine::journal::Journal;
use crate::tui::app::App;
use crate::tui::widgets::failure;
use crate::tui::widgets::pane::render_scrolled;

fn steps_line(l: &TableLine) -> String {
    let moved = l.standing() == Standing::Moved;
    let failed = l.standing() == Standing::Failed;
    crate::engine::session::steps_of(crate::engine::plan::Via::S3)
        .iter()
        .map(|s| {
            // The S3 road runs its steps in this order: those before the current one ran.
            let before = l.step.is_some_and(|now| *s < now);
            let mark = if moved || before || l.steps_done.contains(s) {
                "✓"
            } else if Some(*s) == l.step && failed {
                "✗"
            } else if Some(*s) == l.step {
                "▶"
            } else {
                "·"
            };
            format!("{mark} {}", step_name(*s))
        })
        .collect::<Vec<_>>()
        .join("  ")
}

fn bold(text: &str) -> Span<'static> {
    Span::styled(
        text.to_owned(),
        Style::default().add_modifier(Modifier::BOLD),
    )
}

pub fn lines(app: &App, l: &TableLine) -> Vec<Line<'static>> {
    let st = &app.fleet.board;
    let mut out = Vec::new();
    let mut status = vec![bold("Status: "), Span::raw(l.status())];
    if let Some(job) = l.running_job() {
        if let Some(t) = &job.started_at {
            status.push(Span::raw(format!(
                " — its {} has run {}",
                job.kind,
                minutes(crate::engine::poll::elapsed_since(
                    Some(t),
                    std::time::Instant::now()
                ))
            )));
        }
    }
    out.push(Line::from(status));
    let mut counts = format!(
        "Items: {}",
        l.items.map_or("not counted yet".to_owned(), super::grouped)
    );
    if let Some(r) = l.rejected {
        counts.push_str(&format!(", rejected by the import: {}", super::grouped(r)));
    }
    counts.push_str(&format!(
        ". Warnings: {}.",
        if l.warnings == 0 {
            "none".to_owned()
        } else {
            l.warnings.to_string()
        }
    ));
    out.push(Line::from(counts));
    out.push(Line::from(vec![bold("Steps: "), Span::raw(steps_line(l))]));
    out.push(Line::from(""));
    if l.jobs.is_empty() {
        out.push(Line::from("Jobs: none started yet."));
    } else {
        out.push(Line::from(vec![
            bold("Jobs"),
            Span::raw(if st.show_arns {
                " (a: short ids)"
            } else {
                " (a: whole ARNs)"
            }),
        ]));
        for j in &l.jobs {
            let id = match &j.arn {
                Some(arn) if st.show_arns => arn.clone(),
                Some(arn) => arn.rsplit('/').next().unwrap_or(arn).to_owned(),
                None => "(starting)".to_owned(),
            };
            out.push(Line::from(format!(
                "  {:<6} {:<12} {}{}",
                j.kind,
                j.status.as_deref().unwrap_or("starting"),
                j.started_at
                    .as_deref()
                    .map_or(String::new(), |t| format!("started {t}  ")),
                id
            )));
        }
    }
    if let Some(f) = &l.failure {
        out.push(Line::from(""));
        out.push(Line::from(bold(&format!("Last failure [{}]", f.code))));
        out.extend(failure::lines(f));
    }
    if let Some(done) = &st.model.finished {
        if let Some(p) = done.pitr_left_on.iter().find(|p| p.table == l.table) {
            out.push(Line::from(""));
            out.push(Line::from(format!(
                "PITR stays on for {} (ddb-ferry turned it on; it is billed while on). Turn it off: {}",
                p.table, p.turn_off
            )));
        }
    }
    if let Some(time) = &st.model.export_time {
        out.push(Line::from(format!(
            "Exported as of {time}: the one moment of every table of the fleet, so the copies agree."
        )));
    }
    out.push(Line::from(""));
    if !l.migration_id.is_empty() {
        out.push(Line::from(vec![
            bold("Journal: "),
            Span::raw(
                Journal::path_in(&app.state_dir, &l.migration_id)
                    .display()
                    .to_string(),
            ),
        ]));
    }
    if !l.log.is_empty() {
        out.push(Line::from(bold("What happened (latest last):")));
        out.extend(l.log.iter().map(|m| Line::from(format!("  {m}"))));
    }
    out
}

pub fn render(app: &App, f: &mut Frame, area: Rect, table: &str) {
    let st = &app.fleet.board;
    let Some(l) = st.model.line(table) else {
        return;
    };
    let title = if l.new_table == l.table {
        format!("Table {table}")
    } else {
        format!("Table {table} → {}", l.new_table)
    };
    render_scrolled(f, area, &title, false, lines(app, l), st.panel_scroll);
}
