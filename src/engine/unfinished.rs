//! The migrations in the state folder that have not finished: what the wizard offers to
//! reattach to when it opens. A fleet is offered whole; its tables are not offered one by one.

use std::path::{Path, PathBuf};

use super::fleet::FleetJournal;
use super::journal::{Journal, MigrationState};

/// An unfinished migration and where its journal is.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub path: PathBuf,
    pub journal: Journal,
}

/// An unfinished fleet, where its journal is, and how many of its tables moved.
#[derive(Debug, Clone)]
pub struct UnfinishedFleet {
    pub path: PathBuf,
    pub journal: FleetJournal,
    pub moved: usize,
}

/// Every readable journal in `state_dir` whose migration has not succeeded and that is not
/// one table of a fleet. Damaged journals are skipped here; `ddb-ferry status` names them.
pub fn unfinished(state_dir: &Path) -> Vec<Unfinished> {
    Journal::list(state_dir)
        .into_iter()
        .filter_map(|(path, j)| j.ok().map(|journal| Unfinished { path, journal }))
        .filter(|u| u.journal.state != MigrationState::Succeeded && u.journal.fleet.is_none())
        .collect()
}

/// Every readable fleet journal in `state_dir` whose fleet has not finished with every table
/// moved, newest first.
pub fn unfinished_fleets(state_dir: &Path) -> Vec<UnfinishedFleet> {
    let fleets: Vec<(PathBuf, FleetJournal)> = FleetJournal::list(state_dir)
        .into_iter()
        .filter_map(|(path, j)| j.ok().map(|j| (path, j)))
        .filter(|(_, j)| j.state != MigrationState::Succeeded)
        .collect();
    if fleets.is_empty() {
        return Vec::new();
    }
    let moved: Vec<String> = Journal::list(state_dir)
        .into_iter()
        .filter_map(|(_, j)| j.ok())
        .filter(|j| j.state == MigrationState::Succeeded && j.fleet.is_some())
        .map(|j| j.id)
        .collect();
    fleets
        .into_iter()
        .map(|(path, journal)| UnfinishedFleet {
            moved: journal
                .members
                .iter()
                .filter(|m| moved.contains(&m.id))
                .count(),
            path,
            journal,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fleet::members::Member;
    use crate::engine::fleet::FleetPlan;
    use crate::engine::journal::FleetMembership;

    fn member_journal(fleet: &FleetJournal, m: &Member, state: MigrationState) -> Journal {
        let plan = crate::engine::plan::Plan::parse(
            &format!(
                r#"{{"source":{{"profile":"a","table":"{}"}},"destination":{{"profile":"b","bucket":"bkt-one"}},"table":{{"name":"{}"}}}}"#,
                m.source_table, m.new_table
            ),
            "member",
        )
        .expect("a member plan");
        let mut j = crate::engine::new_journal(plan, m.id.clone(), None, None);
        j.state = state;
        j.fleet = Some(FleetMembership {
            fleet_id: fleet.id.clone(),
            folder: "ddb-ferry/f".into(),
        });
        j
    }

    #[test]
    fn a_fleet_is_offered_whole_and_its_tables_are_not_offered_alone() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let plan = FleetPlan::parse(
            r#"{"source":{"profile":"a"},"destination":{"profile":"b","bucket":"bkt-one"},"tables":["orders","users"]}"#,
            "fleet",
        )
        .expect("a fleet plan");
        let mut fleet = FleetJournal::new(plan, "fleet-orders-1".into(), None, None);
        fleet.state = MigrationState::Interrupted;
        fleet.members = ["orders", "users"]
            .iter()
            .map(|t| Member {
                source_table: (*t).into(),
                new_table: (*t).into(),
                id: format!("fleet-orders-1--{t}"),
            })
            .collect();
        fleet.save(dir.path()).expect("the fleet journal is saved");
        let states = [MigrationState::Succeeded, MigrationState::Interrupted];
        for (m, state) in fleet.members.iter().zip(states) {
            member_journal(&fleet, m, state)
                .save(dir.path())
                .expect("the table's journal is saved");
        }
        assert!(unfinished(dir.path()).is_empty(), "no table offered alone");
        let fleets = unfinished_fleets(dir.path());
        assert_eq!(fleets.len(), 1);
        assert_eq!(fleets[0].journal.id, "fleet-orders-1");
        assert_eq!(fleets[0].moved, 1);
    }
}
