//! Shows engine events: readable lines on a terminal, or one JSON object a line (`--json`).

use std::io::Write;

use crate::engine::events::Event;
use crate::engine::journal::Step;
use crate::engine::leftovers::Leftover;

/// Prints events as they arrive until the channel closes.
pub async fn print_events(mut rx: tokio::sync::mpsc::UnboundedReceiver<Event>, json: bool) {
    let stdout = std::io::stdout();
    while let Some(event) = rx.recv().await {
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
    let mut value = serde_json::to_value(event).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.insert("ts".into(), crate::engine::journal::now_rfc3339().into());
    }
    value.to_string()
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
            ..
        } => format!(
            "  {job} {status}, {} elapsed (next check in {next_check_secs} s)",
            clock(*elapsed_secs)
        ),
        Event::Estimate { step, lines, .. } => {
            let before = if *step == Step::Import {
                "the import"
            } else {
                "the export"
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
            "  not carried by the import: {} (source: {})\n    apply with: {}",
            item.setting, item.source_value, item.how_to_apply
        ),
        Event::Failed { failure, .. } => format!(
            "\nFAILED [{}]: {}\n  why: {}\n  next: {}",
            failure.code, failure.what, failure.why, failure.next
        ),
        Event::Paused { .. } => return None,
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
