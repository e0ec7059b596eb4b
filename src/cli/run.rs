//! `run PLAN` and `resume ID`: prepare the journal, run the engine, print its events, and end
//! with the documented exit code. Ctrl-C leaves the journal consistent and the AWS job running.

use std::path::Path;

use tokio::sync::mpsc;

use super::printer::{plan_invalid_lines, print_events};
use super::validate::invalid_text;
use super::RunOptions;
use crate::engine::events::{Event, EventSink, Outcome};
use crate::engine::journal::{state_dir, Journal, MigrationState};
use crate::engine::plan::Plan;
use crate::engine::prices::load_prices;
use crate::engine::session::{Answers, Session};
use crate::engine::{prepare, Prepared};
use crate::logic::cost::Prices;

/// Refuses an `--endpoint-url` that is not a URL before anything else happens.
pub fn check_endpoint(endpoint: Option<&str>) -> Result<(), i32> {
    match endpoint.map(|e| crate::logic::names::endpoint_url("--endpoint-url", e)) {
        Some(Err(e)) => {
            eprintln!("{e}\n  next: fix the option, or leave it out to use AWS's own endpoints");
            Err(Outcome::BadInput.exit_code())
        }
        _ => Ok(()),
    }
}

/// The prices of the estimates, refused before anything else when the file cannot be used:
/// a person who pointed at a file expects its figures, not silently ddb-ferry's own.
pub fn check_prices(file: Option<&Path>) -> Result<Prices, i32> {
    load_prices(file).map_err(|e| {
        eprintln!("{e}\n  next: fix the file (its format is in docs/costs.md), or leave it out to use ddb-ferry's own prices");
        Outcome::BadInput.exit_code()
    })
}

/// What `run` checks before it reads any journal: the endpoint, the prices file and the plan
/// (one-table or fleet, by `load`), each refused with what to do.
pub fn checked_start<T>(
    plan_path: &Path,
    opts: &RunOptions,
    load: impl Fn(&Path) -> Result<T, crate::engine::plan::PlanError>,
) -> Result<(T, Prices), i32> {
    check_endpoint(opts.endpoint_url.as_deref())?;
    let prices = check_prices(opts.prices.as_deref())?;
    match load(plan_path) {
        Ok(p) => Ok((p, prices)),
        Err(e) => {
            if opts.json {
                println!("{}", plan_invalid_lines(plan_path, &e));
            }
            eprintln!("{}", invalid_text(plan_path, &e));
            Err(Outcome::BadInput.exit_code())
        }
    }
}

pub async fn run_plan(plan_path: &Path, opts: &RunOptions, dry_run: bool, fresh: bool) -> i32 {
    let text = std::fs::read_to_string(plan_path).unwrap_or_default();
    if crate::engine::fleet::is_fleet_text(&text) {
        return super::fleet::run_fleet_plan(plan_path, opts, dry_run, fresh).await;
    }
    let (plan, prices) = match checked_start(plan_path, opts, Plan::load) {
        Ok(started) => started,
        Err(code) => return code,
    };
    let dir = state_dir();
    let prepared = match prepare(
        plan,
        Some(plan_path.display().to_string()),
        opts.endpoint_url.clone(),
        &dir,
        fresh,
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}\n  next: move the damaged journal aside, or run with --new");
            return Outcome::BadInput.exit_code();
        }
    };
    let journal = match prepared {
        Prepared::Ready { journal, .. } => *journal,
        Prepared::AlreadyDone { journal, path } => {
            println!(
                "The migration {} already finished ({}).\n  journal: {}\n  To copy the table again, run with --new (and a new `table.name` if the first copy is kept).",
                journal.id,
                journal.updated_at,
                path.display()
            );
            return 0;
        }
        Prepared::PlanChanged { path } => {
            eprintln!(
                "The plan changed since its migration started (journal {}).\n  why: continuing would mix two different migrations\n  next: restore the plan to continue, or run with --new to start a new migration",
                path.display()
            );
            return Outcome::BadInput.exit_code();
        }
    };
    drive(journal, &dir, opts.json, dry_run, prices).await
}

/// Resolves on Ctrl-C, on a hangup (the SSH session dropped) or on SIGTERM.
pub async fn interrupted() {
    use tokio::signal::unix::{signal, SignalKind};
    async fn wait(kind: SignalKind) {
        match signal(kind) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = wait(SignalKind::hangup()) => {}
        _ = wait(SignalKind::terminate()) => {}
    }
}

pub async fn resume(id: &str, opts: &RunOptions) -> i32 {
    if let Err(code) = check_endpoint(opts.endpoint_url.as_deref()) {
        return code;
    }
    let prices = match check_prices(opts.prices.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let dir = state_dir();
    let fleet_path = crate::engine::fleet::FleetJournal::path_in(&dir, id);
    if fleet_path.exists() {
        return super::fleet::resume_fleet(&fleet_path, opts, prices).await;
    }
    let path = Journal::path_in(&dir, id);
    let mut journal = match Journal::load(&path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{e}\n  next: `ddb-ferry status` lists the migrations and their ids");
            return Outcome::BadInput.exit_code();
        }
    };
    if journal.state == MigrationState::Succeeded {
        println!("The migration {id} already finished.");
        return 0;
    }
    if opts.endpoint_url.is_some() {
        journal.endpoint_url = opts.endpoint_url.clone();
    }
    drive(journal, &dir, opts.json, false, prices).await
}

/// Drives one session with the plan's answers: one process per migration (the session
/// holds the lock), and an interruption leaves the journal consistent and the job running.
async fn drive(journal: Journal, dir: &Path, json: bool, dry_run: bool, prices: Prices) -> i32 {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let id = journal.id.clone();
    let mut session = match Session::open(
        journal,
        dir,
        EventSink::new(tx.clone()),
        dry_run,
        Answers::FromPlan,
    ) {
        Ok(s) => s,
        Err(refusal) => {
            eprintln!("{refusal}");
            return Outcome::BadInput.exit_code();
        }
    };
    session.use_prices(prices);
    let printer = tokio::spawn(print_events(rx, json));
    let outcome = tokio::select! {
        outcome = session.run_until_decision() => outcome,
        _ = interrupted() => Outcome::Interrupted,
    };
    let step = session.journal().step;
    session.close(outcome == Outcome::Interrupted);
    if outcome == Outcome::Interrupted {
        tx.send(Event::Info {
            step,
            message: format!(
                "interrupted. A running export or import keeps going in AWS; run `ddb-ferry resume {id}` (or the same `run` command) to reattach"
            ),
        })
        .ok();
        tx.send(Event::Finished {
            outcome,
            exit_code: outcome.exit_code(),
            summary_file: None,
        })
        .ok();
    }
    drop(tx);
    let _ = printer.await;
    outcome.exit_code()
}
