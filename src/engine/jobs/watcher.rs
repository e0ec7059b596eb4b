//! The one loop that starts and watches every long AWS job. Each kind of job says how to find,
//! start, describe and explain its jobs; the watcher owns the order that keeps a crash or a lost
//! answer from ever starting a second job, and the polling that reports it.

use std::future::Future;
use std::time::{Duration, Instant};

use super::board::{JobBoard, JobBoards, JobWatch};
use crate::aws::explain::AwsFailure;
use crate::engine::costs::{import_stored_or_table_bytes, table_bytes};
use crate::engine::events::Event;
use crate::engine::fleet::limits::SlotKind;
use crate::engine::journal::{now_rfc3339, JobRecord, Journal, Step};
use crate::engine::migration::{Migration, Stop};
use crate::engine::poll::{elapsed_since, is_overdue, PollSchedule};

/// How often a job-starting call is tried when it got no answer.
pub(crate) const START_ATTEMPTS: u32 = 5;

/// Where a job stands, read from its kind's own status words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    Succeeded,
    Failed,
}

/// What every kind of job reports in its Describe answer, under whatever names its API uses.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JobView<'a> {
    pub arn: &'a str,
    pub status: &'a str,
    /// The idempotency token AWS echoes back, where the API has one.
    pub client_token: Option<&'a str>,
    /// RFC 3339, so a reattached process shows the job's real age.
    pub started_at: Option<&'a str>,
    pub ended_at: Option<&'a str>,
    pub failure_code: Option<&'a str>,
    pub failure_message: Option<&'a str>,
    /// Only where the API reports one (AWS Backup jobs); exports and imports report none.
    pub percent_done: Option<u8>,
    /// AWS's own estimate of the whole job in minutes, where the API gives one (AWS Backup's
    /// restore jobs): the wizard shows it as the expected completion.
    pub expected_minutes: Option<u64>,
}

/// A wait the kind asks for before trying its start call again, outside the retry budget.
#[derive(Debug, Clone)]
pub(crate) struct NotReady {
    pub wait: Duration,
    /// The warning shown while waiting.
    pub message: String,
}

/// One kind of long AWS job. A value of it holds everything one job needs (clients, request
/// parameters, what explanations quote), built by its step; the watcher supplies the rest.
pub(crate) trait LongJob: Sync {
    /// The Describe answer, as the AWS layer returns it.
    type Info: Send;
    /// The word in events and warnings: "export", "import".
    const NAME: &'static str;
    /// The step whose events the job's events are.
    const STEP: Step;

    /// Where the journal keeps this job.
    fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord>;

    /// Whether the start call takes an idempotency token (CreateBackup, for one, takes none:
    /// then only the lookup before a resend keeps a second job from starting).
    fn takes_token(&self) -> bool {
        true
    }

    /// The job this migration started, when the journal has no ARN for it: by the saved token,
    /// by name or by target. Called before the first start and before every resend.
    fn find_started(
        &self,
        saved: Option<&JobRecord>,
    ) -> impl Future<Output = Result<Option<Self::Info>, AwsFailure>> + Send;

    /// The one call that starts this kind of job, with the token when it takes one.
    fn start(
        &self,
        token: Option<&str>,
    ) -> impl Future<Output = Result<Self::Info, AwsFailure>> + Send;

    fn describe(&self, arn: &str) -> impl Future<Output = Result<Self::Info, AwsFailure>> + Send;

    fn view<'a>(&self, info: &'a Self::Info) -> JobView<'a>;

    fn phase(&self, info: &Self::Info) -> Phase;

    /// Writes what only this kind reports (counts, bytes, its detail) into the journal record;
    /// the watcher writes what `view` gives.
    fn store_details(&self, info: &Self::Info, record: &mut JobRecord);

    /// A failure from the catalogue for a job that ended in `Phase::Failed`.
    fn explain_failure(&self, info: &Self::Info) -> AwsFailure;

    /// About how long such a job takes here, for the one "this is slow" warning.
    fn expected_minutes(&self) -> u64;

    /// The CLI command that shows the job, quoted in the slow warning.
    fn status_command(&self, arn: &str) -> String;

    /// The fleet's count this kind of job is held to (exports and imports); none for the
    /// others, which fleets do not run.
    fn slot(&self) -> Option<SlotKind> {
        None
    }

    /// The board that lists this kind's jobs in a fleet, where the kind has a list call that
    /// reports status (ListExports, ListImports); the others are described every round.
    fn board<'b>(&self, _boards: &'b JobBoards) -> Option<&'b JobBoard> {
        None
    }

    /// A refusal of the start call that only needs time (an export right after PITR was turned
    /// on): the watcher waits as told and calls again without counting a retry.
    fn not_ready(&self, _failure: &AwsFailure, _since_first_call: Duration) -> Option<NotReady> {
        None
    }
}

impl Migration {
    /// The job this migration already started, if any: by the ARN in the journal, else by the
    /// kind's own search. A job found is announced as reattached.
    pub(crate) async fn find_job<J: LongJob>(&mut self, job: &J) -> Result<Option<J::Info>, Stop> {
        let found = self.look_for_job(job).await?;
        if let Some(info) = &found {
            self.events.send(Event::JobStarted {
                step: J::STEP,
                job: J::NAME,
                arn: job.view(info).arn.to_owned(),
                reattached: true,
            });
        }
        Ok(found)
    }

    /// The token for the start call: the one an earlier try saved, so a resend is recognised
    /// as the same job, else a new one; none for kinds whose API takes none.
    pub(crate) fn job_token<J: LongJob>(&mut self, job: &J) -> Option<String> {
        if !job.takes_token() {
            return None;
        }
        Some(match job.record(&mut self.journal) {
            Some(rec) => rec.client_token.clone(),
            None => uuid::Uuid::new_v4().to_string(),
        })
    }

    /// Starts the job. The record (with the token) is saved before the call: a crash between
    /// the call and the next save leaves it, and it finds the running job again.
    pub(crate) async fn start_job<J: LongJob>(
        &mut self,
        job: &J,
        token: Option<String>,
    ) -> Result<J::Info, Stop> {
        // A resend after a crash keeps the first request's time: the lookups compare jobs'
        // creation times with it.
        self.take_fleet_slot(job).await;
        let requested_at = job
            .record(&mut self.journal)
            .as_ref()
            .and_then(|r| r.requested_at.clone())
            .unwrap_or_else(now_rfc3339);
        *job.record(&mut self.journal) = Some(JobRecord {
            client_token: token.clone().unwrap_or_default(),
            requested_at: Some(requested_at),
            ..JobRecord::default()
        });
        self.save()?;
        let (info, reattached) = self.start_with_retries(job, token.as_deref()).await?;
        self.events.send(Event::JobStarted {
            step: J::STEP,
            job: J::NAME,
            arn: job.view(&info).arn.to_owned(),
            reattached,
        });
        Ok(info)
    }

    /// Stores the job in the journal and polls it until it ends; a failed job becomes its
    /// kind's explained failure. Returns the final Describe answer. In a fleet, the job
    /// holds its slot until it ends (a job found running takes one without waiting).
    ///
    /// Alone, the job is described every round. In a fleet whose boards list this kind, it
    /// waits on the board instead and is described only when its listed status moved or the
    /// list did not show it; the status event still goes out once a round of its own
    /// schedule, so a driver sees the job is alive.
    pub(crate) async fn watch_job<J: LongJob>(
        &mut self,
        job: &J,
        info: J::Info,
    ) -> Result<J::Info, Stop> {
        if let (Some(kind), Some(link), None) = (job.slot(), &self.fleet, &self.job_slot) {
            if job.phase(&info) == Phase::Running {
                let bytes = self.slot_bytes(kind);
                self.job_slot = Some(link.limiter.take_running(kind, bytes));
            }
        }
        let ended = self.watch_until_end(job, info).await;
        self.job_slot = None;
        ended
    }

    /// Waits for a free slot of the fleet before a job of `job`'s kind starts, saying so
    /// when it must wait. Nothing to wait for outside a fleet.
    async fn take_fleet_slot<J: LongJob>(&mut self, job: &J) {
        let (Some(kind), Some(link)) = (job.slot(), self.fleet.clone()) else {
            return;
        };
        if self.job_slot.is_some() {
            return;
        }
        let bytes = self.slot_bytes(kind);
        let slot = match link.limiter.try_acquire(kind, bytes) {
            Some(slot) => slot,
            None => {
                let l = link.limiter.limits();
                let (limit, what) = match kind {
                    SlotKind::Export => (l.exports, "exports"),
                    SlotKind::Import => (l.imports, "imports"),
                };
                self.events.info(
                    J::STEP,
                    format!(
                        "waiting for a free slot: the fleet runs at most {limit} {what} at once (or their bytes reach the fleet's limit); this {} starts as soon as one ends",
                        J::NAME
                    ),
                );
                link.limiter.acquire(kind, bytes).await
            }
        };
        self.job_slot = Some(slot);
    }

    /// What a job of `kind` counts against the fleet's byte limits: the table's size for an
    /// export, the export's files for an import.
    fn slot_bytes(&self, kind: SlotKind) -> u64 {
        match kind {
            SlotKind::Export => table_bytes(&self.journal),
            SlotKind::Import => import_stored_or_table_bytes(&self.journal),
        }
    }

    async fn watch_until_end<J: LongJob>(
        &mut self,
        job: &J,
        mut info: J::Info,
    ) -> Result<J::Info, Stop> {
        self.store_job(job, &info)?;
        let boards = self.job_boards.clone();
        let mut listed = boards
            .as_deref()
            .and_then(|b| job.board(b))
            .map(|board| board.watch(job.view(&info).arn));
        let started = Instant::now();
        let mut schedule = PollSchedule::new();
        let expected = job.expected_minutes();
        let mut warned_slow = false;
        loop {
            match job.phase(&info) {
                Phase::Succeeded => return Ok(info),
                Phase::Failed => return Err(job.explain_failure(&info).into()),
                Phase::Running => {}
            }
            let view = job.view(&info);
            let elapsed = elapsed_since(view.started_at, started);
            if !warned_slow && is_overdue(elapsed, expected) {
                warned_slow = true;
                self.events.warn_explained(
                    J::STEP,
                    AwsFailure::job_slow(J::NAME, elapsed, expected, &job.status_command(view.arn)),
                );
            }
            let delay = schedule.next_delay();
            let next_check = listed.as_ref().and_then(JobWatch::next_round_in);
            self.events.send(Event::JobStatus {
                step: J::STEP,
                job: J::NAME,
                status: view.status.to_owned(),
                started_at: view.started_at.map(str::to_owned),
                elapsed_secs: elapsed_since(view.started_at, started),
                next_check_secs: next_check.unwrap_or(delay).as_secs(),
                percent_done: view.percent_done,
                expected_minutes: view.expected_minutes,
            });
            let arn = view.arn.to_owned();
            let previous = view.status.to_owned();
            match listed.as_mut() {
                None => tokio::time::sleep(delay).await,
                Some(watch) => match tokio::time::timeout(delay, watch.changed(&previous)).await {
                    // Unchanged for a whole delay: only the status event again.
                    Err(_) => continue,
                    // Moved, or not listed: the Describe says what the list does not.
                    Ok(word) => {
                        word?;
                    }
                },
            }
            info = job.describe(&arn).await?;
            // A running job is saved when its status moves; one that ended, always.
            if job.view(&info).status != previous || job.phase(&info) != Phase::Running {
                self.store_job(job, &info)?;
            }
        }
    }

    async fn look_for_job<J: LongJob>(&mut self, job: &J) -> Result<Option<J::Info>, AwsFailure> {
        let saved = job.record(&mut self.journal).clone();
        if let Some(arn) = saved.as_ref().and_then(|r| r.arn.as_deref()) {
            return job.describe(arn).await.map(Some);
        }
        job.find_started(saved.as_ref()).await
    }

    /// The start call, made so that a lost answer never starts a second job: the SDK does not
    /// repeat it; after a call that may have reached AWS the job is looked for before the call
    /// is made again (with the same token where the kind takes one). Returns the job and
    /// whether it was found rather than started.
    async fn start_with_retries<J: LongJob>(
        &mut self,
        job: &J,
        token: Option<&str>,
    ) -> Result<(J::Info, bool), AwsFailure> {
        let first_call = Instant::now();
        let mut attempt = 0u32;
        let mut limited = 0u32;
        loop {
            attempt += 1;
            let failure = match job.start(token).await {
                Ok(info) => return Ok((info, false)),
                Err(f) => f,
            };
            if let Some(not_ready) = job.not_ready(&failure, first_call.elapsed()) {
                self.events.warn(J::STEP, not_ready.message);
                tokio::time::sleep(not_ready.wait).await;
                continue;
            }
            // AWS refused because the account runs as many jobs as its quota allows: nothing
            // started, so the call is made again once others had time to end, never counted
            // against the retries and never failing the table.
            if failure.code == "limit-exceeded" {
                limited += 1;
                let wait = limit_backoff(limited);
                self.events.warn(
                    J::STEP,
                    format!(
                        "AWS refused to start the {name}: the account already runs as many {name}s as its quota allows ({}); trying again in {} s",
                        failure.what,
                        wait.as_secs(),
                        name = J::NAME,
                    ),
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            if !failure.retryable || attempt >= START_ATTEMPTS {
                return Err(failure);
            }
            let wait = Duration::from_secs(1 << attempt.min(4));
            self.events.warn(
                J::STEP,
                format!(
                    "the {name} call failed ({}); checking whether AWS started the {name} anyway, then trying again in {} s",
                    failure.what,
                    wait.as_secs(),
                    name = J::NAME,
                ),
            );
            tokio::time::sleep(wait).await;
            if let Some(info) = self.look_for_job(job).await? {
                return Ok((info, true));
            }
        }
    }

    fn store_job<J: LongJob>(&mut self, job: &J, info: &J::Info) -> Result<(), Stop> {
        let view = job.view(info);
        let rec = job
            .record(&mut self.journal)
            .get_or_insert_with(JobRecord::default);
        if let Some(t) = view.client_token {
            rec.client_token = t.to_owned();
        }
        rec.arn = Some(view.arn.to_owned());
        rec.status = Some(view.status.to_owned());
        rec.started_at = view.started_at.map(str::to_owned).or(rec.started_at.take());
        rec.ended_at = view.ended_at.map(str::to_owned);
        rec.failure_code = view.failure_code.map(str::to_owned);
        rec.failure_message = view.failure_message.map(str::to_owned);
        job.store_details(info, rec);
        self.save()?;
        Ok(())
    }
}

/// The wait after the `n`th `LimitExceededException` in a row: 2, 4, 8… seconds, at most a
/// minute, so a quota freed by another job is used soon without hammering the start call.
fn limit_backoff(n: u32) -> Duration {
    Duration::from_secs((1u64 << n.min(6)).min(60))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::sync::mpsc::unbounded_channel;

    use super::*;
    use crate::aws::explain::FailureKind;
    use crate::engine::events::EventSink;
    use crate::engine::jobs::fake_account::FakeAccount;
    use crate::engine::plan::Plan;

    #[derive(Debug, Clone)]
    struct Fake {
        arn: String,
        status: &'static str,
        percent: Option<u8>,
    }

    /// A kind of job without AWS: its first start call "times out" after AWS took it.
    struct FakeJob {
        tokens: bool,
        started: Mutex<Vec<Option<String>>>,
        running: Mutex<bool>,
    }

    impl FakeJob {
        fn new(tokens: bool) -> Self {
            Self {
                tokens,
                started: Mutex::new(Vec::new()),
                running: Mutex::new(false),
            }
        }
    }

    impl LongJob for FakeJob {
        type Info = Fake;
        const NAME: &'static str = "restore";
        const STEP: Step = Step::Import;

        fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
            &mut journal.import
        }

        fn takes_token(&self) -> bool {
            self.tokens
        }

        async fn find_started(&self, _: Option<&JobRecord>) -> Result<Option<Fake>, AwsFailure> {
            Ok(self.running.lock().unwrap().then(|| Fake {
                arn: "arn:job/1".into(),
                status: "RUNNING",
                percent: Some(40),
            }))
        }

        async fn start(&self, token: Option<&str>) -> Result<Fake, AwsFailure> {
            self.started.lock().unwrap().push(token.map(str::to_owned));
            *self.running.lock().unwrap() = true;
            let mut lost =
                AwsFailure::new("timeout", FailureKind::Unreachable, "no answer", "", "");
            lost.retryable = true;
            Err(lost)
        }

        async fn describe(&self, arn: &str) -> Result<Fake, AwsFailure> {
            Ok(Fake {
                arn: arn.to_owned(),
                status: "COMPLETED",
                percent: Some(100),
            })
        }

        fn view<'a>(&self, info: &'a Fake) -> JobView<'a> {
            JobView {
                arn: &info.arn,
                status: info.status,
                percent_done: info.percent,
                ..JobView::default()
            }
        }

        fn phase(&self, info: &Fake) -> Phase {
            match info.status {
                "COMPLETED" => Phase::Succeeded,
                "FAILED" => Phase::Failed,
                _ => Phase::Running,
            }
        }

        fn store_details(&self, _: &Fake, record: &mut JobRecord) {
            record.detail = Some("fake".into());
        }

        fn explain_failure(&self, _: &Fake) -> AwsFailure {
            AwsFailure::new("fake-failed", FailureKind::JobFailed, "", "", "")
        }

        fn expected_minutes(&self) -> u64 {
            10
        }

        fn status_command(&self, arn: &str) -> String {
            format!("aws backup describe-restore-job --restore-job-arn {arn}")
        }
    }

    fn migration(
        dir: &std::path::Path,
    ) -> (Migration, tokio::sync::mpsc::UnboundedReceiver<Event>) {
        let plan = Plan::parse(
            r#"{"source":{"profile":"a","table":"Orders"},"destination":{"profile":"b","bucket":"bkt-one"},"table":{"name":"Orders"}}"#,
            "t",
        )
        .unwrap();
        let journal = crate::engine::new_journal(plan, "m-1".into(), None, None);
        let (tx, rx) = unbounded_channel();
        (Migration::new(journal, dir, EventSink::new(tx), false), rx)
    }

    async fn start_and_watch(job: &FakeJob) -> (Migration, Vec<Event>, Fake) {
        let dir = tempfile::tempdir().unwrap();
        let (mut m, mut rx) = migration(dir.path());
        assert!(m.find_job(job).await.unwrap().is_none());
        let token = m.job_token(job);
        let info = m.start_job(job, token).await.unwrap();
        let done = m.watch_job(job, info).await.unwrap();
        // Dropping the sender ends the stream of events.
        m.events = EventSink::silent();
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        (m, events, done)
    }

    #[tokio::test]
    async fn a_lost_answer_is_looked_up_before_anything_is_sent_again() {
        for tokens in [true, false] {
            let job = FakeJob::new(tokens);
            let (m, events, done) = start_and_watch(&job).await;
            let started = job.started.lock().unwrap().clone();
            assert_eq!(started.len(), 1, "one start call, then the lookup found it");
            assert_eq!(started[0].is_some(), tokens);
            assert!(events.iter().any(|e| matches!(
                e,
                Event::JobStarted {
                    reattached: true,
                    ..
                }
            )));
            assert!(events.iter().any(|e| matches!(
                e,
                Event::JobStatus {
                    percent_done: Some(40),
                    ..
                }
            )));
            assert_eq!(done.status, "COMPLETED");
            let rec = m.journal.import.as_ref().unwrap();
            assert_eq!(rec.client_token, started[0].clone().unwrap_or_default());
            assert_eq!(rec.status.as_deref(), Some("COMPLETED"));
            assert_eq!(rec.detail.as_deref(), Some("fake"));
        }
    }

    /// An export in the fake account: listed there once `listed_after` passed since its start,
    /// and described from there, counting the Describe calls.
    struct BoardJob {
        account: Arc<FakeAccount>,
        listed_after: Duration,
        describes: Mutex<u32>,
    }

    const BOARD_ARN: &str = "arn:export/fleet-1";

    impl LongJob for BoardJob {
        type Info = Fake;
        const NAME: &'static str = "export";
        const STEP: Step = Step::Export;

        fn record<'j>(&self, journal: &'j mut Journal) -> &'j mut Option<JobRecord> {
            &mut journal.export
        }

        async fn find_started(&self, _: Option<&JobRecord>) -> Result<Option<Fake>, AwsFailure> {
            Ok(None)
        }

        async fn start(&self, _: Option<&str>) -> Result<Fake, AwsFailure> {
            let account = self.account.clone();
            let lag = self.listed_after;
            tokio::spawn(async move {
                tokio::time::sleep(lag).await;
                account.start(BOARD_ARN);
            });
            Ok(self.listed(None))
        }

        async fn describe(&self, _: &str) -> Result<Fake, AwsFailure> {
            *self.describes.lock().unwrap() += 1;
            Ok(self.listed(self.account.status(BOARD_ARN)))
        }

        fn view<'a>(&self, info: &'a Fake) -> JobView<'a> {
            JobView {
                arn: &info.arn,
                status: info.status,
                ..JobView::default()
            }
        }

        fn phase(&self, info: &Fake) -> Phase {
            match info.status {
                "COMPLETED" => Phase::Succeeded,
                _ => Phase::Running,
            }
        }

        fn store_details(&self, _: &Fake, _: &mut JobRecord) {}

        fn explain_failure(&self, _: &Fake) -> AwsFailure {
            AwsFailure::new("fake-failed", FailureKind::JobFailed, "", "", "")
        }

        fn expected_minutes(&self) -> u64 {
            10
        }

        fn status_command(&self, arn: &str) -> String {
            format!("aws dynamodb describe-export --export-arn {arn}")
        }

        fn board<'b>(&self, boards: &'b JobBoards) -> Option<&'b JobBoard> {
            Some(&boards.exports)
        }
    }

    impl BoardJob {
        fn listed(&self, status: Option<String>) -> Fake {
            Fake {
                arn: BOARD_ARN.into(),
                status: match status.as_deref() {
                    Some("COMPLETED") => "COMPLETED",
                    _ => "IN_PROGRESS",
                },
                percent: None,
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn in_a_fleet_a_job_is_described_only_when_the_list_moves_or_misses_it() {
        let account = FakeAccount::new(200, true);
        let dir = tempfile::tempdir().unwrap();
        let (mut m, mut rx) = migration(dir.path());
        m.job_boards = Some(Arc::new(JobBoards {
            exports: JobBoard::new(account.lister()),
            imports: JobBoard::new(FakeAccount::new(0, true).lister()),
        }));
        // The list shows the export 5 s after its start, as AWS's list may lag.
        let job = BoardJob {
            account: account.clone(),
            listed_after: Duration::from_secs(5),
            describes: Mutex::new(0),
        };
        let token = m.job_token(&job);
        let info = m.start_job(&job, token).await.unwrap();
        let finisher = account.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(20 * 60)).await;
            finisher.set(BOARD_ARN, "COMPLETED");
        });
        let done = m.watch_job(&job, info).await.unwrap();
        assert_eq!(done.status, "COMPLETED");
        // Rounds at 1 and 3 s miss it (a Describe each), the one that lists it done does.
        assert_eq!(*job.describes.lock().unwrap(), 3);
        // About 45 rounds in 20 minutes: the two that missed it read all 8 pages, the rest one.
        let rounds = m.job_boards.as_ref().unwrap().exports.rounds() as u32;
        assert!((44..=47).contains(&rounds), "{rounds}");
        assert_eq!(account.pages(), 2 * 8 + (rounds - 2));
        let rec = m.journal.export.as_ref().unwrap();
        assert_eq!(rec.status.as_deref(), Some("COMPLETED"));
        m.events = EventSink::silent();
        let mut statuses = 0u32;
        while let Some(e) = rx.recv().await {
            if let Event::JobStatus {
                next_check_secs, ..
            } = e
            {
                assert!(next_check_secs <= 30);
                statuses += 1;
            }
        }
        // Still once a round of the watcher's schedule, as alone: the driver sees it alive.
        assert!(
            statuses.abs_diff(rounds) <= 2,
            "{statuses} events, {rounds} rounds"
        );
    }

    #[test]
    fn the_percentage_is_left_out_of_json_when_a_job_reports_none() {
        let status = |percent_done| Event::JobStatus {
            step: Step::Export,
            job: "export",
            status: "IN_PROGRESS".into(),
            started_at: None,
            elapsed_secs: 1,
            next_check_secs: 2,
            percent_done,
            expected_minutes: None,
        };
        let none = serde_json::to_string(&status(None)).unwrap();
        assert_eq!(
            none,
            r#"{"event":"job_status","step":"export","job":"export","status":"IN_PROGRESS","elapsed_secs":1,"next_check_secs":2}"#
        );
        let some = serde_json::to_string(&status(Some(40))).unwrap();
        assert!(some.ends_with(r#""percent_done":40}"#), "{some}");
    }
}
