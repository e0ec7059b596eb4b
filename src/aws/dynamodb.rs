//! DynamoDB calls a migration makes, returning plain types.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    self as ddb, AttributeValue, BillingMode, ExportFormat as SdkExportFormat,
    InputCompressionType, InputFormat, PointInTimeRecoverySpecification, S3BucketSource,
    S3SseAlgorithm, Select, SseSpecification, SseType, TableCreationParameters,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_types::DateTime;

use super::attr::{item_to_json, JsonItem};
use super::clock::{AwsClock, DateHeaderReader};
use super::dynamodb_backup::restore_summary;
use super::explain::AwsFailure;
use crate::logic::options::{ExportFormat, ExportSse};
use crate::logic::table::{
    Billing, Capacity, GsiSpec, KeySpec, KeyType, LsiSpec, Projection, SourceTable, TableSpec,
    TableSse,
};

/// A DynamoDB client for one side, with the side's name for messages.
#[derive(Clone, Debug)]
pub struct Dynamo {
    pub(super) client: Client,
    pub(super) side: String,
    /// AWS's clock as this side's answers give it (catch-up's lag is measured on it).
    pub(super) clock: AwsClock,
}

/// PITR as DescribeContinuousBackups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PitrStatus {
    /// `ENABLED`, `DISABLED` (or `ENABLING` while it turns on).
    pub status: String,
    pub earliest_restorable: Option<String>,
    pub latest_restorable: Option<String>,
}

impl PitrStatus {
    pub fn is_enabled(&self) -> bool {
        self.status == "ENABLED"
    }
}

/// An export job as DescribeExport reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportInfo {
    pub arn: String,
    pub status: String,
    pub client_token: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_prefix: Option<String>,
    pub manifest_key: Option<String>,
    pub item_count: Option<i64>,
    pub billed_bytes: Option<i64>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// The point in time a full export reads the table at.
    pub export_time: Option<String>,
    /// `FULL_EXPORT` or `INCREMENTAL_EXPORT`.
    pub export_type: Option<String>,
}

/// The window of an incremental export: the source's writes from `from` (inclusive) to `to`
/// (exclusive), as change records with the new image of each item (and the old one, when
/// asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncrementalWindow {
    pub from: time::OffsetDateTime,
    pub to: time::OffsetDateTime,
    pub old_images: bool,
}

/// An import job as DescribeImport reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportInfo {
    pub arn: String,
    pub status: String,
    pub client_token: Option<String>,
    pub table_arn: Option<String>,
    pub processed_items: i64,
    pub imported_items: i64,
    pub error_count: i64,
    pub processed_bytes: Option<i64>,
    pub log_group_arn: Option<String>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

/// One job as ListExports or ListImports report it: enough to tell whether it moved, without
/// the Describe call that says everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedJob {
    pub arn: String,
    pub status: String,
}

/// Jobs a list call returns in one page: AWS's largest page for both ListExports and
/// ListImports.
pub const LIST_PAGE_SIZE: i32 = 25;

/// What an export call needs.
#[derive(Debug, Clone)]
pub struct ExportRequest<'a> {
    pub table_arn: &'a str,
    pub bucket: &'a str,
    pub bucket_owner: &'a str,
    pub prefix: &'a str,
    pub format: ExportFormat,
    pub encryption: &'a ExportSse,
    pub export_time: Option<time::OffsetDateTime>,
    /// An incremental export of this window instead of a full one.
    pub incremental: Option<IncrementalWindow>,
    pub client_token: &'a str,
}

/// What an import call needs.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    pub bucket: &'a str,
    pub bucket_owner: Option<&'a str>,
    pub data_prefix: &'a str,
    pub format: ExportFormat,
    pub table: &'a TableSpec,
    pub client_token: &'a str,
}

pub(super) fn time_text(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// An index's projection; AWS omits nothing here, but ALL is the safe reading of a gap.
fn projection_of(p: Option<&ddb::Projection>) -> Projection {
    Projection {
        kind: p
            .and_then(|p| p.projection_type())
            .map_or("ALL".to_owned(), |t| t.as_str().to_owned()),
        non_key_attributes: p
            .map(|p| p.non_key_attributes().to_vec())
            .unwrap_or_default(),
    }
}

fn key_type(t: &ddb::ScalarAttributeType) -> KeyType {
    match t {
        ddb::ScalarAttributeType::N => KeyType::N,
        ddb::ScalarAttributeType::B => KeyType::B,
        _ => KeyType::S,
    }
}

fn sdk_key_type(t: KeyType) -> ddb::ScalarAttributeType {
    match t {
        KeyType::S => ddb::ScalarAttributeType::S,
        KeyType::N => ddb::ScalarAttributeType::N,
        KeyType::B => ddb::ScalarAttributeType::B,
    }
}

fn keys_of(
    schema: &[ddb::KeySchemaElement],
    defs: &HashMap<String, KeyType>,
) -> Option<(KeySpec, Option<KeySpec>)> {
    let spec = |e: &ddb::KeySchemaElement| KeySpec {
        name: e.attribute_name().to_owned(),
        kind: defs.get(e.attribute_name()).copied().unwrap_or(KeyType::S),
    };
    let hash = schema
        .iter()
        .find(|e| e.key_type() == &ddb::KeyType::Hash)?;
    let range = schema.iter().find(|e| e.key_type() == &ddb::KeyType::Range);
    Some((spec(hash), range.map(spec)))
}

fn key_schema(
    pk: &KeySpec,
    sk: &Option<KeySpec>,
) -> Result<Vec<ddb::KeySchemaElement>, AwsFailure> {
    let mut out = vec![ddb::KeySchemaElement::builder()
        .attribute_name(&pk.name)
        .key_type(ddb::KeyType::Hash)
        .build()
        .map_err(build_failure)?];
    if let Some(s) = sk {
        out.push(
            ddb::KeySchemaElement::builder()
                .attribute_name(&s.name)
                .key_type(ddb::KeyType::Range)
                .build()
                .map_err(build_failure)?,
        );
    }
    Ok(out)
}

/// For the calls that start a job: the SDK must not repeat them on its own. A repeat after a
/// lost answer relies on AWS honouring the ClientToken; the engine looks for the job first.
pub(super) fn no_retries() -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::config::Builder::default()
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
}

pub(super) fn build_failure(e: aws_sdk_dynamodb::error::BuildError) -> AwsFailure {
    AwsFailure::new(
        "invalid-request",
        super::explain::FailureKind::BadInput,
        format!("a request could not be built: {e}"),
        "a required value is missing from the plan",
        "check the plan against docs/plan-format.md",
    )
}

impl Dynamo {
    pub fn new(config: &SdkConfig, side: impl Into<String>) -> Self {
        let clock = AwsClock::default();
        let conf = aws_sdk_dynamodb::config::Builder::from(config)
            .interceptor(DateHeaderReader(clock.clone()))
            .build();
        Self {
            client: Client::from_conf(conf),
            side: side.into(),
            clock,
        }
    }

    /// AWS's clock, as the last answer of this side gave it.
    pub fn aws_clock(&self) -> &AwsClock {
        &self.clock
    }

    pub fn side(&self) -> &str {
        &self.side
    }

    /// Describes a table; `Ok(None)` when it does not exist.
    pub async fn describe_table(&self, name: &str) -> Result<Option<SourceTable>, AwsFailure> {
        let out = match self.client.describe_table().table_name(name).send().await {
            Ok(o) => o,
            Err(e) => {
                let f = AwsFailure::from_sdk("dynamodb:DescribeTable", &self.side, e);
                if f.aws_code.as_deref() == Some("ResourceNotFoundException") {
                    return Ok(None);
                }
                return Err(f);
            }
        };
        let Some(t) = out.table() else {
            return Ok(None);
        };
        let defs: HashMap<String, KeyType> = t
            .attribute_definitions()
            .iter()
            .map(|d| (d.attribute_name().to_owned(), key_type(d.attribute_type())))
            .collect();
        let Some((partition_key, sort_key)) = keys_of(t.key_schema(), &defs) else {
            return Err(AwsFailure::from_code(
                "dynamodb:DescribeTable",
                &self.side,
                "NoKeySchema",
                "the table description has no partition key",
            ));
        };
        let billing = match t.billing_mode_summary().and_then(|b| b.billing_mode()) {
            Some(BillingMode::PayPerRequest) => Billing::PayPerRequest,
            _ => {
                let p = t.provisioned_throughput();
                let read = p.and_then(|p| p.read_capacity_units()).unwrap_or(0);
                let write = p.and_then(|p| p.write_capacity_units()).unwrap_or(0);
                if read == 0 && write == 0 {
                    Billing::PayPerRequest
                } else {
                    Billing::Provisioned { read, write }
                }
            }
        };
        let gsis = t
            .global_secondary_indexes()
            .iter()
            .filter_map(|g| {
                let (pk, sk) = keys_of(g.key_schema(), &defs)?;
                let projection = projection_of(g.projection());
                let capacity = g.provisioned_throughput().and_then(|p| {
                    let (r, w) = (p.read_capacity_units()?, p.write_capacity_units()?);
                    (r > 0 || w > 0).then_some(Capacity { read: r, write: w })
                });
                Some(GsiSpec {
                    name: g.index_name().unwrap_or_default().to_owned(),
                    partition_key: pk,
                    sort_key: sk,
                    projection,
                    capacity,
                })
            })
            .collect();
        let sse = match t.sse_description() {
            Some(d) if d.sse_type() == Some(&SseType::Kms) => match d.kms_master_key_arn() {
                Some(arn) if !arn.contains("alias/aws/dynamodb") => TableSse::CustomerManaged {
                    kms_key: arn.to_owned(),
                },
                _ => TableSse::AwsManaged,
            },
            _ => TableSse::DynamodbOwned,
        };
        Ok(Some(SourceTable {
            name: t.table_name().unwrap_or(name).to_owned(),
            arn: t.table_arn().unwrap_or_default().to_owned(),
            status: t
                .table_status()
                .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
            partition_key,
            sort_key,
            gsis,
            lsis: t
                .local_secondary_indexes()
                .iter()
                .filter_map(|l| l.index_name().map(str::to_owned))
                .collect(),
            lsi_specs: t
                .local_secondary_indexes()
                .iter()
                .filter_map(|l| {
                    let (_, sort_key) = keys_of(l.key_schema(), &defs)?;
                    Some(LsiSpec {
                        name: l.index_name()?.to_owned(),
                        sort_key: sort_key?,
                        projection: projection_of(l.projection()),
                    })
                })
                .collect(),
            billing,
            sse,
            item_count: t.item_count().unwrap_or(0),
            size_bytes: t.table_size_bytes().unwrap_or(0),
            stream: t
                .stream_specification()
                .filter(|s| s.stream_enabled())
                .map(|s| {
                    s.stream_view_type()
                        .map_or("ENABLED".to_owned(), |v| v.as_str().to_owned())
                }),
            table_class: t
                .table_class_summary()
                .and_then(|c| c.table_class())
                .map(|c| c.as_str().to_owned()),
            deletion_protection: t.deletion_protection_enabled().unwrap_or(false),
            restore: t.restore_summary().map(restore_summary),
        }))
    }

    /// Every table name in the side's region (all pages).
    pub async fn list_tables(&self) -> Result<Vec<String>, AwsFailure> {
        let mut names = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let out = self
                .client
                .list_tables()
                .set_exclusive_start_table_name(start.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("dynamodb:ListTables", &self.side, e))?;
            names.extend(out.table_names().iter().cloned());
            match out.last_evaluated_table_name() {
                Some(n) if !n.is_empty() => start = Some(n.to_owned()),
                _ => break,
            }
        }
        Ok(names)
    }

    pub async fn pitr_status(&self, table: &str) -> Result<PitrStatus, AwsFailure> {
        let out = self
            .client
            .describe_continuous_backups()
            .table_name(table)
            .send()
            .await
            .map_err(|e| {
                AwsFailure::from_sdk("dynamodb:DescribeContinuousBackups", &self.side, e)
            })?;
        let pitr = out
            .continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description());
        Ok(PitrStatus {
            status: pitr
                .and_then(|p| p.point_in_time_recovery_status())
                .map_or("DISABLED".to_owned(), |s| s.as_str().to_owned()),
            earliest_restorable: time_text(pitr.and_then(|p| p.earliest_restorable_date_time())),
            latest_restorable: time_text(pitr.and_then(|p| p.latest_restorable_date_time())),
        })
    }

    /// The Kinesis data streams a table sends its changes to (active or being turned on).
    pub async fn kinesis_destinations(&self, table: &str) -> Result<Vec<String>, AwsFailure> {
        let out = self
            .client
            .describe_kinesis_streaming_destination()
            .table_name(table)
            .send()
            .await
            .map_err(|e| {
                AwsFailure::from_sdk(
                    "dynamodb:DescribeKinesisStreamingDestination",
                    &self.side,
                    e,
                )
            })?;
        Ok(out
            .kinesis_data_stream_destinations()
            .iter()
            .filter(|d| {
                matches!(
                    d.destination_status(),
                    Some(ddb::DestinationStatus::Active | ddb::DestinationStatus::Enabling)
                )
            })
            .filter_map(|d| d.stream_arn().map(str::to_owned))
            .collect())
    }

    pub async fn set_pitr(&self, table: &str, enabled: bool) -> Result<(), AwsFailure> {
        let spec = PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(enabled)
            .build()
            .map_err(build_failure)?;
        self.client
            .update_continuous_backups()
            .table_name(table)
            .point_in_time_recovery_specification(spec)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:UpdateContinuousBackups", &self.side, e))?;
        Ok(())
    }

    pub async fn export(&self, req: &ExportRequest<'_>) -> Result<ExportInfo, AwsFailure> {
        let mut call = self
            .client
            .export_table_to_point_in_time()
            .table_arn(req.table_arn)
            .s3_bucket(req.bucket)
            .s3_bucket_owner(req.bucket_owner)
            .s3_prefix(req.prefix)
            .client_token(req.client_token)
            .export_format(match req.format {
                ExportFormat::DynamodbJson => SdkExportFormat::DynamodbJson,
                ExportFormat::Ion => SdkExportFormat::Ion,
            });
        call = match req.encryption {
            ExportSse::SseS3 => call.s3_sse_algorithm(S3SseAlgorithm::Aes256),
            ExportSse::SseKms { kms_key } => call
                .s3_sse_algorithm(S3SseAlgorithm::Kms)
                .s3_sse_kms_key_id(kms_key),
        };
        if let Some(t) = req.export_time {
            // To the millisecond: a time cut to the second can fall before PITR's start.
            call = call.export_time(precise_time(t));
        }
        if let Some(w) = req.incremental {
            let view = if w.old_images {
                ddb::ExportViewType::NewAndOldImages
            } else {
                ddb::ExportViewType::NewImage
            };
            call = call
                .export_type(ddb::ExportType::IncrementalExport)
                .incremental_export_specification(
                    ddb::IncrementalExportSpecification::builder()
                        .export_from_time(precise_time(w.from))
                        .export_to_time(precise_time(w.to))
                        .export_view_type(view)
                        .build(),
                );
        }
        let out = call
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| {
                AwsFailure::from_sdk("dynamodb:ExportTableToPointInTime", &self.side, e)
            })?;
        out.export_description()
            .map(export_info)
            .ok_or_else(|| missing_answer("ExportTableToPointInTime", &self.side))
    }

    pub async fn describe_export(&self, arn: &str) -> Result<ExportInfo, AwsFailure> {
        let out = self
            .client
            .describe_export()
            .export_arn(arn)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:DescribeExport", &self.side, e))?;
        out.export_description()
            .map(export_info)
            .ok_or_else(|| missing_answer("DescribeExport", &self.side))
    }

    /// ARNs of the table's exports (running ones included), every page.
    pub async fn list_exports(&self, table_arn: &str) -> Result<Vec<String>, AwsFailure> {
        let mut arns = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_exports()
                .table_arn(table_arn)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("dynamodb:ListExports", &self.side, e))?;
            arns.extend(
                out.export_summaries()
                    .iter()
                    .filter_map(|s| s.export_arn().map(str::to_owned)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(arns)
    }

    /// One page of every export in the side's account and region (all tables, finished ones of
    /// the last 90 days included) with their status, and the token of the next page: a fleet
    /// watches its exports with these instead of one DescribeExport per job.
    pub async fn list_exports_page(
        &self,
        next_token: Option<String>,
    ) -> Result<(Vec<ListedJob>, Option<String>), AwsFailure> {
        let out = self
            .client
            .list_exports()
            .max_results(LIST_PAGE_SIZE)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:ListExports", &self.side, e))?;
        let jobs = out
            .export_summaries()
            .iter()
            .filter_map(|s| {
                Some(ListedJob {
                    arn: s.export_arn()?.to_owned(),
                    status: s
                        .export_status()
                        .map_or("UNKNOWN".to_owned(), |st| st.as_str().to_owned()),
                })
            })
            .collect();
        Ok((jobs, next_page(out.next_token())))
    }

    pub async fn import(&self, req: &ImportRequest<'_>) -> Result<ImportInfo, AwsFailure> {
        let t = req.table;
        let defs = t
            .attribute_definitions()
            .iter()
            .map(|k| {
                ddb::AttributeDefinition::builder()
                    .attribute_name(&k.name)
                    .attribute_type(sdk_key_type(k.kind))
                    .build()
                    .map_err(build_failure)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut params = TableCreationParameters::builder()
            .table_name(&t.name)
            .set_attribute_definitions(Some(defs))
            .set_key_schema(Some(key_schema(&t.partition_key, &t.sort_key)?));
        params = match t.billing {
            Billing::PayPerRequest => params.billing_mode(BillingMode::PayPerRequest),
            Billing::Provisioned { read, write } => params
                .billing_mode(BillingMode::Provisioned)
                .provisioned_throughput(throughput(read, write)?),
        };
        for g in &t.gsis {
            let mut projection = ddb::Projection::builder()
                .projection_type(ddb::ProjectionType::from(g.projection.kind.as_str()));
            if !g.projection.non_key_attributes.is_empty() {
                projection = projection
                    .set_non_key_attributes(Some(g.projection.non_key_attributes.clone()));
            }
            let mut gsi = ddb::GlobalSecondaryIndex::builder()
                .index_name(&g.name)
                .set_key_schema(Some(key_schema(&g.partition_key, &g.sort_key)?))
                .projection(projection.build());
            if let (Billing::Provisioned { read, write }, capacity) = (t.billing, g.capacity) {
                let c = capacity.unwrap_or(Capacity { read, write });
                gsi = gsi.provisioned_throughput(throughput(c.read, c.write)?);
            }
            params = params.global_secondary_indexes(gsi.build().map_err(build_failure)?);
        }
        match &t.sse {
            TableSse::DynamodbOwned => {}
            TableSse::AwsManaged => {
                params = params.sse_specification(
                    SseSpecification::builder()
                        .enabled(true)
                        .sse_type(SseType::Kms)
                        .build(),
                );
            }
            TableSse::CustomerManaged { kms_key } => {
                params = params.sse_specification(
                    SseSpecification::builder()
                        .enabled(true)
                        .sse_type(SseType::Kms)
                        .kms_master_key_id(kms_key)
                        .build(),
                );
            }
        }
        let source = S3BucketSource::builder()
            .s3_bucket(req.bucket)
            .s3_key_prefix(req.data_prefix)
            .set_s3_bucket_owner(req.bucket_owner.map(str::to_owned))
            .build()
            .map_err(build_failure)?;
        let out = self
            .client
            .import_table()
            .client_token(req.client_token)
            .s3_bucket_source(source)
            .input_format(match req.format {
                ExportFormat::DynamodbJson => InputFormat::DynamodbJson,
                ExportFormat::Ion => InputFormat::Ion,
            })
            .input_compression_type(InputCompressionType::Gzip)
            .table_creation_parameters(params.build().map_err(build_failure)?)
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:ImportTable", &self.side, e))?;
        out.import_table_description()
            .map(import_info)
            .ok_or_else(|| missing_answer("ImportTable", &self.side))
    }

    pub async fn describe_import(&self, arn: &str) -> Result<ImportInfo, AwsFailure> {
        let out = self
            .client
            .describe_import()
            .import_arn(arn)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:DescribeImport", &self.side, e))?;
        out.import_table_description()
            .map(import_info)
            .ok_or_else(|| missing_answer("DescribeImport", &self.side))
    }

    /// ARNs of imports into `table_arn` (running ones included), every page.
    pub async fn list_imports(&self, table_arn: &str) -> Result<Vec<String>, AwsFailure> {
        let mut arns = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_imports()
                .table_arn(table_arn)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("dynamodb:ListImports", &self.side, e))?;
            arns.extend(
                out.import_summary_list()
                    .iter()
                    .filter_map(|s| s.import_arn().map(str::to_owned)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(arns)
    }

    /// One page of every import in the side's account and region, with their status, and the
    /// token of the next page: `list_exports_page` for imports.
    pub async fn list_imports_page(
        &self,
        next_token: Option<String>,
    ) -> Result<(Vec<ListedJob>, Option<String>), AwsFailure> {
        let out = self
            .client
            .list_imports()
            .page_size(LIST_PAGE_SIZE)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:ListImports", &self.side, e))?;
        let jobs = out
            .import_summary_list()
            .iter()
            .filter_map(|s| {
                Some(ListedJob {
                    arn: s.import_arn()?.to_owned(),
                    status: s
                        .import_status()
                        .map_or("UNKNOWN".to_owned(), |st| st.as_str().to_owned()),
                })
            })
            .collect();
        Ok((jobs, next_page(out.next_token())))
    }

    /// Reads items by key (BatchGetItem, 100 at a time, unprocessed keys retried).
    /// Reads items by key with consistent reads (BatchGetItem, 100 keys a call, unprocessed
    /// keys sent again).
    pub async fn get_items(
        &self,
        table: &str,
        keys: &[JsonItem],
    ) -> Result<Vec<JsonItem>, AwsFailure> {
        self.get_items_consistent(table, keys).await
    }

    pub async fn count_items(&self, table: &str) -> Result<i64, AwsFailure> {
        let mut total = 0i64;
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(table)
                .select(Select::Count)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("dynamodb:Scan", &self.side, e))?;
            total += i64::from(out.count());
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(total)
    }

    /// The first `limit` items of a Scan with consistent reads: a sample to compare, read
    /// without going through the whole table.
    pub async fn first_items(
        &self,
        table: &str,
        limit: usize,
    ) -> Result<Vec<JsonItem>, AwsFailure> {
        let mut items = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        while items.len() < limit {
            let page = (limit - items.len()).min(1000) as i32;
            let out = self
                .client
                .scan()
                .table_name(table)
                .consistent_read(true)
                .limit(page)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("dynamodb:Scan", &self.side, e))?;
            items.extend(out.items().iter().map(item_to_json));
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        items.truncate(limit);
        Ok(items)
    }

    /// Turns TTL on for `attribute` (a setting ImportTable does not carry).
    pub async fn set_ttl(&self, table: &str, attribute: &str) -> Result<(), AwsFailure> {
        let spec = ddb::TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(build_failure)?;
        self.client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:UpdateTimeToLive", &self.side, e))?;
        Ok(())
    }

    /// The TTL attribute, when TTL is on.
    pub async fn ttl_attribute(&self, table: &str) -> Result<Option<String>, AwsFailure> {
        let out = self
            .client
            .describe_time_to_live()
            .table_name(table)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:DescribeTimeToLive", &self.side, e))?;
        Ok(out.time_to_live_description().and_then(|d| {
            let on = matches!(
                d.time_to_live_status(),
                Some(ddb::TimeToLiveStatus::Enabled) | Some(ddb::TimeToLiveStatus::Enabling)
            );
            on.then(|| d.attribute_name().unwrap_or_default().to_owned())
        }))
    }

    pub async fn tags(&self, arn: &str) -> Result<Vec<(String, String)>, AwsFailure> {
        let out = self
            .client
            .list_tags_of_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| AwsFailure::from_sdk("dynamodb:ListTagsOfResource", &self.side, e))?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
}

fn throughput(read: i64, write: i64) -> Result<ddb::ProvisionedThroughput, AwsFailure> {
    ddb::ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .map_err(build_failure)
}

/// AWS ends a listing with no token or, in some answers, an empty one.
fn next_page(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_owned)
}

pub(super) fn missing_answer(op: &str, side: &str) -> AwsFailure {
    AwsFailure::from_code(
        op,
        side,
        "EmptyResponse",
        "AWS answered without a description",
    )
}

fn export_info(d: &ddb::ExportDescription) -> ExportInfo {
    ExportInfo {
        arn: d.export_arn().unwrap_or_default().to_owned(),
        status: d
            .export_status()
            .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
        client_token: d.client_token().map(str::to_owned),
        s3_bucket: d.s3_bucket().map(str::to_owned),
        s3_prefix: d.s3_prefix().map(str::to_owned),
        manifest_key: d.export_manifest().map(str::to_owned),
        item_count: d.item_count(),
        billed_bytes: d.billed_size_bytes(),
        failure_code: d.failure_code().map(str::to_owned),
        failure_message: d.failure_message().map(str::to_owned),
        start_time: time_text(d.start_time()),
        end_time: time_text(d.end_time()),
        export_time: time_text(d.export_time()),
        export_type: d.export_type().map(|t| t.as_str().to_owned()),
    }
}

/// A time with its fraction of a second: windows must meet exactly, so none is rounded.
fn precise_time(t: time::OffsetDateTime) -> DateTime {
    DateTime::from_nanos(t.unix_timestamp_nanos())
        .unwrap_or(DateTime::from_secs(t.unix_timestamp()))
}

fn import_info(d: &ddb::ImportTableDescription) -> ImportInfo {
    ImportInfo {
        arn: d.import_arn().unwrap_or_default().to_owned(),
        status: d
            .import_status()
            .map_or("UNKNOWN".to_owned(), |s| s.as_str().to_owned()),
        client_token: d.client_token().map(str::to_owned),
        table_arn: d.table_arn().map(str::to_owned),
        processed_items: d.processed_item_count(),
        imported_items: d.imported_item_count(),
        error_count: d.error_count(),
        processed_bytes: d.processed_size_bytes(),
        log_group_arn: d.cloud_watch_log_group_arn().map(str::to_owned),
        failure_code: d.failure_code().map(str::to_owned),
        failure_message: d.failure_message().map(str::to_owned),
        start_time: time_text(d.start_time()),
        end_time: time_text(d.end_time()),
    }
}
