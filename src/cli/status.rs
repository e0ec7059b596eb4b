//! `status`: every migration in the state folder and where it stands; a fleet first, with a
//! line per table under it. A migration counts as running only while a live process holds
//! its lock.

use std::path::Path;

use serde_json::{json, Value};

use crate::engine::fleet::FleetJournal;
use crate::engine::journal::{state_dir, Journal, MigrationState};
use crate::engine::lock::{live_state, Holder};

pub fn status(json: bool) -> i32 {
    let dir = state_dir();
    let all = Journal::list(&dir);
    let fleets = FleetJournal::list(&dir);
    if all.is_empty() && fleets.is_empty() && !json {
        println!("No migrations yet (state folder: {}).", dir.display());
        return 0;
    }
    for (path, fleet) in &fleets {
        match fleet {
            Ok(f) => fleet_status(&dir, f, path, &all, json),
            Err(e) => eprintln!("{}: {e}", path.display()),
        }
    }
    for (path, journal) in &all {
        match journal {
            Ok(j) if j.fleet.is_none() => {
                let (line, text) = migration_status(&dir, j, path);
                if json {
                    println!("{line}");
                } else {
                    println!("{text}");
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("{}: {e}", path.display()),
        }
    }
    0
}

/// The fleet's line (how many tables stand where), then its tables'.
fn fleet_status(
    dir: &Path,
    fleet: &FleetJournal,
    path: &Path,
    all: &[(
        std::path::PathBuf,
        Result<Journal, crate::engine::journal::JournalError>,
    )],
    json: bool,
) {
    let tables: Vec<(&std::path::PathBuf, &Journal)> = all
        .iter()
        .filter_map(|(p, j)| j.as_ref().ok().map(|j| (p, j)))
        .filter(|(_, j)| j.fleet.as_ref().is_some_and(|f| f.fleet_id == fleet.id))
        .collect();
    let states: Vec<MigrationState> = tables.iter().map(|(_, j)| live_state(dir, j).0).collect();
    let count = |s: MigrationState| states.iter().filter(|x| **x == s).count();
    let (state, holder) = live_fleet_state(dir, fleet);
    let continue_with = (state != MigrationState::Succeeded && holder.is_none())
        .then(|| format!("ddb-ferry resume {}", fleet.id));
    if json {
        let mut line = json!({
            "fleet": fleet.id,
            "state": state,
            "tables": fleet.members.len(),
            "succeeded": count(MigrationState::Succeeded),
            "failed": count(MigrationState::Failed),
            "running": count(MigrationState::Running),
            "interrupted": count(MigrationState::Interrupted),
            "not_started": fleet.members.len().saturating_sub(tables.len()),
            "export_time": fleet.export_time,
            "updated_at": fleet.updated_at,
            "journal": path.display().to_string(),
        });
        if let (Some(map), Some(pid)) = (line.as_object_mut(), holder) {
            map.insert("pid".into(), pid.into());
        }
        if let (Some(map), Some(c)) = (line.as_object_mut(), &continue_with) {
            map.insert("continue_with".into(), c.clone().into());
        }
        println!("{line}");
    } else {
        println!(
            "{}  fleet of {} tables  {:?}: {} moved, {} failed, {} running, {} interrupted, {} not started  (updated {})",
            fleet.id,
            fleet.members.len(),
            state,
            count(MigrationState::Succeeded),
            count(MigrationState::Failed),
            count(MigrationState::Running),
            count(MigrationState::Interrupted),
            fleet.members.len().saturating_sub(tables.len()),
            fleet.updated_at
        );
        if let Some(pid) = holder {
            println!("    run by process {pid}");
        }
        if let Some(c) = &continue_with {
            println!("    continue with: {c}");
        }
    }
    for (p, j) in tables {
        let (line, text) = migration_status(dir, j, p);
        if json {
            println!("{line}");
        } else {
            println!("  {}", text.replace('\n', "\n  "));
        }
    }
}

/// A fleet runs while a live process holds its lock; else its journal's state, with a
/// fleet left `running` by a killed process shown as interrupted.
fn live_fleet_state(dir: &Path, fleet: &FleetJournal) -> (MigrationState, Option<u32>) {
    match crate::engine::lock::MigrationLock::holder(dir, &fleet.id) {
        Holder::Process(pid) => (MigrationState::Running, pid),
        Holder::Nobody if fleet.state == MigrationState::Running => {
            (MigrationState::Interrupted, None)
        }
        Holder::Nobody => (fleet.state, None),
    }
}

/// One migration: its JSON line and its readable lines.
fn migration_status(dir: &Path, j: &Journal, path: &Path) -> (Value, String) {
    let (state, holder) = live_state(dir, j);
    let pid = match holder {
        Holder::Process(pid) => pid,
        Holder::Nobody => None,
    };
    let continue_with = (state == MigrationState::Interrupted && j.fleet.is_none())
        .then(|| format!("ddb-ferry resume {}", j.id));
    let mut line = json!({
        "id": j.id,
        "state": state,
        "step": j.step,
        "source_table": j.plan.source.table,
        "new_table": j.plan.table.name,
        "export_arn": j.export.as_ref().and_then(|e| e.arn.clone()),
        "export_status": j.export.as_ref().and_then(|e| e.status.clone()),
        "import_arn": j.import.as_ref().and_then(|e| e.arn.clone()),
        "import_status": j.import.as_ref().and_then(|e| e.status.clone()),
        "via": j.plan.via,
        "job": j.latest_job().map(|(name, _)| name),
        "job_id": j.latest_job().and_then(|(_, r)| r.arn.clone()),
        "job_status": j.latest_job().and_then(|(_, r)| r.status.clone()),
        "updated_at": j.updated_at,
        "journal": path.display().to_string(),
    });
    if let Some(map) = line.as_object_mut() {
        if let Some(pid) = pid {
            map.insert("pid".into(), pid.into());
        }
        if let Some(c) = &continue_with {
            map.insert("continue_with".into(), c.clone().into());
        }
        if let Some(f) = &j.fleet {
            map.insert("fleet".into(), f.fleet_id.clone().into());
            map.insert("table".into(), j.plan.source.table.clone().into());
        }
        if !j.catch_up.is_empty() || j.plan.options.catch_up {
            let c = &j.catch_up;
            map.insert(
                "catch_up".into(),
                json!({
                    "increments": c.increments.len(),
                    "applied_until": c.applied_until(),
                    "writes_stopped_at": c.writes_stopped_at,
                    "cutover_done": c.cutover_done,
                    "compare": c.compare,
                }),
            );
        }
    }
    let job = match j.latest_job() {
        Some((name, r)) => format!("{name} {}", r.status.as_deref().unwrap_or("starting")),
        None => String::new(),
    };
    let mut text = format!(
        "{}  {:?} at {:?}  {} -> {}  {}  (updated {})",
        j.id, state, j.step, j.plan.source.table, j.plan.table.name, job, j.updated_at
    );
    if let Some(pid) = pid {
        text.push_str(&format!("\n    run by process {pid}"));
    }
    if let Some(f) = &j.failure {
        text.push_str(&format!("\n    last failure [{}]: {}", f.code, f.what));
    }
    if let Some(c) = continue_with {
        text.push_str(&format!("\n    continue with: {c}"));
    }
    if let Some(c) = catch_up_line(j) {
        text.push_str(&format!("\n    {c}"));
    }
    (line, text)
}

/// Where catch-up stands, for a migration that is or will be caught up.
fn catch_up_line(j: &Journal) -> Option<String> {
    let c = &j.catch_up;
    if c.cutover_done {
        return Some("catch-up: cut over; the compare found the tables equal".to_owned());
    }
    if c.is_empty() {
        return (j.plan.options.catch_up && j.state == MigrationState::Succeeded)
            .then(|| format!("catch-up: none yet; run `ddb-ferry catch-up {}`", j.id));
    }
    let until = c
        .applied_until()
        .map_or("none applied yet".to_owned(), |t| {
            format!("the new table holds every write before {t}")
        });
    Some(format!(
        "catch-up: {} increment(s), {until}; next: `ddb-ferry catch-up {}` (or `--cutover` once writes have stopped)",
        c.increments.len(),
        j.id
    ))
}
