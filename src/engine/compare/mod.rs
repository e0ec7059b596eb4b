//! `compare`: proves two tables equal, item for item, without holding either in memory.
//!
//! 1. **Digest.** Both tables are read at once with parallel consistent Scans. Each item is
//!    hashed in canonical form into the bucket of its key's hash (`logic::compare`): only one
//!    digest per bucket and side stays in memory. Equal digests everywhere: the tables are
//!    equal.
//! 2. **Examine.** Both tables are read again; only the keys and item hashes of the items in
//!    some of the differing buckets are kept (`choose_buckets`: enough to name `show`
//!    differences, within a bound of keys held), then paired by key.
//! 3. **Fetch.** The differences to show are read back by key on both sides with consistent
//!    BatchGetItem, which names the attributes that differ (and drops a difference the
//!    tables no longer have).
//!
//! An item whose TTL has expired is counted apart: DynamoDB deletes expired items at its own
//! pace on each side, so one still present on one side only is no difference of the tables.

mod fetch;
mod limiter;
mod migration;
mod passes;
mod scan;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::AwsFailure;
pub use crate::logic::compare::{buckets_for_items, Difference, DifferenceKind};
use crate::logic::compare::{choose_buckets, pair_entries, DEFAULT_BUCKETS};

use limiter::ReadLimiter;
pub use migration::compare_migration;

/// Keys the examination holds at most (both sides together), beyond one bucket's: about 40
/// bytes plus the key itself each, so some tens of MB at most.
const MAX_KEYS_HELD: u64 = 200_000;

/// One table to compare and the client of its account.
#[derive(Debug, Clone)]
pub struct CompareSide {
    pub dynamo: Dynamo,
    pub table: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareOptions {
    /// Parallel Scan segments per table (both tables are read at once).
    pub segments: u32,
    /// Read capacity units a second each table may be read at, at most; `None`: as fast as
    /// the table serves. A consistent read costs one unit per 4 KB.
    pub max_rcu: Option<u32>,
    /// Buckets the items are grouped in by the hash of their key.
    pub buckets: u32,
    /// Differences (and expired items) named in full; the rest are counted.
    pub show: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            segments: 8,
            max_rcu: None,
            buckets: DEFAULT_BUCKETS,
            show: 20,
        }
    }
}

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Source,
    Destination,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparePhase {
    /// Both tables read in full, digests made.
    Digest,
    /// Both tables read again for the keys of the differing buckets.
    Examine,
    /// The differences read back by key.
    Fetch,
}

/// What a compare reports while it runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CompareEvent {
    /// A migration's compare starts: the two tables, what pairs their items, and when TTL
    /// counts as expired.
    Started {
        source_table: String,
        source_account: String,
        source_region: String,
        dest_table: String,
        dest_account: String,
        dest_region: String,
        key_names: Vec<String>,
        ttl_attribute: Option<String>,
        now_epoch_secs: i64,
        buckets: u32,
        segments: u32,
    },
    /// Items read so far in this phase, per table (after every page).
    Progress {
        phase: ComparePhase,
        source_items: u64,
        dest_items: u64,
    },
    /// The digests are compared: how many buckets differ and how many are examined next.
    DigestsCompared {
        buckets: u32,
        differing_buckets: u32,
        expired_only_buckets: u32,
        examined_buckets: u32,
    },
    /// This many keys are read back by key on each side.
    Fetching { keys: usize },
}

/// What a compare found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    /// Every live item is on both sides, equal (expired items aside).
    pub equal: bool,
    /// Items read from each table (expired ones included).
    pub source_items: u64,
    pub dest_items: u64,
    /// Of those, items whose TTL had expired.
    pub source_expired_items: u64,
    pub dest_expired_items: u64,
    pub buckets: u32,
    /// Buckets whose live items differ.
    pub differing_buckets: u32,
    /// The first differences, in bucket order, each named.
    pub differences: Vec<Difference>,
    /// Differences beyond those named.
    pub more_differences: u64,
    /// False when some differing buckets were not examined (enough was found):
    /// `more_differences` is then a lower bound.
    pub differences_counted_exactly: bool,
    /// Items expired on every side that holds them, and unequal: DynamoDB will delete them.
    pub expired_ttl: Vec<Difference>,
    pub more_expired_ttl: u64,
    /// The same for `more_expired_ttl`.
    pub expired_counted_exactly: bool,
    /// Differences seen by the second pass that were gone when read back by key: the tables
    /// are being written to.
    pub changed_while_compared: u64,
    /// Read capacity units consumed per table.
    pub source_rcu: f64,
    pub dest_rcu: f64,
    pub seconds: f64,
}

/// Compares `source.table` with `dest.table` in full. `key_names` are the tables' key
/// attributes (partition key first); `ttl_attribute` the source table's TTL attribute, if
/// TTL is on; `now_epoch_secs` the instant expiry is judged at (fixed for the whole compare).
pub async fn compare_tables(
    source: &CompareSide,
    dest: &CompareSide,
    key_names: &[String],
    ttl_attribute: Option<&str>,
    now_epoch_secs: i64,
    options: &CompareOptions,
    on_event: &mut (dyn FnMut(CompareEvent) + Send),
) -> Result<CompareReport, AwsFailure> {
    let started = Instant::now();
    let limiters = (
        Arc::new(ReadLimiter::new(options.max_rcu)),
        Arc::new(ReadLimiter::new(options.max_rcu)),
    );
    let context = Arc::new(passes::Context {
        key_names: key_names.to_vec(),
        ttl_attribute: ttl_attribute.map(str::to_owned),
        now_epoch_secs,
        buckets: options.buckets.max(1),
    });
    let mut units = (0.0, 0.0);
    let sides = (source, dest);

    let (source_digest, dest_digest) =
        passes::digest_both(sides, &context, options, &limiters, &mut units, on_event).await?;
    let exam = choose_buckets(&source_digest, &dest_digest, options.show, MAX_KEYS_HELD);
    on_event(CompareEvent::DigestsCompared {
        buckets: context.buckets,
        differing_buckets: exam.differing_buckets,
        expired_only_buckets: exam.expired_only_buckets,
        examined_buckets: exam.examined_buckets,
    });
    let mut report = CompareReport {
        equal: exam.differing_buckets == 0,
        source_items: source_digest.items(),
        dest_items: dest_digest.items(),
        source_expired_items: source_digest.expired_items(),
        dest_expired_items: dest_digest.expired_items(),
        buckets: context.buckets,
        differing_buckets: exam.differing_buckets,
        differences: Vec::new(),
        more_differences: exam.unexamined_differences,
        differences_counted_exactly: exam.unexamined_differences == 0,
        expired_ttl: Vec::new(),
        more_expired_ttl: exam.unexamined_expired,
        expired_counted_exactly: exam.unexamined_expired == 0,
        changed_while_compared: 0,
        source_rcu: 0.0,
        dest_rcu: 0.0,
        seconds: 0.0,
    };
    drop((source_digest, dest_digest));

    if exam.examined_buckets > 0 {
        let (source_entries, dest_entries) = passes::collect_both(
            sides, &context, &exam, options, &limiters, &mut units, on_event,
        )
        .await?;
        let paired = pair_entries(&source_entries, &dest_entries);
        drop((source_entries, dest_entries));
        let found = fetch::name_differences(
            sides,
            &context,
            paired,
            options.show,
            &limiters,
            &mut units,
            on_event,
        )
        .await?;
        report.differences = found.differences;
        report.expired_ttl = found.expired;
        report.more_differences += found.more_differences;
        report.more_expired_ttl += found.more_expired;
        report.changed_while_compared = found.changed;
        // The tables changed between the passes so that no difference is left: equal now.
        report.equal = report.differences.is_empty() && report.more_differences == 0;
    }
    report.source_rcu = units.0;
    report.dest_rcu = units.1;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
