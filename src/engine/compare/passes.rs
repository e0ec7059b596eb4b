//! The two reading passes of a compare, each over both tables at once: the digest pass
//! keeps one digest per bucket, the examining pass the keys of the chosen buckets' items.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::limiter::ReadLimiter;
use super::scan::{scan_table, PageRead, PageSink};
use super::{CompareEvent, CompareOptions, ComparePhase, CompareSide, Side};
use crate::aws::attr::JsonItem;
use crate::aws::explain::AwsFailure;
use crate::logic::compare::{key_of, Entry, Examination, ItemFacts, TableDigest};

/// What every pass needs to know of an item's place.
pub(super) struct Context {
    pub key_names: Vec<String>,
    pub ttl_attribute: Option<String>,
    pub now_epoch_secs: i64,
    pub buckets: u32,
}

impl Context {
    pub fn facts(&self, item: &JsonItem) -> ItemFacts {
        ItemFacts::of(
            item,
            &self.key_names,
            self.ttl_attribute.as_deref(),
            self.now_epoch_secs,
            self.buckets,
        )
    }
}

type Pair<'a, T> = (&'a T, &'a T);

/// The digest pass's sink: a page is hashed outside the lock, then added.
struct DigestSink {
    context: Arc<Context>,
    digest: Mutex<TableDigest>,
}

impl PageSink for DigestSink {
    fn take(&self, items: &[JsonItem]) {
        let facts: Vec<ItemFacts> = items.iter().map(|i| self.context.facts(i)).collect();
        let mut digest = self.digest.lock().unwrap_or_else(|p| p.into_inner());
        facts.iter().for_each(|f| digest.add(f));
    }
}

/// The examining pass's sink: the key, hash and expiry of each item in an examined bucket.
struct CollectSink {
    context: Arc<Context>,
    examined: Arc<Vec<bool>>,
    entries: Mutex<HashMap<u128, Entry>>,
}

impl PageSink for CollectSink {
    fn take(&self, items: &[JsonItem]) {
        let kept: Vec<(u128, Entry)> = items
            .iter()
            .filter_map(|item| {
                let f = self.context.facts(item);
                self.examined[f.bucket as usize].then(|| {
                    let entry = Entry {
                        key: key_of(item, &self.context.key_names),
                        bucket: f.bucket,
                        item_hash: f.item_hash,
                        expired: f.expired,
                    };
                    (f.key_hash, entry)
                })
            })
            .collect();
        if !kept.is_empty() {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.extend(kept);
        }
    }
}

/// The digest of each table.
pub(super) async fn digest_both(
    sides: Pair<'_, CompareSide>,
    context: &Arc<Context>,
    options: &CompareOptions,
    limiters: &(Arc<ReadLimiter>, Arc<ReadLimiter>),
    units: &mut (f64, f64),
    on_event: &mut (dyn FnMut(CompareEvent) + Send),
) -> Result<(TableDigest, TableDigest), AwsFailure> {
    let sink = || {
        Arc::new(DigestSink {
            context: context.clone(),
            digest: Mutex::new(TableDigest::new(context.buckets)),
        })
    };
    let (source, dest) = (sink(), sink());
    let sinks: (Arc<dyn PageSink>, Arc<dyn PageSink>) = (source.clone(), dest.clone());
    both(
        sides,
        sinks,
        ComparePhase::Digest,
        options,
        limiters,
        units,
        on_event,
    )
    .await?;
    let take = |s: Arc<DigestSink>| match Arc::try_unwrap(s) {
        Ok(s) => s.digest.into_inner().unwrap_or_else(|p| p.into_inner()),
        Err(s) => s.digest.lock().unwrap_or_else(|p| p.into_inner()).clone(),
    };
    Ok((take(source), take(dest)))
}

/// The entries of each table's items in the examined buckets, by key hash.
pub(super) async fn collect_both(
    sides: Pair<'_, CompareSide>,
    context: &Arc<Context>,
    exam: &Examination,
    options: &CompareOptions,
    limiters: &(Arc<ReadLimiter>, Arc<ReadLimiter>),
    units: &mut (f64, f64),
    on_event: &mut (dyn FnMut(CompareEvent) + Send),
) -> Result<(HashMap<u128, Entry>, HashMap<u128, Entry>), AwsFailure> {
    let examined = Arc::new(exam.examined.clone());
    let sink = || {
        Arc::new(CollectSink {
            context: context.clone(),
            examined: examined.clone(),
            entries: Mutex::new(HashMap::new()),
        })
    };
    let (source, dest) = (sink(), sink());
    let sinks: (Arc<dyn PageSink>, Arc<dyn PageSink>) = (source.clone(), dest.clone());
    both(
        sides,
        sinks,
        ComparePhase::Examine,
        options,
        limiters,
        units,
        on_event,
    )
    .await?;
    let take = |s: Arc<CollectSink>| match Arc::try_unwrap(s) {
        Ok(s) => s.entries.into_inner().unwrap_or_else(|p| p.into_inner()),
        Err(s) => std::mem::take(&mut *s.entries.lock().unwrap_or_else(|p| p.into_inner())),
    };
    Ok((take(source), take(dest)))
}

/// Scans both tables at once into their sinks, reporting progress after every page.
async fn both(
    (source, dest): Pair<'_, CompareSide>,
    (source_sink, dest_sink): (Arc<dyn PageSink>, Arc<dyn PageSink>),
    phase: ComparePhase,
    options: &CompareOptions,
    limiters: &(Arc<ReadLimiter>, Arc<ReadLimiter>),
    units: &mut (f64, f64),
    on_event: &mut (dyn FnMut(CompareEvent) + Send),
) -> Result<(), AwsFailure> {
    let (tx, mut rx) = mpsc::unbounded_channel::<PageRead>();
    let scans = async {
        tokio::try_join!(
            scan_table(
                source,
                Side::Source,
                options.segments,
                options.max_rcu,
                limiters.0.clone(),
                source_sink,
                tx.clone(),
            ),
            scan_table(
                dest,
                Side::Destination,
                options.segments,
                options.max_rcu,
                limiters.1.clone(),
                dest_sink,
                tx.clone(),
            ),
        )
    };
    tokio::pin!(scans);
    let (mut source_items, mut dest_items) = (0u64, 0u64);
    let mut count = |page: PageRead, on_event: &mut (dyn FnMut(CompareEvent) + Send)| {
        match page.side {
            Side::Source => {
                source_items += page.items;
                units.0 += page.units;
            }
            Side::Destination => {
                dest_items += page.items;
                units.1 += page.units;
            }
        }
        on_event(CompareEvent::Progress {
            phase,
            source_items,
            dest_items,
        });
    };
    let result = loop {
        tokio::select! {
            done = &mut scans => break done,
            Some(page) = rx.recv() => count(page, on_event),
        }
    };
    while let Ok(page) = rx.try_recv() {
        count(page, on_event);
    }
    result.map(|_| ())
}
