//! The vault step of a cross-account copy: the destination vault's access policy must let the
//! source account copy into it. ddb-ferry adds one statement (when the plan allows) and keeps
//! every statement already there.

use super::super::cli_backup::put_vault_policy;
use super::super::events::Event;
use super::super::journal::Step;
use super::super::migration::{journal_incomplete, Migration, StepResult};
use super::backup_prereqs;
use crate::logic::vault_policy::{copy_sid, describe_vault_change, merge_copy_grant};

const STEP: Step = Step::Vault;

impl Migration {
    pub(crate) async fn vault(&mut self) -> StepResult {
        let same_account = self.journal.source_account() == self.journal.dest_account();
        if !self.journal.backup.needs_copy || same_account || self.journal.backup.policy_done {
            return Ok(());
        }
        let plan = self.plan().backup_or_default();
        let dest = self.dest()?.clone();
        let source_account = self.journal.source_account();
        if source_account.is_empty() {
            return Err(journal_incomplete().into());
        }
        let existing = dest.backup.vault_access_policy(&plan.dest_vault).await?;
        let change = merge_copy_grant(existing.as_deref(), &source_account, &self.journal.id)
            .map_err(|e| {
                backup_prereqs::vault_policy_unreadable(&plan.dest_vault, &e.to_string())
            })?;
        if change.already_allowed {
            // Ours, when a run was killed after adding it and before saving the journal: it
            // is still ddb-ferry's to list among what stays behind.
            let ours = copy_sid(&self.journal.id);
            let statements = change.policy["Statement"].as_array();
            if statements.is_some_and(|all| all.iter().any(|s| s["Sid"] == ours.as_str())) {
                self.journal.backup.statements_added = vec![ours];
                self.journal.backup.policy_only_ours = change.only_ours;
            }
            return self.vault_done(format!(
                "the vault {} already lets account {source_account} copy into it; its policy is left as it is",
                plan.dest_vault
            ));
        }
        if !plan.add_vault_policy {
            return Err(backup_prereqs::vault_policy_missing(
                &plan.dest_vault,
                &source_account,
                &change.policy,
                &dest.cli_args,
            )
            .into());
        }
        for line in describe_vault_change(&change, &source_account, &plan.dest_vault) {
            self.events.info(STEP, line);
        }
        let cli = put_vault_policy(&dest.cli_args, &plan.dest_vault, &change.policy);
        if !self.announce_call(
            STEP,
            "backup:PutBackupVaultAccessPolicy",
            cli,
            Some(change.policy.clone()),
        ) {
            return Ok(());
        }
        dest.backup
            .put_vault_access_policy(&plan.dest_vault, &change.policy.to_string())
            .await?;
        self.journal.backup.statements_added = change.added_sids.clone();
        self.journal.backup.policy_only_ours = change.only_ours;
        self.vault_done(format!(
            "the vault {} now lets account {source_account} copy into it (statement {}); every other statement was kept",
            plan.dest_vault,
            change.added_sids.join(", ")
        ))
    }

    /// The vault lets the source account copy, whether it already did or our statement was
    /// just added: the journal says so before `summary` is reported, so a rerun skips the
    /// step.
    fn vault_done(&mut self, summary: String) -> StepResult {
        self.journal.backup.policy_done = true;
        self.save()?;
        self.events.send(Event::StepDone {
            step: STEP,
            summary,
        });
        Ok(())
    }
}
