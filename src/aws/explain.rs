//! Every AWS failure a user can meet, turned into three plain lines: what happened, why it
//! usually happens, and what to do now — plus a stable code for scripts.

use std::error::Error as StdError;
use std::fmt;

use aws_config::profile::ProfileSet;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};

mod backup;

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
    /// The call that failed (`dynamodb:ExportTableToPointInTime`), when a call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
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
            operation: None,
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
        let mut f = match &err {
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
            SdkError::TimeoutError(_) => Self::unreachable(
                operation,
                side,
                "the call timed out (no answer within the time allowed)",
            ),
            SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
                Self::from_detail(operation, side, &source_chain(&err))
            }
            _ => {
                let detail = source_chain(&err);
                if looks_like_network(&detail) || looks_like_credentials(&detail) {
                    Self::from_detail(operation, side, &detail)
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
        };
        f.operation = Some(operation.to_owned());
        f
    }

    /// A call that got no answer: the network, or credentials that could not be loaded. A
    /// network failure while loading credentials (STS AssumeRole, SSO) is a network failure.
    fn from_detail(operation: &str, side: &str, detail: &str) -> Self {
        if looks_like_network(detail) || !looks_like_credentials(detail) {
            Self::unreachable(operation, side, detail)
        } else {
            Self::credentials(operation, side, detail)
        }
    }

    fn unreachable(operation: &str, side: &str, detail: &str) -> Self {
        let d = detail.to_ascii_lowercase();
        let mut f = if d.contains("connection refused") {
            Self::new(
                "endpoint-unreachable",
                FailureKind::Unreachable,
                format!("nothing answers at the AWS endpoint for {side} ({operation}): {detail}"),
                "the connection was refused: an endpoint_url (in the profile, AWS_ENDPOINT_URL or --endpoint-url) points to a server that is not running, or to the wrong port",
                "start the server the endpoint names (for the local emulator: `tests/emulator/local-aws start`) or fix the endpoint URL, then run the same command again: the journal keeps every step done so far",
            )
        } else {
            let why = if d.contains("dns") || d.contains("lookup") || d.contains("resolve") {
                "the endpoint's name could not be resolved: there is no network or no DNS on this machine, or the region or endpoint name is misspelt"
            } else if d.contains("timed out") || d.contains("timeout") {
                "no answer came in time: the network is down, a firewall drops the packets, or the link is very slow (each call may take DDB_FERRY_CALL_TIMEOUT_SECS seconds per attempt, default 30)"
            } else {
                "the connection broke or could not be made: the network dropped, a proxy or firewall blocks AWS, or a custom endpoint_url points to a server that is not running"
            };
            Self::new(
                "cannot-reach-aws",
                FailureKind::Unreachable,
                format!("cannot reach AWS for {side} ({operation}): {detail}"),
                why,
                "check the network (`aws sts get-caller-identity --profile NAME` must answer) and run the same command again: the journal keeps every step done so far, and a running export or import keeps going in AWS",
            )
        };
        f.retryable = true;
        f
    }

    fn credentials(operation: &str, side: &str, detail: &str) -> Self {
        let d = detail.to_ascii_lowercase();
        if d.contains("sso") && (d.contains("expired") || d.contains("token")) {
            return Self::new(
                "credentials-expired",
                FailureKind::BadInput,
                format!("the SSO login for {side} has expired ({operation}): {detail}"),
                "an SSO session lasts a few hours; after that the AWS CLI must log in again",
                "run `aws sso login --profile NAME`, then the same command again; ddb-ferry resumes where it stopped",
            );
        }
        Self::new(
            "credentials-missing",
            FailureKind::BadInput,
            format!("no usable AWS credentials for {side} ({operation}): {detail}"),
            "the profile has no keys, its SSO session expired, or its credential_process failed",
            "for an SSO profile run `aws sso login --profile NAME`; otherwise check the keys with `aws sts get-caller-identity --profile NAME`",
        )
    }

    /// Puts the real profile name into the commands of the "next" line (`--profile NAME`).
    pub fn for_profile(mut self, profile: Option<&str>) -> Self {
        self.next = match profile {
            Some(p) => self
                .next
                .replace("--profile NAME", &format!("--profile {p}")),
            None => self.next.replace(" --profile NAME", ""),
        };
        self
    }

    /// For a refused call: names the IAM statement that allows it on `resource`.
    pub fn with_resource(mut self, resource: &str) -> Self {
        if self.code == "access-denied" {
            if let Some(op) = self.operation.clone() {
                self.next = access_denied_next(&op, resource);
            }
        }
        self
    }

    /// Maps an AWS error code to an explanation.
    pub fn from_code(operation: &str, side: &str, code: &str, message: &str) -> Self {
        let what = if message.is_empty() {
            format!("AWS refused {operation} for {side}: {code}")
        } else {
            format!("AWS refused {operation} for {side}: {code}: {message}")
        };
        let access_next = access_denied_next(operation, "*");
        if let Some((slug, kind, why, next, retryable)) = backup::entry(operation, code, message) {
            let mut f = Self::new(slug, kind, what, why, next);
            f.aws_code = Some(code.to_owned());
            f.operation = Some(operation.to_owned());
            f.retryable = retryable;
            return f;
        }
        let (slug, kind, why, next, retryable) = match code {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AllAccessDisabled" => (
                "access-denied",
                FailureKind::AwsRefused,
                access_denied_why(operation),
                access_next.as_str(),
                false,
            ),
            "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired" => (
                "credentials-expired",
                FailureKind::BadInput,
                "temporary credentials (SSO or an assumed role) have a lifetime and this one has ended",
                "for an SSO profile run `aws sso login --profile NAME`, then run ddb-ferry again; it resumes where it stopped",
                false,
            ),
            "UnrecognizedClientException" | "InvalidClientTokenId" | "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "InvalidSignatureException" | "IncompleteSignature" => (
                "credentials-invalid",
                FailureKind::BadInput,
                "the access key in the profile is wrong, deleted, or belongs to another partition",
                "check the keys with `aws sts get-caller-identity --profile NAME` and update them with `aws configure --profile NAME`",
                false,
            ),
            "RequestTimeTooSkewed" | "RequestExpired" => (
                "clock-skew",
                FailureKind::BadInput,
                "AWS refuses signed requests when this computer's clock is more than 5 minutes off",
                "set the clock right (e.g. `sudo timedatectl set-ntp true`), then run the same command again",
                false,
            ),
            "ResourceNotFoundException" => (
                "not-found",
                FailureKind::AwsRefused,
                "the table, export or import does not exist in this account and region (names are case-sensitive)",
                "check the name and the region of the profile; `aws dynamodb list-tables --profile NAME --region REGION` lists the tables",
                false,
            ),
            "ExportNotFoundException" | "ImportNotFoundException" => (
                "job-not-found",
                FailureKind::JobFailed,
                "AWS no longer knows the export or import this migration started: its ARN belongs to another account or region, or the endpoint (an emulator) was restarted and forgot it",
                "check `ddb-ferry status` and the profiles; if the job is really gone, start a new attempt with `ddb-ferry run --new PLAN` (nothing of the old one is deleted)",
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
                "exports read from point-in-time recovery (PITR) backups, and PITR is off for the source table (or was turned on moments ago and is not usable yet)",
                "set `options.enable_pitr` to true in the plan, or run `aws dynamodb update-continuous-backups --table-name TABLE --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`; if PITR was just turned on, wait a few minutes and run again",
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
            "PermanentRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException" => (
                "bucket-region-mismatch",
                FailureKind::BadInput,
                "the bucket is in another region than the one ddb-ferry used for it",
                "find its region with `aws s3api get-bucket-location --bucket BUCKET` and set `destination.bucket_region` to it",
                false,
            ),
            "RequestPaymentConfiguration" | "RequesterPaysRequired" => (
                "requester-pays",
                FailureKind::AwsRefused,
                "the bucket is set to requester pays, which DynamoDB exports cannot write to",
                "use another bucket, or turn requester pays off with `aws s3api put-bucket-request-payment --bucket BUCKET --request-payment-configuration Payer=BucketOwner`",
                false,
            ),
            "KMSAccessDeniedException" | "KMS.AccessDeniedException" | "KMSDisabledException" | "KMS.DisabledException" | "KMSInvalidStateException" | "KMS.KMSInvalidStateException" | "KMSNotFoundException" | "KMS.NotFoundException" | "KMSInvalidKeyUsageException" | "KMS.InvalidKeyUsageException" | "KMSAccessDenied" => (
                "kms-key-unusable",
                FailureKind::AwsRefused,
                "the KMS key does not exist in this region (a key belongs to one region; the bucket's or table's region is the one that counts), is disabled, or its key policy does not let this caller use it",
                "check the key with `aws kms describe-key --key-id KEY --region REGION`; grant the caller kms:GenerateDataKey and kms:Decrypt in the key policy, use a key in the bucket's (or new table's) region, or choose SSE-S3",
                false,
            ),
            "ValidationException" | "InvalidParameterValue" | "InvalidParameterCombination" | "InvalidArgument" | "MalformedPolicy" => (
                "invalid-request",
                FailureKind::BadInput,
                "a value in the request breaks an AWS rule (the message above says which)",
                "fix that value in the plan and run again",
                false,
            ),
            "InternalServerError" | "InternalFailure" | "InternalError" | "ServiceUnavailable" | "OperationAborted" => (
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
        f.operation = Some(operation.to_owned());
        f.retryable = retryable;
        f
    }
}

/// Most S3 objects one ImportTable call may read (AWS quota).
pub const MAX_IMPORT_OBJECTS: usize = 50_000;
const TIB: u64 = 1024 * 1024 * 1024 * 1024;

/// Largest total size of the S3 objects one import may read in `region`: 15 TB where AWS
/// allows it, 1 TB elsewhere (AWS quota; counted generously in binary terabytes).
pub fn max_import_bytes(region: &str) -> u64 {
    if matches!(region, "us-east-1" | "us-west-2" | "eu-west-1") {
        15 * TIB
    } else {
        TIB
    }
}

/// The failures (and coded warnings) ddb-ferry finds itself, before or instead of AWS.
impl AwsFailure {
    /// A warning of the catalogue: something that does not stop the run but needs a person.
    fn warning(code: &str, what: String, why: &str, next: String) -> Self {
        Self::new(code, FailureKind::BadInput, what, why, next)
    }

    pub fn requester_pays(bucket: &str) -> Self {
        Self::new(
            "requester-pays",
            FailureKind::BadInput,
            format!("the bucket {bucket} is set to Requester Pays"),
            "DynamoDB's export writes to the bucket without agreeing to pay for requests, so S3 refuses it, and the failure would only show minutes into the export",
            format!("use another bucket (`destination.bucket`), or turn Requester Pays off: `aws s3api put-bucket-request-payment --bucket {bucket} --request-payment-configuration Payer=BucketOwner`"),
        )
    }

    /// A KMS key ARN in another region than the place that must use it.
    pub fn kms_key_other_region(
        field: &str,
        key: &str,
        key_region: &str,
        place: &str,
        region: &str,
    ) -> Self {
        Self::new(
            "kms-key-other-region",
            FailureKind::BadInput,
            format!("the KMS key in `{field}` ({key}) is in {key_region}, but {place} is in {region}"),
            "a KMS key belongs to one region, and S3 and DynamoDB only use keys of their own region: the export (or the new table) would fail with a KMS error",
            format!("use a key in {region} (`aws kms list-keys --region {region}`), or SSE-S3 / an AWS-managed key"),
        )
    }

    /// The data folder holds nothing to import.
    pub fn import_prefix_empty(bucket: &str, prefix: &str) -> Self {
        Self::new(
            "import-prefix-empty",
            FailureKind::BadInput,
            format!("nothing is stored under s3://{bucket}/{prefix}: there is no data file to import"),
            "ImportTable reads every object under the prefix; with none it would create an empty table and report success. The export's files were moved or deleted, or another folder was chosen",
            format!("look with `aws s3 ls --recursive s3://{bucket}/{prefix}`; choose the export's data/ folder (…/AWSDynamoDB/<export id>/data/), or export again with `ddb-ferry run --new PLAN`"),
        )
    }

    pub fn import_too_many_objects(bucket: &str, prefix: &str, count: usize) -> Self {
        Self::new(
            "import-too-many-objects",
            FailureKind::BadInput,
            format!("s3://{bucket}/{prefix} holds {count} objects; one import reads at most {MAX_IMPORT_OBJECTS}"),
            "ImportTable refuses more than 50,000 S3 objects per import (an AWS quota)",
            "combine data files into fewer, larger ones under a new prefix, or ask AWS Support to raise the quota; ddb-ferry does not start an import that AWS would refuse",
        )
    }

    pub fn import_too_large(bucket: &str, prefix: &str, bytes: u64, region: &str) -> Self {
        let limit = max_import_bytes(region);
        Self::new(
            "import-too-large",
            FailureKind::BadInput,
            format!(
                "s3://{bucket}/{prefix} holds {bytes} bytes; an import in {region} reads at most {} TB",
                limit / TIB
            ),
            "AWS limits the total size of the objects one import reads (15 TB in us-east-1, us-west-2 and eu-west-1, 1 TB elsewhere, shared by the imports running at once)",
            "split the data into several folders and import them into several tables, or ask AWS Support to raise the quota",
        )
    }

    /// The journal says the export finished, but its files are gone.
    pub fn export_files_gone(bucket: &str, export_prefix: &str) -> Self {
        Self::new(
            "export-files-gone",
            FailureKind::JobFailed,
            format!("the export this migration finished is gone: the bucket {bucket} no longer exists"),
            "the bucket was deleted after the export, or the endpoint (a local emulator) was restarted and lost its state; the journal still holds every step",
            format!("start a new attempt with `ddb-ferry run --new PLAN` (it exports again, under a new prefix than {export_prefix}/); this migration's journal is kept as it is"),
        )
    }

    /// `export.export_time` outside the source's PITR window, found before the export call.
    pub fn export_time_outside_window(time: &str, earliest: &str, latest: &str) -> Self {
        Self::new(
            "export-time-outside-window",
            FailureKind::BadInput,
            format!("the export time {time} is outside the source table's PITR window ({earliest} to {latest})"),
            "an export reads the table as it was at that time from point-in-time recovery, which keeps at most 35 days, starting when PITR was turned on",
            "remove `export.export_time` from the plan to export the current state, or choose a time inside the window",
        )
    }

    /// A job that runs far longer than its table's size suggests.
    pub fn job_slow(job: &str, elapsed_secs: u64, expected_min: u64, describe_cli: &str) -> Self {
        Self::warning(
            "job-slow",
            format!(
                "the {job} has been IN_PROGRESS for {} min; for this table's size about {expected_min} min is usual",
                elapsed_secs / 60
            ),
            "AWS reports no progress until a job ends, and jobs queue when the account runs many at once; a job that runs several times longer than usual may be stuck",
            format!("keep waiting (ddb-ferry checks twice a minute; Ctrl-C and the same command later reattach), look at it yourself with `{describe_cli}`, and if it stays stuck for hours, ask AWS Support with the job's ARN"),
        )
    }

    pub fn lsi_not_carried(index: &str) -> Self {
        Self::warning(
            "lsi-not-carried",
            format!("the source has the local secondary index \"{index}\": an import cannot create LSIs, so the new table will not have it"),
            "LSIs can only be created with a table, and ImportTable accepts only global secondary indexes",
            format!("queries on \"{index}\" need another way on the new table: add a GSI with the same keys in `table.gsis` (a GSI is created by the import)"),
        )
    }

    pub fn bucket_public_access_open(bucket: &str, missing: &[&str]) -> Self {
        Self::warning(
            "bucket-public-access-not-blocked",
            format!(
                "Block Public Access is not fully on for bucket {bucket} (off: {})",
                missing.join(", ")
            ),
            "the export holds the whole table; without Block Public Access a policy or ACL can make it public by mistake",
            format!("turn it on: `aws s3api put-public-access-block --bucket {bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`"),
        )
    }

    pub fn bucket_unencrypted(bucket: &str) -> Self {
        Self::warning(
            "bucket-no-default-encryption",
            format!("bucket {bucket} has no default encryption"),
            "the export's own objects are encrypted as the export asks (SSE-S3 or SSE-KMS), but anything else written there would not be",
            format!("turn default encryption on: `aws s3api put-bucket-encryption --bucket {bucket} --server-side-encryption-configuration '{{\"Rules\":[{{\"ApplyServerSideEncryptionByDefault\":{{\"SSEAlgorithm\":\"AES256\"}}}}]}}'`"),
        )
    }
}

/// Which policy refused a call, as far as the call tells.
fn access_denied_why(operation: &str) -> &'static str {
    if let Some(why) = backup::access_denied_why(operation) {
        return why;
    }
    match operation {
        "dynamodb:ExportTableToPointInTime" => {
            "the source caller's IAM policy does not allow the export (the bucket policy is checked later, by the export job itself: a refusal there ends the export FAILED with S3AccessDenied)"
        }
        op if op.starts_with("s3:") => {
            "the caller's IAM policy does not allow this action on the bucket, or the bucket policy (or an organisation's SCP) denies it"
        }
        _ => "the caller's IAM policy does not allow this action (or a permissions boundary or an organisation's SCP denies it)",
    }
}

/// The IAM statement that would allow `operation` on `resource`, as the "next" line.
fn access_denied_next(operation: &str, resource: &str) -> String {
    let statement = serde_json::json!({
        "Effect": "Allow",
        "Action": operation,
        "Resource": resource,
    });
    let extra = match operation {
        "dynamodb:ExportTableToPointInTime" => {
            "; the export also needs s3:PutObject, s3:AbortMultipartUpload and s3:PutObjectAcl on the bucket's prefix in that policy"
        }
        "dynamodb:ImportTable" => {
            "; the import also needs dynamodb:CreateTable, dynamodb:PutItem and dynamodb:UpdateTable on the new table, s3:GetObject and s3:ListBucket on the bucket, and the logs:* actions listed in docs/permissions-and-security.md"
        }
        op if op.starts_with("s3:") => {
            "; if the caller's policy allows it, look for a Deny in the bucket policy (`aws s3api get-bucket-policy --bucket BUCKET`)"
        }
        op => backup::access_denied_extra(op).unwrap_or(""),
    };
    format!(
        "add this statement to the IAM policy of that caller (docs/permissions-and-security.md lists every action by step): {statement}{extra}"
    )
}

fn looks_like_credentials(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("credential") || d.contains("sso") || d.contains("identity")
}

/// Words of the connector's errors that mean the network, not the caller, failed.
fn looks_like_network(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    [
        "timed out",
        "timeout",
        "connection refused",
        "connection reset",
        "connection closed",
        "broken pipe",
        "dns error",
        "failed to lookup",
        "name or service not known",
        "network is unreachable",
        "no route to host",
        "error trying to connect",
        "tcp connect error",
    ]
    .iter()
    .any(|w| d.contains(w))
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

    /// The AWS error codes of the catalogue, and the stable code each becomes.
    #[test]
    fn aws_codes_map_to_the_catalogue() {
        for (aws, ours) in [
            ("AccessDenied", "access-denied"),
            ("AccessDeniedException", "access-denied"),
            ("ExpiredToken", "credentials-expired"),
            ("ExpiredTokenException", "credentials-expired"),
            ("UnrecognizedClientException", "credentials-invalid"),
            ("InvalidSignatureException", "credentials-invalid"),
            ("RequestTimeTooSkewed", "clock-skew"),
            ("ResourceNotFoundException", "not-found"),
            ("ExportNotFoundException", "job-not-found"),
            ("ImportNotFoundException", "job-not-found"),
            ("ResourceInUseException", "table-exists"),
            (
                "PointInTimeRecoveryUnavailableException",
                "pitr-not-enabled",
            ),
            (
                "ContinuousBackupsUnavailableException",
                "pitr-not-yet-available",
            ),
            ("InvalidExportTimeException", "export-time-outside-window"),
            ("ExportConflictException", "job-conflict"),
            ("LimitExceededException", "limit-exceeded"),
            ("ThrottlingException", "throttled"),
            ("ProvisionedThroughputExceededException", "throttled"),
            ("SlowDown", "throttled"),
            ("NoSuchBucket", "bucket-missing"),
            ("BucketAlreadyExists", "bucket-name-taken"),
            ("PermanentRedirect", "bucket-region-mismatch"),
            ("RequesterPaysRequired", "requester-pays"),
            ("KMSAccessDeniedException", "kms-key-unusable"),
            ("KMS.NotFoundException", "kms-key-unusable"),
            ("KMSDisabledException", "kms-key-unusable"),
            ("ValidationException", "invalid-request"),
            ("InternalServerError", "aws-internal-error"),
            ("SomethingNew", "aws-error"),
        ] {
            let f = AwsFailure::from_code("dynamodb:Op", "the source account", aws, "msg");
            assert_eq!(f.code, ours, "{aws}");
            assert!(f.what.contains(aws) && f.what.contains("msg"), "{aws}");
            assert!(!f.why.is_empty() && !f.next.is_empty(), "{aws}");
            assert_eq!(f.operation.as_deref(), Some("dynamodb:Op"));
        }
    }

    #[test]
    fn network_failures_say_which_kind() {
        let refused = AwsFailure::unreachable(
            "sts:GetCallerIdentity",
            "the source account",
            "dispatch failure: io error: tcp connect error: Connection refused (os error 111)",
        );
        assert_eq!(refused.code, "endpoint-unreachable");
        assert!(refused.next.contains("local-aws start"), "{}", refused.next);
        let timed_out = AwsFailure::unreachable("op", "side", "the call timed out");
        assert_eq!(timed_out.code, "cannot-reach-aws");
        assert!(timed_out.why.contains("DDB_FERRY_CALL_TIMEOUT_SECS"));
        let dns = AwsFailure::unreachable("op", "side", "dns error: failed to lookup address");
        assert_eq!(dns.code, "cannot-reach-aws");
        assert!(dns.why.contains("resolved"), "{}", dns.why);
        for f in [refused, timed_out, dns] {
            assert!(f.retryable);
            assert_eq!(f.kind, FailureKind::Unreachable);
        }
    }

    #[test]
    fn credentials_that_fail_over_the_network_are_a_network_failure() {
        let net = AwsFailure::from_detail(
            "sts:GetCallerIdentity",
            "the destination account (profile dest)",
            "failed to load credentials: an error occurred while loading credentials: dispatch failure: timeout: operation timeout occurred after 8s",
        );
        assert_eq!(net.code, "cannot-reach-aws");
        let missing = AwsFailure::from_detail(
            "sts:GetCallerIdentity",
            "side",
            "failed to construct request: no credentials in the provider chain",
        );
        assert_eq!(missing.code, "credentials-missing");
        let sso = AwsFailure::from_detail(
            "sts:GetCallerIdentity",
            "side",
            "the credential provider was not enabled: the SSO session has expired or is invalid: SSO token expired",
        );
        assert_eq!(sso.code, "credentials-expired");
        assert!(sso.next.contains("aws sso login"));
    }

    #[test]
    fn the_next_line_names_the_real_profile() {
        let f = AwsFailure::from_code("op", "side", "ExpiredTokenException", "")
            .for_profile(Some("old-prod"));
        assert!(
            f.next.contains("aws sso login --profile old-prod"),
            "{}",
            f.next
        );
        let f = AwsFailure::from_code("op", "side", "ExpiredTokenException", "").for_profile(None);
        assert!(
            f.next.contains("aws sso login,") || f.next.contains("aws sso login`"),
            "{}",
            f.next
        );
        assert!(!f.next.contains("NAME"));
    }

    #[test]
    fn access_denied_names_the_statement_to_add() {
        let arn = "arn:aws:dynamodb:us-east-1:111111111111:table/orders";
        let f = AwsFailure::from_code(
            "dynamodb:ExportTableToPointInTime",
            "the source account",
            "AccessDeniedException",
            "not authorized",
        )
        .with_resource(arn);
        assert_eq!(f.code, "access-denied");
        assert!(f.why.contains("IAM policy"), "{}", f.why);
        assert!(
            f.next
                .contains(r#""Action":"dynamodb:ExportTableToPointInTime""#),
            "{}",
            f.next
        );
        assert!(f.next.contains(arn), "{}", f.next);
        assert!(f.next.contains("s3:PutObject"));
        let s3 = AwsFailure::from_code("s3:PutBucketPolicy", "dest", "AccessDenied", "");
        assert!(s3.why.contains("bucket policy"));
        assert!(s3.next.contains("get-bucket-policy"));
        // Only an access-denied failure gets a statement.
        let other =
            AwsFailure::from_code("op", "side", "ThrottlingException", "").with_resource(arn);
        assert!(!other.next.contains(arn));
    }

    #[test]
    fn the_failures_ddb_ferry_finds_itself_have_three_lines() {
        let all = [
            AwsFailure::requester_pays("b"),
            AwsFailure::kms_key_other_region("f", "k", "eu-west-1", "the bucket b", "us-east-1"),
            AwsFailure::import_prefix_empty("b", "p/"),
            AwsFailure::import_too_many_objects("b", "p/", 50_001),
            AwsFailure::import_too_large("b", "p/", 2 * TIB, "ap-south-1"),
            AwsFailure::export_files_gone("b", "p"),
            AwsFailure::export_time_outside_window("t", "e", "l"),
            AwsFailure::job_slow("export", 3600, 10, "aws dynamodb describe-export"),
            AwsFailure::lsi_not_carried("by-date"),
            AwsFailure::bucket_public_access_open("b", &["BlockPublicAcls"]),
            AwsFailure::bucket_unencrypted("b"),
        ];
        for f in all {
            assert!(!f.code.is_empty() && !f.what.is_empty(), "{f:?}");
            assert!(!f.why.is_empty() && !f.next.is_empty(), "{f:?}");
        }
        assert_eq!(max_import_bytes("us-east-1"), 15 * TIB);
        assert_eq!(max_import_bytes("eu-central-1"), TIB);
    }

    /// Every stable code the engine and the catalogue can produce is in the table of failure
    /// codes (docs/failure-codes.md, linked from the README).
    #[test]
    fn the_readme_lists_every_code() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let readme = std::fs::read_to_string(root.join("docs/failure-codes.md")).unwrap();
        // The catalogue, and every file of the engine (its steps, its job kinds, the session).
        let mut sources = vec![root.join("src/aws/explain.rs")];
        let mut folders = vec![root.join("src/engine"), root.join("src/aws/explain")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push(path);
                }
            }
        }
        assert!(
            sources.len() > 20,
            "the engine's files are read: {sources:?}"
        );
        let mut missing = Vec::new();
        for path in sources {
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            for (i, line) in lines.iter().enumerate() {
                let Some(code) = line.strip_prefix('"').and_then(|l| l.strip_suffix("\",")) else {
                    continue;
                };
                let is_code = code.contains('-')
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                let introduced = lines
                    .get(i + 1)
                    .is_some_and(|n| n.starts_with("FailureKind::"))
                    || (i > 0
                        && (lines[i - 1].ends_with("warning(") || lines[i - 1].ends_with("=> (")));
                if is_code && introduced && !readme.contains(&format!("`{code}`")) {
                    missing.push(code.to_owned());
                }
            }
        }
        assert!(
            missing.is_empty(),
            "codes missing from docs/failure-codes.md: {missing:?}"
        );
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
