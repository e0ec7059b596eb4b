//! The fleet plan: many tables of one source moved to one destination in one migration. It
//! holds what the one-table plan holds once (the two sides, the bucket, the export's format
//! and time, the options) and what differs per table (the list of tables or patterns, the
//! rename rule, per-table overrides of the new table). Each table becomes an ordinary
//! one-table plan (`members.rs`), so every step, job and journal entry is the one road's.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::plan::{
    read_jsonc, read_plan_file, valid, DestinationPlan, ExportPlan, Options, PlanError, Problem,
};
use crate::logic::table::{Billing, GsiSpec, KeySpec, TableSse};

use super::limits::FleetLimits;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetPlan {
    pub source: FleetSource,
    pub destination: DestinationPlan,
    /// Source table names, or patterns over them (`*` any run of characters, `?` one), in
    /// the order given. Patterns are resolved once, at the first run, and the list kept in
    /// the fleet's journal: a table created later does not join a fleet under way.
    pub tables: Vec<String>,
    #[serde(default)]
    pub rename: RenameRule,
    /// Per source table: the new table's keys, indexes, billing or encryption where they
    /// differ from the source's.
    #[serde(default)]
    pub overrides: BTreeMap<String, TableOverride>,
    /// Shared by every table: one format, one encryption and one export time, so the copies
    /// are a consistent cut of the application's data.
    #[serde(default)]
    pub export: ExportPlan,
    #[serde(default)]
    pub options: Options,
    #[serde(default)]
    pub limits: FleetLimits,
}

/// The source of every table of the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSource {
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

/// How each new table is named: an explicit name where `names` has one, else the source's
/// name between `prefix` and `suffix` (both empty by default: the same name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RenameRule {
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub suffix: String,
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

impl RenameRule {
    pub fn is_identity(&self) -> bool {
        self.prefix.is_empty() && self.suffix.is_empty() && self.names.is_empty()
    }

    /// The new name of the source table `source`.
    pub fn new_name(&self, source: &str) -> String {
        match self.names.get(source) {
            Some(explicit) => explicit.clone(),
            None => format!("{}{source}{}", self.prefix, self.suffix),
        }
    }
}

/// What one new table does differently from its source (every field: as the one-table
/// plan's `table` section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TableOverride {
    #[serde(default)]
    pub partition_key: Option<KeySpec>,
    #[serde(default)]
    pub sort_key: Option<KeySpec>,
    #[serde(default)]
    pub gsis: Option<Vec<GsiSpec>>,
    #[serde(default)]
    pub billing: Option<Billing>,
    #[serde(default)]
    pub encryption: Option<TableSse>,
}

/// True when `text` (commented JSON) is a fleet plan: it has a `tables` list where a
/// one-table plan has a `table` section. Text that is not JSON is not a fleet plan; the
/// one-table reader then names its syntax error.
pub fn is_fleet_text(text: &str) -> bool {
    let stripped = json_comments::StripComments::new(text.as_bytes());
    serde_json::from_reader::<_, serde_json::Value>(stripped)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.contains_key("tables")))
        .unwrap_or(false)
}

impl FleetPlan {
    /// Reads and validates a fleet plan file.
    pub fn load(path: &Path) -> Result<FleetPlan, PlanError> {
        Self::parse(&read_plan_file(path)?, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<FleetPlan, PlanError> {
        let plan: FleetPlan = read_jsonc(text, origin)?;
        let checked = plan.validate();
        valid(plan, checked, origin)
    }

    /// The entries of `tables` that are patterns.
    pub fn patterns(&self) -> impl Iterator<Item = &str> {
        self.tables
            .iter()
            .map(String::as_str)
            .filter(|t| is_pattern(t))
    }
}

/// A `tables` entry with `*` or `?` is a pattern (neither is allowed in a table name).
pub fn is_pattern(entry: &str) -> bool {
    entry.contains(['*', '?'])
}

/// The problem `validate` reports for a field of the fleet plan.
pub(crate) fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        field: field.into(),
        message: message.into(),
    }
}
