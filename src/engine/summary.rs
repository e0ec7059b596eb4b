//! The summary saved beside the journal at the end: what was done, what stays behind (with its
//! cost and the commands that remove it), and every AWS call as the equivalent AWS CLI
//! command, so the migration can be audited, repeated or cleaned up by hand.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::journal::{write_private_atomic, Journal};
use super::leftovers::Leftover;

pub fn path(journal: &Journal, state_dir: &Path) -> PathBuf {
    state_dir
        .join("migrations")
        .join(format!("{}.summary.md", journal.id))
}

/// Writes the summary (mode 0600) and returns its path.
pub fn write(
    journal: &Journal,
    state_dir: &Path,
    leftovers: &[Leftover],
) -> std::io::Result<PathBuf> {
    let p = path(journal, state_dir);
    write_private_atomic(&p, render(journal, leftovers).as_bytes())?;
    Ok(p)
}

pub fn render(j: &Journal, leftovers: &[Leftover]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# ddb-ferry migration {}\n", j.id);
    let plan = &j.plan;
    if let (Some(src), Some(dst)) = (&j.source_identity, &j.dest_identity) {
        let _ = writeln!(
            s,
            "- Source: table `{}` in account {} ({})",
            plan.source.table, src.account, src.region
        );
        let _ = writeln!(
            s,
            "- Destination: table `{}` in account {} ({})",
            plan.table.name, dst.account, dst.region
        );
    }
    let _ = writeln!(
        s,
        "- State: {:?}, started {}, last update {}",
        j.state, j.created_at, j.updated_at
    );
    if let Some(e) = &j.export {
        let _ = writeln!(
            s,
            "- Export: {} ({}), {} items",
            e.arn.as_deref().unwrap_or("-"),
            e.status.as_deref().unwrap_or("-"),
            e.item_count.map_or("?".into(), |c| c.to_string())
        );
    }
    if let Some(d) = &j.data_folder {
        let _ = writeln!(
            s,
            "- Data folder: s3://{}/{} ({} files)",
            d.bucket, d.prefix, d.data_files
        );
    }
    let jobs = [
        ("Backup", &j.backup.backup),
        ("Copy", &j.backup.copy),
        ("Restore", &j.backup.restore),
    ];
    for (name, job) in jobs {
        if let Some(job) = job {
            let _ = writeln!(
                s,
                "- {name} job: {} ({})",
                job.arn.as_deref().unwrap_or("-"),
                job.status.as_deref().unwrap_or("-")
            );
        }
    }
    if let Some(p) = &j.backup.recovery_point {
        let what = match (&p.arn, &p.restore_time) {
            (Some(arn), _) => format!("{arn} ({})", p.found_by),
            (None, Some(t)) => format!("the source table as it was at {t}"),
            (None, None) => "the source table at its latest restorable time".to_owned(),
        };
        let _ = writeln!(s, "- Restored from: {what}");
    }
    if let Some(i) = &j.import {
        let _ = writeln!(
            s,
            "- Import: {} ({}), {} items, {} errors",
            i.arn.as_deref().unwrap_or("-"),
            i.status.as_deref().unwrap_or("-"),
            i.item_count.map_or("?".into(), |c| c.to_string()),
            i.error_count.map_or("?".into(), |c| c.to_string())
        );
    }
    if let Some(v) = &j.verify {
        let _ = writeln!(
            s,
            "- Verify: expected {}, counted {}, {} sampled items compared, {}",
            v.expected_items.map_or("?".into(), |c| c.to_string()),
            v.counted_items
                .or(v.imported_items)
                .map_or("?".into(), |c| c.to_string()),
            v.sampled,
            if v.passed { "passed" } else { "FAILED" }
        );
    }
    if !j.not_carried.is_empty() {
        let _ = writeln!(s, "\n## Settings not carried to the new table\n");
        for n in &j.not_carried {
            let _ = writeln!(
                s,
                "- {}: {}\n  ```\n  {}\n  ```",
                n.setting, n.source_value, n.how_to_apply
            );
        }
    }
    if !leftovers.is_empty() {
        let _ = writeln!(
            s,
            "\n## What stays behind\n\nddb-ferry deletes nothing. These remain, with what each costs to keep and the commands that remove it:\n"
        );
        for l in leftovers {
            let _ = writeln!(s, "- {} — keeping it costs: {}", l.what, l.cost_words());
            for c in &l.remove_commands {
                let _ = writeln!(s, "  ```\n  {c}\n  ```");
            }
        }
    }
    let _ = writeln!(
        s,
        "\n## AWS calls that changed something (as AWS CLI commands)\n"
    );
    for h in j.history.iter().filter(|h| h.cli.is_some()) {
        let _ = writeln!(
            s,
            "{} — {}\n```\n{}\n```",
            h.at,
            h.what,
            h.cli.as_deref().unwrap_or_default()
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::Plan;

    #[test]
    fn what_stays_behind_is_listed_with_its_cost_and_commands() {
        let plan = Plan::parse(
            r#"{"source":{"table":"orders","profile":"src"},"destination":{"bucket":"bkt-one","profile":"dst"},"table":{"name":"orders"}}"#,
            "t",
        )
        .unwrap();
        let j = crate::engine::new_journal(plan, "orders-to-orders-1a2b3c4d".into(), None, None);
        let left = [Leftover {
            what: "The bucket bkt-one, which ddb-ferry created".into(),
            monthly_cost: None,
            remove_commands: vec!["aws s3api delete-bucket --bucket bkt-one".into()],
        }];
        let text = render(&j, &left);
        assert!(
            text.contains("## What stays behind\n\nddb-ferry deletes nothing."),
            "{text}"
        );
        assert!(text.contains(
            "- The bucket bkt-one, which ddb-ferry created — keeping it costs: nothing\n  ```\n  aws s3api delete-bucket --bucket bkt-one\n  ```\n"
        ));
        assert!(!render(&j, &[]).contains("What stays behind"));
    }
}
