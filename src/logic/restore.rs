//! How a restored table is encrypted, as the plan and AWS Backup's restore metadata name it.

use serde::{Deserialize, Serialize};

/// The restored table's encryption. AWS Backup calls these `encryptionType` Default or KMS
/// (with or without `kmsMasterKeyArn`); DynamoDB's restores call them SSE overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RestoreEncryption {
    /// A key DynamoDB owns (no charge).
    #[default]
    Default,
    /// The account's AWS-managed key `aws/dynamodb`.
    AwsManaged,
    /// A customer-managed KMS key.
    CustomerManaged { kms_key_arn: String },
}
