//! DynamoDB's own backups and restores (CreateBackup, RestoreTableFromBackup,
//! RestoreTableToPointInTime): the same-account half of the backup road, and the way a
//! DynamoDB-made backup becomes a table. Kept apart from `dynamodb.rs`, which serves the S3
//! road.

use aws_sdk_dynamodb::types::{self as ddb, BackupTypeFilter, SseSpecification, SseType};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use super::dynamodb::{missing_answer, no_retries, time_text, Dynamo};
use super::explain::{AwsFailure, FailureKind};
use crate::logic::restore::RestoreEncryption;
use crate::logic::table::RestoreSummary;

/// A DynamoDB backup as DescribeBackup, ListBackups or CreateBackup report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdbBackupInfo {
    pub arn: String,
    pub name: String,
    pub table_name: String,
    /// `CREATING`, `AVAILABLE` or `DELETED`.
    pub status: String,
    /// RFC 3339.
    pub created: Option<String>,
    pub size_bytes: Option<i64>,
    /// `USER`, `SYSTEM` or `AWS_BACKUP` (made by AWS Backup without advanced features).
    pub backup_type: String,
}

/// What a DynamoDB restore reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreSource<'a> {
    /// A backup (`arn:aws:dynamodb:…:table/T/backup/…`).
    Backup { arn: &'a str },
    /// The table's PITR history at `time` (RFC 3339), or at the latest restorable time.
    PointInTime {
        source_table_arn: &'a str,
        time: Option<&'a str>,
    },
}

/// What a DynamoDB restore call needs. Without `sse` the new table keeps the encryption
/// the backup (or the source table) had.
#[derive(Debug, Clone, Copy)]
pub struct TableRestoreRequest<'a> {
    pub target_table: &'a str,
    pub source: RestoreSource<'a>,
    pub sse: Option<&'a RestoreEncryption>,
}

impl Dynamo {
    /// Starts an on-demand backup (AWS makes it AVAILABLE within minutes).
    pub async fn create_backup(
        &self,
        table: &str,
        backup_name: &str,
    ) -> Result<DdbBackupInfo, AwsFailure> {
        let out = self
            .client
            .create_backup()
            .table_name(table)
            .backup_name(backup_name)
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:CreateBackup", &self.side, e))?;
        let d = out
            .backup_details()
            .ok_or_else(|| missing_answer("CreateBackup", &self.side))?;
        Ok(details_info(d, table))
    }

    /// Every backup of `table` (user, system and AWS Backup ones), newest first.
    pub async fn list_backups(&self, table: &str) -> Result<Vec<DdbBackupInfo>, AwsFailure> {
        // ListBackups pages by ExclusiveStartBackupArn, not NextToken: the SDK has no
        // paginator for it.
        let mut summaries: Vec<ddb::BackupSummary> = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let out = self
                .client
                .list_backups()
                .table_name(table)
                .backup_type(BackupTypeFilter::All)
                .set_exclusive_start_backup_arn(start.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("dynamodb:ListBackups", &self.side, e))?;
            summaries.extend_from_slice(out.backup_summaries());
            match out.last_evaluated_backup_arn() {
                Some(a) if !a.is_empty() => start = Some(a.to_owned()),
                _ => break,
            }
        }
        Ok(newest_first(
            &summaries,
            ddb::BackupSummary::backup_creation_date_time,
            summary_info,
        ))
    }

    pub async fn describe_backup(&self, arn: &str) -> Result<DdbBackupInfo, AwsFailure> {
        let out = self
            .client
            .describe_backup()
            .backup_arn(arn)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:DescribeBackup", &self.side, e))?;
        let d = out
            .backup_description()
            .ok_or_else(|| missing_answer("DescribeBackup", &self.side))?;
        let details = d
            .backup_details()
            .ok_or_else(|| missing_answer("DescribeBackup", &self.side))?;
        let table = d.source_table_details().map_or("", |t| t.table_name());
        Ok(details_info(details, table))
    }

    /// Starts RestoreTableFromBackup (`req.source` must be a backup). The new table is
    /// CREATING until `describe_table(..).restore` says the restore ended.
    pub async fn restore_table_from_backup(
        &self,
        req: &TableRestoreRequest<'_>,
    ) -> Result<(), AwsFailure> {
        const OP: &str = "dynamodb:RestoreTableFromBackup";
        let RestoreSource::Backup { arn } = req.source else {
            return Err(wrong_source(OP, "a backup ARN"));
        };
        self.client
            .restore_table_from_backup()
            .target_table_name(req.target_table)
            .backup_arn(arn)
            .set_sse_specification_override(req.sse.map(sse_override))
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk(OP, &self.side, e))?;
        Ok(())
    }

    /// Starts RestoreTableToPointInTime (`req.source` must be a point in time); without a
    /// time, the latest restorable time.
    pub async fn restore_table_to_point_in_time(
        &self,
        req: &TableRestoreRequest<'_>,
    ) -> Result<(), AwsFailure> {
        const OP: &str = "dynamodb:RestoreTableToPointInTime";
        let RestoreSource::PointInTime {
            source_table_arn,
            time,
        } = req.source
        else {
            return Err(wrong_source(OP, "a source table and a point in time"));
        };
        let mut call = self
            .client
            .restore_table_to_point_in_time()
            .source_table_arn(source_table_arn)
            .target_table_name(req.target_table)
            .set_sse_specification_override(req.sse.map(sse_override));
        call = match time {
            Some(t) => call.restore_date_time(
                DateTime::from_str(t, Format::DateTime).map_err(|_| bad_time(OP, t))?,
            ),
            None => call.use_latest_restorable_time(true),
        };
        call.customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk(OP, &self.side, e))?;
        Ok(())
    }
}

/// DescribeTable's RestoreSummary as plain data.
pub(super) fn restore_summary(r: &ddb::RestoreSummary) -> RestoreSummary {
    RestoreSummary {
        source_backup_arn: r.source_backup_arn().map(str::to_owned),
        source_table_arn: r.source_table_arn().map(str::to_owned),
        restore_time: time_text(Some(r.restore_date_time())),
        in_progress: r.restore_in_progress(),
    }
}

/// The restore's encryption as DynamoDB's override: `Default` turns KMS off (a key owned
/// by DynamoDB), the other two name the AWS-managed or the customer's key.
fn sse_override(e: &RestoreEncryption) -> SseSpecification {
    let b = SseSpecification::builder();
    match e {
        RestoreEncryption::Default => b.enabled(false),
        RestoreEncryption::AwsManaged => b.enabled(true).sse_type(SseType::Kms),
        RestoreEncryption::CustomerManaged { kms_key_arn } => b
            .enabled(true)
            .sse_type(SseType::Kms)
            .kms_master_key_id(kms_key_arn),
    }
    .build()
}

fn details_info(d: &ddb::BackupDetails, table: &str) -> DdbBackupInfo {
    DdbBackupInfo {
        arn: d.backup_arn().to_owned(),
        name: d.backup_name().to_owned(),
        table_name: table.to_owned(),
        status: d.backup_status().as_str().to_owned(),
        created: time_text(Some(d.backup_creation_date_time())),
        size_bytes: d.backup_size_bytes(),
        backup_type: d.backup_type().as_str().to_owned(),
    }
}

fn summary_info(s: &ddb::BackupSummary) -> DdbBackupInfo {
    DdbBackupInfo {
        arn: s.backup_arn().unwrap_or_default().to_owned(),
        name: s.backup_name().unwrap_or_default().to_owned(),
        table_name: s.table_name().unwrap_or_default().to_owned(),
        status: s
            .backup_status()
            .map_or("UNKNOWN".to_owned(), |v| v.as_str().to_owned()),
        created: time_text(s.backup_creation_date_time()),
        size_bytes: s.backup_size_bytes(),
        backup_type: s
            .backup_type()
            .map_or("UNKNOWN".to_owned(), |v| v.as_str().to_owned()),
    }
}

/// A listing's rows as `info` makes them, newest first by the SDK's time `created` (RFC
/// 3339 text with fractions does not sort as text); rows without a time go last. Every
/// listing of the backup road, DynamoDB's and AWS Backup's, is shown this way.
pub(super) fn newest_first<R, T>(
    rows: &[R],
    created: impl Fn(&R) -> Option<&DateTime>,
    info: impl Fn(&R) -> T,
) -> Vec<T> {
    let mut found: Vec<(Option<DateTime>, T)> = rows
        .iter()
        .map(|r| (created(r).copied(), info(r)))
        .collect();
    found.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    found.into_iter().map(|(_, info)| info).collect()
}

fn wrong_source(operation: &str, wanted: &str) -> AwsFailure {
    AwsFailure::new(
        "internal-order",
        FailureKind::BadInput,
        format!("{operation} was not sent: it needs {wanted}, and the request named another kind of source"),
        "a bug in ddb-ferry: the restore step chose the wrong call for its source",
        "run the same command again; report it with the log file if it happens again",
    )
}

fn bad_time(operation: &str, time: &str) -> AwsFailure {
    AwsFailure::new(
        "restore-time-invalid",
        FailureKind::BadInput,
        format!("{operation} was not sent: the restore time \"{time}\" is not an RFC 3339 time"),
        "a point in time is written like 2025-01-31T14:05:00Z (UTC) or with an offset (+02:00)",
        "fix the restore time in the plan, or leave it out to restore the latest restorable time",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_sort_newest_first_whatever_their_fractions() {
        let t = |s: &str| Some(DateTime::from_str(s, Format::DateTime).unwrap());
        let rows = [
            (t("2025-01-01T00:00:00Z"), "whole"),
            (None, "no time"),
            (t("2025-01-01T00:00:00.5Z"), "half"),
            (t("2024-12-31T23:59:59Z"), "older"),
        ];
        let sorted = newest_first(&rows, |r| r.0.as_ref(), |r| r.1);
        assert_eq!(sorted, ["half", "whole", "older", "no time"]);
    }

    #[test]
    fn each_encryption_becomes_its_override() {
        let off = sse_override(&RestoreEncryption::Default);
        assert_eq!(off.enabled(), Some(false));
        let managed = sse_override(&RestoreEncryption::AwsManaged);
        assert_eq!(managed.sse_type(), Some(&SseType::Kms));
        assert_eq!(managed.kms_master_key_id(), None);
        let own = sse_override(&RestoreEncryption::CustomerManaged {
            kms_key_arn: "arn:aws:kms:us-east-1:1:key/k".into(),
        });
        assert_eq!(
            own.kms_master_key_id(),
            Some("arn:aws:kms:us-east-1:1:key/k")
        );
    }

    #[test]
    fn a_time_that_is_not_rfc_3339_is_refused_before_any_call() {
        let f = bad_time("dynamodb:RestoreTableToPointInTime", "yesterday");
        assert_eq!(f.code, "restore-time-invalid");
        assert!(f.what.contains("yesterday"));
    }
}
