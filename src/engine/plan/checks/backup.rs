//! Checks of the road a plan takes. On the backup road, every field the road would ignore
//! (the bucket, the export, the new table's keys and settings) is refused rather than skipped,
//! so a plan never says something the run does not do; and the backup section's names and
//! times are checked as the export's are. Whether both sides are one account is known only
//! from STS, so what depends on it (a DynamoDB backup or a point-in-time restore cannot leave
//! the account) is left to preflight.

use super::{kms_in_region, Found, CLOCK_SKEW};
use crate::engine::plan::{BackupFrom, BackupMaker, ExportPlan, Plan, Via};
use crate::logic::backup_names;
use crate::logic::restore::RestoreEncryption;

/// How far back a point-in-time restore reaches: PITR keeps at most 35 days.
const PITR_DAYS: i64 = 35;

/// Said of every field the backup road would ignore.
const OR_S3: &str = "or write \"via\": \"s3\" (or leave `via` out) to go through S3";

impl Plan {
    /// The `backup` section on the S3 road, or everything the backup road would ignore.
    pub(super) fn check_road(&self, found: &mut Found) {
        match self.via {
            Via::S3 if self.backup.is_some() => found.add(
                "backup",
                "the plan goes through S3 (`via` is left out or \"s3\"), so the `backup` section would be ignored; write \"via\": \"backup\" to move the table through a backup, or remove the section",
            ),
            Via::S3 => {}
            Via::Backup => {
                self.check_no_bucket(found);
                self.check_backup(found);
                self.check_no_export(found);
            }
        }
    }

    fn check_no_bucket(&self, found: &mut Found) {
        let d = &self.destination;
        let ignored = [
            ("bucket", !d.bucket.is_empty()),
            ("create_bucket", !d.create_bucket),
            ("bucket_owner", d.bucket_owner.is_some()),
            ("bucket_region", d.bucket_region.is_some()),
            ("prefix", d.prefix != "ddb-ferry"),
        ];
        for (field, given) in ignored {
            if given {
                found.add(
                    format!("destination.{field}"),
                    format!("the backup road uses no S3 bucket, so `destination.{field}` would be ignored; remove it, {OR_S3}"),
                );
            }
        }
    }

    fn check_no_export(&self, found: &mut Found) {
        let (e, default) = (&self.export, ExportPlan::default());
        let ignored = [
            ("format", e.format != default.format, ""),
            (
                "export_time",
                e.export_time.is_some(),
                " (to restore the table as it was at a moment, write \"from\": \"point_in_time\" and `restore_time` in `backup`)",
            ),
            ("encryption", e.encryption != default.encryption, ""),
        ];
        for (field, given, hint) in ignored {
            if given {
                found.add(
                    format!("export.{field}"),
                    format!("the backup road makes no export, so `export.{field}` would be ignored{hint}; remove it, {OR_S3}"),
                );
            }
        }
    }

    fn check_backup(&self, found: &mut Found) {
        let b = self.backup_or_default();
        match (b.from, &b.recovery_point_arn) {
            (BackupFrom::RecoveryPoint, None) => found.add(
                "backup.recovery_point_arn",
                "required when `from` is \"recovery_point\": the ARN of the recovery point to restore, arn:aws:backup:REGION:ACCOUNT:recovery-point:ID (AWS Backup console → Backup vaults → the vault) or arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/backup/ID (a DynamoDB backup)",
            ),
            (BackupFrom::RecoveryPoint, Some(arn)) => found.check(
                backup_names::recovery_point_arn("backup.recovery_point_arn", arn),
            ),
            (_, Some(_)) => found.add(
                "backup.recovery_point_arn",
                "only read when `from` is \"recovery_point\", so it would be ignored; write \"from\": \"recovery_point\" to restore that point, or remove the ARN",
            ),
            (_, None) => {}
        }
        self.check_restore_time(found, b.from, b.restore_time.as_deref());
        if b.from != BackupFrom::New && b.made_by != BackupMaker::default() {
            found.add(
                "backup.made_by",
                "only read when `from` is \"new\" (who makes the backup), so it would be ignored; remove it",
            );
        }
        found.check(backup_names::vault_name(
            "backup.source_vault",
            &b.source_vault,
        ));
        found.check(backup_names::vault_name("backup.dest_vault", &b.dest_vault));
        for (field, role) in [
            ("backup.source_role_arn", &b.source_role_arn),
            ("backup.dest_role_arn", &b.dest_role_arn),
        ] {
            if let Some(role) = role {
                found.check(backup_names::iam_role_arn(field, role));
            }
        }
        if let RestoreEncryption::CustomerManaged { kms_key_arn } = &b.encryption {
            let field = "backup.encryption.kms_key_arn";
            found.check(backup_names::kms_key_arn(field, kms_key_arn));
            found.check(kms_in_region(
                field,
                kms_key_arn,
                self.destination.region.as_ref(),
                "the new table",
            ));
        }
    }

    fn check_restore_time(&self, found: &mut Found, from: BackupFrom, time: Option<&str>) {
        let field = "backup.restore_time";
        let Some(t) = time else {
            return;
        };
        if from != BackupFrom::PointInTime {
            found.add(
                field,
                "only read when `from` is \"point_in_time\", so it would be ignored; write \"from\": \"point_in_time\" to restore the table as it was then, or remove the time",
            );
            return;
        }
        let at = match backup_names::rfc3339(field, t) {
            Ok(at) => at,
            Err(e) => {
                found.check(Err(e));
                return;
            }
        };
        let now = time::OffsetDateTime::now_utc();
        if at > now + CLOCK_SKEW {
            found.add(
                field,
                format!("{t:?} is in the future: a restore brings back the table as it was at that time; remove the field to restore the latest restorable time"),
            );
        } else if at < now - time::Duration::days(PITR_DAYS) {
            found.add(
                field,
                format!("{t:?} is more than {PITR_DAYS} days ago: point-in-time recovery keeps at most {PITR_DAYS} days; choose a later time, or restore a backup (\"from\": \"recovery_point\")"),
            );
        }
    }

    /// A restore makes the table the backup holds: only its name (and encryption, in
    /// `backup`) can be chosen.
    pub(super) fn check_restored_table(&self, found: &mut Found) {
        let t = &self.table;
        let keeps = |field: &str| {
            format!("a restore keeps the source table's keys and indexes (local and global) as they are, so `table.{field}` cannot be applied; remove it, {OR_S3} and an import with the keys and indexes you choose")
        };
        if t.partition_key.is_some() {
            found.add("table.partition_key", keeps("partition_key"));
        }
        if t.sort_key.is_some() {
            found.add("table.sort_key", keeps("sort_key"));
        }
        if t.gsis.is_some() {
            found.add("table.gsis", keeps("gsis"));
        }
        if t.billing.is_some() {
            found.add(
                "table.billing",
                format!("a restore keeps the source table's billing mode and capacity, so `table.billing` cannot be applied; remove it and change the new table's billing once it exists (aws dynamodb update-table --billing-mode ...), {OR_S3}"),
            );
        }
        if t.encryption.is_some() {
            found.add(
                "table.encryption",
                "on the backup road the restored table's encryption is `backup.encryption`: { \"type\": \"default\" }, { \"type\": \"aws_managed\" } or { \"type\": \"customer_managed\", \"kms_key_arn\": \"arn:aws:kms:...\" }; move it there",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::BackupPlan;

    /// A good backup plan, read without the checks under test.
    fn plan() -> Plan {
        serde_json::from_str(
            r#"{"via": "backup",
                "source": {"profile": "prod", "table": "orders"},
                "destination": {"profile": "new"},
                "table": {"name": "orders"}}"#,
        )
        .unwrap()
    }

    fn fields(p: &Plan) -> Vec<String> {
        p.validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    fn with(b: BackupPlan) -> Plan {
        Plan {
            backup: Some(b),
            ..plan()
        }
    }

    #[test]
    fn a_backup_plan_needs_no_bucket_and_an_s3_plan_does() {
        assert_eq!(fields(&plan()), Vec::<String>::new());
        let mut s3 = plan();
        s3.via = Via::S3;
        assert_eq!(fields(&s3), ["destination.bucket"]);
        let message = &s3.validate().unwrap_err()[0].message;
        assert!(message.starts_with("required"), "{message}");
        // The backup section on the S3 road would be ignored.
        s3.destination.bucket = "ferry-orders".into();
        s3.backup = Some(BackupPlan::default());
        assert_eq!(fields(&s3), ["backup"]);
    }

    #[test]
    fn what_the_backup_road_ignores_is_refused() {
        let mut p = plan();
        p.destination.bucket = "ferry-orders".into();
        p.destination.prefix = "x".into();
        p.export.export_time = Some("2020-01-01T00:00:00Z".into());
        p.table = serde_json::from_str(
            r#"{"name": "orders-copy", "partition_key": {"name": "pk", "type": "S"},
                "gsis": [], "billing": {"mode": "PAY_PER_REQUEST"},
                "encryption": {"type": "AWS_MANAGED"}}"#,
        )
        .unwrap();
        assert_eq!(
            fields(&p),
            [
                "destination.bucket",
                "destination.prefix",
                "export.export_time",
                "table.partition_key",
                "table.gsis",
                "table.billing",
                "table.encryption",
            ]
        );
        let problems = p.validate().unwrap_err();
        assert!(
            problems[3]
                .message
                .contains("a restore keeps the source table's keys and indexes"),
            "{problems:?}"
        );
        assert!(
            problems[6].message.contains("`backup.encryption`"),
            "{problems:?}"
        );
        assert!(
            problems[2].message.contains("point_in_time"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_recovery_point_is_named_only_when_restored() {
        let arn = "arn:aws:backup:eu-west-1:111122223333:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45";
        let from_point = |arn: Option<&str>| BackupPlan {
            from: BackupFrom::RecoveryPoint,
            recovery_point_arn: arn.map(str::to_owned),
            ..BackupPlan::default()
        };
        assert!(with(from_point(Some(arn))).validate().is_ok());
        assert_eq!(
            fields(&with(from_point(None))),
            ["backup.recovery_point_arn"]
        );
        assert_eq!(
            fields(&with(from_point(Some("1EB3B5E7")))),
            ["backup.recovery_point_arn"]
        );
        let new_with_arn = BackupPlan {
            recovery_point_arn: Some(arn.into()),
            ..BackupPlan::default()
        };
        assert_eq!(fields(&with(new_with_arn)), ["backup.recovery_point_arn"]);
        let point_made_by_dynamodb = BackupPlan {
            made_by: BackupMaker::Dynamodb,
            ..from_point(Some(arn))
        };
        assert_eq!(fields(&with(point_made_by_dynamodb)), ["backup.made_by"]);
    }

    #[test]
    fn a_restore_time_is_recent_and_only_for_a_point_in_time() {
        let at = |t: &str, from: BackupFrom| BackupPlan {
            from,
            restore_time: Some(t.into()),
            ..BackupPlan::default()
        };
        let format = &time::format_description::well_known::Rfc3339;
        let yesterday = (time::OffsetDateTime::now_utc() - time::Duration::days(1))
            .format(format)
            .unwrap();
        let long_ago = (time::OffsetDateTime::now_utc() - time::Duration::days(36))
            .format(format)
            .unwrap();
        assert!(with(at(&yesterday, BackupFrom::PointInTime))
            .validate()
            .is_ok());
        for bad in [
            at(&yesterday, BackupFrom::New),
            at(&long_ago, BackupFrom::PointInTime),
            at("2999-01-01T00:00:00Z", BackupFrom::PointInTime),
            at("2024-05-01", BackupFrom::PointInTime),
        ] {
            assert_eq!(
                fields(&with(bad.clone())),
                ["backup.restore_time"],
                "{bad:?}"
            );
        }
        // Absent: the latest restorable time.
        let latest = BackupPlan {
            from: BackupFrom::PointInTime,
            ..BackupPlan::default()
        };
        assert!(with(latest).validate().is_ok());
    }

    #[test]
    fn vaults_roles_and_keys_are_checked() {
        let b = BackupPlan {
            source_vault: "my vault".into(),
            dest_vault: "x".into(),
            source_role_arn: Some("ferry-backup".into()),
            dest_role_arn: Some(
                "arn:aws:iam::222222222222:role/service-role/AWSBackupDefaultServiceRole".into(),
            ),
            encryption: RestoreEncryption::CustomerManaged {
                kms_key_arn: "alias/ferry".into(),
            },
            ..BackupPlan::default()
        };
        assert_eq!(
            fields(&with(b.clone())),
            [
                "backup.source_vault",
                "backup.dest_vault",
                "backup.source_role_arn",
                "backup.encryption.kms_key_arn",
            ]
        );
        let mut p = with(BackupPlan {
            encryption: RestoreEncryption::CustomerManaged {
                kms_key_arn: "arn:aws:kms:eu-west-1:222222222222:alias/ferry".into(),
            },
            ..BackupPlan::default()
        });
        assert!(p.validate().is_ok());
        p.destination.region = Some("us-east-1".into());
        assert_eq!(fields(&p), ["backup.encryption.kms_key_arn"]);
    }

    #[test]
    fn the_restored_table_may_not_take_the_source_s_place() {
        let mut p = plan();
        p.destination.profile = Some("prod".into());
        assert_eq!(fields(&p), ["table.name"]);
        assert!(p.validate().unwrap_err()[0]
            .message
            .contains("the restore would"));
    }
}
