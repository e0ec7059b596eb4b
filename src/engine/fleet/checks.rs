//! Every check of a fleet plan that needs no AWS call. The shared sections are checked by the
//! one-table plan's own rules (through each table's plan), so a fleet and a single table
//! refuse the same mistakes with the same words; what only a fleet has (the list, the
//! patterns, the rename rule, the overrides, the limits) is checked here. Every problem found
//! is listed, each with its field.

use super::limits::{import_gb_quota, EXPORTS_QUOTA, EXPORT_GB_QUOTA, IMPORTS_QUOTA};
use super::members::{duplicate_new_names, member_plan, members, Member};
use super::plan::{is_pattern, problem, FleetPlan};
use crate::engine::plan::Problem;
use crate::logic::names;

impl FleetPlan {
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut found: Vec<Problem> = Vec::new();
        self.check_tables(&mut found);
        self.check_limits(&mut found);
        self.check_member_plans(&mut found);
        if found.is_empty() {
            Ok(())
        } else {
            Err(found)
        }
    }

    fn check_tables(&self, found: &mut Vec<Problem>) {
        if self.tables.is_empty() {
            found.push(problem(
                "tables",
                "name at least one source table, or a pattern such as \"orders-*\"",
            ));
        }
        for (i, entry) in self.tables.iter().enumerate() {
            let field = format!("tables[{i}]");
            if self.tables[..i].contains(entry) {
                found.push(problem(&field, format!("{entry:?} is listed twice")));
            } else if is_pattern(entry) {
                // The wildcards stand for allowed letters, so only the rest is checked.
                let example = format!("{}abc", entry.replace(['*', '?'], "a"));
                if let Err(e) = names::table_name(&field, &example) {
                    found.push(problem(
                        &field,
                        format!("{entry:?} can match no table name: {}", e.rule),
                    ));
                }
            } else if let Err(e) = names::table_name(&field, entry) {
                found.push(e.into());
            }
        }
        let prefixed = format!("{}xyz{}", self.rename.prefix, self.rename.suffix);
        if let Err(e) = names::table_name("rename", &prefixed) {
            found.push(problem(
                "rename",
                format!(
                    "the prefix and suffix must keep new names valid: {}",
                    e.rule
                ),
            ));
        }
        for (source, new) in &self.rename.names {
            if let Err(e) = names::table_name(&format!("rename.names.{source}"), new) {
                found.push(e.into());
            }
        }
    }

    fn check_limits(&self, found: &mut Vec<Problem>) {
        let l = &self.limits;
        let region = self.destination.region.as_deref().unwrap_or("us-east-1");
        let checks: [(&str, Option<u64>, u64, &str); 4] = [
            (
                "limits.exports",
                l.exports.map(u64::from),
                u64::from(EXPORTS_QUOTA),
                "concurrent exports",
            ),
            (
                "limits.imports",
                l.imports.map(u64::from),
                u64::from(IMPORTS_QUOTA),
                "concurrent imports",
            ),
            (
                "limits.export_gb",
                l.export_gb,
                EXPORT_GB_QUOTA,
                "GB of tables in exports",
            ),
            (
                "limits.import_gb",
                l.import_gb,
                import_gb_quota(region),
                "GB of import data in flight",
            ),
        ];
        for (field, value, quota, what) in checks {
            match value {
                Some(0) => found.push(problem(field, "must be at least 1")),
                Some(v) if v > quota => found.push(problem(
                    field,
                    format!("{v} is above AWS's quota of {quota} {what} per account and region; AWS would refuse the jobs beyond it"),
                )),
                _ => {}
            }
        }
    }

    /// The shared sections through the one-table rules, for each table named (and once for
    /// a fleet of patterns only), and the new names against each other.
    fn check_member_plans(&self, found: &mut Vec<Problem>) {
        let mut named: Vec<String> = Vec::new();
        for t in self.tables.iter().filter(|t| !is_pattern(t)) {
            if !named.contains(t) {
                named.push(t.clone());
            }
        }
        let sample = if named.is_empty() {
            vec!["fleet-table".to_owned()]
        } else {
            named.clone()
        };
        let all = members(self, "fleet", &sample);
        for m in &all {
            if let Err(problems) = member_plan(self, "fleet", m).validate() {
                for p in problems {
                    // A bad source name is already named by its `tables` entry, and so is the
                    // new name when it is the same.
                    let same_name = m.new_table == m.source_table;
                    if p.field == "source.table" || (p.field == "table.name" && same_name) {
                        continue;
                    }
                    let p = in_fleet_terms(p, m);
                    if !found.contains(&p) {
                        found.push(p);
                    }
                }
            }
        }
        if !named.is_empty() {
            for (name, sources) in duplicate_new_names(&all) {
                found.push(problem(
                    "rename",
                    format!(
                        "{} would all become the new table {name:?}: each table needs a name of its own",
                        sources.join(", ")
                    ),
                ));
            }
        }
    }
}

/// A problem of a table's plan, named by the fleet plan's field.
fn in_fleet_terms(p: Problem, m: &Member) -> Problem {
    let field = if p.field == "table.name" {
        "rename".to_owned()
    } else if let Some(rest) = p.field.strip_prefix("table.") {
        format!("overrides.{}.{rest}", m.source_table)
    } else {
        p.field
    };
    Problem {
        field,
        message: p.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &str) -> Result<FleetPlan, crate::engine::plan::PlanError> {
        FleetPlan::parse(
            &format!(
                r#"{{"source":{{"profile":"a"}},"destination":{{"profile":"b","bucket":"bkt-one"}},{extra}}}"#
            ),
            "fleet.jsonc",
        )
    }

    fn fields(extra: &str) -> Vec<String> {
        parse(extra)
            .unwrap_err()
            .problems()
            .iter()
            .map(|p| p.field.clone())
            .collect()
    }

    #[test]
    fn a_fleet_plan_reads_with_its_defaults() {
        let p = parse(r#""tables":["orders-*","customers"]"#).unwrap();
        assert!(p.rename.is_identity());
        assert!(p.options.enable_pitr);
        assert_eq!(p.patterns().collect::<Vec<_>>(), ["orders-*"]);
    }

    #[test]
    fn a_new_name_used_twice_is_refused() {
        assert_eq!(
            fields(r#""tables":["aaa","bbb"],"rename":{"names":{"bbb":"aaa"}}"#),
            ["rename"]
        );
    }

    #[test]
    fn bad_entries_limits_and_overrides_are_each_named() {
        let f = fields(
            r#""tables":["orders","orders","bad name","or$ders-*"],"limits":{"imports":51,"exports":0},"overrides":{"orders":{"partition_key":{"name":"","type":"S"}}}"#,
        );
        assert_eq!(
            f,
            [
                "tables[1]",
                "tables[2]",
                "tables[3]",
                "limits.exports",
                "limits.imports",
                "overrides.orders.partition_key.name"
            ]
        );
    }

    #[test]
    fn the_shared_sections_are_checked_once_by_the_one_table_rules() {
        let f = fields(r#""tables":["tt1","tt2"],"export":{"export_time":"2999-01-01T00:00:00Z"}"#);
        assert_eq!(f, ["export.export_time"]);
        let f = FleetPlan::parse(
            r#"{"source":{},"destination":{"bucket":"Bad_Bucket"},"tables":["x-*"]}"#,
            "f",
        )
        .unwrap_err();
        assert_eq!(f.field(), Some("destination.bucket"));
    }

    #[test]
    fn the_example_fleet_plan_is_valid() {
        let text = include_str!("../../../assets/plans/fleet.jsonc");
        let p = FleetPlan::parse(text, "assets/plans/fleet.jsonc").unwrap();
        assert!(crate::engine::fleet::is_fleet_text(text));
        assert_eq!(p.rename.new_name("orders-eu"), "orders-eu-v2");
    }

    #[test]
    fn a_typo_in_a_field_is_named_like_in_a_one_table_plan() {
        assert_eq!(
            fields(r#""tables":["aaa"],"rename":{"sufix":"-2"}"#),
            ["rename.sufix"]
        );
    }
}
