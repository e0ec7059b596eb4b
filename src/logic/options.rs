//! What ExportTableToPointInTime is asked for besides the table: the files' format and
//! encryption. Plain data, so the plan, the AWS wrapper and the wizard share one definition.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ExportFormat {
    #[default]
    #[serde(rename = "DYNAMODB_JSON")]
    DynamodbJson,
    #[serde(rename = "ION")]
    Ion,
}

impl ExportFormat {
    pub fn as_aws(self) -> &'static str {
        match self {
            ExportFormat::DynamodbJson => "DYNAMODB_JSON",
            ExportFormat::Ion => "ION",
        }
    }
}

/// Encryption of the exported objects in S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub enum ExportSse {
    /// SSE-S3 (AES256), the default.
    #[default]
    SseS3,
    /// SSE-KMS with a key the source account may use.
    SseKms { kms_key: String },
}
