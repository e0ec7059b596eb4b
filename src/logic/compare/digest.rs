//! Hashes, buckets and digests. Two tables are read with parallel Scans, but a Scan segment
//! of one table holds other items than the same segment of the other, so items are grouped
//! by ddb-ferry's own hash of their key instead: an item lands in the same bucket on both
//! sides. A bucket's digest is a count and the wrapping sum of its items' hashes, which does
//! not depend on the order the items were read in, and adding two partial digests gives the
//! digest of the whole.
//!
//! The hash is MD5 (128 bits), already a dependency: it is not used for security (whoever
//! could craft colliding items owns both tables already), only to make an accidental
//! collision impossible in practice (2^-128 per pair of differing digests), and it hashes
//! several hundred MB/s on one core, far above what a Scan delivers.

use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::canonical::{canonical_item, encode_value};
use super::ttl::is_expired;

/// Buckets when the table's size is unknown.
pub const DEFAULT_BUCKETS: u32 = 4096;
/// The most buckets [`buckets_for_items`] picks: 262,144 buckets take 16 MB per table.
pub const MAX_BUCKETS: u32 = 1 << 18;
/// Items a bucket holds on average, at most, when the table's size is known: a differing
/// bucket is re-read key by key, so this bounds what one bucket costs in memory.
const ITEMS_PER_BUCKET: u64 = 4096;

/// How many buckets a table of `items` items is compared in: at least [`DEFAULT_BUCKETS`],
/// at most [`MAX_BUCKETS`], else about one per 4,096 items (a power of two).
pub fn buckets_for_items(items: u64) -> u32 {
    let wanted = items.div_ceil(ITEMS_PER_BUCKET).next_power_of_two();
    wanted.clamp(u64::from(DEFAULT_BUCKETS), u64::from(MAX_BUCKETS)) as u32
}

/// What one item contributes to a compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    /// The hash of its key: pairs it with its counterpart on the other side.
    pub key_hash: u128,
    /// The bucket its key hash falls in.
    pub bucket: u32,
    /// The hash of the whole item in canonical form.
    pub item_hash: u128,
    /// Whether its TTL had expired at the compare's "now".
    pub expired: bool,
}

impl ItemFacts {
    pub fn of(
        item: &Map<String, Value>,
        key_names: &[String],
        ttl_attribute: Option<&str>,
        now_epoch_secs: i64,
        buckets: u32,
    ) -> ItemFacts {
        let key_hash = key_hash(item, key_names);
        ItemFacts {
            key_hash,
            bucket: bucket_of(key_hash, buckets),
            item_hash: item_hash(item),
            expired: ttl_attribute.is_some_and(|a| is_expired(item, a, now_epoch_secs)),
        }
    }
}

/// The hash of an item's canonical form.
pub fn item_hash(item: &Map<String, Value>) -> u128 {
    md5_u128(&canonical_item(item))
}

/// The hash of an item's key: its key attributes in the order of `key_names` (partition
/// key first), canonical, so a number key written `1.0` or `1` lands alike.
pub fn key_hash(item: &Map<String, Value>, key_names: &[String]) -> u128 {
    let mut bytes = Vec::with_capacity(64);
    for name in key_names {
        match item.get(name) {
            Some(v) => encode_value(v, &mut bytes),
            None => bytes.push(b'-'),
        }
    }
    md5_u128(&bytes)
}

/// The bucket of a key hash: its high 64 bits modulo the number of buckets.
pub fn bucket_of(key_hash: u128, buckets: u32) -> u32 {
    ((key_hash >> 64) as u64 % u64::from(buckets.max(1))) as u32
}

fn md5_u128(bytes: &[u8]) -> u128 {
    u128::from_le_bytes(Md5::digest(bytes).into())
}

/// An order-independent digest of a multiset of item hashes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketDigest {
    pub count: u64,
    pub sum: u128,
}

impl BucketDigest {
    pub fn add(&mut self, item_hash: u128) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(item_hash);
    }

    pub fn merge(&mut self, other: &BucketDigest) {
        self.count += other.count;
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// One table's digests: per bucket, one of its live items and one of its expired items
/// (TTL passed), so that expired items — which DynamoDB deletes at its own pace on each
/// side — never make two tables unequal, yet can be found and reported apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub live: Vec<BucketDigest>,
    pub expired: Vec<BucketDigest>,
}

impl TableDigest {
    pub fn new(buckets: u32) -> TableDigest {
        let n = buckets.max(1) as usize;
        TableDigest {
            live: vec![BucketDigest::default(); n],
            expired: vec![BucketDigest::default(); n],
        }
    }

    pub fn buckets(&self) -> u32 {
        self.live.len() as u32
    }

    pub fn add(&mut self, facts: &ItemFacts) {
        let side = if facts.expired {
            &mut self.expired
        } else {
            &mut self.live
        };
        side[facts.bucket as usize].add(facts.item_hash);
    }

    pub fn merge(&mut self, other: &TableDigest) {
        for (a, b) in self.live.iter_mut().zip(&other.live) {
            a.merge(b);
        }
        for (a, b) in self.expired.iter_mut().zip(&other.expired) {
            a.merge(b);
        }
    }

    /// Items counted, live and expired.
    pub fn items(&self) -> u64 {
        self.live.iter().chain(&self.expired).map(|d| d.count).sum()
    }

    pub fn expired_items(&self) -> u64 {
        self.expired.iter().map(|d| d.count).sum()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn digest_of(items: &[Map<String, Value>]) -> TableDigest {
        let keys = ["pk".to_owned()];
        let mut d = TableDigest::new(16);
        for i in items {
            d.add(&ItemFacts::of(i, &keys, Some("ttl"), 1_000, 16));
        }
        d
    }

    #[test]
    fn bucket_counts_follow_the_table_size() {
        assert_eq!(buckets_for_items(0), DEFAULT_BUCKETS);
        assert_eq!(buckets_for_items(1_000_000), DEFAULT_BUCKETS);
        assert_eq!(buckets_for_items(100_000_000), 32_768);
        assert_eq!(buckets_for_items(u64::MAX / 2), MAX_BUCKETS);
    }

    #[test]
    fn a_key_written_differently_lands_in_the_same_bucket() {
        let keys = ["pk".to_owned(), "sk".to_owned()];
        let a = item(json!({"pk": {"S": "a"}, "sk": {"N": "1.0"}, "x": {"S": "1"}}));
        let b = item(json!({"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "2"}}));
        assert_eq!(key_hash(&a, &keys), key_hash(&b, &keys));
        assert_ne!(item_hash(&a), item_hash(&b));
        let c = item(json!({"pk": {"S": "a"}, "sk": {"N": "2"}}));
        assert_ne!(key_hash(&a, &keys), key_hash(&c, &keys));
    }

    #[test]
    fn expired_items_have_digests_of_their_own() {
        let live = item(json!({"pk": {"S": "a"}, "ttl": {"N": "2000"}}));
        let gone = item(json!({"pk": {"S": "b"}, "ttl": {"N": "999"}}));
        let with = digest_of(&[live.clone(), gone]);
        let without = digest_of(&[live]);
        assert_eq!(with.live, without.live);
        assert_ne!(with.expired, without.expired);
        assert_eq!(with.expired_items(), 1);
        assert_eq!(with.items(), 2);
    }

    /// A few items of every type, with a key each, from proptest's values.
    fn items_strategy() -> impl Strategy<Value = Vec<Map<String, Value>>> {
        prop::collection::vec(
            (
                "[a-z]{1,6}",
                any::<i64>(),
                prop::collection::vec("[a-z]{0,3}", 1..4),
                any::<bool>(),
            ),
            1..24,
        )
        .prop_map(|rows| {
            let mut seen = std::collections::HashSet::new();
            rows.into_iter()
                .filter(|(pk, ..)| seen.insert(pk.clone()))
                .map(|(pk, n, ss, b)| {
                    let mut ss = ss;
                    ss.sort();
                    ss.dedup();
                    item(json!({
                        "pk": {"S": pk}, "n": {"N": n.to_string()}, "ss": {"SS": ss},
                        "b": {"BOOL": b}, "l": {"L": [{"N": n.to_string()}, {"NULL": true}]},
                        "m": {"M": {"inner": {"S": format!("{n}")}}}
                    }))
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_digest_does_not_depend_on_the_order(items in items_strategy(), seed in any::<u64>()) {
            let mut shuffled = items.clone();
            // A deterministic shuffle from the seed.
            let n = shuffled.len();
            let mut s = seed;
            for i in (1..n).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(digest_of(&items), digest_of(&shuffled));
            // Split in two and merged, as two Scan segments are.
            let (a, b) = shuffled.split_at(n / 2);
            let mut merged = digest_of(a);
            merged.merge(&digest_of(b));
            prop_assert_eq!(digest_of(&items), merged);
        }

        #[test]
        fn any_single_changed_attribute_changes_the_digest(
            items in items_strategy(),
            which in any::<prop::sample::Index>(),
            attribute in prop::sample::select(vec!["n", "ss", "b", "l", "m", "new"]),
        ) {
            let mut changed = items.clone();
            let target = &mut changed[which.index(items.len())];
            let value = match attribute {
                "n" => json!({"N": "0.5"}),
                "ss" => json!({"SS": ["zzzz"]}),
                "b" => json!({"NULL": true}),
                "l" => json!({"L": []}),
                "m" => json!({"M": {"inner": {"N": "1"}}}),
                _ => json!({"S": "added"}),
            };
            prop_assume!(target.get(attribute) != Some(&value));
            target.insert(attribute.to_owned(), value);
            prop_assert_ne!(digest_of(&items), digest_of(&changed));
        }

        #[test]
        fn equal_numbers_written_differently_hash_alike(n in any::<i32>(), zeros in 0usize..4) {
            let plain = item(json!({"pk": {"S": "k"}, "n": {"N": n.to_string()}}));
            let padded = item(json!({
                "pk": {"S": "k"},
                "n": {"N": format!("{n}.{}", "0".repeat(zeros.max(1)))}
            }));
            let exponent = item(json!({"pk": {"S": "k"}, "n": {"N": format!("{n}0e-1")}}));
            prop_assert_eq!(item_hash(&plain), item_hash(&padded));
            prop_assert_eq!(item_hash(&plain), item_hash(&exponent));
        }
    }
}
