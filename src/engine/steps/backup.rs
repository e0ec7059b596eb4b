//! The backup step: what the new table is restored from. A backup made now (AWS Backup's job
//! or DynamoDB's CreateBackup, started once and watched by the job watcher), a recovery point
//! the plan names, or a point in time of the source table.

use super::super::cli_backup::{create_backup, start_backup_job};
use super::super::events::Event;
use super::super::jobs::{AwsBackupJob, DynamoBackupJob};
use super::super::journal::{RecoveryPointRecord, Step};
use super::super::migration::{journal_incomplete, Migration, StepResult, Stop};
use super::super::plan::{BackupFrom, BackupMaker};
use super::backup_route::made_by_dynamodb;

const STEP: Step = Step::Backup;

/// What a dry run's later commands name in place of the backup it did not make.
pub(super) const DRY_RUN_POINT: &str = "RECOVERY_POINT_ARN";

impl Migration {
    pub(crate) async fn backup(&mut self) -> StepResult {
        let plan = self.plan().backup_or_default();
        if self.journal.backup.recovery_point.is_some() {
            return Ok(());
        }
        // The first job of the road is about to start (or a dry run shows its calls): what the
        // road will cost comes first.
        if self.journal.backup.backup.is_none() {
            self.announce_estimate(STEP);
        }
        let record = match plan.from {
            BackupFrom::PointInTime => RecoveryPointRecord {
                found_by: "point in time".into(),
                restore_time: plan.restore_time.clone(),
                ..RecoveryPointRecord::default()
            },
            BackupFrom::RecoveryPoint => self.chosen_point(&plan).await?,
            BackupFrom::New => match self.make_backup(&plan).await? {
                Some(r) => r,
                // A dry run announced the call: the later steps show theirs with the name
                // the backup would get in its place.
                None => RecoveryPointRecord {
                    arn: Some(DRY_RUN_POINT.to_owned()),
                    vault: (plan.made_by == BackupMaker::AwsBackup)
                        .then(|| plan.source_vault.clone()),
                    found_by: "made now".into(),
                    ..RecoveryPointRecord::default()
                },
            },
        };
        let summary = match (&record.arn, &record.restore_time) {
            (Some(arn), _) => format!("restoring {arn}"),
            (None, Some(t)) => format!("restoring the source table as it was at {t}"),
            (None, None) => "restoring the source table as of its latest restorable time".into(),
        };
        self.journal.backup.recovery_point = Some(record);
        self.save()?;
        self.events.send(Event::StepDone {
            step: STEP,
            summary,
        });
        Ok(())
    }

    async fn chosen_point(
        &mut self,
        plan: &super::super::plan::BackupPlan,
    ) -> Result<RecoveryPointRecord, Stop> {
        let source = self.source()?.clone();
        let arn = plan
            .recovery_point_arn
            .clone()
            .ok_or_else(journal_incomplete)?;
        if made_by_dynamodb(&arn) {
            let b = source.dynamo.describe_backup(&arn).await?;
            return Ok(RecoveryPointRecord {
                arn: Some(arn),
                vault: None,
                found_by: "chosen".into(),
                created_at: b.created,
                size_bytes: b.size_bytes,
                restore_time: None,
            });
        }
        let point = source
            .backup
            .describe_recovery_point(&plan.source_vault, &arn)
            .await?
            .ok_or_else(journal_incomplete)?;
        Ok(RecoveryPointRecord {
            arn: Some(arn),
            vault: point.vault.or(Some(plan.source_vault.clone())),
            found_by: "chosen".into(),
            created_at: point.created,
            size_bytes: point.size_bytes,
            restore_time: None,
        })
    }

    /// Makes the backup now; `None` in a dry run.
    async fn make_backup(
        &mut self,
        plan: &super::super::plan::BackupPlan,
    ) -> Result<Option<RecoveryPointRecord>, Stop> {
        let source = self.source()?.clone();
        let table = self
            .journal
            .source_table
            .clone()
            .ok_or_else(journal_incomplete)?;
        if plan.made_by == BackupMaker::Dynamodb {
            let job = DynamoBackupJob {
                dynamo: source.dynamo.clone(),
                cli_args: source.cli_args.clone(),
                table: table.name.clone(),
                backup_name: format!("ddb-ferry-{}", self.journal.id),
                table_bytes: table.size_bytes,
            };
            let info = match self.find_job(&job).await? {
                Some(info) => info,
                None => {
                    let cli = create_backup(&source.cli_args, &table.name, &job.backup_name);
                    if !self.announce_call(STEP, "dynamodb:CreateBackup", cli, None) {
                        return Ok(None);
                    }
                    self.start_job(&job, None).await?
                }
            };
            let done = self.watch_job(&job, info).await?;
            return Ok(Some(RecoveryPointRecord {
                arn: Some(done.arn),
                vault: None,
                found_by: "made now".into(),
                created_at: done.created,
                size_bytes: done.size_bytes,
                restore_time: None,
            }));
        }
        let role = plan.source_role_arn.clone().unwrap_or_default();
        let job = AwsBackupJob {
            backup: source.backup.clone(),
            cli_args: source.cli_args.clone(),
            vault: plan.source_vault.clone(),
            table_arn: table.arn.clone(),
            role_arn: role.clone(),
            table_bytes: table.size_bytes,
        };
        let info = match self.find_job(&job).await? {
            Some(info) => info,
            None => {
                let token = self.job_token(&job).unwrap_or_default();
                let cli = start_backup_job(&source.cli_args, &job.vault, &table.arn, &role, &token);
                if !self.announce_call(STEP, "backup:StartBackupJob", cli, None) {
                    return Ok(None);
                }
                self.start_job(&job, Some(token)).await?
            }
        };
        let done = self.watch_job(&job, info).await?;
        Ok(Some(RecoveryPointRecord {
            arn: done.recovery_point_arn.clone(),
            vault: Some(plan.source_vault.clone()),
            found_by: "made now".into(),
            created_at: done.created.clone(),
            size_bytes: done.size_bytes,
            restore_time: None,
        }))
    }
}
