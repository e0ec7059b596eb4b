//! Connecting to the two sides of a migration from its plan: each side's AWS configuration
//! (profile, region, the run's endpoint) and who it is (STS). The preflight of every run and
//! resume does this, and so does `compare`, which reads both tables of a migration later.

use aws_config::SdkConfig;

use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::session::{load_side, NetworkLimits, SideSpec};
use crate::aws::sts::{whoami, Identity};
use crate::engine::plan::Plan;

/// One side, connected.
#[derive(Debug, Clone)]
pub struct ConnectedSide {
    /// How messages name it: "the source account (profile prod)".
    pub label: String,
    pub spec: SideSpec,
    pub config: SdkConfig,
    pub identity: Identity,
}

/// Loads both sides' configuration, then asks each who it is (in that order, so that a
/// mistyped profile is reported before any network call); a failure names the profile to fix.
pub async fn connect_sides(
    plan: &Plan,
    endpoint_url: Option<String>,
) -> Result<(ConnectedSide, ConnectedSide), AwsFailure> {
    let limits = NetworkLimits::from_env();
    let source = load(
        "source",
        plan.source.profile.as_deref(),
        plan.source.region.clone(),
        endpoint_url.clone(),
        limits,
    )
    .await?;
    let dest = load(
        "destination",
        plan.destination.profile.as_deref(),
        plan.destination.region.clone(),
        endpoint_url,
        limits,
    )
    .await?;
    Ok((
        identify(source, plan.source.profile.as_deref()).await?,
        identify(dest, plan.destination.profile.as_deref()).await?,
    ))
}

async fn load(
    side: &str,
    profile: Option<&str>,
    region: Option<String>,
    endpoint_url: Option<String>,
    limits: NetworkLimits,
) -> Result<(String, SideSpec, SdkConfig), AwsFailure> {
    let spec = SideSpec {
        profile: profile.map(str::to_owned),
        region,
        endpoint_url,
    };
    let config = load_side(&spec, limits)
        .await
        .map_err(|f| f.for_profile(profile))?;
    Ok((side_label(side, profile), spec, config))
}

async fn identify(
    (label, spec, config): (String, SideSpec, SdkConfig),
    profile: Option<&str>,
) -> Result<ConnectedSide, AwsFailure> {
    let identity = whoami(&config, &label)
        .await
        .map_err(|f| f.for_profile(profile))?;
    Ok(ConnectedSide {
        label,
        spec,
        config,
        identity,
    })
}

/// Refuses a side whose profile now belongs to another account than when the migration
/// started: whatever ddb-ferry did next would be done in the wrong account.
pub fn same_account_as_before(
    side: &str,
    now: &Identity,
    before: Option<&Identity>,
) -> Result<(), AwsFailure> {
    match before {
        Some(b) if b.account != now.account => Err(AwsFailure::new(
            "account-changed",
            FailureKind::BadInput,
            format!(
                "the {side} profile now belongs to account {}, but this migration started with account {}",
                now.account, b.account
            ),
            "the profile or the environment variables (AWS_PROFILE, AWS_ACCESS_KEY_ID) changed since the migration started",
            "restore the original credentials and run again, or start a new migration with `ddb-ferry run --new PLAN`",
        )),
        _ => Ok(()),
    }
}

fn side_label(side: &str, profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!("the {side} account (profile {p})"),
        None => format!("the {side} account (default credentials)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(account: &str) -> Identity {
        Identity {
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:user/me"),
            region: "us-east-1".to_owned(),
        }
    }

    #[test]
    fn another_account_than_the_migrations_is_refused() {
        let now = identity("222222222222");
        assert!(same_account_as_before("source", &now, None).is_ok());
        assert!(same_account_as_before("source", &now, Some(&identity("222222222222"))).is_ok());
        let refused = same_account_as_before("destination", &now, Some(&identity("111111111111")))
            .unwrap_err();
        assert_eq!(refused.code, "account-changed");
        assert!(refused
            .what
            .contains("destination profile now belongs to account 222222222222"));
    }

    #[test]
    fn a_side_is_named_with_its_profile() {
        assert_eq!(
            side_label("source", Some("prod")),
            "the source account (profile prod)"
        );
        assert_eq!(
            side_label("destination", None),
            "the destination account (default credentials)"
        );
    }
}
