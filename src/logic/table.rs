//! The new table's creation parameters (the `TableCreationParameters` of ImportTable) and the
//! source table's description, as plain data: derived from DescribeTable, adjusted by the
//! plan, checked, and shown. Free of SDK types so the AWS wrapper, the engine and the wizard
//! share them without depending on each other.

use serde::{Deserialize, Serialize};

/// A key attribute's scalar type. Keys can only be strings, numbers or binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyType {
    S,
    N,
    B,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::S => "S",
            KeyType::N => "N",
            KeyType::B => "B",
        }
    }

    /// The type in words, for people who do not know DynamoDB's letters.
    pub fn in_words(self) -> &'static str {
        match self {
            KeyType::S => "S (text)",
            KeyType::N => "N (number)",
            KeyType::B => "B (binary)",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "S" => Some(KeyType::S),
            "N" => Some(KeyType::N),
            "B" => Some(KeyType::B),
            _ => None,
        }
    }
}

/// One key attribute: its exact (case-sensitive) name and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: KeyType,
}

/// Which attributes a secondary index carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_key_attributes: Vec<String>,
}

/// A global secondary index to create with the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GsiSpec {
    pub name: String,
    pub partition_key: KeySpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_key: Option<KeySpec>,
    pub projection: Projection,
    /// Provisioned read/write capacity; only with PROVISIONED billing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
}

/// A local secondary index of an existing table. Only a table's creation (or a restore)
/// makes one: the partition key is always the table's, so only the sort key is its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LsiSpec {
    pub name: String,
    pub sort_key: KeySpec,
    pub projection: Projection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    pub read: i64,
    pub write: i64,
}

/// How the new table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub enum Billing {
    PayPerRequest,
    Provisioned { read: i64, write: i64 },
}

/// Encryption at rest of the new table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub enum TableSse {
    /// The default: a key owned by DynamoDB, no KMS charges.
    DynamodbOwned,
    /// The AWS-managed key `alias/aws/dynamodb` in the destination account.
    AwsManaged,
    /// A customer-managed KMS key of the destination account.
    CustomerManaged { kms_key: String },
}

/// Everything ImportTable needs to create the new table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    pub name: String,
    pub partition_key: KeySpec,
    pub sort_key: Option<KeySpec>,
    pub gsis: Vec<GsiSpec>,
    pub billing: Billing,
    pub sse: TableSse,
}

/// The names of a table's key attributes, partition key first.
pub fn key_names(partition: &KeySpec, sort: Option<&KeySpec>) -> Vec<String> {
    std::iter::once(partition)
        .chain(sort)
        .map(|k| k.name.clone())
        .collect()
}

impl TableSpec {
    /// The names of its key attributes, partition key first.
    pub fn key_names(&self) -> Vec<String> {
        key_names(&self.partition_key, self.sort_key.as_ref())
    }

    /// The attribute definitions: every key attribute of the table and its indexes, once.
    pub fn attribute_definitions(&self) -> Vec<KeySpec> {
        let mut defs: Vec<KeySpec> = Vec::new();
        let mut add = |k: &KeySpec| {
            if !defs.iter().any(|d| d.name == k.name) {
                defs.push(k.clone());
            }
        };
        add(&self.partition_key);
        if let Some(k) = &self.sort_key {
            add(k);
        }
        for g in &self.gsis {
            add(&g.partition_key);
            if let Some(k) = &g.sort_key {
                add(k);
            }
        }
        defs
    }

    /// Attributes used as keys with two different types: CreateTable would refuse them.
    pub fn conflicting_key_types(&self) -> Vec<String> {
        let mut keys: Vec<&KeySpec> = vec![&self.partition_key];
        keys.extend(self.sort_key.iter());
        for g in &self.gsis {
            keys.push(&g.partition_key);
            keys.extend(g.sort_key.iter());
        }
        let mut out = Vec::new();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                if a.name == b.name && a.kind != b.kind && !out.contains(&a.name) {
                    out.push(a.name.clone());
                }
            }
        }
        out
    }

    /// The `TableCreationParameters` JSON exactly as `aws dynamodb import-table` takes it.
    pub fn creation_parameters_json(&self) -> serde_json::Value {
        use serde_json::json;
        let key_schema = |pk: &KeySpec, sk: &Option<KeySpec>| {
            let mut v = vec![json!({"AttributeName": pk.name, "KeyType": "HASH"})];
            if let Some(s) = sk {
                v.push(json!({"AttributeName": s.name, "KeyType": "RANGE"}));
            }
            v
        };
        let mut out = json!({
            "TableName": self.name,
            "AttributeDefinitions": self.attribute_definitions().iter()
                .map(|k| json!({"AttributeName": k.name, "AttributeType": k.kind.as_str()}))
                .collect::<Vec<_>>(),
            "KeySchema": key_schema(&self.partition_key, &self.sort_key),
        });
        match self.billing {
            Billing::PayPerRequest => out["BillingMode"] = json!("PAY_PER_REQUEST"),
            Billing::Provisioned { read, write } => {
                out["BillingMode"] = json!("PROVISIONED");
                out["ProvisionedThroughput"] =
                    json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write});
            }
        }
        if !self.gsis.is_empty() {
            out["GlobalSecondaryIndexes"] = self
                .gsis
                .iter()
                .map(|g| {
                    let mut p = json!({"ProjectionType": g.projection.kind});
                    if !g.projection.non_key_attributes.is_empty() {
                        p["NonKeyAttributes"] = json!(g.projection.non_key_attributes);
                    }
                    let mut idx = json!({
                        "IndexName": g.name,
                        "KeySchema": key_schema(&g.partition_key, &g.sort_key),
                        "Projection": p,
                    });
                    if let (Billing::Provisioned { .. }, Some(c)) = (self.billing, g.capacity) {
                        idx["ProvisionedThroughput"] =
                            json!({"ReadCapacityUnits": c.read, "WriteCapacityUnits": c.write});
                    }
                    idx
                })
                .collect();
        }
        match &self.sse {
            TableSse::DynamodbOwned => {}
            TableSse::AwsManaged => {
                out["SSESpecification"] = json!({"Enabled": true, "SSEType": "KMS"});
            }
            TableSse::CustomerManaged { kms_key } => {
                out["SSESpecification"] =
                    json!({"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": kms_key});
            }
        }
        out
    }
}

/// What DescribeTable tells about the source, kept in the journal and used for defaults and
/// for the "not carried by import" report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceTable {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub partition_key: KeySpec,
    pub sort_key: Option<KeySpec>,
    pub gsis: Vec<GsiSpec>,
    /// Local secondary indexes: an import cannot create them.
    pub lsis: Vec<String>,
    /// The same local secondary indexes in full (sort key, projection), so that a restored
    /// table can be compared with its source index by index. Empty in older journals.
    #[serde(default)]
    pub lsi_specs: Vec<LsiSpec>,
    pub billing: Billing,
    pub sse: TableSse,
    pub item_count: i64,
    pub size_bytes: i64,
    /// Stream view type when a stream is on.
    pub stream: Option<String>,
    pub table_class: Option<String>,
    pub deletion_protection: bool,
    /// Set when the table was made by a restore (DescribeTable's RestoreSummary).
    #[serde(default)]
    pub restore: Option<RestoreSummary>,
}

/// Where a restored table came from, and whether the restore still runs: a restored table
/// is CREATING and empty until `in_progress` turns false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreSummary {
    /// The backup or recovery point restored (DynamoDB or AWS Backup ARN).
    #[serde(default)]
    pub source_backup_arn: Option<String>,
    /// The table the backup or the point in time was taken from.
    #[serde(default)]
    pub source_table_arn: Option<String>,
    /// The point in time the data is from (RFC 3339).
    #[serde(default)]
    pub restore_time: Option<String>,
    #[serde(default)]
    pub in_progress: bool,
}

impl SourceTable {
    /// The names of its key attributes, partition key first.
    pub fn key_names(&self) -> Vec<String> {
        key_names(&self.partition_key, self.sort_key.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TableSpec {
        TableSpec {
            name: "orders".into(),
            partition_key: KeySpec {
                name: "pk".into(),
                kind: KeyType::S,
            },
            sort_key: Some(KeySpec {
                name: "sk".into(),
                kind: KeyType::N,
            }),
            gsis: vec![GsiSpec {
                name: "by-status".into(),
                partition_key: KeySpec {
                    name: "status".into(),
                    kind: KeyType::S,
                },
                sort_key: Some(KeySpec {
                    name: "sk".into(),
                    kind: KeyType::N,
                }),
                projection: Projection {
                    kind: "ALL".into(),
                    non_key_attributes: vec![],
                },
                capacity: None,
            }],
            billing: Billing::PayPerRequest,
            sse: TableSse::DynamodbOwned,
        }
    }

    #[test]
    fn attribute_definitions_list_each_key_once() {
        let names: Vec<String> = spec()
            .attribute_definitions()
            .into_iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(names, ["pk", "sk", "status"]);
    }

    #[test]
    fn creation_parameters_match_the_cli_shape() {
        let j = spec().creation_parameters_json();
        assert_eq!(j["TableName"], "orders");
        assert_eq!(j["KeySchema"][1]["KeyType"], "RANGE");
        assert_eq!(j["BillingMode"], "PAY_PER_REQUEST");
        assert_eq!(j["GlobalSecondaryIndexes"][0]["IndexName"], "by-status");
        assert!(j.get("SSESpecification").is_none());
    }

    #[test]
    fn a_key_used_with_two_types_is_found() {
        let mut s = spec();
        s.gsis[0].sort_key = Some(KeySpec {
            name: "sk".into(),
            kind: KeyType::S,
        });
        assert_eq!(s.conflicting_key_types(), ["sk"]);
    }
}
