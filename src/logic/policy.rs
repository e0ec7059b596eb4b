//! The destination bucket's policy for a cross-account export.
//!
//! DynamoDB writes the export with the credentials of the caller in the *source* account,
//! so the bucket (in the destination account) must allow that account to write under the
//! chosen prefix. We build the smallest grant that works and merge it into whatever policy
//! the bucket already has, because a bucket policy is a single document: replacing it would
//! silently remove someone else's access.

mod diff;
pub(super) mod document;
mod equivalence;
mod words;

use std::collections::HashSet;

use serde_json::{json, Value};

use document::from_document_error;

pub use diff::{statement_lines, DiffLine};
pub use words::{describe_change, pretty_lines};

/// Sid of the statement that lets the source account write the export.
pub const ALLOW_SID: &str = "DdbFerryExportFromSourceAccount";
/// Sid of the statement that refuses plain-HTTP access to the export's objects.
pub const DENY_INSECURE_SID: &str = "DdbFerryDenyInsecureTransport";

/// What the AWS docs ("Requesting a table export in DynamoDB") list for writing an export:
/// multipart uploads that can be aborted, the objects themselves, and their ACL.
const EXPORT_OBJECT_ACTIONS: [&str; 3] =
    ["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"];

/// S3 refuses bucket policies larger than 20 KB; better to say so before the PutBucketPolicy call.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// Who may write an export where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportGrant {
    /// Destination bucket name.
    pub bucket: String,
    /// Export prefix inside the bucket; may be empty; no leading slash.
    pub prefix: String,
    /// Twelve-digit id of the account that owns the source table.
    pub source_account: String,
    /// Add the statement that denies non-TLS access to the prefix. Always true against AWS;
    /// false only for a plain-HTTP endpoint (a local emulator), where it would lock out the
    /// tool's own reads.
    pub deny_insecure_transport: bool,
}

impl ExportGrant {
    /// ARN pattern of every object the export can write.
    ///
    /// A trailing slash on the prefix is dropped before joining, so "pre/fix" and "pre/fix/"
    /// both give `bucket/pre/fix/*` — which also covers the `pre/fix//AWSDynamoDB/...` keys an
    /// export writes when the prefix ends with a slash.
    pub fn objects_arn(&self) -> String {
        let prefix = self.prefix.trim_end_matches('/');
        if prefix.is_empty() {
            format!("arn:aws:s3:::{}/*", self.bucket)
        } else {
            format!("arn:aws:s3:::{}/{}/*", self.bucket, prefix)
        }
    }

    /// ARN of the bucket itself (what `s3:ListBucket` is granted on).
    pub fn bucket_arn(&self) -> String {
        format!("arn:aws:s3:::{}", self.bucket)
    }

    fn source_root_arn(&self) -> String {
        format!("arn:aws:iam::{}:root", self.source_account)
    }
}

/// The statements this tool wants in the bucket policy, in the order they are added.
///
/// The allows are limited to requests DynamoDB makes on the caller's behalf
/// (`aws:CalledVia`), so the source account gets no direct write access to the bucket. The
/// deny is scoped to our prefix so that an existing non-TLS client elsewhere in the bucket
/// keeps working.
pub fn export_statements(grant: &ExportGrant) -> Vec<Value> {
    let called_via_dynamodb = json!({
        "ForAnyValue:StringEquals": { "aws:CalledVia": ["dynamodb.amazonaws.com"] }
    });
    let principal = json!({ "AWS": grant.source_root_arn() });
    let mut statements = vec![
        json!({
            "Sid": ALLOW_SID,
            "Effect": "Allow",
            "Principal": principal,
            "Action": EXPORT_OBJECT_ACTIONS,
            "Resource": grant.objects_arn(),
            "Condition": called_via_dynamodb,
        }),
        json!({
            "Sid": format!("{ALLOW_SID}List"),
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:ListBucket",
            "Resource": grant.bucket_arn(),
            "Condition": called_via_dynamodb,
        }),
        json!({
            "Sid": DENY_INSECURE_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": grant.objects_arn(),
            "Condition": { "Bool": { "aws:SecureTransport": "false" } },
        }),
    ];
    if !grant.deny_insecure_transport {
        statements.retain(|st| st["Sid"] != DENY_INSECURE_SID);
    }
    statements
}

/// The result of merging our statements into a bucket's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyMerge {
    /// The whole policy to put on the bucket (`Statement` always an array).
    pub policy: Value,
    /// The statements that were added, as they appear in `policy`.
    pub added: Vec<Value>,
    /// Whether `policy` differs in meaning from the existing one (false: no call needed).
    pub changed: bool,
}

/// Why an existing bucket policy could not be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "the bucket's current policy is not valid JSON (line {line}, column {column}: {reason}); \
         fix or delete it in the S3 console, then run this step again"
    )]
    InvalidJson {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error(
        "the bucket's current policy is a JSON {found}, not an object with a \"Statement\" list; \
         fix or delete it in the S3 console, then run this step again"
    )]
    NotAnObject { found: &'static str },
    #[error(
        "the bucket policy's \"Statement\" is a JSON {found}; IAM expects a statement object or a \
         list of them. Fix the policy in the S3 console, then run this step again"
    )]
    BadStatement { found: &'static str },
    #[error(
        "statement number {number} of the bucket policy is a JSON {found}, not a statement \
         object; fix the policy in the S3 console, then run this step again"
    )]
    BadStatementEntry { number: usize, found: &'static str },
    #[error(
        "with ddb-ferry's statements the bucket policy would be {size} bytes, over S3's limit of \
         {limit} bytes; remove statements the bucket no longer needs, then run this step again"
    )]
    TooLarge { size: usize, limit: usize },
}

// The text's faults, told of the bucket's policy.
from_document_error!(PolicyError);

/// Adds our statements to `existing` (the bucket's policy text, `None` when it has none).
///
/// Existing statements and top-level fields are kept exactly and in order. A statement of
/// ours counts as present when an existing one means the same (see [`equivalence`]); if an
/// existing statement uses our Sid for something else, ours gets the next free Sid
/// (`…2`, `…3`). Running `merge` on its own output adds nothing.
pub fn merge(existing: Option<&str>, grant: &ExportGrant) -> Result<PolicyMerge, PolicyError> {
    let (mut document, mut statements) = document::read(existing)?;

    let mut added = Vec::new();
    for ours in export_statements(grant) {
        let wanted = equivalence::canonical(&ours);
        if statements
            .iter()
            .any(|existing| equivalence::canonical(existing) == wanted)
        {
            continue;
        }
        let ours = with_free_sid(ours, &statements);
        statements.push(ours.clone());
        added.push(ours);
    }

    document.insert("Statement".into(), Value::Array(statements));
    let policy = Value::Object(document);
    if !added.is_empty() {
        let size = policy.to_string().len();
        if size > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge {
                size,
                limit: MAX_POLICY_BYTES,
            });
        }
    }
    Ok(PolicyMerge {
        policy,
        changed: !added.is_empty(),
        added,
    })
}

/// Gives `ours` a Sid no other statement uses: IAM wants Sids unique within a policy.
fn with_free_sid(mut ours: Value, statements: &[Value]) -> Value {
    let used: HashSet<&str> = statements
        .iter()
        .filter_map(|s| s.get("Sid").and_then(Value::as_str))
        .collect();
    let base = ours
        .get("Sid")
        .and_then(Value::as_str)
        .unwrap_or(ALLOW_SID)
        .to_owned();
    if !used.contains(base.as_str()) {
        return ours;
    }
    let free = (2u64..)
        .map(|n| format!("{base}{n}"))
        .find(|candidate| !used.contains(candidate.as_str()))
        .unwrap_or_else(|| format!("{base}X"));
    if let Some(map) = ours.as_object_mut() {
        map.insert("Sid".into(), Value::String(free));
    }
    ours
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grant(prefix: &str) -> ExportGrant {
        ExportGrant {
            bucket: "dest-bucket".into(),
            prefix: prefix.into(),
            source_account: "111122223333".into(),
            deny_insecure_transport: true,
        }
    }

    fn statements_of(policy: &Value) -> &Vec<Value> {
        policy["Statement"].as_array().expect("Statement array")
    }

    #[test]
    fn object_arn_joins_prefix_sensibly() {
        assert_eq!(grant("").objects_arn(), "arn:aws:s3:::dest-bucket/*");
        assert_eq!(
            grant("pre/fix").objects_arn(),
            "arn:aws:s3:::dest-bucket/pre/fix/*"
        );
        assert_eq!(
            grant("pre/fix/").objects_arn(),
            "arn:aws:s3:::dest-bucket/pre/fix/*"
        );
        assert_eq!(grant("").bucket_arn(), "arn:aws:s3:::dest-bucket");
    }

    #[test]
    fn statements_are_least_privilege() {
        let s = export_statements(&grant("exports"));
        assert_eq!(s.len(), 3);
        assert_eq!(s[0]["Sid"], ALLOW_SID);
        assert_eq!(s[0]["Effect"], "Allow");
        assert_eq!(s[0]["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        assert_eq!(
            s[0]["Action"],
            json!(["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"])
        );
        assert_eq!(s[0]["Resource"], "arn:aws:s3:::dest-bucket/exports/*");
        assert_eq!(
            s[0]["Condition"]["ForAnyValue:StringEquals"]["aws:CalledVia"],
            json!(["dynamodb.amazonaws.com"])
        );
        assert_eq!(s[1]["Sid"], format!("{ALLOW_SID}List"));
        assert_eq!(s[1]["Action"], "s3:ListBucket");
        assert_eq!(s[1]["Resource"], "arn:aws:s3:::dest-bucket");
        assert_eq!(s[1]["Condition"], s[0]["Condition"]);
        assert_eq!(s[2]["Sid"], DENY_INSECURE_SID);
        assert_eq!(s[2]["Effect"], "Deny");
        assert_eq!(s[2]["Principal"], "*");
        assert_eq!(s[2]["Resource"], "arn:aws:s3:::dest-bucket/exports/*");
        assert_eq!(
            s[2]["Condition"],
            json!({"Bool": {"aws:SecureTransport": "false"}})
        );
    }

    #[test]
    fn no_existing_policy_gives_fresh_document() {
        for existing in [None, Some(""), Some("  \n")] {
            let m = merge(existing, &grant("p")).unwrap();
            assert!(m.changed);
            assert_eq!(m.policy["Version"], "2012-10-17");
            assert_eq!(statements_of(&m.policy), &export_statements(&grant("p")));
            assert_eq!(m.added, export_statements(&grant("p")));
        }
    }

    #[test]
    fn keeps_existing_statements_and_fields_in_order() {
        let existing = json!({
            "Version": "2012-10-17",
            "Id": "ExistingPolicy",
            "Statement": [
                {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:role/r"},
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::dest-bucket/*"},
                {"Sid": "B", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
                 "Resource": "arn:aws:s3:::dest-bucket"}
            ]
        });
        let m = merge(Some(&existing.to_string()), &grant("p")).unwrap();
        assert!(m.changed);
        assert_eq!(m.policy["Id"], "ExistingPolicy");
        let out = statements_of(&m.policy);
        assert_eq!(&out[..2], &statements_of(&existing)[..]);
        assert_eq!(&out[2..], &m.added[..]);
        assert_eq!(m.added.len(), 3);
    }

    #[test]
    fn single_statement_object_is_kept_and_emitted_as_array() {
        let existing = r#"{"Version":"2012-10-17","Statement":{"Sid":"Only","Effect":"Allow",
            "Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::dest-bucket/public/*"}}"#;
        let m = merge(Some(existing), &grant("p")).unwrap();
        let out = statements_of(&m.policy);
        assert_eq!(out.len(), 4);
        assert_eq!(out[0]["Sid"], "Only");
        assert_eq!(out[0]["Resource"], "arn:aws:s3:::dest-bucket/public/*");
    }

    #[test]
    fn equivalent_statement_in_other_spelling_counts_as_present() {
        // Same meaning as ours: different Sid, account id instead of root ARN, array vs
        // string, other order and case of actions, bool instead of string in the condition.
        let existing = json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "TheirWrite", "Effect": "Allow", "Principal": {"AWS": ["111122223333"]},
                 "Action": ["s3:putobjectacl", "S3:PutObject", "s3:AbortMultipartUpload"],
                 "Resource": ["arn:aws:s3:::dest-bucket/p/*"],
                 "Condition": {"ForAnyValue:StringEquals": {"AWS:CalledVia": "dynamodb.amazonaws.com"}}},
                {"Sid": "TheirList", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
                 "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::dest-bucket",
                 "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": ["dynamodb.amazonaws.com"]}}},
                {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:*"],
                 "Resource": "arn:aws:s3:::dest-bucket/p/*",
                 "Condition": {"Bool": {"aws:SecureTransport": false}}}
            ]
        });
        let m = merge(Some(&existing.to_string()), &grant("p")).unwrap();
        assert!(!m.changed, "added {:?}", m.added);
        assert!(m.added.is_empty());
        assert_eq!(m.policy, existing);
    }

    #[test]
    fn different_prefix_is_not_equivalent() {
        let first = merge(None, &grant("a")).unwrap();
        let second = merge(Some(&first.policy.to_string()), &grant("b")).unwrap();
        assert!(second.changed);
        // The list statement is identical for both prefixes, so only two are added,
        // and their Sids are made distinct from the first grant's.
        let sids: Vec<_> = second.added.iter().map(|s| s["Sid"].clone()).collect();
        assert_eq!(
            sids,
            vec![
                json!(format!("{ALLOW_SID}2")),
                json!(format!("{DENY_INSECURE_SID}2"))
            ]
        );
    }

    #[test]
    fn same_sid_other_content_is_kept_and_ours_gets_distinct_sid() {
        let theirs = json!({"Sid": ALLOW_SID, "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::dest-bucket/*"});
        let theirs2 = json!({"Sid": format!("{ALLOW_SID}2"), "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObjectAcl", "Resource": "arn:aws:s3:::dest-bucket/*"});
        let existing = json!({"Version": "2012-10-17", "Statement": [theirs, theirs2]});
        let m = merge(Some(&existing.to_string()), &grant("p")).unwrap();
        let out = statements_of(&m.policy);
        assert_eq!(out[0], theirs);
        assert_eq!(out[1], theirs2);
        assert_eq!(m.added[0]["Sid"], format!("{ALLOW_SID}3"));
        assert_eq!(m.added[0]["Action"], json!(EXPORT_OBJECT_ACTIONS));
        assert_eq!(m.added[1]["Sid"], format!("{ALLOW_SID}List"));
        assert_eq!(m.added[2]["Sid"], DENY_INSECURE_SID);
        let again = merge(Some(&m.policy.to_string()), &grant("p")).unwrap();
        assert!(!again.changed);
        assert_eq!(again.policy, m.policy);
    }

    #[test]
    fn invalid_policies_are_refused_with_a_reason() {
        let err = merge(Some("{\"Statement\": ["), &grant("p")).unwrap_err();
        assert!(
            matches!(err, PolicyError::InvalidJson { line: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("not valid JSON"));

        let err = merge(Some("[1,2]"), &grant("p")).unwrap_err();
        assert_eq!(err, PolicyError::NotAnObject { found: "array" });

        let err = merge(Some(r#"{"Statement": "x"}"#), &grant("p")).unwrap_err();
        assert_eq!(err, PolicyError::BadStatement { found: "string" });

        let err = merge(Some(r#"{"Statement": [{}, 3]}"#), &grant("p")).unwrap_err();
        assert_eq!(
            err,
            PolicyError::BadStatementEntry {
                number: 2,
                found: "number"
            }
        );
        assert!(err.to_string().contains("statement number 2"));
    }

    #[test]
    fn policy_without_statement_or_version_gets_ours_and_keeps_its_fields() {
        let m = merge(Some(r#"{"Id": "x"}"#), &grant("")).unwrap();
        assert_eq!(m.policy["Id"], "x");
        assert!(m.policy.get("Version").is_none());
        assert_eq!(statements_of(&m.policy).len(), 3);
    }

    #[test]
    fn oversized_result_is_refused() {
        let filler: Vec<Value> = (0..400)
            .map(|i| {
                json!({"Sid": format!("S{i}"), "Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::dest-bucket/{i}/*")})
            })
            .collect();
        let existing = json!({"Version": "2012-10-17", "Statement": filler});
        let err = merge(Some(&existing.to_string()), &grant("p")).unwrap_err();
        assert!(matches!(err, PolicyError::TooLarge { .. }), "{err}");
    }

    fn arb_string_or_list(options: Vec<&'static str>) -> impl Strategy<Value = Value> {
        let single = proptest::sample::select(options.clone()).prop_map(|s| json!(s));
        let list = proptest::sample::subsequence(options.clone(), 0..=options.len())
            .prop_map(|v| json!(v));
        prop_oneof![single, list]
    }

    fn arb_statement() -> impl Strategy<Value = Value> {
        let sid = proptest::option::of(proptest::sample::select(vec![
            ALLOW_SID,
            "DdbFerryExportFromSourceAccountList",
            DENY_INSECURE_SID,
            "DdbFerryExportFromSourceAccount2",
            "Other",
        ]));
        let effect = proptest::sample::select(vec!["Allow", "Deny"]);
        let principal = prop_oneof![
            Just(json!("*")),
            Just(json!({"AWS": "111122223333"})),
            Just(json!({"AWS": "arn:aws:iam::111122223333:root"})),
            Just(json!({"AWS": ["arn:aws:iam::444455556666:role/x", "111122223333"]})),
            Just(json!({"Service": "logging.s3.amazonaws.com"})),
        ];
        let action = arb_string_or_list(vec![
            "s3:AbortMultipartUpload",
            "s3:PutObject",
            "s3:PutObjectAcl",
            "s3:ListBucket",
            "s3:*",
            "s3:GetObject",
        ]);
        let resource = arb_string_or_list(vec![
            "arn:aws:s3:::dest-bucket",
            "arn:aws:s3:::dest-bucket/*",
            "arn:aws:s3:::dest-bucket/p/*",
        ]);
        let condition = proptest::option::of(prop_oneof![
            Just(
                json!({"ForAnyValue:StringEquals": {"aws:CalledVia": ["dynamodb.amazonaws.com"]}})
            ),
            Just(json!({"Bool": {"aws:SecureTransport": "false"}})),
            Just(json!({"Bool": {"aws:SecureTransport": false}})),
        ]);
        (sid, effect, principal, action, resource, condition).prop_map(
            |(sid, effect, principal, action, resource, condition)| {
                let mut s = json!({"Effect": effect, "Principal": principal,
                    "Action": action, "Resource": resource});
                let map = s.as_object_mut().expect("object literal");
                if let Some(sid) = sid {
                    map.insert("Sid".into(), json!(sid));
                }
                if let Some(condition) = condition {
                    map.insert("Condition".into(), condition);
                }
                s
            },
        )
    }

    proptest! {
        #[test]
        fn merge_keeps_everything_and_is_idempotent(
            existing in proptest::collection::vec(arb_statement(), 0..8),
            single in any::<bool>(),
            prefix in proptest::sample::select(vec!["", "p", "p/"]),
        ) {
            let g = grant(prefix);
            let statement = if single && existing.len() == 1 {
                existing[0].clone()
            } else {
                Value::Array(existing.clone())
            };
            let doc = json!({"Version": "2012-10-17", "Id": "keep-me", "Statement": statement});
            let first = merge(Some(&doc.to_string()), &g).unwrap();
            let out = statements_of(&first.policy);
            prop_assert_eq!(&out[..existing.len()], &existing[..]);
            prop_assert_eq!(&out[existing.len()..], &first.added[..]);
            prop_assert_eq!(&first.policy["Id"], "keep-me");
            prop_assert_eq!(first.changed, !first.added.is_empty());
            // Every Sid we added is unique in the result.
            for added in &first.added {
                let sid = &added["Sid"];
                prop_assert_eq!(out.iter().filter(|s| &s["Sid"] == sid).count(), 1);
            }
            let second = merge(Some(&first.policy.to_string()), &g).unwrap();
            prop_assert!(!second.changed);
            prop_assert!(second.added.is_empty());
            prop_assert_eq!(&second.policy, &first.policy);
        }

        /// For any bucket, prefix and account: the allows name only the source account, only
        /// the export's actions, only that bucket (objects only under the prefix), and only
        /// through DynamoDB; the deny refuses plain HTTP on the prefix when asked for.
        #[test]
        fn statements_are_least_privilege_for_any_grant(
            bucket in "[a-z0-9][a-z0-9.-]{1,40}[a-z0-9]",
            prefix in "([a-zA-Z0-9_.-]{1,12}/){0,3}",
            account in "[0-9]{12}",
            deny in any::<bool>(),
        ) {
            let g = ExportGrant {
                bucket: bucket.clone(),
                prefix: prefix.clone(),
                source_account: account.clone(),
                deny_insecure_transport: deny,
            };
            let statements = export_statements(&g);
            let objects = g.objects_arn();
            let within = format!("arn:aws:s3:::{}/{}", bucket, prefix.trim_end_matches('/'));
            prop_assert!(objects.starts_with(&within), "{} is not within {}", objects, within);
            for s in statements.iter().filter(|s| s["Effect"] == "Allow") {
                prop_assert_eq!(&s["Principal"], &json!({"AWS": format!("arn:aws:iam::{account}:root")}));
                prop_assert_eq!(
                    &s["Condition"],
                    &json!({"ForAnyValue:StringEquals": {"aws:CalledVia": ["dynamodb.amazonaws.com"]}})
                );
                let actions: Vec<&str> = match &s["Action"] {
                    Value::String(a) => vec![a.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                for a in &actions {
                    prop_assert!(!a.contains('*'), "wildcard action {a}");
                    if *a == "s3:ListBucket" {
                        prop_assert_eq!(&s["Resource"], &json!(g.bucket_arn()));
                    } else {
                        prop_assert!(EXPORT_OBJECT_ACTIONS.contains(a), "{a}");
                        prop_assert_eq!(&s["Resource"], &json!(objects));
                    }
                }
            }
            let denies: Vec<&Value> = statements.iter().filter(|s| s["Effect"] == "Deny").collect();
            prop_assert_eq!(denies.len(), usize::from(deny));
            for d in denies {
                prop_assert_eq!(&d["Condition"], &json!({"Bool": {"aws:SecureTransport": "false"}}));
                prop_assert_eq!(&d["Resource"], &json!(objects));
            }
        }

        #[test]
        fn merge_never_panics_on_arbitrary_text(text in ".{0,200}") {
            let _ = merge(Some(&text), &grant("p"));
        }
    }
}
