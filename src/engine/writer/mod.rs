#![allow(dead_code, unused)]
use std::collections::BTreeSet;
use serde_json::{Map, Value};
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::AwsFailure;
use crate::aws::s3::S3;
use crate::logic::changes::LineKind;
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict { Overwrite, SkipExisting, StopAtConflict }
pub struct WriteTarget { pub dynamo: Dynamo, pub table: String, pub key_names: Vec<String>, pub gsi_count: usize }
pub struct WriterOptions { pub on_conflict: OnConflict, pub max_wcu: Option<u32>, pub in_flight: usize, pub failures_kept: usize }
pub struct DataFile { pub bucket: String, pub key: String, pub size_bytes: u64, pub item_count: Option<u64> }
pub struct FileApplied { pub key: String, pub items: u64, pub puts: u64, pub deletes: u64, pub skipped_existing: u64, pub failed: u64, pub bytes: u64 }
pub struct WriteFailure { pub key: Map<String, Value>, pub reason: String, pub aws_code: Option<String> }
pub enum WriterEvent { Progress { items_applied: u64, bytes_applied: u64, retries: u64, throttled: u64 }, FileApplied(FileApplied) }
pub struct WriteReport { pub items: u64, pub puts: u64, pub deletes: u64, pub skipped_existing: u64, pub failed: u64, pub failures: Vec<WriteFailure>, pub retries: u64, pub throttled: u64, pub stopped_at_conflict: Option<WriteFailure> }
pub async fn apply_files(target: &WriteTarget, options: &WriterOptions, s3: &S3, files: &[DataFile], kind: LineKind, already_done: &BTreeSet<String>, on_event: &mut (dyn FnMut(WriterEvent) -> Result<(), AwsFailure> + Send)) -> Result<WriteReport, AwsFailure> { todo!() }
