//! A full, consistent, parallel Scan of one table: `segments` segments read at once, each
//! page handed to a [`PageSink`] and counted on a progress channel. Only what the sink keeps
//! stays in memory; the pages themselves are dropped once taken.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use super::limiter::ReadLimiter;
use super::{CompareSide, Side};
use crate::aws::attr::JsonItem;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::compare::{consistent_read_units, page_limit};

/// Tries of one page when AWS answers with a failure that may pass (throttling, a dropped
/// connection), after the SDK's own retries; the waits double from one second.
const PAGE_TRIES: u32 = 5;

/// What a pass does with the items it reads; called from every segment at once.
pub(super) trait PageSink: Send + Sync + 'static {
    fn take(&self, items: &[JsonItem]);
}

/// One page read, for progress.
#[derive(Debug, Clone, Copy)]
pub(super) struct PageRead {
    pub side: Side,
    pub items: u64,
    pub units: f64,
}

/// Reads every item of `side`'s table once, in `segments` parallel segments.
pub(super) async fn scan_table(
    side: &CompareSide,
    which: Side,
    segments: u32,
    max_rcu: Option<u32>,
    limiter: Arc<ReadLimiter>,
    sink: Arc<dyn PageSink>,
    progress: UnboundedSender<PageRead>,
) -> Result<(), AwsFailure> {
    let segments = segments.max(1);
    let mut tasks = JoinSet::new();
    for segment in 0..segments {
        let (dynamo, table) = (side.dynamo.clone(), side.table.clone());
        let (limiter, sink, progress) = (limiter.clone(), sink.clone(), progress.clone());
        tasks.spawn(async move {
            let mut start: Option<JsonItem> = None;
            let mut units_per_item: Option<f64> = None;
            loop {
                limiter.before_read().await;
                let limit = page_limit(max_rcu, segments, units_per_item);
                let page = with_retries(|| {
                    dynamo.scan_page(&table, segment, segments, start.clone(), true, limit)
                })
                .await?;
                let units = page.consumed_rcu.unwrap_or_else(|| {
                    let bytes: usize = page.items.iter().map(approximate_size).sum();
                    consistent_read_units([bytes])
                });
                limiter.spent(units);
                if !page.items.is_empty() {
                    units_per_item = Some(units / page.items.len() as f64);
                }
                sink.take(&page.items);
                let _ = progress.send(PageRead {
                    side: which,
                    items: page.items.len() as u64,
                    units,
                });
                match page.last_key {
                    Some(k) => start = Some(k),
                    None => return Ok::<(), AwsFailure>(()),
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(f)) => return Err(f),
            Err(e) => return Err(task_failed(e)),
        }
    }
    Ok(())
}

/// Calls `call` until it succeeds, fails for good, or has failed [`PAGE_TRIES`] times.
async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, AwsFailure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsFailure>>,
{
    let mut wait = Duration::from_secs(1);
    for _ in 1..PAGE_TRIES {
        match call().await {
            Err(f) if f.retryable => {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            done => return done,
        }
    }
    call().await
}

/// An item's size as DynamoDB counts it, near enough for a read-cost estimate: its names
/// and values as JSON text.
pub(super) fn approximate_size(item: &JsonItem) -> usize {
    item.iter()
        .map(|(k, v)| k.len() + v.to_string().len())
        .sum()
}

fn task_failed(e: tokio::task::JoinError) -> AwsFailure {
    AwsFailure::new(
        "compare-task-failed",
        FailureKind::BadInput,
        format!("a task reading a table for the compare stopped: {e}"),
        "a fault in ddb-ferry (nothing was written to either table)",
        "run the compare again with RUST_LOG=debug and report the log file",
    )
}
