//! Preflight: who each side is, that the source table exists, that the destination name is
//! free and the bucket usable — all before anything changes.

use super::super::cli_equivalent::side_args;
use super::super::events::Event;
use super::super::journal::Step;
use super::super::migration::{Migration, SideClients, StepResult};
use super::super::plan::Via;
use crate::aws::backup::AwsBackup;
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::s3::{BucketState, S3};
use crate::aws::session::custom_endpoint;
use crate::aws::sts::Identity;
use crate::engine::sides::{connect_sides, same_account_as_before};
use crate::logic::names;
use crate::logic::options::ExportSse;
use crate::logic::table::{SourceTable, TableSpec, TableSse};

const STEP: Step = Step::Preflight;

impl Migration {
    pub(crate) async fn preflight(&mut self) -> StepResult {
        let plan = self.plan().clone();
        let endpoint = self.journal.endpoint_url.clone();
        let (source, dest) = connect_sides(&plan, endpoint).await?;
        let (source_label, source_spec, source_config, source_id) =
            (source.label, source.spec, source.config, source.identity);
        let (dest_label, dest_spec, dest_config, dest_id) =
            (dest.label, dest.spec, dest.config, dest.identity);
        same_account_as_before("source", &source_id, self.journal.source_identity.as_ref())?;
        same_account_as_before("destination", &dest_id, self.journal.dest_identity.as_ref())?;
        self.events.send(Event::Identity {
            side: "source",
            identity: source_id.clone(),
        });
        self.events.send(Event::Identity {
            side: "destination",
            identity: dest_id.clone(),
        });
        if source_id.account == dest_id.account {
            self.events.warn(
                STEP,
                format!(
                    "source and destination are the same account ({}); that works (a copy within one account or across regions), but check that this is what you meant",
                    source_id.account
                ),
            );
        }
        let source_dynamo = Dynamo::new(&source_config, source_label.clone());
        let dest_dynamo = Dynamo::new(&dest_config, dest_label.clone());

        let Some(table) = source_dynamo.describe_table(&plan.source.table).await? else {
            return Err(AwsFailure::new(
                "source-table-missing",
                FailureKind::BadInput,
                format!(
                    "the source table \"{}\" does not exist in account {} ({})",
                    plan.source.table, source_id.account, source_id.region
                ),
                "table names are case-sensitive and belong to one region",
                format!(
                    "check `source.table` and `source.region` in the plan; list the tables with `aws dynamodb list-tables{}`",
                    side_args(plan.source.profile.as_deref(), Some(&source_id.region))
                ),
            )
            .into());
        };
        let via = plan.via;
        // A restore keeps local secondary indexes; only an import loses them.
        if via == Via::S3 {
            for lsi in &table.lsis {
                self.events
                    .warn_explained(STEP, AwsFailure::lsi_not_carried(lsi));
            }
        }
        // What the security review asks about the source: how it is encrypted, and PITR.
        let pitr = source_dynamo.pitr_status(&plan.source.table).await?;
        self.events.info(
            STEP,
            format!(
                "source table {}: encryption {}; point-in-time recovery {}",
                plan.source.table,
                sse_text(&table.sse),
                pitr.status
            ),
        );
        let spec = self.resolve_table_spec(&table)?;

        // The name is ours once our import or restore started: then the table is its own.
        // A plan that loads into an existing table (`options.existing_table`) wants it there;
        // the import step checks it.
        if self.journal.import.is_none()
            && self.journal.backup.restore.is_none()
            && !self.defer_new_table_check
            && plan.options.existing_table.is_none()
            && dest_dynamo.describe_table(&spec.name).await?.is_some()
        {
            return Err(AwsFailure::new(
                "table-exists",
                FailureKind::BadInput,
                format!(
                    "a table named \"{}\" already exists in the destination account {} ({})",
                    spec.name, dest_id.account, dest_id.region
                ),
                "an import or a restore always creates a new table; ddb-ferry never writes into an existing one",
                "choose another name in the plan (`table.name`); to write the export into this table, say so with `options.existing_table` (docs/catch-up.md)",
            )
            .into());
        }

        let source_endpoint = custom_endpoint(&source_spec).await;
        let dest_endpoint = custom_endpoint(&dest_spec).await;
        if via == Via::S3 {
            self.check_bucket(&dest_config, dest_endpoint.is_some(), &dest_id, &dest_label)
                .await?;
        }
        self.journal.source_identity = Some(source_id);
        self.journal.dest_identity = Some(dest_id.clone());
        self.journal.source_table = Some(table);
        self.journal.table_spec = Some(spec);
        let source_backup = AwsBackup::new(&source_config, source_label.clone());
        let dest_backup = AwsBackup::new(&dest_config, dest_label.clone());
        self.source = Some(SideClients {
            backup: source_backup,
            cli_args: side_args(
                plan.source.profile.as_deref(),
                Some(&region_of_config(&source_config)),
            ),
            config: source_config,
            dynamo: source_dynamo,
            custom_endpoint: source_endpoint,
        });
        self.dest = Some(SideClients {
            backup: dest_backup,
            cli_args: side_args(plan.destination.profile.as_deref(), Some(&dest_id.region)),
            config: dest_config,
            dynamo: dest_dynamo,
            custom_endpoint: dest_endpoint,
        });
        if via == Via::Backup {
            self.backup_preflight(&pitr).await?;
        }
        self.save()?;
        let what = match via {
            Via::S3 => "the bucket is usable",
            Via::Backup => "every prerequisite of the backup road is in place",
        };
        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "both accounts answered; the source table exists; the new table name is free; {what}"
            ),
        });
        Ok(())
    }

    /// The S3 road's checks of the destination bucket: it exists in the right region (or
    /// will be created), this account may use it, and an export can write to it.
    async fn check_bucket(
        &mut self,
        dest_config: &aws_config::SdkConfig,
        custom_endpoint: bool,
        dest_id: &Identity,
        dest_label: &str,
    ) -> Result<(), AwsFailure> {
        let plan = self.plan().clone();
        let bucket_region = plan
            .destination
            .bucket_region
            .clone()
            .unwrap_or_else(|| dest_id.region.clone());
        let s3 = S3::new(
            dest_config,
            &bucket_region,
            custom_endpoint,
            dest_label.to_owned(),
        );
        let owner = plan
            .destination
            .bucket_owner
            .clone()
            .unwrap_or_else(|| dest_id.account.clone());
        check_kms_regions(&plan, &bucket_region, &dest_id.region)?;
        match s3.bucket_state(&plan.destination.bucket).await? {
            // The journal says the export finished: its files were in this bucket.
            BucketState::Missing if self.journal.step > Step::Export => {
                return Err(AwsFailure::export_files_gone(
                    &plan.destination.bucket,
                    &self.journal.export_prefix,
                ));
            }
            BucketState::Reachable => {
                let actual = s3.bucket_region(&plan.destination.bucket).await?;
                if actual != bucket_region {
                    return Err(AwsFailure::new(
                        "bucket-region-mismatch",
                        FailureKind::BadInput,
                        format!(
                            "the bucket {} is in {actual}, not in {bucket_region}",
                            plan.destination.bucket
                        ),
                        "the bucket region defaults to the destination region",
                        format!("set `destination.bucket_region` to \"{actual}\" in the plan"),
                    ));
                }
                match s3.requester_pays(&plan.destination.bucket).await {
                    Ok(true) => {
                        return Err(AwsFailure::requester_pays(&plan.destination.bucket))
                    }
                    Ok(false) => {}
                    Err(f) => self.events.warn(
                        STEP,
                        format!(
                            "could not check whether bucket {} is Requester Pays (an export cannot write to such a bucket): {}",
                            plan.destination.bucket, f.what
                        ),
                    ),
                }
            }
            BucketState::Missing if plan.destination.create_bucket => {
                self.events.info(
                    STEP,
                    format!(
                        "the bucket {} does not exist yet; it will be created in {bucket_region}",
                        plan.destination.bucket
                    ),
                );
            }
            BucketState::Missing => {
                return Err(AwsFailure::new(
                    "bucket-missing",
                    FailureKind::BadInput,
                    format!("the bucket {} does not exist", plan.destination.bucket),
                    "`destination.create_bucket` is false, so ddb-ferry will not create it",
                    "create the bucket in the destination account, or set `destination.create_bucket` to true",
                )
                );
            }
            BucketState::Forbidden if owner == dest_id.account => {
                return Err(AwsFailure::new(
                    "bucket-not-yours",
                    FailureKind::BadInput,
                    format!(
                        "the bucket {} exists but account {} may not use it",
                        plan.destination.bucket, dest_id.account
                    ),
                    "bucket names are global: another AWS account owns this name, or an IAM policy refuses s3:ListBucket",
                    "choose another bucket name (`destination.bucket`), or set `destination.bucket_owner` if the bucket belongs to a third account",
                )
                );
            }
            BucketState::Forbidden => {
                self.events.warn(
                    STEP,
                    format!(
                        "the bucket belongs to account {owner}; ddb-ferry cannot check or change its policy, the owner must add the statements shown in the bucket step"
                    ),
                );
            }
        }

        self.journal.bucket.owner = Some(owner);
        self.journal.bucket.region = Some(bucket_region);
        self.bucket_s3 = Some(s3);
        Ok(())
    }

    /// The new table's parameters: the plan's choices over the source's values.
    fn resolve_table_spec(&self, source: &SourceTable) -> Result<TableSpec, AwsFailure> {
        let t = &self.plan().table;
        let sse = match &t.encryption {
            Some(s) => s.clone(),
            None => match &source.sse {
                TableSse::CustomerManaged { kms_key } => {
                    self.events.warn(
                        STEP,
                        format!(
                            "the source table is encrypted with the customer-managed key {kms_key}; a key of the source account cannot protect a table in another account, so the new table uses the AWS-managed key (set `table.encryption` to choose)"
                        ),
                    );
                    TableSse::AwsManaged
                }
                other => other.clone(),
            },
        };
        let spec = TableSpec {
            name: t.name.clone(),
            partition_key: t
                .partition_key
                .clone()
                .unwrap_or_else(|| source.partition_key.clone()),
            sort_key: match (&t.sort_key, &t.partition_key) {
                (Some(sk), _) => Some(sk.clone()),
                // A plan that names its own partition key but no sort key means "no sort key".
                (None, Some(_)) => None,
                (None, None) => source.sort_key.clone(),
            },
            gsis: t.gsis.clone().unwrap_or_else(|| source.gsis.clone()),
            billing: t.billing.unwrap_or(source.billing),
            sse,
        };
        let conflicts = spec.conflicting_key_types();
        if !conflicts.is_empty() {
            return Err(AwsFailure::new(
                "key-type-conflict",
                FailureKind::BadInput,
                format!("the attribute(s) {} are keys with two different types", conflicts.join(", ")),
                "an attribute has one type in a table: a key and an index key on the same attribute must agree",
                "make the types agree in `table.partition_key`, `table.sort_key` and `table.gsis`",
            ));
        }
        Ok(spec)
    }
}

/// How a table is encrypted, in words.
fn sse_text(sse: &TableSse) -> String {
    match sse {
        TableSse::DynamodbOwned => "with a DynamoDB-owned key (the default)".to_owned(),
        TableSse::AwsManaged => "with the AWS-managed KMS key (aws/dynamodb)".to_owned(),
        TableSse::CustomerManaged { kms_key } => {
            format!("with the customer-managed KMS key {kms_key}")
        }
    }
}

/// A KMS key must be in the region of what it protects: the bucket for the export's files,
/// the destination for the new table.
fn check_kms_regions(
    plan: &crate::engine::plan::Plan,
    bucket_region: &str,
    dest_region: &str,
) -> Result<(), AwsFailure> {
    if let ExportSse::SseKms { kms_key } = &plan.export.encryption {
        if let Some(r) = names::kms_key_region(kms_key).filter(|r| *r != bucket_region) {
            return Err(AwsFailure::kms_key_other_region(
                "export.encryption.kms_key",
                kms_key,
                r,
                &format!("the bucket {}", plan.destination.bucket),
                bucket_region,
            ));
        }
    }
    if let Some(TableSse::CustomerManaged { kms_key }) = &plan.table.encryption {
        if let Some(r) = names::kms_key_region(kms_key).filter(|r| *r != dest_region) {
            return Err(AwsFailure::kms_key_other_region(
                "table.encryption.kms_key",
                kms_key,
                r,
                "the new table",
                dest_region,
            ));
        }
    }
    Ok(())
}

fn region_of_config(config: &aws_config::SdkConfig) -> String {
    crate::aws::session::region_of(config)
}
