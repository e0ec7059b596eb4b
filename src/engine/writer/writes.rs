//! What the writer needs of a table: its two write calls.
//!
//! `Dynamo` is the one real implementation. The pipeline is written against this trait so
//! that its promises (nothing dropped under throttling and unprocessed items, a refused item
//! isolated, calls in flight bounded, one call per key at a time) are tested on a table in
//! memory whose faults are scripted, on a paused clock.

use std::future::Future;

use serde_json::{Map, Value};

use crate::aws::dynamodb::Dynamo;
use crate::aws::dynamodb_write::{BatchWritten, ConditionalPut};
use crate::aws::explain::AwsFailure;
use crate::logic::changes::WriteOp;

pub(crate) trait TableWrites: Send + Sync + 'static {
    fn batch_write(
        &self,
        table: &str,
        requests: &[WriteOp],
    ) -> impl Future<Output = Result<BatchWritten, AwsFailure>> + Send;

    fn put_item_unless_other(
        &self,
        table: &str,
        item: &Map<String, Value>,
        key_names: &[String],
    ) -> impl Future<Output = Result<ConditionalPut, AwsFailure>> + Send;
}

impl TableWrites for Dynamo {
    fn batch_write(
        &self,
        table: &str,
        requests: &[WriteOp],
    ) -> impl Future<Output = Result<BatchWritten, AwsFailure>> + Send {
        Dynamo::batch_write(self, table, requests)
    }

    fn put_item_unless_other(
        &self,
        table: &str,
        item: &Map<String, Value>,
        key_names: &[String],
    ) -> impl Future<Output = Result<ConditionalPut, AwsFailure>> + Send {
        Dynamo::put_item_unless_other(self, table, item, key_names)
    }
}
