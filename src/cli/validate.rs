//! `validate PLAN`, and how a plan that cannot be used is shown by `validate` and `run`: every
//! problem with its field, then what to do; with `--json`, the same problems as a list.

use std::path::Path;

use serde_json::json;

use crate::engine::events::Outcome;
use crate::engine::fleet::FleetPlan;
use crate::engine::plan::{Plan, PlanError, Problem};

/// A plan that read but could not be shown again (never expected: both serialize plainly).
fn plan_error(path: &Path, e: serde_json::Error) -> PlanError {
    PlanError::Problems {
        path: path.display().to_string(),
        problems: vec![Problem {
            field: "(top level)".into(),
            message: e.to_string(),
        }],
    }
}

/// Checks a plan without calling AWS; exit code 0 when it is valid, 2 when it is not.
pub fn validate(path: &Path, json: bool) -> i32 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let loaded = if crate::engine::fleet::is_fleet_text(&text) {
        FleetPlan::load(path).and_then(|p| serde_json::to_value(p).map_err(|e| plan_error(path, e)))
    } else {
        Plan::load(path).and_then(|p| serde_json::to_value(p).map_err(|e| plan_error(path, e)))
    };
    match loaded {
        Ok(plan) if json => {
            println!(
                "{}",
                json!({
                    "file": path.display().to_string(),
                    "valid": true,
                    "problems": [],
                    "plan": plan,
                })
            );
            0
        }
        Ok(plan) => {
            println!("{} is valid.", path.display());
            println!(
                "{}",
                serde_json::to_string_pretty(&plan).unwrap_or_default()
            );
            0
        }
        Err(e) => {
            if json {
                println!("{}", invalid_json(path, &e));
            }
            eprintln!("{}", invalid_text(path, &e));
            Outcome::BadInput.exit_code()
        }
    }
}

/// What happened (each problem on its own line, with its field), and what to do next.
pub fn invalid_text(path: &Path, e: &PlanError) -> String {
    let next = match e {
        PlanError::Read { .. } => {
            "check the path and that the file is readable, or write a plan (see assets/plan.example.jsonc)".to_owned()
        }
        PlanError::Problems { problems, .. } => {
            let fix = if problems.len() == 1 {
                "fix the field above"
            } else {
                "fix the fields above"
            };
            format!(
                "{fix} (docs/plan-format.md describes each), then check again with `ddb-ferry validate {}`",
                path.display()
            )
        }
    };
    format!("{e}\n  next: {next}")
}

/// The same as one JSON document: `problems` lists `{field, message}`; `error` is the whole
/// text, and the only content when the file could not be read.
pub fn invalid_json(path: &Path, e: &PlanError) -> serde_json::Value {
    json!({
        "file": path.display().to_string(),
        "valid": false,
        "error": e.to_string(),
        "problems": e.problems(),
        "exit_code": Outcome::BadInput.exit_code(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"{
        "source": {"profile": "prod", "table": "x"},
        "destination": {"profile": "new", "bucket": "Ferry_Orders"},
        "table": {"name": "orders"},
        "options": {"verify_sample": 1000000}
    }"#;

    #[test]
    fn the_text_lists_every_problem_then_what_to_do() {
        let path = Path::new("plan.jsonc");
        let err = Plan::parse(PLAN, "plan.jsonc").unwrap_err();
        let text = invalid_text(path, &err);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert_eq!(lines[0], "the plan plan.jsonc is not valid: 3 problems");
        assert!(
            lines[1]
                .starts_with("  - field `source.table`: \"x\" is not valid: a table name must be"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("  - field `destination.bucket`: \"Ferry_Orders\" is not valid: "),
            "{text}"
        );
        assert!(
            lines[3].starts_with("  - field `options.verify_sample`: 1000000 is out of range"),
            "{text}"
        );
        assert_eq!(
            lines[4],
            "  next: fix the fields above (docs/plan-format.md describes each), then check again with `ddb-ferry validate plan.jsonc`"
        );
    }

    #[test]
    fn the_json_lists_every_problem() {
        let path = Path::new("plan.jsonc");
        let err = Plan::parse(PLAN, "plan.jsonc").unwrap_err();
        let doc = invalid_json(path, &err);
        assert_eq!(doc["valid"], false);
        assert_eq!(doc["exit_code"], 2);
        let fields: Vec<&str> = doc["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "source.table",
                "destination.bucket",
                "options.verify_sample"
            ]
        );
        assert!(doc["problems"][2]["message"]
            .as_str()
            .unwrap()
            .contains("out of range"));
        // A file that cannot be read has no problem list, only the error.
        let err = Plan::load(Path::new("/nonexistent/plan.jsonc")).unwrap_err();
        let doc = invalid_json(Path::new("/nonexistent/plan.jsonc"), &err);
        assert_eq!(doc["problems"], json!([]));
        assert!(doc["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the plan file"));
        assert!(invalid_text(Path::new("p"), &err).contains("next: check the path"));
    }
}
