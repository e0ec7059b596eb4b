//! A session on its own task, for a driver that must never wait (the wizard): requests go in
//! on a channel, reports come out through a callback, in order. A `Close` is heard even while
//! steps run, so quitting never waits for a job that takes hours.

use std::collections::VecDeque;

use tokio::sync::mpsc;

use super::{open_for_person, Decision, NotCarriedFix, OpenFailure, OpenFrom};
use crate::aws::explain::AwsFailure;
use crate::engine::catch_up::CatchUpRequest;
use crate::engine::compare::CompareOptions;
use crate::engine::events::{Event, EventSink, Outcome};
use crate::engine::journal::Journal;
use crate::engine::plan::{ExportPlan, NewTablePlan};
use std::future::Future;

/// What a driver asks of its session.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Run until the next decision or the end.
    Continue,
    SetExportSettings(ExportPlan),
    /// `options.catch_up`, before the export starts.
    SetCatchUp(bool),
    /// `prefix: None` keeps the data folder the session found.
    ChooseDataFolder {
        prefix: Option<String>,
        manifest_item_count: Option<u64>,
    },
    SetNewTable(NewTablePlan),
    ConfirmImport,
    ApplySetting {
        setting: String,
        fix: NotCarriedFix,
    },
    SaveCreationParameters(serde_json::Value),
    /// After the migration: catch the new table up with the source (once, on a schedule, or
    /// the cutover with its compare).
    CatchUp(CatchUpRequest),
    /// Compare the source and the new table in full.
    Compare(CompareOptions),
    /// Stop now: the journal is marked interrupted if the migration is unfinished.
    Close,
}

/// What the session tells its driver.
#[derive(Debug)]
pub enum Report {
    /// The session is open and holds the lock.
    Opened(Box<Journal>),
    OpenFailed(OpenFailure),
    Event(Event),
    /// After each request: the journal as it now stands, the decision waited for, how the run
    /// ended (when the request ran steps) and why a decision was refused (when it was).
    State {
        journal: Box<Journal>,
        pending: Option<Decision>,
        outcome: Option<Outcome>,
        refused: Option<AwsFailure>,
    },
    ParametersSaved(Result<String, String>),
    SettingApplied {
        setting: String,
        result: Result<(), AwsFailure>,
    },
}

/// Opens a session from `from` and serves `requests` until `Close` or until the sender is
/// dropped. The returned future ends when the session is closed and its lock released.
pub async fn serve(
    from: OpenFrom,
    state_dir: std::path::PathBuf,
    endpoint_url: Option<String>,
    mut requests: mpsc::UnboundedReceiver<Request>,
    report: impl Fn(Report) + Send + 'static,
) {
    let (event_tx, mut events) = mpsc::unbounded_channel::<Event>();
    let opened = open_for_person(from, &state_dir, endpoint_url, EventSink::new(event_tx));
    let mut session = match opened {
        Ok(s) => s,
        Err(failure) => {
            report(Report::OpenFailed(failure));
            return;
        }
    };
    report(Report::Opened(Box::new(session.journal().clone())));
    let mut queued: VecDeque<Request> = VecDeque::new();
    loop {
        let request = match queued.pop_front() {
            Some(r) => r,
            None => match requests.recv().await {
                Some(r) => r,
                None => break,
            },
        };
        let mut outcome = None;
        let mut refused = None;
        match request {
            Request::Close => break,
            Request::Continue | Request::CatchUp(_) | Request::Compare(_) => {
                // The run is dropped when a Close comes: that cancels the calls in flight; the
                // journal was saved before and after each of them.
                let finished = match &request {
                    Request::CatchUp(r) => {
                        hearing_close(
                            session.catch_up(r),
                            &mut events,
                            &mut requests,
                            &mut queued,
                            &report,
                        )
                        .await
                    }
                    Request::Compare(o) => {
                        hearing_close(
                            session.compare(o),
                            &mut events,
                            &mut requests,
                            &mut queued,
                            &report,
                        )
                        .await
                    }
                    _ => {
                        hearing_close(
                            session.run_until_decision(),
                            &mut events,
                            &mut requests,
                            &mut queued,
                            &report,
                        )
                        .await
                    }
                };
                match finished {
                    Some(o) => outcome = Some(o),
                    // Closed while steps ran: the job goes on in AWS; the journal says so.
                    None => break,
                }
            }
            Request::SetExportSettings(export) => {
                refused = session.set_export_settings(export).err();
            }
            Request::ChooseDataFolder {
                prefix,
                manifest_item_count,
            } => {
                refused = session
                    .choose_data_folder(prefix, manifest_item_count)
                    .err()
            }
            Request::SetCatchUp(on) => refused = session.set_catch_up(on).err(),
            Request::SetNewTable(table) => refused = session.set_new_table(table).err(),
            Request::ConfirmImport => session.confirm_import(),
            Request::ApplySetting { setting, fix } => {
                let result = session.apply_not_carried(&fix).await;
                report(Report::SettingApplied { setting, result });
            }
            Request::SaveCreationParameters(parameters) => {
                let saved = session
                    .save_creation_parameters(&parameters)
                    .map(|p| format!("saved to {}", p.display()));
                report(Report::ParametersSaved(saved));
            }
        }
        report(Report::State {
            journal: Box::new(session.journal().clone()),
            pending: session.pending(),
            outcome,
            refused,
        });
    }
    while let Ok(e) = events.try_recv() {
        report(Report::Event(e));
    }
    session.close(true);
}

/// Runs `run` while passing its events on and keeping other requests for later; `None` when a
/// `Close` came (or the driver went away) first.
async fn hearing_close(
    run: impl Future<Output = Outcome>,
    events: &mut mpsc::UnboundedReceiver<Event>,
    requests: &mut mpsc::UnboundedReceiver<Request>,
    queued: &mut VecDeque<Request>,
    report: &impl Fn(Report),
) -> Option<Outcome> {
    tokio::pin!(run);
    let finished = loop {
        tokio::select! {
            o = &mut run => break Some(o),
            Some(e) = events.recv() => report(Report::Event(e)),
            r = requests.recv() => match r {
                Some(Request::Close) | None => break None,
                Some(other) => queued.push_back(other),
            },
        }
    };
    while let Ok(e) = events.try_recv() {
        report(Report::Event(e));
    }
    finished
}
