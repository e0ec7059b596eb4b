//! Every check of a plan that needs no AWS call: names and values against AWS's rules, and
//! fields that contradict each other. All problems are collected rather than the first one
//! returned, so a person fixes a plan in one pass instead of one run per mistake. What only
//! AWS can tell (does the table exist, which region a profile uses) is left to preflight.

mod backup;

use std::collections::HashMap;

use super::{Plan, Problem, Via};
use crate::logic::names::{self, NameError};
use crate::logic::options::{ExportFormat, ExportSse};
use crate::logic::table::{Billing, KeySpec, TableSse};

/// Bounds of `options.key_check_sample`: the check reads the export in one thread before the
/// import, so it stays short; `ddb-ferry check` reads every item with every core.
pub const KEY_CHECK_SAMPLE: std::ops::RangeInclusive<u64> = 1..=1_000_000;
/// Bounds of `options.verify_sample`: every sampled item is held in memory and read back from
/// the new table, which costs its read capacity and time.
pub const VERIFY_SAMPLE: std::ops::RangeInclusive<u64> = 0..=10_000;
/// DynamoDB's limit on the attributes listed in `non_key_attributes`, over all indexes.
const PROJECTED_ATTRIBUTES_MAX: usize = 100;
/// How far in the future an export time may be, for clocks that disagree a little.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// The problems found so far, in the order of the file's fields.
#[derive(Default)]
struct Found(Vec<Problem>);

impl Found {
    fn check(&mut self, result: Result<(), NameError>) {
        if let Err(e) = result {
            self.0.push(e.into());
        }
    }

    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }
}

impl Plan {
    /// Checks every name and value against AWS's rules, and the fields against each other,
    /// before any call is made. Returns every problem found, each naming its field.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut found = Found::default();
        self.check_sides(&mut found);
        self.check_road(&mut found);
        if self.via == Via::S3 {
            self.check_export(&mut found);
        }
        self.check_table(&mut found);
        self.check_catch_up(&mut found);
        self.check_options(&mut found);
        if found.0.is_empty() {
            Ok(())
        } else {
            Err(found.0)
        }
    }

    fn check_sides(&self, found: &mut Found) {
        let (s, d) = (&self.source, &self.destination);
        if let Some(p) = &s.profile {
            found.check(names::profile_name("source.profile", p));
        }
        if let Some(r) = &s.region {
            found.check(names::region("source.region", r));
        }
        found.check(names::table_name("source.table", &s.table));
        if let Some(p) = &d.profile {
            found.check(names::profile_name("destination.profile", p));
        }
        if let Some(r) = &d.region {
            found.check(names::region("destination.region", r));
        }
        // The backup road uses no bucket; `check_road` refuses bucket fields there.
        if self.via != Via::S3 {
            return;
        }
        if d.bucket.is_empty() {
            found.add(
                "destination.bucket",
                "required: the S3 bucket of the destination account that receives the export (ddb-ferry creates it when `create_bucket` is true); or write \"via\": \"backup\" to move the table through a backup, which needs no bucket",
            );
        } else {
            found.check(names::bucket_name("destination.bucket", &d.bucket));
        }
        if let Some(owner) = &d.bucket_owner {
            found.check(names::account_id("destination.bucket_owner", owner));
        }
        if let Some(r) = &d.bucket_region {
            found.check(names::region("destination.bucket_region", r));
        }
        found.check(names::s3_prefix("destination.prefix", &d.prefix));
    }

    fn check_export(&self, found: &mut Found) {
        if let Some(t) = &self.export.export_time {
            match names::iso8601("export.export_time", t) {
                Err(e) => found.check(Err(e)),
                Ok(at) if at > time::OffsetDateTime::now_utc() + CLOCK_SKEW => found.add(
                    "export.export_time",
                    format!("{t:?} is in the future: an export reads the table as it was at that time; remove the field to export the current state"),
                ),
                Ok(_) => {}
            }
        }
        if let ExportSse::SseKms { kms_key } = &self.export.encryption {
            let field = "export.encryption.kms_key";
            let bucket_region = self
                .destination
                .bucket_region
                .as_ref()
                .or(self.destination.region.as_ref());
            found.check(names::kms_key(field, kms_key));
            found.check(kms_in_region(field, kms_key, bucket_region, "the bucket"));
        }
    }

    /// Catch-up follows the S3 road: its first window starts at the full export's time. A
    /// load into an existing table reads DynamoDB JSON exports, on the S3 road too.
    fn check_catch_up(&self, found: &mut Found) {
        if self.options.existing_table.is_some() {
            if self.via == Via::Backup {
                found.add(
                    "options.existing_table",
                    "a restore always creates a new table; writing into an existing table follows the S3 road (leave `via` out)",
                );
            } else if self.export.format == ExportFormat::Ion {
                found.add(
                    "options.existing_table",
                    "writing into an existing table reads a DynamoDB JSON export: set `export.format` to DYNAMODB_JSON",
                );
            }
        }
        if self.options.catch_up && self.via == Via::Backup {
            found.add(
                "options.catch_up",
                "catch-up applies the writes made after a full export, which the backup road does not make: move the table through S3 (leave `via` out) to catch it up, or set `catch_up` to false",
            );
        }
    }

    fn check_table(&self, found: &mut Found) {
        let t = &self.table;
        found.check(names::table_name("table.name", &t.name));
        self.check_not_the_source(found);
        if self.via == Via::Backup {
            self.check_restored_table(found);
            return;
        }
        // Every key attribute the plan names, with where: one attribute has one type.
        let mut keys: Vec<(String, &KeySpec)> = Vec::new();
        if let Some(k) = &t.partition_key {
            found.check(names::attribute_name("table.partition_key.name", &k.name));
            keys.push(("table.partition_key".into(), k));
        }
        if let Some(k) = &t.sort_key {
            found.check(names::attribute_name("table.sort_key.name", &k.name));
            if t.partition_key.as_ref().is_some_and(|p| p.name == k.name) {
                found.add(
                    "table.sort_key.name",
                    format!("{:?} is already the partition key; a sort key must be another attribute (leave `sort_key` out for a table with a partition key only)", k.name),
                );
            }
            keys.push(("table.sort_key".into(), k));
        }
        if let Some(Billing::Provisioned { read, write }) = &t.billing {
            capacity_at_least_one(found, "table.billing", *read, *write);
        }
        if let Some(TableSse::CustomerManaged { kms_key }) = &t.encryption {
            let field = "table.encryption.kms_key";
            found.check(names::kms_key(field, kms_key));
            found.check(kms_in_region(
                field,
                kms_key,
                self.destination.region.as_ref(),
                "the new table",
            ));
        }
        self.check_gsis(found, &mut keys);
        for (i, (field, key)) in keys.iter().enumerate() {
            let earlier = keys[..i]
                .iter()
                .find(|(_, k)| k.name == key.name && k.kind != key.kind);
            if let Some((first, other)) = earlier {
                found.add(
                    format!("{field}.type"),
                    format!(
                        "{:?} is {} here but {} in {first}; an attribute has one type in a table, so every key and index key on it must agree",
                        key.name,
                        key.kind.in_words(),
                        other.kind.in_words()
                    ),
                );
            }
        }
    }

    /// The new table in the source's own account and region, under the source's name: the
    /// import (or restore) could not create it. Only said when the plan shows it (same profile
    /// and region on both sides); two profiles of one account are found by preflight.
    fn check_not_the_source(&self, found: &mut Found) {
        let (s, d) = (&self.source, &self.destination);
        let step = match self.via {
            Via::S3 => "import",
            Via::Backup => "restore",
        };
        if self.table.name == s.table && s.profile == d.profile && s.region == d.region {
            found.add(
                "table.name",
                format!(
                    "{:?} is the source table's name, and the destination uses the same profile and region as the source, so the {step} would try to create the new table where the source already is; choose another `table.name`, or the profile or region of another account",
                    self.table.name
                ),
            );
        }
    }

    fn check_gsis<'a>(&'a self, found: &mut Found, keys: &mut Vec<(String, &'a KeySpec)>) {
        let Some(gsis) = &self.table.gsis else {
            return;
        };
        let pay_per_request = self.table.billing == Some(Billing::PayPerRequest);
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        let mut projected = 0;
        for (i, g) in gsis.iter().enumerate() {
            let at = format!("table.gsis[{i}]");
            found.check(names::index_name(&format!("{at}.name"), &g.name));
            match first_of.get(g.name.as_str()) {
                Some(j) => found.add(
                    format!("{at}.name"),
                    format!("{:?} is also the name of table.gsis[{j}]; each index of a table needs its own name", g.name),
                ),
                None => {
                    first_of.insert(&g.name, i);
                }
            }
            found.check(names::attribute_name(
                &format!("{at}.partition_key.name"),
                &g.partition_key.name,
            ));
            keys.push((format!("{at}.partition_key"), &g.partition_key));
            if let Some(sk) = &g.sort_key {
                found.check(names::attribute_name(
                    &format!("{at}.sort_key.name"),
                    &sk.name,
                ));
                if sk.name == g.partition_key.name {
                    found.add(
                        format!("{at}.sort_key.name"),
                        format!("{:?} is already the index's partition key; an index's sort key must be another attribute (or leave `sort_key` out)", sk.name),
                    );
                }
                keys.push((format!("{at}.sort_key"), sk));
            }
            projected += g.projection.non_key_attributes.len();
            check_projection(found, &at, &g.projection);
            if let Some(c) = &g.capacity {
                capacity_at_least_one(found, &format!("{at}.capacity"), c.read, c.write);
                if pay_per_request {
                    found.add(
                        format!("{at}.capacity"),
                        "the table is billed PAY_PER_REQUEST (`table.billing`), which has no capacity to set; remove `capacity`, or make the table PROVISIONED",
                    );
                }
            }
        }
        if projected > PROJECTED_ATTRIBUTES_MAX {
            found.add(
                "table.gsis",
                format!("the indexes list {projected} attributes in `non_key_attributes`; DynamoDB allows at most {PROJECTED_ATTRIBUTES_MAX} over all indexes of a table: project fewer, or use ALL"),
            );
        }
    }

    fn check_options(&self, found: &mut Found) {
        let o = &self.options;
        if !KEY_CHECK_SAMPLE.contains(&o.key_check_sample) {
            found.add(
                "options.key_check_sample",
                format!(
                    "{} is out of range: the key check reads {} to {} exported items before the import (it is what stops an import that would reject items); to check every item of a larger export, run `ddb-ferry check` on it",
                    o.key_check_sample,
                    KEY_CHECK_SAMPLE.start(),
                    KEY_CHECK_SAMPLE.end()
                ),
            );
        }
        if !VERIFY_SAMPLE.contains(&o.verify_sample) {
            found.add(
                "options.verify_sample",
                format!(
                    "{} is out of range: at most {} items are read back from the new table and compared (each read uses the table's capacity and time); 0 compares the counts only",
                    o.verify_sample,
                    VERIFY_SAMPLE.end()
                ),
            );
        }
    }
}

fn check_projection(found: &mut Found, at: &str, p: &crate::logic::table::Projection) {
    let listed = !p.non_key_attributes.is_empty();
    match p.kind.as_str() {
        "ALL" | "KEYS_ONLY" if listed => found.add(
            format!("{at}.projection.non_key_attributes"),
            format!("a {} projection lists no attributes; use INCLUDE to project only the listed ones, or remove the list", p.kind),
        ),
        "ALL" | "KEYS_ONLY" => {}
        "INCLUDE" if !listed => found.add(
            format!("{at}.projection.non_key_attributes"),
            "an INCLUDE projection needs the attributes to include; list them, or use KEYS_ONLY (keys only) or ALL (every attribute)",
        ),
        "INCLUDE" => {}
        other => found.add(
            format!("{at}.projection.type"),
            format!("{other:?} is not a projection type; use ALL (every attribute), KEYS_ONLY (only the keys) or INCLUDE (the keys and the attributes in `non_key_attributes`)"),
        ),
    }
    for (j, name) in p.non_key_attributes.iter().enumerate() {
        if name.is_empty() || name.len() > 255 {
            found.add(
                format!("{at}.projection.non_key_attributes[{j}]"),
                format!(
                    "{name:?} is not valid: a projected attribute name must be 1 to 255 bytes long"
                ),
            );
        }
    }
}

fn capacity_at_least_one(found: &mut Found, at: &str, read: i64, write: i64) {
    for (what, units) in [("read", read), ("write", write)] {
        if units < 1 {
            found.add(
                format!("{at}.{what}"),
                format!("{units} is not valid: provisioned capacity is at least 1 unit"),
            );
        }
    }
}

/// A key ARN names its region; where the plan names the region that must use the key too,
/// they must agree (a KMS key serves only its own region).
fn kms_in_region(
    field: &str,
    key: &str,
    region: Option<&String>,
    place: &str,
) -> Result<(), NameError> {
    match (names::kms_key_region(key), region) {
        (Some(k), Some(r)) if k != r => Err(NameError {
            field: field.to_owned(),
            value: key.to_owned(),
            rule: format!(
                "the key is in {k} but {place} is in {r}; a KMS key serves only its own region, so use a key in {r}"
            ),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A good plan, read without the checks under test.
    fn plan() -> Plan {
        serde_json::from_str(
            r#"{"source": {"profile": "prod", "table": "orders"},
                "destination": {"profile": "new", "bucket": "ferry-orders"},
                "table": {"name": "orders"}}"#,
        )
        .unwrap()
    }

    fn fields(p: &Plan) -> Vec<String> {
        p.validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn three_different_problems_are_all_reported_with_their_fields() {
        let mut p = plan();
        p.destination.bucket = "Ferry_Orders".into();
        p.destination.region = Some("US-EAST-1".into());
        p.options.verify_sample = 1_000_000;
        let problems = p.validate().unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "destination.region",
                "destination.bucket",
                "options.verify_sample"
            ]
        );
        assert!(problems.iter().all(|p| !p.message.is_empty()));
        assert!(
            problems[1].message.contains("\"Ferry_Orders\""),
            "{problems:?}"
        );
    }

    #[test]
    fn conflicts_between_the_table_and_its_indexes_name_the_later_field() {
        assert!(plan().validate().is_ok());
        let mut p = plan();
        p.table = serde_json::from_str(
            r#"{"name": "orders-copy",
                "partition_key": {"name": "pk", "type": "S"},
                "sort_key": {"name": "pk", "type": "S"},
                "gsis": [
                  {"name": "by-status", "partition_key": {"name": "status", "type": "S"},
                   "projection": {"type": "ALL"}},
                  {"name": "by-status", "partition_key": {"name": "pk", "type": "N"},
                   "sort_key": {"name": "pk", "type": "N"},
                   "projection": {"type": "INCLUDE"}}
                ]}"#,
        )
        .unwrap();
        assert_eq!(
            fields(&p),
            [
                "table.sort_key.name",
                "table.gsis[1].name",
                "table.gsis[1].sort_key.name",
                "table.gsis[1].projection.non_key_attributes",
                "table.gsis[1].partition_key.type",
                "table.gsis[1].sort_key.type",
            ]
        );
        let problems = p.validate().unwrap_err();
        let mismatch = problems
            .iter()
            .find(|p| p.field == "table.gsis[1].partition_key.type")
            .unwrap();
        assert!(
            mismatch.message.contains("N (number)")
                && mismatch.message.contains("S (text)")
                && mismatch.message.contains("table.partition_key"),
            "{mismatch:?}"
        );
    }

    #[test]
    fn the_new_table_may_not_take_the_source_s_place() {
        let mut p = plan();
        p.destination.profile = Some("prod".into());
        assert_eq!(fields(&p), ["table.name"]);
        // Another region, or another name, is another table.
        p.destination.region = Some("eu-west-1".into());
        assert!(p.validate().is_ok());
        p.destination.region = None;
        p.table.name = "orders-copy".into();
        assert!(p.validate().is_ok());
        // Default credentials on both sides are the same account too.
        let mut p = plan();
        p.source.profile = None;
        p.destination.profile = None;
        assert_eq!(fields(&p), ["table.name"]);
    }

    #[test]
    fn capacity_and_billing_must_agree() {
        let mut p = plan();
        p.table.billing = Some(Billing::PayPerRequest);
        p.table.gsis = Some(vec![serde_json::from_str(
            r#"{"name": "by-status", "partition_key": {"name": "status", "type": "S"},
                "projection": {"type": "KEYS_ONLY", "non_key_attributes": ["a"]},
                "capacity": {"read": 0, "write": 5}}"#,
        )
        .unwrap()]);
        assert_eq!(
            fields(&p),
            [
                "table.gsis[0].projection.non_key_attributes",
                "table.gsis[0].capacity.read",
                "table.gsis[0].capacity",
            ]
        );
        p.table.billing = Some(Billing::Provisioned { read: 5, write: 0 });
        assert_eq!(
            fields(&p),
            [
                "table.billing.write",
                "table.gsis[0].projection.non_key_attributes",
                "table.gsis[0].capacity.read",
            ]
        );
    }

    #[test]
    fn sample_sizes_have_sane_bounds() {
        let mut p = plan();
        for (key, verify, bad) in [
            (1, 0, vec![]),
            (1_000_000, 10_000, vec![]),
            (
                0,
                10_001,
                vec!["options.key_check_sample", "options.verify_sample"],
            ),
            (1_000_001, 5, vec!["options.key_check_sample"]),
        ] {
            p.options.key_check_sample = key;
            p.options.verify_sample = verify;
            assert_eq!(fields(&p), bad, "{key} {verify}");
        }
    }
}
