//! Every AWS failure a user can meet, turned into three plain lines: what happened, why it
//! usually happens, and what to do now — plus a stable code for scripts.

use std::error::Error as StdError;
use std::fmt;

use aws_config::profile::ProfileSet;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};

/// How a failure ends a run; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The plan, a name or the local configuration is wrong: fix the input.
    BadInput,
    /// AWS refused a call (permissions, missing resource, conflict).
    AwsRefused,
    /// An export or import job ran and failed in AWS.
    JobFailed,
    /// AWS (or the endpoint) could not be reached.
    Unreachable,
}

/// A failure explained for a person, with a stable code for `--json` consumers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AwsFailure {
    /// Stable, kebab-case identifier (e.g. `access-denied`, `table-exists`).
    pub code: String,
    pub kind: FailureKind,
    /// What happened.
    pub what: String,
    /// Why it usually happens.
    pub why: String,
    /// What to do now.
    pub next: String,
    /// The AWS error code, when AWS gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_code: Option<String>,
    /// True when trying the same call again later can succeed.
    #[serde(skip, default)]
    pub retryable: bool,
}

impl fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n  why: {}\n  next: {}",
            self.what, self.why, self.next
        )
    }
}

impl StdError for AwsFailure {}

impl AwsFailure {
    pub fn new(
        code: &str,
        kind: FailureKind,
        what: impl Into<String>,
        why: impl Into<String>,
        next: impl Into<String>,
    ) -> Self {
        Self {
            code: code.to_owned(),
            kind,
            what: what.into(),
            why: why.into(),
            next: next.into(),
            aws_code: None,
            retryable: false,
        }
    }

    /// Replaces the "what to do" line with advice that knows the step's context.
    pub fn with_next(mut self, next: impl Into<String>) -> Self {
        self.next = next.into();
        self
    }

    pub fn with_why(mut self, why: impl Into<String>) -> Self {
        self.why = why.into();
        self
    }

    pub fn config(what: String) -> Self {
        Self::new(
            "config-files",
            FailureKind::BadInput,
            what,
            "the AWS config or credentials file has a syntax error, or AWS_CONFIG_FILE points to a missing file",
            "run `aws configure list-profiles` to see what the AWS CLI reads, and fix the file it names",
        )
    }

    pub fn unknown_profile(name: &str, profiles: &ProfileSet) -> Self {
        let mut known: Vec<&str> = profiles.profiles().collect();
        known.sort_unstable();
        let list = if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        };
        Self::new(
            "unknown-profile",
            FailureKind::BadInput,
            format!("the AWS profile \"{name}\" is not in your AWS config files"),
            format!("profile names are case-sensitive and must match a [profile NAME] section; known profiles: {list}"),
            format!("fix the profile name, or create it with `aws configure --profile {name}` (or `aws configure sso --profile {name}`)"),
        )
    }

    pub fn no_region(profile: Option<&str>) -> Self {
        let p = profile.unwrap_or("default");
        Self::new(
            "no-region",
            FailureKind::BadInput,
            format!("no AWS region is set for the profile \"{p}\""),
            "the region comes from the plan, AWS_REGION, or `region =` in the profile, and none was given",
            format!("add a region to the plan, or run `aws configure set region us-east-1 --profile {p}`"),
        )
    }

    /// Explains an SDK error from the call `operation`, made as `side` (a sentence such as
    /// "the source account (profile prod)").
    pub fn from_sdk<E>(operation: &str, side: &str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        match &err {
            SdkError::ServiceError(service) => {
                let inner = service.err();
                // Some answers (S3 HEAD, 403 without a body) carry no code: use the status.
                let code = match (inner.code(), service.raw().status().as_u16()) {
                    (Some(c), _) => c.to_owned(),
                    (None, 403) => "AccessDenied".to_owned(),
                    (None, 404) => "NotFound".to_owned(),
                    (None, 500..=599) => "InternalError".to_owned(),
                    (None, status) => format!("HTTP{status}"),
                };
                let message = inner.message().unwrap_or("").to_owned();
                Self::from_code(operation, side, &code, &message)
            }
            SdkError::TimeoutError(_) => Self::unreachable(operation, side, "the call timed out"),
            SdkError::DispatchFailure(_) => {
                let detail = source_chain(&err);
                if looks_like_credentials(&detail) {
                    Self::credentials(operation, side, &detail)
                } else {
                    Self::unreachable(operation, side, &detail)
                }
            }
            SdkError::ResponseError(_) => Self::unreachable(
                operation,
                side,
                &format!("the answer could not be read ({})", source_chain(&err)),
            ),
            _ => {
                let detail = source_chain(&err);
                if looks_like_credentials(&detail) {
                    Self::credentials(operation, side, &detail)
                } else {
                    Self::new(
                        "aws-call-failed",
                        FailureKind::AwsRefused,
                        format!("{operation} failed for {side}: {detail}"),
                        "the request could not be built or sent",
                        "run again with RUST_LOG=debug and read the log file for details",
                    )
                }
            }
        }
    }

    fn unreachable(operation: &str, side: &str, detail: &str) -> Self {
        let mut f = Self::new(
            "cannot-reach-aws",
            FailureKind::Unreachable,
            format!("cannot reach AWS for {side} ({operation}): {detail}"),
            "there is no network path to the AWS endpoint, a proxy or firewall blocks it, or a custom endpoint_url points to a server that is not running",
            "check the network (or start the local emulator) and run the same command again: the journal keeps every step done so far",
        );
        f.retryable = true;
        f
    }

    fn credentials(operation: &str, side: &str, detail: &str) -> Self {
        Self::new(
            "credentials-missing",
            FailureKind::BadInput,
            format!("no usable AWS credentials for {side} ({operation}): {detail}"),
            "the profile has no keys, its SSO session expired, or its credential_process failed",
            "for an SSO profile run `aws sso login --profile NAME`; otherwise check the keys with `aws sts get-caller-identity --profile NAME`",
        )
    }

    /// Maps an AWS error code to an explanation.
    pub fn from_code(operation: &str, side: &str, code: &str, message: &str) -> Self {
        let what = if message.is_empty() {
            format!("AWS refused {operation} for {side}: {code}")
        } else {
            format!("AWS refused {operation} for {side}: {code}: {message}")
        };
        let (slug, kind, why, next, retryable) = match code {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => (
                "access-denied",
                FailureKind::AwsRefused,
                "the caller's IAM policy does not allow this action, or a resource policy (such as the bucket policy) denies it",
                "see the README section \"IAM permissions\" for the actions each side needs; for an export, check the destination bucket policy that ddb-ferry shows",
                false,
            ),
            "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired" => (
                "credentials-expired",
                FailureKind::BadInput,
                "temporary credentials (SSO or an assumed role) have a lifetime and this one has ended",
                "for an SSO profile run `aws sso login --profile NAME`, then run ddb-ferry again; it resumes where it stopped",
                false,
            ),
            "UnrecognizedClientException" | "InvalidClientTokenId" | "InvalidAccessKeyId" | "SignatureDoesNotMatch" => (
                "credentials-invalid",
                FailureKind::BadInput,
                "the access key in the profile is wrong, deleted, or belongs to another partition",
                "check the keys with `aws sts get-caller-identity --profile NAME` and update them with `aws configure --profile NAME`",
                false,
            ),
            "ResourceNotFoundException" => (
                "not-found",
                FailureKind::AwsRefused,
                "the table, export or import does not exist in this account and region (names are case-sensitive)",
                "check the name and the region of the profile; `aws dynamodb list-tables --profile NAME --region REGION` lists the tables",
                false,
            ),
            "ResourceInUseException" | "TableAlreadyExistsException" => (
                "table-exists",
                FailureKind::AwsRefused,
                "an import always creates a new table, and a table with this name already exists in the destination",
                "choose another destination table name in the plan (`table.name`); ddb-ferry never imports over an existing table",
                false,
            ),
            "PointInTimeRecoveryUnavailableException" => (
                "pitr-not-enabled",
                FailureKind::AwsRefused,
                "exports read from point-in-time recovery (PITR) backups, and PITR is off for the source table",
                "set `options.enable_pitr` to true in the plan, or run `aws dynamodb update-continuous-backups --table-name TABLE --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`",
                false,
            ),
            "ContinuousBackupsUnavailableException" => (
                "pitr-not-yet-available",
                FailureKind::AwsRefused,
                "right after a table is created (or PITR was just changed) AWS refuses to enable PITR for a few minutes",
                "wait a few minutes and run again; ddb-ferry retries this on its own for 10 minutes",
                true,
            ),
            "InvalidExportTimeException" => (
                "export-time-outside-window",
                FailureKind::BadInput,
                "the export time must fall inside the PITR window: after PITR was enabled (at most 35 days ago) and not in the future",
                "remove `export.export_time` from the plan to export the current state, or pick a time inside the window shown by `aws dynamodb describe-continuous-backups`",
                false,
            ),
            "ExportConflictException" | "ImportConflictException" | "IdempotentParameterMismatchException" => (
                "job-conflict",
                FailureKind::AwsRefused,
                "a job with the same client token but other parameters was started before (tokens are remembered for 8 hours)",
                "run `ddb-ferry status` to see the migration's journal; if the plan changed, start it as a new migration with `ddb-ferry run --new PLAN`",
                false,
            ),
            "LimitExceededException" => (
                "limit-exceeded",
                FailureKind::AwsRefused,
                "too many exports, imports or table operations are running at once in this account (AWS allows a few hundred concurrent exports and 50 imports), or an import exceeds 50,000 S3 objects",
                "wait for other jobs to finish and run again; for the object limit, combine data files",
                true,
            ),
            "ThrottlingException" | "ProvisionedThroughputExceededException" | "RequestLimitExceeded" | "SlowDown" | "Throttling" | "TooManyRequestsException" => (
                "throttled",
                FailureKind::AwsRefused,
                "AWS is limiting the rate of calls from this account",
                "run again in a minute; ddb-ferry already retried with backoff",
                true,
            ),
            "NoSuchBucket" | "S3NoSuchBucket" => (
                "bucket-missing",
                FailureKind::AwsRefused,
                "the bucket does not exist, or it exists in another account and the bucket owner was not given",
                "check `destination.bucket`; set `destination.create_bucket` to true to have ddb-ferry create it in the destination account",
                false,
            ),
            "BucketAlreadyExists" => (
                "bucket-name-taken",
                FailureKind::BadInput,
                "bucket names are global across all AWS accounts, and another account already owns this one",
                "choose another bucket name in the plan (`destination.bucket`)",
                false,
            ),
            "RequestPaymentConfiguration" | "RequesterPaysRequired" => (
                "requester-pays",
                FailureKind::AwsRefused,
                "the bucket is set to requester pays, which DynamoDB exports cannot write to",
                "use another bucket, or turn requester pays off with `aws s3api put-bucket-request-payment --bucket BUCKET --request-payment-configuration Payer=BucketOwner`",
                false,
            ),
            "KMSAccessDeniedException" | "KMSDisabledException" | "KMSInvalidStateException" | "KMSNotFoundException" | "KMS.NotFoundException" => (
                "kms-key-unusable",
                FailureKind::AwsRefused,
                "the KMS key does not exist in this region, is disabled, or its key policy does not let this caller use it",
                "check the key with `aws kms describe-key --key-id KEY --region REGION`, grant the caller kms:GenerateDataKey and kms:Decrypt in the key policy, or choose SSE-S3",
                false,
            ),
            "ValidationException" | "InvalidParameterValue" | "InvalidParameterCombination" | "InvalidArgument" | "MalformedPolicy" => (
                "invalid-request",
                FailureKind::BadInput,
                "a value in the request breaks an AWS rule (the message above says which)",
                "fix that value in the plan and run again",
                false,
            ),
            "InternalServerError" | "InternalFailure" | "InternalError" | "ServiceUnavailable" => (
                "aws-internal-error",
                FailureKind::AwsRefused,
                "AWS had a temporary problem",
                "run the same command again in a minute; the journal keeps every step done so far",
                true,
            ),
            _ => (
                "aws-error",
                FailureKind::AwsRefused,
                "AWS answered with an error this tool has no specific advice for",
                "read the message above; the AWS documentation for the error code explains it",
                false,
            ),
        };
        let mut f = Self::new(slug, kind, what, why, next);
        f.aws_code = Some(code.to_owned());
        f.retryable = retryable;
        f
    }
}

fn looks_like_credentials(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("credential") || d.contains("sso") || d.contains("identity")
}

/// Joins an error and its sources into one line, skipping repeats.
pub fn source_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_gets_three_nonempty_lines() {
        for code in [
            "AccessDeniedException",
            "ExpiredTokenException",
            "ResourceNotFoundException",
            "ResourceInUseException",
            "PointInTimeRecoveryUnavailableException",
            "ContinuousBackupsUnavailableException",
            "InvalidExportTimeException",
            "ExportConflictException",
            "LimitExceededException",
            "ThrottlingException",
            "NoSuchBucket",
            "KMSAccessDeniedException",
            "SomethingNew",
        ] {
            let f = AwsFailure::from_code("Op", "the source account", code, "msg");
            assert!(f.what.contains(code), "{code}");
            assert!(!f.why.is_empty() && !f.next.is_empty(), "{code}");
            assert_eq!(f.aws_code.as_deref(), Some(code));
        }
    }

    #[test]
    fn table_exists_is_refused_with_a_rename_hint() {
        let f = AwsFailure::from_code("ImportTable", "dest", "ResourceInUseException", "");
        assert_eq!(f.code, "table-exists");
        assert!(f.next.contains("table.name"));
    }

    #[test]
    fn throttling_is_retryable_and_access_denied_is_not() {
        assert!(AwsFailure::from_code("x", "y", "ThrottlingException", "").retryable);
        assert!(!AwsFailure::from_code("x", "y", "AccessDenied", "").retryable);
    }
}
