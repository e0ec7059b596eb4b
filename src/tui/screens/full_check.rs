//! The full check from the Keys screen: Ctrl-F reads every item of the export against the
//! keys on screen (the Enter check reads a sample), with a progress bar — bytes read of the
//! total from the listing, rate, time left — and a summary when it ends. The work is
//! `engine::inspect`'s, run by the services in a task; Esc stops it or closes the summary.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::inspect::check_spec;
use crate::logic::check::report::short_name;
use crate::logic::check::{CheckProgress, CheckReport};
use crate::logic::units::human_bytes;
use crate::tui::app::App;
use crate::tui::services::Cmd;

#[derive(Debug, Default)]
pub struct State {
    pub running: bool,
    pub progress: Option<CheckProgress>,
    pub outcome: Option<Result<Box<CheckReport>, AwsFailure>>,
    pub cancel: Arc<AtomicBool>,
}

impl State {
    /// Whether the panel is on screen (running, or a result not yet closed).
    pub fn visible(&self) -> bool {
        self.running || self.outcome.is_some()
    }
}

/// Ctrl-F: starts the full check, or stops a running one.
pub fn start_or_stop(app: &mut App) -> Vec<Cmd> {
    if app.full_check.running {
        app.full_check.cancel.store(true, Ordering::Relaxed);
        return Vec::new();
    }
    let not_yet = |what: &str| {
        Err(AwsFailure::new(
            "full-check-not-ready",
            FailureKind::BadInput,
            what.to_owned(),
            "the full check reads the export's data folder with the keys on this screen",
            "fill in the partition key (and choose the data folder) first",
        ))
    };
    let Some(journal) = &app.journal else {
        app.full_check.outcome = Some(not_yet("no migration is open"));
        return Vec::new();
    };
    let Some(folder) = &journal.data_folder else {
        app.full_check.outcome = Some(not_yet("the export's data folder is not chosen yet"));
        return Vec::new();
    };
    let plan = app.keys.table_plan(&journal.plan.source.table);
    let Some(pk) = plan.partition_key.as_ref() else {
        app.full_check.outcome = Some(not_yet("the partition key has no name"));
        return Vec::new();
    };
    let spec = check_spec(
        pk,
        plan.sort_key.as_ref(),
        plan.gsis.as_deref().unwrap_or_default(),
    );
    let cancel = Arc::new(AtomicBool::new(false));
    app.full_check = State {
        running: true,
        progress: None,
        outcome: None,
        cancel: cancel.clone(),
    };
    vec![Cmd::FullCheck {
        bucket: folder.bucket.clone(),
        region: journal.bucket.region.clone().unwrap_or_default(),
        prefix: folder.prefix.clone(),
        spec,
        cancel,
    }]
}

/// Esc: stops a running check, or closes the summary. False when there was nothing to do.
pub fn dismiss(app: &mut App) -> bool {
    if app.full_check.running {
        app.full_check.cancel.store(true, Ordering::Relaxed);
        true
    } else {
        app.full_check.outcome.take().is_some()
    }
}

/// Closes a finished check's summary (a running check goes on).
pub fn close_summary(app: &mut App) {
    if !app.full_check.running {
        app.full_check.outcome = None;
    }
}

pub fn on_progress(app: &mut App, progress: CheckProgress) -> Vec<Cmd> {
    if app.full_check.running {
        app.full_check.progress = Some(progress);
    }
    Vec::new()
}

pub fn on_done(app: &mut App, result: Result<Box<CheckReport>, AwsFailure>) -> Vec<Cmd> {
    app.full_check.running = false;
    app.full_check.outcome = Some(result);
    Vec::new()
}

/// The panel: progress while it runs, then what it found.
pub fn render(st: &State, f: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Full check: every item ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [gauge_row, text_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let mut lines: Vec<Line> = Vec::new();
    match (&st.outcome, &st.progress) {
        (None, progress) => {
            let (ratio, label) = match progress {
                Some(p) => (
                    p.fraction(),
                    format!(
                        "{:.0}% · {}",
                        p.fraction() * 100.0,
                        p.eta_secs()
                            .map_or("estimating".to_owned(), |s| format!("{s} s left"))
                    ),
                ),
                None => (0.0, "listing the data folder…".to_owned()),
            };
            f.render_widget(Gauge::default().ratio(ratio).label(label), gauge_row);
            if let Some(p) = progress {
                lines.push(Line::from(format!(
                    "{} of {} at {}/s, {} items; {} of {} files done.",
                    human_bytes(p.bytes_read),
                    human_bytes(p.bytes_total),
                    human_bytes(p.rate() as u64),
                    p.items,
                    p.files_done,
                    p.files_total
                )));
                lines.push(Line::from(
                    "Outside AWS (or from another region) S3 bills this download.",
                ));
            }
            lines.push(Line::from("Esc stops the check."));
        }
        (Some(Err(e)), _) => {
            lines.push(Line::from(format!("The check could not run [{}]:", e.code)));
            lines.push(Line::from(e.what.clone()));
            lines.push(Line::from(format!("next: {}", e.next)));
            lines.push(Line::from("Esc closes this panel."));
        }
        (Some(Ok(report)), _) => {
            summary(report, &mut lines);
            lines.push(Line::from("Esc closes this panel; Ctrl-F checks again."));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
}

fn summary(report: &CheckReport, lines: &mut Vec<Line>) {
    let d = &report.data;
    let empty = d.files.iter().filter(|f| f.is_empty()).count();
    lines.push(Line::from(format!(
        "{} items in {} files ({} empty), {} read in {:.1} s{}",
        d.items,
        d.files.len(),
        empty,
        human_bytes(d.bytes_read),
        d.elapsed.as_secs_f64(),
        if d.stopped_early {
            " — STOPPED before the end"
        } else {
            ""
        }
    )));
    if let Some(total) = report.context.export.as_ref().and_then(|e| e.item_count) {
        lines.push(Line::from(format!("The manifest counts {total} items.")));
    }
    let problems = report.problem_count();
    if problems == 0 {
        lines.push(Line::from(
            "✓ Every item carries the keys the new table needs.",
        ));
        return;
    }
    lines.push(Line::from(format!("! {problems} problem(s):")));
    for t in &d.key_problems {
        let at = t
            .examples
            .first()
            .map(|e| format!(" (first: {} line {})", short_name(&e.file), e.line))
            .unwrap_or_default();
        lines.push(Line::from(format!(
            "  {} item(s): {}{at}",
            t.count, t.problem
        )));
    }
    for t in &d.gsi_problems {
        let at = t
            .examples
            .first()
            .map(|e| format!(" (first: {} line {})", short_name(&e.file), e.line))
            .unwrap_or_default();
        lines.push(Line::from(format!(
            "  {} item(s): {}{at}",
            t.count, t.problem
        )));
    }
    if d.unreadable_lines.count > 0 {
        let first = d
            .unreadable_lines
            .examples
            .first()
            .map(|e| format!(": {} line {}: {}", short_name(&e.file), e.line, e.detail))
            .unwrap_or_default();
        lines.push(Line::from(format!(
            "  {} unreadable line(s){first}",
            d.unreadable_lines.count
        )));
    }
    for f in d.file_errors() {
        lines.push(Line::from(format!(
            "  {}: {}",
            short_name(&f.key),
            f.error.clone().unwrap_or_default()
        )));
    }
    if !report.context.non_data_objects.is_empty() {
        lines.push(Line::from(format!(
            "  {} object(s) in the data folder are not data files",
            report.context.non_data_objects.len()
        )));
    }
    if !report.manifest.is_empty() {
        lines.push(Line::from(format!(
            "  {} count(s) differ from the manifest",
            report.manifest.len()
        )));
    }
    lines.push(Line::from(
        "`ddb-ferry check` prints every detail (see docs/exports-and-check.md).",
    ));
}

#[cfg(test)]
mod tests {
    use std::io::{self, Read};
    use std::time::Duration;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;
    use crate::logic::check::run::{run_check, CheckOptions, InputFile};
    use crate::logic::check::ExportContext;
    use crate::logic::layout::{Compression, DataFormat};
    use crate::logic::watch::CheckSpec;
    use crate::tui::app::Screen;
    use crate::tui::msg::Msg;
    use crate::tui::test_support::*;
    use crate::tui::view;

    fn ctrl_f(app: &mut App) -> Vec<Cmd> {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('f'),
            KeyModifiers::CONTROL,
        )))
    }

    fn screen(app: &App) -> String {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
        terminal.draw(|f| view::render(app, f)).expect("draw");
        let buffer = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    /// A report of `lines` read as one plain data file.
    fn report(lines: &str, spec: &CheckSpec) -> Box<CheckReport> {
        let inputs = [InputFile {
            key: "p/AWSDynamoDB/id/data/a.json".into(),
            size: lines.len() as u64,
            format: Some(DataFormat::DynamoDbJson),
            compression: Compression::None,
            manifest_items: None,
        }];
        let text = lines.to_owned();
        let open = |_: &InputFile| -> io::Result<Box<dyn Read + Send>> {
            Ok(Box::new(io::Cursor::new(text.clone().into_bytes())))
        };
        let data = run_check(&inputs, spec, &CheckOptions::default(), &open, &|_| {});
        Box::new(CheckReport::new(
            ExportContext::default(),
            spec.clone(),
            data,
        ))
    }

    #[test]
    fn ctrl_f_checks_every_item_with_the_keys_on_screen() {
        let mut app = keys_prefilled();
        let cmds = ctrl_f(&mut app);
        let [Cmd::FullCheck { prefix, spec, .. }] = &cmds[..] else {
            panic!("expected a full check, got {cmds:?}");
        };
        assert!(prefix.ends_with("/data/"), "{prefix}");
        assert_eq!(spec.keys[0].name, app.keys.pk.value().trim());
        assert!(app.full_check.running);
        let text = screen(&app);
        assert!(text.contains("Full check: every item"), "{text}");
        assert!(text.contains("listing the data folder"), "{text}");

        app.update(Msg::CheckProgress(CheckProgress {
            bytes_read: 512 * 1024,
            bytes_total: 2 * 1024 * 1024,
            items: 1200,
            files_done: 1,
            files_total: 4,
            elapsed: Duration::from_secs(2),
        }));
        let text = screen(&app);
        assert!(text.contains("25% · 6 s left"), "{text}");
        assert!(text.contains("512.0 KB of 2.0 MB at 256.0 KB/s"), "{text}");
        assert!(text.contains("1 of 4 files done"), "{text}");

        // Ctrl-F again (or Esc) stops it; the task then reports what it read.
        assert!(ctrl_f(&mut app).is_empty());
        assert!(app.full_check.cancel.load(Ordering::Relaxed));
        let spec = spec.clone();
        app.update(Msg::CheckDone(Ok(report(
            "{\"Item\":{\"x\":{\"S\":\"1\"}}}\ngarbage\n",
            &spec,
        ))));
        assert!(!app.full_check.running);
        let text = screen(&app);
        assert!(text.contains("problem(s)"), "{text}");
        assert!(text.contains("1 unreadable line(s)"), "{text}");

        // Esc closes the summary; the next Esc leaves the screen as before.
        press(&mut app, KeyCode::Esc);
        assert!(!app.full_check.visible());
        assert_eq!(app.screen, Screen::Keys);
        assert!(!screen(&app).contains("Full check"));
    }

    #[test]
    fn a_clean_result_and_a_key_that_closes_it() {
        let mut app = keys_prefilled();
        let cmds = ctrl_f(&mut app);
        let [Cmd::FullCheck { spec, .. }] = &cmds[..] else {
            panic!("{cmds:?}");
        };
        let spec = spec.clone();
        let line = format!(
            "{{\"Item\":{{{}}}}}\n",
            spec.keys
                .iter()
                .map(|k| format!("\"{}\":{{\"{}\":\"1\"}}", k.name, k.kind))
                .collect::<Vec<_>>()
                .join(",")
        );
        app.update(Msg::CheckDone(Ok(report(&line, &spec))));
        let text = screen(&app);
        assert!(text.contains("Every item carries the keys"), "{text}");
        press(&mut app, KeyCode::Tab);
        assert!(!app.full_check.visible(), "a key closes a finished summary");
    }

    #[test]
    fn without_a_data_folder_it_says_what_is_missing() {
        let mut app = keys_prefilled();
        if let Some(j) = app.journal.as_mut() {
            j.data_folder = None;
        }
        assert!(ctrl_f(&mut app).is_empty());
        let Some(Err(e)) = &app.full_check.outcome else {
            panic!("expected an explanation");
        };
        assert!(e.what.contains("data folder"), "{}", e.what);
        assert!(screen(&app).contains("could not run"));
    }
}
