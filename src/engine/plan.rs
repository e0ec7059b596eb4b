//! The plan: everything a migration needs decided up front, as a JSON file (comments allowed).
//! The wizard writes the same structure; `run` reads it. Unknown fields and wrong types are
//! refused with the field's path, so a typo never silently falls back to a default.

mod backup;
mod checks;
mod jsonc;
mod render;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::logic::names;
use crate::logic::options::{ExportFormat, ExportSse};
use crate::logic::table::{Billing, GsiSpec, KeySpec, TableSse};

pub use backup::{BackupFrom, BackupMaker, BackupPlan, Via};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The road: through S3 (the default) or through a backup. Left out of the written plan
    /// when S3, so plans and journals written before the backup road read and compare as
    /// they always did.
    #[serde(default, skip_serializing_if = "Via::is_s3")]
    pub via: Via,
    pub source: SourcePlan,
    pub destination: DestinationPlan,
    /// The backup road's settings; absent = their defaults (see [`Plan::backup_or_default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupPlan>,
    #[serde(default)]
    pub export: ExportPlan,
    pub table: NewTablePlan,
    #[serde(default)]
    pub options: Options,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcePlan {
    /// AWS profile of the source account; absent = the default credential chain.
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// Name of the table to copy.
    pub table: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationPlan {
    #[serde(default)]
    pub profile: Option<String>,
    /// Region of the new table (and, by default, of the bucket).
    #[serde(default)]
    pub region: Option<String>,
    /// Bucket in the destination account that receives the export. Required on the S3 road
    /// only; empty = none (the backup road needs no bucket).
    #[serde(default)]
    pub bucket: String,
    /// Create the bucket when it does not exist.
    #[serde(default = "yes")]
    pub create_bucket: bool,
    /// Account that owns the bucket; default: the destination account.
    #[serde(default)]
    pub bucket_owner: Option<String>,
    /// Region of the bucket when it differs from `region`.
    #[serde(default)]
    pub bucket_region: Option<String>,
    /// Key prefix inside the bucket; each migration writes under `<prefix>/<migration id>/`.
    #[serde(default = "default_prefix")]
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExportPlan {
    #[serde(default)]
    pub format: ExportFormat,
    /// ISO 8601 time inside the PITR window; absent = now.
    #[serde(default)]
    pub export_time: Option<String>,
    #[serde(default)]
    pub encryption: ExportSse,
}

/// The new table. Every field but `name` defaults to the source table's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTablePlan {
    pub name: String,
    #[serde(default)]
    pub partition_key: Option<KeySpec>,
    #[serde(default)]
    pub sort_key: Option<KeySpec>,
    /// GSIs to create; absent = copy the source's; `[]` = none.
    #[serde(default)]
    pub gsis: Option<Vec<GsiSpec>>,
    #[serde(default)]
    pub billing: Option<Billing>,
    #[serde(default)]
    pub encryption: Option<TableSse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Turn point-in-time recovery on for the source when it is off (an export needs it).
    #[serde(default = "yes")]
    pub enable_pitr: bool,
    /// Turn PITR off again at the end, only when this tool turned it on.
    #[serde(default = "yes")]
    pub disable_pitr_after: bool,
    /// How many exported items to check for the key attributes before the import.
    #[serde(default = "default_key_sample")]
    pub key_check_sample: u64,
    /// How many items to read back from the new table and compare.
    #[serde(default = "default_verify_sample")]
    pub verify_sample: u64,
    /// Settings an import does not carry, applied to the new table by the finish step. Left
    /// out of the written plan while both are off, so journals of plans that never use it
    /// stay readable by earlier versions.
    #[serde(default, skip_serializing_if = "AfterImport::is_off")]
    pub after_import: AfterImport,
    /// The new table will be caught up with the source's later writes (`ddb-ferry catch-up`)
    /// until cutover: PITR then stays on at the source until the cutover is done, since every
    /// increment is exported from it. Decided before the export, because turning PITR off at
    /// the end would make catch-up impossible. Left out of the file while false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub catch_up: bool,
    /// The new table already exists and the export is written into it (instead of an import,
    /// which only creates tables), choosing what happens to items it already holds:
    /// `overwrite` (batch writes), `skip_existing` or `stop_at_conflict` (one conditional write
    /// per item: slower). Absent: ddb-ferry never writes into an existing table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_table: Option<crate::engine::writer::OnConflict>,
}

/// What the finish step turns on for the new table: the same changes the wizard's Verify
/// screen offers one by one, for a run that nobody watches. Both off by default, because
/// each changes the new table (TTL deletes expired items; PITR is billed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AfterImport {
    /// Turn TTL on for the new table with the source's TTL attribute (nothing to do when the
    /// source has no TTL).
    #[serde(default)]
    pub ttl: bool,
    /// Turn point-in-time recovery on for the new table.
    #[serde(default)]
    pub pitr: bool,
}

impl AfterImport {
    pub fn is_off(&self) -> bool {
        !self.ttl && !self.pitr
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            enable_pitr: true,
            disable_pitr_after: true,
            key_check_sample: default_key_sample(),
            verify_sample: default_verify_sample(),
            after_import: AfterImport::default(),
            catch_up: false,
            existing_table: None,
        }
    }
}

fn yes() -> bool {
    true
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn default_prefix() -> String {
    "ddb-ferry".to_owned()
}
fn default_key_sample() -> u64 {
    1000
}
fn default_verify_sample() -> u64 {
    100
}

/// One thing wrong in a plan: the field it is about, as a path such as `table.gsis[1].name`,
/// and what is wrong with it in plain words (the rule, and what to write instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.message)
    }
}

impl From<names::NameError> for Problem {
    fn from(e: names::NameError) -> Self {
        Problem {
            field: e.field,
            message: format!("{:?} is not valid: {}", e.value, e.rule),
        }
    }
}

/// A plan that cannot be used: the file could not be read, or it has problems. Every problem
/// that can be found without AWS is listed, so a plan is fixed in one pass; a JSON syntax
/// error or a wrong type stops the reading and is the one problem listed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read the plan file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{}", problems_text(path, problems))]
    Problems {
        path: String,
        problems: Vec<Problem>,
    },
}

impl PlanError {
    /// The field path of the first problem, if any.
    pub fn field(&self) -> Option<&str> {
        self.problems().first().map(|p| p.field.as_str())
    }

    /// Every problem found (none for a file that could not be read).
    pub fn problems(&self) -> &[Problem] {
        match self {
            PlanError::Problems { problems, .. } => problems,
            PlanError::Read { .. } => &[],
        }
    }
}

/// One problem on the same line as the file's name; several, one a line below it.
fn problems_text(path: &str, problems: &[Problem]) -> String {
    match problems {
        [one] => format!("the plan {path} is not valid: {one}"),
        many => {
            let mut s = format!("the plan {path} is not valid: {} problems", many.len());
            for p in many {
                s.push_str(&format!("\n  - {p}"));
            }
            s
        }
    }
}

impl Plan {
    /// Reads and validates a plan file.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        Self::parse(&read_plan_file(path)?, &path.display().to_string())
    }

    /// Parses plan text (JSON with `//` and `/* */` comments) and validates it (see
    /// [`Plan::validate`]).
    pub fn parse(text: &str, origin: &str) -> Result<Plan, PlanError> {
        let plan: Plan = read_jsonc(text, origin)?;
        let checked = plan.validate();
        valid(plan, checked, origin)
    }
}

/// The text of a plan file, or why it cannot be read.
pub(crate) fn read_plan_file(path: &Path) -> Result<String, PlanError> {
    std::fs::read_to_string(path).map_err(|source| PlanError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// `plan` when its checks found nothing, else every problem they found.
pub(crate) fn valid<T>(
    plan: T,
    checked: Result<(), Vec<Problem>>,
    origin: &str,
) -> Result<T, PlanError> {
    match checked {
        Ok(()) => Ok(plan),
        Err(problems) => Err(PlanError::Problems {
            path: origin.to_owned(),
            problems,
        }),
    }
}

/// Reads commented JSON into `T`, refusing unknown fields and wrong types with the field's
/// path: shared by the one-table plan and the fleet plan, so both name a typo the same way.
pub(crate) fn read_jsonc<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<T, PlanError> {
    let stripped = json_comments::StripComments::new(text.as_bytes());
    let mut de = serde_json::Deserializer::from_reader(stripped);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let field = if path == "." {
            // Unknown fields are reported by serde with the name in the message.
            message
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_else(|| "(top level)".to_owned())
        } else {
            path
        };
        PlanError::Problems {
            path: origin.to_owned(),
            problems: vec![Problem {
                field,
                message: simplify_serde_message(&message),
            }],
        }
    })
}

/// serde's messages mention Rust types; keep the part a person can act on.
fn simplify_serde_message(message: &str) -> String {
    let core = message.split(" at line ").next().unwrap_or(message);
    core.replace("invalid type: ", "wrong type: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        // comments are allowed
        "source": {"profile": "prod", "table": "orders"},
        "destination": {"profile": "new", "bucket": "ferry-orders"},
        "table": {"name": "orders"}
    }"#;

    #[test]
    fn a_minimal_plan_takes_the_defaults() {
        let p = Plan::parse(MINIMAL, "plan.json").unwrap();
        assert!(p.destination.create_bucket);
        assert_eq!(p.destination.prefix, "ddb-ferry");
        assert_eq!(p.export.format, ExportFormat::DynamodbJson);
        assert!(p.options.enable_pitr && p.options.disable_pitr_after);
    }

    #[test]
    fn an_unknown_field_is_named() {
        let text = MINIMAL.replace(r#""table": "orders""#, r#""table": "orders", "tabel": 1"#);
        let err = Plan::parse(&text, "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("source.tabel"), "{err}");
    }

    #[test]
    fn a_wrong_type_is_named() {
        let text = MINIMAL.replace(
            r#""table": {"name": "orders"}"#,
            r#""table": {"name": "orders"}, "options": {"enable_pitr": "yes"}"#,
        );
        let err = Plan::parse(&text, "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("options.enable_pitr"), "{err}");
        assert!(err.to_string().contains("wrong type"), "{err}");
    }

    #[test]
    fn a_bad_bucket_name_is_refused_before_any_call() {
        let text = MINIMAL.replace("ferry-orders", "Ferry_Orders");
        let err = Plan::parse(&text, "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("destination.bucket"), "{err}");
    }

    #[test]
    fn an_export_time_in_the_future_and_a_kms_key_of_another_region_are_refused() {
        let text = MINIMAL.replace(
            r#""table": {"name": "orders"}"#,
            r#""table": {"name": "orders"}, "export": {"export_time": "2999-01-01T00:00:00Z"}"#,
        );
        let err = Plan::parse(&text, "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("export.export_time"), "{err}");
        let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let text = MINIMAL
            .replace(
                r#""bucket": "ferry-orders""#,
                r#""bucket": "ferry-orders", "region": "us-east-1""#,
            )
            .replace(
                r#""table": {"name": "orders"}"#,
                &format!(
                    r#""table": {{"name": "orders"}}, "export": {{"encryption": {{"type": "SSE_KMS", "kms_key": "{key}"}}}}"#
                ),
            );
        let err = Plan::parse(&text, "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("export.encryption.kms_key"), "{err}");
        assert!(err.to_string().contains("eu-west-1"), "{err}");
        // Without a region in the plan the key's region is checked later, in preflight.
        let text = MINIMAL.replace(
            r#""table": {"name": "orders"}"#,
            &format!(
                r#""table": {{"name": "orders"}}, "export": {{"encryption": {{"type": "SSE_KMS", "kms_key": "{key}"}}}}"#
            ),
        );
        assert!(Plan::parse(&text, "plan.json").is_ok());
    }

    /// Fields of a plan, for the property tests.
    const PATHS: [&str; 36] = [
        "via",
        "source.profile",
        "source.region",
        "source.table",
        "destination.profile",
        "destination.region",
        "destination.bucket",
        "destination.create_bucket",
        "destination.bucket_owner",
        "destination.bucket_region",
        "destination.prefix",
        "backup.from",
        "backup.recovery_point_arn",
        "backup.restore_time",
        "backup.made_by",
        "backup.source_vault",
        "backup.dest_vault",
        "backup.source_role_arn",
        "backup.dest_role_arn",
        "backup.encryption",
        "backup.copy_tags",
        "backup.add_vault_policy",
        "export.format",
        "export.export_time",
        "export.encryption",
        "table.name",
        "table.partition_key",
        "table.sort_key",
        "table.gsis",
        "table.billing",
        "table.encryption",
        "options.enable_pitr",
        "options.disable_pitr_after",
        "options.key_check_sample",
        "options.verify_sample",
        "options.after_import",
    ];

    fn any_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::{json, Value};
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            "\\PC{0,40}".prop_map(Value::String),
            "[a-zA-Z0-9_.:/ -]{0,30}".prop_map(Value::String),
            Just(json!("S")),
            Just(json!("SSE_KMS")),
            Just(json!("2020-01-01T00:00:00Z")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("name".to_owned()),
                        Just("type".to_owned()),
                        Just("kms_key".to_owned()),
                        Just("mode".to_owned()),
                        "[a-z_]{1,8}"
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn set(plan: &mut serde_json::Value, path: &str, value: serde_json::Value) {
        let mut at = plan;
        let parts: Vec<&str> = path.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            if at.get(*p).is_none() {
                at[*p] = serde_json::json!({});
            }
            at = &mut at[*p];
        }
        at[parts[parts.len() - 1]] = value;
    }

    use proptest::prelude::*;

    proptest! {
        /// One field of a good plan given any JSON value: never a panic, and a refusal names
        /// that field (or a part of it, or the object it is in) among its problems, each of
        /// them said with its field.
        #[test]
        fn any_value_in_any_field_is_refused_by_name(
            path in prop::sample::select(&PATHS[..]),
            value in any_json(),
        ) {
            // Another name for the new table, so that no single change makes it the source.
            let base = MINIMAL
                .replace("// comments are allowed", "")
                .replace(r#""name": "orders""#, r#""name": "orders-copy""#);
            let mut plan: serde_json::Value = serde_json::from_str(&base).unwrap();
            set(&mut plan, path, value);
            if let Err(e) = Plan::parse(&plan.to_string(), "plan.json") {
                let fields: Vec<&str> = e.problems().iter().map(|p| p.field.as_str()).collect();
                prop_assert!(!fields.is_empty(), "{e}");
                prop_assert!(
                    fields.iter().any(|f| f.starts_with(path) || path.starts_with(f)),
                    "changed {path}, but the problems name {fields:?}: {e}"
                );
                for field in fields {
                    prop_assert!(!field.is_empty(), "{e}");
                    prop_assert!(e.to_string().contains(&format!("field `{field}`")), "{e}");
                }
            }
        }

        /// An unknown field anywhere is named, with its path.
        #[test]
        fn an_unknown_field_is_named_with_its_path(
            section in prop::sample::select(&["source", "destination", "backup", "export", "table", "options"][..]),
            name in "[a-z_]{1,12}",
        ) {
            let known = [
                "profile", "region", "table", "bucket", "create_bucket", "bucket_owner",
                "bucket_region", "prefix", "format", "export_time", "encryption", "name",
                "partition_key", "sort_key", "gsis", "billing", "enable_pitr",
                "disable_pitr_after", "key_check_sample", "verify_sample", "after_import",
                "from", "recovery_point_arn", "restore_time", "made_by", "source_vault",
                "dest_vault", "source_role_arn", "dest_role_arn", "copy_tags", "add_vault_policy",
            ];
            prop_assume!(!known.contains(&name.as_str()));
            let mut plan: serde_json::Value =
                serde_json::from_str(&MINIMAL.replace("// comments are allowed", "")).unwrap();
            set(&mut plan, &format!("{section}.{name}"), serde_json::json!(1));
            let e = Plan::parse(&plan.to_string(), "plan.json").unwrap_err();
            let expected = format!("{section}.{name}");
            prop_assert_eq!(e.field(), Some(expected.as_str()), "{}", e);
        }

        /// Any text at all: a plan or an error, never a panic.
        #[test]
        fn any_text_never_panics(text in "\\PC{0,200}") {
            let _ = Plan::parse(&text, "plan.json");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_field() {
        let text = MINIMAL
            .replace("ferry-orders", "Ferry_Orders")
            .replace(r#""table": "orders""#, r#""table": "x""#)
            .replace(
                r#""table": {"name": "orders"}"#,
                r#""table": {"name": "orders", "gsis": [
                    {"name": "by-day", "partition_key": {"name": "day", "type": "S"}, "projection": {"type": "ALL"}},
                    {"name": "by-day", "partition_key": {"name": "day", "type": "S"}, "projection": {"type": "ALL"}}
                ]}"#,
            );
        let err = Plan::parse(&text, "plan.json").unwrap_err();
        let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["source.table", "destination.bucket", "table.gsis[1].name"]
        );
        let shown = err.to_string();
        assert!(
            shown.starts_with("the plan plan.json is not valid: 3 problems\n  - field `source.table`: \"x\" is not valid: "),
            "{shown}"
        );
        assert_eq!(shown.lines().count(), 4, "{shown}");
        // A JSON syntax error stops the reading: one problem.
        let err = Plan::parse(&text.replace("\"prod\"", "prod"), "plan.json").unwrap_err();
        assert_eq!(err.problems().len(), 1, "{err}");
        assert!(
            err.to_string()
                .starts_with("the plan plan.json is not valid: field `"),
            "{err}"
        );
    }

    #[test]
    fn after_import_is_off_unless_asked_and_unknown_settings_are_refused() {
        let p = Plan::parse(MINIMAL, "plan.json").unwrap();
        assert_eq!(p.options.after_import, AfterImport::default());
        // Left out of the written plan while off, as in journals written before it existed.
        let written = serde_json::to_value(&p).unwrap();
        assert!(
            written["options"].get("after_import").is_none(),
            "{written}"
        );
        let asked = MINIMAL.replace(
            r#""table": {"name": "orders"}"#,
            r#""table": {"name": "orders"}, "options": {"after_import": {"ttl": true}}"#,
        );
        let p = Plan::parse(&asked, "plan.json").unwrap();
        assert_eq!(
            p.options.after_import,
            AfterImport {
                ttl: true,
                pitr: false
            }
        );
        let typo = asked.replace("\"ttl\"", "\"tll\"");
        let err = Plan::parse(&typo, "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("options.after_import.tll"), "{err}");
    }

    #[test]
    fn the_example_plans_in_assets_are_valid() {
        let text = include_str!("../../assets/plan.example.jsonc");
        Plan::parse(text, "assets/plan.example.jsonc").unwrap();
        let text = include_str!("../../assets/plans/backup-cross-account.jsonc");
        let p = Plan::parse(text, "assets/plans/backup-cross-account.jsonc").unwrap();
        assert_eq!(p.via, Via::Backup);
        assert!(p.backup.is_some() && p.destination.bucket.is_empty());
    }

    /// A plan of the S3 road is written as before the backup road existed, so journals
    /// written by earlier versions compare equal to the plan they were made from.
    #[test]
    fn an_s3_plan_is_written_without_the_backup_road() {
        let p = Plan::parse(MINIMAL, "plan.json").unwrap();
        assert_eq!(p.via, Via::S3);
        assert_eq!(p.backup_or_default(), BackupPlan::default());
        let written = serde_json::to_value(&p).unwrap();
        assert!(written.get("via").is_none(), "{written}");
        assert!(written.get("backup").is_none(), "{written}");
        let back: Plan = serde_json::from_value(written).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn a_backup_plan_needs_no_bucket() {
        let text = r#"{
            "via": "backup",
            "source": {"profile": "prod", "table": "orders"},
            "destination": {"profile": "new"},
            "backup": {"dest_vault": "landing", "encryption": {"type": "aws_managed"}},
            "table": {"name": "orders"}
        }"#;
        let p = Plan::parse(text, "plan.json").unwrap();
        assert_eq!(p.destination.bucket, "");
        let b = p.backup_or_default();
        assert_eq!(b.dest_vault, "landing");
        assert_eq!(b.source_vault, "Default");
        let written = serde_json::to_value(&p).unwrap();
        assert_eq!(written["via"], "backup");
        let err = Plan::parse(&text.replace("\"backup\",", "\"boat\","), "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("via"), "{err}");
        let err =
            Plan::parse(&text.replace("aws_managed", "AWS_MANAGED"), "plan.json").unwrap_err();
        assert_eq!(err.field(), Some("backup.encryption.type"), "{err}");
    }
}
