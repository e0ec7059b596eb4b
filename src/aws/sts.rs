//! Who a side is: STS GetCallerIdentity, shown before anything changes.

use aws_config::SdkConfig;
use serde::{Deserialize, Serialize};

use super::explain::AwsFailure;
use super::session::region_of;

/// The account and caller STS reported for one side; the journal keeps it to notice a
/// later run signed in as someone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub region: String,
}

pub async fn whoami(config: &SdkConfig, side: &str) -> Result<Identity, AwsFailure> {
    let client = aws_sdk_sts::Client::new(config);
    let out = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsFailure::from_sdk("sts:GetCallerIdentity", side, e))?;
    Ok(Identity {
        account: out.account().unwrap_or_default().to_owned(),
        arn: out.arn().unwrap_or_default().to_owned(),
        region: region_of(config),
    })
}
