//! Shows engine events: readable lines on a terminal, or one JSON object a line (`--json`).

use std::io::Write;

use crate::engine::events::Event;
use crate::engine::journal::Step;
use crate::engine::leftovers::Leftover;

/// Prints events as they arrive until the channel closes.
pub async fn print_events(mut rx: tokio::sync::mpsc::UnboundedReceiver<Event>, json: bool) {
    let stdout = std::io::stdout();
    // Applying an increment reports often; a person reads a line every few seconds.
    let mut last_progress: Option<std::time::Instant> = None;
    while let Some(event) = rx.recv().await {
        if !json
            && matches!(
                event,
                Event::CatchUpProgress { .. } | Event::LoadProgress { .. }
            )
        {
            if last_progress.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(5)) {
                continue;
            }
            last_progress = Some(std::time::Instant::now());
        }
        let mut out = stdout.lock();
        let _ = if json {
            writeln!(out, "{}", json_line(&event))
        } else {
            match human_line(&event) {
                Some(line) => writeln!(out, "{line}"),
                None => Ok(()),
            }
        };
        let _ = out.flush();
    }
}

fn json_line(event: &Event) -> String {
    json_value_line(serde_json::to_value(event).unwrap_or_default())
}

/// One line of the `--json` stream, stamped with the time like every event.
fn json_value_line(mut value: serde_json::Value) -> String {
    if let Some(obj) = value.as_object_mut() {
        obj.insert("ts".into(), crate::engine::journal::now_rfc3339().into());
    }
    value.to_string()
}

/// A plan refused before the migration starts, for `run --json`: a `plan_invalid` line with
/// every problem (`problems: [{field, message}]`), then `finished`, so that a reader of the
/// stream ends on `finished` whatever happened.
pub fn plan_invalid_lines(path: &std::path::Path, e: &crate::engine::plan::PlanError) -> String {
    use crate::engine::events::Outcome;
    let mut doc = super::validate::invalid_json(path, e);
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("event".into(), "plan_invalid".into());
        obj.remove("valid");
        obj.remove("exit_code");
    }
    let finished = Event::Finished {
        outcome: Outcome::BadInput,
        exit_code: Outcome::BadInput.exit_code(),
        summary_file: None,
    };
    format!("{}\n{}", json_value_line(doc), json_line(&finished))
}

/// One readable line per event (`None` for events a person need not see).
pub fn human_line(event: &Event) -> Option<String> {
    Some(match event {
        Event::Started {
            migration_id,
            journal,
            resumed,
            dry_run,
        } => {
            let what = if *dry_run {
                "Dry run of"
            } else if *resumed {
                "Continuing"
            } else {
                "Starting"
            };
            format!("{what} migration {migration_id}\n  journal: {journal}")
        }
        Event::Identity { side, identity } => format!(
            "  {side}: account {} in {} as {}",
            identity.account, identity.region, identity.arn
        ),
        Event::StepStarted { title, .. } => format!("\n== {title}"),
        Event::StepDone { summary, .. } => format!("  ok: {summary}"),
        Event::Info { message, .. } => format!("  {message}"),
        Event::Warning {
            message,
            code,
            why,
            next,
            ..
        } => {
            let mut s = match code {
                Some(c) => format!("  warning [{c}]: {message}"),
                None => format!("  warning: {message}"),
            };
            if let Some(w) = why {
                s.push_str(&format!("\n    why: {w}"));
            }
            if let Some(n) = next {
                s.push_str(&format!("\n    next: {n}"));
            }
            s
        }
        Event::Call {
            operation,
            cli,
            body,
            dry_run,
            ..
        } => {
            let mut s = if *dry_run {
                format!("  would call {operation}:\n    {cli}")
            } else {
                format!("  calling {operation}:\n    {cli}")
            };
            if let (true, Some(b)) = (*dry_run, body) {
                s.push_str("\n    with:\n");
                let pretty = serde_json::to_string_pretty(b).unwrap_or_default();
                for line in pretty.lines() {
                    s.push_str("      ");
                    s.push_str(line);
                    s.push('\n');
                }
            }
            s
        }
        Event::JobStarted {
            job,
            arn,
            reattached,
            ..
        } => {
            if *reattached {
                format!("  reattached to the running {job}: {arn}")
            } else {
                format!("  {job} started: {arn}")
            }
        }
        Event::JobStatus {
            job,
            status,
            elapsed_secs,
            next_check_secs,
            percent_done,
            expected_minutes,
            ..
        } => format!(
            "  {job} {status}{}, {} elapsed{} (next check in {next_check_secs} s)",
            percent_done.map_or(String::new(), |p| format!(" {p}% done")),
            clock(*elapsed_secs),
            expected_minutes.map_or(String::new(), |m| format!(
                " of about {m} minute{} AWS expects",
                if m == 1 { "" } else { "s" }
            )),
        ),
        Event::Estimate { step, lines, .. } => {
            let before = match step {
                Step::Import => "the import",
                Step::Backup => "the backup road (restore, and the backups it keeps)",
                _ => "the export",
            };
            let mut s = format!("  Estimated cost of {before} (an estimate from list prices, not a quote; see docs/costs.md):");
            for line in lines {
                s.push_str("\n    ");
                s.push_str(line);
            }
            s
        }
        Event::Leftovers { items } => leftover_lines(items),
        Event::NotCarried { item } => format!(
            "  not carried to the new table: {} (source: {})\n    apply with: {}",
            item.setting, item.source_value, item.how_to_apply
        ),
        Event::Failed { failure, .. } => format!(
            "\nFAILED [{}]: {}\n  why: {}\n  next: {}",
            failure.code, failure.what, failure.why, failure.next
        ),
        Event::Paused { .. } => return None,
        Event::LoadProgress { items_applied } => {
            format!("  {items_applied} items written into the existing table")
        }
        Event::CatchUpWindow {
            number,
            from,
            to,
            cutover,
        } => format!(
            "  increment {number}{}: the source's writes from {from} to {to}",
            if *cutover { " (cutover)" } else { "" }
        ),
        Event::CatchUpProgress {
            number,
            items_applied,
            items_total,
            items_per_sec,
            secs_left,
            retries,
            ..
        } => format!(
            "  increment {number}: {items_applied} of {items_total} changes applied, {items_per_sec}/s{}{}",
            secs_left.map_or(String::new(), |s| format!(", about {} left", clock(s))),
            if *retries > 0 { format!(" ({retries} writes sent again)") } else { String::new() }
        ),
        Event::CatchUpApplied {
            number,
            items,
            puts,
            deletes,
            failed,
            applied_until,
            lag_secs,
        } => format!(
            "  increment {number} applied: {items} changes ({puts} puts, {deletes} deletes{})\n  the new table holds every write before {applied_until}: {} behind the source (AWS's clock)",
            if *failed > 0 { format!(", {failed} FAILED") } else { String::new() },
            crate::logic::catch_up::short_duration(std::time::Duration::from_secs(*lag_secs)),
        ),
        Event::CompareProgress {
            phase,
            source_items,
            dest_items,
        } => format!("  compare ({phase}): {source_items} items read from the source, {dest_items} from the new table"),
        Event::CompareFinished {
            equal,
            source_items,
            dest_items,
            differences,
            more_differences,
            expired_ttl,
        } => {
            let mut s = if *equal {
                format!("  EQUAL: the new table holds the same {source_items} items as the source")
            } else {
                format!("  DIFFERENT: {source_items} items in the source, {dest_items} in the new table")
            };
            for d in differences {
                s.push_str(&format!("\n    {d}"));
            }
            if *more_differences > 0 {
                s.push_str(&format!("\n    … and {more_differences} more"));
            }
            if *expired_ttl > 0 {
                s.push_str(&format!("\n  {expired_ttl} items whose TTL has expired were left out (DynamoDB deletes them at its own pace on each side)"));
            }
            s
        }
        Event::Finished {
            outcome,
            exit_code,
            summary_file,
        } => {
            let mut s = format!("\nFinished: {outcome:?} (exit code {exit_code})");
            if let Some(f) = summary_file {
                s.push_str(&format!("\n  summary with every AWS CLI command: {f}"));
            }
            s
        }
    })
}

/// What stays behind, each with its cost and the commands that remove it.
fn leftover_lines(items: &[Leftover]) -> String {
    if items.is_empty() {
        return "\nddb-ferry left nothing behind in AWS but the new table.".to_owned();
    }
    let mut s = "\nWhat stays behind (ddb-ferry deletes nothing; remove what you no longer need):"
        .to_owned();
    for l in items {
        s.push_str(&format!(
            "\n  - {}\n      keeping it costs: {}\n      remove with:",
            l.what,
            l.cost_words()
        ));
        for c in &l.remove_commands {
            s.push_str(&format!("\n        {c}"));
        }
    }
    s
}

fn clock(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::Plan;

    #[test]
    fn a_refused_plan_is_one_line_with_its_problems_then_finished() {
        let path = std::path::Path::new("plan.jsonc");
        let err = Plan::parse(
            r#"{"source": {"table": "x"}, "destination": {"bucket": "B"}, "table": {"name": "orders"}}"#,
            "plan.jsonc",
        )
        .unwrap_err();
        let text = plan_invalid_lines(path, &err);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["event"], "plan_invalid");
        assert_eq!(lines[0]["problems"].as_array().unwrap().len(), 2);
        assert_eq!(lines[0]["problems"][1]["field"], "destination.bucket");
        assert_eq!(lines[1]["event"], "finished");
        assert_eq!(lines[1]["exit_code"], 2);
    }
}
