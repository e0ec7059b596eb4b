//! The second pass of a compare. The first pass leaves one digest per bucket and side; the
//! buckets whose digests differ hold the differences. The second pass reads both tables
//! again and keeps the keys (and item hashes) of the items in *some* of those buckets —
//! chosen here, so that memory stays bounded whatever the tables' size — then pairs them by
//! key to find which keys differ.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::digest::TableDigest;
use super::equal::attributes_differing;

/// One difference between the tables, named by its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub key: Map<String, Value>,
    #[serde(flatten)]
    pub kind: DifferenceKind,
}

impl Difference {
    /// One line: the key as DynamoDB JSON (what `aws dynamodb get-item --key` takes), and
    /// what differs.
    pub fn line(&self) -> String {
        let key = Value::Object(self.key.clone());
        match &self.kind {
            DifferenceKind::OnlyInSource => format!("only in the source: {key}"),
            DifferenceKind::OnlyInDestination => format!("only in the destination: {key}"),
            DifferenceKind::AttributesDiffer { attributes } => {
                format!("{key}: {} differs", attributes.join(", "))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DifferenceKind {
    OnlyInSource,
    OnlyInDestination,
    /// Both tables hold the key; these top-level attributes differ or are on one side only.
    AttributesDiffer {
        attributes: Vec<String>,
    },
}

/// Which buckets the second pass examines, and what the first pass says of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examination {
    /// Per bucket, whether the second pass keeps its keys.
    pub examined: Vec<bool>,
    pub examined_buckets: u32,
    /// Buckets whose live items differ: the tables are equal when there is none.
    pub differing_buckets: u32,
    /// Buckets whose live items are equal but whose expired items differ.
    pub expired_only_buckets: u32,
    /// At least this many differences lie in the differing buckets not examined: one per
    /// bucket, or the difference of its item counts when larger.
    pub unexamined_differences: u64,
    /// The same for the expired items of the expired-only buckets not examined.
    pub unexamined_expired: u64,
}

impl Examination {
    /// Whether every differing bucket is examined, so that the counts are exact.
    pub fn complete(&self) -> bool {
        self.unexamined_differences == 0 && self.unexamined_expired == 0
    }
}

/// Picks the buckets the second pass examines: differing buckets in bucket order, each
/// while fewer than `show` differences of its kind (real or expired) are certain to be
/// found (each differing bucket holds at least one), until the keys the buckets hold would pass `max_keys`. The first
/// differing bucket is always taken, so memory is bounded by the larger of `max_keys` and
/// one bucket's items (a few thousand with `buckets_for_items`).
pub fn choose_buckets(
    source: &TableDigest,
    dest: &TableDigest,
    show: usize,
    max_keys: u64,
) -> Examination {
    let n = source.live.len().min(dest.live.len());
    let mut exam = Examination {
        examined: vec![false; n],
        examined_buckets: 0,
        differing_buckets: 0,
        expired_only_buckets: 0,
        unexamined_differences: 0,
        unexamined_expired: 0,
    };
    let (mut certain, mut certain_expired, mut keys, mut full) = (0usize, 0usize, 0u64, false);
    for b in 0..n {
        let (sl, dl) = (source.live[b], dest.live[b]);
        let (se, de) = (source.expired[b], dest.expired[b]);
        let live_differs = sl != dl;
        let expired_differs = se != de;
        if !live_differs && !expired_differs {
            continue;
        }
        if live_differs {
            exam.differing_buckets += 1;
        } else {
            exam.expired_only_buckets += 1;
        }
        // Enough of this bucket's kind is certain already.
        let enough = if live_differs {
            certain >= show
        } else {
            certain_expired >= show
        };
        let held = sl.count + dl.count + se.count + de.count;
        full = full || (exam.examined_buckets > 0 && keys + held > max_keys);
        if !enough && !full {
            exam.examined[b] = true;
            exam.examined_buckets += 1;
            keys += held;
            if live_differs {
                certain += 1;
            } else {
                certain_expired += 1;
            }
        } else if live_differs {
            exam.unexamined_differences += sl.count.abs_diff(dl.count).max(1);
        } else {
            exam.unexamined_expired += se.count.abs_diff(de.count).max(1);
        }
    }
    exam
}

/// What the second pass keeps of an item in an examined bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its key attributes only.
    pub key: Map<String, Value>,
    pub bucket: u32,
    pub item_hash: u128,
    pub expired: bool,
}

/// Which side holds a key that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    OnlyInSource,
    OnlyInDestination,
    /// On both sides, unequal.
    Both,
}

/// A key that differs between the two sides' entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    pub key: Map<String, Value>,
    pub key_hash: u128,
    pub presence: Presence,
    /// Expired on every side that holds it: set apart, not a difference of the tables.
    pub expired: bool,
}

/// Pairs the two sides' entries (by key hash) and returns the keys that differ, in bucket
/// then key-hash order (the same order on every run). A key whose item has expired on every
/// side holding it is marked `expired`; one live on either side is a difference.
pub fn pair_entries(source: &HashMap<u128, Entry>, dest: &HashMap<u128, Entry>) -> Vec<Paired> {
    let mut found: Vec<(u32, Paired)> = Vec::new();
    for (hash, s) in source {
        let d = dest.get(hash);
        if d.is_some_and(|d| d.item_hash == s.item_hash) {
            continue;
        }
        found.push((
            s.bucket,
            Paired {
                key: s.key.clone(),
                key_hash: *hash,
                presence: if d.is_some() {
                    Presence::Both
                } else {
                    Presence::OnlyInSource
                },
                expired: s.expired && d.is_none_or(|d| d.expired),
            },
        ));
    }
    for (hash, d) in dest {
        if !source.contains_key(hash) {
            found.push((
                d.bucket,
                Paired {
                    key: d.key.clone(),
                    key_hash: *hash,
                    presence: Presence::OnlyInDestination,
                    expired: d.expired,
                },
            ));
        }
    }
    found.sort_by_key(|(bucket, p)| (*bucket, p.key_hash));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Names the difference between the two items read back for one key (`None`: absent on
/// that side), each with whether it has expired; `None` when they are now equal (the table
/// was written to during the compare). The flag says the difference is set apart: every
/// item that exists has expired.
pub fn name_difference(
    key: &Map<String, Value>,
    source: Option<(&Map<String, Value>, bool)>,
    dest: Option<(&Map<String, Value>, bool)>,
) -> Option<(Difference, bool)> {
    let kind = match (source, dest) {
        (None, None) => return None,
        (Some(_), None) => DifferenceKind::OnlyInSource,
        (None, Some(_)) => DifferenceKind::OnlyInDestination,
        (Some((s, _)), Some((d, _))) => {
            let attributes = attributes_differing(s, d);
            if attributes.is_empty() {
                return None;
            }
            DifferenceKind::AttributesDiffer { attributes }
        }
    };
    let apart = source.is_none_or(|(_, e)| e) && dest.is_none_or(|(_, e)| e);
    Some((
        Difference {
            key: key.clone(),
            kind,
        },
        apart,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::digest::ItemFacts;
    use super::*;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    const NOW: i64 = 1_000;
    const BUCKETS: u32 = 8;

    fn facts(i: &Map<String, Value>) -> ItemFacts {
        ItemFacts::of(i, &["pk".to_owned()], Some("ttl"), NOW, BUCKETS)
    }

    fn digest(items: &[Map<String, Value>]) -> TableDigest {
        let mut d = TableDigest::new(BUCKETS);
        items.iter().for_each(|i| d.add(&facts(i)));
        d
    }

    fn entries(items: &[Map<String, Value>], exam: &Examination) -> HashMap<u128, Entry> {
        items
            .iter()
            .map(|i| (i, facts(i)))
            .filter(|(_, f)| exam.examined[f.bucket as usize])
            .map(|(i, f)| {
                let entry = Entry {
                    key: super::super::key_of(i, &["pk".to_owned()]),
                    bucket: f.bucket,
                    item_hash: f.item_hash,
                    expired: f.expired,
                };
                (f.key_hash, entry)
            })
            .collect()
    }

    fn pk(p: &Paired) -> &str {
        p.key["pk"]["S"].as_str().unwrap()
    }

    #[test]
    fn equal_tables_have_nothing_to_examine() {
        let items: Vec<_> = (0..20)
            .map(|i| item(json!({"pk": {"S": i.to_string()}})))
            .collect();
        let exam = choose_buckets(&digest(&items), &digest(&items), 20, 1000);
        assert_eq!(exam.differing_buckets, 0);
        assert_eq!(exam.examined_buckets, 0);
        assert!(exam.complete());
    }

    #[test]
    fn each_kind_of_difference_is_found_and_expired_ones_are_set_apart() {
        let common: Vec<_> = (0..30)
            .map(|i| item(json!({"pk": {"S": format!("k{i}")}, "v": {"N": "1"}})))
            .collect();
        let mut source = common.clone();
        let mut dest = common.clone();
        dest[3] = item(json!({"pk": {"S": "k3"}, "v": {"N": "2"}}));
        dest.remove(7);
        dest.push(item(json!({"pk": {"S": "extra"}})));
        source.push(item(json!({"pk": {"S": "gone"}, "ttl": {"N": "5"}})));
        // Live on one side, expired on the other: a real difference.
        source.push(item(json!({"pk": {"S": "half"}, "ttl": {"N": "5000"}})));
        dest.push(item(json!({"pk": {"S": "half"}, "ttl": {"N": "5"}})));
        let (sd, dd) = (digest(&source), digest(&dest));
        let exam = choose_buckets(&sd, &dd, 20, 1000);
        assert!(exam.complete());
        let found = pair_entries(&entries(&source, &exam), &entries(&dest, &exam));
        let mut real: Vec<(&str, Presence)> = found
            .iter()
            .filter(|p| !p.expired)
            .map(|p| (pk(p), p.presence))
            .collect();
        real.sort_by_key(|(k, _)| *k);
        assert_eq!(
            real,
            [
                ("extra", Presence::OnlyInDestination),
                ("half", Presence::Both),
                ("k3", Presence::Both),
                ("k7", Presence::OnlyInSource),
            ]
        );
        let apart: Vec<&str> = found.iter().filter(|p| p.expired).map(pk).collect();
        assert_eq!(apart, ["gone"]);
    }

    #[test]
    fn an_expired_item_alone_leaves_the_tables_equal() {
        let common = vec![item(json!({"pk": {"S": "a"}}))];
        let mut source = common.clone();
        source.push(item(json!({"pk": {"S": "old"}, "ttl": {"N": "1"}})));
        let exam = choose_buckets(&digest(&source), &digest(&common), 20, 1000);
        assert_eq!(exam.differing_buckets, 0);
        assert_eq!(exam.expired_only_buckets, 1);
        assert_eq!(exam.examined_buckets, 1);
    }

    #[test]
    fn examination_stops_once_enough_is_certain_and_counts_the_rest() {
        let source: Vec<_> = (0..400)
            .map(|i| item(json!({"pk": {"S": i.to_string()}})))
            .collect();
        let exam = choose_buckets(&digest(&source), &digest(&[]), 2, 1_000_000);
        // Two differing buckets are certain to hold two differences.
        assert_eq!(exam.examined_buckets, 2);
        assert_eq!(exam.differing_buckets, BUCKETS);
        let examined_items: u64 = (0..BUCKETS as usize)
            .filter(|b| exam.examined[*b])
            .map(|b| digest(&source).live[b].count)
            .sum();
        assert_eq!(exam.unexamined_differences + examined_items, 400);
        assert!(!exam.complete());
        // A budget of keys stops it earlier, but one bucket is always examined.
        let tight = choose_buckets(&digest(&source), &digest(&[]), 20, 10);
        assert_eq!(tight.examined_buckets, 1);
    }

    #[test]
    fn a_difference_read_back_is_named_or_dropped() {
        let key = item(json!({"pk": {"S": "a"}}));
        let s = item(json!({"pk": {"S": "a"}, "v": {"N": "1"}, "w": {"S": "x"}}));
        let d = item(json!({"pk": {"S": "a"}, "v": {"N": "2"}, "w": {"S": "x"}}));
        let (diff, apart) = name_difference(&key, Some((&s, false)), Some((&d, false))).unwrap();
        assert_eq!(
            diff.kind,
            DifferenceKind::AttributesDiffer {
                attributes: vec!["v".into()]
            }
        );
        assert!(!apart);
        assert!(name_difference(&key, Some((&s, false)), Some((&s, false))).is_none());
        let (gone, apart) = name_difference(&key, Some((&s, true)), None).unwrap();
        assert_eq!(gone.kind, DifferenceKind::OnlyInSource);
        assert!(apart);
        assert_eq!(
            serde_json::to_value(&diff).unwrap(),
            json!({"key": {"pk": {"S": "a"}}, "kind": "attributes_differ", "attributes": ["v"]})
        );
    }
}
