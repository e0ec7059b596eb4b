//! One poller for the many watchers of a fleet's jobs of one kind. Describing each of ~100
//! running exports every round costs ~100 calls a round; ListExports and ListImports return 25
//! jobs a page, with their status, for the whole account and region. So a board lists pages
//! once a round, at an interval that does not depend on how many jobs it watches, stops as soon
//! as it has seen every watched job, and wakes a watcher only when its job's listed status
//! moved; the watcher then describes that one job. A job a full pass does not show (AWS's list
//! lags right after a start) is handed back to be described, so nothing depends on the list.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::aws::dynamodb::{Dynamo, ListedJob};
use crate::aws::explain::AwsFailure;
use crate::engine::poll::PollSchedule;

/// A page that failed in a way that may pass is asked for once more after this wait, before
/// the failure goes to the watchers.
const RETRY_WAIT: Duration = Duration::from_secs(1);

/// One page of a list call: its jobs and the token of the next page, if there is one.
pub type JobPage = (Vec<ListedJob>, Option<String>);

/// A list call that pages through every job of one kind in one account and region. Behind a
/// trait so that tests and the benchmark drive a board with an account in memory.
pub trait JobLister: Send + Sync + 'static {
    fn page(
        &self,
        token: Option<String>,
    ) -> impl Future<Output = Result<JobPage, AwsFailure>> + Send;
}

/// ListExports of one side.
pub struct ExportList(pub Dynamo);

/// ListImports of one side.
pub struct ImportList(pub Dynamo);

impl JobLister for ExportList {
    async fn page(&self, token: Option<String>) -> Result<JobPage, AwsFailure> {
        self.0.list_exports_page(token).await
    }
}

impl JobLister for ImportList {
    async fn page(&self, token: Option<String>) -> Result<JobPage, AwsFailure> {
        self.0.list_imports_page(token).await
    }
}

/// The boards of one fleet: its exports run in the source account, its imports in the
/// destination account.
#[derive(Debug)]
pub struct JobBoards {
    pub exports: JobBoard,
    pub imports: JobBoard,
}

impl JobBoards {
    pub fn new(source_dynamo: Dynamo, dest_dynamo: Dynamo) -> Self {
        Self {
            exports: JobBoard::new(ExportList(source_dynamo)),
            imports: JobBoard::new(ImportList(dest_dynamo)),
        }
    }
}

/// What a watcher is told about its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sighting {
    /// The list shows the job with this status, which is not the one the watcher knew.
    Listed(String),
    /// A full pass of the list did not show the job: describe it instead.
    NotListed,
}

/// The jobs of one kind in one account and region that watchers wait on, and the one poller
/// that lists them while anyone watches.
pub struct JobBoard {
    shared: Arc<Shared>,
}

/// A watcher's registration of one job on a board; dropping it takes the job off the board.
pub struct JobWatch {
    shared: Arc<Shared>,
    id: u64,
    notify: Arc<Notify>,
    /// The last round whose word `changed` returned, so the same word is never returned twice.
    delivered: u64,
}

/// What a round says about one job: its sighting, or the list's failure.
type Word = Result<Sighting, AwsFailure>;

struct Shared {
    lister: Box<dyn PageSource>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<u64, Entry>,
    next_id: u64,
    /// The running poller's id: at most one at any time.
    poller: Option<u64>,
    /// When the poller's next round starts; `None` while a round runs or nobody polls.
    next_round: Option<Instant>,
    rounds: u64,
}

struct Entry {
    arn: String,
    /// The status its watcher last said it knew; `None` before it first waited.
    known: Option<String>,
    /// The latest round's word about the job, with the round's number.
    latest: Option<(u64, Word)>,
    notify: Arc<Notify>,
}

/// A word is worth waking a watcher for when the status moved, the job was not listed, or
/// the list failed.
fn worth_telling(word: &Word, known: &str) -> bool {
    !matches!(word, Ok(Sighting::Listed(status)) if status == known)
}

impl JobBoard {
    pub fn new(lister: impl JobLister) -> Self {
        Self {
            shared: Arc::new(Shared {
                lister: Box::new(lister),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Puts the job on the board. Its status is first read by the round after the first
    /// `changed` call.
    pub fn watch(&self, arn: &str) -> JobWatch {
        let notify = Arc::new(Notify::new());
        let mut state = self.shared.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.entries.insert(
            id,
            Entry {
                arn: arn.to_owned(),
                known: None,
                latest: None,
                notify: notify.clone(),
            },
        );
        JobWatch {
            shared: self.shared.clone(),
            id,
            notify,
            delivered: 0,
        }
    }

    /// Rounds run so far, for the figures and the tests.
    pub fn rounds(&self) -> u64 {
        self.shared.lock().rounds
    }
}

impl std::fmt::Debug for JobBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("JobBoard")
            .field("watched", &state.entries.len())
            .field("rounds", &state.rounds)
            .finish_non_exhaustive()
    }
}

impl JobWatch {
    /// Waits for a round that lists the job with another status than `last_status`, or that
    /// went through every page without finding it (`NotListed`: describe it), or whose list
    /// call failed. A round that lists the job unchanged wakes nobody. Safe to cancel (a
    /// timeout around it loses nothing): a word not returned is returned by the next call.
    pub async fn changed(&mut self, last_status: &str) -> Result<Sighting, AwsFailure> {
        loop {
            {
                let mut state = self.shared.lock();
                if state.poller.is_none() {
                    let id = state.next_id;
                    state.next_id += 1;
                    state.poller = Some(id);
                    tokio::spawn(poll(Poller {
                        shared: self.shared.clone(),
                        id,
                    }));
                }
                let Some(entry) = state.entries.get_mut(&self.id) else {
                    return Ok(Sighting::NotListed);
                };
                if entry.known.as_deref() != Some(last_status) {
                    entry.known = Some(last_status.to_owned());
                }
                if let Some((round, word)) = &entry.latest {
                    if *round > self.delivered && worth_telling(word, last_status) {
                        self.delivered = *round;
                        return word.clone();
                    }
                }
            }
            self.notify.notified().await;
        }
    }

    /// How long until the board's next round: the "next check" a driver shows. `None` while
    /// a round runs.
    pub fn next_round_in(&self) -> Option<Duration> {
        let next = self.shared.lock().next_round?;
        Some(next.saturating_duration_since(Instant::now()))
    }
}

impl Drop for JobWatch {
    fn drop(&mut self) {
        self.shared.lock().entries.remove(&self.id);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The jobs to look for this round, by entry; `None` when nobody watches any more.
    fn start_round(&self) -> Option<Vec<(u64, String)>> {
        let mut state = self.lock();
        state.next_round = None;
        if state.entries.is_empty() {
            return None;
        }
        Some(
            state
                .entries
                .iter()
                .map(|(id, e)| (*id, e.arn.clone()))
                .collect(),
        )
    }

    /// Pages until every wanted job was seen or there is no next page.
    async fn pass(&self, wanted: &HashSet<&str>) -> Pass {
        let mut found = HashMap::new();
        let mut token = None;
        loop {
            let (jobs, next) = match self.page(token).await {
                Ok(page) => page,
                Err(failure) => {
                    return Pass {
                        found,
                        failure: Some(failure),
                    }
                }
            };
            for job in jobs {
                if wanted.contains(job.arn.as_str()) {
                    found.insert(job.arn, job.status);
                }
            }
            if found.len() == wanted.len() || next.is_none() {
                return Pass {
                    found,
                    failure: None,
                };
            }
            token = next;
        }
    }

    async fn page(&self, token: Option<String>) -> Result<JobPage, AwsFailure> {
        match self.lister.boxed_page(token.clone()).await {
            Err(failure) if failure.retryable => {
                tokio::time::sleep(RETRY_WAIT).await;
                self.lister.boxed_page(token).await
            }
            answer => answer,
        }
    }

    /// Writes the round's word for every job it looked for, and wakes the watchers it concerns.
    fn finish_round(&self, targets: &[(u64, String)], pass: Pass) {
        let mut state = self.lock();
        state.rounds += 1;
        let round = state.rounds;
        for (id, arn) in targets {
            // A watcher that left during the round needs no word.
            let Some(entry) = state.entries.get_mut(id) else {
                continue;
            };
            let word = match (pass.found.get(arn), &pass.failure) {
                (Some(status), _) => Ok(Sighting::Listed(status.clone())),
                (None, Some(failure)) => Err(failure.clone()),
                (None, None) => Ok(Sighting::NotListed),
            };
            if entry
                .known
                .as_deref()
                .is_some_and(|known| worth_telling(&word, known))
            {
                entry.notify.notify_one();
            }
            entry.latest = Some((round, word));
        }
    }
}

/// What one pass of the list found of the wanted jobs, and the failure that cut it short.
struct Pass {
    found: HashMap<String, String>,
    failure: Option<AwsFailure>,
}

/// The running poller; dropped however it ends (nobody watches, or its task is cancelled), it
/// clears its place and wakes the watchers so a waiting one starts the next poller.
struct Poller {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Poller {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        if state.poller == Some(self.id) {
            state.poller = None;
            state.next_round = None;
            for entry in state.entries.values() {
                entry.notify.notify_one();
            }
        }
    }
}

/// Rounds at the watcher's own pace (1, 2, 3, 5, 8, 13, 20 s, then every 30 s) while anyone
/// watches: the pace of one job, whatever the number of jobs. Rounds start at fixed times
/// from the first, so a round of many pages does not push the later ones back.
async fn poll(poller: Poller) {
    let shared = &poller.shared;
    let mut schedule = PollSchedule::new();
    let mut at = Instant::now();
    loop {
        at += schedule.next_delay();
        shared.lock().next_round = Some(at);
        tokio::time::sleep_until(at).await;
        let Some(targets) = shared.start_round() else {
            return;
        };
        let wanted: HashSet<&str> = targets.iter().map(|(_, arn)| arn.as_str()).collect();
        let pass = shared.pass(&wanted).await;
        shared.finish_round(&targets, pass);
    }
}

type PageFuture<'a> = Pin<Box<dyn Future<Output = Result<JobPage, AwsFailure>> + Send + 'a>>;

/// `JobLister` made object-safe, so one board type serves every lister.
trait PageSource: Send + Sync {
    fn boxed_page(&self, token: Option<String>) -> PageFuture<'_>;
}

impl<L: JobLister> PageSource for L {
    fn boxed_page(&self, token: Option<String>) -> PageFuture<'_> {
        Box::pin(self.page(token))
    }
}

#[cfg(test)]
mod tests;
