//! The live export and import panels. They show only true signals: AWS reports no counters
//! while a job runs, so the panels show status, the elapsed time, an estimate labelled as such
//! and, for an export, the data files already written (a live S3 listing).

use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::engine::events::Event;
use crate::engine::journal::{JobRecord, Journal, Step};
use crate::engine::poll::{elapsed_since, expected_minutes};
use crate::logic::units::human_bytes;
use crate::tui::app::{App, Screen};
use crate::tui::widgets::failure;

#[derive(Debug, Clone, Default)]
pub struct Job {
    pub arn: Option<String>,
    pub status: Option<String>,
    pub started_at: Option<String>,
    pub record: Option<JobRecord>,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub export: Job,
    pub import: Job,
    pub export_files: Option<(usize, u64)>,
    /// Bucket, region and prefix the export writes under (for the live listing).
    pub export_location: Option<(String, String, String)>,
    pub last_listing: Option<Instant>,
    pub engine_started: Option<Instant>,
    pub table_bytes: i64,
    pub lines: Vec<String>,
    /// The first lines of the import's CloudWatch error log, once asked for.
    pub import_error_lines: Option<Result<Vec<String>, crate::aws::explain::AwsFailure>>,
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
                ..
            } => {
                let j = self.job_mut(job);
                j.status = Some(status.clone());
                if started_at.is_some() {
                    j.started_at = started_at.clone();
                }
            }
            Event::StepDone { summary, .. }
            | Event::Info {
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

    /// The panel of the job the watcher named ("export" or "import").
    fn job_mut(&mut self, name: &str) -> &mut Job {
        if name == "export" {
            &mut self.export
        } else {
            &mut self.import
        }
    }

    fn push(&mut self, line: String) {
        if self.lines.contains(&line) {
            return;
        }
        self.lines.push(line);
        if self.lines.len() > 20 {
            self.lines.remove(0);
        }
    }

    /// Copies what the journal knows (counts, times, failures) after the engine ran.
    pub fn journal_snapshot(&mut self, journal: &Journal) {
        for (record, job) in [
            (&journal.export, &mut self.export),
            (&journal.import, &mut self.import),
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

    fn elapsed(&self, job: &Job) -> u64 {
        elapsed_since(
            job.started_at.as_deref(),
            self.engine_started.unwrap_or_else(Instant::now),
        )
    }
}

pub fn on_key(_app: &mut App, _key: KeyEvent) -> KeyResult {
    None
}

fn clock(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// A rough duration from the table's size: exports take about 10 minutes at least; AWS
/// publishes no rate, so this is labelled an estimate.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.progress;
    let importing = app.screen == Screen::ImportProgress;
    let job = if importing { &st.import } else { &st.export };
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
    let status = job
        .status
        .as_deref()
        .unwrap_or(if app.engine_busy { "STARTING" } else { "-" });
    let mut lines = vec![
        Line::from(format!("Status:   {status}")),
        Line::from(format!(
            "Job id:   {}",
            job.arn
                .as_deref()
                .map_or("(starting)", |a| a.rsplit('/').next().unwrap_or(a))
        )),
        Line::from(format!(
            "Started:  {}   elapsed {}",
            job.started_at.as_deref().unwrap_or("-"),
            clock(elapsed)
        )),
        Line::from(format!(
            "Estimate: about {estimate} min for {} (estimate from the size; AWS reports none)",
            human_bytes(st.table_bytes.max(0) as u64)
        )),
    ];
    if importing {
        let r = job.record.as_ref();
        lines.push(Line::from(format!(
            "Imported: {} items, errors {}  (AWS reports counts when the job ends)",
            r.and_then(|r| r.item_count)
                .map_or("-".into(), |c| c.to_string()),
            r.and_then(|r| r.error_count)
                .map_or("-".into(), |c| c.to_string())
        )));
        if let Some(arn) = &job.arn {
            let id = arn.rsplit('/').next().unwrap_or_default();
            if r.and_then(|r| r.error_count).unwrap_or(0) > 0 {
                lines.push(Line::from(format!(
                    "Errors are in CloudWatch Logs /aws-dynamodb/imports, stream {id}/error"
                )));
                lines.push(Line::from(format!(
                    "  aws logs tail /aws-dynamodb/imports --log-stream-names {id}/error"
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
    } else {
        lines.push(Line::from(match st.export_files {
            Some((n, b)) => format!(
                "Written so far: {n} data file{}, {} (live S3 listing)",
                if n == 1 { "" } else { "s" },
                human_bytes(b)
            ),
            // A watcher makes no AWS call, so it lists nothing.
            None if app.watching.is_some() => {
                "Written so far: (not listed: this window only reads the journal)".into()
            }
            None => "Written so far: (listing the export folder…)".into(),
        }));
        if let Some(r) = &job.record {
            if let (Some(items), Some(bytes)) = (r.item_count, r.billed_bytes) {
                lines.push(Line::from(format!(
                    "Finished: {items} items, {} billed",
                    human_bytes(bytes.max(0) as u64)
                )));
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(match &app.watching {
        Some(w) if w.pid.is_some() => {
            "Another ddb-ferry process runs this job; this window shows its journal as it changes."
        }
        Some(_) => "The process that ran this job has ended; run ddb-ferry again to continue it.",
        None if app.engine_busy => {
            "You may quit (q) at any time: the job keeps running in AWS; reopen ddb-ferry to reattach."
        }
        None => "The job is not being watched.",
    }));
    // Room for the lines as wrapped at this width, leaving the gauge and a few log lines.
    let width = inner.width.max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    let info_height = (rows as u16).clamp(9, inner.height.saturating_sub(4).max(9));
    let [info, gauge, log] = Layout::vertical([
        Constraint::Length(info_height),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), info);
    let ratio = if estimate == 0 {
        0.0
    } else {
        (elapsed as f64 / (estimate * 60) as f64).min(0.99)
    };
    let done = matches!(status, "COMPLETED");
    f.render_widget(
        Gauge::default()
            .ratio(if done { 1.0 } else { ratio })
            .label(if done {
                "done".to_owned()
            } else {
                "time against the estimate".to_owned()
            }),
        gauge,
    );
    if let Some(fail) = &app.failure {
        failure::render(f, log, fail);
    } else {
        let shown: Vec<Line> = st
            .lines
            .iter()
            .rev()
            .take(log.height as usize)
            .rev()
            .map(|l| Line::from(l.clone()))
            .collect();
        f.render_widget(Paragraph::new(shown).wrap(Wrap { trim: true }), log);
    }
}
