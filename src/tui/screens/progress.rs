//! The live export and import panels. They show only true signals: AWS reports no counters
//! while a job runs, so the panels show status, the elapsed time, an estimate labelled as such
//! and, for an export, the data files already written (a live S3 listing). The state also
//! follows the backup road's jobs, which `backup_progress.rs` draws with the same log.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::engine::events::Event;
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::poll::{elapsed_since, expected_minutes};
use crate::engine::session::Decision;
use crate::logic::units::human_bytes;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::widgets::failure;

#[derive(Debug, Clone, Default)]
pub struct Job {
    pub arn: Option<String>,
    pub status: Option<String>,
    pub started_at: Option<String>,
    pub record: Option<JobRecord>,
    /// AWS's PercentDone, where the job's API reports one (AWS Backup's jobs).
    pub percent: Option<u8>,
    /// AWS's estimate of the whole job in minutes (AWS Backup's restore jobs).
    pub expected_minutes: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub export: Job,
    pub import: Job,
    /// The backup road's jobs.
    pub backup: Job,
    pub copy: Job,
    pub restore: Job,
    pub export_files: Option<(usize, u64)>,
    /// Bucket, region and prefix the export writes under (for the live listing).
    pub export_location: Option<(String, String, String)>,
    pub last_listing: Option<Instant>,
    pub engine_started: Option<Instant>,
    pub table_bytes: i64,
    pub lines: Vec<String>,
    /// Lines of the log scrolled back from its end (0: the newest are shown).
    pub log_back: u16,
    /// Whether the source table's size is known (a journal or a description gave it).
    pub size_known: bool,
    /// The first lines of the import's CloudWatch error log, once asked for.
    pub import_error_lines: Option<Result<Vec<String>, crate::aws::explain::AwsFailure>>,
    /// The step the session runs now, and those it finished, as its events said: the
    /// backup road's panel marks a job done by its step (a DynamoDB restore has no status
    /// word of its own for "done").
    pub step_now: Option<Step>,
    pub steps_done: Vec<Step>,
}

impl State {
    pub fn reset_for(&mut self, step: Step) {
        self.engine_started = Some(Instant::now());
        if step <= Step::Export {
            self.export_files = None;
        }
    }

    /// The S3 listing of the export folder is refreshed at most every 15 seconds.
    pub fn should_list_files(&mut self) -> bool {
        let due = self
            .last_listing
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(15));
        if due {
            self.last_listing = Some(Instant::now());
        }
        due
    }

    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::JobStarted { job, arn, .. } => self.job_mut(job).arn = Some(arn.clone()),
            Event::JobStatus {
                job,
                status,
                started_at,
                percent_done,
                expected_minutes,
                ..
            } => {
                let j = self.job_mut(job);
                j.status = Some(status.clone());
                if started_at.is_some() {
                    j.started_at = started_at.clone();
                }
                j.percent = percent_done.or(j.percent);
                j.expected_minutes = expected_minutes.or(j.expected_minutes);
            }
            Event::StepStarted { step, .. } => self.step_now = Some(*step),
            Event::StepDone { step, summary } => {
                self.steps_done.push(*step);
                self.push(summary.clone());
            }
            Event::Info {
                message: summary, ..
            } => self.push(summary.clone()),
            Event::Warning { message, next, .. } => {
                self.push(format!("warning: {message}"));
                if let Some(next) = next {
                    self.push(format!("  next: {next}"));
                }
            }
            _ => {}
        }
    }

    /// The panel of the job the watcher named.
    fn job_mut(&mut self, name: &str) -> &mut Job {
        match name {
            "export" => &mut self.export,
            "backup" => &mut self.backup,
            "copy" => &mut self.copy,
            "restore" => &mut self.restore,
            _ => &mut self.import,
        }
    }

    /// A new attempt on the backup road starts with none of an earlier attempt's jobs.
    pub fn forget_backup_jobs(&mut self) {
        self.backup = Job::default();
        self.copy = Job::default();
        self.restore = Job::default();
        self.step_now = None;
        self.steps_done.clear();
    }

    fn push(&mut self, line: String) {
        if self.lines.contains(&line) {
            return;
        }
        self.lines.push(line);
        if self.lines.len() > 200 {
            self.lines.remove(0);
        }
    }

    /// Copies what the journal knows (counts, times, failures) after the engine ran.
    pub fn journal_snapshot(&mut self, journal: &Journal) {
        for (record, job) in [
            (&journal.export, &mut self.export),
            (&journal.import, &mut self.import),
            (&journal.backup.backup, &mut self.backup),
            (&journal.backup.copy, &mut self.copy),
            (&journal.backup.restore, &mut self.restore),
        ] {
            if let Some(r) = record {
                job.arn = r.arn.clone();
                job.status = r.status.clone();
                job.started_at = r.started_at.clone();
                job.record = Some(r.clone());
            }
        }
        if let Some(t) = &journal.source_table {
            self.table_bytes = t.size_bytes;
            self.size_known = true;
        }
        if self.export_location.is_none() {
            if let Some(r) = &journal.bucket.region {
                self.export_location = Some((
                    journal.plan.destination.bucket.clone(),
                    r.clone(),
                    format!("{}/", journal.export_prefix),
                ));
            }
        }
    }

    pub fn elapsed(&self, job: &Job) -> u64 {
        elapsed_since(
            job.started_at.as_deref(),
            self.engine_started.unwrap_or_else(Instant::now),
        )
    }
}

impl Job {
    fn completed(&self) -> bool {
        self.status.as_deref() == Some("COMPLETED")
    }
}

/// Enter moves on once the job is complete; PgUp/PgDn scroll the log.
pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if scroll_log(app, key.code) {
        return Some(Vec::new());
    }
    let importing = app.screen == Screen::ImportProgress;
    match key.code {
        KeyCode::Enter if importing && app.progress.import.completed() => {
            app.go(Screen::Verify);
            Some(Vec::new())
        }
        KeyCode::Enter
            if !importing
                && app.progress.export.completed()
                && app.pending == Some(Decision::DataFolder) =>
        {
            app.go(Screen::DataFolder);
            Some(super::folder::after_locate(app))
        }
        KeyCode::Enter => Some(Vec::new()),
        _ => None,
    }
}

/// PgUp/PgDn (or K/J) scroll the log of either road's progress panel five lines back or
/// forth; false for a key that is not the log's.
pub fn scroll_log(app: &mut App, code: KeyCode) -> bool {
    let back = &mut app.progress.log_back;
    *back = match code {
        KeyCode::PageUp | KeyCode::Char('K') => back.saturating_add(5),
        KeyCode::PageDown | KeyCode::Char('J') => back.saturating_sub(5),
        _ => return false,
    };
    true
}

/// The keys of a progress screen now.
pub fn bar(app: &App) -> Bar {
    let importing = app.screen == Screen::ImportProgress;
    let job = if importing {
        &app.progress.import
    } else {
        &app.progress.export
    };
    let mut hints = Vec::new();
    if job.completed() {
        if importing {
            hints.push(hint("Enter", "see the check and finish"));
        } else if app.pending == Some(Decision::DataFolder) {
            hints.push(hint("Enter", "choose the data folder"));
        }
    }
    hints.push(hint("PgUp/PgDn", "scroll the log"));
    if importing {
        hints.push(hint("Ctrl-P", "save as a plan"));
    }
    let mut bar = Bar::commands(hints);
    if app.engine_busy && !job.completed() {
        bar.hints
            .push(hint("q", "quit: the job keeps running in AWS"));
    }
    bar
}

pub const HELP: &[&str] = &[
    "The job runs inside AWS, not in this window. AWS reports no progress while it runs: the panel shows its status, the time since it started against the typical time for a table of this size (an estimate), and for an export the files written so far.",
    "You can quit at any time: the job continues in AWS, and running ddb-ferry again reattaches to it without starting it twice.",
    "When the job is complete the panel says so; Enter then moves on. PgUp and PgDn scroll the log of what happened so far.",
];

pub fn clock(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.progress;
    let importing = app.screen == Screen::ImportProgress;
    let job = if importing { &st.import } else { &st.export };
    let what = if importing { "import" } else { "export" };
    let title = if importing {
        " Import progress "
    } else {
        " Export progress "
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let elapsed = st.elapsed(job);
    let estimate = expected_minutes(st.table_bytes, importing);
    let done = job.completed();
    let r = job.record.as_ref();
    let mut lines: Vec<Line> = Vec::new();
    if done {
        lines.push(Line::from(Span::styled(
            if importing {
                match (r.and_then(|r| r.item_count), r.and_then(|r| r.error_count)) {
                    (Some(items), errors) => format!(
                        "Import complete — {items} items imported, {} rejected.",
                        errors.unwrap_or(0)
                    ),
                    _ => "Import complete.".to_owned(),
                }
            } else {
                match (r.and_then(|r| r.item_count), r.and_then(|r| r.billed_bytes)) {
                    (Some(items), Some(bytes)) => format!(
                        "Export complete — {items} items, {} billed.",
                        human_bytes(bytes.max(0) as u64)
                    ),
                    _ => "Export complete.".to_owned(),
                }
            },
            Style::default().add_modifier(Modifier::BOLD),
        )));
        lines.push(Line::from(if importing {
            if app.engine_busy {
                "Now counting the new table's items and reading a sample back. Enter: see the check and finish."
            } else {
                "Enter: see the check and finish."
            }
        } else if app.pending == Some(Decision::DataFolder) {
            "Enter: choose the data folder the import will read (already chosen for you)."
        } else {
            "Finding the export's files…"
        }));
    } else {
        lines.push(Line::from(match job.status.as_deref() {
            Some("IN_PROGRESS") => "Status: running in AWS (IN_PROGRESS)".to_owned(),
            Some(other) => format!("Status: {other}"),
            None if app.engine_busy => format!("Status: starting the {what}…"),
            None => "Status: not started".to_owned(),
        }));
    }
    if let Some(arn) = &job.arn {
        lines.push(Line::from(format!(
            "Job id: {}",
            arn.rsplit('/').next().unwrap_or(arn)
        )));
    }
    if let Some(started) = &job.started_at {
        lines.push(Line::from(if done {
            format!("Started: {started}")
        } else {
            format!("Started: {started}, elapsed {}", clock(elapsed))
        }));
    }
    if !done && job.arn.is_some() {
        lines.push(Line::from(if st.size_known && st.table_bytes > 0 {
            format!(
                "Typical time for {}: about {} (an estimate; AWS reports no progress).",
                human_bytes(st.table_bytes.max(0) as u64),
                crate::engine::poll::typical_duration_words(st.table_bytes, importing)
            )
        } else {
            format!(
                "Typical time: about {} for a small table (an estimate; AWS reports no progress).",
                crate::engine::poll::typical_duration_words(0, importing)
            )
        }));
    }
    if importing {
        if let Some(arn) = &job.arn {
            let id = arn.rsplit('/').next().unwrap_or_default();
            if r.and_then(|r| r.error_count).unwrap_or(0) > 0 {
                lines.push(Line::from(format!(
                    "Rejected items are listed in CloudWatch Logs (AWS's log service): aws logs tail /aws-dynamodb/imports --log-stream-names {id}/error"
                )));
                match &st.import_error_lines {
                    Some(Ok(first)) if !first.is_empty() => {
                        lines.push(Line::from("First error lines:"));
                        lines.extend(first.iter().map(|l| Line::from(format!("  {l}"))));
                    }
                    Some(Ok(_)) => lines.push(Line::from("(the error log is empty so far)")),
                    Some(Err(e)) => {
                        lines.push(Line::from(format!("(error log unreadable: {})", e.code)))
                    }
                    None => {}
                }
            }
        }
    } else if !done && job.arn.is_some() {
        match st.export_files {
            Some((0, _)) => lines.push(Line::from(
                "Written so far: no data file yet (the folder is listed in S3 every 15 s).",
            )),
            Some((n, b)) => lines.push(Line::from(format!(
                "Written so far: {n} data file{}, {} (listed in S3 every 15 s).",
                if n == 1 { "" } else { "s" },
                human_bytes(b)
            ))),
            None if app.watching.is_some() => lines.push(Line::from(
                "Files written so far are not listed here: this window only reads the journal.",
            )),
            None => {}
        }
    }
    match &app.watching {
        Some(w) if w.pid.is_some() => lines.push(Line::from(
            "Another ddb-ferry process runs this job; this window shows its journal as it changes.",
        )),
        Some(_) => lines.push(Line::from(
            "The process that ran this job has ended; run ddb-ferry again to continue it.",
        )),
        None if app.engine_busy && !done => lines.push(Line::from(
            "You may quit (q) at any time: the job keeps running in AWS; reopen ddb-ferry to reattach.",
        )),
        None => {}
    }
    let [gauge, log_title, log] = render_info(f, inner, lines);
    let ratio = if estimate == 0 {
        0.0
    } else {
        (elapsed as f64 / (estimate * 60) as f64).min(0.99)
    };
    let label = if done {
        "complete".to_owned()
    } else if job.started_at.is_some() {
        format!(
            "elapsed {} of a typical {}",
            clock(elapsed),
            crate::engine::poll::typical_duration_words(st.table_bytes, importing)
        )
    } else {
        "waiting for AWS to start the job".to_owned()
    };
    f.render_widget(
        Gauge::default()
            .ratio(if done {
                1.0
            } else if job.started_at.is_some() {
                ratio
            } else {
                0.0
            })
            .label(label),
        gauge,
    );
    render_log(app, f, log_title, log);
}

/// Lays out a job panel, both roads' alike: the info lines, then a row for the gauge, a row
/// for the log's title, and the log. The info lines get the rows they wrap to, but leave
/// five for the rest (the gauge, the title, two lines of log). Draws the info lines and
/// returns the gauge's, the log title's and the log's areas.
pub fn render_info(f: &mut Frame, inner: Rect, lines: Vec<Line>) -> [Rect; 3] {
    let width = inner.width.max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    let info_height = (rows as u16).min(inner.height.saturating_sub(5));
    let [info, gauge, log_title, log] = Layout::vertical([
        Constraint::Length(info_height),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), info);
    [gauge, log_title, log]
}

/// The log of what happened so far (PgUp/PgDn scroll it), or the failure that stopped the
/// migration in its place: the failure box with its code, what, why and next.
pub fn render_log(app: &App, f: &mut Frame, title: Rect, log: Rect) {
    let st = &app.progress;
    if let Some(fail) = &app.failure {
        failure::render(f, title.union(log), fail);
        return;
    }
    f.render_widget(
        Paragraph::new("What happened so far (PgUp/PgDn scroll):")
            .style(Style::default().add_modifier(Modifier::DIM)),
        title,
    );
    let width = log.width.max(1) as usize;
    let wrapped: Vec<String> = st
        .lines
        .iter()
        .flat_map(|l| crate::tui::widgets::text::wrap(l, width))
        .collect();
    let height = log.height as usize;
    let end = wrapped
        .len()
        .saturating_sub(st.log_back as usize)
        .max(height.min(wrapped.len()));
    let start = end.saturating_sub(height);
    let shown: Vec<Line> = wrapped[start..end]
        .iter()
        .map(|l| Line::from(l.clone()))
        .collect();
    f.render_widget(Paragraph::new(shown), log);
}
