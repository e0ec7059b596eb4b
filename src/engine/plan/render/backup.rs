//! The backup road's part of a saved plan: `via`, the destination without a bucket, the
//! `backup` section, and the new table of which a restore lets only the name be chosen. Said
//! in the same plain words as the S3 road's fields, for someone who barely knows AWS Backup.

use super::super::jsonc::{Entry, Node};
use super::super::{BackupFrom, BackupMaker, BackupPlan, DestinationPlan, NewTablePlan, Via};
use super::optional;

/// What the header says of the road, after "into a new table … in the destination account, ".
pub fn road_in_words(b: &BackupPlan) -> String {
    match (b.from, b.made_by) {
        (BackupFrom::New, BackupMaker::AwsBackup) => "through a backup: AWS Backup backs the table up, copies the recovery point into the destination account's vault (when it is another account), and restores it there as the new table".to_owned(),
        (BackupFrom::New, BackupMaker::Dynamodb) => "through a backup: DynamoDB backs the table up and restores the backup as the new table (one account only)".to_owned(),
        (BackupFrom::RecoveryPoint, _) => format!(
            "from the recovery point {}: it is copied into the destination account's vault (when it is another account) and restored there as the new table",
            b.recovery_point_arn.as_deref().unwrap_or("(not set)")
        ),
        (BackupFrom::PointInTime, _) => format!(
            "as it was at {}: DynamoDB restores it from its continuous backups (point-in-time recovery) as the new table (one account only)",
            b.restore_time.as_deref().unwrap_or("the latest restorable time")
        ),
    }
}

pub fn via() -> Entry {
    Entry::value(
        "via",
        "How the table is moved: \"backup\" (a backup of the source table, copied into the destination account's backup vault when that is another account, then restored there) or \"s3\" (an export into an S3 bucket, then an import).",
        Via::Backup,
    )
}

pub fn destination(d: &DestinationPlan) -> Node {
    Node::Object(vec![
        optional(
            "profile",
            "AWS profile of the account that receives the new table.",
            &d.profile,
            "the default credentials are used.",
        ),
        optional(
            "region",
            "AWS region of the new table.",
            &d.region,
            "the profile's region is used.",
        ),
        Entry::note("No bucket: the backup road goes through backup vaults, not S3."),
    ])
}

/// The `backup` section, or a note saying what its defaults do.
pub fn section(b: Option<&BackupPlan>) -> Entry {
    const WHAT: &str = "The backup: what is restored, where AWS Backup keeps it, and how the restored table is encrypted.";
    match b {
        Some(b) => Entry::field("backup", WHAT, fields(b)),
        None => Entry::note(format!(
            "{WHAT}\n\"backup\" is not set: AWS Backup makes a new backup in the vault named Default, copies it into the destination's vault named Default when that is another account (the roles must then be named in a backup section), and restores it with a key DynamoDB owns, tags copied."
        )),
    }
}

fn fields(b: &BackupPlan) -> Node {
    let mut entries = vec![Entry::value(
        "from",
        "What is restored: \"new\" (a backup made now), \"recovery_point\" (an existing backup, named in recovery_point_arn) or \"point_in_time\" (the table as it was at restore_time; one account only, and the source must have point-in-time recovery on).",
        b.from,
    )];
    match b.from {
        BackupFrom::New => entries.push(Entry::value(
            "made_by",
            "Who makes the backup: \"aws_backup\" (its recovery point can be copied to another account; AWS Backup's advanced DynamoDB features must be on) or \"dynamodb\" (DynamoDB's own backup: one account only).",
            b.made_by,
        )),
        BackupFrom::RecoveryPoint => entries.push(optional(
            "recovery_point_arn",
            "The recovery point to restore: arn:aws:backup:REGION:ACCOUNT:recovery-point:ID (AWS Backup; can be copied to another account) or arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/backup/ID (a DynamoDB backup: one account only).",
            &b.recovery_point_arn,
            "it is required with \"recovery_point\".",
        )),
        BackupFrom::PointInTime => entries.push(optional(
            "restore_time",
            "The moment whose data is restored (RFC 3339 with a time zone, e.g. 2026-11-23T10:00:00Z), within the last 35 days.",
            &b.restore_time,
            "the latest restorable time (a few minutes ago) is used.",
        )),
    }
    entries.extend([
        Entry::value(
            "source_vault",
            "Backup vault of the source account that holds the backup (every account has one named Default).",
            &b.source_vault,
        ),
        Entry::value(
            "dest_vault",
            "Backup vault of the destination account that the recovery point is copied into, when the destination is another account.",
            &b.dest_vault,
        ),
        optional(
            "source_role_arn",
            "IAM role (ARN) AWS Backup uses in the source account to make and copy the backup.",
            &b.source_role_arn,
            "required when the source uses AWS Backup (a backup it makes, or a copy); the AWS Backup console creates service-role/AWSBackupDefaultServiceRole.",
        ),
        optional(
            "dest_role_arn",
            "IAM role (ARN) AWS Backup uses in the destination account to restore the table.",
            &b.dest_role_arn,
            "required when AWS Backup restores (always across accounts).",
        ),
        Entry::value(
            "encryption",
            "How the restored table is encrypted at rest: default (a key DynamoDB owns, free), aws_managed (the account's aws/dynamodb key) or customer_managed with the kms_key_arn of your own KMS key. A DynamoDB backup restored by AWS Backup always gets the default.",
            &b.encryption,
        ),
        Entry::value(
            "copy_tags",
            "true: copy the source table's tags onto the restored table.",
            b.copy_tags,
        ),
        Entry::value(
            "add_vault_policy",
            "true: add to the destination vault's access policy the one statement that lets the source account copy into it (the statements already there are kept). false: the policy must allow it already.",
            b.add_vault_policy,
        ),
    ]);
    Node::Object(entries)
}

pub fn restored_table(t: &NewTablePlan) -> Node {
    Node::Object(vec![
        Entry::value(
            "name",
            "Name of the new table in the destination account. No table of that name may exist there yet.",
            &t.name,
        ),
        Entry::note(
            "A restore keeps the source table's keys, its local and global secondary indexes and its billing; the restored table's encryption is set in \"backup\".",
        ),
    ])
}
