//! Rough costs of a migration, said before they are incurred: the export priced on the table's
//! size, the import on the uncompressed data, point-in-time recovery and the export's files in
//! S3 per month. Every line is labelled an estimate and says the size, the price and where the
//! price comes from, so a person can check it; a region without a price says "unknown" rather
//! than borrowing another region's figure. Pure: the engine and the wizard pass the sizes and
//! regions they know, and get the same lines.

mod backup;
mod money;
mod prices;

use serde::Serialize;

pub use backup::{backup_road_estimate, BackupRoadInputs};
pub use money::{about, size, unit_price, BYTES_PER_GB};
pub use prices::{Charge, Price, PriceError, Prices, BUILTIN};

/// What the size on a cost line measures, since the size AWS bills is not always known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeOf {
    /// DescribeTable's TableSizeBytes (updated by AWS about every six hours).
    TableSize,
    /// BilledSizeBytes of the finished export: the data the import reads, uncompressed.
    ExportBilled,
    /// The export's files as S3 stores them (compressed).
    ExportFiles,
    /// The size AWS reports for a backup or recovery point.
    BackupSize,
}

impl SizeOf {
    fn phrase(self) -> &'static str {
        match self {
            SizeOf::TableSize => "table size",
            SizeOf::ExportBilled => "size billed for the export",
            SizeOf::ExportFiles => "the export's files",
            SizeOf::BackupSize => "backup size",
        }
    }
}

/// One priced line of an estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostLine {
    pub charge: Charge,
    /// Where the charge is billed.
    pub region: String,
    pub bytes: u64,
    pub size_of: SizeOf,
    /// `None` when the prices in use have no figure for this region and charge.
    pub price: Option<Price>,
    /// `bytes` in GB × the price; a monthly amount for monthly charges; `None` with no price.
    pub amount: Option<f64>,
    /// What decides how long a monthly charge runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CostLine {
    /// Prices `bytes` of `charge` in `region`.
    pub fn new(prices: &Prices, charge: Charge, region: &str, bytes: u64, size_of: SizeOf) -> Self {
        let price = prices.get(region, charge).cloned();
        let amount = price
            .as_ref()
            .map(|p| bytes as f64 / BYTES_PER_GB * p.amount);
        CostLine {
            charge,
            region: region.to_owned(),
            bytes,
            size_of,
            price,
            amount,
            note: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// What it costs, without the reckoning: "about $0.02 a month", "unknown".
    pub fn amount_words(&self) -> String {
        match (&self.price, self.amount) {
            (Some(p), Some(a)) => {
                let amount = about(a, &p.currency);
                if self.charge.monthly() {
                    format!("{amount} a month")
                } else {
                    amount
                }
            }
            _ => "unknown".to_owned(),
        }
    }

    /// How the amount was reckoned, in parentheses: "(estimate: table size 0.12 GB × $0.10
    /// per GB, us-east-1 list price of 2026-11)".
    pub fn reckoning(&self) -> String {
        let Some(p) = &self.price else {
            return format!(
                "(no price for {} is known; give one in a prices file with --prices FILE or DDB_FERRY_PRICES, see docs/costs.md)",
                self.region
            );
        };
        let of = p
            .as_of
            .as_deref()
            .map(|d| format!(" of {d}"))
            .unwrap_or_default();
        format!(
            "(estimate: {} {} × {} {}, {} {}{of})",
            self.size_of.phrase(),
            size(self.bytes),
            unit_price(p.amount, &p.currency),
            self.charge.unit(),
            self.region,
            p.label
        )
    }

    /// The whole line: "Export: about $0.01 (estimate: …)", with the note after a semicolon.
    pub fn sentence(&self) -> String {
        let mut s = format!(
            "{}: {} {}",
            title(self.charge),
            self.amount_words(),
            self.reckoning()
        );
        if let Some(n) = &self.note {
            s.push_str("; ");
            s.push_str(n);
        }
        s
    }
}

fn title(charge: Charge) -> &'static str {
    match charge {
        Charge::Export => "Export",
        Charge::Import => "Import",
        Charge::Pitr => "Point-in-time recovery",
        Charge::S3Standard => "S3 storage of the export",
        Charge::BackupStorage => "Backup storage",
        Charge::Restore => "Restore",
    }
}

/// The cost lines shown before a job starts.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Estimate {
    pub costs: Vec<CostLine>,
}

impl Estimate {
    /// One readable line per cost.
    pub fn sentences(&self) -> Vec<String> {
        self.costs.iter().map(CostLine::sentence).collect()
    }
}

/// Whether the migration adds a PITR charge to the source table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PitrUse {
    /// It was on before: the migration adds nothing.
    AlreadyOn,
    /// Turned on for the export and off again at the end.
    OnUntilTheEnd,
    /// Turned on for the export and left on (`options.disable_pitr_after` is false).
    OnAndKept,
}

/// What the estimate before the export needs.
#[derive(Debug, Clone, Copy)]
pub struct ExportInputs<'a> {
    /// The source table's region: the export and PITR are billed there.
    pub source_region: &'a str,
    /// The bucket's region: the export's files are stored there.
    pub bucket_region: &'a str,
    /// DescribeTable's TableSizeBytes.
    pub table_bytes: u64,
    pub pitr: PitrUse,
}

/// The export (priced on the table's size), PITR while it is on because of the migration, and
/// the export's files in S3 (the table's size stands in for them until they exist).
pub fn export_estimate(prices: &Prices, inputs: &ExportInputs) -> Estimate {
    let bytes = inputs.table_bytes;
    let mut export = CostLine::new(
        prices,
        Charge::Export,
        inputs.source_region,
        bytes,
        SizeOf::TableSize,
    );
    if bytes == 0 {
        export = export.with_note(
            "AWS updates the size DescribeTable reports about every six hours, so a table filled since may hold more",
        );
    }
    let mut lines = vec![export];
    let pitr = |note: &str| {
        CostLine::new(
            prices,
            Charge::Pitr,
            inputs.source_region,
            bytes,
            SizeOf::TableSize,
        )
        .with_note(note)
    };
    match inputs.pitr {
        PitrUse::AlreadyOn => {}
        PitrUse::OnUntilTheEnd => lines.push(pitr(
            "billed while it is on; ddb-ferry turns it off again when the migration ends",
        )),
        PitrUse::OnAndKept => lines.push(pitr(
            "billed while it is on; it stays on after the migration until someone turns it off",
        )),
    }
    lines.push(
        CostLine::new(
            prices,
            Charge::S3Standard,
            inputs.bucket_region,
            bytes,
            SizeOf::TableSize,
        )
        .with_note("billed while the files are kept; ddb-ferry never deletes them"),
    );
    Estimate { costs: lines }
}

/// What the estimate before the import needs.
#[derive(Debug, Clone, Copy)]
pub struct ImportInputs<'a> {
    /// The new table's region: the import is billed there.
    pub dest_region: &'a str,
    pub bucket_region: &'a str,
    /// The uncompressed size of the data the import reads: the export's billed size once it
    /// finished, else the table's size.
    pub data_bytes: u64,
    pub data_size_of: SizeOf,
    /// What the export's files take in S3, once they are there.
    pub stored_bytes: Option<u64>,
}

/// The import (priced on the uncompressed data) and, once the files exist, their storage.
pub fn import_estimate(prices: &Prices, inputs: &ImportInputs) -> Estimate {
    let mut lines = vec![CostLine::new(
        prices,
        Charge::Import,
        inputs.dest_region,
        inputs.data_bytes,
        inputs.data_size_of,
    )];
    if let Some(stored) = inputs.stored_bytes {
        lines.push(
            CostLine::new(
                prices,
                Charge::S3Standard,
                inputs.bucket_region,
                stored,
                SizeOf::ExportFiles,
            )
            .with_note("billed while the files are kept; ddb-ferry never deletes them"),
        );
    }
    Estimate { costs: lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1 << 30;

    #[test]
    fn the_export_estimate_says_each_cost_in_plain_words() {
        let e = export_estimate(
            &Prices::builtin(),
            &ExportInputs {
                source_region: "us-east-1",
                bucket_region: "us-east-1",
                table_bytes: 128_849_019,
                pitr: PitrUse::OnUntilTheEnd,
            },
        );
        assert_eq!(
            e.sentences(),
            [
                "Export: about $0.01 (estimate: table size 0.12 GB × $0.10 per GB, us-east-1 list price of 2026-11)",
                "Point-in-time recovery: about $0.02 a month (estimate: table size 0.12 GB × $0.20 per GB-month, us-east-1 list price of 2026-11); billed while it is on; ddb-ferry turns it off again when the migration ends",
                "S3 storage of the export: less than $0.01 a month (estimate: table size 0.12 GB × $0.023 per GB-month, us-east-1 list price of 2026-11); billed while the files are kept; ddb-ferry never deletes them",
            ]
        );
    }

    #[test]
    fn pitr_that_was_on_before_adds_nothing() {
        let inputs = ExportInputs {
            source_region: "us-east-1",
            bucket_region: "us-east-1",
            table_bytes: 10 * GB,
            pitr: PitrUse::AlreadyOn,
        };
        let e = export_estimate(&Prices::builtin(), &inputs);
        assert!(e.costs.iter().all(|l| l.charge != Charge::Pitr));
        let kept = export_estimate(
            &Prices::builtin(),
            &ExportInputs {
                pitr: PitrUse::OnAndKept,
                ..inputs
            },
        );
        assert!(
            kept.sentences()[1].contains("about $2.00 a month"),
            "{:?}",
            kept.sentences()
        );
        assert!(kept.sentences()[1].contains("stays on after the migration"));
    }

    #[test]
    fn the_import_estimate_uses_the_billed_size_and_the_files() {
        let e = import_estimate(
            &Prices::builtin(),
            &ImportInputs {
                dest_region: "us-west-2",
                bucket_region: "us-west-2",
                data_bytes: 40 * GB,
                data_size_of: SizeOf::ExportBilled,
                stored_bytes: Some(4 * GB),
            },
        );
        assert_eq!(
            e.sentences(),
            [
                "Import: about $6.00 (estimate: size billed for the export 40 GB × $0.15 per GB, us-west-2 list price of 2026-11)",
                "S3 storage of the export: about $0.09 a month (estimate: the export's files 4.0 GB × $0.023 per GB-month, us-west-2 list price of 2026-11); billed while the files are kept; ddb-ferry never deletes them",
            ]
        );
        assert_eq!(e.costs[0].amount, Some(6.0));
    }

    #[test]
    fn a_region_without_figures_is_unknown_not_guessed() {
        let e = export_estimate(
            &Prices::builtin(),
            &ExportInputs {
                source_region: "ap-south-1",
                bucket_region: "us-east-1",
                table_bytes: GB,
                pitr: PitrUse::AlreadyOn,
            },
        );
        assert_eq!(e.costs[0].amount, None);
        assert_eq!(
            e.sentences()[0],
            "Export: unknown (no price for ap-south-1 is known; give one in a prices file with --prices FILE or DDB_FERRY_PRICES, see docs/costs.md)"
        );
        assert!(e.costs[1].amount.is_some(), "the bucket's region is priced");
    }

    #[test]
    fn a_table_size_of_zero_is_explained() {
        let e = export_estimate(
            &Prices::builtin(),
            &ExportInputs {
                source_region: "us-east-1",
                bucket_region: "us-east-1",
                table_bytes: 0,
                pitr: PitrUse::AlreadyOn,
            },
        );
        assert_eq!(
            e.sentences()[0],
            "Export: less than $0.01 (estimate: table size 0 B × $0.10 per GB, us-east-1 list price of 2026-11); AWS updates the size DescribeTable reports about every six hours, so a table filled since may hold more"
        );
    }

    #[test]
    fn a_persons_price_is_named_as_theirs() {
        let mine = Prices::parse(
            r#"{"currency": "EUR", "regions": {"eu-central-1": {"import_per_gb": 0.14}}}"#,
        )
        .unwrap();
        let e = import_estimate(
            &Prices::builtin().overridden_by(mine),
            &ImportInputs {
                dest_region: "eu-central-1",
                bucket_region: "eu-central-1",
                data_bytes: 2 * GB,
                data_size_of: SizeOf::TableSize,
                stored_bytes: None,
            },
        );
        assert_eq!(
            e.sentences(),
            ["Import: about 0.28 EUR (estimate: table size 2.0 GB × 0.14 EUR per GB, eu-central-1 your price)"]
        );
    }

    #[test]
    fn estimates_serialise_for_json_output() {
        let e = import_estimate(
            &Prices::builtin(),
            &ImportInputs {
                dest_region: "us-east-1",
                bucket_region: "us-east-1",
                data_bytes: GB,
                data_size_of: SizeOf::ExportBilled,
                stored_bytes: None,
            },
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["costs"][0]["charge"], "import");
        assert_eq!(v["costs"][0]["size_of"], "export_billed");
        assert_eq!(v["costs"][0]["price"]["amount"], 0.15);
        assert_eq!(v["costs"][0]["price"]["as_of"], "2026-11");
        assert_eq!(v["costs"][0]["amount"], 0.15);
    }
}
