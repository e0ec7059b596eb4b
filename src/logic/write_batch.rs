//! Writes grouped into BatchWriteItem requests, and what each write costs.
//!
//! DynamoDB takes at most 25 requests and 16 MB in one BatchWriteItem, and refuses the whole
//! call when two of its requests name the same key. [`BatchBuilder`] keeps to those rules and
//! keeps the newest change of a key: when a key already waits in the open batch, the later
//! change replaces it if its write time is later or equal (without times, the later line
//! wins), so applying change records gives the table the last write of each key.
//! [`write_units`] prices a write the way DynamoDB does, for the writer's rate cap.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::changes::{Change, WriteOp};
use super::items::canonical_number;

/// Most requests DynamoDB accepts in one BatchWriteItem.
pub const MAX_BATCH_REQUESTS: usize = 25;

/// Largest BatchWriteItem request DynamoDB accepts (16 MB), measured as the JSON sent.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

/// Bytes a request adds to the call besides its item (`{"PutRequest":{"Item":…}}`).
const REQUEST_OVERHEAD_BYTES: usize = 32;

/// The identity of an item's key: the same text for every spelling of the same key (numbers
/// compared by value), different for different keys. `None` when a key attribute is missing
/// or is not a string, number or binary — DynamoDB will refuse such a write.
pub fn key_of(item: &Map<String, Value>, key_names: &[String]) -> Option<String> {
    let mut parts = Vec::with_capacity(key_names.len());
    for name in key_names {
        let descriptor = item.get(name)?.as_object()?;
        if descriptor.len() != 1 {
            return None;
        }
        let (kind, inner) = descriptor.iter().next()?;
        let text = inner.as_str()?;
        let canonical = match kind.as_str() {
            "S" | "B" => text.to_owned(),
            "N" => canonical_number(text),
            _ => return None,
        };
        parts.push(Value::from(vec![kind.clone(), canonical]));
    }
    Some(Value::Array(parts).to_string())
}

/// The key attributes of `item` that it has (all of them for a valid item): what a failure
/// report names.
pub fn key_attributes(item: &Map<String, Value>, key_names: &[String]) -> Map<String, Value> {
    key_names
        .iter()
        .filter_map(|name| Some((name.clone(), item.get(name)?.clone())))
        .collect()
}

/// Write capacity units a write consumes on the table: its item's size by DynamoDB's rules,
/// one unit per KB started. A delete costs 1: the size of the item it removes is unknown here.
pub fn write_units(op: &WriteOp) -> u32 {
    match op {
        WriteOp::Delete(_) => 1,
        WriteOp::Put(item) => {
            let units = item_size(item).div_ceil(1024).max(1);
            u32::try_from(units).unwrap_or(u32::MAX)
        }
    }
}

/// An item's size as DynamoDB counts it: every attribute's name (UTF-8 bytes) plus its value.
pub fn item_size(item: &Map<String, Value>) -> u64 {
    item.iter()
        .map(|(name, value)| name.len() as u64 + value_size(value))
        .sum()
}

/// A value's size: strings in UTF-8 bytes, binaries in raw bytes, numbers one byte per two
/// significant digits plus one, booleans and nulls one byte, lists and maps 3 bytes plus
/// their elements (a map's element names included), sets the sum of their elements.
fn value_size(value: &Value) -> u64 {
    let Some((kind, inner)) = value.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    let text = |v: &Value| v.as_str().map_or(0, |s| s.len() as u64);
    let blob = |v: &Value| v.as_str().map_or(0, binary_size);
    let number = |v: &Value| v.as_str().map_or(0, number_size);
    let each = |v: &Value, size: &dyn Fn(&Value) -> u64| {
        v.as_array().map_or(0, |list| list.iter().map(size).sum())
    };
    match kind.as_str() {
        "S" => text(inner),
        "N" => number(inner),
        "B" => blob(inner),
        "BOOL" | "NULL" => 1,
        "SS" => each(inner, &text),
        "NS" => each(inner, &number),
        "BS" => each(inner, &blob),
        "L" => 3 + each(inner, &value_size),
        "M" => {
            3 + inner.as_object().map_or(0, |m| {
                m.iter()
                    .map(|(name, v)| name.len() as u64 + value_size(v))
                    .sum()
            })
        }
        _ => 0,
    }
}

/// Bytes of a number: one per two significant digits (leading and trailing zeros trimmed),
/// plus one.
fn number_size(text: &str) -> u64 {
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len() as u64;
    significant.div_ceil(2) + 1
}

/// Raw bytes of base64 text, without decoding it.
fn binary_size(text: &str) -> u64 {
    STANDARD
        .decode(text)
        .map_or(text.len() as u64 * 3 / 4, |b| b.len() as u64)
}

/// Bytes a write adds to a BatchWriteItem call: its JSON, as the SDK sends it.
pub fn request_bytes(op: &WriteOp) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(REQUEST_OVERHEAD_BYTES);
    // Writing a map of JSON values to a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, op.attributes());
    count.0
}

/// What pushing a change did to the open batch.
#[derive(Debug, Default, PartialEq)]
pub struct Pushed {
    /// A batch that is full and must be sent now.
    pub full: Option<Vec<Change>>,
    /// A change of the same key that will not be written, because a change that wins over it
    /// is in the batch: the one replaced, or the one pushed when it is older.
    pub superseded: Option<Change>,
}

/// Collects changes into BatchWriteItem-sized batches with one request per key.
#[derive(Debug)]
pub struct BatchBuilder {
    key_names: Vec<String>,
    open: Vec<Change>,
    /// Key identity → position in `open`.
    positions: HashMap<String, usize>,
    bytes: usize,
}

impl BatchBuilder {
    /// A builder for a table whose key is `key_names` (partition key, then sort key).
    pub fn new(key_names: Vec<String>) -> Self {
        Self {
            key_names,
            open: Vec::new(),
            positions: HashMap::new(),
            bytes: 0,
        }
    }

    /// Changes waiting in the open batch.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Adds `change`. A change whose key is already in the open batch replaces it when its
    /// time is later or equal, or when either has no time (the later line wins); otherwise
    /// it is dropped as superseded. A change with no usable key is never merged: DynamoDB
    /// refuses it, and the writer finds it by itself.
    pub fn push(&mut self, change: Change) -> Pushed {
        let size = request_bytes(&change.op);
        let key = key_of(change.op.attributes(), &self.key_names);
        let mut pushed = Pushed::default();
        if let Some(&at) = key.as_ref().and_then(|k| self.positions.get(k)) {
            let waiting = &self.open[at];
            let newer = match (change.at_micros, waiting.at_micros) {
                (Some(new), Some(old)) => new >= old,
                _ => true,
            };
            if !newer {
                pushed.superseded = Some(change);
                return pushed;
            }
            let old_size = request_bytes(&waiting.op);
            if self.bytes - old_size + size <= MAX_BATCH_BYTES {
                self.bytes = self.bytes - old_size + size;
                pushed.superseded = Some(std::mem::replace(&mut self.open[at], change));
                return pushed;
            }
            // The newer change no longer fits: the older one leaves, the batch goes, and the
            // newer one opens the next batch.
            let old = self.open.remove(at);
            self.bytes -= old_size;
            pushed.superseded = Some(old);
            pushed.full = self.take();
        } else if !self.open.is_empty() && self.bytes + size > MAX_BATCH_BYTES {
            pushed.full = self.take();
        }
        if let Some(key) = key {
            self.positions.insert(key, self.open.len());
        }
        self.open.push(change);
        self.bytes += size;
        if self.open.len() >= MAX_BATCH_REQUESTS && pushed.full.is_none() {
            pushed.full = self.take();
        }
        pushed
    }

    /// The open batch, however small (at the end of a file); `None` when empty.
    pub fn finish(&mut self) -> Option<Vec<Change>> {
        self.take()
    }

    fn take(&mut self) -> Option<Vec<Change>> {
        if self.open.is_empty() {
            return None;
        }
        self.positions.clear();
        self.bytes = 0;
        Some(std::mem::take(&mut self.open))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys() -> Vec<String> {
        vec!["pk".into(), "sk".into()]
    }

    fn item(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn put(pk: &str, sk: &str, v: &str, at: Option<u64>) -> Change {
        Change {
            op: WriteOp::Put(item(
                json!({"pk": {"S": pk}, "sk": {"N": sk}, "v": {"S": v}}),
            )),
            at_micros: at,
        }
    }

    fn delete(pk: &str, sk: &str, at: Option<u64>) -> Change {
        Change {
            op: WriteOp::Delete(item(json!({"pk": {"S": pk}, "sk": {"N": sk}}))),
            at_micros: at,
        }
    }

    fn value_of(change: &Change) -> Option<&str> {
        change.op.attributes().get("v")?.get("S")?.as_str()
    }

    #[test]
    fn the_key_identity_ignores_other_attributes_and_number_spelling() {
        let a = item(json!({"pk": {"S": "a"}, "sk": {"N": "10.10"}, "x": {"S": "1"}}));
        let b = item(json!({"sk": {"N": "1.01e1"}, "pk": {"S": "a"}}));
        assert_eq!(key_of(&a, &keys()), key_of(&b, &keys()));
        let c = item(json!({"pk": {"S": "a"}, "sk": {"N": "10.2"}}));
        assert_ne!(key_of(&a, &keys()), key_of(&c, &keys()));
        // A string "1" and a number 1 are different keys; so are partition/sort swaps.
        let s = item(json!({"pk": {"S": "1"}, "sk": {"N": "1"}}));
        let n = item(json!({"pk": {"N": "1"}, "sk": {"N": "1"}}));
        assert_ne!(key_of(&s, &keys()), key_of(&n, &keys()));
        let ab = item(json!({"pk": {"S": "a|b"}, "sk": {"N": "1"}}));
        let a_b = item(json!({"pk": {"S": "a"}, "sk": {"N": "1"}}));
        assert_ne!(key_of(&ab, &keys()), key_of(&a_b, &keys()));
        // No sort key, or a key of a type keys cannot have: no identity.
        assert_eq!(key_of(&item(json!({"pk": {"S": "a"}})), &keys()), None);
        assert_eq!(
            key_of(
                &item(json!({"pk": {"S": "a"}, "sk": {"SS": ["x"]}})),
                &keys()
            ),
            None
        );
        assert_eq!(
            key_attributes(&a, &keys()),
            item(json!({"pk": {"S": "a"}, "sk": {"N": "10.10"}}))
        );
    }

    /// Sizes as AWS's documentation counts them ("Item sizes and formats"; 1 WCU per KB).
    #[test]
    fn write_units_follow_dynamodb_item_sizes() {
        let exactly = |n: usize| item(json!({"pk": {"S": "x".repeat(n - 2)}}));
        // Name "pk" (2 bytes) + a string value: 1,024 bytes is one unit, 1,025 two.
        assert_eq!(item_size(&exactly(1024)), 1024);
        assert_eq!(write_units(&WriteOp::Put(exactly(1024))), 1);
        assert_eq!(write_units(&WriteOp::Put(exactly(1025))), 2);
        // A 3.5 KB item costs 4 units.
        assert_eq!(write_units(&WriteOp::Put(exactly(3584))), 4);
        // UTF-8 bytes count, not characters: "é" is 2 bytes.
        assert_eq!(item_size(&item(json!({"é": {"S": "éé"}}))), 6);
        // Numbers: 1 byte per two significant digits + 1; zeros at either end are trimmed.
        assert_eq!(item_size(&item(json!({"n": {"N": "12345"}}))), 1 + 4);
        assert_eq!(item_size(&item(json!({"n": {"N": "-0012.3400"}}))), 1 + 3);
        assert_eq!(item_size(&item(json!({"n": {"N": "1e30"}}))), 1 + 2);
        // Binary: raw bytes. Booleans and nulls: 1 byte.
        assert_eq!(item_size(&item(json!({"b": {"B": "AAECAw=="}}))), 1 + 4);
        assert_eq!(
            item_size(&item(json!({"t": {"BOOL": true}, "z": {"NULL": true}}))),
            4
        );
        // Lists and maps: 3 bytes plus their elements, map keys included; empty ones 3.
        assert_eq!(item_size(&item(json!({"l": {"L": []}}))), 1 + 3);
        assert_eq!(
            item_size(&item(
                json!({"m": {"M": {"ab": {"S": "xyz"}, "c": {"L": [{"BOOL": false}]}}}})
            )),
            1 + 3 + (2 + 3) + (1 + 3 + 1)
        );
        // Sets: the sum of their elements.
        assert_eq!(item_size(&item(json!({"s": {"SS": ["ab", "cde"]}}))), 1 + 5);
        assert_eq!(
            item_size(&item(json!({"s": {"NS": ["1", "22", "333"]}}))),
            1 + 2 + 2 + 3
        );
        // A delete costs one unit; an empty put too.
        assert_eq!(write_units(&WriteOp::Delete(exactly(5000))), 1);
        assert_eq!(write_units(&WriteOp::Put(Map::new())), 1);
        // The largest item DynamoDB takes, 400 KB, is 400 units.
        assert_eq!(write_units(&WriteOp::Put(exactly(400 * 1024))), 400);
    }

    #[test]
    fn batches_hold_25_requests_and_come_out_in_order() {
        let mut builder = BatchBuilder::new(keys());
        let mut batches = Vec::new();
        for i in 0..60 {
            let pushed = builder.push(put("a", &i.to_string(), "v", None));
            assert_eq!(pushed.superseded, None);
            batches.extend(pushed.full);
        }
        batches.extend(builder.finish());
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            [25, 25, 10]
        );
        let order: Vec<String> = batches
            .iter()
            .flatten()
            .map(|c| c.op.attributes()["sk"]["N"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(order, (0..60).map(|i| i.to_string()).collect::<Vec<_>>());
        assert_eq!(builder.finish(), None);
        assert!(builder.is_empty());
    }

    #[test]
    fn one_request_per_key_and_the_later_write_wins() {
        let mut builder = BatchBuilder::new(keys());
        assert_eq!(
            builder.push(put("a", "1", "first", Some(10))),
            Pushed::default()
        );
        // Later time: replaces, in place.
        let pushed = builder.push(put("a", "1.0", "second", Some(20)));
        assert_eq!(pushed.superseded.as_ref().and_then(value_of), Some("first"));
        // Older time: the pushed change is the one dropped.
        let pushed = builder.push(put("a", "1", "stale", Some(15)));
        assert_eq!(pushed.superseded.as_ref().and_then(value_of), Some("stale"));
        // Equal time: the later line wins.
        let pushed = builder.push(put("a", "1", "same-time", Some(20)));
        assert_eq!(
            pushed.superseded.as_ref().and_then(value_of),
            Some("second")
        );
        // A delete of the key, later: replaces the put.
        let pushed = builder.push(delete("a", "1", Some(30)));
        assert_eq!(
            pushed.superseded.as_ref().and_then(value_of),
            Some("same-time")
        );
        builder.push(put("b", "1", "other", Some(1)));
        assert_eq!(builder.len(), 2);
        let batch = builder.finish().unwrap();
        assert_eq!(batch[0], delete("a", "1", Some(30)));
        assert_eq!(value_of(&batch[1]), Some("other"));
    }

    #[test]
    fn without_times_the_later_line_wins() {
        let mut builder = BatchBuilder::new(keys());
        builder.push(put("a", "1", "first", None));
        let pushed = builder.push(put("a", "1", "second", None));
        assert_eq!(pushed.superseded.as_ref().and_then(value_of), Some("first"));
        // One side timed, the other not: still the later line.
        let pushed = builder.push(put("a", "1", "third", Some(1)));
        assert_eq!(
            pushed.superseded.as_ref().and_then(value_of),
            Some("second")
        );
        assert_eq!(value_of(&builder.finish().unwrap()[0]), Some("third"));
    }

    #[test]
    fn a_key_seen_in_a_sent_batch_starts_fresh_in_the_next() {
        let mut builder = BatchBuilder::new(keys());
        let mut full = None;
        for i in 0..25 {
            full = builder.push(put("a", &i.to_string(), "v", Some(5))).full;
        }
        assert_eq!(full.map(|b| b.len()), Some(25));
        let pushed = builder.push(put("a", "0", "again", Some(1)));
        assert_eq!(pushed, Pushed::default());
        assert_eq!(builder.len(), 1);
    }

    #[test]
    fn items_without_a_key_are_never_merged() {
        let mut builder = BatchBuilder::new(keys());
        let keyless = || Change {
            op: WriteOp::Put(item(json!({"pk": {"S": "a"}}))),
            at_micros: None,
        };
        assert_eq!(builder.push(keyless()).superseded, None);
        assert_eq!(builder.push(keyless()).superseded, None);
        assert_eq!(builder.len(), 2);
    }

    #[test]
    fn batches_stay_under_16_mb() {
        // 300 KB items: 55 fit in 16 MB by size alone, but the JSON of each is counted.
        let big = "x".repeat(300 * 1024);
        let mut builder = BatchBuilder::new(keys());
        let mut sizes = Vec::new();
        for i in 0..120 {
            let pushed = builder.push(put("a", &i.to_string(), &big, None));
            if let Some(batch) = pushed.full {
                let bytes: usize = batch.iter().map(|c| request_bytes(&c.op)).sum();
                assert!(bytes <= MAX_BATCH_BYTES, "{bytes}");
                sizes.push(batch.len());
            }
        }
        assert_eq!(sizes, [25, 25, 25, 25]);
        // 700 KB requests (larger than DynamoDB allows, but the limit must hold anyway).
        let huge = "y".repeat(700 * 1024);
        let mut builder = BatchBuilder::new(keys());
        let mut sizes = Vec::new();
        for i in 0..50 {
            if let Some(batch) = builder.push(put("a", &i.to_string(), &huge, None)).full {
                let bytes: usize = batch.iter().map(|c| request_bytes(&c.op)).sum();
                assert!(bytes <= MAX_BATCH_BYTES, "{bytes}");
                sizes.push(batch.len());
            }
        }
        assert_eq!(sizes, [23, 23]);
    }

    #[test]
    fn a_replacement_that_no_longer_fits_sends_the_batch() {
        let big = "x".repeat(700 * 1024);
        let mut builder = BatchBuilder::new(keys());
        for i in 0..23 {
            assert_eq!(
                builder.push(put("a", &i.to_string(), &big, None)).full,
                None
            );
        }
        // Key 0 again, now much larger: the batch would pass 16 MB.
        let larger = "z".repeat(1000 * 1024);
        let pushed = builder.push(put("a", "0", &larger, None));
        assert_eq!(
            pushed.superseded.map(|c| c.op.attributes()["sk"].clone()),
            Some(json!({"N": "0"}))
        );
        let sent = pushed.full.unwrap();
        assert_eq!(sent.len(), 22);
        assert!(sent
            .iter()
            .all(|c| c.op.attributes()["sk"] != json!({"N": "0"})));
        assert_eq!(builder.len(), 1);
    }
}
