//! Finish: turn the source's PITR off again if this tool turned it on, apply what the plan's
//! `options.after_import` asks for, and report what else an import does not carry (with the
//! source's values and the command to apply each).

use super::super::cli_equivalent::{shell_quote, update_pitr, update_ttl};
use super::super::events::Event;
use super::super::journal::{NotCarried, Step};
use super::super::migration::{journal_incomplete, Migration, StepResult};
use super::super::plan::Via;
use super::after_import::NotCarriedFix;
use super::backup_route::{route, Route};
use crate::logic::table::Billing;

const STEP: Step = Step::Finish;

impl Migration {
    /// Turns the source's PITR off again when this tool turned it on and the plan asks for
    /// it (`options.disable_pitr_after`); once only.
    pub(crate) async fn pitr_back_off(&mut self, step: Step) -> StepResult {
        let source = self.source()?.clone();
        let pitr = self.journal.pitr.clone();
        if pitr.enabled_by_us && !pitr.disabled_after && self.plan().options.disable_pitr_after {
            let table_name = self.plan().source.table.clone();
            let cli = update_pitr(&source.cli_args, &table_name, false);
            if self.announce_call(step, "dynamodb:UpdateContinuousBackups", cli, None) {
                source.dynamo.set_pitr(&table_name, false).await?;
                self.journal.pitr.disabled_after = true;
                self.save()?;
                self.events.info(
                    step,
                    format!("PITR turned off again on {table_name}, as it was before"),
                );
            }
        }
        Ok(())
    }

    pub(crate) async fn finish(&mut self) -> StepResult {
        // PITR goes back off first, so a failure while reading settings below cannot leave
        // it on. A migration to be caught up keeps it until its cutover: every increment is
        // exported from it.
        if self.plan().options.catch_up {
            self.events.info(
                STEP,
                "PITR stays on at the source until the cutover: catch-up exports the later writes from it (`ddb-ferry catch-up`)",
            );
        } else {
            self.pitr_back_off(STEP).await?;
        }
        let table = self.journal.source_table.clone();
        let source = self.source()?.clone();
        let dest = self.dest()?.clone();
        // A restore keeps LSIs; AWS Backup's restore also copies tags when asked to.
        let via_backup = self.plan().via == Via::Backup;
        let backup_plan = self.plan().backup_or_default();
        let restored_point = self
            .journal
            .backup
            .copied
            .as_ref()
            .or(self.journal.backup.recovery_point.as_ref())
            .and_then(|p| p.arn.clone());
        let tags_carried = via_backup
            && backup_plan.copy_tags
            && route(&backup_plan, restored_point.as_deref()) == Route::AwsBackup;
        let new_name = self
            .journal
            .table_spec
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let new = shell_quote(&new_name);
        let d = dest.cli_args.clone();
        let mut report: Vec<NotCarried> = Vec::new();
        // The source's TTL attribute; `None` when it has no TTL or it could not be read.
        let mut source_ttl: Option<String> = None;
        if let Some(t) = &table {
            source_ttl = source
                .dynamo
                .ttl_attribute(&t.name)
                .await
                .unwrap_or_else(|f| {
                    self.events.warn(
                        STEP,
                        format!(
                            "the source's TTL setting could not be read ({}); check it by hand",
                            f.what
                        ),
                    );
                    None
                });
            if let Some(attr) = &source_ttl {
                report.push(NotCarried {
                    setting: "TTL".into(),
                    source_value: format!("enabled on attribute {attr}"),
                    how_to_apply: update_ttl(&d, &new_name, attr),
                });
            }
            if let Some(view) = &t.stream {
                report.push(NotCarried {
                    setting: "DynamoDB stream".into(),
                    source_value: format!("enabled ({view})"),
                    how_to_apply: format!("aws dynamodb update-table{d} --table-name {new} --stream-specification StreamEnabled=true,StreamViewType={view}"),
                });
            }
            if self.journal.pitr.initially_enabled == Some(true) {
                report.push(NotCarried {
                    setting: "Point-in-time recovery".into(),
                    source_value: "enabled".into(),
                    how_to_apply: update_pitr(&d, &new_name, true),
                });
            }
            let tags = source.dynamo.tags(&t.arn).await.unwrap_or_else(|f| {
                self.events.warn(
                    STEP,
                    format!(
                        "the source's tags could not be read ({}); check them by hand",
                        f.what
                    ),
                );
                Vec::new()
            });
            if !tags.is_empty() && !tags_carried {
                let list: Vec<String> = tags
                    .iter()
                    .map(|(k, v)| format!("Key={},Value={}", shell_quote(k), shell_quote(v)))
                    .collect();
                report.push(NotCarried {
                    setting: "Tags".into(),
                    source_value: tags
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    how_to_apply: format!(
                        "aws dynamodb tag-resource{d} --resource-arn NEW_TABLE_ARN --tags {}",
                        list.join(" ")
                    ),
                });
            }
            if let Billing::Provisioned { .. } = t.billing {
                report.push(NotCarried {
                    setting: "Auto scaling".into(),
                    source_value: "the source is provisioned; any auto scaling policy stays with it".into(),
                    how_to_apply: format!("aws application-autoscaling describe-scalable-targets{} --service-namespace dynamodb --resource-ids table/{}  (then register the same targets for table/{new_name})", source.cli_args, t.name),
                });
            }
            for lsi in t.lsis.iter().filter(|_| !via_backup) {
                report.push(NotCarried {
                    setting: "Local secondary index".into(),
                    source_value: lsi.clone(),
                    how_to_apply: "an LSI can only be created with a table: create the table yourself with the LSI and copy the items, or use a GSI instead".into(),
                });
            }
            if let Some(class) = t.table_class.as_deref().filter(|c| *c != "STANDARD") {
                report.push(NotCarried {
                    setting: "Table class".into(),
                    source_value: class.to_owned(),
                    how_to_apply: format!(
                        "aws dynamodb update-table{d} --table-name {new} --table-class {class}"
                    ),
                });
            }
            if t.deletion_protection {
                report.push(NotCarried {
                    setting: "Deletion protection".into(),
                    source_value: "enabled".into(),
                    how_to_apply: format!("aws dynamodb update-table{d} --table-name {new} --deletion-protection-enabled"),
                });
            }
        }
        self.after_import(&new_name, source_ttl, &mut report)
            .await?;
        for item in &report {
            self.events.send(Event::NotCarried { item: item.clone() });
        }
        self.journal.not_carried = report;
        self.save()?;

        self.events.send(Event::StepDone {
            step: STEP,
            summary: format!("the table {new_name} is ready in the destination account"),
        });
        Ok(())
    }

    /// Turns on for the new table what the plan's `options.after_import` asks for, and takes
    /// what it turned on out of the not-carried `report`.
    async fn after_import(
        &mut self,
        new_name: &str,
        source_ttl: Option<String>,
        report: &mut Vec<NotCarried>,
    ) -> StepResult {
        let asked = self.plan().options.after_import;
        let mut fixes = Vec::new();
        if asked.ttl {
            match source_ttl {
                Some(attribute) => fixes.push(NotCarriedFix::Ttl {
                    table: new_name.to_owned(),
                    attribute,
                }),
                None => self.events.info(
                    STEP,
                    "options.after_import.ttl: no TTL of the source table was found, so none is turned on for the new table",
                ),
            }
        }
        if asked.pitr {
            fixes.push(NotCarriedFix::Pitr {
                table: new_name.to_owned(),
            });
        }
        if !fixes.is_empty() && new_name.is_empty() {
            return Err(journal_incomplete().into());
        }
        for fix in fixes {
            let done = self.apply_not_carried(&fix).await?;
            self.events.info(
                STEP,
                format!("{done}, as the plan asks (options.after_import)"),
            );
            report.retain(|item| item.setting != fix.setting());
        }
        Ok(())
    }
}
