//! The fleet's own journal: the plan, the tables the patterns resolved to (once, at the first
//! run), each table's migration id, and the export time shared by every table once fixed.
//! Everything else a table does lives in its own journal, so `resume`, `status` and the
//! wizard read a fleet's tables as they read any migration.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::members::{fleet_id, Member};
use super::plan::FleetPlan;
use crate::engine::journal::{
    list_json, load_json, now_rfc3339, save_json, JournalError, MigrationState, JOURNAL_VERSION,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetJournal {
    pub version: u32,
    pub id: String,
    pub state: MigrationState,
    pub created_at: String,
    pub updated_at: String,
    pub plan: FleetPlan,
    pub plan_file: Option<String>,
    pub endpoint_url: Option<String>,
    /// The tables, resolved once; empty until the first run listed the source's tables.
    #[serde(default)]
    pub members: Vec<Member>,
    /// The export time of every table (RFC 3339): the plan's, else fixed once every table
    /// was ready to export.
    #[serde(default)]
    pub export_time: Option<String>,
    /// Source tables whose PITR the fleet turned on before any table ran, so every table's
    /// window starts before the shared export time (a table retried later joins the same
    /// cut). Each table's journal then knows ddb-ferry turned it on, and turns it off at the
    /// end as for one table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pitr_turned_on: Vec<String>,
}

impl FleetJournal {
    pub fn new(
        plan: FleetPlan,
        id: String,
        plan_file: Option<String>,
        endpoint_url: Option<String>,
    ) -> FleetJournal {
        let now = now_rfc3339();
        FleetJournal {
            version: JOURNAL_VERSION,
            id,
            state: MigrationState::Running,
            created_at: now.clone(),
            updated_at: now,
            export_time: plan.export.export_time.clone(),
            plan,
            plan_file,
            endpoint_url,
            members: Vec::new(),
            pitr_turned_on: Vec::new(),
        }
    }

    pub fn path_in(dir: &Path, id: &str) -> PathBuf {
        dir.join("fleets").join(format!("{id}.json"))
    }

    pub fn path(&self, dir: &Path) -> PathBuf {
        Self::path_in(dir, &self.id)
    }

    pub fn save(&mut self, dir: &Path) -> Result<(), JournalError> {
        self.updated_at = now_rfc3339();
        save_json(&self.path(dir), self)
    }

    pub fn load(path: &Path) -> Result<FleetJournal, JournalError> {
        load_json(path)
    }

    /// Every fleet journal in the state folder, newest first.
    pub fn list(dir: &Path) -> Vec<(PathBuf, Result<FleetJournal, JournalError>)> {
        list_json(&dir.join("fleets"), |j: &FleetJournal| j.updated_at.clone())
    }
}

/// The journals of a fleet's tables, given as (source table, migration id): those that exist
/// and read (a table that has not started has none yet). For drivers that show the tables.
pub fn member_journals(
    dir: &Path,
    members: Vec<(String, String)>,
) -> Vec<(String, Box<crate::engine::journal::Journal>)> {
    use crate::engine::journal::Journal;
    members
        .into_iter()
        .filter_map(|(table, id)| {
            let j = Journal::load(&Journal::path_in(dir, &id)).ok()?;
            Some((table, Box::new(j)))
        })
        .collect()
}

/// An unfinished fleet's journal, to run it again (`endpoint_url`, when given, replaces the
/// one it was started with, as for one migration).
pub fn reopen(path: &Path, endpoint_url: Option<String>) -> Result<FleetJournal, String> {
    let mut journal = FleetJournal::load(path).map_err(|e| e.to_string())?;
    if endpoint_url.is_some() {
        journal.endpoint_url = endpoint_url;
    }
    Ok(journal)
}

/// What `run FLEET-PLAN` found in the state folder.
pub enum FleetPrepared {
    Ready {
        journal: Box<FleetJournal>,
        resumed: bool,
    },
    AlreadyDone {
        journal: Box<FleetJournal>,
        path: PathBuf,
    },
    /// The plan changed in a way that would mix two fleets (see [`may_continue_with`]).
    PlanChanged { path: PathBuf },
}

/// Finds the fleet of `plan` or makes a new one; with `fresh`, always a new attempt.
pub fn prepare_fleet(
    plan: FleetPlan,
    plan_file: Option<String>,
    endpoint_url: Option<String>,
    state_dir: &Path,
    fresh: bool,
) -> Result<FleetPrepared, JournalError> {
    let mut attempt = 1;
    loop {
        let id = fleet_id(&plan, attempt);
        let path = FleetJournal::path_in(state_dir, &id);
        if !path.exists() {
            return Ok(FleetPrepared::Ready {
                journal: Box::new(FleetJournal::new(plan, id, plan_file, endpoint_url)),
                resumed: false,
            });
        }
        let next = FleetJournal::path_in(state_dir, &fleet_id(&plan, attempt + 1));
        if fresh || next.exists() {
            attempt += 1;
            continue;
        }
        let mut journal = FleetJournal::load(&path)?;
        if journal.state == MigrationState::Succeeded && journal.plan == plan {
            return Ok(FleetPrepared::AlreadyDone {
                journal: Box::new(journal),
                path,
            });
        }
        if journal.plan != plan {
            if !may_continue_with(&journal.plan, &plan) {
                return Ok(FleetPrepared::PlanChanged { path });
            }
            journal.plan = plan;
        }
        if endpoint_url.is_some() {
            journal.endpoint_url = endpoint_url;
        }
        if plan_file.is_some() {
            journal.plan_file = plan_file;
        }
        return Ok(FleetPrepared::Ready {
            journal: Box::new(journal),
            resumed: true,
        });
    }
}

/// A fleet continues with a changed plan when the tables and the export stay what they were:
/// a fixed rename, override, option or limit applies to the tables whose import has not
/// started (each table's own journal decides that; see `runner.rs`).
fn may_continue_with(old: &FleetPlan, new: &FleetPlan) -> bool {
    old.source == new.source
        && old.destination == new.destination
        && old.tables == new.tables
        && old.export == new.export
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> FleetPlan {
        FleetPlan::parse(
            r#"{"source":{"profile":"a"},"destination":{"profile":"b","bucket":"bkt-one"},"tables":["orders-*"]}"#,
            "f",
        )
        .unwrap()
    }

    #[test]
    fn a_fleet_is_found_again_and_continues_after_a_fixed_rename() {
        let dir = tempfile::tempdir().unwrap();
        let Ok(FleetPrepared::Ready {
            mut journal,
            resumed: false,
        }) = prepare_fleet(plan(), None, None, dir.path(), false)
        else {
            panic!("a new fleet")
        };
        journal.members.push(Member {
            source_table: "orders-eu".into(),
            new_table: "orders-eu".into(),
            id: format!("{}--orders-eu", journal.id),
        });
        journal.save(dir.path()).unwrap();
        let mut renamed = plan();
        renamed.rename.suffix = "-v2".into();
        let Ok(FleetPrepared::Ready {
            journal: again,
            resumed: true,
        }) = prepare_fleet(renamed.clone(), None, None, dir.path(), false)
        else {
            panic!("the same fleet continues")
        };
        assert_eq!(again.members, journal.members, "the resolved list is kept");
        assert_eq!(again.plan, renamed);
        let mut other_time = plan();
        other_time.export.export_time = Some("2026-01-01T00:00:00Z".into());
        assert!(matches!(
            prepare_fleet(other_time, None, None, dir.path(), false),
            Ok(FleetPrepared::PlanChanged { .. })
        ));
        let Ok(FleetPrepared::Ready {
            journal: fresh,
            resumed: false,
        }) = prepare_fleet(plan(), None, None, dir.path(), true)
        else {
            panic!("--new starts another fleet")
        };
        assert!(fresh.id.ends_with("-2"));
        assert_eq!(FleetJournal::list(dir.path()).len(), 1);
    }
}
