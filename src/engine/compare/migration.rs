//! Comparing a migration's two tables: the source table and the new one, each read in its
//! own account with the plan's profiles, the keys from the journal's table spec and the TTL
//! attribute from the source table.

use super::{compare_tables, CompareEvent, CompareOptions, CompareReport, CompareSide};
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::journal::Journal;
use crate::engine::sides::{connect_sides, same_account_as_before};
use crate::logic::compare::buckets_for_items;

/// Compares the migration's source table with its new table. `endpoint_url` overrides the
/// one the migration ran with. The buckets are `options.buckets`, or more for a large
/// source table (one per ~4,096 items, from the size the journal recorded).
pub async fn compare_migration(
    journal: &Journal,
    endpoint_url: Option<String>,
    options: &CompareOptions,
    now_epoch_secs: i64,
    on_event: &mut (dyn FnMut(CompareEvent) + Send),
) -> Result<CompareReport, AwsFailure> {
    let Some(spec) = &journal.table_spec else {
        return Err(no_new_table(&journal.id));
    };
    let endpoint = endpoint_url.or_else(|| journal.endpoint_url.clone());
    let (source, dest) = connect_sides(&journal.plan, endpoint).await?;
    same_account_as_before("source", &source.identity, journal.source_identity.as_ref())?;
    same_account_as_before(
        "destination",
        &dest.identity,
        journal.dest_identity.as_ref(),
    )?;
    let source_side = CompareSide {
        dynamo: Dynamo::new(&source.config, source.label.clone()),
        table: journal.plan.source.table.clone(),
    };
    let dest_side = CompareSide {
        dynamo: Dynamo::new(&dest.config, dest.label.clone()),
        table: spec.name.clone(),
    };
    let ttl_attribute = source_side.dynamo.ttl_attribute(&source_side.table).await?;
    let key_names: Vec<String> = std::iter::once(&spec.partition_key)
        .chain(spec.sort_key.as_ref())
        .map(|k| k.name.clone())
        .collect();
    let items = journal
        .source_table
        .as_ref()
        .map_or(0, |t| t.item_count.max(0) as u64);
    let options = CompareOptions {
        buckets: options.buckets.max(buckets_for_items(items)),
        ..options.clone()
    };
    on_event(CompareEvent::Started {
        source_table: source_side.table.clone(),
        source_account: source.identity.account.clone(),
        source_region: source.identity.region.clone(),
        dest_table: dest_side.table.clone(),
        dest_account: dest.identity.account.clone(),
        dest_region: dest.identity.region.clone(),
        key_names: key_names.clone(),
        ttl_attribute: ttl_attribute.clone(),
        now_epoch_secs,
        buckets: options.buckets,
        segments: options.segments,
    });
    compare_tables(
        &source_side,
        &dest_side,
        &key_names,
        ttl_attribute.as_deref(),
        now_epoch_secs,
        &options,
        on_event,
    )
    .await
}

fn no_new_table(id: &str) -> AwsFailure {
    AwsFailure::new(
        "compare-no-new-table",
        FailureKind::BadInput,
        format!(
            "the migration {id} has not chosen its new table yet, so there is nothing to compare"
        ),
        "the new table is settled in the migration's preflight; this migration stopped before it",
        format!("continue it with `ddb-ferry resume {id}`, then compare"),
    )
}
