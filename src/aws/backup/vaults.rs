//! Vaults, their access policies, and the two account settings a cross-account copy of a
//! DynamoDB table depends on: the organization's cross-account backup switch, and the
//! Region's "advanced DynamoDB backup" opt-in (without it a backup job makes a
//! DynamoDB-managed backup, which cannot be copied to another account).

use super::AwsBackup;
use crate::aws::explain::AwsFailure;

/// A backup vault as DescribeBackupVault reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultInfo {
    pub name: String,
    pub arn: String,
    /// The KMS key that encrypts the vault's recovery points.
    pub encryption_key_arn: Option<String>,
    pub recovery_points: i64,
}

/// Whether a settings call was refused because this caller may not read it (not the
/// management account, not in an organization, or IAM): the answer is then "unknown".
fn unreadable(f: &AwsFailure) -> bool {
    f.code == "access-denied"
        || matches!(
            f.aws_code.as_deref(),
            Some("InvalidRequestException" | "AWSOrganizationsNotInUseException")
        )
}

impl AwsBackup {
    /// The vault, or None when no vault has this name in this account and Region.
    pub async fn vault(&self, name: &str) -> Result<Option<VaultInfo>, AwsFailure> {
        match self
            .client
            .describe_backup_vault()
            .backup_vault_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(Some(VaultInfo {
                name: out.backup_vault_name().unwrap_or(name).to_owned(),
                arn: out.backup_vault_arn().unwrap_or_default().to_owned(),
                encryption_key_arn: out.encryption_key_arn().map(str::to_owned),
                recovery_points: out.number_of_recovery_points(),
            })),
            Err(e) => {
                let f = AwsFailure::from_sdk("backup:DescribeBackupVault", &self.side, e);
                if f.aws_code.as_deref() == Some("ResourceNotFoundException") {
                    Ok(None)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// The vault's access policy (JSON), or None when it has none.
    pub async fn vault_access_policy(&self, name: &str) -> Result<Option<String>, AwsFailure> {
        match self
            .client
            .get_backup_vault_access_policy()
            .backup_vault_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.policy().map(str::to_owned)),
            Err(e) => {
                let f = AwsFailure::from_sdk("backup:GetBackupVaultAccessPolicy", &self.side, e);
                if f.aws_code.as_deref() == Some("ResourceNotFoundException") {
                    Ok(None)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// Replaces the vault's access policy with `policy_json` (callers merge first).
    pub async fn put_vault_access_policy(
        &self,
        name: &str,
        policy_json: &str,
    ) -> Result<(), AwsFailure> {
        self.client
            .put_backup_vault_access_policy()
            .backup_vault_name(name)
            .policy(policy_json)
            .send()
            .await
            .map_err(|e| {
                AwsFailure::from_sdk("backup:PutBackupVaultAccessPolicy", &self.side, e)
            })?;
        Ok(())
    }

    /// Whether the organization allows cross-account copies (`isCrossAccountBackupEnabled`);
    /// None when this caller cannot read it: AWS answers it for accounts of an
    /// organization, and only its management account can change it.
    pub async fn cross_account_backup_enabled(&self) -> Result<Option<bool>, AwsFailure> {
        match self.client.describe_global_settings().send().await {
            Ok(out) => Ok(out
                .global_settings()
                .and_then(|s| s.get("isCrossAccountBackupEnabled"))
                .map(|v| v.eq_ignore_ascii_case("true"))),
            Err(e) => {
                let f = AwsFailure::from_sdk("backup:DescribeGlobalSettings", &self.side, e);
                if unreadable(&f) {
                    Ok(None)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// Whether AWS Backup's advanced DynamoDB features are on in this Region
    /// (`ResourceTypeManagementPreference["DynamoDB"]`); None when it cannot be read.
    pub async fn dynamodb_advanced_features(&self) -> Result<Option<bool>, AwsFailure> {
        match self.client.describe_region_settings().send().await {
            Ok(out) => Ok(out
                .resource_type_management_preference()
                .and_then(|m| m.get("DynamoDB"))
                .copied()),
            Err(e) => {
                let f = AwsFailure::from_sdk("backup:DescribeRegionSettings", &self.side, e);
                if unreadable(&f) {
                    Ok(None)
                } else {
                    Err(f)
                }
            }
        }
    }
}
