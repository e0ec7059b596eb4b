use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout, Instant};

use super::*;
use crate::engine::jobs::fake_account::{list_failure, FakeAccount, LATENCY};

const MINUTE: Duration = Duration::from_secs(60);

fn board(account: &Arc<FakeAccount>) -> JobBoard {
    JobBoard::new(account.lister())
}

/// A watcher that waits once for its job to leave `IN_PROGRESS`, and says when it was told.
fn waiter(board: &JobBoard, arn: &str) -> JoinHandle<(Result<Sighting, AwsFailure>, Instant)> {
    let mut watch = board.watch(arn);
    tokio::spawn(async move {
        let word = watch.changed("IN_PROGRESS").await;
        (word, Instant::now())
    })
}

fn start_jobs(account: &FakeAccount, n: usize) -> Vec<String> {
    let arns: Vec<String> = (0..n).map(|i| format!("arn:running/{i}")).collect();
    for arn in &arns {
        account.start(arn);
    }
    arns
}

#[tokio::test(start_paused = true)]
async fn a_round_reads_pages_only_until_every_watched_job_is_seen() {
    // 200 finished jobs and 30 running: newest first, the running ones fill the first two
    // pages; oldest first, every page is read.
    for (newest_first, per_round) in [(true, 2), (false, 10)] {
        let account = FakeAccount::new(200, newest_first);
        let arns = start_jobs(&account, 30);
        let board = board(&account);
        let waiters: Vec<_> = arns.iter().map(|a| waiter(&board, a)).collect();
        sleep(10 * MINUTE).await;
        let rounds = board.rounds() as u32;
        assert!(rounds > 20, "{rounds}");
        assert_eq!(
            account.pages(),
            per_round * rounds,
            "newest first: {newest_first}"
        );
        // The goal: at most ceil((registered + old) / 25) pages a round.
        assert!(per_round <= (30 + 200_u32).div_ceil(25));
        assert!(waiters.iter().all(|w| !w.is_finished()));
    }
}

#[tokio::test(start_paused = true)]
async fn one_poller_serves_every_watcher_at_a_pace_that_ignores_their_number() {
    let mut rounds = Vec::new();
    for n in [1, 100] {
        let account = FakeAccount::new(200, true);
        let arns = start_jobs(&account, n);
        let board = board(&account);
        let _waiters: Vec<_> = arns.iter().map(|a| waiter(&board, a)).collect();
        sleep(60 * MINUTE).await;
        assert_eq!(account.most_in_flight(), 1, "one page call at a time");
        assert_eq!(
            account.pages(),
            board.rounds() as u32 * n.div_ceil(25) as u32
        );
        rounds.push(board.rounds());
    }
    assert_eq!(
        rounds[0], rounds[1],
        "as many rounds for 100 jobs as for one"
    );
    // 1, 2, 3, 5, 8, 13, 20 s, then every 30 s: about 125 rounds an hour.
    assert!((120..=126).contains(&rounds[0]), "{rounds:?}");
}

#[tokio::test(start_paused = true)]
async fn a_watcher_wakes_only_when_its_job_moves() {
    let account = FakeAccount::new(200, true);
    let arns = start_jobs(&account, 2);
    let board = board(&account);
    let moving = waiter(&board, &arns[0]);
    let still = waiter(&board, &arns[1]);
    sleep(30 * MINUTE).await;
    assert!(!moving.is_finished() && !still.is_finished());
    let moved_at = Instant::now();
    account.set(&arns[0], "COMPLETED");
    let (word, told_at) = moving.await.unwrap();
    assert_eq!(word.unwrap(), Sighting::Listed("COMPLETED".into()));
    assert!(told_at - moved_at <= Duration::from_secs(30) + LATENCY);
    sleep(30 * MINUTE).await;
    assert!(!still.is_finished());
}

#[tokio::test(start_paused = true)]
async fn a_word_that_came_while_the_watcher_was_away_is_given_at_once() {
    let account = FakeAccount::new(0, true);
    let arns = start_jobs(&account, 1);
    let board = board(&account);
    let mut watch = board.watch(&arns[0]);
    assert!(timeout(MINUTE, watch.changed("IN_PROGRESS")).await.is_err());
    account.set(&arns[0], "COMPLETED");
    // Rounds run while the watcher is busy elsewhere (describing, sending events).
    sleep(MINUTE).await;
    let asked = Instant::now();
    assert_eq!(
        watch.changed("IN_PROGRESS").await.unwrap(),
        Sighting::Listed("COMPLETED".into())
    );
    assert_eq!(Instant::now(), asked);
    // Once it knows, the same word is not given again.
    assert!(timeout(MINUTE, watch.changed("COMPLETED")).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_job_the_list_does_not_show_is_handed_back_to_be_described() {
    let account = FakeAccount::new(200, true);
    let board = board(&account);
    let mut watch = board.watch("arn:just-started");
    let asked = Instant::now();
    assert_eq!(
        watch.changed("IN_PROGRESS").await.unwrap(),
        Sighting::NotListed
    );
    assert_eq!(account.pages(), 8, "a full pass first");
    assert_eq!(Instant::now() - asked, Duration::from_secs(1) + 8 * LATENCY);
    // Not again from the same round: the next one.
    assert_eq!(
        watch.changed("IN_PROGRESS").await.unwrap(),
        Sighting::NotListed
    );
    assert_eq!(Instant::now() - asked, Duration::from_secs(3) + 8 * LATENCY);
    // Once the list shows it, an unchanged status wakes nobody.
    account.start("arn:just-started");
    assert!(timeout(10 * MINUTE, watch.changed("IN_PROGRESS"))
        .await
        .is_err());
}

#[tokio::test(start_paused = true)]
async fn a_list_failure_reaches_the_watchers() {
    // Not worth a second try: the first failure is given.
    let account = FakeAccount::new(0, true);
    let arns = start_jobs(&account, 1);
    let board = board(&account);
    let mut watch = board.watch(&arns[0]);
    account.fail_next(list_failure(false));
    let failure = watch.changed("IN_PROGRESS").await.unwrap_err();
    assert_eq!(failure.code, "throttled");
    assert_eq!(account.pages(), 1);

    // One that may pass is tried once more: passing, nobody hears of it.
    account.fail_next(list_failure(true));
    assert!(timeout(MINUTE, watch.changed("IN_PROGRESS")).await.is_err());
    let pages = account.pages();
    account.set(&arns[0], "COMPLETED");
    assert_eq!(
        watch.changed("IN_PROGRESS").await.unwrap(),
        Sighting::Listed("COMPLETED".into())
    );
    assert_eq!(account.pages(), pages + 1);

    // Failing twice, it is given.
    account.fail_next(list_failure(true));
    account.fail_next(list_failure(true));
    let before = account.pages();
    assert!(watch.changed("COMPLETED").await.is_err());
    assert_eq!(account.pages(), before + 2);
}

#[tokio::test(start_paused = true)]
async fn a_job_seen_before_the_list_failed_gets_its_status() {
    // Newest first: the first page holds arns[25] down to arns[1], the second arns[0].
    let account = FakeAccount::new(0, true);
    let arns = start_jobs(&account, 26);
    account.set(&arns[25], "COMPLETED");
    let board = board(&account);
    let on_first_page = waiter(&board, &arns[25]);
    let on_second_page = waiter(&board, &arns[0]);
    account.answer_next();
    account.fail_next(list_failure(false));
    let (word, _) = on_first_page.await.unwrap();
    assert_eq!(word.unwrap(), Sighting::Listed("COMPLETED".into()));
    let (word, _) = on_second_page.await.unwrap();
    assert_eq!(word.unwrap_err().code, "throttled");
    assert_eq!(account.pages(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_poller_stops_when_nobody_watches_and_starts_again_quickly() {
    let account = FakeAccount::new(0, true);
    let arns = start_jobs(&account, 1);
    let board = board(&account);
    let mut watch = board.watch(&arns[0]);
    assert!(timeout(10 * MINUTE, watch.changed("IN_PROGRESS"))
        .await
        .is_err());
    drop(watch);
    sleep(MINUTE).await;
    let pages = account.pages();
    sleep(60 * MINUTE).await;
    assert_eq!(account.pages(), pages, "no calls for nobody");
    account.set(&arns[0], "COMPLETED");
    let mut watch = board.watch(&arns[0]);
    let asked = Instant::now();
    watch.changed("IN_PROGRESS").await.unwrap();
    assert_eq!(Instant::now() - asked, Duration::from_secs(1) + LATENCY);
    assert_eq!(account.pages(), pages + 1);
}
