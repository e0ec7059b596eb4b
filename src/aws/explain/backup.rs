//! The catalogue's entries for the backup road: AWS Backup's calls (`backup:*`) and
//! DynamoDB's own backups and restores. The same AWS error code means another thing here
//! than on the S3 road (a ResourceNotFoundException names a vault or a recovery point, not
//! a table), so these calls are explained first and fall back to the general catalogue.

use super::{AwsFailure, FailureKind};

/// One line of the catalogue: stable code, kind, why, next, retryable.
pub(super) type Entry = (&'static str, FailureKind, &'static str, &'static str, bool);

/// DynamoDB calls that belong to the backup road.
const DYNAMODB_BACKUP_CALLS: &[&str] = &[
    "dynamodb:CreateBackup",
    "dynamodb:DescribeBackup",
    "dynamodb:ListBackups",
    "dynamodb:DeleteBackup",
    "dynamodb:RestoreTableFromBackup",
    "dynamodb:RestoreTableToPointInTime",
];

fn on_backup_road(operation: &str) -> bool {
    operation.starts_with("backup:") || DYNAMODB_BACKUP_CALLS.contains(&operation)
}

fn is_restore(operation: &str) -> bool {
    matches!(
        operation,
        "dynamodb:RestoreTableFromBackup"
            | "dynamodb:RestoreTableToPointInTime"
            | "backup:StartRestoreJob"
    )
}

/// AWS Backup's refusals that are about the job's IAM role (IamRoleArn).
fn about_the_role(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("iamrolearn") || m.contains("iam role") || m.contains("role arn")
}

fn mentions(message: &str, words: &[&str]) -> bool {
    let m = message.to_ascii_lowercase();
    words.iter().any(|w| m.contains(w))
}

/// The entry for `code` met by `operation`, when the backup road has its own advice.
pub(super) fn entry(operation: &str, code: &str, message: &str) -> Option<Entry> {
    if !on_backup_road(operation) {
        return None;
    }
    // What a ResourceNotFoundException names: the message says it best, the call otherwise.
    let point_missing = mentions(message, &["recovery point"])
        || (!mentions(message, &["vault"])
            && !operation.contains("BackupVault")
            && (operation.contains("RecoveryPoint")
                || operation == "backup:StartRestoreJob"
                || operation == "backup:StartCopyJob"));
    let vault_missing = mentions(message, &["vault"]) || operation.contains("BackupVault");
    let e: Entry = match code {
        "ValidationException" | "MissingParameterValueException" if about_the_role(message) => (
            "backup-role-missing",
            FailureKind::BadInput,
            "AWS Backup runs every backup, copy and restore job as the IAM role the call names (IamRoleArn), and this call named none, or an empty one",
            "name the role in the plan; AWS Backup's default is arn:aws:iam::ACCOUNT:role/service-role/AWSBackupDefaultServiceRole, which the AWS Backup console creates the first time an on-demand backup is made there (check it with `aws iam get-role --role-name AWSBackupDefaultServiceRole --profile NAME`)",
            false,
        ),
        "InvalidParameterValueException" if about_the_role(message) => (
            "backup-role-invalid",
            FailureKind::BadInput,
            "the role is not an IAM role ARN, or it is not in this account, or its trust policy does not let backup.amazonaws.com assume it",
            "check it with `aws iam get-role --role-name ROLE --profile NAME`: the ARN must match, and AssumeRolePolicyDocument must allow \"Service\": \"backup.amazonaws.com\"; the caller also needs iam:PassRole on it",
            false,
        ),
        "ResourceNotFoundException" if point_missing => (
            "recovery-point-missing",
            FailureKind::AwsRefused,
            "the recovery point is not in that vault of this account and Region: it was deleted (by hand or by its lifecycle), it belongs to the other account, or it is in another vault",
            "list what the table has with `aws backup list-recovery-points-by-resource --resource-arn TABLE_ARN --profile NAME`, or a vault's with `aws backup list-recovery-points-by-backup-vault --backup-vault-name VAULT --profile NAME`",
            false,
        ),
        "ResourceNotFoundException" if vault_missing => (
            "backup-vault-missing",
            FailureKind::AwsRefused,
            "no backup vault of that name exists in this account and Region (vault names are case-sensitive, and a vault belongs to one Region)",
            "list the vaults with `aws backup list-backup-vaults --profile NAME`, or create one with `aws backup create-backup-vault --backup-vault-name VAULT --profile NAME`",
            false,
        ),
        "ResourceNotFoundException" if operation.ends_with("Job") => (
            "job-not-found",
            FailureKind::JobFailed,
            "AWS Backup no longer knows the job this migration started: its id belongs to the other account or another Region, or the endpoint (an emulator) was restarted and forgot it",
            "check `ddb-ferry status` and the profiles; AWS Backup lists jobs for 30 days (`aws backup list-backup-jobs --profile NAME`); if the job is really gone, start a new attempt with `ddb-ferry run --new PLAN`",
            false,
        ),
        "InvalidRequestException" if mentions(message, &["completed", "status", "state", "not ready", "being created"]) => (
            "recovery-point-not-ready",
            FailureKind::AwsRefused,
            "a recovery point can be copied or restored only once it is COMPLETED, and this one is still being created (or it is EXPIRED or PARTIAL)",
            "wait for the backup or copy job to end (`aws backup describe-recovery-point --backup-vault-name VAULT --recovery-point-arn ARN --profile NAME` shows its Status), then run the same command again",
            true,
        ),
        "InvalidParameterValueException" => (
            "backup-invalid-parameter",
            FailureKind::BadInput,
            "AWS Backup refused a value of the call: a vault or recovery point ARN of another Region or malformed, a resource type other than DynamoDB, restore metadata it does not accept, or a vault access policy that is not a valid policy",
            "read the message above; compare the ARNs with `aws backup list-recovery-points-by-resource --resource-arn TABLE_ARN --profile NAME` and fix that value in the plan",
            false,
        ),
        "LimitExceededException" => (
            "backup-limit-exceeded",
            FailureKind::AwsRefused,
            "too many backup, copy or restore jobs run at once in this account and Region (DynamoDB allows 50 concurrent restores and a limited number of concurrent backups; AWS Backup has per-account job quotas)",
            "wait for the running jobs to end (`aws backup list-backup-jobs --by-state RUNNING --profile NAME`, `aws dynamodb list-backups --profile NAME`) and run the same command again; ddb-ferry keeps every step done so far",
            true,
        ),
        "BackupNotFoundException" => (
            "backup-missing",
            FailureKind::AwsRefused,
            "no DynamoDB backup has this ARN in this account and Region: it was deleted, or it belongs to the other account (a DynamoDB backup never leaves its account)",
            "list the table's backups with `aws dynamodb list-backups --table-name TABLE --profile NAME` and choose one of them",
            false,
        ),
        "BackupInUseException" => (
            "backup-busy",
            FailureKind::AwsRefused,
            "another operation (creating, deleting or restoring) uses this backup right now; DynamoDB allows one at a time",
            "wait a minute and run the same command again; `aws dynamodb describe-backup --backup-arn ARN --profile NAME` shows its status",
            true,
        ),
        "TableAlreadyExistsException" | "ResourceInUseException" if is_restore(operation) => (
            "target-table-exists",
            FailureKind::AwsRefused,
            "a restore always creates a new table, and a table with the target name already exists in this account and Region (perhaps made by an earlier attempt of this migration)",
            "choose another target table name in the plan; if the table is a leftover of an earlier attempt, look at it with `aws dynamodb describe-table --table-name TABLE --profile NAME` before deleting it by hand (ddb-ferry never deletes tables)",
            false,
        ),
        "PointInTimeRecoveryUnavailableException" => (
            "pitr-unavailable",
            FailureKind::AwsRefused,
            "a point-in-time restore reads the source table's PITR history, and PITR is off for that table",
            "turn PITR on with `aws dynamodb update-continuous-backups --table-name TABLE --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true --profile NAME` (a restore can then reach back only to that moment), or restore from a backup instead",
            false,
        ),
        "InvalidRestoreTimeException" => (
            "restore-time-invalid",
            FailureKind::BadInput,
            "the restore time must fall inside the PITR window: after EarliestRestorableDateTime (at most 35 days back, never before PITR was turned on) and not after LatestRestorableDateTime (about five minutes ago)",
            "see the window with `aws dynamodb describe-continuous-backups --table-name TABLE --profile NAME`, then choose a time inside it, or leave the time out to restore the latest restorable time",
            false,
        ),
        "ContinuousBackupsUnavailableException" => (
            "backups-not-yet-available",
            FailureKind::AwsRefused,
            "backups are not yet enabled for this table: right after a table is created (or its PITR setting changed) DynamoDB refuses backups for a few minutes",
            "wait a few minutes and run the same command again; `aws dynamodb describe-continuous-backups --table-name TABLE --profile NAME` says ENABLED when backups work",
            true,
        ),
        "SourceTableNotFoundException" | "TableNotFoundException" => (
            "source-table-missing",
            FailureKind::AwsRefused,
            "the table to back up or restore from is not in this account and Region (names are case-sensitive; a point-in-time restore reads a table of its own account only)",
            "check the name and the Region of the profile; `aws dynamodb list-tables --profile NAME` lists the tables",
            false,
        ),
        _ => return None,
    };
    Some(e)
}

/// Why a backup-road call was refused by IAM, when it differs from the general reason.
pub(super) fn access_denied_why(operation: &str) -> Option<&'static str> {
    match operation {
        "backup:StartBackupJob" | "backup:StartCopyJob" | "backup:StartRestoreJob" => Some(
            "the caller's IAM policy does not allow this action, or does not allow iam:PassRole on the job's role (every AWS Backup job is started with a role the caller passes to AWS Backup)",
        ),
        "backup:DescribeGlobalSettings" | "backup:UpdateGlobalSettings" => Some(
            "AWS Backup's cross-account settings belong to the organization: only its management account may read or change them",
        ),
        op if op.starts_with("backup:") => Some(
            "the caller's IAM policy does not allow this AWS Backup action (or a permissions boundary, an organization's SCP, or the vault's access policy denies it)",
        ),
        _ => None,
    }
}

/// What else a backup-road call needs besides its own action, for the "next" line.
pub(super) fn access_denied_extra(operation: &str) -> Option<&'static str> {
    match operation {
        "backup:StartBackupJob" => Some(
            "; the caller also needs iam:PassRole on the job's role, and that role needs dynamodb:CreateBackup and dynamodb:DescribeTable on the table (the managed policy AWSBackupServiceRolePolicyForBackup has them)",
        ),
        "backup:StartCopyJob" => Some(
            "; the caller also needs iam:PassRole on the job's role; a copy into another account also needs that vault's access policy to allow backup:CopyIntoBackupVault to this account, and cross-account backup turned on in the organization's management account (AWS Backup console, Settings, Cross-account management)",
        ),
        "backup:StartRestoreJob" => Some(
            "; the caller also needs iam:PassRole on the job's role, and that role needs the DynamoDB restore actions (the managed policy AWSBackupServiceRolePolicyForRestores has them)",
        ),
        "dynamodb:RestoreTableFromBackup" | "dynamodb:RestoreTableToPointInTime" => Some(
            "; a restore also needs dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:GetItem, dynamodb:Query, dynamodb:Scan and dynamodb:BatchWriteItem on the new table, and kms:CreateGrant and kms:Decrypt when it uses a KMS key",
        ),
        _ => None,
    }
}

impl AwsFailure {
    /// A job start refused before any call: AWS Backup needs a role and none was given.
    pub fn backup_role_missing(operation: &str, side: &str) -> Self {
        let mut f = Self::from_code(
            operation,
            side,
            "ValidationException",
            "IamRoleArn is empty",
        );
        f.what =
            format!("{operation} was not sent for {side}: no IAM role was given for the job (IamRoleArn is empty)");
        f.aws_code = None;
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS error codes the backup road meets, and the stable code each becomes.
    #[test]
    fn backup_road_codes_map_to_their_own_entries() {
        for (op, aws, message, ours) in [
            (
                "backup:StartBackupJob",
                "ValidationException",
                "IamRoleArn is required",
                "backup-role-missing",
            ),
            (
                "backup:StartRestoreJob",
                "MissingParameterValueException",
                "IamRoleArn",
                "backup-role-missing",
            ),
            (
                "backup:StartCopyJob",
                "InvalidParameterValueException",
                "Invalid IAM role arn",
                "backup-role-invalid",
            ),
            (
                "backup:StartBackupJob",
                "ResourceNotFoundException",
                "Backup vault v does not exist",
                "backup-vault-missing",
            ),
            (
                "backup:DescribeBackupVault",
                "ResourceNotFoundException",
                "",
                "backup-vault-missing",
            ),
            (
                "backup:ListRecoveryPointsByBackupVault",
                "ResourceNotFoundException",
                "",
                "backup-vault-missing",
            ),
            (
                "backup:DescribeRecoveryPoint",
                "ResourceNotFoundException",
                "Recovery point x not found in backup vault v",
                "recovery-point-missing",
            ),
            (
                "backup:DescribeRecoveryPoint",
                "ResourceNotFoundException",
                "Backup vault v does not exist",
                "backup-vault-missing",
            ),
            (
                "backup:GetRecoveryPointRestoreMetadata",
                "ResourceNotFoundException",
                "not found",
                "recovery-point-missing",
            ),
            (
                "backup:StartRestoreJob",
                "ResourceNotFoundException",
                "Recovery point x not found",
                "recovery-point-missing",
            ),
            (
                "backup:DescribeCopyJob",
                "ResourceNotFoundException",
                "Copy job x not found",
                "job-not-found",
            ),
            (
                "backup:StartCopyJob",
                "InvalidRequestException",
                "Recovery point x is not COMPLETED",
                "recovery-point-not-ready",
            ),
            (
                "backup:StartRestoreJob",
                "InvalidParameterValueException",
                "Resource type S3 is not supported",
                "backup-invalid-parameter",
            ),
            (
                "backup:StartBackupJob",
                "LimitExceededException",
                "",
                "backup-limit-exceeded",
            ),
            (
                "dynamodb:CreateBackup",
                "LimitExceededException",
                "",
                "backup-limit-exceeded",
            ),
            (
                "dynamodb:DescribeBackup",
                "BackupNotFoundException",
                "",
                "backup-missing",
            ),
            (
                "dynamodb:RestoreTableFromBackup",
                "BackupInUseException",
                "",
                "backup-busy",
            ),
            (
                "dynamodb:RestoreTableFromBackup",
                "TableAlreadyExistsException",
                "",
                "target-table-exists",
            ),
            (
                "dynamodb:RestoreTableToPointInTime",
                "PointInTimeRecoveryUnavailableException",
                "",
                "pitr-unavailable",
            ),
            (
                "dynamodb:RestoreTableToPointInTime",
                "InvalidRestoreTimeException",
                "",
                "restore-time-invalid",
            ),
            (
                "dynamodb:RestoreTableToPointInTime",
                "SourceTableNotFoundException",
                "",
                "source-table-missing",
            ),
            (
                "dynamodb:CreateBackup",
                "ContinuousBackupsUnavailableException",
                "",
                "backups-not-yet-available",
            ),
        ] {
            let f = AwsFailure::from_code(op, "the source account", aws, message);
            assert_eq!(f.code, ours, "{op} {aws}");
            assert_eq!(f.aws_code.as_deref(), Some(aws));
            assert!(!f.why.is_empty() && !f.next.is_empty(), "{op} {aws}");
        }
    }

    #[test]
    fn the_s3_road_keeps_its_own_advice() {
        let f = AwsFailure::from_code("dynamodb:ImportTable", "dest", "ResourceInUseException", "");
        assert_eq!(f.code, "table-exists");
        let f = AwsFailure::from_code(
            "dynamodb:ExportTableToPointInTime",
            "source",
            "PointInTimeRecoveryUnavailableException",
            "",
        );
        assert_eq!(f.code, "pitr-not-enabled");
        // A backup-road code with no entry of its own falls back to the general catalogue.
        let f = AwsFailure::from_code("backup:ListBackupJobs", "source", "ThrottlingException", "");
        assert_eq!(f.code, "throttled");
    }

    #[test]
    fn waiting_helps_only_where_it_can() {
        for (op, aws, message) in [
            (
                "backup:StartCopyJob",
                "InvalidRequestException",
                "not COMPLETED",
            ),
            ("backup:StartCopyJob", "LimitExceededException", ""),
            (
                "dynamodb:RestoreTableFromBackup",
                "BackupInUseException",
                "",
            ),
        ] {
            assert!(
                AwsFailure::from_code(op, "s", aws, message).retryable,
                "{aws}"
            );
        }
        for aws in ["BackupNotFoundException", "TableAlreadyExistsException"] {
            assert!(
                !AwsFailure::from_code("dynamodb:RestoreTableFromBackup", "s", aws, "").retryable
            );
        }
    }

    #[test]
    fn a_refused_job_start_names_pass_role() {
        let f = AwsFailure::from_code("backup:StartCopyJob", "source", "AccessDeniedException", "")
            .with_resource("arn:aws:backup:us-east-1:1:backup-vault:v");
        assert_eq!(f.code, "access-denied");
        assert!(f.why.contains("iam:PassRole"), "{}", f.why);
        assert!(
            f.next.contains("backup:StartCopyJob") && f.next.contains("CopyIntoBackupVault"),
            "{}",
            f.next
        );
    }

    #[test]
    fn a_missing_role_is_refused_before_any_call() {
        let f =
            AwsFailure::backup_role_missing("backup:StartRestoreJob", "the destination account");
        assert_eq!(f.code, "backup-role-missing");
        assert_eq!(f.aws_code, None);
        assert!(f.what.contains("not sent"), "{}", f.what);
    }
}
