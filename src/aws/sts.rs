//! Who a side is: STS GetCallerIdentity, shown before anything changes.

use aws_config::SdkConfig;

use super::explain::AwsFailure;
use super::session::region_of;
use crate::engine::journal::Identity;

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
