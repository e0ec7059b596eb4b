//! Catch-up: after the migration, the writes the source keeps receiving are copied into the
//! new table one increment at a time (an incremental export of a window of writes, applied by
//! the session's writer), until the cutover: writes stopped, a last increment, the full
//! compare (`compare.rs` draws it). The screen keeps the increments as the journal and the
//! engine's events tell them, the lag, and whether increments follow automatically.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::fleet::grouped;
use super::KeyResult;
use crate::engine::catch_up::record::IncrementRecord;
use crate::engine::catch_up::CatchUpRequest;
use crate::engine::compare::CompareOptions;
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::{Journal, Step};
use crate::engine::plan::Via;
use crate::engine::session::actor::Request;
use crate::logic::catch_up::short_duration;
use crate::logic::units::human_bytes;
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::services::Cmd;
use crate::tui::widgets::pane::{render_scrolled, scroll_key};
use crate::tui::widgets::{big_text, failure, text};

/// Failed writes listed per increment (the journal keeps up to 100, all are counted).
const FAILURES_SHOWN: usize = 3;

/// Minutes between automatic increments unless changed.
pub const DEFAULT_EVERY_MINUTES: u64 = 15;
/// AWS exports windows of at least 15 minutes: a shorter pause only waits for AWS.
const SHORTEST_EVERY_MINUTES: u64 = 15;
const LONGEST_EVERY_MINUTES: u64 = 24 * 60;

/// What the session runs for this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// One increment (Enter, or the automatic one).
    Increment,
    /// Writes stopped: the last increment, then the full compare.
    Cutover,
    /// The full compare alone.
    Compare,
}

/// One increment as the screen shows it: the journal's record, brought up to date by the
/// engine's events while it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Increment {
    pub number: u32,
    pub from: String,
    pub to: String,
    pub cutover: bool,
    pub export_arn: Option<String>,
    /// AWS's status of the increment's export (IN_PROGRESS, COMPLETED, FAILED).
    pub export_status: Option<String>,
    pub items_applied: u64,
    pub items_total: u64,
    pub bytes_applied: u64,
    pub bytes_total: u64,
    pub puts: u64,
    pub deletes: u64,
    pub failed: u64,
    /// Being applied: changes a second, and the time left.
    pub rate: Option<(u64, Option<u64>)>,
    /// The manifest's totals are known: the export completed and its files are listed.
    pub listed: bool,
    pub applied: bool,
    /// The export failed; a new increment exports the same window.
    pub abandoned: bool,
    /// The first writes that could not be made: the item's key and why.
    pub failures: Vec<String>,
}

impl Increment {
    fn from_record(r: &IncrementRecord) -> Self {
        Increment {
            number: r.number,
            from: r.from.clone(),
            to: r.to.clone(),
            cutover: r.cutover,
            export_arn: r.export.as_ref().and_then(|e| e.arn.clone()),
            export_status: r.export.as_ref().and_then(|e| e.status.clone()),
            items_applied: r.applied.items,
            items_total: r.total_items(),
            bytes_applied: r.applied.bytes,
            bytes_total: r.total_bytes(),
            puts: r.applied.puts,
            deletes: r.applied.deletes,
            failed: r.applied.failed,
            rate: None,
            listed: !r.data_files.is_empty(),
            applied: r.applied_at.is_some(),
            abandoned: r.abandoned,
            failures: r
                .failures
                .iter()
                .take(FAILURES_SHOWN)
                .map(|f| format!("{}: {}", serde_json::Value::Object(f.key.clone()), f.reason))
                .collect(),
        }
    }
}

/// The full compare's result as the screen shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareResult {
    pub equal: bool,
    pub source_items: u64,
    pub dest_items: u64,
    /// The first differences, one line each (key and what differs).
    pub differences: Vec<String>,
    /// How many differences there are in all.
    pub total_differences: u64,
    pub expired_ttl: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub running: Option<Run>,
    pub increments: Vec<Increment>,
    /// The end of the window an increment waits for AWS to reach (AWS's clock, RFC 3339).
    pub waiting_until: Option<String>,
    /// The lag the engine last measured (seconds), and when it arrived.
    pub lag: Option<(u64, Instant)>,
    /// The lag as drawn: changes once a second below 90 s, once a minute above.
    pub lag_text: Option<String>,
    /// Increments follow one another automatically, every `every_minutes`.
    pub automatic: bool,
    pub every_minutes: u64,
    /// The automatic timer armed last; an older one that fires is ignored.
    pub timer: u64,
    /// Waiting for the automatic timer.
    pub timer_armed: bool,
    /// The bottom pane shows the ARNs and folders instead of the words.
    pub details: bool,
    pub scroll: u16,
    /// Items read so far by the compare: (source, new table).
    pub compare_read: Option<(u64, u64)>,
    pub compare: Option<CompareResult>,
    /// The journal's compare record before this compare started, to tell a fresh one.
    compare_before: Option<String>,
    /// How the last run ended.
    pub outcome: Option<Outcome>,
    /// The engine's last word about the run (the cutover's moment, the next step).
    pub note: Option<String>,
    /// The run's warnings (another writer on the new table, a stream that sees the writes):
    /// what happened and what to do, shown above the increments.
    pub warnings: Vec<(String, String)>,
    /// Catch-up is over: the cutover's compare found the tables equal.
    pub over: bool,
    /// PITR went back off at the source (ddb-ferry had turned it on).
    pub pitr_off: bool,
    /// ddb-ferry turned PITR on at the source (so it turns it off after the cutover).
    pub pitr_ours: bool,
    pub new_table: String,
    /// The option was chosen before the export.
    pub planned: bool,
}

impl Default for State {
    fn default() -> Self {
        Self {
            running: None,
            increments: Vec::new(),
            waiting_until: None,
            lag: None,
            lag_text: None,
            automatic: false,
            every_minutes: DEFAULT_EVERY_MINUTES,
            timer: 0,
            timer_armed: false,
            details: false,
            scroll: 0,
            compare_read: None,
            compare: None,
            compare_before: None,
            outcome: None,
            note: None,
            warnings: Vec::new(),
            over: false,
            pitr_off: false,
            pitr_ours: false,
            new_table: String::new(),
            planned: false,
        }
    }
}

impl State {
    /// Takes the journal's increments (keeping what only events said of one still running)
    /// and where catch-up stands.
    pub fn from_journal(&mut self, j: &Journal) {
        let c = &j.catch_up;
        let old = std::mem::take(&mut self.increments);
        self.increments = c
            .increments
            .iter()
            .map(|r| {
                let mut inc = Increment::from_record(r);
                if let Some(o) = old.iter().find(|o| o.number == r.number) {
                    if !inc.applied {
                        inc.rate = o.rate;
                        if o.items_applied > inc.items_applied {
                            inc.items_applied = o.items_applied;
                            inc.bytes_applied = o.bytes_applied;
                        }
                    }
                    if inc.export_status.is_none() {
                        inc.export_status = o.export_status.clone();
                    }
                }
                inc
            })
            .collect();
        // Increments the events told of and the journal copy does not hold yet.
        for o in old {
            if !self.increments.iter().any(|i| i.number == o.number) {
                self.increments.push(o);
            }
        }
        self.increments.sort_by_key(|i| i.number);
        self.over = c.cutover_done;
        self.pitr_off = j.pitr.disabled_after;
        self.pitr_ours = j.pitr.enabled_by_us;
        self.new_table = j.plan.table.name.clone();
        self.planned = j.plan.options.catch_up;
    }

    fn increment_mut(&mut self, number: u32) -> &mut Increment {
        if let Some(i) = self.increments.iter().position(|i| i.number == number) {
            return &mut self.increments[i];
        }
        self.increments.push(Increment {
            number,
            ..Increment::default()
        });
        self.increments.sort_by_key(|i| i.number);
        let i = self
            .increments
            .iter()
            .position(|i| i.number == number)
            .unwrap_or(0);
        &mut self.increments[i]
    }

    /// The increment being worked on, if any.
    pub fn current(&self) -> Option<&Increment> {
        self.running?;
        self.increments
            .iter()
            .rev()
            .find(|i| !i.applied && !i.abandoned)
    }

    /// Re-words the lag; true when the words changed (the screen then needs drawing).
    pub fn refresh_lag(&mut self, now: Instant) -> bool {
        let text = self.lag.map(|(secs, at)| {
            short_duration(Duration::from_secs(secs) + now.saturating_duration_since(at))
        });
        if text == self.lag_text {
            return false;
        }
        self.lag_text = text;
        true
    }
}

/// A migration moved and not yet cut over, that catch-up was chosen for or has started:
/// the wizard offers it again at start, on this screen.
pub fn is_open(j: &Journal) -> bool {
    j.state == crate::engine::journal::MigrationState::Succeeded
        && j.plan.via == Via::S3
        && j.fleet.is_none()
        && !j.catch_up.cutover_done
        && (j.plan.options.catch_up || !j.catch_up.increments.is_empty())
}

/// The journal of the migration, when it is one that can be caught up at all (S3 road).
fn journal(app: &App) -> Option<&Journal> {
    app.journal.as_deref().filter(|j| j.plan.via == Via::S3)
}

/// Opens the screen (from Verify): its state from the journal.
pub fn enter(app: &mut App) -> Vec<Cmd> {
    if let Some(j) = app.journal.clone() {
        app.catch_up.from_journal(&j);
    }
    app.go(Screen::CatchUp);
    Vec::new()
}

/// Asks the session to run `run`.
fn start(app: &mut App, run: Run) -> Vec<Cmd> {
    let st = &mut app.catch_up;
    st.running = Some(run);
    st.waiting_until = None;
    st.outcome = None;
    st.note = None;
    st.warnings.clear();
    st.timer_armed = false;
    st.scroll = 0;
    if matches!(run, Run::Compare | Run::Cutover) {
        st.compare = None;
        st.compare_read = None;
        st.compare_before = app
            .journal
            .as_ref()
            .and_then(|j| j.catch_up.compare.as_ref())
            .map(|c| c.at.clone());
    }
    app.failure = None;
    app.engine_busy = true;
    let request = match run {
        Run::Compare => Request::Compare(CompareOptions::default()),
        Run::Cutover => Request::CatchUp(CatchUpRequest {
            cutover: true,
            ..CatchUpRequest::default()
        }),
        Run::Increment => Request::CatchUp(CatchUpRequest::default()),
    };
    vec![Cmd::Session(request)]
}

/// The full compare alone (`c`, here or on the Compare screen).
pub fn compare_now(app: &mut App) -> Vec<Cmd> {
    app.go(Screen::Compare);
    start(app, Run::Compare)
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let busy = app.engine_busy;
    let over = app.catch_up.over;
    let st = &mut app.catch_up;
    match key.code {
        KeyCode::Enter if !busy && !over => Some(start(app, Run::Increment)),
        KeyCode::Char('a') if !over => Some(toggle_automatic(app)),
        KeyCode::Char('+') | KeyCode::Char('=') if st.automatic => {
            st.every_minutes = (st.every_minutes + 5).min(LONGEST_EVERY_MINUTES);
            Some(Vec::new())
        }
        KeyCode::Char('-') if st.automatic => {
            st.every_minutes = st
                .every_minutes
                .saturating_sub(5)
                .max(SHORTEST_EVERY_MINUTES);
            Some(Vec::new())
        }
        KeyCode::Char('x') if !busy && !over => {
            app.overlay = Overlay::ConfirmCutover;
            Some(Vec::new())
        }
        KeyCode::Char('c') if !busy => Some(compare_now(app)),
        KeyCode::Char('v') => {
            st.details = !st.details;
            st.scroll = 0;
            Some(Vec::new())
        }
        _ if scroll_key(&mut st.scroll, &key) => Some(Vec::new()),
        _ => None,
    }
}

/// `a`: automatic increments on (one starts now when nothing runs) or off (the one running
/// finishes; none follows).
fn toggle_automatic(app: &mut App) -> Vec<Cmd> {
    let st = &mut app.catch_up;
    st.automatic = !st.automatic;
    st.timer += 1;
    st.timer_armed = false;
    if st.automatic && !app.engine_busy {
        return start(app, Run::Increment);
    }
    Vec::new()
}

/// The cutover box's answer: `y` starts the cutover, any other key closes the box.
pub fn on_cutover_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    app.overlay = Overlay::None;
    if key.code != KeyCode::Char('y') || app.engine_busy {
        return Vec::new();
    }
    // The automatic increments end here: the cutover is the last one.
    app.catch_up.automatic = false;
    app.catch_up.timer += 1;
    start(app, Run::Cutover)
}

/// The automatic timer fired.
pub fn on_timer(app: &mut App, timer: u64) -> Vec<Cmd> {
    let st = &app.catch_up;
    if timer != st.timer || !st.automatic || !st.timer_armed || app.engine_busy {
        app.quiet = true;
        return Vec::new();
    }
    start(app, Run::Increment)
}

/// The one second clock (only while something runs) or the minute clock (idle, a lag on
/// screen): true when the lag's words changed.
pub fn on_tick(app: &mut App) -> bool {
    app.catch_up.refresh_lag(Instant::now())
}

/// True for the events this screen draws (the catch-up step's and the compare's).
pub fn is_its_event(event: &Event) -> bool {
    match event {
        Event::Info { step, .. }
        | Event::Warning { step, .. }
        | Event::JobStarted { step, .. }
        | Event::JobStatus { step, .. }
        | Event::StepStarted { step, .. }
        | Event::StepDone { step, .. }
        | Event::Call { step, .. } => *step == Step::CatchUp,
        Event::CatchUpWindow { .. }
        | Event::CatchUpProgress { .. }
        | Event::CatchUpApplied { .. }
        | Event::CompareProgress { .. }
        | Event::CompareFinished { .. } => true,
        _ => false,
    }
}

/// The engine's message while an increment waits for AWS's window.
const WAIT_PREFIX: &str = "the next increment can cover the writes up to ";

/// Folds one of the session's events into the screen's state.
pub fn on_event(app: &mut App, event: &Event) {
    let st = &mut app.catch_up;
    match event {
        Event::CatchUpWindow {
            number,
            from,
            to,
            cutover,
        } => {
            st.waiting_until = None;
            let inc = st.increment_mut(*number);
            inc.from = from.clone();
            inc.to = to.clone();
            inc.cutover = *cutover;
        }
        Event::JobStarted { arn, .. } => {
            if let Some(inc) = last_open(st) {
                inc.export_arn = Some(arn.clone());
            }
        }
        Event::JobStatus { status, .. } => {
            if let Some(inc) = last_open(st) {
                inc.export_status = Some(status.clone());
            }
        }
        Event::CatchUpProgress {
            number,
            items_applied,
            items_total,
            bytes_applied,
            bytes_total,
            items_per_sec,
            secs_left,
            ..
        } => {
            let inc = st.increment_mut(*number);
            inc.items_applied = *items_applied;
            inc.items_total = *items_total;
            inc.bytes_applied = *bytes_applied;
            inc.bytes_total = *bytes_total;
            inc.rate = Some((*items_per_sec, *secs_left));
            inc.listed = true;
            inc.export_status = Some("COMPLETED".into());
        }
        Event::CatchUpApplied {
            number,
            items,
            puts,
            deletes,
            failed,
            applied_until,
            lag_secs,
        } => {
            let inc = st.increment_mut(*number);
            inc.items_applied = *items;
            inc.items_total = inc.items_total.max(*items);
            inc.bytes_applied = inc.bytes_total.max(inc.bytes_applied);
            inc.puts = *puts;
            inc.deletes = *deletes;
            inc.failed = *failed;
            inc.applied = true;
            inc.rate = None;
            inc.listed = true;
            inc.export_status = Some("COMPLETED".into());
            if inc.to.is_empty() {
                inc.to = applied_until.clone();
            }
            st.lag = Some((*lag_secs, Instant::now()));
            st.refresh_lag(Instant::now());
        }
        Event::Warning {
            message,
            code,
            next,
            ..
        } => st.warnings.push((
            match code {
                Some(c) => format!("Warning [{c}]: {message}"),
                None => format!("Warning: {message}"),
            },
            next.clone().unwrap_or_default(),
        )),
        Event::Info { message, .. } => match message.strip_prefix(WAIT_PREFIX) {
            Some(rest) => {
                st.waiting_until = rest.split_whitespace().next().map(str::to_owned);
            }
            None => st.note = Some(message.clone()),
        },
        Event::CompareProgress {
            source_items,
            dest_items,
            ..
        } => {
            st.compare_read = Some((*source_items, *dest_items));
            if app.screen == Screen::CatchUp {
                app.go(Screen::Compare);
            }
        }
        Event::CompareFinished {
            equal,
            source_items,
            dest_items,
            differences,
            more_differences,
            expired_ttl,
        } => {
            st.compare = Some(CompareResult {
                equal: *equal,
                source_items: *source_items,
                dest_items: *dest_items,
                differences: differences.clone(),
                total_differences: differences.len() as u64 + more_differences,
                expired_ttl: *expired_ttl,
            });
            if app.screen == Screen::CatchUp {
                app.go(Screen::Compare);
            }
        }
        _ => {}
    }
}

/// The increment a job event is about: the last one not applied yet.
fn last_open(st: &mut State) -> Option<&mut Increment> {
    st.increments
        .iter_mut()
        .rev()
        .find(|i| !i.applied && !i.abandoned)
}

/// The session finished a request of this screen: the journal is taken, the compare's result
/// read from it when no event carried it, and the automatic timer armed.
pub fn on_ended(app: &mut App, outcome: Outcome) -> Vec<Cmd> {
    let Some(run) = app.catch_up.running.take() else {
        return Vec::new();
    };
    if let Some(j) = app.journal.clone() {
        app.catch_up.from_journal(&j);
        let fresh = j
            .catch_up
            .compare
            .as_ref()
            .filter(|c| Some(&c.at) != app.catch_up.compare_before.as_ref());
        if let (Some(c), None, Run::Compare | Run::Cutover) = (fresh, &app.catch_up.compare, run) {
            app.catch_up.compare = Some(CompareResult {
                equal: c.equal,
                source_items: c.source_items,
                dest_items: c.dest_items,
                differences: Vec::new(),
                total_differences: c.differences,
                expired_ttl: c.expired_ttl,
            });
        }
    }
    let st = &mut app.catch_up;
    st.outcome = Some(outcome);
    st.waiting_until = None;
    let fine = matches!(outcome, Outcome::Succeeded | Outcome::WritesFailed);
    if run == Run::Increment && st.automatic {
        if fine {
            st.timer += 1;
            st.timer_armed = true;
            return vec![Cmd::WakeAfter {
                after: Duration::from_secs(st.every_minutes * 60),
                timer: st.timer,
            }];
        }
        // A failure stops the automatic increments: the screen says why.
        st.automatic = false;
    }
    Vec::new()
}

/// Local clock words of an RFC 3339 time: "14:05".
pub fn clock(t: &str, offset: time::UtcOffset) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(t, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(offset);
            format!("{:02}:{:02}", t.hour(), t.minute())
        }
        Err(_) => t.to_owned(),
    }
}

/// Which clock the times are on, in words.
pub fn zone(offset: time::UtcOffset) -> String {
    if offset.is_utc() {
        "UTC".to_owned()
    } else {
        let (h, m, _) = offset.as_hms();
        format!(
            "your time, UTC{}{:02}:{:02}",
            if h < 0 || m < 0 { '-' } else { '+' },
            h.abs(),
            m.abs()
        )
    }
}

fn count(n: u64) -> String {
    grouped(n as i64)
}

/// An increment in two lines: its window, then where it stands.
fn increment_lines(inc: &Increment, offset: time::UtcOffset) -> Vec<Line<'static>> {
    let window = if inc.from.is_empty() {
        "window being chosen".to_owned()
    } else {
        format!(
            "{} → {} {}",
            clock(&inc.from, offset),
            clock(&inc.to, offset),
            zone(offset)
        )
    };
    let head = format!(
        "Increment {}{}: the source's writes {window}",
        inc.number,
        if inc.cutover { " (cutover)" } else { "" }
    );
    let stand = if inc.abandoned {
        "its export failed; the next increment exports the same writes again".to_owned()
    } else if inc.applied {
        format!(
            "applied: {} changes ({} written, {} deleted), {} · failed: {}",
            count(inc.items_applied),
            count(inc.puts),
            count(inc.deletes),
            human_bytes(inc.bytes_applied),
            count(inc.failed)
        )
    } else if let Some((rate, left)) = inc.rate {
        return vec![
            Line::from(head),
            Line::from(format!(
                "   applying: {} of {} changes, {} of {} · failed: {}",
                count(inc.items_applied),
                count(inc.items_total),
                human_bytes(inc.bytes_applied),
                human_bytes(inc.bytes_total),
                count(inc.failed)
            )),
            Line::from(format!(
                "   {} changes a second{}",
                count(rate),
                left.map_or(String::new(), |s| format!(
                    ", about {} left",
                    short_duration(Duration::from_secs(s))
                )),
            )),
        ];
    } else if inc.listed {
        format!(
            "exported: {} changes ({}) to apply",
            count(inc.items_total),
            human_bytes(inc.bytes_total)
        )
    } else {
        match inc.export_status.as_deref() {
            Some(s) => format!("AWS is exporting these writes ({s}); usually about 10 minutes"),
            None => "starting the export of these writes".to_owned(),
        }
    };
    let mut lines = vec![Line::from(head), Line::from(format!("   {stand}"))];
    lines.extend(
        inc.failures
            .iter()
            .map(|f| Line::from(format!("   not written: {f}"))),
    );
    if inc.failed > inc.failures.len() as u64 && !inc.failures.is_empty() {
        lines.push(Line::from(format!(
            "   … and {} more: the journal lists up to 100 with their keys (v)",
            count(inc.failed - inc.failures.len() as u64)
        )));
    }
    lines
}

/// The ARNs and folders (`v`), for the AWS console or the CLI.
fn detail_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(
        "Each increment's export (its ARN) and its files in S3 (v: back to the words):",
    )];
    let folder = journal(app).map(|j| {
        format!(
            "s3://{}/{}/catch-up/",
            j.plan.destination.bucket,
            j.export_prefix.trim_end_matches('/')
        )
    });
    for inc in &app.catch_up.increments {
        lines.push(Line::from(format!(
            "Increment {}: {}",
            inc.number,
            inc.export_arn.as_deref().unwrap_or("(not started yet)")
        )));
        if let Some(f) = &folder {
            lines.push(Line::from(format!("   {f}{:04}/", inc.number)));
        }
    }
    if let Some(j) = journal(app) {
        lines.push(Line::from(""));
        lines.push(Line::from(
            "The journal (JSON; its catch_up part holds every increment):",
        ));
        lines.push(Line::from(format!(
            "   {}/migrations/{}.json",
            app.state_dir.display(),
            j.id
        )));
        lines.push(Line::from(format!(
            "The same from a shell: ddb-ferry catch-up {} (--cutover when writes stopped)",
            j.id
        )));
        if let Ok(json) = serde_json::to_string_pretty(&j.catch_up) {
            lines.push(Line::from(""));
            lines.push(Line::from("The journal's catch_up record:"));
            lines.extend(json.lines().map(|l| Line::from(l.to_owned())));
        }
    }
    lines
}

/// What catch-up does, in plain words, first.
const INTRO: &str = "Catch-up copies into the new table the writes your application keeps making to the source, one increment at a time; the source keeps working as usual. Each increment is an incremental export (small; billed by the size of the changes) read from the source's PITR, which stays on until the cutover.";

/// The state line under the lag: what runs, what is awaited, what follows.
fn status_words(app: &App) -> String {
    let st = &app.catch_up;
    let offset = app.utc_offset;
    if st.over {
        return "Catch-up is over: the cutover's compare found both tables equal (c: compare again).".to_owned();
    }
    if let Some(until) = &st.waiting_until {
        return format!(
            "Waiting for AWS: an increment covers at least 15 minutes of writes, and AWS's latest restorable time trails now by about five minutes; this one can start once AWS's clock passes {} {}. Nothing to do meanwhile.",
            clock(until, offset),
            zone(offset)
        );
    }
    match st.running {
        Some(Run::Cutover) => {
            return "Cutover: the last increment covers every write until you said writes stopped; then both tables are compared in full. Roughly 15–30 minutes.".to_owned()
        }
        Some(Run::Increment) => {
            return match st.current() {
                Some(i) if i.rate.is_some() => {
                    format!("Increment {}: applying the changes to the new table.", i.number)
                }
                Some(i) => format!("Increment {}: AWS exports the writes of its window.", i.number),
                None => "Choosing the next window of writes…".to_owned(),
            }
        }
        _ => {}
    }
    if app.failure.is_some() {
        return "The last run stopped: what happened, why and what to do are below.".to_owned();
    }
    let mut s = match st.outcome {
        Some(Outcome::Succeeded) => "The last increment is applied. ".to_owned(),
        Some(Outcome::WritesFailed) => {
            "The last increment is applied, but some writes could not be made (failed, below). "
                .to_owned()
        }
        Some(Outcome::Interrupted) | None => String::new(),
        Some(_) => "The last run stopped (see the problem below). ".to_owned(),
    };
    if st.automatic {
        s.push_str(&format!(
            "Automatic: an increment every {} min (a: stop; +/-: change). ",
            st.every_minutes
        ));
    } else if st.increments.iter().all(|i| !i.applied) {
        s.push_str("Enter catches up now. ");
    }
    s.push_str("When you are ready to switch, stop the writes and press x.");
    s
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.catch_up;
    let width = area.width.saturating_sub(2) as usize;
    let intro = text::wrap(INTRO, width);
    let status = text::wrap(&status_words(app), width);
    let gauge = st.current().filter(|i| i.rate.is_some()).cloned();
    let top_height = 2
        + intro.len() as u16
        + 1
        + big_text::HEIGHT
        + status.len() as u16
        + u16::from(gauge.is_some());
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Min(4)]).areas(area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", Screen::CatchUp.title()));
    let inner = block.inner(top);
    f.render_widget(block, top);
    let [intro_area, _, lag_area, status_area, gauge_area] = Layout::vertical([
        Constraint::Length(intro.len() as u16),
        Constraint::Length(1),
        Constraint::Length(big_text::HEIGHT),
        Constraint::Length(status.len() as u16),
        Constraint::Length(u16::from(gauge.is_some())),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(intro.into_iter().map(Line::from).collect::<Vec<_>>()),
        intro_area,
    );
    render_lag(app, f, lag_area);
    f.render_widget(
        Paragraph::new(status.into_iter().map(Line::from).collect::<Vec<_>>()),
        status_area,
    );
    if let Some(i) = gauge {
        let ratio = if i.items_total == 0 {
            0.0
        } else {
            (i.items_applied as f64 / i.items_total as f64).min(1.0)
        };
        f.render_widget(
            Gauge::default().ratio(ratio).label(format!(
                "increment {}: {} of {} changes",
                i.number,
                count(i.items_applied),
                count(i.items_total)
            )),
            gauge_area,
        );
    }
    if let Some(fail) = &app.failure {
        failure::render(f, bottom, fail);
        return;
    }
    let warnings: Vec<Line> = st
        .warnings
        .iter()
        .flat_map(|(what, next)| {
            let mut l = vec![Line::from(what.clone()).style(crate::tui::theme::problem())];
            if !next.is_empty() {
                l.push(Line::from(format!("  next: {next}")));
            }
            l
        })
        .collect();
    let lines = if st.details {
        detail_lines(app)
    } else if st.increments.is_empty() {
        vec![
            Line::from("No increment yet. Enter runs the first: it exports the writes made since the full export and applies them here."),
            Line::from(""),
            Line::from("What stays behind: each increment's files stay in the bucket (S3 storage, billed per GB-month) until you delete them; the Verify screen lists the commands."),
        ]
    } else {
        let mut lines: Vec<Line> = st
            .increments
            .iter()
            .rev()
            .flat_map(|i| increment_lines(i, app.utc_offset))
            .collect();
        lines.push(Line::from(""));
        lines.push(Line::from("What stays behind: each increment's files stay in the bucket (S3 storage, billed per GB-month) until you delete them; the Verify screen lists the commands."));
        lines
    };
    let lines = if st.details {
        lines
    } else {
        warnings.into_iter().chain(lines).collect()
    };
    let title = if st.details {
        "Increments: ARNs & folders"
    } else {
        "Increments, newest first"
    };
    render_scrolled(f, bottom, title, false, lines, st.scroll);
}

/// The lag in large digits, its meaning beside it.
fn render_lag(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.catch_up;
    let offset = app.utc_offset;
    let until = st
        .increments
        .iter()
        .rev()
        .find(|i| i.applied)
        .map(|i| i.to.clone());
    let Some(lag) = &st.lag_text else {
        let words = match &until {
            Some(t) => format!(
                "The new table holds every write made before {} {}; the lag is measured when the next increment ends.",
                clock(t, offset),
                zone(offset)
            ),
            None => "No increment yet: the new table holds the source as it was at the full export.".to_owned(),
        };
        f.render_widget(Paragraph::new(words).wrap(Wrap { trim: true }), area);
        return;
    };
    let big_width = big_text::width(lag) + 3;
    let [big, words] =
        Layout::horizontal([Constraint::Length(big_width), Constraint::Min(10)]).areas(area);
    big_text::render(f, big, lag, Style::default().add_modifier(Modifier::BOLD));
    let mut lines = vec![Line::from("behind the source (AWS's clock)")];
    if let Some(t) = &until {
        lines.push(Line::from(format!(
            "the new table holds every write before {} {}",
            clock(t, offset),
            zone(offset)
        )));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), words);
}

/// The engine said this migration cannot be caught up (PITR no longer covers the next
/// window): the keys that would only be refused again are not offered.
fn cannot_continue(app: &App) -> bool {
    app.failure.as_ref().is_some_and(|f| {
        matches!(
            f.code.as_str(),
            "catch-up-pitr-gap" | "catch-up-needs-s3-road" | "catch-up-keys-differ"
        )
    })
}

/// The keys of the Catch-up screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.catch_up;
    let busy = app.engine_busy;
    let mut hints = Vec::new();
    if st.over {
        hints.push(hint("c", "compare again"));
    } else if !cannot_continue(app) {
        if !busy {
            hints.push(hint("Enter", "catch up"));
            hints.push(hint("x", "cutover"));
        }
        hints.push(hint(
            "a",
            if st.automatic {
                "stop automatic".to_owned()
            } else {
                format!("every {} min", st.every_minutes)
            },
        ));
        if st.automatic {
            hints.push(hint("+/-", "minutes"));
        }
        if !busy {
            hints.push(hint("c", "compare"));
        }
    }
    hints.push(hint(
        "v",
        if st.details {
            "words"
        } else {
            "ARNs & folders"
        },
    ));
    hints.push(hint("PgUp/PgDn", "scroll"));
    if !busy {
        hints.push(hint("Esc", "back to Verify"));
    }
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "Catch-up copies the writes your application still makes to the source into the new table. Each increment exports the writes of a window of time (at least 15 minutes, read from the source's PITR) and applies them: new and changed items written, deleted items deleted.",
    "Costs: an incremental export is billed by the size of the changes; PITR stays on at the source until the cutover (per GB-month of the table); each increment's files stay in the bucket until you delete them.",
    "The large number is the lag, on AWS's clock. Cutover (x): stop the writes to the source and say so; the last increment covers them (roughly 15–30 minutes), then both tables are compared. Equal: your application can write to the new table.",
    "q while something runs: an increment's export goes on in AWS; reopening ddb-ferry continues.",
];

/// The Quit? box over these screens: what goes on, what stops, and how to come back.
pub fn quit_box_lines(app: &App) -> Vec<String> {
    let what = if !app.engine_busy && app.catch_up.automatic {
        "Automatic catch-up stops when you quit: no further increment starts until you open this migration again (reopening ddb-ferry offers it, on the Catch-up screen)."
    } else if app.catch_up.running == Some(Run::Compare)
        || (app.catch_up.compare_read.is_some() && app.screen == Screen::Compare)
    {
        "The compare reads both tables from here: quitting stops it, and nothing was changed. Reopening ddb-ferry offers this migration again; c compares again."
    } else {
        "An increment's export may be running in AWS: it keeps running after you quit, and the changes already applied are kept. Reopening ddb-ferry offers this migration again, on the Catch-up screen, and continues the increment."
    };
    vec![
        what.to_owned(),
        String::new(),
        "y: quit    any other key: stay    ?: help".to_owned(),
    ]
}

/// The cutover box: the question, and what the answer starts.
pub fn cutover_box_lines() -> Vec<String> {
    vec![
        "Have writes to the source stopped?".to_owned(),
        String::new(),
        "Stop your application's writes to the source table first. The last increment then covers every write made until now (AWS's clock). It takes roughly 15–30 minutes: AWS's restorable time trails now by about five minutes, and the export takes about ten.".to_owned(),
        "Then both tables are compared in full, item by item. When they are equal, catch-up is over: point your application at the new table.".to_owned(),
        String::new(),
        "y: yes, writes have stopped    any other key: not yet    ?: help".to_owned(),
    ]
}

pub const CUTOVER_HELP: &[&str] = &[
    "The cutover ends catch-up. Writes that reach the source after the moment you answer y are not copied, so stop them first (stop the application, or point it at nothing for a while). Reads may go on.",
    "Answering y notes the moment on AWS's clock, runs increments until that moment is covered, then compares every item of both tables. If the compare finds differences, they are listed and catch-up stays open: fix the cause, then cut over again.",
];
