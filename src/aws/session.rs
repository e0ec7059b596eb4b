//! Loading one side of a migration (source or destination) the way the AWS CLI does.
//!
//! The SDK's default chain already reads the config and credentials files, SSO,
//! `credential_process`, `role_arn` + `source_profile`, environment variables and
//! `endpoint_url` (profile or `AWS_ENDPOINT_URL`). The one gap is an endpoint given in code:
//! `ConfigLoader::endpoint_url` does not reach the STS AssumeRole call made while loading a
//! role profile, so for `--endpoint-url` we build that AssumeRole provider ourselves.

use std::time::Duration;

use aws_config::profile::ProfileSet;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_types::os_shim_internal::{Env, Fs};
use serde::{Deserialize, Serialize};

use super::explain::AwsFailure;

/// Which AWS identity and place one side of the migration uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideSpec {
    /// Profile name from the AWS config files; `None` uses the default chain (env vars, `default`).
    pub profile: Option<String>,
    /// Region override; `None` takes the profile's region.
    pub region: Option<String>,
    /// Endpoint override (an emulator, a VPC endpoint); reaches every client and STS AssumeRole.
    pub endpoint_url: Option<String>,
}

/// Timeouts that keep a dropped connection from hanging a call forever.
#[derive(Debug, Clone, Copy)]
pub struct NetworkLimits {
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
    pub max_attempts: u32,
}

impl Default for NetworkLimits {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(30),
            operation: Duration::from_secs(120),
            max_attempts: 6,
        }
    }
}

impl NetworkLimits {
    /// Reads `DDB_FERRY_CALL_TIMEOUT_SECS` (per attempt) so a slow link can be given more time.
    pub fn from_env() -> Self {
        let mut limits = Self::default();
        if let Some(secs) = std::env::var("DDB_FERRY_CALL_TIMEOUT_SECS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| *v > 0)
        {
            limits.attempt = Duration::from_secs(secs);
            limits.operation = Duration::from_secs(secs * 4);
        }
        limits
    }
}

/// Reads the AWS config and credentials files as the CLI does (honours `AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`).
pub async fn load_profiles() -> Result<ProfileSet, AwsFailure> {
    aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
        None,
    )
    .await
    .map_err(|e| AwsFailure::config(format!("the AWS config files could not be read: {e}")))
}

/// Profile names found in the AWS config files, sorted.
pub async fn profile_names() -> Result<Vec<String>, AwsFailure> {
    let set = load_profiles().await?;
    let mut names: Vec<String> = set.profiles().map(str::to_owned).collect();
    names.sort();
    Ok(names)
}

/// Builds the SDK configuration for one side.
pub async fn load_side(spec: &SideSpec, limits: NetworkLimits) -> Result<SdkConfig, AwsFailure> {
    let profiles = load_profiles().await?;
    if let Some(name) = &spec.profile {
        if profiles.get_profile(name).is_none() {
            return Err(AwsFailure::unknown_profile(name, &profiles));
        }
    }
    Box::pin(load_with_profiles(spec, &profiles, limits, 0)).await
}

async fn load_with_profiles(
    spec: &SideSpec,
    profiles: &ProfileSet,
    limits: NetworkLimits,
    depth: usize,
) -> Result<SdkConfig, AwsFailure> {
    if depth > 8 {
        return Err(AwsFailure::config(
            "the profiles' source_profile settings form a loop".to_owned(),
        ));
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(limits.connect)
                .operation_attempt_timeout(limits.attempt)
                .operation_timeout(limits.operation)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(limits.max_attempts));
    if let Some(profile) = &spec.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &spec.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &spec.endpoint_url {
        loader = loader.endpoint_url(endpoint);
        let role = spec
            .profile
            .as_deref()
            .and_then(|name| profiles.get_profile(name))
            .and_then(|p| {
                let arn = p.get("role_arn")?;
                let source = p.get("source_profile")?;
                Some((
                    arn.to_owned(),
                    source.to_owned(),
                    p.get("external_id").map(str::to_owned),
                    p.get("role_session_name").map(str::to_owned),
                ))
            });
        if let Some((role_arn, source_profile, external_id, session_name)) = role {
            let base_spec = SideSpec {
                profile: Some(source_profile),
                region: spec.region.clone(),
                endpoint_url: spec.endpoint_url.clone(),
            };
            let base =
                Box::pin(load_with_profiles(&base_spec, profiles, limits, depth + 1)).await?;
            let Some(base_credentials) = base.credentials_provider() else {
                return Err(AwsFailure::config(
                    "the source_profile of a role profile has no credentials".to_owned(),
                ));
            };
            let mut builder = AssumeRoleProvider::builder(role_arn)
                .session_name(session_name.unwrap_or_else(|| "ddb-ferry".to_owned()))
                .configure(&base);
            if let Some(id) = external_id {
                builder = builder.external_id(id);
            }
            let provider = builder.build_from_provider(base_credentials).await;
            loader = loader.credentials_provider(provider);
        }
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(AwsFailure::no_region(spec.profile.as_deref()));
    }
    Ok(config)
}

/// The endpoint a side's calls really go to when it is not AWS's own: the explicit override,
/// `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, or the profile's `endpoint_url`.
pub async fn custom_endpoint(spec: &SideSpec) -> Option<String> {
    if let Some(e) = &spec.endpoint_url {
        return Some(e.clone());
    }
    for var in ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
        if let Some(v) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
            return Some(v);
        }
    }
    let profiles = load_profiles().await.ok()?;
    let name = spec
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".to_owned());
    profiles
        .get_profile(&name)
        .and_then(|p| p.get("endpoint_url"))
        .map(str::to_owned)
}

/// Reads the profile chosen for a side; used to tell SSO profiles apart in explanations.
pub async fn profile_uses_sso(profile: &str) -> bool {
    match load_profiles().await {
        Ok(set) => set
            .get_profile(profile)
            .map(|p| p.get("sso_session").is_some() || p.get("sso_start_url").is_some())
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// A region name for messages when the profile chain chose it.
pub fn region_of(config: &SdkConfig) -> String {
    config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "(none)".to_owned())
}
