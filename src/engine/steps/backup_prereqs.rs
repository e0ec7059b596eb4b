//! The backup road's missing prerequisites, each in three parts: what is missing, why it is
//! needed, and the exact command or console page that puts it in place. Nothing here calls
//! AWS; the preflight finds them.

use crate::aws::dynamodb::PitrStatus;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::engine::cli_equivalent::shell_quote;

fn missing(code: &str, what: impl Into<String>, why: &str, next: impl Into<String>) -> AwsFailure {
    AwsFailure::new(code, FailureKind::BadInput, what, why, next)
}

pub(crate) fn point_in_time_other_account() -> AwsFailure {
    missing(
        "point-in-time-other-account",
        "a point-in-time restore was asked for, but the destination is another account",
        "RestoreTableToPointInTime creates the table in the source's own account (in this or another region); it cannot reach another account",
        "set `backup.from` to \"new\" (AWS Backup makes a backup now and copies it over), or use the S3 road (`\"via\": \"s3\"`)",
    )
}

pub(crate) fn pitr_off(table: &str, cli: &str) -> AwsFailure {
    missing(
        "pitr-off-for-restore",
        format!("point-in-time recovery is off for the source table {table}"),
        "a point-in-time restore reads the table's continuous backups, which exist only while PITR is on; turning it on now makes only times from now on restorable",
        format!(
            "turn PITR on (`aws dynamodb update-continuous-backups{cli} --table-name {} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`) and restore a later time, or set `backup.from` to \"new\"",
            shell_quote(table)
        ),
    )
}

/// The restore time lies outside the source's restorable window, if it does.
pub(crate) fn outside_window(time: &str, pitr: &PitrStatus) -> Option<AwsFailure> {
    let earliest = pitr.earliest_restorable.as_deref()?;
    let latest = pitr.latest_restorable.as_deref();
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    let when = parse(time)?;
    let too_early = parse(earliest).is_some_and(|e| when < e);
    let too_late = latest.and_then(parse).is_some_and(|l| when > l);
    (too_early || too_late).then(|| {
        missing(
            "restore-time-outside-window",
            format!(
                "the restore time {time} is outside the source's restorable window ({earliest} to {})",
                latest.unwrap_or("now")
            ),
            "PITR keeps up to 35 days, from the moment it was turned on; the latest restorable time trails now by about five minutes",
            "choose a time inside the window in `backup.restore_time`, or leave it out for the latest restorable time",
        )
    })
}

pub(crate) fn dynamodb_backup_cannot_cross(same_account: bool) -> AwsFailure {
    let other = if same_account { "region" } else { "account" };
    missing(
        "dynamodb-backup-cannot-cross",
        format!("a DynamoDB backup was asked for, but the destination is another {other}"),
        "a backup DynamoDB makes itself (CreateBackup) can only be restored in its own account and region; only AWS Backup can copy a backup elsewhere",
        "set `backup.made_by` to \"aws_backup\" (with the roles and vaults it needs), or use the S3 road",
    )
}

pub(crate) fn recovery_point_missing(arn: &str, vault: &str, cli: &str) -> AwsFailure {
    missing(
        "recovery-point-missing",
        format!("the recovery point {arn} is not in the source vault {vault}"),
        "a recovery point belongs to one vault of one account and region; it may have expired or been deleted",
        format!(
            "list the table's recovery points with `aws backup list-recovery-points-by-resource{cli} --resource-arn TABLE_ARN` and set `backup.recovery_point_arn` and `backup.source_vault`"
        ),
    )
}

pub(crate) fn recovery_point_not_ready(arn: &str, status: &str) -> AwsFailure {
    missing(
        "recovery-point-not-ready",
        format!("the recovery point {arn} is {status}, not ready to restore"),
        "only a completed recovery point (a DynamoDB backup that is AVAILABLE) can be copied or restored",
        "wait until its backup job finishes, or choose another recovery point",
    )
}

pub(crate) fn recovery_point_not_copyable(arn: &str) -> AwsFailure {
    missing(
        "recovery-point-not-copyable",
        format!("the backup {arn} was made by DynamoDB itself and cannot be copied to another account or region"),
        "only recovery points fully managed by AWS Backup (ARN `arn:aws:backup:…`, made after its advanced DynamoDB features were turned on) can be copied",
        "set `backup.from` to \"new\" so AWS Backup makes a copyable one, after turning the advanced features on (AWS Backup console → Settings → Advanced features for Amazon DynamoDB backups)",
    )
}

pub(crate) fn role(side: &str, field: &str) -> AwsFailure {
    missing(
        "backup-role-missing",
        format!("the plan names no AWS Backup role for the {side} account (`{field}`)"),
        "AWS Backup starts backup and copy jobs, and restores, as an IAM role the account lets it assume",
        format!(
            "set `{field}` to a role's ARN; the role AWS Backup creates is arn:aws:iam::ACCOUNT:role/service-role/AWSBackupDefaultServiceRole (AWS Backup console → Settings, or `aws iam get-role --role-name AWSBackupDefaultServiceRole`)"
        ),
    )
}

pub(crate) fn role_of_other_account(role: &str, account: &str, field: &str) -> Option<AwsFailure> {
    let role_account = role.split(':').nth(4).unwrap_or_default();
    (role_account != account).then(|| {
        missing(
            "backup-role-other-account",
            format!(
                "the role {role} (`{field}`) belongs to account {role_account}, not to {account}"
            ),
            "AWS Backup assumes a role of the account that starts the job",
            format!("set `{field}` to a role of account {account}"),
        )
    })
}

pub(crate) fn vault(side: &str, name: &str, cli: &str) -> AwsFailure {
    missing(
        "backup-vault-missing",
        format!("the {side} account has no backup vault named {name}"),
        "AWS Backup keeps recovery points in vaults; the Default vault exists once AWS Backup was opened in the console, other vaults must be created",
        format!(
            "create it with `aws backup create-backup-vault{cli} --backup-vault-name {}`, or name an existing vault in the plan",
            shell_quote(name)
        ),
    )
}

pub(crate) fn advanced_features_off(cli: &str) -> AwsFailure {
    missing(
        "advanced-dynamodb-backup-off",
        "AWS Backup's advanced features for DynamoDB are off in the source account",
        "without them AWS Backup has DynamoDB make the backup (ARN `arn:aws:dynamodb:…`), and such backups cannot be copied to another account",
        format!(
            "turn them on: AWS Backup console → Settings → Advanced features for Amazon DynamoDB backups, or `aws backup update-region-settings{cli} --resource-type-management-preference DynamoDB=true`"
        ),
    )
}

pub(crate) fn vault_policy_denies(vault: &str, sid: &str, account: &str) -> AwsFailure {
    missing(
        "vault-policy-denies",
        format!("the access policy of the destination vault {vault} denies account {account} to copy into it (statement {sid})"),
        "an explicit Deny wins over any Allow; ddb-ferry never changes or drops an existing statement",
        format!("ask the vault's owner to narrow statement {sid}, then run again"),
    )
}

pub(crate) fn vault_policy_unreadable(vault: &str, detail: &str) -> AwsFailure {
    missing(
        "vault-policy-unreadable",
        format!("the access policy of the destination vault {vault} could not be read: {detail}"),
        "ddb-ferry adds its statement to the statements already there and must understand them to keep them",
        "read it with `aws backup get-backup-vault-access-policy --backup-vault-name VAULT` and fix it, then run again",
    )
}

pub(crate) fn vault_policy_missing(
    vault: &str,
    account: &str,
    policy: &serde_json::Value,
    cli: &str,
) -> AwsFailure {
    missing(
        "vault-policy-missing",
        format!("the destination vault {vault} does not let account {account} copy into it, and the plan says not to add that (`backup.add_vault_policy` is false)"),
        "a cross-account copy needs the destination vault's access policy to allow backup:CopyIntoBackupVault to the source account",
        format!(
            "add it: `aws backup put-backup-vault-access-policy{cli} --backup-vault-name {} --policy {}` (every statement already there is kept), or set `backup.add_vault_policy` to true",
            shell_quote(vault),
            shell_quote(&policy.to_string())
        ),
    )
}

pub(crate) fn cross_account_backup_off() -> AwsFailure {
    missing(
        "cross-account-backup-off",
        "cross-account backup is off in the AWS Organization",
        "AWS Backup copies a recovery point to another account only when the Organization's management account turned cross-account backup on",
        "in the management account: AWS Backup console → Settings → Cross-account management → Cross-account backup → Turn on (or `aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true`)",
    )
}

pub(crate) fn not_in_organization(side: &str) -> AwsFailure {
    missing(
        "not-in-organization",
        format!("the {side} account is not in an AWS Organization"),
        "AWS Backup copies recovery points only between accounts of one AWS Organization",
        "put both accounts in one Organization (AWS Organizations console → Add an AWS account), or use the S3 road (`\"via\": \"s3\"`), which needs no Organization",
    )
}

pub(crate) fn different_organizations(source: &str, dest: &str) -> AwsFailure {
    missing(
        "different-organizations",
        format!("the source account is in Organization {source}, the destination in {dest}"),
        "AWS Backup copies recovery points only between accounts of one AWS Organization",
        "use the S3 road (`\"via\": \"s3\"`), which needs no Organization, or move one account into the other's Organization",
    )
}

pub(crate) fn kms_key_of_other_account(key: &str, dest_account: &str) -> AwsFailure {
    missing(
        "kms-key-other-account",
        format!("the restored table's key {key} belongs to another account than the destination {dest_account}"),
        "a customer-managed key of another account works only when its key policy lets the destination account use it (AWS-owned and AWS-managed keys cannot be shared)",
        "check the key policy grants the destination account kms:Decrypt, kms:Encrypt, kms:CreateGrant and kms:DescribeKey, or use a key of the destination account",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prerequisite_says_what_why_and_how() {
        let all = [
            point_in_time_other_account(),
            pitr_off("T", ""),
            dynamodb_backup_cannot_cross(true),
            recovery_point_missing("arn", "Default", ""),
            recovery_point_not_ready("arn", "CREATING"),
            recovery_point_not_copyable("arn"),
            role("source", "backup.source_role_arn"),
            vault("destination", "v", ""),
            advanced_features_off(""),
            vault_policy_denies("v", "S", "1"),
            vault_policy_missing("v", "1", &serde_json::json!({}), ""),
            cross_account_backup_off(),
            not_in_organization("source"),
            different_organizations("o-1", "o-2"),
        ];
        for f in all {
            assert!(
                !f.what.is_empty() && !f.why.is_empty() && !f.next.is_empty(),
                "{f:?}"
            );
        }
        assert!(role_of_other_account("arn:aws:iam::111:role/r", "111", "f").is_none());
        assert_eq!(
            role_of_other_account("arn:aws:iam::222:role/r", "111", "f")
                .unwrap()
                .code,
            "backup-role-other-account"
        );
    }

    #[test]
    fn a_restore_time_outside_the_window_is_refused() {
        let pitr = PitrStatus {
            status: "ENABLED".into(),
            earliest_restorable: Some("2026-12-01T00:00:00Z".into()),
            latest_restorable: Some("2026-12-02T00:00:00Z".into()),
        };
        assert!(outside_window("2026-12-01T12:00:00Z", &pitr).is_none());
        assert_eq!(
            outside_window("2026-11-30T12:00:00Z", &pitr).unwrap().code,
            "restore-time-outside-window"
        );
        assert!(outside_window("2026-12-03T00:00:00Z", &pitr).is_some());
    }
}
