//! `catch-up ID`: brings a migrated table up to date with the writes made to the source since
//! its export — once, on a schedule (`--every`), or for the cutover (`--cutover`: writes have
//! stopped; the last increment, then the full compare). The engine's session does the work;
//! this prints its events and ends with the documented exit code.

use std::time::Duration;

use tokio::sync::mpsc;

use super::printer::print_events;
use super::run::{check_endpoint, interrupted};
use super::RunOptions;
use crate::engine::catch_up::CatchUpRequest;
use crate::engine::events::{Event, EventSink, Outcome};
use crate::engine::journal::{state_dir, Journal, Step};
use crate::engine::session::{Answers, Session};

/// What the command line asks of catch-up.
#[derive(Debug, Clone, Copy)]
pub struct CatchUpArgs {
    pub cutover: bool,
    pub every_minutes: Option<u64>,
    pub max_wcu: Option<u32>,
    pub in_flight: usize,
}

pub async fn catch_up(id: &str, args: CatchUpArgs, opts: &RunOptions) -> i32 {
    if let Err(code) = check_endpoint(opts.endpoint_url.as_deref()) {
        return code;
    }
    let dir = state_dir();
    let path = Journal::path_in(&dir, id);
    let mut journal = match Journal::load(&path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{e}\n  next: `ddb-ferry status` lists the migrations and their ids");
            return Outcome::BadInput.exit_code();
        }
    };
    if opts.endpoint_url.is_some() {
        journal.endpoint_url = opts.endpoint_url.clone();
    }
    let request = CatchUpRequest {
        cutover: args.cutover,
        every: args.every_minutes.map(|m| Duration::from_secs(m * 60)),
        max_wcu: args.max_wcu,
        in_flight: args.in_flight.max(1),
        ..CatchUpRequest::default()
    };
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let mut session = match Session::open(
        journal,
        &dir,
        EventSink::new(tx.clone()),
        false,
        Answers::FromPlan,
    ) {
        Ok(s) => s,
        Err(refusal) => {
            eprintln!("{refusal}");
            return Outcome::BadInput.exit_code();
        }
    };
    let printer = tokio::spawn(print_events(rx, opts.json));
    let outcome = tokio::select! {
        outcome = session.catch_up(&request) => outcome,
        _ = interrupted() => Outcome::Interrupted,
    };
    session.close(outcome == Outcome::Interrupted);
    if outcome == Outcome::Interrupted {
        tx.send(Event::Info {
            step: Step::CatchUp,
            message: format!(
                "interrupted. A running increment export keeps going in AWS, and the files already applied are in the journal; run `ddb-ferry catch-up {id}` to continue"
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
