//! `status`: every migration in the state folder and where it stands. A migration counts as
//! running only while a live process holds its lock.

use crate::engine::journal::Journal;
use crate::engine::journal::{state_dir, MigrationState};
use crate::engine::lock::{live_state, Holder};

pub fn status(json: bool) -> i32 {
    let dir = state_dir();
    let all = Journal::list(&dir);
    if all.is_empty() && !json {
        println!("No migrations yet (state folder: {}).", dir.display());
        return 0;
    }
    for (path, journal) in all {
        match journal {
            Ok(j) => {
                let (state, holder) = live_state(&dir, &j);
                let pid = match holder {
                    Holder::Process(pid) => pid,
                    Holder::Nobody => None,
                };
                let continue_with = (state == MigrationState::Interrupted)
                    .then(|| format!("ddb-ferry resume {}", j.id));
                if json {
                    let mut line = serde_json::json!({
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
                    }
                    println!("{line}");
                } else {
                    let job = match j.latest_job() {
                        Some((name, r)) => {
                            format!("{name} {}", r.status.as_deref().unwrap_or("starting"))
                        }
                        None => String::new(),
                    };
                    println!(
                        "{}  {:?} at {:?}  {} -> {}  {}  (updated {})",
                        j.id,
                        state,
                        j.step,
                        j.plan.source.table,
                        j.plan.table.name,
                        job,
                        j.updated_at
                    );
                    if let Some(pid) = pid {
                        println!("    run by process {pid}");
                    }
                    if let Some(f) = &j.failure {
                        println!("    last failure [{}]: {}", f.code, f.what);
                    }
                    if let Some(c) = continue_with {
                        println!("    continue with: {c}");
                    }
                }
            }
            Err(e) => eprintln!("{}: {e}", path.display()),
        }
    }
    0
}
