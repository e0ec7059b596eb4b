//! What a fleet will move and what it will cost, before anything starts: each table's items,
//! size, indexes, the LSIs an import cannot carry and its PITR state, priced with the same
//! estimates (and price file) as one table, and the time the whole fleet takes under its
//! limits. Every figure is an estimate and is labelled as one: DescribeTable's sizes are
//! up to six hours old, and AWS publishes no speed for exports and imports.

use serde::Serialize;

use super::limits::Resolved;
use super::members::Member;
use crate::engine::poll::expected_minutes;
use crate::logic::cost::{
    about, export_estimate, import_estimate, size, Estimate, ExportInputs, ImportInputs, PitrUse,
    Prices, SizeOf,
};
use crate::logic::table::SourceTable;

/// One table as DescribeTable and DescribeContinuousBackups show it.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyRow {
    pub table: String,
    pub new_table: String,
    /// False when the source has no such table: its own preflight refuses it.
    pub found: bool,
    pub items: i64,
    pub bytes: i64,
    pub gsis: usize,
    /// LSIs the import cannot create.
    pub lsis_not_carried: Vec<String>,
    /// `None` when it could not be read.
    pub pitr_on: Option<bool>,
    /// The export and the import, priced.
    pub estimate: Estimate,
    /// One-off charges (export, import) and monthly ones (PITR, S3) apart.
    pub one_off: f64,
    pub monthly: f64,
    /// About how long the table's export and import take, one after the other.
    pub minutes: u64,
}

/// The whole fleet's summary.
#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    pub rows: Vec<SurveyRow>,
    pub items: i64,
    pub bytes: i64,
    pub one_off: f64,
    pub monthly: f64,
    pub currency: String,
    /// About how long the fleet takes with its limits: jobs in parallel, the next starting
    /// as one ends.
    pub minutes: u64,
}

/// Where each charge is billed.
#[derive(Debug, Clone)]
pub struct Regions {
    pub source: String,
    pub dest: String,
    pub bucket: String,
}

/// A row of a table, from what the source says of it (`None`: no such table).
pub fn row(
    member: &Member,
    table: Option<&SourceTable>,
    pitr_on: Option<bool>,
    disable_pitr_after: bool,
    regions: &Regions,
    prices: &Prices,
) -> SurveyRow {
    let bytes = table.map_or(0, |t| t.size_bytes.max(0) as u64);
    let pitr = match (pitr_on, disable_pitr_after) {
        (Some(true), _) | (None, _) => PitrUse::AlreadyOn,
        (Some(false), true) => PitrUse::OnUntilTheEnd,
        (Some(false), false) => PitrUse::OnAndKept,
    };
    let mut estimate = export_estimate(
        prices,
        &ExportInputs {
            source_region: &regions.source,
            bucket_region: &regions.bucket,
            table_bytes: bytes,
            pitr,
        },
    );
    estimate.costs.extend(
        import_estimate(
            prices,
            &ImportInputs {
                dest_region: &regions.dest,
                bucket_region: &regions.bucket,
                data_bytes: bytes,
                data_size_of: SizeOf::TableSize,
                stored_bytes: None,
            },
        )
        .costs,
    );
    let (mut one_off, mut monthly) = (0.0, 0.0);
    for line in &estimate.costs {
        let amount = line.amount.unwrap_or(0.0);
        if line.charge.monthly() {
            monthly += amount;
        } else {
            one_off += amount;
        }
    }
    SurveyRow {
        table: member.source_table.clone(),
        new_table: member.new_table.clone(),
        found: table.is_some(),
        items: table.map_or(0, |t| t.item_count),
        bytes: bytes as i64,
        gsis: table.map_or(0, |t| t.gsis.len()),
        lsis_not_carried: table.map(|t| t.lsis.clone()).unwrap_or_default(),
        pitr_on,
        estimate,
        one_off,
        monthly,
        minutes: expected_minutes(bytes as i64, false) + expected_minutes(bytes as i64, true),
    }
}

impl Survey {
    pub fn new(rows: Vec<SurveyRow>, limits: &Resolved, currency: &str) -> Survey {
        let jobs: Vec<(u64, u64)> = rows
            .iter()
            .filter(|r| r.found)
            .map(|r| {
                (
                    expected_minutes(r.bytes, false),
                    expected_minutes(r.bytes, true),
                )
            })
            .collect();
        Survey {
            items: rows.iter().map(|r| r.items).sum(),
            bytes: rows.iter().map(|r| r.bytes).sum(),
            one_off: rows.iter().map(|r| r.one_off).sum(),
            monthly: rows.iter().map(|r| r.monthly).sum(),
            currency: currency.to_owned(),
            minutes: fleet_minutes(&jobs, limits.exports as usize, limits.imports as usize),
            rows,
        }
    }

    /// The summary in plain lines: a line per table, then the totals, each figure named an
    /// estimate.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{:<28} {:>10} {:>9} {:>4} {:<9} {:>10}",
            "table", "items", "size", "GSIs", "PITR", "one-off"
        )];
        for r in &self.rows {
            if !r.found {
                out.push(format!(
                    "{:<28} not found in the source: this table will be refused",
                    r.table
                ));
                continue;
            }
            let pitr = match r.pitr_on {
                Some(true) => "on",
                Some(false) => "off→on",
                None => "unknown",
            };
            out.push(format!(
                "{:<28} {:>10} {:>9} {:>4} {:<9} {:>10}",
                r.table,
                r.items,
                size(r.bytes.max(0) as u64),
                r.gsis,
                pitr,
                about(r.one_off, &self.currency)
            ));
            if r.new_table != r.table {
                out.push(format!("  becomes {}", r.new_table));
            }
            if !r.lsis_not_carried.is_empty() {
                out.push(format!(
                    "  LSIs an import cannot carry: {}",
                    r.lsis_not_carried.join(", ")
                ));
            }
        }
        out.push(format!(
            "Total: {} tables, {} items, {}. Estimated cost: {} for the exports and imports, and {} a month while the export files (and any PITR turned on) are kept.",
            self.rows.len(),
            self.items,
            size(self.bytes.max(0) as u64),
            about(self.one_off, &self.currency),
            about(self.monthly, &self.currency),
        ));
        out.push(format!(
            "Estimated time: about {} with the fleet's limits (AWS publishes no speed for exports and imports; a small table still takes 10 to 20 minutes). After each export, its table's estimate uses the size AWS billed.",
            duration_words(self.minutes)
        ));
        out
    }
}

/// A fleet's estimated time in words: minutes below an hour and a half, else hours.
pub fn duration_words(minutes: u64) -> String {
    if minutes < 90 {
        format!("{minutes} minutes")
    } else {
        format!("{:.1} hours", minutes as f64 / 60.0)
    }
}

/// How long jobs of (export, import) minutes take with `exports` and `imports` running at
/// once: each table's export starts when an export slot frees, its import when its export
/// ended and an import slot frees — the order the fleet runs them in.
pub fn fleet_minutes(jobs: &[(u64, u64)], exports: usize, imports: usize) -> u64 {
    let mut export_free = vec![0u64; exports.max(1)];
    let mut import_free = vec![0u64; imports.max(1)];
    let mut end = 0;
    for &(export, import) in jobs {
        let slot = earliest(&export_free);
        let exported = export_free[slot] + export;
        export_free[slot] = exported;
        let islot = earliest(&import_free);
        let imported = import_free[islot].max(exported) + import;
        import_free[islot] = imported;
        end = end.max(imported);
    }
    end
}

fn earliest(free: &[u64]) -> usize {
    free.iter()
        .enumerate()
        .min_by_key(|(_, t)| **t)
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_in_parallel_take_as_long_as_the_longest_and_a_limit_queues_them() {
        assert_eq!(fleet_minutes(&[(10, 5), (10, 5), (10, 5)], 3, 3), 15);
        assert_eq!(fleet_minutes(&[(10, 5), (10, 5), (10, 5)], 1, 3), 35);
        assert_eq!(fleet_minutes(&[(10, 5), (10, 5)], 2, 1), 20);
        assert_eq!(fleet_minutes(&[], 2, 2), 0);
    }

    fn member(name: &str) -> Member {
        Member {
            source_table: name.into(),
            new_table: format!("{name}-v2"),
            id: format!("f--{name}"),
        }
    }

    #[test]
    fn a_table_missing_from_the_source_is_said_and_costs_nothing() {
        let regions = Regions {
            source: "us-east-1".into(),
            dest: "us-east-1".into(),
            bucket: "us-east-1".into(),
        };
        let prices = Prices::builtin();
        let missing = row(&member("gone"), None, None, true, &regions, &prices);
        assert!(!missing.found);
        let survey = Survey::new(
            vec![missing],
            &super::super::limits::FleetLimits::default().resolve("us-east-1"),
            "USD",
        );
        assert_eq!(survey.minutes, 0);
        let lines = survey.lines();
        assert!(lines[1].contains("not found"), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("Estimated time")));
    }
}
