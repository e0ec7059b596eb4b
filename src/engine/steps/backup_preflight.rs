//! The backup road's preflight: every prerequisite that can be seen from the two sides,
//! checked before anything changes. Each missing one is explained in its own words (what,
//! why, the command that fixes it); the first stops the run and the others are warned of, so
//! one run lists them all.

use super::super::journal::Step;
use super::super::migration::Migration;
use super::super::plan::{BackupFrom, BackupMaker};
use super::backup_prereqs as missing;
use super::backup_route::{made_by_dynamodb, needs_copy, route, uses_aws_backup_at_source, Route};
use crate::aws::dynamodb::PitrStatus;
use crate::aws::explain::AwsFailure;
use crate::aws::organizations::organization;
use crate::logic::names;
use crate::logic::restore::RestoreEncryption;
use crate::logic::vault_policy::{merge_copy_grant, VaultPolicyError};

const STEP: Step = Step::Preflight;

impl Migration {
    pub(crate) async fn backup_preflight(&mut self, pitr: &PitrStatus) -> Result<(), AwsFailure> {
        let plan = self.plan().backup_or_default();
        let source = self.source()?.clone();
        let dest = self.dest()?.clone();
        let (Some(src_id), Some(dst_id)) = (
            self.journal.source_identity.clone(),
            self.journal.dest_identity.clone(),
        ) else {
            return Err(super::super::migration::journal_incomplete());
        };
        let same_account = src_id.account == dst_id.account;
        let same_region = src_id.region == dst_id.region;
        let copy = needs_copy(&plan, same_account, same_region);
        let mut problems: Vec<AwsFailure> = Vec::new();

        match plan.from {
            BackupFrom::PointInTime => {
                if !same_account {
                    problems.push(missing::point_in_time_other_account());
                }
                if !pitr.is_enabled() {
                    problems.push(missing::pitr_off(
                        &self.plan().source.table,
                        &source.cli_args,
                    ));
                } else if let Some(t) = &plan.restore_time {
                    if let Some(p) = missing::outside_window(t, pitr) {
                        problems.push(p);
                    }
                }
            }
            BackupFrom::New if plan.made_by == BackupMaker::Dynamodb && copy => {
                problems.push(missing::dynamodb_backup_cannot_cross(same_account));
            }
            BackupFrom::RecoveryPoint => {
                let arn = plan.recovery_point_arn.clone().unwrap_or_default();
                if made_by_dynamodb(&arn) {
                    let b = source.dynamo.describe_backup(&arn).await?;
                    if b.status != "AVAILABLE" {
                        problems.push(missing::recovery_point_not_ready(&arn, &b.status));
                    }
                    if copy {
                        problems.push(missing::recovery_point_not_copyable(&arn));
                    }
                } else {
                    match source
                        .backup
                        .describe_recovery_point(&plan.source_vault, &arn)
                        .await?
                    {
                        None => problems.push(missing::recovery_point_missing(
                            &arn,
                            &plan.source_vault,
                            &source.cli_args,
                        )),
                        Some(p) if p.status != "COMPLETED" => {
                            problems.push(missing::recovery_point_not_ready(&arn, &p.status))
                        }
                        Some(_) => {}
                    }
                }
            }
            BackupFrom::New => {}
        }

        if uses_aws_backup_at_source(&plan, copy) {
            match &plan.source_role_arn {
                None => problems.push(missing::role("source", "backup.source_role_arn")),
                Some(role) => {
                    if let Some(p) = missing::role_of_other_account(
                        role,
                        &src_id.account,
                        "backup.source_role_arn",
                    ) {
                        problems.push(p);
                    }
                }
            }
            if source.backup.vault(&plan.source_vault).await?.is_none() {
                problems.push(missing::vault(
                    "source",
                    &plan.source_vault,
                    &source.cli_args,
                ));
            }
        }
        if copy && plan.from == BackupFrom::New && plan.made_by == BackupMaker::AwsBackup {
            match source.backup.dynamodb_advanced_features().await? {
                Some(false) => problems.push(missing::advanced_features_off(&source.cli_args)),
                Some(true) => {}
                None => self.events.warn(
                    STEP,
                    "could not read whether AWS Backup's advanced DynamoDB features are on in the source account; without them the backup cannot be copied to another account",
                ),
            }
        }

        if copy {
            match dest.backup.vault(&plan.dest_vault).await? {
                None => problems.push(missing::vault(
                    "destination",
                    &plan.dest_vault,
                    &dest.cli_args,
                )),
                Some(vault) => {
                    self.journal.backup.dest_vault_arn = Some(vault.arn.clone());
                    if !same_account {
                        let existing = dest.backup.vault_access_policy(&plan.dest_vault).await?;
                        match merge_copy_grant(
                            existing.as_deref(),
                            &src_id.account,
                            &self.journal.id,
                        ) {
                            Err(VaultPolicyError::DeniedByStatement { sid }) => {
                                problems.push(missing::vault_policy_denies(
                                    &plan.dest_vault,
                                    &sid,
                                    &src_id.account,
                                ))
                            }
                            Err(e) => problems.push(missing::vault_policy_unreadable(
                                &plan.dest_vault,
                                &e.to_string(),
                            )),
                            Ok(change) if !change.already_allowed && !plan.add_vault_policy => {
                                problems.push(missing::vault_policy_missing(
                                    &plan.dest_vault,
                                    &src_id.account,
                                    &change.policy,
                                    &dest.cli_args,
                                ))
                            }
                            Ok(_) => {}
                        }
                    }
                }
            }
            if !same_account {
                self.check_organization(&mut problems).await;
                match source.backup.cross_account_backup_enabled().await {
                    Ok(Some(false)) => problems.push(missing::cross_account_backup_off()),
                    Ok(Some(true)) => {}
                    Ok(None) | Err(_) => self.events.warn(
                        STEP,
                        "could not read whether cross-account backup is on in the Organization (only its management account can); if the copy fails with Access Denied, turn it on: AWS Backup console → Settings → Cross-account management",
                    ),
                }
            }
        }

        let restore_route = route(&plan, plan.recovery_point_arn.as_deref());
        if restore_route == Route::AwsBackup {
            match &plan.dest_role_arn {
                None => problems.push(missing::role("destination", "backup.dest_role_arn")),
                Some(role) => {
                    if let Some(p) = missing::role_of_other_account(
                        role,
                        &dst_id.account,
                        "backup.dest_role_arn",
                    ) {
                        problems.push(p);
                    }
                }
            }
        }
        if let RestoreEncryption::CustomerManaged { kms_key_arn } = &plan.encryption {
            if let Some(r) = names::kms_key_region(kms_key_arn).filter(|r| *r != dst_id.region) {
                problems.push(AwsFailure::kms_key_other_region(
                    "backup.encryption.kms_key_arn",
                    kms_key_arn,
                    r,
                    "the new table",
                    &dst_id.region,
                ));
            }
            let key_account = kms_key_arn.split(':').nth(4).unwrap_or_default();
            if !key_account.is_empty() && key_account != dst_id.account {
                self.events.warn_explained(
                    STEP,
                    missing::kms_key_of_other_account(kms_key_arn, &dst_id.account),
                );
            }
        }

        self.journal.backup.needs_copy = copy;
        let mut problems = problems.into_iter();
        match problems.next() {
            None => Ok(()),
            Some(first) => {
                for other in problems {
                    self.events.warn_explained(STEP, other);
                }
                Err(first)
            }
        }
    }

    /// Both accounts must be in one AWS Organization for a cross-account copy.
    async fn check_organization(&mut self, problems: &mut Vec<AwsFailure>) {
        let (Ok(source), Ok(dest)) = (self.source(), self.dest()) else {
            return;
        };
        let (source_cfg, dest_cfg) = (source.config.clone(), dest.config.clone());
        let (src, dst) = (
            organization(&source_cfg).await,
            organization(&dest_cfg).await,
        );
        match (src, dst) {
            (Ok(Some(a)), Ok(Some(b))) if a.id == b.id => {}
            (Ok(Some(a)), Ok(Some(b))) => problems.push(missing::different_organizations(&a.id, &b.id)),
            (Ok(None), _) => problems.push(missing::not_in_organization("source")),
            (_, Ok(None)) => problems.push(missing::not_in_organization("destination")),
            (Err(f), _) | (_, Err(f)) => self.events.warn(
                STEP,
                format!(
                    "could not check that both accounts are in one AWS Organization ({}); a cross-account copy needs it",
                    f.what
                ),
            ),
        }
    }
}
