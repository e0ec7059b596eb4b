//! What watching a fleet's exports costs in AWS calls an hour: the job board (ListExports
//! pages, a DescribeExport only when a job's listed status moves) against one DescribeExport
//! per job per round, which is what the watcher of a single table does.
//!
//! The account is in memory and the clock is tokio's paused one, so the figures come from the
//! real `JobBoard` and `PollSchedule`, are the same on every run, and the whole bench takes well
//! under a second. The account holds 200 finished exports and N running ones (N = 1, 10, 100),
//! listed 25 a page in either order: AWS does not document its order, so newest first (the
//! running jobs on the first pages) is the best case and oldest first the worst. N watchers
//! wait on the board for an hour; then every export completes and each watcher describes its
//! own once. It deliberately never runs against the emulator: counting calls needs no network,
//! and the emulator lists in one of the two orders only.
//!
//! `cargo bench --bench watching` (`cargo test --all-targets` runs it too: it is that quick).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ddb_ferry::aws::dynamodb::ListedJob;
use ddb_ferry::aws::explain::AwsFailure;
use ddb_ferry::engine::jobs::board::{JobBoard, JobLister, JobPage, Sighting};
use ddb_ferry::engine::poll::PollSchedule;

const OLD: usize = 200;
const PAGE: usize = 25;
const HOUR: Duration = Duration::from_secs(3600);
const FLEETS: [usize; 3] = [1, 10, 100];

/// An account's exports in memory, counting the page calls made on it.
struct Account {
    jobs: Mutex<Vec<ListedJob>>,
    pages: AtomicU32,
}

impl Account {
    fn new(running: usize, newest_first: bool) -> Arc<Self> {
        let job = |arn: String, status: &str| ListedJob {
            arn,
            status: status.into(),
        };
        let old = (0..OLD).map(|i| job(format!("arn:old/{i}"), "COMPLETED"));
        let new = (0..running).map(|i| job(format!("arn:running/{i}"), "IN_PROGRESS"));
        let jobs = if newest_first {
            new.chain(old).collect()
        } else {
            old.chain(new).collect()
        };
        Arc::new(Self {
            jobs: Mutex::new(jobs),
            pages: AtomicU32::new(0),
        })
    }

    fn status(&self, arn: &str) -> String {
        let jobs = self.jobs.lock().expect("account");
        let job = jobs
            .iter()
            .find(|j| j.arn == arn)
            .expect("a job we started");
        job.status.clone()
    }

    fn complete_all(&self) {
        for job in self.jobs.lock().expect("account").iter_mut() {
            job.status = "COMPLETED".into();
        }
    }

    fn pages(&self) -> u32 {
        self.pages.load(Ordering::SeqCst)
    }
}

struct Lister(Arc<Account>);

impl JobLister for Lister {
    async fn page(&self, token: Option<String>) -> Result<JobPage, AwsFailure> {
        self.0.pages.fetch_add(1, Ordering::SeqCst);
        let jobs = self.0.jobs.lock().expect("account");
        let start: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let end = (start + PAGE).min(jobs.len());
        let next = (end < jobs.len()).then(|| end.to_string());
        Ok((jobs[start..end].to_vec(), next))
    }
}

/// One fleet on the board: its hour, then the completion.
struct BoardFigures {
    rounds: u64,
    pages: u32,
    describes: u32,
    end_pages: u32,
    end_describes: u32,
}

async fn with_board(running: usize, newest_first: bool) -> BoardFigures {
    let account = Account::new(running, newest_first);
    let board = Arc::new(JobBoard::new(Lister(account.clone())));
    let describes = Arc::new(AtomicU32::new(0));
    let watchers: Vec<_> = (0..running)
        .map(|i| {
            let arn = format!("arn:running/{i}");
            let mut watch = board.watch(&arn);
            let (account, describes) = (account.clone(), describes.clone());
            // What `watch_job` does with a board: wait, and describe only when told.
            tokio::spawn(async move {
                let mut known = "IN_PROGRESS".to_owned();
                while known != "COMPLETED" {
                    match watch.changed(&known).await {
                        Ok(Sighting::Listed(_) | Sighting::NotListed) => {
                            describes.fetch_add(1, Ordering::SeqCst);
                            known = account.status(&arn);
                        }
                        Err(f) => panic!("the in-memory list failed: {}", f.what),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(HOUR).await;
    let (rounds, pages, in_hour) = (
        board.rounds(),
        account.pages(),
        describes.load(Ordering::SeqCst),
    );
    account.complete_all();
    for w in watchers {
        w.await.expect("a watcher");
    }
    BoardFigures {
        rounds,
        pages,
        describes: in_hour,
        end_pages: account.pages() - pages,
        end_describes: describes.load(Ordering::SeqCst) - in_hour,
    }
}

/// The single-table watcher, once per job: a Describe every round of its schedule.
async fn describe_per_job(running: usize) -> u32 {
    let calls = Arc::new(AtomicU32::new(0));
    for _ in 0..running {
        let calls = calls.clone();
        tokio::spawn(async move {
            let mut schedule = PollSchedule::new();
            loop {
                tokio::time::sleep(schedule.next_delay()).await;
                calls.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    tokio::time::sleep(HOUR).await;
    calls.load(Ordering::SeqCst)
}

fn paused<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime")
        .block_on(f)
}

fn main() {
    let began = std::time::Instant::now();
    println!(
        "ddb-ferry watching bench: one hour of N running exports, {OLD} finished ones in the account, {PAGE} a page"
    );
    println!("(in memory on a paused clock; the board and the schedule are the real ones)\n");
    println!(
        "{:>4}  {:<12}  {:>8}  {:>11}  {:>10}  {:>13}  {:>16}  {:>13}  {:>18}  {:>13}",
        "jobs",
        "list order",
        "rounds/h",
        "pages/round",
        "goal/round",
        "ListExports/h",
        "DescribeExport/h",
        "board calls/h",
        "Describe/job/round",
        "at completion"
    );
    for newest_first in [true, false] {
        for n in FLEETS {
            let board = paused(with_board(n, newest_first));
            let today = paused(describe_per_job(n));
            let per_round = board.pages as f64 / board.rounds as f64;
            // ceil(N/25) pages of running jobs, plus the pages of older jobs listed before them.
            let older_before = if newest_first { 0 } else { OLD.div_ceil(PAGE) };
            let goal = n.div_ceil(PAGE) + older_before;
            println!(
                "{n:>4}  {:<12}  {:>8}  {:>11.1}  {:>10}  {:>13}  {:>16}  {:>13}  {:>18}  {:>13}",
                if newest_first {
                    "newest first"
                } else {
                    "oldest first"
                },
                board.rounds,
                per_round,
                format!(
                    "{goal} {}",
                    if per_round <= goal as f64 {
                        "met"
                    } else {
                        "MISSED"
                    }
                ),
                board.pages,
                board.describes,
                board.pages + board.describes,
                today,
                format!("{} p + {} D", board.end_pages, board.end_describes),
            );
        }
    }
    println!(
        "\nboard calls/h: its ListExports pages plus its DescribeExport calls in the hour (a Describe only when a listed \
         status moves or a job is not listed); Describe/job/round: the single-table watcher's calls for the same jobs, {} \
         rounds/h each; at completion: the pages (p) and Describes (D) the board spent to see every export end.",
        paused(describe_per_job(1))
    );
    println!("done in {:.2} s", began.elapsed().as_secs_f64());
}
