//! The AWS CLI command equivalent to each call, so a person can see (and repeat by hand)
//! exactly what ddb-ferry does.

use crate::logic::options::{ExportFormat, ExportSse};
use crate::logic::table::TableSpec;

/// Quotes a value for a POSIX shell when it needs it.
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// `--profile P --region R` for one side (omitted parts stay omitted).
pub fn side_args(profile: Option<&str>, region: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(p) = profile {
        s.push_str(&format!(" --profile {}", shell_quote(p)));
    }
    if let Some(r) = region {
        s.push_str(&format!(" --region {}", shell_quote(r)));
    }
    s
}

pub fn update_pitr(side: &str, table: &str, enabled: bool) -> String {
    format!(
        "aws dynamodb update-continuous-backups{side} --table-name {} --point-in-time-recovery-specification PointInTimeRecoveryEnabled={enabled}",
        shell_quote(table)
    )
}

pub fn update_ttl(side: &str, table: &str, attribute: &str) -> String {
    format!(
        "aws dynamodb update-time-to-live{side} --table-name {} --time-to-live-specification Enabled=true,AttributeName={}",
        shell_quote(table),
        shell_quote(attribute)
    )
}

pub fn create_bucket(side: &str, bucket: &str, region: &str) -> String {
    let mut s = format!(
        "aws s3api create-bucket{side} --bucket {}",
        shell_quote(bucket)
    );
    if region != "us-east-1" {
        s.push_str(&format!(
            " --create-bucket-configuration LocationConstraint={}",
            shell_quote(region)
        ));
    }
    s
}

pub fn put_bucket_policy(side: &str, bucket: &str, policy: &serde_json::Value) -> String {
    format!(
        "aws s3api put-bucket-policy{side} --bucket {} --policy {}",
        shell_quote(bucket),
        shell_quote(&policy.to_string())
    )
}

#[allow(clippy::too_many_arguments)]
pub fn export_table(
    side: &str,
    table_arn: &str,
    bucket: &str,
    owner: &str,
    prefix: &str,
    format: ExportFormat,
    encryption: &ExportSse,
    export_time: Option<&str>,
    client_token: &str,
) -> String {
    let mut s = format!(
        "aws dynamodb export-table-to-point-in-time{side} --table-arn {} --s3-bucket {} --s3-bucket-owner {} --s3-prefix {} --export-format {} --client-token {}",
        shell_quote(table_arn),
        shell_quote(bucket),
        shell_quote(owner),
        shell_quote(prefix),
        format.as_aws(),
        shell_quote(client_token)
    );
    match encryption {
        ExportSse::SseS3 => s.push_str(" --s3-sse-algorithm AES256"),
        ExportSse::SseKms { kms_key } => s.push_str(&format!(
            " --s3-sse-algorithm KMS --s3-sse-kms-key-id {}",
            shell_quote(kms_key)
        )),
    }
    if let Some(t) = export_time {
        s.push_str(&format!(" --export-time {}", shell_quote(t)));
    }
    s
}

pub fn describe_export(side: &str, arn: &str) -> String {
    format!(
        "aws dynamodb describe-export{side} --export-arn {}",
        shell_quote(arn)
    )
}

pub fn import_table(
    side: &str,
    bucket: &str,
    owner: Option<&str>,
    data_prefix: &str,
    format: ExportFormat,
    table: &TableSpec,
    client_token: &str,
) -> String {
    let mut source = format!("S3Bucket={bucket},S3KeyPrefix={data_prefix}");
    if let Some(o) = owner {
        source.push_str(&format!(",S3BucketOwner={o}"));
    }
    format!(
        "aws dynamodb import-table{side} --s3-bucket-source {} --input-format {} --input-compression-type GZIP --table-creation-parameters {} --client-token {}",
        shell_quote(&source),
        format.as_aws(),
        shell_quote(&table.creation_parameters_json().to_string()),
        shell_quote(client_token)
    )
}

pub fn describe_import(side: &str, arn: &str) -> String {
    format!(
        "aws dynamodb describe-import{side} --import-arn {}",
        shell_quote(arn)
    )
}

/// Removes every object under `prefix` (a folder, ending in `/`).
pub fn remove_objects(side: &str, bucket: &str, prefix: &str) -> String {
    format!(
        "aws s3 rm{side} {} --recursive",
        shell_quote(&format!("s3://{bucket}/{prefix}"))
    )
}

/// Deletes a bucket; S3 refuses while it holds any object.
pub fn delete_bucket(side: &str, bucket: &str) -> String {
    format!(
        "aws s3api delete-bucket{side} --bucket {}",
        shell_quote(bucket)
    )
}

pub fn delete_bucket_policy(side: &str, bucket: &str) -> String {
    format!(
        "aws s3api delete-bucket-policy{side} --bucket {}",
        shell_quote(bucket)
    )
}

/// Takes the statements with these Sids out of the bucket's policy and writes the rest back,
/// so every other statement is kept: the policy is one document, and deleting it would take
/// others' access with it. Needs `jq`.
pub fn remove_policy_statements(side: &str, bucket: &str, sids: &[String]) -> String {
    let test = sids
        .iter()
        .map(|sid| {
            let quoted = serde_json::to_string(sid).unwrap_or_default();
            format!(".Sid == {quoted}")
        })
        .collect::<Vec<_>>()
        .join(" or ");
    let filter = format!("del(.Statement[] | select({test}))");
    let b = shell_quote(bucket);
    format!(
        "aws s3api put-bucket-policy{side} --bucket {b} --policy \"$(aws s3api get-bucket-policy{side} --bucket {b} --query Policy --output text | jq -c {})\"",
        shell_quote(&filter)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_the_shell() {
        assert_eq!(shell_quote("orders"), "orders");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("{\"a\":1}"), "'{\"a\":1}'");
    }

    #[test]
    fn ttl_command_names_the_table_the_attribute_and_side() {
        let c = update_ttl(&side_args(Some("new"), None), "orders", "expires at");
        assert_eq!(c, "aws dynamodb update-time-to-live --profile new --table-name orders --time-to-live-specification Enabled=true,AttributeName='expires at'");
    }

    #[test]
    fn pitr_command_names_the_table_and_side() {
        let c = update_pitr(&side_args(Some("prod"), Some("eu-west-1")), "orders", true);
        assert_eq!(c, "aws dynamodb update-continuous-backups --profile prod --region eu-west-1 --table-name orders --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true");
    }

    #[test]
    fn removal_commands_keep_what_is_not_ours() {
        let side = side_args(Some("new-prod"), Some("eu-west-1"));
        assert_eq!(
            remove_objects(&side, "bkt", "ddb-ferry/orders-to-orders-1a2b3c4d/"),
            "aws s3 rm --profile new-prod --region eu-west-1 s3://bkt/ddb-ferry/orders-to-orders-1a2b3c4d/ --recursive"
        );
        assert_eq!(
            delete_bucket(&side, "bkt"),
            "aws s3api delete-bucket --profile new-prod --region eu-west-1 --bucket bkt"
        );
        assert_eq!(
            delete_bucket_policy(&side, "bkt"),
            "aws s3api delete-bucket-policy --profile new-prod --region eu-west-1 --bucket bkt"
        );
        assert_eq!(
            remove_policy_statements(&side, "bkt", &["DdbFerryA".into(), "DdbFerryB".into()]),
            r#"aws s3api put-bucket-policy --profile new-prod --region eu-west-1 --bucket bkt --policy "$(aws s3api get-bucket-policy --profile new-prod --region eu-west-1 --bucket bkt --query Policy --output text | jq -c 'del(.Statement[] | select(.Sid == "DdbFerryA" or .Sid == "DdbFerryB"))')""#
        );
        // A Sid with a quote (an edited journal) cannot break out of the jq program.
        let odd = remove_policy_statements("", "bkt", &["it's \"x\"".into()]);
        assert!(odd.contains(r#"select(.Sid == "it'\''s \"x\"")"#), "{odd}");
    }
}
