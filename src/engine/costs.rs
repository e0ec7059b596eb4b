//! The estimates shown before the export and before the import, from what the journal knows
//! at that moment: the table's size from DescribeTable before the export, and the size AWS
//! billed for the export before the import. The wizard can ask for the same estimates from
//! its copy of the journal.

use super::events::Event;
use super::journal::{Journal, Step};
use super::migration::Migration;
use super::plan::BackupFrom;
use super::prices::load_prices;
use crate::logic::cost::{
    backup_road_estimate, export_estimate, import_estimate, BackupRoadInputs, Estimate,
    ExportInputs, ImportInputs, PitrUse, Prices, SizeOf,
};

/// The region the source table is in, as preflight found it (the plan's, before that).
pub fn source_region(journal: &Journal) -> String {
    journal
        .source_identity
        .as_ref()
        .map(|i| i.region.clone())
        .or_else(|| journal.plan.source.region.clone())
        .unwrap_or_default()
}

/// The region of the new table.
pub fn dest_region(journal: &Journal) -> String {
    journal
        .dest_identity
        .as_ref()
        .map(|i| i.region.clone())
        .or_else(|| journal.plan.destination.region.clone())
        .unwrap_or_default()
}

/// The region of the bucket that holds the export.
pub fn bucket_region(journal: &Journal) -> String {
    journal
        .bucket
        .region
        .clone()
        .or_else(|| journal.plan.destination.bucket_region.clone())
        .unwrap_or_else(|| dest_region(journal))
}

/// The source table's size as DescribeTable last reported it.
pub fn table_bytes(journal: &Journal) -> u64 {
    journal
        .source_table
        .as_ref()
        .map_or(0, |t| t.size_bytes.max(0) as u64)
}

/// The uncompressed size of what the import reads: what AWS billed for this migration's
/// export once it finished, else the table's size.
pub fn import_bytes(journal: &Journal) -> (u64, SizeOf) {
    let billed = journal
        .export
        .as_ref()
        .and_then(|e| e.billed_bytes)
        .filter(|_| reads_own_export(journal));
    match billed {
        Some(b) => (b.max(0) as u64, SizeOf::ExportBilled),
        None => (table_bytes(journal), SizeOf::TableSize),
    }
}

/// What an import counts against the fleet's limit of import data in flight (AWS counts the
/// compressed files in S3): the export's files once found, else the table's size.
pub fn import_stored_or_table_bytes(journal: &Journal) -> u64 {
    stored_bytes(journal).unwrap_or_else(|| table_bytes(journal))
}

/// What the export's files take in S3, once the data folder of this migration's export was
/// found.
pub fn stored_bytes(journal: &Journal) -> Option<u64> {
    journal
        .data_folder
        .as_ref()
        .filter(|d| d.total_bytes > 0 && reads_own_export(journal))
        .map(|d| d.total_bytes)
}

/// False when the person chose another export's data folder (the wizard allows it): this
/// migration's export then says nothing about the data the import reads.
fn reads_own_export(journal: &Journal) -> bool {
    let own = format!("{}/", journal.export_prefix.trim_end_matches('/'));
    journal
        .data_folder
        .as_ref()
        .is_none_or(|d| d.prefix.starts_with(&own))
}

/// Whether the migration adds a PITR charge on the source.
fn pitr_use(journal: &Journal) -> PitrUse {
    let turned_on = journal.pitr.enabled_by_us || journal.pitr.initially_enabled == Some(false);
    match (turned_on, journal.plan.options.disable_pitr_after) {
        (false, _) => PitrUse::AlreadyOn,
        (true, true) => PitrUse::OnUntilTheEnd,
        (true, false) => PitrUse::OnAndKept,
    }
}

/// The estimate before the export.
pub fn export_estimate_of(journal: &Journal, prices: &Prices) -> Estimate {
    export_estimate(
        prices,
        &ExportInputs {
            source_region: &source_region(journal),
            bucket_region: &bucket_region(journal),
            table_bytes: table_bytes(journal),
            pitr: pitr_use(journal),
        },
    )
}

/// The estimate before the import.
pub fn import_estimate_of(journal: &Journal, prices: &Prices) -> Estimate {
    let (data_bytes, data_size_of) = import_bytes(journal);
    import_estimate(
        prices,
        &ImportInputs {
            dest_region: &dest_region(journal),
            bucket_region: &bucket_region(journal),
            data_bytes,
            data_size_of,
            stored_bytes: stored_bytes(journal),
        },
    )
}

/// The estimate before the backup road's first job.
pub fn backup_estimate_of(journal: &Journal, prices: &Prices) -> Estimate {
    let plan = journal.plan.backup_or_default();
    backup_road_estimate(
        prices,
        &BackupRoadInputs {
            source_region: &source_region(journal),
            dest_region: &dest_region(journal),
            table_bytes: table_bytes(journal),
            makes_backup: plan.from == BackupFrom::New,
            copies: journal.backup.needs_copy,
        },
    )
}

impl Migration {
    /// The prices the driver chose (`Session::use_prices`), else the built-in ones with the
    /// file `DDB_FERRY_PRICES` names. A file that cannot be used is said once and the
    /// built-in prices are used: an estimate never stops a migration.
    pub(crate) fn prices(&mut self, step: Step) -> Prices {
        if let Some(p) = &self.prices {
            return p.clone();
        }
        let prices = load_prices(None).unwrap_or_else(|e| {
            self.events.warn(
                step,
                format!("{e}; the estimates use ddb-ferry's own prices"),
            );
            Prices::builtin()
        });
        self.prices = Some(prices.clone());
        prices
    }

    /// Sends the estimate of the job `step` is about to start: the export, the import, or
    /// (at the backup step) the backup road's restore and the backups it keeps.
    pub(crate) fn announce_estimate(&mut self, step: Step) {
        let prices = self.prices(step);
        let estimate = match step {
            Step::Import => import_estimate_of(&self.journal, &prices),
            Step::Backup => backup_estimate_of(&self.journal, &prices),
            _ => export_estimate_of(&self.journal, &prices),
        };
        self.events.send(Event::Estimate {
            step,
            lines: estimate.sentences(),
            estimate,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::journal::{DataFolder, JobRecord};
    use crate::engine::plan::Plan;
    use crate::logic::cost::Charge;

    fn journal() -> Journal {
        let plan = Plan::parse(
            r#"{"source":{"profile":"a","table":"orders","region":"us-east-1"},"destination":{"profile":"b","bucket":"bkt-one","region":"us-west-2"},"table":{"name":"orders"}}"#,
            "t",
        )
        .unwrap();
        let id = "orders-to-orders-1a2b3c4d".to_owned();
        crate::engine::new_journal(plan, id, None, None)
    }

    #[test]
    fn before_the_export_the_table_size_is_priced_where_each_charge_is_billed() {
        let mut j = journal();
        j.pitr.initially_enabled = Some(false);
        let e = export_estimate_of(&j, &Prices::builtin());
        let charges: Vec<(Charge, &str)> = e
            .costs
            .iter()
            .map(|l| (l.charge, l.region.as_str()))
            .collect();
        assert_eq!(
            charges,
            [
                (Charge::Export, "us-east-1"),
                (Charge::Pitr, "us-east-1"),
                (Charge::S3Standard, "us-west-2"),
            ]
        );
        j.pitr.initially_enabled = Some(true);
        assert_eq!(export_estimate_of(&j, &Prices::builtin()).costs.len(), 2);
    }

    #[test]
    fn before_the_import_the_billed_size_of_the_own_export_is_priced() {
        let mut j = journal();
        j.export = Some(JobRecord {
            billed_bytes: Some(5 << 30),
            ..JobRecord::default()
        });
        j.data_folder = Some(DataFolder {
            bucket: "bkt-one".into(),
            prefix: "ddb-ferry/orders-to-orders-1a2b3c4d/AWSDynamoDB/01/data/".into(),
            data_files: 3,
            total_bytes: 1 << 30,
            manifest_item_count: Some(10),
            found_by: "manifest".into(),
        });
        let e = import_estimate_of(&j, &Prices::builtin());
        assert_eq!(e.costs[0].bytes, 5 << 30);
        assert_eq!(e.costs[0].size_of, SizeOf::ExportBilled);
        assert_eq!(e.costs[0].region, "us-west-2");
        assert_eq!(e.costs[1].bytes, 1 << 30);

        // Another export's folder, chosen in the wizard: its size is not known here.
        j.data_folder.as_mut().unwrap().prefix = "elsewhere/AWSDynamoDB/02/data/".into();
        let e = import_estimate_of(&j, &Prices::builtin());
        assert_eq!(e.costs[0].size_of, SizeOf::TableSize);
        assert_eq!(e.costs.len(), 1);
    }
}
