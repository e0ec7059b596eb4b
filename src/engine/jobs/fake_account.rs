//! An account's jobs in memory, listed 25 a page as ListExports and ListImports list them, with
//! a count of the page calls: the board's and the watcher's tests drive a board with it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::board::{JobLister, JobPage};
use crate::aws::dynamodb::ListedJob;
use crate::aws::explain::{AwsFailure, FailureKind};

/// What one page call takes, so that two pollers running at once would overlap.
pub(crate) const LATENCY: Duration = Duration::from_millis(100);

pub(crate) struct FakeAccount {
    newest_first: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// In the order the list returns them.
    jobs: Vec<ListedJob>,
    pages: u32,
    in_flight: u32,
    most_in_flight: u32,
    /// How the next page calls end: `None` answers, a failure fails; answers when empty.
    script: VecDeque<Option<AwsFailure>>,
}

impl FakeAccount {
    /// An account with `old` finished jobs; jobs started later are listed before them when
    /// `newest_first`, after them otherwise.
    pub(crate) fn new(old: usize, newest_first: bool) -> Arc<Self> {
        let jobs = (0..old)
            .map(|i| ListedJob {
                arn: format!("arn:old/{i}"),
                status: "COMPLETED".into(),
            })
            .collect();
        Arc::new(Self {
            newest_first,
            state: Mutex::new(State {
                jobs,
                ..State::default()
            }),
        })
    }

    pub(crate) fn lister(self: &Arc<Self>) -> AccountList {
        AccountList(self.clone())
    }

    /// Starts a job, `IN_PROGRESS`.
    pub(crate) fn start(&self, arn: &str) {
        let job = ListedJob {
            arn: arn.to_owned(),
            status: "IN_PROGRESS".into(),
        };
        let mut state = self.state.lock().unwrap();
        if self.newest_first {
            state.jobs.insert(0, job);
        } else {
            state.jobs.push(job);
        }
    }

    pub(crate) fn set(&self, arn: &str, status: &str) {
        let mut state = self.state.lock().unwrap();
        let job = state.jobs.iter_mut().find(|j| j.arn == arn).unwrap();
        job.status = status.to_owned();
    }

    pub(crate) fn status(&self, arn: &str) -> Option<String> {
        let state = self.state.lock().unwrap();
        state
            .jobs
            .iter()
            .find(|j| j.arn == arn)
            .map(|j| j.status.clone())
    }

    /// The next page call not yet scripted fails so.
    pub(crate) fn fail_next(&self, failure: AwsFailure) {
        self.state.lock().unwrap().script.push_back(Some(failure));
    }

    /// The next page call not yet scripted answers.
    pub(crate) fn answer_next(&self) {
        self.state.lock().unwrap().script.push_back(None);
    }

    pub(crate) fn pages(&self) -> u32 {
        self.state.lock().unwrap().pages
    }

    /// The most page calls that were ever running at once.
    pub(crate) fn most_in_flight(&self) -> u32 {
        self.state.lock().unwrap().most_in_flight
    }

    async fn page(&self, token: Option<String>) -> Result<JobPage, AwsFailure> {
        {
            let mut state = self.state.lock().unwrap();
            state.pages += 1;
            state.in_flight += 1;
            state.most_in_flight = state.most_in_flight.max(state.in_flight);
        }
        tokio::time::sleep(LATENCY).await;
        let mut state = self.state.lock().unwrap();
        state.in_flight -= 1;
        if let Some(Some(failure)) = state.script.pop_front() {
            return Err(failure);
        }
        let start: usize = token.map_or(0, |t| t.parse().unwrap());
        let end = (start + 25).min(state.jobs.len());
        let next = (end < state.jobs.len()).then(|| end.to_string());
        Ok((state.jobs[start..end].to_vec(), next))
    }
}

pub(crate) struct AccountList(Arc<FakeAccount>);

impl JobLister for AccountList {
    async fn page(&self, token: Option<String>) -> Result<JobPage, AwsFailure> {
        self.0.page(token).await
    }
}

/// A failure of the list call, one that may pass when `retryable`.
pub(crate) fn list_failure(retryable: bool) -> AwsFailure {
    let mut f = AwsFailure::new(
        "throttled",
        FailureKind::Unreachable,
        "AWS refused dynamodb:ListExports: ThrottlingException",
        "",
        "",
    );
    f.retryable = retryable;
    f
}
