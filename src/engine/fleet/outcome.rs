//! How a fleet ends: each table's outcome, whether a failure belongs to one table or to a
//! whole side, and the fleet's exit code.

use serde::Serialize;

use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::events::Outcome;
use crate::engine::journal::Step;

/// Failure codes that say nothing about one table: the credentials, the profile, the network,
/// the bucket every table shares, the state folder. Any table meeting one stops the fleet,
/// since every other table would meet it too.
const SIDE_WIDE_CODES: [&str; 16] = [
    "credentials-expired",
    "credentials-invalid",
    "credentials-missing",
    "unknown-profile",
    "config-files",
    "no-region",
    "clock-skew",
    "cannot-reach-aws",
    "endpoint-unreachable",
    "bucket-missing",
    "bucket-name-taken",
    "bucket-region-mismatch",
    "requester-pays",
    "journal-write-failed",
    "lock-unavailable",
    "account-changed",
];

/// True when `failure` stops the whole fleet rather than its table.
pub fn is_side_wide(failure: &AwsFailure) -> bool {
    failure.kind == FailureKind::Unreachable || SIDE_WIDE_CODES.contains(&failure.code.as_str())
}

/// How one table of the fleet ended in this run.
#[derive(Debug, Clone, Serialize)]
pub struct TableResult {
    pub table: String,
    pub new_table: String,
    pub migration_id: String,
    pub outcome: Outcome,
    /// The step it stopped at or reached.
    pub step: Step,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<AwsFailure>,
    /// True when it had succeeded in an earlier run and was left alone.
    pub earlier: bool,
}

impl TableResult {
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, Outcome::Succeeded | Outcome::DryRun)
    }
}

/// The fleet's outcome from its tables': all moved, some failed on their own, or the fleet
/// stopped (a side-wide failure, or an interruption).
pub fn fleet_outcome(
    results: &[TableResult],
    stopped_by: Option<&AwsFailure>,
    interrupted: bool,
    dry_run: bool,
) -> Outcome {
    if interrupted {
        return Outcome::Interrupted;
    }
    if let Some(f) = stopped_by {
        return match f.kind {
            FailureKind::BadInput => Outcome::BadInput,
            FailureKind::JobFailed => Outcome::JobFailed,
            FailureKind::AwsRefused | FailureKind::Unreachable => Outcome::AwsRefused,
        };
    }
    if results.iter().all(TableResult::succeeded) {
        if dry_run {
            Outcome::DryRun
        } else {
            Outcome::Succeeded
        }
    } else {
        Outcome::PartlyFailed
    }
}

/// The result lines of a fleet: the failed tables first, each with its code and next step.
pub fn result_lines(results: &[TableResult]) -> Vec<String> {
    let mut sorted: Vec<&TableResult> = results.iter().collect();
    sorted.sort_by_key(|r| r.succeeded());
    sorted
        .into_iter()
        .map(|r| {
            let what = match (&r.failure, r.outcome) {
                (Some(f), _) => format!("FAILED at {} [{}]: {}", r.step.as_str(), f.code, f.what),
                (None, Outcome::Succeeded) if r.earlier => "moved (in an earlier run)".to_owned(),
                (None, Outcome::Succeeded) => format!("moved to {}", r.new_table),
                (None, Outcome::DryRun) => "dry run: nothing changed".to_owned(),
                (None, Outcome::Interrupted) => {
                    format!(
                        "interrupted at {} (its job keeps running in AWS)",
                        r.step.as_str()
                    )
                }
                (None, o) => format!("{o:?} at {}", r.step.as_str()),
            };
            let mut line = format!("  {:<28} {what}", r.table);
            if let Some(f) = &r.failure {
                line.push_str(&format!("\n  {:<28}   next: {}", "", f.next));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(table: &str, outcome: Outcome, failure: Option<AwsFailure>) -> TableResult {
        TableResult {
            table: table.into(),
            new_table: table.into(),
            migration_id: format!("f--{table}"),
            outcome,
            step: Step::Finish,
            failure,
            earlier: false,
        }
    }

    fn failure(code: &str, kind: FailureKind) -> AwsFailure {
        AwsFailure::new(code, kind, "what", "why", "next")
    }

    #[test]
    fn a_tables_own_failure_is_not_the_sides() {
        assert!(!is_side_wide(&failure(
            "table-exists",
            FailureKind::AwsRefused
        )));
        assert!(!is_side_wide(&failure(
            "key-mismatch",
            FailureKind::BadInput
        )));
        assert!(is_side_wide(&failure(
            "credentials-expired",
            FailureKind::BadInput
        )));
        assert!(is_side_wide(&failure(
            "bucket-missing",
            FailureKind::AwsRefused
        )));
        assert!(is_side_wide(&failure("timeout", FailureKind::Unreachable)));
    }

    #[test]
    fn the_exit_code_says_all_some_or_stopped() {
        let ok = result("a", Outcome::Succeeded, None);
        let bad = result(
            "b",
            Outcome::AwsRefused,
            Some(failure("table-exists", FailureKind::AwsRefused)),
        );
        assert_eq!(
            fleet_outcome(std::slice::from_ref(&ok), None, false, false).exit_code(),
            0
        );
        assert_eq!(
            fleet_outcome(&[ok.clone(), bad.clone()], None, false, false).exit_code(),
            6
        );
        let stop = failure("credentials-expired", FailureKind::BadInput);
        assert_eq!(
            fleet_outcome(std::slice::from_ref(&ok), Some(&stop), false, false).exit_code(),
            2
        );
        assert_eq!(fleet_outcome(&[ok], None, true, false).exit_code(), 5);
        let lines = result_lines(&[result("a", Outcome::Succeeded, None), bad]);
        assert!(
            lines[0].contains("FAILED") && lines[0].contains("table-exists"),
            "{lines:?}"
        );
    }
}
