//! The backup road's progress: the backup, copy and restore jobs, one line each with its
//! state, time and size, and AWS's own percentage and expected completion where it gives
//! them — saying so where it does not, rather than drawing a guess as progress. Below, the
//! same log and failure box as the export and import panels (`progress.rs`).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};
use ratatui::Frame;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::progress::{clock, render_info, render_log, scroll_log, Job};
use super::KeyResult;
use crate::engine::journal::{Journal, Step};
use crate::engine::plan::BackupFrom;
use crate::engine::poll::{expected_minutes, typical_duration_words};
use crate::engine::steps::backup_route::{needs_copy, route, Route};
use crate::logic::units::human_bytes;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::Side;

/// One of the road's three jobs, as the panel reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Backup,
    Copy,
    Restore,
}

impl Kind {
    fn step(self) -> Step {
        match self {
            Kind::Backup => Step::Backup,
            Kind::Copy => Step::Copy,
            Kind::Restore => Step::Restore,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Backup => "Backup",
            Kind::Copy => "Copy",
            Kind::Restore => "Restore",
        }
    }

    fn job(self, app: &App) -> &Job {
        match self {
            Kind::Backup => &app.progress.backup,
            Kind::Copy => &app.progress.copy,
            Kind::Restore => &app.progress.restore,
        }
    }
}

/// Whether both sides are one account, and one region.
fn sides(app: &App) -> (bool, bool) {
    let src = app.accounts.identity(Side::Source);
    let dst = app.accounts.identity(Side::Dest);
    match (src, dst) {
        (Some(a), Some(b)) => (a.account == b.account, a.region == b.region),
        _ => (false, false),
    }
}

/// Why a job is not part of this migration, if it is not.
fn not_needed(app: &App, j: &Journal, kind: Kind) -> Option<String> {
    let plan = j.plan.backup_or_default();
    let (same_account, same_region) = sides(app);
    match kind {
        Kind::Backup => match plan.from {
            BackupFrom::New => None,
            BackupFrom::PointInTime => Some(match &plan.restore_time {
                Some(t) => format!("none made: the table is restored as it was at {t}"),
                None => "none made: the table is restored as of its latest restorable time".into(),
            }),
            BackupFrom::RecoveryPoint => Some("none made: the chosen backup is restored".into()),
        },
        Kind::Copy if !needs_copy(&plan, same_account, same_region) => {
            Some("not needed: both sides are one account and region".into())
        }
        Kind::Copy | Kind::Restore => None,
    }
}

/// True once the job's step ended (by the session's events or the journal) or AWS says done.
fn done(app: &App, j: &Journal, kind: Kind) -> bool {
    let job = kind.job(app);
    app.progress.steps_done.contains(&kind.step())
        || j.step > kind.step()
        || matches!(job.status.as_deref(), Some("COMPLETED" | "AVAILABLE"))
}

/// Who runs the restore: AWS Backup reports a percentage, DynamoDB none.
fn aws_backup_restores(j: &Journal) -> bool {
    let plan = j.plan.backup_or_default();
    let restored = j
        .backup
        .copied
        .as_ref()
        .or(j.backup.recovery_point.as_ref())
        .and_then(|p| p.arn.clone());
    route(&plan, restored.as_deref()) == Route::AwsBackup
}

/// What AWS says of a job's progress, or that it says nothing.
fn percent_words(j: &Journal, kind: Kind, job: &Job) -> String {
    if let Some(p) = job.percent {
        return format!("{p}% done (AWS's PercentDone)");
    }
    match kind {
        Kind::Copy => "AWS reports no percentage for copy jobs".into(),
        Kind::Restore if !aws_backup_restores(j) => {
            "DynamoDB reports no percentage for its restores".into()
        }
        Kind::Backup
            if j.plan.backup_or_default().made_by == crate::engine::plan::BackupMaker::Dynamodb =>
        {
            "DynamoDB reports no percentage for its backups".into()
        }
        _ => "AWS has reported no percentage yet".into(),
    }
}

/// How long a finished job took, from AWS's own times.
fn took(job: &Job) -> Option<String> {
    let r = job.record.as_ref()?;
    let parse = |t: &Option<String>| OffsetDateTime::parse(t.as_deref()?, &Rfc3339).ok();
    let secs = (parse(&r.ended_at)? - parse(&r.started_at)?).whole_seconds();
    Some(format!("took {}", clock(secs.max(0) as u64)))
}

/// The job's line.
fn job_line(app: &App, j: &Journal, kind: Kind, n: usize) -> String {
    let job = kind.job(app);
    let head = format!("{n}. {}:", kind.name());
    if let Some(why) = not_needed(app, j, kind) {
        return format!("{head} {why}.");
    }
    let size = job
        .record
        .as_ref()
        .and_then(|r| r.billed_bytes)
        .map(|b| format!(", {}", human_bytes(b.max(0) as u64)))
        .unwrap_or_default();
    if done(app, j, kind) {
        // The last status seen while it ran is not its end: AWS's final word is in the
        // journal once the session reports it.
        let status = job
            .record
            .as_ref()
            .and_then(|r| r.status.as_deref())
            .unwrap_or("done");
        let took = took(job).map(|t| format!(", {t}")).unwrap_or_default();
        return format!("{head} {status}{took}{size}.");
    }
    match (&job.status, app.progress.step_now == Some(kind.step())) {
        (Some(status), _) => {
            let elapsed = app.progress.elapsed(job);
            let mut line = format!(
                "{head} {status}, elapsed {}{size}; {}",
                clock(elapsed),
                percent_words(j, kind, job)
            );
            if let Some(m) = job.expected_minutes {
                let unit = if m == 1 { "minute" } else { "minutes" };
                line.push_str(&format!("; AWS expects it to take about {m} {unit} in all"));
            }
            line + "."
        }
        (None, true) if app.engine_busy => format!("{head} starting…"),
        (None, _) if app.failure.is_some() => format!("{head} not started."),
        (None, _) => format!("{head} waiting for the step before."),
    }
}

/// Enter moves on once the restore is done; PgUp/PgDn scroll the log.
pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if scroll_log(app, key.code) {
        return Some(Vec::new());
    }
    match key.code {
        KeyCode::Enter if restored(app) => {
            app.go(Screen::Verify);
            Some(Vec::new())
        }
        KeyCode::Enter => Some(Vec::new()),
        _ => None,
    }
}

/// The restore is done: the new table exists.
fn restored(app: &App) -> bool {
    app.journal
        .as_ref()
        .is_some_and(|j| done(app, j, Kind::Restore))
}

/// The keys of the screen now.
pub fn bar(app: &App) -> Bar {
    let mut hints = Vec::new();
    if restored(app) {
        hints.push(hint("Enter", "see the check and finish"));
    }
    hints.push(hint("PgUp/PgDn", "scroll the log"));
    hints.push(hint("Ctrl-P", "save as a plan"));
    let mut bar = Bar::commands(hints);
    if app.engine_busy && !restored(app) {
        bar.hints
            .push(hint("q", "quit: the jobs keep running in AWS"));
    }
    bar
}

pub const HELP: &[&str] = &[
    "The backup road's three jobs run inside AWS, not in this window: the backup of the source table, its copy into the destination's vault (only across accounts or regions), and the restore that makes the new table. Each line says its state, how long it has run and its size.",
    "AWS Backup reports a percentage (PercentDone) for its backup and restore jobs, and for a restore an expected completion time; they are shown as AWS gives them. Copy jobs and DynamoDB's own backups and restores report none, and the panel says so rather than guessing.",
    "You can quit at any time: the jobs continue in AWS, and running ddb-ferry again reattaches to them without starting any twice. When the restore is done, Enter shows the check of the new table and what to do last.",
];

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", Screen::BackupProgress.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(j) = app.journal.as_ref() else {
        let text = if app.failure.is_some() {
            "The migration could not be opened:"
        } else {
            "Opening the migration and checking both accounts…"
        };
        let [info, title, log] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(2),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(text), info);
        render_log(app, f, title, log);
        return;
    };
    let kinds = [Kind::Backup, Kind::Copy, Kind::Restore];
    let mut lines = vec![Line::from(Span::styled(
        headline(app, j),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    lines.extend(
        kinds
            .iter()
            .enumerate()
            .map(|(i, k)| Line::from(job_line(app, j, *k, i + 1))),
    );
    let running = kinds.into_iter().find(|k| kind_running(app, j, *k));
    if let Some(k) = running {
        let job = k.job(app);
        if let Some(arn) = &job.arn {
            lines.push(Line::from(format!(
                "{} job: {}",
                k.name(),
                arn.rsplit(['/', ':']).next().unwrap_or(arn)
            )));
        }
    }
    if app.engine_busy && app.watching.is_none() && !restored(app) {
        lines.push(Line::from(
            "You may quit (q) at any time: the jobs keep running in AWS; reopen ddb-ferry to reattach.",
        ));
    }
    let [gauge, log_title, log] = render_info(f, inner, lines);
    f.render_widget(gauge_of(app, j, running), gauge);
    render_log(app, f, log_title, log);
}

fn kind_running(app: &App, j: &Journal, k: Kind) -> bool {
    not_needed(app, j, k).is_none() && !done(app, j, k) && k.job(app).status.is_some()
}

/// The first line: where the migration stands, in words.
fn headline(app: &App, j: &Journal) -> String {
    if restored(app) {
        return if app.engine_busy {
            "Restore complete. Now checking the new table (its keys, indexes and items). Enter: see the check and finish.".into()
        } else {
            "Restore complete. Enter: see the check and finish.".into()
        };
    }
    if app.failure.is_some() && !app.engine_busy {
        return "Stopped: nothing more runs. The problem is explained below; Esc goes back to the choices.".into();
    }
    let table = &j.plan.source.table;
    let new = &j.plan.table.name;
    // The session's events say where it is; a watched or reattached journal says it too.
    let now = app
        .progress
        .step_now
        .or(Some(j.step).filter(|_| !app.engine_busy));
    match now {
        Some(Step::Preflight) | None => {
            "Checking both accounts and every prerequisite before anything starts…".into()
        }
        Some(Step::Backup) => format!("Running in AWS: the backup of {table}."),
        Some(Step::Vault) => {
            "Adding ddb-ferry's statement to the destination vault's access policy…".into()
        }
        Some(Step::Copy) => {
            "Running in AWS: the copy of the backup into the destination's vault.".into()
        }
        Some(Step::Restore) => format!("Running in AWS: the restore of the new table {new}."),
        Some(_) => format!("Checking the new table {new}…"),
    }
}

/// The running job's gauge: AWS's percentage when it gives one, else the time against a
/// typical time (labelled an estimate).
fn gauge_of(app: &App, j: &Journal, running: Option<Kind>) -> Gauge<'static> {
    if restored(app) {
        return Gauge::default().ratio(1.0).label("restored");
    }
    let Some(k) = running else {
        return Gauge::default().ratio(0.0).label("no job running yet");
    };
    let job = k.job(app);
    if let Some(p) = job.percent {
        return Gauge::default()
            .ratio(f64::from(p.min(100)) / 100.0)
            .label(format!(
                "{} {p}% (AWS's PercentDone)",
                k.name().to_lowercase()
            ));
    }
    let bytes = j.source_table.as_ref().map_or(0, |t| t.size_bytes);
    let restore = k == Kind::Restore;
    let typical = job
        .expected_minutes
        .unwrap_or_else(|| expected_minutes(bytes, restore));
    let elapsed = app.progress.elapsed(job);
    let ratio = if typical == 0 {
        0.0
    } else {
        (elapsed as f64 / (typical * 60) as f64).min(0.99)
    };
    let of = match job.expected_minutes {
        Some(m) => format!("of about {m} minutes (AWS's estimate)"),
        None => format!(
            "of a typical {} (an estimate)",
            typical_duration_words(bytes, restore)
        ),
    };
    Gauge::default().ratio(ratio).label(format!(
        "{} elapsed {} {of}",
        k.name().to_lowercase(),
        clock(elapsed)
    ))
}
