//! The fleet as the dashboard shows it: one line per table, folded from the fleet's events
//! (and, for counts and job ids, from a table's journal read in the task layer). Plain data
//! and plain code: no clock, no terminal, no I/O, so every rule is tested directly.

use std::collections::HashMap;

use crate::aws::explain::AwsFailure;
use crate::engine::events::{Event, Outcome};
use crate::engine::fleet::journal::FleetJournal;
use crate::engine::fleet::outcome::TableResult;
use crate::engine::fleet::runner::PitrLeftOn;
use crate::engine::fleet::survey::Survey;
use crate::engine::fleet::{FleetEvent, FleetNote};
use crate::engine::journal::{Journal, MigrationState, Step};

/// Lines of a table's own log kept for its panel.
const LOG_LINES: usize = 12;

/// Where a table stands, in the order the dashboard lists them: failures first, then what
/// runs, then what waits, then what moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    Failed,
    Running,
    Waiting,
    Moved,
}

/// One AWS job of a table (its export or its import).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Job {
    pub kind: String,
    pub arn: Option<String>,
    /// As AWS says it: IN_PROGRESS, COMPLETED, FAILED…
    pub status: Option<String>,
    /// When AWS says it started (RFC 3339).
    pub started_at: Option<String>,
}

/// One table of the fleet.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub table: String,
    pub new_table: String,
    pub migration_id: String,
    /// The step it runs (or stopped at).
    pub step: Option<Step>,
    pub steps_done: Vec<Step>,
    /// Its jobs in the order they started; the last one is the latest.
    pub jobs: Vec<Job>,
    /// Items moved so far: counted in the new table, else imported, else exported.
    pub items: Option<i64>,
    /// Items the import rejected.
    pub rejected: Option<i64>,
    pub warnings: usize,
    pub failure: Option<AwsFailure>,
    pub outcome: Option<Outcome>,
    /// Moved in an earlier run and left alone.
    pub earlier: bool,
    /// Waits for a free slot under the fleet's limits.
    pub queued: bool,
    /// Ready to export: waits for the other tables (the fleet's one export time).
    pub ready: bool,
    /// An event of this run has been seen (a journal read then only adds what events lack).
    pub seen: bool,
    /// Its latest log lines, oldest first.
    pub log: Vec<String>,
}

impl Line {
    fn new(table: &str) -> Line {
        Line {
            table: table.to_owned(),
            new_table: table.to_owned(),
            ..Line::default()
        }
    }

    pub fn standing(&self) -> Standing {
        match self.outcome {
            Some(Outcome::Succeeded | Outcome::DryRun) => return Standing::Moved,
            Some(Outcome::Interrupted) if self.failure.is_none() => return Standing::Waiting,
            Some(Outcome::Paused) | None => {}
            Some(_) => return Standing::Failed,
        }
        if self.failure.is_some() {
            Standing::Failed
        } else if self.queued || self.ready || self.step.is_none() {
            Standing::Waiting
        } else {
            Standing::Running
        }
    }

    /// The latest job, if any started.
    pub fn job(&self) -> Option<&Job> {
        self.jobs.last()
    }

    /// The job of this kind, created when first heard of.
    fn job_mut(&mut self, kind: &str) -> &mut Job {
        match self.jobs.iter().position(|j| j.kind == kind) {
            Some(i) => &mut self.jobs[i],
            None => {
                self.jobs.push(Job {
                    kind: kind.to_owned(),
                    ..Job::default()
                });
                let last = self.jobs.len() - 1;
                &mut self.jobs[last]
            }
        }
    }

    /// The running job, whose elapsed time the line shows.
    pub fn running_job(&self) -> Option<&Job> {
        self.job()
            .filter(|_| self.standing() == Standing::Running)
            .filter(|j| !matches!(j.status.as_deref(), Some("COMPLETED" | "FAILED")))
    }

    /// The status words of the line: the job's status as AWS says it while one runs, else
    /// what the table does.
    pub fn status(&self) -> String {
        match self.standing() {
            Standing::Moved if self.earlier => "moved before".to_owned(),
            Standing::Moved => "moved".to_owned(),
            Standing::Failed => match &self.failure {
                Some(f) => format!("FAILED {}", f.code),
                None => "FAILED".to_owned(),
            },
            Standing::Waiting if self.outcome == Some(Outcome::Interrupted) => "stopped".to_owned(),
            Standing::Waiting if self.queued => "waits for a slot".to_owned(),
            Standing::Waiting if self.ready => "ready, waits".to_owned(),
            Standing::Waiting => "waiting".to_owned(),
            Standing::Running => match self.running_job().and_then(|j| j.status.clone()) {
                Some(status) => status,
                None => "running".to_owned(),
            },
        }
    }

    fn push_log(&mut self, line: String) {
        if self.log.last() == Some(&line) {
            return;
        }
        self.log.push(line);
        if self.log.len() > LOG_LINES {
            self.log.remove(0);
        }
    }

    /// The table runs (again): what an earlier run ended with no longer holds.
    fn running_again(&mut self) {
        self.failure = None;
        self.outcome = None;
        self.earlier = false;
    }
}

/// What an event changed: nothing on screen, only the table's own panel, or its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    None,
    Panel,
    Line,
}

/// How the fleet ended.
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: Outcome,
    pub retry_command: Option<String>,
    pub pitr_left_on: Vec<PitrLeftOn>,
}

/// Counts for the header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub moved: usize,
    pub running: usize,
    pub waiting: usize,
    pub failed: usize,
    pub warnings: usize,
}

/// The whole fleet.
#[derive(Debug, Clone, Default)]
pub struct FleetModel {
    pub fleet_id: String,
    pub journal_path: Option<String>,
    /// The tables in the fleet's order.
    pub lines: Vec<Line>,
    index: HashMap<String, usize>,
    /// The summary the run printed before anything started (figures are estimates).
    pub survey: Option<Survey>,
    pub export_time: Option<String>,
    /// A failure of a whole side that stopped the fleet, and the table that met it.
    pub stopping: Option<(String, AwsFailure)>,
    /// The fleet was refused before any table ran.
    pub refused: Option<AwsFailure>,
    pub finished: Option<Finished>,
}

impl FleetModel {
    /// Every table of the fleet's journal, waiting.
    pub fn of(journal: &FleetJournal) -> FleetModel {
        let mut model = FleetModel {
            fleet_id: journal.id.clone(),
            export_time: journal.export_time.clone(),
            ..FleetModel::default()
        };
        for m in &journal.members {
            let line = model.line_mut(&m.source_table);
            line.new_table = m.new_table.clone();
            line.migration_id = m.id.clone();
        }
        model
    }

    pub fn line(&self, table: &str) -> Option<&Line> {
        self.index.get(table).map(|i| &self.lines[*i])
    }

    fn line_mut(&mut self, table: &str) -> &mut Line {
        let i = match self.index.get(table) {
            Some(i) => *i,
            None => {
                self.lines.push(Line::new(table));
                let i = self.lines.len() - 1;
                self.index.insert(table.to_owned(), i);
                i
            }
        };
        &mut self.lines[i]
    }

    /// The lines in the dashboard's order: failures, running, waiting, moved; the fleet's
    /// order within each.
    pub fn order(&self) -> Vec<&Line> {
        let mut sorted: Vec<&Line> = self.lines.iter().collect();
        sorted.sort_by_key(|l| l.standing());
        sorted
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for l in &self.lines {
            match l.standing() {
                Standing::Moved => t.moved += 1,
                Standing::Running => t.running += 1,
                Standing::Waiting => t.waiting += 1,
                Standing::Failed => t.failed += 1,
            }
            t.warnings += l.warnings;
        }
        t
    }

    /// Folds one event of the fleet in; says what it changed.
    pub fn apply(&mut self, event: &FleetEvent) -> Change {
        match event {
            FleetEvent::Table { table, event } if table.is_empty() => match event {
                Event::Failed { failure, .. } => {
                    self.refused = Some(failure.clone());
                    Change::Line
                }
                _ => Change::None,
            },
            FleetEvent::Table { table, event } => self.apply_table(table, event),
            FleetEvent::Fleet(note) => self.apply_note(note),
        }
    }

    fn apply_table(&mut self, table: &str, event: &Event) -> Change {
        let line = self.line_mut(table);
        line.seen = true;
        match event {
            Event::StepStarted { step, .. } => {
                line.running_again();
                line.ready = false;
                line.step = Some(*step);
                Change::Line
            }
            Event::StepDone { step, summary } => {
                if !line.steps_done.contains(step) {
                    line.steps_done.push(*step);
                }
                // After its first steps a table waits for the fleet's one export time.
                if *step == Step::Bucket {
                    line.ready = true;
                }
                line.push_log(summary.clone());
                Change::Line
            }
            Event::Info { step, message } => {
                let queued = matches!(step, Step::Export | Step::Import)
                    && message.starts_with("waiting for a free slot");
                line.push_log(message.clone());
                if queued && !line.queued {
                    line.queued = true;
                    return Change::Line;
                }
                Change::Panel
            }
            Event::Warning { message, .. } => {
                line.warnings += 1;
                line.push_log(format!("warning: {message}"));
                Change::Line
            }
            Event::Call { operation, .. } => {
                line.push_log(format!("called {operation}"));
                Change::Panel
            }
            Event::JobStarted { job, arn, .. } => {
                line.running_again();
                line.queued = false;
                line.ready = false;
                let j = line.job_mut(job);
                j.arn = Some(arn.clone());
                // The job this line shows is the one started last.
                if let Some(i) = line.jobs.iter().position(|j| j.kind == *job) {
                    let started = line.jobs.remove(i);
                    line.jobs.push(started);
                }
                Change::Line
            }
            Event::JobStatus {
                job,
                status,
                started_at,
                ..
            } => {
                let j = line.job_mut(job);
                let before = j.clone();
                j.status = Some(status.clone());
                if started_at.is_some() {
                    j.started_at = started_at.clone();
                }
                if *j == before {
                    Change::None
                } else {
                    Change::Line
                }
            }
            Event::Failed { step, failure } => {
                line.step = Some(*step);
                line.failure = Some(failure.clone());
                line.push_log(format!("failed: {}", failure.what));
                Change::Line
            }
            Event::Finished { outcome, .. } => {
                line.outcome = Some(*outcome);
                Change::Line
            }
            _ => Change::None,
        }
    }

    fn apply_note(&mut self, note: &FleetNote) -> Change {
        match note {
            FleetNote::FleetStarted {
                fleet_id, journal, ..
            } => {
                self.fleet_id = fleet_id.clone();
                self.journal_path = Some(journal.clone());
                Change::Line
            }
            FleetNote::FleetSummary { survey, .. } => {
                for row in &survey.rows {
                    self.line_mut(&row.table).new_table = row.new_table.clone();
                }
                self.survey = Some(survey.clone());
                Change::Line
            }
            FleetNote::ExportTimeFixed { export_time } => {
                self.export_time = Some(export_time.clone());
                Change::Line
            }
            FleetNote::TableFinished { result } => {
                self.finish_table(result);
                Change::Line
            }
            FleetNote::FleetStopping { table, failure } => {
                self.stopping = Some((table.clone(), failure.clone()));
                Change::Line
            }
            FleetNote::FleetFinished {
                outcome,
                retry_command,
                pitr_left_on,
                ..
            } => {
                self.finished = Some(Finished {
                    outcome: *outcome,
                    retry_command: retry_command.clone(),
                    pitr_left_on: pitr_left_on.clone(),
                });
                Change::Line
            }
        }
    }

    fn finish_table(&mut self, result: &TableResult) {
        let line = self.line_mut(&result.table);
        line.new_table = result.new_table.clone();
        line.migration_id = result.migration_id.clone();
        line.outcome = Some(result.outcome);
        line.step = Some(result.step);
        line.earlier = result.earlier;
        line.queued = false;
        line.ready = false;
        if result.failure.is_some() {
            line.failure = result.failure.clone();
        }
    }

    /// Takes what a table's journal knows and the events did not say: its counts, its
    /// jobs' ids and start times, and — before any event of this run — where it stands.
    pub fn apply_journal(&mut self, table: &str, journal: &Journal) -> Change {
        let line = self.line_mut(table);
        let before = (
            line.items,
            line.rejected,
            line.jobs.clone(),
            line.step,
            line.outcome,
            line.failure.is_some(),
        );
        line.migration_id = journal.id.clone();
        line.new_table = journal.plan.table.name.clone();
        let verify = journal.verify.as_ref();
        line.items = verify
            .and_then(|v| v.counted_items)
            .or(journal.import.as_ref().and_then(|i| i.item_count))
            .or(journal.export.as_ref().and_then(|e| e.item_count))
            .or(line.items);
        line.rejected = journal
            .import
            .as_ref()
            .and_then(|i| i.error_count)
            .or(line.rejected);
        for (kind, record) in [("export", &journal.export), ("import", &journal.import)] {
            let Some(r) = record else { continue };
            let known = line.jobs.iter().any(|j| j.kind == kind);
            let job = line.job_mut(kind);
            if job.arn.is_none() {
                job.arn = r.arn.clone();
            }
            if job.started_at.is_none() {
                job.started_at = r.started_at.clone();
            }
            if !known || job.status.is_none() {
                job.status = r.status.clone();
            }
        }
        if !line.seen {
            match journal.state {
                MigrationState::Succeeded => line.outcome = Some(Outcome::Succeeded),
                MigrationState::Failed => line.failure = journal.failure.clone(),
                _ => {}
            }
            if !journal.history.is_empty() {
                line.step = Some(journal.step);
            }
            for &s in crate::engine::session::steps_of(crate::engine::plan::Via::S3) {
                if s < journal.step && !line.steps_done.contains(&s) {
                    line.steps_done.push(s);
                }
            }
        }
        let after = (
            line.items,
            line.rejected,
            line.jobs.clone(),
            line.step,
            line.outcome,
            line.failure.is_some(),
        );
        if before == after {
            Change::Panel
        } else {
            Change::Line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::explain::FailureKind;
    use crate::engine::fleet::members::Member;

    fn model(tables: &[&str]) -> FleetModel {
        let plan = crate::engine::fleet::FleetPlan::parse(
            r#"{"source":{"profile":"a"},"destination":{"profile":"b","bucket":"bkt-one"},"tables":["orders"]}"#,
            "f",
        )
        .expect("a plan");
        let mut journal = FleetJournal::new(plan, "fleet-x".into(), None, None);
        journal.members = tables
            .iter()
            .map(|t| Member {
                source_table: (*t).into(),
                new_table: format!("{t}-new"),
                id: format!("fleet-x--{t}"),
            })
            .collect();
        FleetModel::of(&journal)
    }

    fn on(table: &str, event: Event) -> FleetEvent {
        FleetEvent::Table {
            table: table.into(),
            event,
        }
    }

    fn status(job: &'static str, status: &str) -> Event {
        Event::JobStatus {
            step: if job == "export" {
                Step::Export
            } else {
                Step::Import
            },
            job,
            status: status.into(),
            started_at: Some("2026-01-01T00:00:00Z".into()),
            elapsed_secs: 0,
            next_check_secs: 30,
            percent_done: None,
            expected_minutes: None,
        }
    }

    fn finished(table: &str, outcome: Outcome, failure: Option<AwsFailure>) -> FleetEvent {
        FleetEvent::Fleet(FleetNote::TableFinished {
            result: TableResult {
                table: table.into(),
                new_table: format!("{table}-new"),
                migration_id: format!("fleet-x--{table}"),
                outcome,
                step: Step::Import,
                failure,
                earlier: false,
            },
        })
    }

    fn taken() -> AwsFailure {
        AwsFailure::new(
            "table-exists",
            FailureKind::AwsRefused,
            "the new table exists",
            "why",
            "next",
        )
    }

    #[test]
    fn every_table_waits_until_its_first_step() {
        let m = model(&["a", "b"]);
        assert_eq!(m.lines.len(), 2);
        assert!(m.lines.iter().all(|l| l.standing() == Standing::Waiting));
        assert_eq!(m.lines[0].new_table, "a-new");
        assert_eq!(m.totals().waiting, 2);
    }

    #[test]
    fn a_job_shows_its_aws_status_and_a_repeated_status_changes_nothing() {
        let mut m = model(&["a"]);
        m.apply(&on(
            "a",
            Event::StepStarted {
                step: Step::Export,
                title: "Export",
            },
        ));
        assert_eq!(m.lines[0].status(), "running");
        let started = Event::JobStarted {
            step: Step::Export,
            job: "export",
            arn: "arn:export/1".into(),
            reattached: false,
        };
        assert_eq!(m.apply(&on("a", started)), Change::Line);
        assert_eq!(
            m.apply(&on("a", status("export", "IN_PROGRESS"))),
            Change::Line
        );
        assert_eq!(m.lines[0].status(), "IN_PROGRESS");
        assert_eq!(m.lines[0].standing(), Standing::Running);
        assert_eq!(
            m.apply(&on("a", status("export", "IN_PROGRESS"))),
            Change::None,
            "nothing to redraw"
        );
        let job = m.lines[0].running_job().expect("a running job");
        assert_eq!(job.started_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn the_latest_job_is_the_one_started_last() {
        let mut m = model(&["a"]);
        for job in ["export", "import"] {
            m.apply(&on(
                "a",
                Event::JobStarted {
                    step: Step::Import,
                    job,
                    arn: format!("arn:{job}"),
                    reattached: false,
                },
            ));
        }
        m.apply(&on("a", status("export", "COMPLETED")));
        assert_eq!(m.lines[0].job().map(|j| j.kind.as_str()), Some("import"));
    }

    #[test]
    fn failures_come_first_then_running_waiting_and_moved() {
        let mut m = model(&["moved", "waits", "runs", "fails"]);
        m.apply(&finished("moved", Outcome::Succeeded, None));
        m.apply(&on(
            "runs",
            Event::StepStarted {
                step: Step::Preflight,
                title: "",
            },
        ));
        m.apply(&finished("fails", Outcome::AwsRefused, Some(taken())));
        let order: Vec<&str> = m.order().iter().map(|l| l.table.as_str()).collect();
        assert_eq!(order, ["fails", "runs", "waits", "moved"]);
        assert_eq!(m.lines[3].status(), "FAILED table-exists");
        let t = m.totals();
        assert_eq!((t.failed, t.running, t.waiting, t.moved), (1, 1, 1, 1));
    }

    #[test]
    fn a_table_waits_for_the_export_time_and_for_a_slot() {
        let mut m = model(&["a"]);
        m.apply(&on(
            "a",
            Event::StepDone {
                step: Step::Bucket,
                summary: "bucket ready".into(),
            },
        ));
        assert_eq!(m.lines[0].status(), "ready, waits");
        m.apply(&on(
            "a",
            Event::StepStarted {
                step: Step::Export,
                title: "",
            },
        ));
        let change = m.apply(&on(
            "a",
            Event::Info {
                step: Step::Export,
                message: "waiting for a free slot: the fleet runs at most 3 exports at once".into(),
            },
        ));
        assert_eq!(change, Change::Line);
        assert_eq!(m.lines[0].status(), "waits for a slot");
        m.apply(&on(
            "a",
            Event::JobStarted {
                step: Step::Export,
                job: "export",
                arn: "arn".into(),
                reattached: false,
            },
        ));
        assert_eq!(m.lines[0].standing(), Standing::Running);
    }

    #[test]
    fn an_info_line_changes_only_the_tables_panel() {
        let mut m = model(&["a"]);
        let change = m.apply(&on(
            "a",
            Event::Info {
                step: Step::Pitr,
                message: "waiting for PITR to be ENABLED".into(),
            },
        ));
        assert_eq!(change, Change::Panel);
        assert_eq!(m.lines[0].log, ["waiting for PITR to be ENABLED"]);
    }

    #[test]
    fn warnings_are_counted_and_a_fleet_refused_says_why() {
        let mut m = model(&["a"]);
        m.apply(&on(
            "a",
            Event::Warning {
                step: Step::Bucket,
                message: "public access".into(),
                code: None,
                why: None,
                next: None,
            },
        ));
        assert_eq!(m.totals().warnings, 1);
        m.apply(&on(
            "",
            Event::Failed {
                step: Step::Preflight,
                failure: taken(),
            },
        ));
        assert_eq!(
            m.refused.as_ref().map(|f| f.code.as_str()),
            Some("table-exists")
        );
        assert_eq!(m.lines.len(), 1, "no line for the fleet itself");
    }

    #[test]
    fn a_table_that_failed_before_runs_again_clean() {
        let mut m = model(&["a"]);
        m.apply(&finished("a", Outcome::AwsRefused, Some(taken())));
        assert_eq!(m.lines[0].standing(), Standing::Failed);
        m.apply(&on(
            "a",
            Event::StepStarted {
                step: Step::Import,
                title: "",
            },
        ));
        assert_eq!(m.lines[0].standing(), Standing::Running);
        assert!(m.lines[0].failure.is_none());
    }

    #[test]
    fn a_journal_gives_counts_and_ids_but_never_goes_back_on_events() {
        let mut m = model(&["a", "b"]);
        let plan = crate::engine::plan::Plan::parse(
            r#"{"source":{"profile":"a","table":"aaa"},"destination":{"profile":"b","bucket":"bkt-one"},"table":{"name":"aaa-new"}}"#,
            "p",
        )
        .expect("a plan");
        let mut j = crate::engine::new_journal(plan, "fleet-x--a".into(), None, None);
        j.step = Step::Verify;
        j.history.push(crate::engine::journal::HistoryEntry {
            at: "2026-01-01T00:00:00Z".into(),
            step: Step::Import,
            what: "import started".into(),
            cli: None,
        });
        j.export = Some(crate::engine::journal::JobRecord {
            arn: Some("arn:export".into()),
            status: Some("COMPLETED".into()),
            item_count: Some(40),
            ..Default::default()
        });
        j.import = Some(crate::engine::journal::JobRecord {
            arn: Some("arn:import".into()),
            status: Some("COMPLETED".into()),
            item_count: Some(39),
            error_count: Some(1),
            ..Default::default()
        });
        j.state = MigrationState::Succeeded;
        assert_eq!(m.apply_journal("a", &j), Change::Line);
        let a = m.line("a").expect("a line");
        assert_eq!((a.items, a.rejected), (Some(39), Some(1)));
        assert_eq!(
            a.standing(),
            Standing::Moved,
            "read before any event: it moved"
        );
        assert!(a.steps_done.contains(&Step::Import));
        assert_eq!(a.jobs.len(), 2);

        // Events of this run came first for b: the journal adds counts only.
        m.apply(&on(
            "b",
            Event::StepStarted {
                step: Step::Import,
                title: "",
            },
        ));
        let mut jb = j.clone();
        jb.id = "fleet-x--b".into();
        jb.state = MigrationState::Interrupted;
        m.apply_journal("b", &jb);
        let b = m.line("b").expect("b");
        assert_eq!(b.standing(), Standing::Running);
        assert_eq!(b.items, Some(39));
    }
}
