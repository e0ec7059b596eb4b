#![allow(dead_code, unused)]
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::AwsFailure;
use serde_json::{Map, Value};
pub struct CompareSide {
    pub dynamo: Dynamo,
    pub table: String,
}
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareOptions {
    pub segments: u32,
    pub max_rcu: Option<u32>,
    pub buckets: u32,
    pub show: usize,
}
#[derive(Debug, Clone, serde::Serialize)]
pub enum CompareEvent {
    Progress { source_items: u64, dest_items: u64 },
}
pub struct Difference {
    pub key: Map<String, Value>,
}
pub struct CompareReport {
    pub equal: bool,
    pub source_items: u64,
    pub dest_items: u64,
    pub differences: Vec<Difference>,
    pub more_differences: u64,
    pub expired_ttl_count: u64,
}
pub async fn compare_tables(
    source: &CompareSide,
    dest: &CompareSide,
    key_names: &[String],
    ttl_attribute: Option<&str>,
    now_epoch_secs: i64,
    options: &CompareOptions,
    on_event: &mut (dyn FnMut(CompareEvent) + Send),
) -> Result<CompareReport, AwsFailure> {
    todo!()
}
