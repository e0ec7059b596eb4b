//! CloudWatch Logs: the first lines of an import's error log, so a person sees which items
//! were rejected and why without opening the console.

use aws_config::SdkConfig;

use super::explain::AwsFailure;

/// Where DynamoDB writes an import's errors.
pub const IMPORT_LOG_GROUP: &str = "/aws-dynamodb/imports";

/// The import id is the last part of its ARN (`…:table/NAME/import/ID`).
pub fn import_id(import_arn: &str) -> &str {
    import_arn.rsplit('/').next().unwrap_or(import_arn)
}

/// The stream of an import's rejected items.
pub fn import_error_stream(import_arn: &str) -> String {
    format!("{}/error", import_id(import_arn))
}

/// Up to `limit` lines of the import's error log, oldest first; empty when there is no log
/// (yet).
pub async fn first_import_errors(
    config: &SdkConfig,
    import_arn: &str,
    limit: i32,
    side: &str,
) -> Result<Vec<String>, AwsFailure> {
    let client = aws_sdk_cloudwatchlogs::Client::new(config);
    match client
        .get_log_events()
        .log_group_name(IMPORT_LOG_GROUP)
        .log_stream_name(import_error_stream(import_arn))
        .start_from_head(true)
        .limit(limit)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .events()
            .iter()
            .filter_map(|e| e.message().map(|m| m.trim().to_owned()))
            .collect()),
        Err(e) => {
            let f = AwsFailure::from_sdk("logs:GetLogEvents", side, e);
            if f.aws_code.as_deref() == Some("ResourceNotFoundException") {
                Ok(Vec::new())
            } else {
                Err(f)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_stream_is_named_after_the_import_id() {
        let arn =
            "arn:aws:dynamodb:us-east-1:222222222222:table/orders/import/01763990000000-e5f6a7b8";
        assert_eq!(import_id(arn), "01763990000000-e5f6a7b8");
        assert_eq!(import_error_stream(arn), "01763990000000-e5f6a7b8/error");
    }
}
