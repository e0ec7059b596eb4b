//! Which AWS Organizations organization an account belongs to: AWS Backup copies a
//! recovery point into another account only inside one organization.

use aws_config::SdkConfig;

use super::explain::AwsFailure;

/// The organization of the calling account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgInfo {
    /// `o-…`
    pub id: String,
    /// The management account (AWS still calls it the master account).
    pub management_account_id: String,
}

/// DescribeOrganization for the caller; None when the account is in no organization.
pub async fn organization(config: &SdkConfig) -> Result<Option<OrgInfo>, AwsFailure> {
    organization_for(config, "this account").await
}

/// The same, naming the side in messages.
pub async fn organization_for(
    config: &SdkConfig,
    side: &str,
) -> Result<Option<OrgInfo>, AwsFailure> {
    let client = aws_sdk_organizations::Client::new(config);
    match client.describe_organization().send().await {
        Ok(out) => Ok(out.organization().map(|o| OrgInfo {
            id: o.id().unwrap_or_default().to_owned(),
            management_account_id: o.master_account_id().unwrap_or_default().to_owned(),
        })),
        Err(e) => {
            let f = AwsFailure::from_sdk("organizations:DescribeOrganization", side, e);
            if f.aws_code.as_deref() == Some("AWSOrganizationsNotInUseException") {
                Ok(None)
            } else {
                Err(f)
            }
        }
    }
}
