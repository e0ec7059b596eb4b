//! S3 calls on the destination bucket: existence, creation, policy, listing and reading.

use aws_config::{Region, SdkConfig};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use aws_sdk_s3::Client;

use super::explain::AwsFailure;
use crate::logic::layout::ObjectInfo;

/// An S3 client for one side, pinned to the bucket's region.
#[derive(Clone, Debug)]
pub struct S3 {
    client: Client,
    side: String,
    region: String,
}

/// What HeadBucket says about a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketState {
    /// It exists and this caller may use it.
    Reachable,
    /// No bucket has this name.
    Missing,
    /// It exists but this caller is refused (another account's bucket, or IAM).
    Forbidden,
}

impl S3 {
    /// Builds a client for `region`. Path-style addressing is used with a custom endpoint
    /// (`custom_endpoint`), as local emulators need it.
    pub fn new(
        config: &SdkConfig,
        region: &str,
        custom_endpoint: bool,
        side: impl Into<String>,
    ) -> Self {
        let mut builder =
            aws_sdk_s3::config::Builder::from(config).region(Region::new(region.to_owned()));
        if custom_endpoint || config.endpoint_url().is_some() {
            builder = builder.force_path_style(true);
        }
        Self {
            client: Client::from_conf(builder.build()),
            side: side.into(),
            region: region.to_owned(),
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub async fn bucket_state(&self, bucket: &str) -> Result<BucketState, AwsFailure> {
        match self.client.head_bucket().bucket(bucket).send().await {
            Ok(_) => Ok(BucketState::Reachable),
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                match status {
                    Some(404) => Ok(BucketState::Missing),
                    Some(403) => Ok(BucketState::Forbidden),
                    _ => Err(AwsFailure::from_sdk("s3:HeadBucket", &self.side, e)),
                }
            }
        }
    }

    /// The bucket's region (GetBucketLocation; empty means us-east-1).
    pub async fn bucket_region(&self, bucket: &str) -> Result<String, AwsFailure> {
        let out = self
            .client
            .get_bucket_location()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("s3:GetBucketLocation", &self.side, e))?;
        Ok(out
            .location_constraint()
            .map(|c| c.as_str().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "us-east-1".to_owned()))
    }

    pub async fn create_bucket(&self, bucket: &str) -> Result<(), AwsFailure> {
        let mut call = self.client.create_bucket().bucket(bucket);
        if self.region != "us-east-1" {
            call = call.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(self.region.as_str()))
                    .build(),
            );
        }
        match call.send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let f = AwsFailure::from_sdk("s3:CreateBucket", &self.side, e);
                if f.aws_code.as_deref() == Some("BucketAlreadyOwnedByYou") {
                    Ok(())
                } else {
                    Err(f)
                }
            }
        }
    }

    /// The Block Public Access settings that are off for the bucket (all four when it has
    /// no configuration). Account-wide settings (S3 Control) are not read.
    pub async fn public_access_off(&self, bucket: &str) -> Result<Vec<&'static str>, AwsFailure> {
        let all = vec![
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        ];
        match self
            .client
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => {
                let Some(c) = out.public_access_block_configuration() else {
                    return Ok(all);
                };
                let on = [
                    c.block_public_acls(),
                    c.ignore_public_acls(),
                    c.block_public_policy(),
                    c.restrict_public_buckets(),
                ];
                Ok(all
                    .into_iter()
                    .zip(on)
                    .filter(|(_, on)| *on != Some(true))
                    .map(|(name, _)| name)
                    .collect())
            }
            Err(e) => {
                let f = AwsFailure::from_sdk("s3:GetBucketPublicAccessBlock", &self.side, e);
                if f.aws_code.as_deref() == Some("NoSuchPublicAccessBlockConfiguration") {
                    Ok(all)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// Whether the bucket has a default encryption rule.
    pub async fn default_encryption(&self, bucket: &str) -> Result<bool, AwsFailure> {
        match self
            .client
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .server_side_encryption_configuration()
                .is_some_and(|c| !c.rules().is_empty())),
            Err(e) => {
                let f = AwsFailure::from_sdk("s3:GetEncryptionConfiguration", &self.side, e);
                if f.aws_code.as_deref() == Some("ServerSideEncryptionConfigurationNotFoundError") {
                    Ok(false)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// Whether the bucket makes requesters pay (GetBucketRequestPayment). An endpoint that
    /// does not implement the call (its answer cannot be read) counts as "no".
    pub async fn requester_pays(&self, bucket: &str) -> Result<bool, AwsFailure> {
        match self
            .client
            .get_bucket_request_payment()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out.payer().is_some_and(|p| p.as_str() == "Requester")),
            Err(e) => {
                let f = AwsFailure::from_sdk("s3:GetBucketRequestPayment", &self.side, e);
                if f.aws_code.as_deref() == Some("HTTP200") {
                    Ok(false)
                } else {
                    Err(f)
                }
            }
        }
    }

    /// The bucket policy text; `None` when the bucket has none.
    pub async fn policy(&self, bucket: &str) -> Result<Option<String>, AwsFailure> {
        match self.client.get_bucket_policy().bucket(bucket).send().await {
            Ok(out) => Ok(out.policy().map(str::to_owned)),
            Err(e) => {
                let f = AwsFailure::from_sdk("s3:GetBucketPolicy", &self.side, e);
                if f.aws_code.as_deref() == Some("NoSuchBucketPolicy") {
                    Ok(None)
                } else {
                    Err(f)
                }
            }
        }
    }

    pub async fn put_policy(&self, bucket: &str, policy: &str) -> Result<(), AwsFailure> {
        self.client
            .put_bucket_policy()
            .bucket(bucket)
            .policy(policy)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("s3:PutBucketPolicy", &self.side, e))?;
        Ok(())
    }

    /// The buckets the caller's account owns.
    pub async fn list_buckets(&self) -> Result<Vec<String>, AwsFailure> {
        let out = self
            .client
            .list_buckets()
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("s3:ListBuckets", &self.side, e))?;
        let mut names: Vec<String> = out
            .buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_owned))
            .collect();
        names.sort();
        Ok(names)
    }

    /// One level of a bucket: the sub-folders (common prefixes) and objects right under
    /// `prefix`, for browsing.
    pub async fn list_level(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<(Vec<String>, Vec<ObjectInfo>), AwsFailure> {
        let mut folders = Vec::new();
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .delimiter("/")
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("s3:ListObjectsV2", &self.side, e))?;
            folders.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
            objects.extend(page.contents().iter().map(|o| ObjectInfo {
                key: o.key().unwrap_or_default().to_owned(),
                size: o.size().unwrap_or(0).max(0) as u64,
            }));
            match page.next_continuation_token() {
                Some(t) if page.is_truncated().unwrap_or(false) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok((folders, objects))
    }

    /// Every object under `prefix` (all pages).
    pub async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, AwsFailure> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("s3:ListObjectsV2", &self.side, e))?;
            out.extend(page.contents().iter().map(|o| ObjectInfo {
                key: o.key().unwrap_or_default().to_owned(),
                size: o.size().unwrap_or(0).max(0) as u64,
            }));
            match page.next_continuation_token() {
                Some(t) if page.is_truncated().unwrap_or(false) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Reads a whole (small) object, refusing one over `max_bytes`.
    pub async fn read_small(
        &self,
        bucket: &str,
        key: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, AwsFailure> {
        let out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("s3:GetObject", &self.side, e))?;
        if out.content_length().unwrap_or(0) as u64 > max_bytes {
            return Err(AwsFailure::from_code(
                "s3:GetObject",
                &self.side,
                "ObjectTooLarge",
                &format!("s3://{bucket}/{key} is larger than {max_bytes} bytes"),
            ));
        }
        let bytes = out.body.collect().await.map_err(|e| {
            AwsFailure::from_code("s3:GetObject", &self.side, "ReadFailed", &e.to_string())
        })?;
        Ok(bytes.into_bytes().to_vec())
    }

    /// A blocking reader of an object whose download runs on `runtime` (see
    /// [`super::s3_stream`]); for threads outside the async runtime.
    pub fn object_reader(
        &self,
        runtime: &tokio::runtime::Handle,
        bucket: &str,
        key: &str,
    ) -> super::s3_stream::ObjectReader {
        super::s3_stream::ObjectReader::start(
            runtime,
            self.client.clone(),
            self.side.clone(),
            bucket,
            key,
        )
    }

    /// Streams an object chunk by chunk into `sink` until it returns false (enough read).
    pub async fn read_streaming(
        &self,
        bucket: &str,
        key: &str,
        mut sink: impl FnMut(&[u8]) -> bool,
    ) -> Result<(), AwsFailure> {
        let mut out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("s3:GetObject", &self.side, e))?;
        loop {
            match out.body.try_next().await {
                Ok(Some(chunk)) => {
                    if !sink(&chunk) {
                        return Ok(());
                    }
                }
                Ok(None) => return Ok(()),
                Err(e) => {
                    return Err(AwsFailure::from_code(
                        "s3:GetObject",
                        &self.side,
                        "ReadFailed",
                        &e.to_string(),
                    ))
                }
            }
        }
    }
}
