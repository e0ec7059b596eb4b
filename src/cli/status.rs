//! `status`: every migration in the state folder and where it stands.

use crate::engine::journal::{state_dir, Journal};

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
                if json {
                    let line = serde_json::json!({
                        "id": j.id,
                        "state": j.state,
                        "step": j.step,
                        "source_table": j.plan.source.table,
                        "new_table": j.plan.table.name,
                        "export_arn": j.export.as_ref().and_then(|e| e.arn.clone()),
                        "export_status": j.export.as_ref().and_then(|e| e.status.clone()),
                        "import_arn": j.import.as_ref().and_then(|e| e.arn.clone()),
                        "import_status": j.import.as_ref().and_then(|e| e.status.clone()),
                        "updated_at": j.updated_at,
                        "journal": path.display().to_string(),
                    });
                    println!("{line}");
                } else {
                    let job = match (&j.import, &j.export) {
                        (Some(i), _) => {
                            format!("import {}", i.status.as_deref().unwrap_or("starting"))
                        }
                        (None, Some(e)) => {
                            format!("export {}", e.status.as_deref().unwrap_or("starting"))
                        }
                        _ => String::new(),
                    };
                    println!(
                        "{}  {:?} at {:?}  {} -> {}  {}  (updated {})",
                        j.id,
                        j.state,
                        j.step,
                        j.plan.source.table,
                        j.plan.table.name,
                        job,
                        j.updated_at
                    );
                    if let Some(f) = &j.failure {
                        println!("    last failure [{}]: {}", f.code, f.what);
                    }
                }
            }
            Err(e) => eprintln!("{}: {e}", path.display()),
        }
    }
    0
}
