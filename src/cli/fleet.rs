//! `run FLEET-PLAN`: many tables in one migration, headless. Prints the fleet's summary and
//! estimate, then each table's events named by the table (`[orders] …`, or a `table` field in
//! `--json`), then every table's outcome and the one command that retries the failed ones.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use tokio::sync::{mpsc, watch};

use super::printer::human_line;
use super::run::{checked_start, interrupted};
use super::RunOptions;
use crate::engine::events::{Event, Outcome};
use crate::engine::fleet::outcome::result_lines;
use crate::engine::fleet::{
    prepare_fleet, FleetEvent, FleetNote, FleetPlan, FleetPrepared, FleetRun,
};
use crate::engine::journal::{now_rfc3339, state_dir};

pub async fn run_fleet_plan(
    plan_path: &Path,
    opts: &RunOptions,
    dry_run: bool,
    fresh: bool,
) -> i32 {
    let (plan, prices) = match checked_start(plan_path, opts, FleetPlan::load) {
        Ok(started) => started,
        Err(code) => return code,
    };
    let dir = state_dir();
    let prepared = match prepare_fleet(
        plan,
        Some(plan_path.display().to_string()),
        opts.endpoint_url.clone(),
        &dir,
        fresh,
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}\n  next: move the damaged fleet journal aside, or run with --new");
            return Outcome::BadInput.exit_code();
        }
    };
    let (journal, resumed) = match prepared {
        FleetPrepared::Ready { journal, resumed } => (*journal, resumed),
        FleetPrepared::AlreadyDone { journal, path } => {
            println!(
                "The fleet {} already finished: every table was moved ({}).\n  journal: {}\n  To move the tables again, run with --new (with a rename rule if the first copies are kept).",
                journal.id,
                journal.updated_at,
                path.display()
            );
            return 0;
        }
        FleetPrepared::PlanChanged { path } => {
            eprintln!(
                "The fleet plan changed since the fleet started (journal {}).\n  why: its source, destination, tables or export settings differ, and continuing would mix two fleets\n  next: restore the plan to continue, or run with --new to start a new fleet",
                path.display()
            );
            return Outcome::BadInput.exit_code();
        }
    };
    drive_fleet(journal, resumed, &dir, opts.json, dry_run, prices).await
}

/// `resume FLEET-ID`: the fleet as its journal holds it (its plan included).
pub async fn resume_fleet(
    path: &Path,
    opts: &RunOptions,
    prices: crate::logic::cost::Prices,
) -> i32 {
    let mut journal = match crate::engine::fleet::FleetJournal::load(path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{e}\n  next: `ddb-ferry status` lists the fleets and their ids");
            return Outcome::BadInput.exit_code();
        }
    };
    if journal.state == crate::engine::journal::MigrationState::Succeeded {
        println!(
            "The fleet {} already finished: every table was moved.",
            journal.id
        );
        return 0;
    }
    if opts.endpoint_url.is_some() {
        journal.endpoint_url = opts.endpoint_url.clone();
    }
    let dir = state_dir();
    drive_fleet(journal, true, &dir, opts.json, false, prices).await
}

/// Runs the fleet of `journal` and prints its events until it ends.
pub async fn drive_fleet(
    journal: crate::engine::fleet::FleetJournal,
    resumed: bool,
    dir: &Path,
    json: bool,
    dry_run: bool,
    prices: crate::logic::cost::Prices,
) -> i32 {
    let (tx, rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    let printer = tokio::spawn(print_fleet_events(rx, json, dry_run));
    let run = FleetRun {
        state_dir: dir.to_path_buf(),
        dry_run,
        prices,
        events: tx,
        interrupted: stop_rx,
    };
    let fleet = run.run(journal, resumed);
    tokio::pin!(fleet);
    let outcome = tokio::select! {
        o = &mut fleet => o,
        _ = interrupted() => {
            let _ = stop_tx.send(true);
            fleet.await
        }
    };
    let _ = printer.await;
    outcome.exit_code()
}

async fn print_fleet_events(
    mut rx: mpsc::UnboundedReceiver<FleetEvent>,
    json: bool,
    dry_run: bool,
) {
    let stdout = std::io::stdout();
    let mut last_status: HashMap<(String, &'static str), String> = HashMap::new();
    while let Some(event) = rx.recv().await {
        let text = if json {
            Some(json_line(&event))
        } else {
            human_fleet_line(&event, dry_run, &mut last_status)
        };
        if let Some(text) = text {
            let mut out = stdout.lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
    }
}

/// One `--json` line: a table's event carries `table`; the fleet's own events have their
/// own names (`fleet_started`, `fleet_summary`, `table_finished`, `fleet_finished`…).
fn json_line(event: &FleetEvent) -> String {
    let mut value = match event {
        FleetEvent::Table { table, event } => {
            let mut v = serde_json::to_value(event).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("table".into(), table.clone().into());
            }
            v
        }
        FleetEvent::Fleet(note) => serde_json::to_value(note).unwrap_or_default(),
    };
    if let Some(obj) = value.as_object_mut() {
        obj.insert("ts".into(), now_rfc3339().into());
    }
    value.to_string()
}

/// The readable lines of a fleet: a table's line prefixed by its name; the repeated status
/// of a running job only when it changes (a hundred tables would otherwise fill the screen).
fn human_fleet_line(
    event: &FleetEvent,
    dry_run: bool,
    last_status: &mut HashMap<(String, &'static str), String>,
) -> Option<String> {
    match event {
        FleetEvent::Table { table, event } => {
            match event {
                Event::Started { .. } | Event::Identity { .. } | Event::Leftovers { .. } => {
                    return None
                }
                Event::Finished { summary_file, .. } => {
                    return summary_file
                        .as_ref()
                        .map(|f| format!("[{table}] summary with every AWS CLI command: {f}"));
                }
                Event::Call { .. } if !dry_run => {}
                Event::JobStatus { job, status, .. } => {
                    let key = (table.clone(), *job);
                    if last_status.get(&key) == Some(status) {
                        return None;
                    }
                    last_status.insert(key, status.clone());
                }
                _ => {}
            }
            let text = human_line(event)?;
            let prefix = format!("[{table}] ");
            Some(
                text.trim_start_matches('\n')
                    .lines()
                    .map(|l| format!("{prefix}{}", l.trim_start()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        }
        FleetEvent::Fleet(note) => Some(match note {
            FleetNote::FleetStarted {
                fleet_id,
                journal,
                tables,
                resumed,
                dry_run,
            } => {
                let what = if *dry_run {
                    "Dry run of"
                } else if *resumed {
                    "Continuing"
                } else {
                    "Starting"
                };
                format!("{what} fleet {fleet_id}: {tables} tables\n  journal: {journal}")
            }
            FleetNote::FleetSummary { lines, limits, .. } => format!(
                "\nWhat the fleet moves (estimates):\n  {}\nAt most {} exports and {} imports run at once.\n",
                lines.join("\n  "),
                limits.exports,
                limits.imports
            ),
            FleetNote::ExportTimeFixed { export_time } => format!(
                "\nEvery table is ready to export. The export time of every table: {export_time} (one consistent cut)"
            ),
            FleetNote::TableFinished { result } => {
                let lines = result_lines(std::slice::from_ref(result));
                format!("[{}] done: {}", result.table, lines.join("\n").trim_start().trim_start_matches(result.table.as_str()).trim_start())
            }
            FleetNote::FleetStopping { table, failure } => format!(
                "\nThe fleet stops: [{}] {} met a failure of the whole side, which every table would meet.\n  why: {}\n  next: {}\n  Running exports and imports keep going in AWS; the next run reattaches to them.",
                failure.code, table, failure.why, failure.next
            ),
            FleetNote::FleetFinished {
                outcome,
                exit_code,
                succeeded,
                failed,
                results,
                retry_command,
                pitr_left_on,
                ..
            } => {
                let mut s = format!(
                    "\nFleet finished: {outcome:?} (exit code {exit_code}): {succeeded} of {} tables moved, {failed} not.",
                    succeeded + failed
                );
                for l in result_lines(results) {
                    s.push('\n');
                    s.push_str(&l);
                }
                for p in pitr_left_on {
                    s.push_str(&format!(
                        "\nPITR stays on for {} (the fleet turned it on; billed while on, turned off when the table is moved). To turn it off now:\n    {}",
                        p.table, p.turn_off
                    ));
                }
                if let Some(c) = retry_command {
                    s.push_str(&format!(
                        "\nTo retry only the failed and unfinished tables (moved ones are left alone): {c}"
                    ));
                }
                s
            }
        }),
    }
}
