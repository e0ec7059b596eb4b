//! A table in memory for the writer's tests, with scripted faults.
//!
//! It checks what DynamoDB checks before writing a batch (every key attribute present, one
//! request per key) and refuses an item with an attribute named `refuse`, refusing the whole
//! call as DynamoDB does. Faults: every n-th call throttled, a share of each batch left
//! unprocessed, the first calls failing with a given failure, a delay per call. It records
//! how many calls ran at once, and whether two calls ever held the same key at once.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};

use super::writes::TableWrites;
use crate::aws::attr::item_difference;
use crate::aws::dynamodb_write::{write_failure_of, BatchWritten, ConditionalPut};
use crate::aws::explain::AwsFailure;
use crate::logic::changes::WriteOp;
use crate::logic::write_batch::key_of;

#[derive(Debug, Clone, Default)]
pub(super) struct Faults {
    /// Every n-th call is throttled (0: none).
    pub throttle_every: u64,
    /// Percent of a batch's requests left unprocessed, drawn per request and call.
    pub unprocessed_percent: u64,
    /// The first calls fail with this failure, this many of them.
    pub fail_first: Option<(u64, AwsFailure)>,
    /// How long each call takes.
    pub delay: Duration,
}

#[derive(Debug, Default)]
pub(super) struct Record {
    pub items: BTreeMap<String, Map<String, Value>>,
    pub calls: u64,
    pub in_flight: usize,
    pub max_in_flight: usize,
    /// Calls that held a key another call in flight held too.
    pub overlapping_keys: u64,
    /// Batches sent with two requests for one key.
    pub duplicate_keys: u64,
    keys_in_flight: HashSet<String>,
}

pub(super) struct FakeTable {
    key_names: Vec<String>,
    faults: Faults,
    record: Mutex<Record>,
}

impl FakeTable {
    pub fn new(key_names: &[&str], faults: Faults) -> Arc<Self> {
        Arc::new(Self {
            key_names: key_names.iter().map(|k| k.to_string()).collect(),
            faults,
            record: Mutex::new(Record::default()),
        })
    }

    /// An item already in the table.
    pub fn holding(self: Arc<Self>, item: Map<String, Value>) -> Arc<Self> {
        let key = key_of(&item, &self.key_names).expect("a keyed item");
        self.record().items.insert(key, item);
        self
    }

    pub fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap()
    }

    pub fn item(&self, item_with_key: &Map<String, Value>) -> Option<Map<String, Value>> {
        let key = key_of(item_with_key, &self.key_names)?;
        self.record().items.get(&key).cloned()
    }

    /// Starts a call holding `keys`: its number, or the failure the script gives it.
    fn begin(&self, keys: &[String]) -> u64 {
        let mut r = self.record();
        r.calls += 1;
        r.in_flight += 1;
        r.max_in_flight = r.max_in_flight.max(r.in_flight);
        if keys.iter().any(|k| r.keys_in_flight.contains(k)) {
            r.overlapping_keys += 1;
        }
        r.keys_in_flight.extend(keys.iter().cloned());
        r.calls
    }

    fn end(&self, keys: &[String]) {
        let mut r = self.record();
        r.in_flight -= 1;
        for k in keys {
            r.keys_in_flight.remove(k);
        }
    }

    fn scripted_failure(&self, call: u64, operation: &str) -> Option<AwsFailure> {
        if let Some((first, failure)) = &self.faults.fail_first {
            if call <= *first {
                return Some(failure.clone());
            }
        }
        let every = self.faults.throttle_every;
        (every > 0 && call.is_multiple_of(every)).then(|| {
            write_failure_of(AwsFailure::from_code(
                operation,
                "the test table",
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded",
            ))
        })
    }

    fn refused(message: &str) -> AwsFailure {
        write_failure_of(AwsFailure::from_code(
            "dynamodb:BatchWriteItem",
            "the test table",
            "ValidationException",
            message,
        ))
    }

    fn write(&self, requests: &[WriteOp], call: u64) -> Result<BatchWritten, AwsFailure> {
        let mut keys = HashSet::new();
        for op in requests {
            let Some(key) = key_of(op.attributes(), &self.key_names) else {
                return Err(Self::refused(
                    "One or more parameter values were invalid: Missing the key",
                ));
            };
            if !keys.insert(key) {
                self.record().duplicate_keys += 1;
                return Err(Self::refused(
                    "Provided list of item keys contains duplicates",
                ));
            }
            if op.attributes().contains_key("refuse") {
                return Err(Self::refused("One or more parameter values were invalid"));
            }
        }
        let mut unprocessed = Vec::new();
        let mut r = self.record();
        for (i, op) in requests.iter().enumerate() {
            if draw(call, i as u64) % 100 < self.faults.unprocessed_percent {
                unprocessed.push(i);
                continue;
            }
            let key = key_of(op.attributes(), &self.key_names).expect("checked above");
            match op {
                WriteOp::Put(item) => {
                    r.items.insert(key, item.clone());
                }
                WriteOp::Delete(_) => {
                    r.items.remove(&key);
                }
            }
        }
        Ok(BatchWritten {
            unprocessed,
            consumed_wcu: Some(requests.len() as f64),
        })
    }
}

/// A number from a call and a position, the same for the same pair.
fn draw(call: u64, position: u64) -> u64 {
    let mut z = call
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(position.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 31)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 29)
}

impl TableWrites for Arc<FakeTable> {
    async fn batch_write(
        &self,
        _table: &str,
        requests: &[WriteOp],
    ) -> Result<BatchWritten, AwsFailure> {
        let keys: Vec<String> = requests
            .iter()
            .filter_map(|op| key_of(op.attributes(), &self.key_names))
            .collect();
        let call = self.begin(&keys);
        tokio::time::sleep(self.faults.delay).await;
        let result = match self.scripted_failure(call, "dynamodb:BatchWriteItem") {
            Some(failure) => Err(failure),
            None => self.write(requests, call),
        };
        self.end(&keys);
        result
    }

    async fn put_item_unless_other(
        &self,
        _table: &str,
        item: &Map<String, Value>,
        key_names: &[String],
    ) -> Result<ConditionalPut, AwsFailure> {
        let key = key_of(item, key_names);
        let keys: Vec<String> = key.iter().cloned().collect();
        let call = self.begin(&keys);
        tokio::time::sleep(self.faults.delay).await;
        let result = match (self.scripted_failure(call, "dynamodb:PutItem"), key) {
            (Some(failure), _) => Err(failure),
            (None, None) => Err(FakeTable::refused("Missing the key")),
            (None, Some(_)) if item.contains_key("refuse") => Err(FakeTable::refused(
                "One or more parameter values were invalid",
            )),
            (None, Some(key)) => {
                let mut r = self.record();
                match r.items.get(&key) {
                    Some(existing) if item_difference(existing, item, "").is_none() => {
                        Ok(ConditionalPut::SameAlready)
                    }
                    Some(existing) => Ok(ConditionalPut::Conflict {
                        existing: existing.clone(),
                    }),
                    None => {
                        r.items.insert(key, item.clone());
                        Ok(ConditionalPut::Written)
                    }
                }
            }
        };
        self.end(&keys);
        result
    }
}
