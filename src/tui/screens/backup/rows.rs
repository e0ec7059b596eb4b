//! The list of what can be restored, and the rules of each row: whether it can work between
//! these two accounts (a row that cannot is shown dimmed with the reason, and is never
//! chosen), and which encryptions its restore can give the new table. The rules follow the
//! engine's own (`backup_route`, `encryption_choices`), so a choice the screen allows is one
//! the run accepts, and a refusal is said before anything starts rather than an hour later.

use crate::aws::backup::RecoveryPointInfo;
use crate::aws::dynamodb_backup::DdbBackupInfo;
use crate::engine::plan::{BackupFrom, BackupMaker, BackupPlan};
use crate::engine::steps::backup_route::{route, Route};
use crate::logic::restore::RestoreEncryption;
use crate::logic::restore_choice::{encryption_choices, recovery_point_kind, PointKind, Restorer};
use crate::logic::units::human_bytes;
use crate::tui::msg::RecoveryPoint;

/// What a row restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A backup AWS Backup makes now (it can be copied to another account).
    NewAwsBackup,
    /// A backup DynamoDB makes now (it stays in its account and region).
    NewDynamodb,
    /// The source table as it was at a moment (same account, PITR on).
    PointInTime,
    /// A backup that exists already.
    Existing(RecoveryPoint),
}

/// What the rules need to know of the migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub same_account: bool,
    pub same_region: bool,
    /// Point-in-time recovery is on for the source table.
    pub pitr_on: bool,
    pub source_account: String,
    pub source_region: String,
}

impl Facts {
    /// The recovery point must be copied into the destination before the restore.
    pub fn crosses(&self) -> bool {
        !(self.same_account && self.same_region)
    }
}

/// One row: what it restores, and why it cannot work here (`None`: it can).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub source: Source,
    pub blocked: Option<String>,
}

/// The rows of the list: the three ways that make or read a backup now, then the existing
/// backups, newest first.
pub fn rows(points: &[RecoveryPoint], facts: &Facts) -> Vec<Row> {
    [
        Source::NewAwsBackup,
        Source::NewDynamodb,
        Source::PointInTime,
    ]
    .into_iter()
    .chain(points.iter().cloned().map(Source::Existing))
    .map(|source| Row {
        blocked: blocked(&source, facts),
        source,
    })
    .collect()
}

/// Why `source` cannot be restored between these accounts, in words; `None` when it can.
/// Short enough for the row's second line at 80 columns.
pub fn blocked(source: &Source, facts: &Facts) -> Option<String> {
    match source {
        Source::NewAwsBackup => None,
        Source::NewDynamodb if facts.crosses() => {
            Some("a DynamoDB backup cannot leave its account and region".into())
        }
        Source::NewDynamodb => None,
        Source::PointInTime if !facts.same_account => {
            Some("a point-in-time restore stays in the source account".into())
        }
        Source::PointInTime if !facts.pitr_on => {
            Some("point-in-time recovery is off for this table".into())
        }
        Source::PointInTime => None,
        Source::Existing(p) => match recovery_point_kind(&p.arn) {
            None => Some("ddb-ferry cannot read this ARN as a recovery point".into()),
            Some(_) if !matches!(p.status.as_str(), "COMPLETED" | "AVAILABLE") => {
                Some(format!("not ready to restore ({})", p.status))
            }
            Some(kind) if facts.crosses() && !kind.can_cross_accounts() => {
                Some("made by DynamoDB: it cannot leave its account and region".into())
            }
            Some(_) => None,
        },
    }
}

/// The plan's `backup.from`, `made_by` and `recovery_point_arn` for a row.
pub fn plan_of(source: &Source) -> BackupPlan {
    let (from, made_by, arn) = match source {
        Source::NewAwsBackup => (BackupFrom::New, BackupMaker::AwsBackup, None),
        Source::NewDynamodb => (BackupFrom::New, BackupMaker::Dynamodb, None),
        Source::PointInTime => (BackupFrom::PointInTime, BackupMaker::default(), None),
        Source::Existing(p) => (
            BackupFrom::RecoveryPoint,
            BackupMaker::default(),
            Some(p.arn.clone()),
        ),
    };
    BackupPlan {
        from,
        made_by,
        recovery_point_arn: arn,
        ..BackupPlan::default()
    }
}

/// Who restores the row's backup: the engine's own routing.
pub fn restorer(source: &Source) -> Restorer {
    let plan = plan_of(source);
    match route(&plan, plan.recovery_point_arn.as_deref()) {
        Route::AwsBackup => Restorer::AwsBackup,
        Route::PointInTime | Route::DynamoBackup => Restorer::Dynamodb,
    }
}

/// The encryptions the restore of `source` can give the new table, the default first. A
/// backup not made yet is judged by an ARN of the kind it will have: who manages a point
/// is all that decides (see `encryption_choices`).
pub fn encryptions(source: &Source, facts: &Facts) -> Vec<RestoreEncryption> {
    let (region, account) = (&facts.source_region, &facts.source_account);
    let arn = match source {
        Source::Existing(p) => p.arn.clone(),
        Source::NewAwsBackup => format!("arn:aws:backup:{region}:{account}:recovery-point:new"),
        // DynamoDB restores both of these, as it restores its own backups.
        Source::NewDynamodb | Source::PointInTime => {
            format!("arn:aws:dynamodb:{region}:{account}:table/new/backup/new")
        }
    };
    encryption_choices(&arn, restorer(source))
}

/// The row as one line of the list.
pub fn label(source: &Source) -> String {
    match source {
        Source::NewAwsBackup => "Make a new backup now (AWS Backup)".into(),
        Source::NewDynamodb => {
            "Make a new backup now (DynamoDB; same account and region only)".into()
        }
        Source::PointInTime => "Restore to a point in time (same account; needs PITR on)".into(),
        Source::Existing(p) => {
            let kind = recovery_point_kind(&p.arn);
            // Short enough for 80 columns with a vault name of ordinary length.
            format!(
                "{}  {}  {}  {}  crosses accounts: {}",
                p.created
                    .as_deref()
                    .map_or("time unknown".into(), short_time),
                p.size_bytes
                    .map_or("size unknown".into(), |b| human_bytes(b.max(0) as u64)),
                p.status,
                p.vault
                    .as_deref()
                    .map_or("in DynamoDB".to_owned(), |v| format!("vault {v}")),
                if kind.is_some_and(PointKind::can_cross_accounts) {
                    "yes"
                } else {
                    "no"
                }
            )
        }
    }
}

/// `2026-11-30T14:00:05.123Z` as `2026-11-30 14:00` (the list's title says UTC); anything
/// else as it is.
fn short_time(t: &str) -> String {
    match (t.get(..10), t.get(11..16), t.ends_with('Z')) {
        (Some(day), Some(hm), true) if t.as_bytes().get(10) == Some(&b'T') => {
            format!("{day} {hm}")
        }
        _ => t.to_owned(),
    }
}

/// AWS Backup's recovery points and DynamoDB's backups of one table as one list, newest
/// first. AWS Backup's listing holds the DynamoDB-made backups too; each ARN appears once.
pub fn merge_points(
    points: Vec<RecoveryPointInfo>,
    backups: Vec<DdbBackupInfo>,
) -> Vec<RecoveryPoint> {
    let mut all: Vec<RecoveryPoint> = points
        .into_iter()
        .map(|p| RecoveryPoint {
            vault: p.vault,
            arn: p.arn,
            created: p.created,
            size_bytes: p.size_bytes,
            status: p.status,
        })
        .collect();
    for b in backups {
        if all.iter().all(|p| p.arn != b.arn) {
            all.push(RecoveryPoint {
                arn: b.arn,
                created: b.created,
                size_bytes: b.size_bytes,
                status: b.status,
                vault: None,
            });
        }
    }
    // RFC 3339 times of one service sort as text; a point without a time goes last.
    all.sort_by(|a, b| b.created.cmp(&a.created));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "111122223333";
    const BACKUP_POINT: &str =
        "arn:aws:backup:eu-west-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45";
    const DDB_BACKUP: &str =
        "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/01489602797149-73d8d5bc";

    fn facts(same_account: bool, same_region: bool, pitr_on: bool) -> Facts {
        Facts {
            same_account,
            same_region,
            pitr_on,
            source_account: ACCOUNT.into(),
            source_region: "eu-west-1".into(),
        }
    }

    fn point(arn: &str, status: &str) -> Source {
        Source::Existing(RecoveryPoint {
            arn: arn.into(),
            created: Some("2026-11-30T14:00:05.123Z".into()),
            size_bytes: Some(1_000_000),
            status: status.into(),
            vault: Some("Default".into()),
        })
    }

    #[test]
    fn across_accounts_only_aws_backup_rows_can_be_chosen() {
        let across = facts(false, true, true);
        assert_eq!(blocked(&Source::NewAwsBackup, &across), None);
        for source in [
            Source::NewDynamodb,
            Source::PointInTime,
            point(DDB_BACKUP, "AVAILABLE"),
        ] {
            let why = blocked(&source, &across).expect("blocked across accounts");
            assert!(why.contains("account"), "{why}");
        }
        assert_eq!(blocked(&point(BACKUP_POINT, "COMPLETED"), &across), None);
    }

    #[test]
    fn in_one_account_and_region_everything_ready_can_be_chosen() {
        let here = facts(true, true, true);
        for source in [
            Source::NewAwsBackup,
            Source::NewDynamodb,
            Source::PointInTime,
            point(DDB_BACKUP, "AVAILABLE"),
            point(BACKUP_POINT, "COMPLETED"),
        ] {
            assert_eq!(blocked(&source, &here), None, "{source:?}");
        }
        assert_eq!(
            blocked(&point(BACKUP_POINT, "CREATING"), &here).as_deref(),
            Some("not ready to restore (CREATING)")
        );
        assert_eq!(
            blocked(&Source::PointInTime, &facts(true, true, false)).as_deref(),
            Some("point-in-time recovery is off for this table")
        );
        // Another region of the same account: a point-in-time restore still works.
        let other_region = facts(true, false, true);
        assert_eq!(blocked(&Source::PointInTime, &other_region), None);
        assert!(blocked(&Source::NewDynamodb, &other_region).is_some());
    }

    #[test]
    fn each_row_offers_the_encryptions_its_restorer_allows() {
        let here = facts(true, true, true);
        for source in [
            Source::NewAwsBackup,
            Source::NewDynamodb,
            Source::PointInTime,
            point(BACKUP_POINT, "COMPLETED"),
            point(DDB_BACKUP, "AVAILABLE"),
        ] {
            let choices = encryptions(&source, &here);
            assert_eq!(choices.len(), 3, "{source:?}");
            assert_eq!(choices[0], RestoreEncryption::Default);
        }
        assert_eq!(
            restorer(&point(DDB_BACKUP, "AVAILABLE")),
            Restorer::Dynamodb
        );
        assert_eq!(restorer(&Source::NewAwsBackup), Restorer::AwsBackup);
        assert!(encryptions(&point("not an arn", "COMPLETED"), &here).is_empty());
    }

    #[test]
    fn a_point_reads_as_one_line() {
        let line = label(&point(BACKUP_POINT, "COMPLETED"));
        assert_eq!(
            line,
            "2026-11-30 14:00  976.6 KB  COMPLETED  vault Default  crosses accounts: yes"
        );
    }

    #[test]
    fn both_listings_merge_newest_first_without_twins() {
        let info = |arn: &str, created: &str| RecoveryPointInfo {
            arn: arn.into(),
            vault: Some("Default".into()),
            status: "COMPLETED".into(),
            created: Some(created.into()),
            completed: None,
            size_bytes: Some(5),
            resource_arn: "t".into(),
            encryption_key_arn: None,
            source_vault_arn: None,
        };
        let ddb = |arn: &str, created: &str| DdbBackupInfo {
            arn: arn.into(),
            name: "b".into(),
            table_name: "orders".into(),
            status: "AVAILABLE".into(),
            created: Some(created.into()),
            size_bytes: Some(5),
            backup_type: "USER".into(),
        };
        let merged = merge_points(
            vec![
                info(BACKUP_POINT, "2026-11-01T00:00:00Z"),
                info(DDB_BACKUP, "2026-11-03T00:00:00Z"),
            ],
            vec![
                ddb(DDB_BACKUP, "2026-11-03T00:00:00Z"),
                ddb(
                    "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/2",
                    "2026-11-02T00:00:00Z",
                ),
            ],
        );
        let arns: Vec<&str> = merged.iter().map(|p| p.arn.as_str()).collect();
        assert_eq!(arns.len(), 3, "{arns:?}");
        assert_eq!(arns[0], DDB_BACKUP);
        assert_eq!(arns[2], BACKUP_POINT);
        assert_eq!(
            merged[1].vault, None,
            "DynamoDB keeps its own backups in no vault"
        );
    }
}
