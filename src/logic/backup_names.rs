//! Checks of the names a backup plan uses (recovery points, IAM roles, vaults, KMS keys, the
//! restore time), made before any call. AWS Backup says a name is wrong only when the job is
//! started, after the backup it depends on may have run for an hour; each check here names the
//! field and the rule, as [`super::names`] does for the export's names.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::names::{self, NameError};
use super::restore_choice::parse_recovery_point;

/// Longest value quoted back in an error.
const VALUE_EXCERPT_CHARS: usize = 80;

fn fail(field: &str, value: &str, rule: &str) -> NameError {
    let mut excerpt: String = value.chars().take(VALUE_EXCERPT_CHARS).collect();
    if value.chars().nth(VALUE_EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    NameError {
        field: field.to_owned(),
        value: excerpt,
        rule: rule.to_owned(),
    }
}

/// An AWS Backup recovery point ARN or a DynamoDB backup ARN.
pub fn recovery_point_arn(field: &str, s: &str) -> Result<(), NameError> {
    match parse_recovery_point(s) {
        Some(_) => Ok(()),
        None => Err(fail(
            field,
            s,
            "a recovery point is named by its ARN: arn:aws:backup:REGION:ACCOUNT:recovery-point:ID \
             (AWS Backup console → Backup vaults → the vault → the recovery point) or, for a \
             DynamoDB backup, arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/backup/ID",
        )),
    }
}

/// An IAM role ARN, `arn:aws:iam::ACCOUNT:role/NAME` (with an optional path, as in
/// `role/service-role/AWSBackupDefaultServiceRole`). AWS Backup's jobs need the ARN, not the
/// bare name, because they run in the account the ARN names.
pub fn iam_role_arn(field: &str, s: &str) -> Result<(), NameError> {
    let rule = "a role is named by its ARN, like arn:aws:iam::123456789012:role/NAME or \
                arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole \
                (IAM console → Roles → the role → ARN)";
    let ok = (|| {
        let rest = s.strip_prefix("arn:")?;
        let mut parts = rest.splitn(5, ':');
        let (partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let path_and_name = resource.strip_prefix("role/")?;
        let name = path_and_name.rsplit('/').next()?;
        let role_char = |b: u8| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b);
        Some(
            (partition == "aws" || partition.starts_with("aws-"))
                && service == "iam"
                && region.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && (1..=64).contains(&name.len())
                && path_and_name.len() <= 512
                && path_and_name
                    .split('/')
                    .all(|seg| !seg.is_empty() && seg.bytes().all(role_char)),
        )
    })();
    if ok == Some(true) {
        Ok(())
    } else {
        Err(fail(field, s, rule))
    }
}

/// A backup vault name: 2 to 50 letters, digits, `-`, `_` or `.` (AWS Backup's rule).
pub fn vault_name(field: &str, s: &str) -> Result<(), NameError> {
    let ok = (2..=50).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(fail(
            field,
            s,
            "a backup vault name is 2 to 50 letters, digits, '-', '_' or '.'; every account has \
             one named Default",
        ))
    }
}

/// A KMS key given by its ARN (a key or an alias): the restore runs in the destination
/// account, so a bare key id or alias would be looked up there — an ARN says which key is
/// meant wherever it is read.
pub fn kms_key_arn(field: &str, s: &str) -> Result<(), NameError> {
    if s.starts_with("arn:") && names::kms_key(field, s).is_ok() {
        Ok(())
    } else {
        Err(fail(
            field,
            s,
            "write the key's ARN: arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or \
             arn:aws:kms:REGION:ACCOUNT:alias/NAME (KMS console → the key → ARN)",
        ))
    }
}

/// A time in RFC 3339, with its time zone: `2026-11-23T10:00:00Z`.
pub fn rfc3339(field: &str, s: &str) -> Result<OffsetDateTime, NameError> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).map_err(|_| {
        fail(
            field,
            s,
            "write a date and time with a time zone (RFC 3339), like 2026-11-23T10:00:00Z or \
             2026-11-23T11:00:00+01:00",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_points_of_both_kinds_are_accepted() {
        for ok in [
            "arn:aws:backup:eu-west-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/backup/01489602797149-73d8d5bc",
        ] {
            assert!(recovery_point_arn("f", ok).is_ok(), "{ok}");
        }
        let e = recovery_point_arn("backup.recovery_point_arn", "1EB3B5E7").unwrap_err();
        assert_eq!(e.field, "backup.recovery_point_arn");
        assert!(e.rule.contains("recovery-point:ID"), "{e}");
    }

    #[test]
    fn role_arns() {
        for ok in [
            "arn:aws:iam::111122223333:role/ferry-backup",
            "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole",
            "arn:aws-cn:iam::111122223333:role/a+b=c,d.e@f_g-h",
        ] {
            assert!(iam_role_arn("f", ok).is_ok(), "{ok}");
        }
        for bad in [
            "ferry-backup",
            "arn:aws:iam::111122223333:user/me",
            "arn:aws:iam:eu-west-1:111122223333:role/r",
            "arn:aws:iam::1111:role/r",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role//r",
            "arn:aws:iam::111122223333:role/has space",
            &format!("arn:aws:iam::111122223333:role/{}", "r".repeat(65)),
        ] {
            assert!(iam_role_arn("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn vault_names() {
        for ok in ["Default", "ab", "ferry.vault_2-x", &"v".repeat(50)] {
            assert!(vault_name("f", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "my vault", "vault/x", &"v".repeat(51)] {
            assert!(vault_name("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_restore_key_is_an_arn() {
        for ok in [
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:eu-west-1:111122223333:alias/ferry",
        ] {
            assert!(kms_key_arn("f", ok).is_ok(), "{ok}");
        }
        for bad in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/ferry",
            "arn:aws:kms:eu-west-1:111122223333:thing/x",
        ] {
            assert!(kms_key_arn("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn restore_times_are_rfc3339() {
        let t = rfc3339("f", "2024-05-01T15:45:00+02:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1714571100);
        for bad in ["", "2024-05-01", "2024-05-01T13:45:00", "yesterday"] {
            assert!(rfc3339("f", bad).is_err(), "{bad}");
        }
    }
}
