//! The third step: the differences to show are read back by key, with consistent reads, on
//! both sides. That names the attributes that differ, and drops a difference the tables no
//! longer have (a write between the passes).

use std::collections::HashMap;
use std::sync::Arc;

use super::limiter::ReadLimiter;
use super::passes::Context;
use super::scan::approximate_size;
use super::{CompareEvent, ComparePhase, CompareSide};
use crate::aws::attr::JsonItem;
use crate::aws::explain::AwsFailure;
use crate::logic::compare::digest::key_hash;
use crate::logic::compare::examine::name_difference;
use crate::logic::compare::{consistent_read_units, is_expired, Difference, Paired};

/// The differences named, and how many more there are.
pub(super) struct Named {
    pub differences: Vec<Difference>,
    pub expired: Vec<Difference>,
    pub more_differences: u64,
    pub more_expired: u64,
    pub changed: u64,
}

/// Reads back the first `show` differences and the first `show` expired ones of `paired`
/// and names them; the others are counted.
pub(super) async fn name_differences(
    (source, dest): (&CompareSide, &CompareSide),
    context: &Context,
    paired: Vec<Paired>,
    show: usize,
    limiters: &(Arc<ReadLimiter>, Arc<ReadLimiter>),
    units: &mut (f64, f64),
    on_event: &mut (dyn FnMut(CompareEvent) + Send),
) -> Result<Named, AwsFailure> {
    let (expired, live): (Vec<Paired>, Vec<Paired>) = paired.into_iter().partition(|p| p.expired);
    let mut named = Named {
        differences: Vec::new(),
        expired: Vec::new(),
        more_differences: live.len().saturating_sub(show) as u64,
        more_expired: expired.len().saturating_sub(show) as u64,
        changed: 0,
    };
    let shown: Vec<Paired> = live
        .into_iter()
        .take(show)
        .chain(expired.into_iter().take(show))
        .collect();
    if shown.is_empty() {
        return Ok(named);
    }
    on_event(CompareEvent::Fetching { keys: shown.len() });
    let keys: Vec<JsonItem> = shown.iter().map(|p| p.key.clone()).collect();
    let (source_items, dest_items) = tokio::try_join!(
        read_back(source, &keys, context, &limiters.0),
        read_back(dest, &keys, context, &limiters.1),
    )?;
    units.0 += source_items.1;
    units.1 += dest_items.1;
    on_event(CompareEvent::Progress {
        phase: ComparePhase::Fetch,
        source_items: source_items.0.len() as u64,
        dest_items: dest_items.0.len() as u64,
    });
    let expiry = |item: &JsonItem| {
        context
            .ttl_attribute
            .as_deref()
            .is_some_and(|a| is_expired(item, a, context.now_epoch_secs))
    };
    for p in shown {
        let s = source_items.0.get(&p.key_hash).map(|i| (i, expiry(i)));
        let d = dest_items.0.get(&p.key_hash).map(|i| (i, expiry(i)));
        match name_difference(&p.key, s, d) {
            Some((difference, true)) => named.expired.push(difference),
            Some((difference, false)) => named.differences.push(difference),
            None => named.changed += 1,
        }
    }
    Ok(named)
}

/// The items of `keys` on one side, by key hash, and the read units they cost.
async fn read_back(
    side: &CompareSide,
    keys: &[JsonItem],
    context: &Context,
    limiter: &ReadLimiter,
) -> Result<(HashMap<u128, JsonItem>, f64), AwsFailure> {
    limiter.before_read().await;
    let items = side.dynamo.get_items_consistent(&side.table, keys).await?;
    let cost = consistent_read_units(items.iter().map(approximate_size));
    limiter.spent(cost);
    let by_key = items
        .into_iter()
        .map(|i| (key_hash(&i, &context.key_names), i))
        .collect();
    Ok((by_key, cost))
}
