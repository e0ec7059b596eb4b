//! The copy step: the recovery point goes into the destination's vault (another account or
//! region), started once with a token and watched by the job watcher.

use super::super::cli_backup::start_copy_job;
use super::super::events::Event;
use super::super::jobs::CopyJob;
use super::super::journal::{RecoveryPointRecord, Step};
use super::super::migration::{journal_incomplete, Migration, StepResult};

const STEP: Step = Step::Copy;

/// What a dry run's restore command names in place of the copy it did not make.
const DRY_RUN_COPY: &str = "COPIED_RECOVERY_POINT_ARN";

impl Migration {
    pub(crate) async fn copy(&mut self) -> StepResult {
        if !self.journal.backup.needs_copy || self.journal.backup.copied.is_some() {
            return Ok(());
        }
        let plan = self.plan().backup_or_default();
        let source = self.source()?.clone();
        let point = self
            .journal
            .backup
            .recovery_point
            .clone()
            .ok_or_else(journal_incomplete)?;
        let point_arn = point.arn.clone().ok_or_else(journal_incomplete)?;
        let table = self
            .journal
            .source_table
            .clone()
            .ok_or_else(journal_incomplete)?;
        let dest_vault_arn = self
            .journal
            .backup
            .dest_vault_arn
            .clone()
            .ok_or_else(journal_incomplete)?;
        let role = plan.source_role_arn.clone().unwrap_or_default();
        let job = CopyJob {
            backup: source.backup.clone(),
            cli_args: source.cli_args.clone(),
            source_vault: point.vault.clone().unwrap_or(plan.source_vault.clone()),
            recovery_point_arn: point_arn.clone(),
            table_arn: table.arn.clone(),
            dest_vault_arn: dest_vault_arn.clone(),
            role_arn: role.clone(),
            bytes: point.size_bytes.unwrap_or(table.size_bytes),
        };
        let info = match self.find_job(&job).await? {
            Some(info) => info,
            None => {
                let token = self.job_token(&job).unwrap_or_default();
                let cli = start_copy_job(
                    &source.cli_args,
                    &job.source_vault,
                    &point_arn,
                    &dest_vault_arn,
                    &role,
                    &token,
                );
                if !self.announce_call(STEP, "backup:StartCopyJob", cli, None) {
                    // A dry run: the restore's command names the copy it did not make.
                    self.journal.backup.copied = Some(RecoveryPointRecord {
                        arn: Some(DRY_RUN_COPY.to_owned()),
                        vault: Some(plan.dest_vault.clone()),
                        found_by: "copied".into(),
                        ..RecoveryPointRecord::default()
                    });
                    return Ok(());
                }
                self.start_job(&job, Some(token)).await?
            }
        };
        let done = self.watch_job(&job, info).await?;
        let copied = done
            .dest_recovery_point_arn
            .clone()
            .ok_or_else(journal_incomplete)?;
        self.journal.backup.copied = Some(RecoveryPointRecord {
            arn: Some(copied.clone()),
            vault: Some(plan.dest_vault.clone()),
            found_by: "copied".into(),
            created_at: point.created_at.clone(),
            size_bytes: done.size_bytes.or(point.size_bytes),
            restore_time: None,
        });
        self.save()?;
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "the recovery point was copied to the vault {}: {copied}",
                plan.dest_vault
            ),
        });
        Ok(())
    }
}
