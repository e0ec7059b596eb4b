//! Ctrl-P: the wizard's choices saved as a commented plan file that `ddb-ferry run` accepts as
//! it is, so a migration tried by hand can be repeated headless (another table, another
//! account, a pipeline). The settings applied on Verify travel as `options.after_import`;
//! what a plan cannot express is written into the file as comments.

use super::app::{App, Overlay};
use super::services::Cmd;
use crate::engine::plan::Plan;

/// The plan as the wizard's choices stand now: the journal's plan, with the new table and
/// the export settings still on screen when their steps have not run yet.
pub fn current_plan(app: &App) -> Option<Plan> {
    let journal = app.journal.as_ref()?;
    let mut plan = journal.plan.clone();
    // On the S3 road the export and the new table may still be on screen, unsent; the
    // backup road sends its whole plan when it starts.
    if plan.via == crate::engine::plan::Via::S3 {
        if journal.export.is_none() {
            plan.export = app.export.plan();
            plan.options.catch_up = app.export.catch_up;
        }
        if journal.import.is_none() {
            plan.table = app.keys.table_plan(&plan.source.table);
        }
    }
    for (setting, result) in &app.verify.applied {
        match (setting.as_str(), result) {
            ("TTL", Ok(())) => plan.options.after_import.ttl = true,
            ("Point-in-time recovery", Ok(())) => plan.options.after_import.pitr = true,
            _ => {}
        }
    }
    Some(plan)
}

/// Comments for what the plan format cannot carry: the settings only applied by hand.
fn notes(app: &App) -> Vec<String> {
    let mut notes = vec![format!(
        "Saved from the migration {}.",
        app.migration_id.as_deref().unwrap_or("(not started)")
    )];
    for item in &app.verify.not_carried {
        if matches!(item.setting.as_str(), "TTL" | "Point-in-time recovery") {
            continue;
        }
        notes.push(format!(
            "Not in this plan, apply it yourself after the import: {} ({}): {}",
            item.setting, item.source_value, item.how_to_apply
        ));
    }
    notes
}

/// The fleet's plan as the screens (or the running fleet) have it, and the fleet's id.
pub fn current_fleet_plan(app: &App) -> Option<(crate::engine::fleet::FleetPlan, String)> {
    if let Some(plan) = &app.fleet.board.plan {
        return Some((plan.clone(), app.fleet.board.model.fleet_id.clone()));
    }
    if let Some(ready) = app.fleet.summary.ready() {
        return Some((ready.journal.plan.clone(), ready.journal.id.clone()));
    }
    let plan = super::screens::fleet::plan_draft(app)?;
    if plan.destination.bucket.is_empty() {
        return None;
    }
    let id = crate::engine::fleet::members::fleet_id(&plan, 1);
    Some((plan, id))
}

/// The fleet plan as a file `ddb-ferry run` reads: its JSON, with a comment on top.
pub fn fleet_plan_text(plan: &crate::engine::fleet::FleetPlan, id: &str) -> String {
    format!(
        "// A fleet plan saved by the ddb-ferry wizard from the fleet {id}.\n// Check it with `ddb-ferry validate FILE`; `ddb-ferry run FILE` runs (or continues) the same fleet without the wizard.\n{}\n",
        serde_json::to_string_pretty(plan).unwrap_or_default()
    )
}

/// Asks the task layer to write the plan beside the journal.
pub fn save(app: &mut App) -> Vec<Cmd> {
    if app.fleet.active {
        let Some((plan, id)) = current_fleet_plan(app) else {
            app.overlay = Overlay::Notice {
                title: "No plan yet".into(),
                lines: vec!["A fleet plan needs the accounts, the tables and the bucket: choose the bucket first (Enter there), then Ctrl-P saves the choices.".into()],
            };
            return Vec::new();
        };
        let text = fleet_plan_text(&plan, &id);
        return vec![Cmd::SavePlan { id, text }];
    }
    let (Some(plan), Some(id)) = (current_plan(app), app.migration_id.clone()) else {
        app.overlay = Overlay::Notice {
            title: "No plan yet".into(),
            lines: vec![if app.via() == crate::engine::plan::Via::Backup {
                "A plan needs every choice of the backup: start it from the review (Enter there), then Ctrl-P saves the choices.".into()
            } else {
                "A plan needs the accounts, the table and the bucket: apply the Bucket screen first (Enter there), then Ctrl-P saves the choices.".into()
            }],
        };
        return Vec::new();
    };
    let text = plan.render_commented(&notes(app));
    vec![Cmd::SavePlan { id, text }]
}

/// The file was written (or not): say where, and how to run it.
pub fn on_saved(app: &mut App, saved: Result<std::path::PathBuf, String>) -> Vec<Cmd> {
    app.overlay = match saved {
        Ok(path) if app.fleet.active => Overlay::Notice {
            title: "Plan saved".into(),
            lines: vec![
                "The fleet's choices were saved as a fleet plan file:".into(),
                format!("  {}", path.display()),
                String::new(),
                "Check it, then run it without the wizard (the same plan continues this fleet; change the tables or the bucket's prefix for another):".into(),
                format!("  ddb-ferry run {} --dry-run", path.display()),
                String::new(),
                "Any key closes this box.".into(),
            ],
        },
        Ok(path) => Overlay::Notice {
            title: "Plan saved".into(),
            lines: vec![
                "The choices were saved as a plan file, with a comment on every field:".into(),
                format!("  {}", path.display()),
                String::new(),
                "Check it, then run it without the wizard (the same plan continues this migration; change table.name or the accounts for another):".into(),
                format!("  ddb-ferry run {} --dry-run", path.display()),
                String::new(),
                "Any key closes this box.".into(),
            ],
        },
        Err(e) => Overlay::Notice {
            title: "Plan not saved".into(),
            lines: vec![
                format!("What: {e}"),
                "Why:  the state folder could not be written (full disk, or its permissions)".into(),
                "Next: free space or fix the folder's permissions (DDB_FERRY_STATE_DIR), then Ctrl-P again".into(),
            ],
        },
    };
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crate::tui::test_support::*;

    #[test]
    fn the_saved_plan_reads_back_as_the_choices_on_screen() {
        let mut app = keys_prefilled();
        type_text(&mut app, "-copy");
        let plan = super::current_plan(&app).expect("the bucket was applied");
        assert_eq!(plan.table.name, "orders-copy");
        let text = plan.render_commented(&super::notes(&app));
        let back = crate::engine::plan::Plan::parse(&text, "saved.jsonc").expect("it parses");
        assert_eq!(back, plan);
        assert!(text.contains("Saved from the migration"), "{text}");
    }

    #[test]
    fn a_fleet_plan_file_reads_back_as_the_same_plan() {
        let app = crate::tui::fleet_support::fleet_names();
        let (plan, id) = super::current_fleet_plan(&app).expect("a fleet plan");
        let text = super::fleet_plan_text(&plan, &id);
        let back = crate::engine::fleet::FleetPlan::parse(&text, "fleet.jsonc").expect("it parses");
        assert_eq!(back, plan);
        assert_eq!(back.tables.len(), 4);
    }

    #[test]
    fn settings_applied_on_verify_travel_and_the_others_are_comments() {
        let mut app = verify_done();
        app.verify.applied.insert("TTL".into(), Ok(()));
        let plan = super::current_plan(&app).expect("a journal");
        assert!(plan.options.after_import.ttl);
        assert!(!plan.options.after_import.pitr);
        let notes = super::notes(&app).join("\n");
        assert!(notes.contains("DynamoDB stream"), "{notes}");
        assert!(!notes.contains("TTL"), "{notes}");
    }
}
