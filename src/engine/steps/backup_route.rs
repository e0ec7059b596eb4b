//! Which calls the backup road makes, from the plan and the two sides: whether the recovery
//! point must be copied, and who restores it. Pure, so every case is tested without AWS.

use crate::engine::plan::{BackupFrom, BackupMaker, BackupPlan};

/// Who restores the new table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// DynamoDB's RestoreTableToPointInTime (same account; this or another region).
    PointInTime,
    /// DynamoDB's RestoreTableFromBackup, for a backup DynamoDB made (same account and
    /// region). Restoring it through DynamoDB keeps every encryption choice.
    DynamoBackup,
    /// AWS Backup's StartRestoreJob, of the recovery point or of its copy.
    AwsBackup,
}

/// True when a recovery point or backup ARN was made by DynamoDB itself
/// (`arn:aws:dynamodb:…`), not fully managed by AWS Backup (`arn:aws:backup:…`).
pub(crate) fn made_by_dynamodb(arn: &str) -> bool {
    // Only the service part counts: a backup ARN AWS hands back is trusted as it is, even
    // where its id has a shape the plan's check would not expect.
    arn.split(':').nth(2) == Some("dynamodb")
}

/// True when the backup must be copied before the restore: the destination is another
/// account or region, and the restore is not a point-in-time restore (which reads the source
/// table directly).
pub(crate) fn needs_copy(plan: &BackupPlan, same_account: bool, same_region: bool) -> bool {
    plan.from != BackupFrom::PointInTime && !(same_account && same_region)
}

/// The restore's route; `point_arn` is the recovery point restored (once known).
pub(crate) fn route(plan: &BackupPlan, point_arn: Option<&str>) -> Route {
    match plan.from {
        BackupFrom::PointInTime => Route::PointInTime,
        BackupFrom::New if plan.made_by == BackupMaker::Dynamodb => Route::DynamoBackup,
        _ if point_arn.is_some_and(made_by_dynamodb) => Route::DynamoBackup,
        _ => Route::AwsBackup,
    }
}

/// True when the source account needs AWS Backup (and so its role and vault): a backup job
/// made now by AWS Backup, or a copy.
pub(crate) fn uses_aws_backup_at_source(plan: &BackupPlan, copy: bool) -> bool {
    copy || (plan.from == BackupFrom::New && plan.made_by == BackupMaker::AwsBackup)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(from: BackupFrom, made_by: BackupMaker) -> BackupPlan {
        BackupPlan {
            from,
            made_by,
            ..BackupPlan::default()
        }
    }

    #[test]
    fn each_case_takes_its_route() {
        let pit = plan(BackupFrom::PointInTime, BackupMaker::AwsBackup);
        assert!(
            !needs_copy(&pit, true, false),
            "a PITR restore reads the source directly"
        );
        assert_eq!(route(&pit, None), Route::PointInTime);

        let ddb = plan(BackupFrom::New, BackupMaker::Dynamodb);
        assert!(!needs_copy(&ddb, true, true));
        assert_eq!(route(&ddb, None), Route::DynamoBackup);

        let aws = plan(BackupFrom::New, BackupMaker::AwsBackup);
        assert!(needs_copy(&aws, false, true));
        assert!(needs_copy(&aws, true, false));
        assert_eq!(route(&aws, Some("arn:aws:backup:us-east-1:123456789012:recovery-point:0a1b2c3d-aaaa-bbbb-cccc-0123456789ab")), Route::AwsBackup);
        // With AWS Backup's advanced DynamoDB features off, its "recovery point" is a
        // DynamoDB backup: DynamoDB restores it.
        assert_eq!(
            route(&aws, Some("arn:aws:dynamodb:us-east-1:123456789012:table/orders/backup/01700000000000-abcdefgh")),
            Route::DynamoBackup
        );
        assert!(uses_aws_backup_at_source(&aws, false));
        assert!(!uses_aws_backup_at_source(&ddb, false));
        assert!(uses_aws_backup_at_source(&pit, true));
    }
}
