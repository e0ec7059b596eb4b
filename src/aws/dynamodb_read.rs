//! The reads of a full compare: one page of a parallel Scan with its consumed capacity, and
//! items fetched by key with consistent reads, unprocessed keys retried.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnConsumedCapacity};

use super::attr::{item_from_json, item_to_json, JsonItem};
use super::dynamodb::{build_failure, Dynamo};
use super::explain::{AwsFailure, FailureKind};

/// Keys one BatchGetItem call may ask for (AWS's limit).
const BATCH_GET_KEYS: usize = 100;
/// Rounds of unprocessed keys tried before giving up (backoff 100 ms doubling, capped at 5 s:
/// about 30 s in all).
const BATCH_GET_ROUNDS: u32 = 10;

/// One page of a Scan.
#[derive(Debug, Clone, Default)]
pub struct ScanPage {
    pub items: Vec<JsonItem>,
    /// Where the next page starts; `None` once the segment is read to its end.
    pub last_key: Option<JsonItem>,
    /// Read capacity the page cost, as AWS reports it.
    pub consumed_rcu: Option<f64>,
}

impl Dynamo {
    /// Reads one page of segment `segment` of `total_segments` of a Scan of `table`, from
    /// `start_key` (the previous page's `last_key`).
    pub async fn scan_page(
        &self,
        table: &str,
        segment: u32,
        total_segments: u32,
        start_key: Option<JsonItem>,
        consistent: bool,
        limit: Option<i32>,
    ) -> Result<ScanPage, AwsFailure> {
        let start = match start_key {
            Some(k) => Some(item_from_json(&k).ok_or_else(|| unreadable_key(&self.side))?),
            None => None,
        };
        let out = self
            .client
            .scan()
            .table_name(table)
            .segment(segment as i32)
            .total_segments(total_segments.max(1) as i32)
            .consistent_read(consistent)
            .set_limit(limit)
            .set_exclusive_start_key(start)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:Scan", &self.side, e))?;
        Ok(ScanPage {
            items: out.items().iter().map(item_to_json).collect(),
            last_key: out
                .last_evaluated_key()
                .filter(|k| !k.is_empty())
                .map(item_to_json),
            consumed_rcu: out.consumed_capacity().and_then(|c| c.capacity_units()),
        })
    }

    /// Reads the items of `keys` with consistent reads (BatchGetItem, 100 keys a call); keys
    /// AWS leaves unprocessed are asked again with backoff, and a failure is returned if some
    /// are still unread after that. A key without an item is simply not in the answer.
    pub async fn get_items_consistent(
        &self,
        table: &str,
        keys: &[JsonItem],
    ) -> Result<Vec<JsonItem>, AwsFailure> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH_GET_KEYS) {
            let mut pending: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|k| item_from_json(k).ok_or_else(|| unreadable_key(&self.side)))
                .collect::<Result<_, _>>()?;
            let mut round = 0;
            while !pending.is_empty() {
                if round == BATCH_GET_ROUNDS {
                    return Err(AwsFailure::from_code(
                        "dynamodb:BatchGetItem",
                        &self.side,
                        "ProvisionedThroughputExceededException",
                        &format!(
                            "{} keys of {table} were still left unprocessed after {BATCH_GET_ROUNDS} tries",
                            pending.len()
                        ),
                    ));
                }
                if round > 0 {
                    let backoff = (100u64 << (round - 1)).min(5_000);
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                }
                round += 1;
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .map_err(build_failure)?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(table, request)
                    .send()
                    .await
                    .map_err(|e| AwsFailure::from_sdk("dynamodb:BatchGetItem", &self.side, e))?;
                if let Some(items) = out.responses().and_then(|r| r.get(table)) {
                    found.extend(items.iter().map(item_to_json));
                }
                if let Some(left) = out.unprocessed_keys().and_then(|u| u.get(table)) {
                    pending = left.keys().to_vec();
                }
            }
        }
        Ok(found)
    }
}

/// A key that does not convert back to attribute values: only a bug can make one, since the
/// keys come from items DynamoDB returned.
fn unreadable_key(side: &str) -> AwsFailure {
    AwsFailure::new(
        "invalid-request",
        FailureKind::BadInput,
        format!("a key to read from {side} is not valid DynamoDB JSON"),
        "keys are taken from items DynamoDB returned, so this is a fault in ddb-ferry",
        "run again with RUST_LOG=debug and report the log file",
    )
}
