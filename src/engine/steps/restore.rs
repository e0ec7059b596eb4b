//! The restore step: the new table is made from the recovery point (or its copy in the
//! destination), or from a point in time of the source. Started once and watched by the job
//! watcher; a DynamoDB restore, which takes no token, is found again by the new table's
//! RestoreSummary.

use std::collections::BTreeMap;

use super::super::cli_backup::{
    restore_table_from_backup, restore_table_to_point_in_time, start_restore_job,
};
use super::super::events::Event;
use super::super::jobs::{AwsRestoreJob, DynamoRestoreFrom, DynamoRestoreJob};
use super::super::journal::Step;
use super::super::migration::{journal_incomplete, Migration, StepResult, Stop};
use super::backup_route::{route, Route};

const STEP: Step = Step::Restore;

impl Migration {
    pub(crate) async fn restore(&mut self) -> StepResult {
        let plan = self.plan().backup_or_default();
        let dest = self.dest()?.clone();
        let table = self
            .journal
            .source_table
            .clone()
            .ok_or_else(journal_incomplete)?;
        let target = self.plan().table.name.clone();
        let point = self
            .journal
            .backup
            .recovery_point
            .clone()
            .ok_or_else(journal_incomplete)?;
        // Across accounts or regions the copy is restored, else the recovery point itself.
        let restored = if self.journal.backup.needs_copy {
            self.journal
                .backup
                .copied
                .clone()
                .ok_or_else(journal_incomplete)?
        } else {
            point.clone()
        };
        let bytes = restored.size_bytes.unwrap_or(table.size_bytes);
        let summary = match route(&plan, restored.arn.as_deref()) {
            Route::AwsBackup => {
                let arn = restored.arn.clone().ok_or_else(journal_incomplete)?;
                let mut metadata = BTreeMap::new();
                metadata.insert("targetTableName".to_owned(), target.clone());
                for (k, v) in plan.encryption.backup_metadata() {
                    metadata.insert(k.to_owned(), v);
                }
                let role = plan.dest_role_arn.clone().unwrap_or_default();
                let job = AwsRestoreJob {
                    backup: dest.backup.clone(),
                    cli_args: dest.cli_args.clone(),
                    recovery_point_arn: arn.clone(),
                    role_arn: role.clone(),
                    metadata: metadata.clone(),
                    copy_tags: plan.copy_tags,
                    target_table: target.clone(),
                    bytes,
                };
                let info = match self.find_job(&job).await? {
                    Some(info) => info,
                    None => {
                        let token = self.job_token(&job).unwrap_or_default();
                        let cli = start_restore_job(
                            &dest.cli_args,
                            &arn,
                            &role,
                            &metadata,
                            plan.copy_tags,
                            &token,
                        );
                        if !self.announce_call(STEP, "backup:StartRestoreJob", cli, None) {
                            return Err(Stop::DryRunComplete);
                        }
                        self.start_job(&job, Some(token)).await?
                    }
                };
                let done = self.watch_job(&job, info).await?;
                format!("AWS Backup restored {target} ({})", done.job_id)
            }
            route @ (Route::DynamoBackup | Route::PointInTime) => {
                let from = if route == Route::PointInTime {
                    DynamoRestoreFrom::PointInTime {
                        source_table_arn: table.arn.clone(),
                        time: point.restore_time.clone(),
                    }
                } else {
                    DynamoRestoreFrom::Backup {
                        arn: restored.arn.clone().ok_or_else(journal_incomplete)?,
                    }
                };
                let job = DynamoRestoreJob {
                    dynamo: dest.dynamo.clone(),
                    cli_args: dest.cli_args.clone(),
                    target_table: target.clone(),
                    from: from.clone(),
                    encryption: plan.encryption.clone(),
                    bytes,
                };
                let info = match self.find_job(&job).await? {
                    Some(info) => info,
                    None => {
                        let (operation, cli) = match &from {
                            DynamoRestoreFrom::Backup { arn } => (
                                "dynamodb:RestoreTableFromBackup",
                                restore_table_from_backup(
                                    &dest.cli_args,
                                    &target,
                                    arn,
                                    &plan.encryption,
                                ),
                            ),
                            DynamoRestoreFrom::PointInTime {
                                source_table_arn,
                                time,
                            } => (
                                "dynamodb:RestoreTableToPointInTime",
                                restore_table_to_point_in_time(
                                    &dest.cli_args,
                                    &target,
                                    source_table_arn,
                                    time.as_deref(),
                                    &plan.encryption,
                                ),
                            ),
                        };
                        if !self.announce_call(STEP, operation, cli, None) {
                            return Err(Stop::DryRunComplete);
                        }
                        self.start_job(&job, None).await?
                    }
                };
                let done = self.watch_job(&job, info).await?;
                format!("DynamoDB restored {} ({})", done.name, done.status)
            }
        };
        self.events.send(Event::StepDone {
            step: STEP,
            summary,
        });
        Ok(())
    }
}
