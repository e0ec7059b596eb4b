//! Runs a fleet: resolves its tables once, surveys and prices them, then drives one ordinary
//! session per table, concurrently, in two phases. First every table runs up to its export
//! (preflight, PITR, the shared bucket policy one table at a time); then the fleet fixes the
//! one export time of all (the plan's, or now, once every table's PITR is on, so the time is
//! inside every table's window) and every table goes on to the end, its export and import
//! waiting for a slot under the fleet's limits. A table's own failure ends that table; a
//! failure of a side (credentials, network, the bucket) stops the fleet, leaving running jobs
//! to AWS and every journal consistent for the next run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use super::journal::FleetJournal;
use super::limits::{Limiter, Resolved};
use super::link::FleetLink;
use super::members::{
    duplicate_new_names, fleet_folder, member_export_prefix, member_plan, members, resolve_tables,
    Member,
};
use super::outcome::{fleet_outcome, is_side_wide, TableResult};
use super::survey::{row, Regions, Survey};
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::session::{load_side, region_of, NetworkLimits, SideSpec};
use crate::engine::cli_equivalent::{side_args, update_pitr};
use crate::engine::events::{Event, EventSink, Outcome};
use crate::engine::jobs::board::JobBoards;
use crate::engine::journal::{now_rfc3339, FleetMembership, Journal, MigrationState, Step};
use crate::engine::lock::{LockError, MigrationLock};
use crate::engine::new_journal;
use crate::engine::session::{Answers, Session};
use crate::engine::steps::pitr::enable_pitr_and_wait;
use crate::logic::cost::Prices;

/// Tables that run their first steps (preflight, PITR, the bucket) at once: each is a few
/// quick calls, and AWS counts table operations per account.
const PREPARING_AT_ONCE: usize = 8;

/// What a fleet tells its driver: a table's own event, or the fleet's.
#[derive(Debug, Clone)]
pub enum FleetEvent {
    Table { table: String, event: Event },
    Fleet(FleetNote),
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum FleetNote {
    FleetStarted {
        fleet_id: String,
        journal: String,
        tables: usize,
        resumed: bool,
        dry_run: bool,
    },
    /// Before anything starts: every table and the totals, priced, labelled as estimates.
    FleetSummary {
        lines: Vec<String>,
        survey: Survey,
        limits: Resolved,
    },
    /// The export time every table uses.
    ExportTimeFixed { export_time: String },
    TableFinished {
        #[serde(flatten)]
        result: TableResult,
    },
    /// A failure of a whole side: the other tables are stopped (their jobs go on in AWS).
    FleetStopping { table: String, failure: AwsFailure },
    FleetFinished {
        outcome: Outcome,
        exit_code: i32,
        succeeded: usize,
        failed: usize,
        results: Vec<TableResult>,
        /// The one command that takes up the failed and unfinished tables only.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_command: Option<String>,
        peak_exports: u32,
        peak_imports: u32,
        /// Tables not moved whose PITR the fleet turned on: it stays on (and billed) until
        /// they are moved (then turned off as usual) or someone turns it off.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pitr_left_on: Vec<PitrLeftOn>,
    },
}

/// PITR the fleet turned on for a table that was not moved, and how to turn it off.
#[derive(Debug, Clone, Serialize)]
pub struct PitrLeftOn {
    pub table: String,
    pub turn_off: String,
}

/// How a fleet run is set up by its driver.
pub struct FleetRun {
    pub state_dir: PathBuf,
    pub dry_run: bool,
    pub prices: Prices,
    pub events: mpsc::UnboundedSender<FleetEvent>,
    /// Resolves when the driver is interrupted (Ctrl-C, a closed terminal).
    pub interrupted: watch::Receiver<bool>,
}

impl FleetRun {
    fn note(&self, note: FleetNote) {
        let _ = self.events.send(FleetEvent::Fleet(note));
    }

    /// Runs the fleet of `journal` to its end and returns its outcome.
    pub async fn run(self, mut journal: FleetJournal, resumed: bool) -> Outcome {
        let _lock = if self.dry_run {
            None
        } else {
            match MigrationLock::acquire(&self.state_dir, &journal.id) {
                Ok(l) => Some(l),
                Err(e) => return self.refused(held_failure(e, &journal.id)),
            }
        };
        let sides = match Sides::connect(&journal).await {
            Ok(s) => s,
            Err(f) => return self.refused(f),
        };
        if let Err(f) = self.resolve(&mut journal, &sides).await {
            return self.refused(f);
        }
        self.note(FleetNote::FleetStarted {
            fleet_id: journal.id.clone(),
            journal: journal.path(&self.state_dir).display().to_string(),
            tables: journal.members.len(),
            resumed,
            dry_run: self.dry_run,
        });
        let limits = journal.plan.limits.resolve(&sides.regions.dest);
        let survey = survey(&journal, &sides, &self.prices, &limits).await;
        let survey_rows: Vec<(String, Option<bool>)> = survey
            .rows
            .iter()
            .map(|r| (r.table.clone(), r.pitr_on))
            .collect();
        self.note(FleetNote::FleetSummary {
            lines: survey.lines(),
            survey,
            limits,
        });
        if let Err(f) = self.turn_on_pitr(&mut journal, &sides, &survey_rows).await {
            return self.refused(f);
        }
        let limiter = Limiter::new(limits);
        let (runnable, mut results) = self.member_journals(&journal);
        if self.dry_run {
            for member in runnable {
                let result = self.dry_run_member(member).await;
                self.note(FleetNote::TableFinished {
                    result: result.clone(),
                });
                results.push(result);
            }
            return self.finish(&mut journal, results, None, false, &limiter);
        }
        let boards = JobBoards::new(sides.source.clone(), sides.dest.clone());
        let (results, stopped_by, interrupted) = self
            .run_members(&mut journal, runnable, results, &limiter, boards)
            .await;
        self.finish(
            &mut journal,
            results,
            stopped_by.as_ref(),
            interrupted,
            &limiter,
        )
    }

    /// Resolves the fleet's tables (kept in its journal, unless a dry run) and reads and
    /// prices every one: what a driver shows before the person starts the fleet (the wizard's
    /// summary screen). `run` does the same again when it starts (the list is kept; the
    /// figures are read afresh).
    pub async fn summarize(
        &self,
        journal: &mut FleetJournal,
    ) -> Result<(Survey, Resolved), AwsFailure> {
        let sides = Sides::connect(journal).await?;
        self.resolve(journal, &sides).await?;
        let limits = journal.plan.limits.resolve(&sides.regions.dest);
        Ok((survey(journal, &sides, &self.prices, &limits).await, limits))
    }

    /// A fleet refused before any table ran.
    fn refused(&self, failure: AwsFailure) -> Outcome {
        let outcome = fleet_outcome(&[], Some(&failure), false, false);
        let _ = self.events.send(FleetEvent::Table {
            table: String::new(),
            event: Event::Failed {
                step: Step::Preflight,
                failure,
            },
        });
        self.note(FleetNote::FleetFinished {
            outcome,
            exit_code: outcome.exit_code(),
            succeeded: 0,
            failed: 0,
            results: Vec::new(),
            retry_command: None,
            peak_exports: 0,
            peak_imports: 0,
            pitr_left_on: Vec::new(),
        });
        outcome
    }

    /// Resolves the tables at the first run (kept in the journal after), and applies a changed
    /// rename rule to the tables' new names.
    async fn resolve(&self, journal: &mut FleetJournal, sides: &Sides) -> Result<(), AwsFailure> {
        let plan = journal.plan.clone();
        let tables = if journal.members.is_empty() {
            let listed = if plan.patterns().next().is_some() {
                sides.source.list_tables().await?
            } else {
                Vec::new()
            };
            resolve_tables(&plan, &listed)?
        } else {
            let tables: Vec<String> = journal
                .members
                .iter()
                .map(|m| m.source_table.clone())
                .collect();
            // The names in `rename.names` and `overrides` are checked against the kept list.
            let names = plan.tables.iter().filter(|t| !super::plan::is_pattern(t));
            let known: Vec<String> = tables.iter().chain(names).cloned().collect();
            resolve_tables(
                &super::plan::FleetPlan {
                    tables: known,
                    ..plan.clone()
                },
                &[],
            )?;
            tables
        };
        let mut resolved = members(&plan, &journal.id, &tables);
        // Ids are kept from the first run: the journals are found by them.
        for m in &mut resolved {
            if let Some(kept) = journal
                .members
                .iter()
                .find(|k| k.source_table == m.source_table)
            {
                m.id = kept.id.clone();
            }
        }
        if let Some((name, sources)) = duplicate_new_names(&resolved).into_iter().next() {
            return Err(AwsFailure::new(
                "fleet-new-name-twice",
                FailureKind::BadInput,
                format!(
                    "{} would all become the new table {name:?}",
                    sources.join(", ")
                ),
                "the rename rule gives two source tables the same new name (a pattern can match more tables than expected)",
                "give one of them its own name in `rename.names`, or change the prefix or suffix",
            ));
        }
        journal.members = resolved;
        if !self.dry_run {
            journal
                .save(&self.state_dir)
                .map_err(crate::engine::migration::journal_write_failed)?;
        }
        Ok(())
    }

    /// Turns PITR on for every table that has it off, before any table runs and before the
    /// export time is fixed: the time is then inside every table's window, also for a table
    /// that fails now and is retried later. A dry run only says so.
    async fn turn_on_pitr(
        &self,
        journal: &mut FleetJournal,
        sides: &Sides,
        rows: &[(String, Option<bool>)],
    ) -> Result<(), AwsFailure> {
        if journal.export_time.is_some() || !journal.plan.options.enable_pitr {
            return Ok(());
        }
        let args = side_args(
            journal.plan.source.profile.as_deref(),
            Some(&sides.regions.source),
        );
        for (table, pitr_on) in rows {
            if *pitr_on != Some(false) || journal.pitr_turned_on.contains(table) {
                continue;
            }
            let _ = self.events.send(FleetEvent::Table {
                table: table.clone(),
                event: Event::Call {
                    step: Step::Pitr,
                    operation: "dynamodb:UpdateContinuousBackups".into(),
                    cli: update_pitr(&args, table, true),
                    body: None,
                    dry_run: self.dry_run,
                },
            });
            if self.dry_run {
                continue;
            }
            // Remembered before the call, as for one table: a crash right after it leaves
            // the fleet knowing it turned PITR on.
            journal.pitr_turned_on.push(table.clone());
            journal
                .save(&self.state_dir)
                .map_err(crate::engine::migration::journal_write_failed)?;
            let events = self.events.clone();
            let name = table.clone();
            enable_pitr_and_wait(&sides.source, table, move |wait| {
                let _ = events.send(FleetEvent::Table {
                    table: name.clone(),
                    event: Event::Info {
                        step: Step::Pitr,
                        message: wait.to_string(),
                    },
                });
            })
            .await?;
        }
        Ok(())
    }

    /// Each table's journal: found again, or new. Tables that succeeded in an earlier run are
    /// left alone and reported as such; a table whose plan changed after its import started
    /// is refused on its own.
    fn member_journals(&self, fleet: &FleetJournal) -> (Vec<Journal>, Vec<TableResult>) {
        let mut runnable = Vec::new();
        let mut results = Vec::new();
        let membership = FleetMembership {
            fleet_id: fleet.id.clone(),
            folder: fleet_folder(&fleet.plan, &fleet.id),
        };
        for m in &fleet.members {
            let mut plan = member_plan(&fleet.plan, &fleet.id, m);
            if let Some(t) = &fleet.export_time {
                plan.export.export_time = Some(t.clone());
            }
            let path = Journal::path_in(&self.state_dir, &m.id);
            let journal = if path.exists() {
                match Journal::load(&path) {
                    Ok(j) => j,
                    Err(e) => {
                        results.push(failed_result(
                            m,
                            Step::Preflight,
                            AwsFailure::new(
                                "journal-unreadable",
                                FailureKind::BadInput,
                                e.to_string(),
                                "the table's journal file was damaged or written by another version",
                                "move it aside and run the fleet again: the table starts over",
                            ),
                        ));
                        continue;
                    }
                }
            } else {
                let mut j = new_journal(
                    plan.clone(),
                    m.id.clone(),
                    fleet.plan_file.clone(),
                    fleet.endpoint_url.clone(),
                );
                j.export_prefix = member_export_prefix(&fleet.plan, &fleet.id, m);
                j
            };
            let mut journal = journal;
            if journal.state == MigrationState::Succeeded {
                results.push(TableResult {
                    table: m.source_table.clone(),
                    new_table: journal.plan.table.name.clone(),
                    migration_id: m.id.clone(),
                    outcome: Outcome::Succeeded,
                    step: journal.step,
                    failure: None,
                    earlier: true,
                });
                continue;
            }
            if !same_but_time(&journal.plan, &plan) {
                if journal.import.is_some() {
                    results.push(failed_result(
                        m,
                        journal.step,
                        AwsFailure::new(
                            "fleet-table-plan-changed",
                            FailureKind::BadInput,
                            format!("the plan changed for {} after its import started", m.source_table),
                            "a started import keeps the name and settings it was started with",
                            "restore the table's rename or overrides in the plan, or run the fleet with --new",
                        ),
                    ));
                    continue;
                }
                let time = journal.plan.export.export_time.clone();
                journal.plan = plan;
                if journal.export.is_some() {
                    journal.plan.export.export_time = time;
                }
                journal.record(
                    Step::Preflight,
                    "the fleet's plan changed before this table's import; continuing with it",
                    None,
                );
            }
            if let Some(endpoint) = &fleet.endpoint_url {
                journal.endpoint_url = Some(endpoint.clone());
            }
            if fleet.pitr_turned_on.contains(&m.source_table)
                && journal.pitr.initially_enabled.is_none()
            {
                journal.pitr.initially_enabled = Some(false);
                journal.pitr.enabled_by_us = true;
            }
            journal.fleet = Some(membership.clone());
            runnable.push(journal);
        }
        (runnable, results)
    }

    /// A dry run of one table: every call it would make, printed, nothing changed.
    async fn dry_run_member(&self, journal: Journal) -> TableResult {
        let table = journal.plan.source.table.clone();
        let member = member_of(&journal);
        let (tx, rx) = mpsc::unbounded_channel();
        let forward = forward_events(rx, table, self.events.clone());
        let outcome = match Session::open(
            journal,
            &self.state_dir,
            EventSink::new(tx),
            true,
            Answers::FromPlan,
        ) {
            Ok(mut session) => {
                session.use_prices(self.prices.clone());
                let outcome = session.run_until_decision().await;
                let result = result_of(&member, &session, outcome);
                session.close(false);
                result
            }
            Err(e) => failed_result(&member, Step::Preflight, held_failure(e, &member.id)),
        };
        let _ = forward.await;
        outcome
    }

    /// Runs every table to its end (or until the fleet stops) and returns the results, the
    /// side-wide failure that stopped the fleet, and whether the driver was interrupted.
    async fn run_members(
        &self,
        fleet: &mut FleetJournal,
        runnable: Vec<Journal>,
        mut results: Vec<TableResult>,
        limiter: &Arc<Limiter>,
        boards: JobBoards,
    ) -> (Vec<TableResult>, Option<AwsFailure>, bool) {
        let link = FleetLink::new(Arc::clone(limiter), boards);
        let preparing = Arc::new(Semaphore::new(PREPARING_AT_ONCE));
        let (time_tx, time_rx) = watch::channel(fleet.export_time.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let (report_tx, mut reports) = mpsc::unbounded_channel::<Report>();
        let mut tasks = JoinSet::new();
        let count = runnable.len();
        for journal in runnable {
            let ctx = MemberRun {
                state_dir: self.state_dir.clone(),
                prices: self.prices.clone(),
                link: Arc::clone(&link),
                preparing: Arc::clone(&preparing),
                events: self.events.clone(),
                time: time_rx.clone(),
                stop: stop_rx.clone(),
                report: report_tx.clone(),
            };
            tasks.spawn(ctx.run(journal));
        }
        drop(report_tx);
        let mut ready = 0usize;
        let mut finished = 0usize;
        let mut stopped_by: Option<AwsFailure> = None;
        let mut interrupted = false;
        let mut interrupt = self.interrupted.clone();
        let fix_time_when_ready = |ready: usize, finished: usize, fleet: &mut FleetJournal| {
            if fleet.export_time.is_none() && ready + finished == count && ready > 0 {
                let t = now_rfc3339();
                fleet.export_time = Some(t.clone());
                if let Err(e) = fleet.save(&self.state_dir) {
                    return Err(crate::engine::migration::journal_write_failed(e));
                }
                self.note(FleetNote::ExportTimeFixed {
                    export_time: t.clone(),
                });
                let _ = time_tx.send(Some(t));
            }
            Ok(())
        };
        loop {
            let report = tokio::select! {
                r = reports.recv() => r,
                _ = interrupt.wait_for(|i| *i), if !interrupted => {
                    interrupted = true;
                    let _ = stop_tx.send(true);
                    continue;
                }
            };
            let Some(report) = report else { break };
            match report {
                Report::Ready => ready += 1,
                Report::Done(result) => {
                    let result = *result;
                    finished += 1;
                    if let Some(f) = result.failure.as_ref().filter(|f| is_side_wide(f)) {
                        if stopped_by.is_none() && !interrupted {
                            self.note(FleetNote::FleetStopping {
                                table: result.table.clone(),
                                failure: f.clone(),
                            });
                            stopped_by = Some(f.clone());
                            let _ = stop_tx.send(true);
                        }
                    }
                    self.note(FleetNote::TableFinished {
                        result: result.clone(),
                    });
                    results.push(result);
                }
            }
            if stopped_by.is_none() && !interrupted {
                if let Err(f) = fix_time_when_ready(ready, finished, fleet) {
                    stopped_by = Some(f);
                    let _ = stop_tx.send(true);
                }
            }
        }
        while tasks.join_next().await.is_some() {}
        (results, stopped_by, interrupted)
    }

    fn finish(
        &self,
        journal: &mut FleetJournal,
        mut results: Vec<TableResult>,
        stopped_by: Option<&AwsFailure>,
        interrupted: bool,
        limiter: &Arc<Limiter>,
    ) -> Outcome {
        let order: BTreeMap<&str, usize> = journal
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.source_table.as_str(), i))
            .collect();
        results.sort_by_key(|r| order.get(r.table.as_str()).copied().unwrap_or(usize::MAX));
        let outcome = fleet_outcome(&results, stopped_by, interrupted, self.dry_run);
        if !self.dry_run {
            journal.state = match outcome {
                Outcome::Succeeded => MigrationState::Succeeded,
                Outcome::Interrupted => MigrationState::Interrupted,
                _ => MigrationState::Failed,
            };
            let _ = journal.save(&self.state_dir);
        }
        let succeeded = results.iter().filter(|r| r.succeeded()).count();
        let retry_command =
            (!self.dry_run && outcome != Outcome::Succeeded).then(|| match &journal.plan_file {
                Some(plan) => format!("ddb-ferry run {plan}"),
                None => format!("ddb-ferry resume {}", journal.id),
            });
        let (peak_exports, peak_imports) = limiter.peaks();
        let args = side_args(
            journal.plan.source.profile.as_deref(),
            journal.plan.source.region.as_deref(),
        );
        let pitr_left_on = results
            .iter()
            .filter(|r| !r.succeeded() && journal.pitr_turned_on.contains(&r.table))
            .map(|r| PitrLeftOn {
                table: r.table.clone(),
                turn_off: update_pitr(&args, &r.table, false),
            })
            .collect();
        self.note(FleetNote::FleetFinished {
            outcome,
            exit_code: outcome.exit_code(),
            succeeded,
            failed: results.len() - succeeded,
            results,
            retry_command,
            peak_exports,
            peak_imports,
            pitr_left_on,
        });
        outcome
    }
}

/// Whether two plans of a table differ only by the export time (which the fleet fixes).
fn same_but_time(a: &crate::engine::plan::Plan, b: &crate::engine::plan::Plan) -> bool {
    let mut a = a.clone();
    a.export.export_time = b.export.export_time.clone();
    a == *b
}

/// The two sides as the fleet itself reads them: the source's tables for the patterns and
/// the survey, and the regions the charges are billed in.
struct Sides {
    source: Dynamo,
    /// For the board that watches the imports.
    dest: Dynamo,
    regions: Regions,
}

impl Sides {
    async fn connect(journal: &FleetJournal) -> Result<Sides, AwsFailure> {
        let plan = &journal.plan;
        let limits = NetworkLimits::from_env();
        let source = load_side(
            &SideSpec {
                profile: plan.source.profile.clone(),
                region: plan.source.region.clone(),
                endpoint_url: journal.endpoint_url.clone(),
            },
            limits,
        )
        .await
        .map_err(|f| f.for_profile(plan.source.profile.as_deref()))?;
        let dest = load_side(
            &SideSpec {
                profile: plan.destination.profile.clone(),
                region: plan.destination.region.clone(),
                endpoint_url: journal.endpoint_url.clone(),
            },
            limits,
        )
        .await
        .map_err(|f| f.for_profile(plan.destination.profile.as_deref()))?;
        let dest_region = region_of(&dest);
        Ok(Sides {
            source: Dynamo::new(&source, "source"),
            dest: Dynamo::new(&dest, "destination"),
            regions: Regions {
                source: region_of(&source),
                bucket: plan
                    .destination
                    .bucket_region
                    .clone()
                    .unwrap_or_else(|| dest_region.clone()),
                dest: dest_region,
            },
        })
    }
}

/// Every table described (a few at a time) and priced.
async fn survey(
    journal: &FleetJournal,
    sides: &Sides,
    prices: &Prices,
    limits: &Resolved,
) -> Survey {
    let gate = Arc::new(Semaphore::new(PREPARING_AT_ONCE));
    let mut set = JoinSet::new();
    for (i, m) in journal.members.iter().enumerate() {
        let (dynamo, gate, m) = (sides.source.clone(), Arc::clone(&gate), m.clone());
        set.spawn(async move {
            let _turn = gate.acquire_owned().await;
            let table = dynamo.describe_table(&m.source_table).await.ok().flatten();
            let pitr = match &table {
                Some(_) => dynamo
                    .pitr_status(&m.source_table)
                    .await
                    .ok()
                    .map(|p| p.is_enabled()),
                None => None,
            };
            (i, m, table, pitr)
        });
    }
    let mut found = Vec::new();
    while let Some(Ok(done)) = set.join_next().await {
        found.push(done);
    }
    found.sort_by_key(|(i, ..)| *i);
    let rows = found
        .iter()
        .map(|(_, m, table, pitr)| {
            row(
                m,
                table.as_ref(),
                *pitr,
                journal.plan.options.disable_pitr_after,
                &sides.regions,
                prices,
            )
        })
        .collect();
    let currency = prices
        .get(&sides.regions.source, crate::logic::cost::Charge::Export)
        .map(|p| p.currency.clone())
        .unwrap_or_else(|| "USD".to_owned());
    Survey::new(rows, limits, &currency)
}

/// What a table's task tells the fleet.
enum Report {
    /// Ready to export: waits for the fleet's export time.
    Ready,
    Done(Box<TableResult>),
}

/// One table's run within the fleet.
struct MemberRun {
    state_dir: PathBuf,
    prices: Prices,
    link: Arc<FleetLink>,
    preparing: Arc<Semaphore>,
    events: mpsc::UnboundedSender<FleetEvent>,
    time: watch::Receiver<Option<String>>,
    stop: watch::Receiver<bool>,
    report: mpsc::UnboundedSender<Report>,
}

impl MemberRun {
    async fn run(mut self, journal: Journal) {
        let member = member_of(&journal);
        let (tx, rx) = mpsc::unbounded_channel();
        let forward = forward_events(rx, member.source_table.clone(), self.events.clone());
        let result = self.drive(journal, EventSink::new(tx), &member).await;
        let _ = forward.await;
        let _ = self.report.send(Report::Done(Box::new(result)));
    }

    async fn drive(&mut self, journal: Journal, sink: EventSink, member: &Member) -> TableResult {
        let mut session =
            match Session::open(journal, &self.state_dir, sink, false, Answers::FromPlan) {
                Ok(s) => s,
                Err(e) => {
                    return failed_result(member, Step::Preflight, held_failure(e, &member.id))
                }
            };
        session.use_prices(self.prices.clone());
        session.join_fleet(Arc::clone(&self.link));
        session.hold_before(Some(Step::Export));
        let first = {
            let Ok(_turn) = Arc::clone(&self.preparing).acquire_owned().await else {
                return stopped(member, session);
            };
            match until_stopped(&mut self.stop, session.run_until_decision()).await {
                Some(o) => o,
                None => return stopped(member, session),
            }
        };
        if first != Outcome::Paused {
            return finished(member, session, first);
        }
        let _ = self.report.send(Report::Ready);
        let time = {
            let wait = self.time.wait_for(Option::is_some);
            match until_stopped(&mut self.stop, wait).await {
                Some(Ok(t)) => t.clone().unwrap_or_default(),
                _ => return stopped(member, session),
            }
        };
        if let Err(f) = session.set_export_time(&time) {
            return failed_result(member, Step::Export, f);
        }
        session.hold_before(None);
        match until_stopped(&mut self.stop, session.run_until_decision()).await {
            Some(o) => finished(member, session, o),
            None => stopped(member, session),
        }
    }
}

/// Runs `work` unless the fleet stops first (`None` then; the work is dropped, which cancels
/// the calls in flight — the journal was saved around each of them).
async fn until_stopped<F: std::future::Future>(
    stop: &mut watch::Receiver<bool>,
    work: F,
) -> Option<F::Output> {
    if *stop.borrow() {
        return None;
    }
    tokio::select! {
        out = work => Some(out),
        _ = stop.wait_for(|s| *s) => None,
    }
}

fn member_of(journal: &Journal) -> Member {
    Member {
        source_table: journal.plan.source.table.clone(),
        new_table: journal.plan.table.name.clone(),
        id: journal.id.clone(),
    }
}

fn result_of(member: &Member, session: &Session, outcome: Outcome) -> TableResult {
    let j = session.journal();
    TableResult {
        table: member.source_table.clone(),
        new_table: j.plan.table.name.clone(),
        migration_id: member.id.clone(),
        outcome,
        step: j.step,
        failure: (j.state == MigrationState::Failed)
            .then(|| j.failure.clone())
            .flatten(),
        earlier: false,
    }
}

fn finished(member: &Member, session: Session, outcome: Outcome) -> TableResult {
    let result = result_of(member, &session, outcome);
    session.close(false);
    result
}

/// The fleet stopped while this table ran: its journal says interrupted, its job (if any)
/// goes on in AWS and the next run reattaches to it.
fn stopped(member: &Member, session: Session) -> TableResult {
    let result = result_of(member, &session, Outcome::Interrupted);
    session.close(true);
    result
}

fn failed_result(member: &Member, step: Step, failure: AwsFailure) -> TableResult {
    let outcome = match failure.kind {
        FailureKind::BadInput => Outcome::BadInput,
        FailureKind::JobFailed => Outcome::JobFailed,
        _ => Outcome::AwsRefused,
    };
    TableResult {
        table: member.source_table.clone(),
        new_table: member.new_table.clone(),
        migration_id: member.id.clone(),
        outcome,
        step,
        failure: Some(failure),
        earlier: false,
    }
}

fn held_failure(e: LockError, id: &str) -> AwsFailure {
    match e {
        LockError::Held { pid, .. } => AwsFailure::new(
            "migration-held",
            FailureKind::BadInput,
            format!(
                "{id} is being run by another process{}",
                pid.map(|p| format!(" ({p})")).unwrap_or_default()
            ),
            "one process at a time runs a migration, so no job is ever started twice",
            "wait for that process to end (`ddb-ferry status` shows it), or stop it and run this again",
        ),
        LockError::Io(message) => AwsFailure::new(
            "lock-unavailable",
            FailureKind::BadInput,
            message,
            "the state folder is not writable, or DDB_FERRY_STATE_DIR points somewhere read-only",
            "fix the folder's permissions, then try again",
        ),
    }
}

/// Passes a table's events to the fleet's driver, named by the table, until the table's
/// session drops its sink.
fn forward_events(
    mut rx: mpsc::UnboundedReceiver<Event>,
    table: String,
    out: mpsc::UnboundedSender<FleetEvent>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let _ = out.send(FleetEvent::Table {
                table: table.clone(),
                event,
            });
        }
    })
}

/// The state folder's journal of a fleet's table (for drivers that show one table).
pub fn member_journal_path(state_dir: &Path, member: &Member) -> PathBuf {
    Journal::path_in(state_dir, &member.id)
}
