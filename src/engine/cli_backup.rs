//! The AWS CLI command equivalent to each call of the backup road, shown before the call and
//! kept in the journal, so a person can see (and repeat by hand) exactly what is done.

use std::collections::BTreeMap;

use super::cli_equivalent::shell_quote;
use crate::logic::restore::RestoreEncryption;

pub fn start_backup_job(
    side: &str,
    vault: &str,
    table_arn: &str,
    role: &str,
    token: &str,
) -> String {
    format!(
        "aws backup start-backup-job{side} --backup-vault-name {} --resource-arn {} --iam-role-arn {} --idempotency-token {}",
        shell_quote(vault),
        shell_quote(table_arn),
        shell_quote(role),
        shell_quote(token)
    )
}

pub fn describe_backup_job(side: &str, job_id: &str) -> String {
    format!(
        "aws backup describe-backup-job{side} --backup-job-id {}",
        shell_quote(job_id)
    )
}

pub fn create_backup(side: &str, table: &str, name: &str) -> String {
    format!(
        "aws dynamodb create-backup{side} --table-name {} --backup-name {}",
        shell_quote(table),
        shell_quote(name)
    )
}

pub fn describe_backup(side: &str, arn: &str) -> String {
    format!(
        "aws dynamodb describe-backup{side} --backup-arn {}",
        shell_quote(arn)
    )
}

pub fn put_vault_policy(side: &str, vault: &str, policy: &serde_json::Value) -> String {
    format!(
        "aws backup put-backup-vault-access-policy{side} --backup-vault-name {} --policy {}",
        shell_quote(vault),
        shell_quote(&policy.to_string())
    )
}

pub fn start_copy_job(
    side: &str,
    source_vault: &str,
    recovery_point: &str,
    dest_vault_arn: &str,
    role: &str,
    token: &str,
) -> String {
    format!(
        "aws backup start-copy-job{side} --source-backup-vault-name {} --recovery-point-arn {} --destination-backup-vault-arn {} --iam-role-arn {} --idempotency-token {}",
        shell_quote(source_vault),
        shell_quote(recovery_point),
        shell_quote(dest_vault_arn),
        shell_quote(role),
        shell_quote(token)
    )
}

pub fn describe_copy_job(side: &str, job_id: &str) -> String {
    format!(
        "aws backup describe-copy-job{side} --copy-job-id {}",
        shell_quote(job_id)
    )
}

pub fn start_restore_job(
    side: &str,
    recovery_point: &str,
    role: &str,
    metadata: &BTreeMap<String, String>,
    copy_tags: bool,
    token: &str,
) -> String {
    let metadata = serde_json::to_string(metadata).unwrap_or_default();
    let tags = if copy_tags {
        " --copy-source-tags-to-restored-resource"
    } else {
        ""
    };
    format!(
        "aws backup start-restore-job{side} --recovery-point-arn {} --iam-role-arn {} --resource-type DynamoDB --metadata {}{tags} --idempotency-token {}",
        shell_quote(recovery_point),
        shell_quote(role),
        shell_quote(&metadata),
        shell_quote(token)
    )
}

pub fn describe_restore_job(side: &str, job_id: &str) -> String {
    format!(
        "aws backup describe-restore-job{side} --restore-job-id {}",
        shell_quote(job_id)
    )
}

/// `--sse-specification-override …`, or nothing for the default (a key DynamoDB owns).
fn sse_override(sse: &RestoreEncryption) -> String {
    match sse {
        RestoreEncryption::Default => String::new(),
        RestoreEncryption::AwsManaged => {
            " --sse-specification-override Enabled=true,SSEType=KMS".to_owned()
        }
        RestoreEncryption::CustomerManaged { kms_key_arn } => format!(
            " --sse-specification-override Enabled=true,SSEType=KMS,KMSMasterKeyId={}",
            shell_quote(kms_key_arn)
        ),
    }
}

pub fn restore_table_from_backup(
    side: &str,
    target: &str,
    backup_arn: &str,
    sse: &RestoreEncryption,
) -> String {
    format!(
        "aws dynamodb restore-table-from-backup{side} --target-table-name {} --backup-arn {}{}",
        shell_quote(target),
        shell_quote(backup_arn),
        sse_override(sse)
    )
}

pub fn restore_table_to_point_in_time(
    side: &str,
    target: &str,
    source_table_arn: &str,
    time: Option<&str>,
    sse: &RestoreEncryption,
) -> String {
    let when = match time {
        Some(t) => format!(" --restore-date-time {}", shell_quote(t)),
        None => " --use-latest-restorable-time".to_owned(),
    };
    format!(
        "aws dynamodb restore-table-to-point-in-time{side} --source-table-arn {} --target-table-name {}{when}{}",
        shell_quote(source_table_arn),
        shell_quote(target),
        sse_override(sse)
    )
}

pub fn describe_table(side: &str, table: &str) -> String {
    format!(
        "aws dynamodb describe-table{side} --table-name {}",
        shell_quote(table)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restores_name_their_source_and_encryption() {
        let cmd = restore_table_to_point_in_time(
            " --profile a",
            "Orders copy",
            "arn:aws:dynamodb:us-east-1:1:table/Orders",
            None,
            &RestoreEncryption::AwsManaged,
        );
        assert!(cmd.contains("--target-table-name 'Orders copy'"), "{cmd}");
        assert!(cmd.contains("--use-latest-restorable-time"));
        assert!(cmd.ends_with("SSEType=KMS"), "{cmd}");
        let mut metadata = BTreeMap::new();
        metadata.insert("targetTableName".to_owned(), "Orders".to_owned());
        let cmd = start_restore_job("", "arn:rp", "arn:role", &metadata, true, "tok");
        assert!(
            cmd.contains(r#"--metadata '{"targetTableName":"Orders"}'"#),
            "{cmd}"
        );
        assert!(cmd.contains("--copy-source-tags-to-restored-resource"));
    }
}
