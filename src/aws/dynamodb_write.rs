//! Writes into a table that exists: BatchWriteItem for plain puts and deletes, and a PutItem
//! that does not overwrite another item.
//!
//! Both are sent without the SDK's own retries: the writer retries them itself, and a
//! throttled call that the SDK had quietly repeated would hide the throttling from the
//! writer's backoff. So throttling comes back as its own failure (`write-throttled`,
//! retryable), and a batch DynamoDB refuses as `write-refused`, which the writer splits to
//! find the item at fault.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, PutRequest, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure, WriteRequest,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::attr::{item_difference, item_from_json, item_to_json, JsonItem};
use super::dynamodb::{build_failure, no_retries, Dynamo};
use super::explain::{AwsFailure, FailureKind};
use crate::logic::changes::WriteOp;
use crate::logic::write_batch::key_attributes;

/// What a BatchWriteItem call did.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchWritten {
    /// Positions (in the requests sent) of the writes DynamoDB did not make this time
    /// (`UnprocessedItems`): they must be sent again.
    pub unprocessed: Vec<usize>,
    /// Write capacity the call consumed, when DynamoDB reported it.
    pub consumed_wcu: Option<f64>,
}

/// What a put that must not overwrite another item found.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionalPut {
    /// No item had the key: the item is written.
    Written,
    /// An item with the key is already there and equals the one written (numbers by value,
    /// sets in any order): an earlier run wrote it, so it is no conflict.
    SameAlready,
    /// Another item with the key is there; it was left as it is.
    Conflict { existing: JsonItem },
}

/// Times a conditional put is tried again when the item it met vanished before it was read.
const VANISHED_ITEM_TRIES: u32 = 3;

impl Dynamo {
    /// Sends `requests` (at most 25, one per key) in one BatchWriteItem.
    pub async fn batch_write(
        &self,
        table: &str,
        requests: &[WriteOp],
    ) -> Result<BatchWritten, AwsFailure> {
        if requests.is_empty() {
            return Ok(BatchWritten {
                unprocessed: Vec::new(),
                consumed_wcu: None,
            });
        }
        let sent = requests
            .iter()
            .map(|op| write_request(op, &self.side))
            .collect::<Result<Vec<_>, _>>()?;
        let out = self
            .client
            .batch_write_item()
            .request_items(table, sent.clone())
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| write_failure("dynamodb:BatchWriteItem", &self.side, e))?;
        let left = out
            .unprocessed_items()
            .and_then(|u| u.get(table))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let consumed: Vec<f64> = out
            .consumed_capacity()
            .iter()
            .filter_map(|c| c.capacity_units())
            .collect();
        Ok(BatchWritten {
            unprocessed: positions_of(left, &sent, requests),
            consumed_wcu: (!consumed.is_empty()).then(|| consumed.iter().sum()),
        })
    }

    /// Puts `item` unless an item with its key exists (`attribute_not_exists` on the
    /// partition key). When one exists, it is compared with `item`: the same item is no
    /// conflict. DynamoDB returns the existing item with the refusal
    /// (ReturnValuesOnConditionCheckFailure); when an endpoint does not, it is read with a
    /// consistent GetItem.
    pub async fn put_item_unless_other(
        &self,
        table: &str,
        item: &JsonItem,
        key_names: &[String],
    ) -> Result<ConditionalPut, AwsFailure> {
        let partition_key = key_names.first().ok_or_else(no_key_names)?;
        let sdk_item = item_from_json(item).ok_or_else(|| not_dynamodb_json(&self.side))?;
        for _ in 0..VANISHED_ITEM_TRIES {
            let sent = self
                .client
                .put_item()
                .table_name(table)
                .set_item(Some(sdk_item.clone()))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", partition_key)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .customize()
                .config_override(no_retries())
                .send()
                .await;
            let err = match sent {
                Ok(_) => return Ok(ConditionalPut::Written),
                Err(err) => err,
            };
            let returned = match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(e)) => e.item().cloned(),
                _ => return Err(write_failure("dynamodb:PutItem", &self.side, err)),
            };
            let existing = match returned.filter(|i| !i.is_empty()) {
                Some(found) => Some(item_to_json(&found)),
                None => {
                    self.read_item(table, &key_attributes(item, key_names))
                        .await?
                }
            };
            match existing {
                Some(existing) if item_difference(&existing, item, "").is_none() => {
                    return Ok(ConditionalPut::SameAlready)
                }
                Some(existing) => return Ok(ConditionalPut::Conflict { existing }),
                // Deleted between the put and the read: put again.
                None => continue,
            }
        }
        // Another writer keeps creating and deleting this item: it is in use, so ours is
        // not written, and what it held cannot be said.
        Ok(ConditionalPut::Conflict {
            existing: JsonItem::new(),
        })
    }

    /// One item by key, read consistently; `None` when there is none.
    async fn read_item(&self, table: &str, key: &JsonItem) -> Result<Option<JsonItem>, AwsFailure> {
        let key = item_from_json(key).ok_or_else(|| not_dynamodb_json(&self.side))?;
        let out = self
            .client
            .get_item()
            .table_name(table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:GetItem", &self.side, e))?;
        Ok(out.item().map(item_to_json))
    }
}

fn write_request(op: &WriteOp, side: &str) -> Result<WriteRequest, AwsFailure> {
    let attributes = item_from_json(op.attributes()).ok_or_else(|| not_dynamodb_json(side))?;
    Ok(match op {
        WriteOp::Put(_) => WriteRequest::builder()
            .put_request(
                PutRequest::builder()
                    .set_item(Some(attributes))
                    .build()
                    .map_err(build_failure)?,
            )
            .build(),
        WriteOp::Delete(_) => WriteRequest::builder()
            .delete_request(
                DeleteRequest::builder()
                    .set_key(Some(attributes))
                    .build()
                    .map_err(build_failure)?,
            )
            .build(),
    })
}

/// Which of the requests sent the unprocessed ones are. DynamoDB hands them back as they were
/// sent; one that matches none (by value or by meaning) makes every request count as
/// unprocessed, since sending a write again is harmless and losing one is not.
fn positions_of(left: &[WriteRequest], sent: &[WriteRequest], requests: &[WriteOp]) -> Vec<usize> {
    let mut taken = vec![false; sent.len()];
    for request in left {
        let exact = (0..sent.len()).find(|&i| !taken[i] && sent[i] == *request);
        let found = exact.or_else(|| {
            let (attributes, delete) = attributes_of(request)?;
            let attributes = item_to_json(attributes);
            (0..sent.len()).find(|&i| {
                !taken[i]
                    && requests[i].is_delete() == delete
                    && item_difference(requests[i].attributes(), &attributes, "").is_none()
            })
        });
        match found {
            Some(i) => taken[i] = true,
            None => return (0..sent.len()).collect(),
        }
    }
    (0..sent.len()).filter(|&i| taken[i]).collect()
}

fn attributes_of(request: &WriteRequest) -> Option<(&HashMap<String, AttributeValue>, bool)> {
    if let Some(put) = request.put_request() {
        return Some((put.item(), false));
    }
    request.delete_request().map(|d| (d.key(), true))
}

/// A failed write call explained.
fn write_failure<E>(operation: &str, side: &str, err: SdkError<E, HttpResponse>) -> AwsFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    write_failure_of(AwsFailure::from_sdk(operation, side, err))
}

/// A write call's failure with throttling (`write-throttled`, retryable) and refused data
/// (`write-refused`) told apart from the rest, which are left as they are.
pub fn write_failure_of(failure: AwsFailure) -> AwsFailure {
    match failure.aws_code.as_deref() {
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded",
        ) => AwsFailure {
            code: "write-throttled".into(),
            kind: FailureKind::AwsRefused,
            why: "the table's or an index's write capacity was used up (provisioned capacity \
                  too low, an on-demand table still scaling up, one busy partition), or the \
                  account's request rate was reached"
                .into(),
            next: "nothing: ddb-ferry waits and sends the writes again until they are written; \
                   to go faster, raise the table's and its indexes' write capacity"
                .into(),
            retryable: true,
            ..failure
        },
        Some("ValidationException") => AwsFailure {
            code: "write-refused".into(),
            kind: FailureKind::BadInput,
            why: "an item of the call breaks a DynamoDB rule: a key attribute missing or of the \
                  wrong type, an empty string key, an empty set, an item over 400 KB, or two \
                  writes of one key in one batch"
                .into(),
            next: "ddb-ferry writes the batch's items in smaller groups to find the item at \
                   fault and reports its key; fix that item at its source and apply it again"
                .into(),
            retryable: false,
            ..failure
        },
        _ => failure,
    }
}

fn not_dynamodb_json(side: &str) -> AwsFailure {
    AwsFailure::new(
        "write-refused",
        FailureKind::BadInput,
        format!("an item to write for {side} holds a value that is not DynamoDB JSON"),
        "the export line passed the checks but a value cannot be sent as an attribute value",
        "fix that item at its source and apply it again",
    )
}

fn no_key_names() -> AwsFailure {
    AwsFailure::new(
        "internal-order",
        FailureKind::BadInput,
        "a conditional put was asked without the table's key names",
        "this is a bug in ddb-ferry",
        "report it with the command that ran",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn put(value: serde_json::Value) -> WriteOp {
        WriteOp::Put(value.as_object().unwrap().clone())
    }

    #[test]
    fn unprocessed_requests_are_found_among_those_sent() {
        let requests = vec![
            put(json!({"pk": {"S": "a"}, "n": {"N": "1.50"}})),
            put(json!({"pk": {"S": "b"}})),
            WriteOp::Delete(json!({"pk": {"S": "c"}}).as_object().unwrap().clone()),
        ];
        let sent: Vec<WriteRequest> = requests
            .iter()
            .map(|op| write_request(op, "side").unwrap())
            .collect();
        assert_eq!(positions_of(&[sent[2].clone()], &sent, &requests), [2]);
        assert_eq!(
            positions_of(&[sent[2].clone(), sent[0].clone()], &sent, &requests),
            [0, 2]
        );
        // Given back with another spelling of a number: found by meaning.
        let respelt =
            write_request(&put(json!({"pk": {"S": "a"}, "n": {"N": "1.5"}})), "side").unwrap();
        assert_eq!(positions_of(&[respelt], &sent, &requests), [0]);
        // Unknown: every request is sent again rather than one lost.
        let stranger = write_request(&put(json!({"pk": {"S": "zz"}})), "side").unwrap();
        assert_eq!(positions_of(&[stranger], &sent, &requests), [0, 1, 2]);
        assert!(positions_of(&[], &sent, &requests).is_empty());
    }

    #[test]
    fn throttling_and_refused_data_have_their_own_codes() {
        for aws in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
        ] {
            let f = write_failure_of(AwsFailure::from_code(
                "dynamodb:BatchWriteItem",
                "side",
                aws,
                "m",
            ));
            assert_eq!(
                (f.code.as_str(), f.retryable),
                ("write-throttled", true),
                "{aws}"
            );
            assert_eq!(f.aws_code.as_deref(), Some(aws));
            assert!(f.what.contains('m') && !f.why.is_empty() && !f.next.is_empty());
        }
        let refused = write_failure_of(AwsFailure::from_code(
            "dynamodb:BatchWriteItem",
            "side",
            "ValidationException",
            "Missing the key sk in the item",
        ));
        assert_eq!(
            (refused.code.as_str(), refused.retryable),
            ("write-refused", false)
        );
        assert!(
            refused.what.contains("Missing the key sk"),
            "{}",
            refused.what
        );
        let denied = write_failure_of(AwsFailure::from_code(
            "op",
            "side",
            "AccessDeniedException",
            "",
        ));
        assert_eq!(denied.code, "access-denied");
    }
}
