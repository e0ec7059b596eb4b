//! How a restored table is encrypted. One choice serves both restore roads: DynamoDB's own
//! restores take it as an `SSESpecificationOverride`, AWS Backup's restore job as two keys of
//! its restore metadata. Kept here, free of SDK types, because the plan and the wizard offer
//! it and the AWS wrapper applies it.

use serde::{Deserialize, Serialize};

/// The encryption at rest of a table a restore creates.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RestoreEncryption {
    /// A key owned by DynamoDB, no KMS charges: what AWS Backup's restore does by default.
    #[default]
    Default,
    /// The AWS-managed key `alias/aws/dynamodb` of the restoring account.
    AwsManaged,
    /// A customer-managed KMS key of the restoring account and Region.
    CustomerManaged { kms_key_arn: String },
}

impl RestoreEncryption {
    /// The keys AWS Backup's StartRestoreJob takes for this choice: `encryptionType`
    /// (`Default` or `KMS`) and, for a customer-managed key, `kmsMasterKeyArn`. An
    /// AWS-managed key is `KMS` without a key ARN, as the console sends it.
    pub fn backup_metadata(&self) -> Vec<(&'static str, String)> {
        match self {
            RestoreEncryption::Default => vec![("encryptionType", "Default".to_owned())],
            RestoreEncryption::AwsManaged => vec![("encryptionType", "KMS".to_owned())],
            RestoreEncryption::CustomerManaged { kms_key_arn } => vec![
                ("encryptionType", "KMS".to_owned()),
                ("kmsMasterKeyArn", kms_key_arn.clone()),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_choice_gives_the_restore_metadata_aws_backup_takes() {
        assert_eq!(
            RestoreEncryption::Default.backup_metadata(),
            [("encryptionType", "Default".to_owned())]
        );
        assert_eq!(
            RestoreEncryption::AwsManaged.backup_metadata(),
            [("encryptionType", "KMS".to_owned())]
        );
        let key = "arn:aws:kms:us-east-1:222222222222:key/1234";
        assert_eq!(
            RestoreEncryption::CustomerManaged {
                kms_key_arn: key.into()
            }
            .backup_metadata(),
            [
                ("encryptionType", "KMS".to_owned()),
                ("kmsMasterKeyArn", key.to_owned())
            ]
        );
    }

    #[test]
    fn the_choice_reads_as_a_tagged_object() {
        let c: RestoreEncryption =
            serde_json::from_str(r#"{"type":"customer_managed","kms_key_arn":"k"}"#).unwrap();
        assert_eq!(
            c,
            RestoreEncryption::CustomerManaged {
                kms_key_arn: "k".into()
            }
        );
        assert_eq!(
            serde_json::to_string(&RestoreEncryption::AwsManaged).unwrap(),
            r#"{"type":"aws_managed"}"#
        );
        assert_eq!(RestoreEncryption::default(), RestoreEncryption::Default);
    }
}
