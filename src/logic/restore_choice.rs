//! What a recovery point allows: whether it can leave its account, and which encryption the
//! restored table can get. Both depend on who manages the point, which its ARN says: AWS
//! Backup (`arn:aws:backup:…:recovery-point:…`) or DynamoDB (`arn:aws:dynamodb:…:table/T/
//! backup/…`). Asking this before a backup is made spares a person an hour-long job that ends
//! in a refusal (a DynamoDB backup cannot be copied to another account) or in a table with
//! another key than the one they chose.

use super::restore::RestoreEncryption;

/// Who manages a recovery point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointKind {
    /// Fully managed by AWS Backup (`arn:aws:backup:…`): made with AWS Backup's advanced
    /// DynamoDB features on.
    AwsBackup,
    /// A DynamoDB backup (`arn:aws:dynamodb:…`): made by DynamoDB's CreateBackup, or by AWS
    /// Backup without the advanced features.
    Dynamodb,
}

impl PointKind {
    /// Only AWS Backup's own recovery points can be copied into another account's vault;
    /// a DynamoDB backup stays in the account (and region) that made it.
    pub fn can_cross_accounts(self) -> bool {
        matches!(self, PointKind::AwsBackup)
    }
}

/// Which service runs the restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restorer {
    /// AWS Backup's StartRestoreJob.
    AwsBackup,
    /// DynamoDB's RestoreTableFromBackup (or RestoreTableToPointInTime).
    Dynamodb,
}

/// A recovery point ARN, read: who manages it, and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryPointArn<'a> {
    pub kind: PointKind,
    pub partition: &'a str,
    pub region: &'a str,
    /// The twelve-digit account that holds the point.
    pub account: &'a str,
    /// The table the backup was made of; only a DynamoDB backup's ARN names it.
    pub table: Option<&'a str>,
}

/// Reads `arn:PARTITION:backup:REGION:ACCOUNT:recovery-point:ID` or
/// `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/TABLE/backup/ID`; `None` for anything else.
pub fn parse_recovery_point(arn: &str) -> Option<RecoveryPointArn<'_>> {
    let mut parts = arn.strip_prefix("arn:")?.splitn(5, ':');
    let (partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if !(partition_ok && region_ok && account_ok) {
        return None;
    }
    let (kind, table) = match service {
        "backup" => {
            let id = resource.strip_prefix("recovery-point:")?;
            if !id_ok(id) {
                return None;
            }
            (PointKind::AwsBackup, None)
        }
        "dynamodb" => {
            let rest = resource.strip_prefix("table/")?;
            let (table, id) = rest.split_once("/backup/")?;
            if !(table_ok(table) && id_ok(id)) {
                return None;
            }
            (PointKind::Dynamodb, Some(table))
        }
        _ => return None,
    };
    Some(RecoveryPointArn {
        kind,
        partition,
        region,
        account,
        table,
    })
}

/// Who manages the recovery point `arn`; `None` when it is not a recovery point ARN.
pub fn recovery_point_kind(arn: &str) -> Option<PointKind> {
    parse_recovery_point(arn).map(|p| p.kind)
}

/// The encryptions a restore of `recovery_point_arn` by `through` can give the new table, the
/// default first. `CustomerManaged` stands for "a key of your choice" and carries an empty
/// ARN. Empty when that restore cannot happen at all (DynamoDB cannot read AWS Backup's
/// points) or the ARN is not a recovery point's.
///
/// The rule, from AWS Backup's documentation: a DynamoDB backup restored by AWS Backup gets a
/// key AWS owns, whatever is asked; restored by DynamoDB, and for AWS Backup's own points,
/// the key is chosen.
pub fn encryption_choices(recovery_point_arn: &str, through: Restorer) -> Vec<RestoreEncryption> {
    match (recovery_point_kind(recovery_point_arn), through) {
        (Some(PointKind::AwsBackup), Restorer::AwsBackup)
        | (Some(PointKind::Dynamodb), Restorer::Dynamodb) => vec![
            RestoreEncryption::Default,
            RestoreEncryption::AwsManaged,
            RestoreEncryption::CustomerManaged {
                kms_key_arn: String::new(),
            },
        ],
        (Some(PointKind::Dynamodb), Restorer::AwsBackup) => vec![RestoreEncryption::Default],
        (Some(PointKind::AwsBackup), Restorer::Dynamodb) | (None, _) => Vec::new(),
    }
}

/// Whether `wanted` is among `choices`, a customer-managed key matching any key.
pub fn is_offered(choices: &[RestoreEncryption], wanted: &RestoreEncryption) -> bool {
    choices
        .iter()
        .any(|c| std::mem::discriminant(c) == std::mem::discriminant(wanted))
}

/// A recovery point or backup id: letters, digits and `-` (AWS prints UUIDs and
/// `01489602797149-73d8d5bc`).
fn id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= 256 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A table name as DynamoDB allows it: 3 to 255 of letters, digits, `_`, `-`, `.`.
fn table_ok(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKUP: &str =
        "arn:aws:backup:eu-west-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45";
    const DYNAMODB: &str =
        "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/01489602797149-73d8d5bc";

    #[test]
    fn the_arn_says_who_manages_the_point_and_where_it_is() {
        let p = parse_recovery_point(BACKUP).unwrap();
        assert_eq!(p.kind, PointKind::AwsBackup);
        assert_eq!(
            (p.region, p.account, p.table),
            ("eu-west-1", "111122223333", None)
        );
        let p = parse_recovery_point(DYNAMODB).unwrap();
        assert_eq!(p.kind, PointKind::Dynamodb);
        assert_eq!(p.table, Some("orders"));
        let gov = "arn:aws-us-gov:backup:us-gov-west-1:111122223333:recovery-point:abc";
        assert_eq!(recovery_point_kind(gov), Some(PointKind::AwsBackup));
        for bad in [
            "",
            "arn:aws:backup:eu-west-1:111122223333:backup-vault:Default",
            "arn:aws:backup:eu-west-1:1111:recovery-point:abc",
            "arn:aws:backup::111122223333:recovery-point:abc",
            "arn:aws:backup:eu-west-1:111122223333:recovery-point:",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/o/backup/x",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/a b",
            "arn:aws:s3:::bucket/recovery-point:abc",
            "arn:azure:backup:eu-west-1:111122223333:recovery-point:abc",
        ] {
            assert_eq!(recovery_point_kind(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_aws_backup_points_cross_accounts() {
        assert!(PointKind::AwsBackup.can_cross_accounts());
        assert!(!PointKind::Dynamodb.can_cross_accounts());
    }

    #[test]
    fn a_dynamodb_backup_restored_by_aws_backup_gets_a_key_aws_owns() {
        assert_eq!(
            encryption_choices(DYNAMODB, Restorer::AwsBackup),
            [RestoreEncryption::Default]
        );
        let through_dynamodb = encryption_choices(DYNAMODB, Restorer::Dynamodb);
        assert_eq!(through_dynamodb.len(), 3);
        assert_eq!(through_dynamodb[0], RestoreEncryption::Default);
        assert_eq!(
            encryption_choices(BACKUP, Restorer::AwsBackup),
            through_dynamodb
        );
        assert!(encryption_choices(BACKUP, Restorer::Dynamodb).is_empty());
        assert!(encryption_choices("not an arn", Restorer::AwsBackup).is_empty());
    }

    #[test]
    fn a_customer_key_is_offered_whatever_its_arn() {
        let choices = encryption_choices(BACKUP, Restorer::AwsBackup);
        let mine = RestoreEncryption::CustomerManaged {
            kms_key_arn: "arn:aws:kms:eu-west-1:111122223333:key/k".into(),
        };
        assert!(is_offered(&choices, &mine));
        let only_default = encryption_choices(DYNAMODB, Restorer::AwsBackup);
        assert!(!is_offered(&only_default, &mine));
        assert!(!is_offered(&only_default, &RestoreEncryption::AwsManaged));
        assert!(is_offered(&only_default, &RestoreEncryption::Default));
    }
}
