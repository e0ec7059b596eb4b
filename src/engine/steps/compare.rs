//! Verify's sample check, on both roads: each sampled item is read back from the other
//! table by its key and compared with it attribute by attribute (numbers by value). The S3
//! road samples the export and reads the new table; the backup road samples the restored
//! table and reads the source.

use serde_json::Value;

use super::super::journal::VerifyRecord;
use crate::aws::attr::{first_difference, item_difference, JsonItem};
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::AwsFailure;

/// Mismatches the journal keeps; the error still counts them all.
const JOURNAL_MISMATCHES: usize = 20;

/// Which side the sample is of. The original is always compared first, so that a
/// difference reads the same way on both roads ("type N vs S" names the original's type
/// first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sampled {
    /// The sample is of the originals (the export); the other table holds the copies.
    Originals,
    /// The sample is of the copies (the restored table); the other table holds the originals.
    Copies,
}

pub(super) use crate::logic::table::key_names;

/// What the sample check found; the default is no sample.
#[derive(Debug, Default)]
pub(super) struct SampleCheck {
    /// How many items were compared.
    pub sampled: u64,
    /// In the sample's order, a line for each item without a counterpart or unequal to it.
    pub mismatches: Vec<String>,
}

impl SampleCheck {
    /// The journal's record of a verify with these counts and this sample; it keeps the
    /// first [`JOURNAL_MISMATCHES`] mismatches.
    pub fn record(
        &self,
        expected: Option<i64>,
        imported: Option<i64>,
        counted: Option<i64>,
        count_ok: bool,
    ) -> VerifyRecord {
        VerifyRecord {
            expected_items: expected,
            imported_items: imported,
            counted_items: counted,
            sampled: self.sampled,
            sample_mismatches: self
                .mismatches
                .iter()
                .take(JOURNAL_MISMATCHES)
                .cloned()
                .collect(),
            passed: count_ok && self.mismatches.is_empty(),
        }
    }
}

/// Reads the counterpart of each sampled item from `table` by its key and compares them:
/// a mismatch reads `{key} {missing}` for an item without one, `{key}: {attribute}
/// differs` for one unequal to it.
pub(super) async fn check_sample(
    dynamo: &Dynamo,
    table: &str,
    sampled: &[JsonItem],
    key_names: &[String],
    side: Sampled,
    missing: &str,
) -> Result<SampleCheck, AwsFailure> {
    let keys: Vec<JsonItem> = sampled.iter().map(|i| key_of(i, key_names)).collect();
    let counterparts = dynamo.get_items(table, &keys).await?;
    Ok(SampleCheck {
        sampled: sampled.len() as u64,
        mismatches: differences(sampled, keys, &counterparts, side, missing),
    })
}

/// The comparison itself, `keys[i]` being the key of `sampled[i]`.
fn differences(
    sampled: &[JsonItem],
    keys: Vec<JsonItem>,
    counterparts: &[JsonItem],
    side: Sampled,
    missing: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (item, key) in sampled.iter().zip(keys) {
        let Some(other) = counterparts.iter().find(|c| has_key(c, &key)) else {
            lines.push(format!("{} {missing}", Value::Object(key)));
            continue;
        };
        let (original, copy) = match side {
            Sampled::Originals => (item, other),
            Sampled::Copies => (other, item),
        };
        if let Some(d) = item_difference(original, copy, "") {
            lines.push(format!("{}: {d} differs", Value::Object(key)));
        }
    }
    lines
}

/// The item's key attributes (those of `names` it has).
fn key_of(item: &JsonItem, names: &[String]) -> JsonItem {
    names
        .iter()
        .filter_map(|k| item.get(k).map(|v| (k.clone(), v.clone())))
        .collect()
}

/// Whether the item has this key; a number matches by value, as DynamoDB reads it.
fn has_key(item: &JsonItem, key: &JsonItem) -> bool {
    key.iter().all(|(k, v)| {
        item.get(k)
            .is_some_and(|iv| first_difference(iv, v, k).is_none())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item(v: Value) -> JsonItem {
        v.as_object().unwrap().clone()
    }

    fn compare(sampled: &[JsonItem], others: &[JsonItem], side: Sampled) -> Vec<String> {
        let names = ["pk".to_owned()];
        let keys = sampled.iter().map(|i| key_of(i, &names)).collect();
        differences(sampled, keys, others, side, "is not there")
    }

    #[test]
    fn an_item_without_a_counterpart_is_named_by_its_key() {
        let sampled = [item(json!({"pk": {"S": "a"}, "n": {"N": "1"}}))];
        assert_eq!(
            compare(&sampled, &[], Sampled::Originals),
            [r#"{"pk":{"S":"a"}} is not there"#]
        );
    }

    #[test]
    fn a_key_matches_by_number_value_and_equal_items_pass() {
        let sampled = [item(json!({"pk": {"N": "1.0"}, "n": {"N": "2"}}))];
        let others = [item(json!({"pk": {"N": "1"}, "n": {"N": "2.00"}}))];
        assert!(compare(&sampled, &others, Sampled::Copies).is_empty());
    }

    #[test]
    fn the_original_is_compared_first_whichever_side_was_sampled() {
        let original = [item(json!({"pk": {"S": "a"}, "v": {"N": "1"}}))];
        let copy = [item(json!({"pk": {"S": "a"}, "v": {"S": "1"}}))];
        let line = r#"{"pk":{"S":"a"}}: v (type N vs S) differs"#;
        assert_eq!(compare(&original, &copy, Sampled::Originals), [line]);
        assert_eq!(compare(&copy, &original, Sampled::Copies), [line]);
    }
}
