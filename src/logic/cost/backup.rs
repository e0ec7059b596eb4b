//! The estimate of the backup road, before its first job: the restore (priced on the table's
//! size) and the backups it keeps (the one made at the source, its copy at the destination),
//! each month while they are kept.

use super::{Charge, CostLine, Estimate, Prices, SizeOf};

/// What the backup road's estimate needs.
#[derive(Debug, Clone, Copy)]
pub struct BackupRoadInputs<'a> {
    /// The source table's region: a backup made there is stored there.
    pub source_region: &'a str,
    /// The new table's region: the restore and the copy are billed there.
    pub dest_region: &'a str,
    /// DescribeTable's TableSizeBytes (a backup's size is about the table's).
    pub table_bytes: u64,
    /// A backup is made now (rather than one that already exists, or a point in time).
    pub makes_backup: bool,
    /// The backup is copied into the destination's vault.
    pub copies: bool,
}

pub fn backup_road_estimate(prices: &Prices, inputs: &BackupRoadInputs) -> Estimate {
    let bytes = inputs.table_bytes;
    let kept = "billed while it is kept; ddb-ferry never deletes it";
    let mut restore = CostLine::new(
        prices,
        Charge::Restore,
        inputs.dest_region,
        bytes,
        SizeOf::TableSize,
    );
    if bytes == 0 {
        restore = restore.with_note(
            "AWS updates the size DescribeTable reports about every six hours, so a table filled since may hold more",
        );
    }
    let mut lines = vec![restore];
    if inputs.makes_backup {
        lines.push(
            CostLine::new(
                prices,
                Charge::BackupStorage,
                inputs.source_region,
                bytes,
                SizeOf::TableSize,
            )
            .with_note(format!("the backup made at the source; {kept}")),
        );
    }
    if inputs.copies {
        lines.push(
            CostLine::new(
                prices,
                Charge::BackupStorage,
                inputs.dest_region,
                bytes,
                SizeOf::TableSize,
            )
            .with_note(format!("its copy in the destination's vault; {kept}")),
        );
    }
    Estimate { costs: lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cross_account_copy_keeps_two_backups_and_restores_once() {
        let inputs = BackupRoadInputs {
            source_region: "us-east-1",
            dest_region: "us-west-2",
            table_bytes: 10 << 30,
            makes_backup: true,
            copies: true,
        };
        let e = backup_road_estimate(&Prices::builtin(), &inputs);
        let charges: Vec<(Charge, &str)> = e
            .costs
            .iter()
            .map(|l| (l.charge, l.region.as_str()))
            .collect();
        assert_eq!(
            charges,
            [
                (Charge::Restore, "us-west-2"),
                (Charge::BackupStorage, "us-east-1"),
                (Charge::BackupStorage, "us-west-2"),
            ]
        );
        assert!(
            (e.costs[0].amount.unwrap() - 1.5).abs() < 1e-9,
            "10 GB × $0.15"
        );
        let point_in_time = BackupRoadInputs {
            makes_backup: false,
            copies: false,
            ..inputs
        };
        assert_eq!(
            backup_road_estimate(&Prices::builtin(), &point_in_time)
                .costs
                .len(),
            1
        );
    }
}
