//! From a fleet plan to its tables: the patterns resolved over the source's table names, the
//! new names, each table's migration id and folder, and each table's one-table plan. Pure:
//! the list of the source's tables is given, so every rule is tested without AWS.

use serde::{Deserialize, Serialize};
use wildmatch::WildMatch;

use super::plan::{is_pattern, FleetPlan};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::plan::{DestinationPlan, NewTablePlan, Plan, SourcePlan, Via};
use crate::engine::{short_digest, with_attempt};

/// One table of the fleet, as its journal keeps it once the patterns are resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub source_table: String,
    pub new_table: String,
    /// The table's own migration id: its journal, lock and S3 folder.
    pub id: String,
}

/// The fleet's migration id: the same plan identity (the sides, the bucket and prefix, the
/// list of tables and patterns as written) gives the same id, so running the plan again
/// continues the fleet. `attempt` > 1 names a fresh start (`run --new`).
pub fn fleet_id(plan: &FleetPlan, attempt: u32) -> String {
    let d = &plan.destination;
    let identity = format!(
        "fleet|{:?}|{:?}|{:?}|{:?}|{}|{}|{}",
        plan.source.profile,
        plan.source.region,
        d.profile,
        d.region,
        d.bucket,
        d.prefix,
        plan.tables.join(",")
    );
    let first = plan.tables.first().map(String::as_str).unwrap_or("tables");
    let base = format!("fleet-{}-{}", slug(first), short_digest(&identity));
    with_attempt(base, attempt)
}

/// A name as a part of an id and a folder (`*` and other signs become `-`).
fn slug(name: &str) -> String {
    let s = crate::engine::slug_of(name, 32);
    if s.is_empty() {
        "tables".to_owned()
    } else {
        s
    }
}

/// The folder of the bucket every table of the fleet exports under; the bucket policy grants
/// this one folder, so a fleet of a hundred tables adds one statement, not a hundred (S3
/// caps a bucket policy at 20 KB).
pub fn fleet_folder(plan: &FleetPlan, fleet_id: &str) -> String {
    let prefix = plan.destination.prefix.trim_matches('/');
    if prefix.is_empty() {
        fleet_id.to_owned()
    } else {
        format!("{prefix}/{fleet_id}")
    }
}

/// The source tables of the fleet: the names as written, in order, then each pattern's
/// matches in name order, each table once. A pattern that matches nothing is refused (a typo
/// would otherwise move fewer tables than meant); a name the source lacks is kept, and its
/// own preflight refuses it with its code.
pub fn resolve_tables(plan: &FleetPlan, listed: &[String]) -> Result<Vec<String>, AwsFailure> {
    let mut tables: Vec<String> = Vec::new();
    for entry in &plan.tables {
        if !is_pattern(entry) {
            if !tables.contains(entry) {
                tables.push(entry.clone());
            }
            continue;
        }
        let pattern = WildMatch::new(entry);
        let mut matched: Vec<&String> = listed.iter().filter(|t| pattern.matches(t)).collect();
        matched.sort();
        if matched.is_empty() {
            return Err(AwsFailure::new(
                "fleet-pattern-matched-nothing",
                FailureKind::BadInput,
                format!("the pattern {entry:?} matches none of the source's {} tables", listed.len()),
                "the pattern is case-sensitive and `*` must cover the whole rest of the name (`orders-*` does not match `Orders-eu`), or the source profile or region is not the one the tables are in",
                "fix the pattern in `tables` (`ddb-ferry validate PLAN` checks the file), or check the source's tables with `aws dynamodb list-tables`",
            ));
        }
        for t in matched {
            if !tables.contains(t) {
                tables.push(t.clone());
            }
        }
    }
    for (field, keys) in [
        ("rename.names", plan.rename.names.keys().collect::<Vec<_>>()),
        ("overrides", plan.overrides.keys().collect()),
    ] {
        if let Some(stray) = keys.into_iter().find(|k| !tables.contains(k)) {
            return Err(AwsFailure::new(
                "fleet-unknown-table",
                FailureKind::BadInput,
                format!("`{field}` names {stray:?}, which is not one of the fleet's tables"),
                "a name in `rename.names` or `overrides` must be a source table the fleet moves (as `tables` lists it or a pattern matches it), spelled exactly, case included",
                format!("fix or remove {stray:?} in `{field}`, or add it to `tables`"),
            ));
        }
    }
    Ok(tables)
}

/// Each table with its new name and its own id (`<fleet>--<table>`; two names that differ
/// only by case or signs get `-2`, `-3`…).
pub fn members(plan: &FleetPlan, fleet_id: &str, tables: &[String]) -> Vec<Member> {
    let mut used: Vec<String> = Vec::new();
    tables
        .iter()
        .map(|t| {
            let base = format!("{fleet_id}--{}", slug(t));
            let mut id = base.clone();
            let mut n = 1;
            while used.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            used.push(id.clone());
            Member {
                source_table: t.clone(),
                new_table: plan.rename.new_name(t),
                id,
            }
        })
        .collect()
}

/// New names given to more than one table: (the name, the source tables that would get it).
pub fn duplicate_new_names(members: &[Member]) -> Vec<(String, Vec<String>)> {
    let mut by_name: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for m in members {
        by_name
            .entry(&m.new_table)
            .or_default()
            .push(m.source_table.clone());
    }
    by_name
        .into_iter()
        .filter(|(_, sources)| sources.len() > 1)
        .map(|(name, sources)| (name.to_owned(), sources))
        .collect()
}

/// The one-table plan of a member: the fleet's sides, bucket, export and options, the
/// member's names and overrides, and the fleet's folder as its prefix.
pub fn member_plan(plan: &FleetPlan, fleet_id: &str, member: &Member) -> Plan {
    let o = plan
        .overrides
        .get(&member.source_table)
        .cloned()
        .unwrap_or_default();
    Plan {
        via: Via::S3,
        source: SourcePlan {
            profile: plan.source.profile.clone(),
            region: plan.source.region.clone(),
            table: member.source_table.clone(),
        },
        destination: DestinationPlan {
            prefix: fleet_folder(plan, fleet_id),
            ..plan.destination.clone()
        },
        backup: None,
        export: plan.export.clone(),
        table: NewTablePlan {
            name: member.new_table.clone(),
            partition_key: o.partition_key,
            sort_key: o.sort_key,
            gsis: o.gsis,
            billing: o.billing,
            encryption: o.encryption,
        },
        options: plan.options.clone(),
    }
}

/// Where a member's export goes: its own folder inside the fleet's, so the import reads only
/// its table's data.
pub fn member_export_prefix(plan: &FleetPlan, fleet_id: &str, member: &Member) -> String {
    let own = member
        .id
        .strip_prefix(&format!("{fleet_id}--"))
        .unwrap_or(&member.id);
    format!("{}/{own}", fleet_folder(plan, fleet_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn fleet(extra: &str) -> FleetPlan {
        FleetPlan::parse(
            &format!(
                r#"{{"source":{{"profile":"a"}},"destination":{{"profile":"b","bucket":"bkt-one"}},{extra}}}"#
            ),
            "fleet.jsonc",
        )
        .unwrap()
    }

    fn listed() -> Vec<String> {
        ["orders-eu", "orders-us", "Orders-old", "customers", "audit"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn names_come_first_then_each_patterns_matches_in_order_once() {
        let p = fleet(r#""tables":["customers","orders-*","orders-us"]"#);
        assert_eq!(
            resolve_tables(&p, &listed()).unwrap(),
            ["customers", "orders-eu", "orders-us"]
        );
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_refused_with_its_code() {
        let p = fleet(r#""tables":["invoices-*"]"#);
        let e = resolve_tables(&p, &listed()).unwrap_err();
        assert_eq!(e.code, "fleet-pattern-matched-nothing");
        assert!(e.what.contains("invoices-*"), "{}", e.what);
    }

    #[test]
    fn renames_and_overrides_must_name_a_table_of_the_fleet() {
        let p = fleet(
            r#""tables":["orders-*"],"overrides":{"Orders-old":{"billing":{"mode":"PAY_PER_REQUEST"}}}"#,
        );
        let e = resolve_tables(&p, &listed()).unwrap_err();
        assert_eq!(e.code, "fleet-unknown-table");
        assert!(e.what.contains("Orders-old"), "{}", e.what);
    }

    #[test]
    fn the_rename_rule_gives_each_table_its_name_and_own_folder() {
        let p = fleet(
            r#""tables":["orders-*","customers"],"rename":{"suffix":"-v2","names":{"customers":"clients"}}"#,
        );
        let id = fleet_id(&p, 1);
        assert!(id.starts_with("fleet-orders-"), "{id}");
        let tables = resolve_tables(&p, &listed()).unwrap();
        let m = members(&p, &id, &tables);
        let names: Vec<_> = m.iter().map(|m| m.new_table.as_str()).collect();
        assert_eq!(names, ["orders-eu-v2", "orders-us-v2", "clients"]);
        let plan = member_plan(&p, &id, &m[0]);
        assert_eq!(plan.source.table, "orders-eu");
        assert_eq!(plan.table.name, "orders-eu-v2");
        assert_eq!(plan.destination.prefix, format!("ddb-ferry/{id}"));
        assert_eq!(
            member_export_prefix(&p, &id, &m[0]),
            format!("ddb-ferry/{id}/orders-eu")
        );
        assert!(plan.validate().is_ok());
    }

    #[test]
    fn tables_whose_names_differ_by_case_get_distinct_ids_and_a_shared_new_name_is_found() {
        let mut p = fleet(r#""tables":["Orders","orders"]"#);
        // (The plan's own check refuses this rename; the resolved list is checked again.)
        p.rename.names.insert("Orders".into(), "orders".into());
        let m = members(&p, "fleet-x", &p.tables);
        assert_eq!(m[0].id, "fleet-x--orders");
        assert_eq!(m[1].id, "fleet-x--orders-2");
        assert_eq!(
            duplicate_new_names(&m),
            [(
                "orders".to_owned(),
                vec!["Orders".to_owned(), "orders".to_owned()]
            )]
        );
    }

    #[test]
    fn the_fleet_id_follows_the_identity_not_the_options() {
        let a = fleet(r#""tables":["orders-*"]"#);
        let mut b = a.clone();
        b.options.verify_sample = 3;
        b.rename.suffix = "-new".into();
        assert_eq!(fleet_id(&a, 1), fleet_id(&b, 1));
        let c = fleet(r#""tables":["orders-*","audit"]"#);
        assert_ne!(fleet_id(&a, 1), fleet_id(&c, 1));
        assert!(fleet_id(&a, 2).ends_with("-2"));
    }
}
