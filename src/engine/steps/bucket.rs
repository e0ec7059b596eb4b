//! The destination bucket: created when missing, and its policy given the least-privilege
//! statements the cross-account export needs — merged, never replacing what is there.

use super::super::cli_equivalent::{create_bucket, put_bucket_policy};
use super::super::events::Event;
use super::super::journal::Step;
use super::super::migration::{Migration, StepResult};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::s3::{BucketState, S3};
use crate::logic::policy::{export_statements, merge, statement_lines, DiffLine, ExportGrant};

const STEP: Step = Step::Bucket;

impl Migration {
    pub(crate) async fn bucket(&mut self) -> StepResult {
        // The tables of a fleet share the bucket policy: one at a time reads and writes it,
        // so no table's statements are lost to another's write.
        let _turn = match &self.fleet {
            Some(link) => Some(std::sync::Arc::clone(&link.bucket_turn).lock_owned().await),
            None => None,
        };
        let bucket = self.plan().destination.bucket.clone();
        let s3 = self.bucket_s3()?.clone();
        let dest = self.dest()?.clone();
        let source_account = self.journal.source_account();
        let dest_account = self.journal.dest_account();
        let owner = self
            .journal
            .bucket
            .owner
            .clone()
            .unwrap_or(dest_account.clone());
        let plain_http = dest
            .custom_endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"));
        let grant = ExportGrant {
            bucket: bucket.clone(),
            prefix: format!("{}/", self.grant_folder()),
            source_account: source_account.clone(),
            deny_insecure_transport: !plain_http,
        };
        if plain_http {
            self.events.info(
                STEP,
                "the endpoint is plain HTTP (a local emulator): the statement that denies non-TLS access is left out, as it would lock ddb-ferry out of its own export",
            );
        }
        if owner != dest_account {
            let statements = serde_json::Value::Array(export_statements(&grant));
            self.events.warn(
                STEP,
                format!(
                    "the bucket belongs to account {owner}: its owner must add these statements to the bucket policy:\n{}",
                    serde_json::to_string_pretty(&statements).unwrap_or_default()
                ),
            );
            return Ok(());
        }
        let missing = s3.bucket_state(&bucket).await? == BucketState::Missing;
        if missing {
            let cli = create_bucket(&dest.cli_args, &bucket, s3.region());
            if self.announce_call(STEP, "s3:CreateBucket", cli, None) {
                self.journal.bucket.created_by_us = true;
                self.save()?;
                s3.create_bucket(&bucket).await?;
            }
        }
        if !(missing && self.dry_run) {
            self.check_bucket_security(&s3, &bucket).await;
        }
        if source_account == dest_account {
            self.events.info(
                STEP,
                "source and destination are the same account: no bucket policy change is needed",
            );
            self.journal.bucket.policy_done = true;
            self.save()?;
            return Ok(());
        }
        let current = if missing && self.dry_run {
            None
        } else {
            s3.policy(&bucket).await?
        };
        let merged = merge(current.as_deref(), &grant).map_err(|e| {
            AwsFailure::new(
                "bucket-policy-unreadable",
                FailureKind::BadInput,
                format!("the current policy of bucket {bucket} cannot be read: {e}"),
                "the policy is not valid JSON or not an IAM policy document",
                format!("look at it with `aws s3api get-bucket-policy --bucket {bucket}` and fix it; ddb-ferry will not overwrite it"),
            )
        })?;
        if !merged.changed {
            self.events.info(
                STEP,
                "the bucket policy already allows the export; nothing to change",
            );
        } else {
            let text = merged.policy.to_string();
            let cli = put_bucket_policy(&dest.cli_args, &bucket, &merged.policy);
            if self.announce_call(STEP, "s3:PutBucketPolicy", cli, Some(merged.policy.clone())) {
                s3.put_policy(&bucket, &text).await?;
                for s in &merged.added {
                    if let Some(sid) = s.get("Sid").and_then(|v| v.as_str()) {
                        self.journal.bucket.statements_added.push(sid.to_owned());
                    }
                }
                self.journal.bucket.policy_only_ours =
                    only_these_sids(&merged.policy, &self.journal.bucket.statements_added);
            }
        }
        self.journal.bucket.policy_done = true;
        self.save()?;
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "bucket {bucket} is ready: account {source_account} may write exports under {}/",
                self.journal.export_prefix
            ),
        });
        Ok(())
    }

    /// Warns when the bucket that will hold the whole table lacks Block Public Access or
    /// default encryption (the checks of the security review). Never stops the run.
    async fn check_bucket_security(&mut self, s3: &S3, bucket: &str) {
        match s3.public_access_off(bucket).await {
            Ok(off) if off.is_empty() => {}
            Ok(off) => self
                .events
                .warn_explained(STEP, AwsFailure::bucket_public_access_open(bucket, &off)),
            Err(f) => self.events.warn(
                STEP,
                format!(
                    "could not read the Block Public Access settings of {bucket}: {}",
                    f.what
                ),
            ),
        }
        match s3.default_encryption(bucket).await {
            Ok(true) => {}
            Ok(false) => self
                .events
                .warn_explained(STEP, AwsFailure::bucket_unencrypted(bucket)),
            Err(f) => self.events.warn(
                STEP,
                format!(
                    "could not read the default encryption of {bucket}: {}",
                    f.what
                ),
            ),
        }
    }
}

/// True when every statement of `policy` has one of `sids`: removing those statements would
/// leave an empty policy, which S3 refuses, so the policy itself is to be deleted instead.
fn only_these_sids(policy: &serde_json::Value, sids: &[String]) -> bool {
    policy
        .get("Statement")
        .and_then(|s| s.as_array())
        .is_some_and(|all| {
            all.iter().all(|st| {
                st.get("Sid")
                    .and_then(|v| v.as_str())
                    .is_some_and(|sid| sids.iter().any(|s| s == sid))
            })
        })
}

/// The bucket policy change, previewed before it is applied.
#[derive(Debug, Clone)]
pub struct PolicyPreview {
    pub bucket_exists: bool,
    pub diff: Vec<DiffLine>,
    pub changed: bool,
    /// What the security review asks of an existing bucket and it lacks (Block Public
    /// Access, default encryption), one short line each.
    pub security: Vec<String>,
}

/// What the bucket step would do to `bucket`'s policy for `grant`, without changing
/// anything: the wizard shows it for approval before the step runs.
pub async fn preview_policy(
    s3: &S3,
    bucket: &str,
    grant: &ExportGrant,
) -> Result<PolicyPreview, AwsFailure> {
    let exists = s3.bucket_state(bucket).await? != BucketState::Missing;
    let current = if exists {
        s3.policy(bucket).await?
    } else {
        None
    };
    let merged = merge(current.as_deref(), grant).map_err(|e| {
        AwsFailure::new(
            "bucket-policy-unreadable",
            FailureKind::BadInput,
            e.to_string(),
            "the bucket's policy is not a valid IAM policy document",
            "fix it in the S3 console; ddb-ferry will not overwrite it",
        )
    })?;
    // New buckets get Block Public Access and SSE-S3 from AWS itself.
    let security = if exists {
        security_lines(s3, bucket).await
    } else {
        Vec::new()
    };
    Ok(PolicyPreview {
        bucket_exists: exists,
        diff: statement_lines(current.as_deref(), &merged),
        changed: merged.changed,
        security,
    })
}

/// The preview's security lines: Block Public Access and default encryption, short.
async fn security_lines(s3: &S3, bucket: &str) -> Vec<String> {
    let mut lines = Vec::new();
    match s3.public_access_off(bucket).await {
        Ok(off) if off.is_empty() => {}
        Ok(off) => lines.push(format!(
            "Block Public Access is not on ({} off): the export holds the whole table; `aws s3api put-public-access-block` turns it on",
            off.len()
        )),
        Err(f) => lines.push(format!("Block Public Access could not be read: {}", f.code)),
    }
    match s3.default_encryption(bucket).await {
        Ok(true) => {}
        Ok(false) => lines.push(
            "No default encryption on this bucket (the export's own files are encrypted as chosen)"
                .to_owned(),
        ),
        Err(f) => lines.push(format!("Default encryption could not be read: {}", f.code)),
    }
    lines
}

impl Migration {
    /// The folder the bucket policy grants: the fleet's when the table is one of a fleet
    /// (one statement for every table), else this migration's own.
    fn grant_folder(&self) -> String {
        match &self.journal.fleet {
            Some(f) => f.folder.clone(),
            None => self.journal.export_prefix.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_policy_is_ours_alone_only_when_every_statement_has_one_of_our_sids() {
        let ours = ["A".to_owned(), "B".to_owned()];
        let policy = |statements: serde_json::Value| json!({"Statement": statements});
        assert!(only_these_sids(
            &policy(json!([{"Sid": "A"}, {"Sid": "B"}])),
            &ours
        ));
        assert!(!only_these_sids(
            &policy(json!([{"Sid": "A"}, {"Sid": "C"}])),
            &ours
        ));
        assert!(!only_these_sids(
            &policy(json!([{"Sid": "A"}, {"Effect": "Allow"}])),
            &ours
        ));
        assert!(!only_these_sids(&json!({}), &ours));
    }
}
