//! Comparing two DynamoDB tables in full, as pure logic: the canonical form of an item (so
//! that equal values written differently hash alike), the hash of its key that picks its
//! bucket, the order-independent digest of a bucket, how two items differ, when an item's
//! TTL has expired, and which buckets a second pass examines. The engine
//! (`engine/compare/`) reads the tables and feeds these.
//!
//! Items are DynamoDB JSON (`{"S": "x"}`), the form `aws::attr::JsonItem` has; this module
//! names the same type [`Item`] so that it needs nothing else of the crate.

pub mod canonical;
pub mod digest;
pub mod equal;
pub mod examine;
pub mod rate;
pub mod ttl;

use serde_json::{Map, Value};

pub use canonical::{canonical_item, normalise_number};
pub use digest::{
    buckets_for_items, BucketDigest, ItemFacts, TableDigest, DEFAULT_BUCKETS, MAX_BUCKETS,
};
pub use equal::{attributes_differing, first_difference, item_difference};
pub use examine::{
    choose_buckets, name_difference, pair_entries, Difference, DifferenceKind, Entry, Examination,
    Paired, Presence,
};
pub use rate::{consistent_read_units, page_limit, TokenBucket};
pub use ttl::is_expired;

/// An item as DynamoDB JSON: attribute name → type descriptor (`aws::attr::JsonItem`).
pub type Item = Map<String, Value>;

/// The item's key attributes (those of `names` it has), as DynamoDB JSON: what a
/// BatchGetItem asks for and what a report names.
pub fn key_of(item: &Item, names: &[String]) -> Item {
    names
        .iter()
        .filter_map(|k| item.get(k).map(|v| (k.clone(), v.clone())))
        .collect()
}
