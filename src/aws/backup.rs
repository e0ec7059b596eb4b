//! AWS Backup calls of the backup road: a backup job makes a recovery point of the source
//! table, a copy job carries it into the destination account's vault, a restore job turns
//! it into the new table. Split by subject: `jobs` (the three kinds of job), `points`
//! (recovery points and their restore metadata), `vaults` (vaults, their access policies,
//! and the account settings the road depends on).

use aws_config::SdkConfig;
use aws_sdk_backup::Client;

mod jobs;
mod points;
mod vaults;

pub use jobs::{
    BackupJobInfo, BackupJobRequest, CopyJobInfo, CopyJobRequest, RestoreJobInfo, RestoreJobRequest,
};
pub use points::RecoveryPointInfo;
pub use vaults::VaultInfo;

/// An AWS Backup client for one side, with the side's name for messages.
#[derive(Clone, Debug)]
pub struct AwsBackup {
    client: Client,
    side: String,
}

impl AwsBackup {
    pub fn new(config: &SdkConfig, side: impl Into<String>) -> Self {
        Self {
            client: Client::new(config),
            side: side.into(),
        }
    }

    pub fn side(&self) -> &str {
        &self.side
    }
}

/// For the calls that start a job: the SDK must not repeat them on its own. A repeat after
/// a lost answer relies on AWS honouring the IdempotencyToken; the engine looks first.
fn no_retries() -> aws_sdk_backup::config::Builder {
    aws_sdk_backup::config::Builder::default()
        .retry_config(aws_sdk_backup::config::retry::RetryConfig::disabled())
}

/// AWS Backup's PercentDone ("47.4" for a backup, "46.95%" for a restore) as a whole
/// percentage, rounded down so that 100 means done.
fn percent(text: Option<&str>) -> Option<u8> {
    let value: f64 = text?.trim().trim_end_matches('%').trim().parse().ok()?;
    value
        .is_finite()
        .then(|| value.clamp(0.0, 100.0).floor() as u8)
}

/// The service part of an ARN (`arn:PARTITION:SERVICE:…`), in any partition.
fn arn_service(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(partition), Some(service)) = (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (partition == "aws" || partition.starts_with("aws-")).then_some(service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_done_reads_both_spellings() {
        assert_eq!(percent(Some("47.4")), Some(47));
        assert_eq!(percent(Some("46.95%")), Some(46));
        assert_eq!(percent(Some(" 100.0 % ")), Some(100));
        assert_eq!(percent(Some("0")), Some(0));
        assert_eq!(percent(Some("120")), Some(100));
        assert_eq!(percent(Some("-3")), Some(0));
        assert_eq!(percent(Some("NaN")), None);
        assert_eq!(percent(Some("")), None);
        assert_eq!(percent(None), None);
    }

    #[test]
    fn the_service_of_an_arn_in_any_partition() {
        assert_eq!(
            arn_service("arn:aws:backup:us-east-1:1:recovery-point:X"),
            Some("backup")
        );
        assert_eq!(
            arn_service("arn:aws-cn:dynamodb:cn-north-1:1:table/t/backup/1"),
            Some("dynamodb")
        );
        assert_eq!(arn_service("arn:other:backup:r:1:x"), None);
        assert_eq!(arn_service("recovery-point:X"), None);
    }
}
