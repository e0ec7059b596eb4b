//! The two roads a table can take, side by side, for the wizard's choice and `--dry-run`:
//! through S3 (an export, then an import) or through a backup (a backup, a copy into the
//! destination's vault, a restore). Neither is better everywhere — an import loses local
//! secondary indexes, a backup across accounts needs an AWS Organization — so each road is
//! said in plain words from the facts of this table, with one recommendation and its reason.
//! Prices are passed in (from the price list the cost estimate uses), never assumed here.

use super::cost::{about, size};

/// Which road a migration takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Road {
    /// Export to an S3 bucket, import from it.
    S3,
    /// Back up, copy into the destination's vault when across accounts, restore.
    Backup,
}

/// Storage prices per GB-month, to say what each road leaves behind costs to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct StoragePrices {
    /// S3 Standard storage in the bucket's region.
    pub s3_gb_month: f64,
    /// AWS Backup's warm storage for DynamoDB in the vaults' region.
    pub backup_gb_month: f64,
    /// The prices' currency, e.g. "USD".
    pub currency: String,
}

/// What is known of the migration when the road is chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadFacts {
    /// Both sides resolve to the same account (from STS).
    pub same_account: bool,
    pub same_region: bool,
    pub lsi_count: usize,
    pub gsi_count: usize,
    /// DescribeTable's TableSizeBytes.
    pub table_bytes: i64,
    pub item_count: i64,
    /// The source has point-in-time recovery on (an export needs it).
    pub pitr_on: bool,
    /// The source has tags.
    pub has_tags: bool,
    /// `None`: the region has no known price, and the lines say so.
    pub prices: Option<StoragePrices>,
}

/// Both roads in plain words, and the one recommended.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadComparison {
    pub lines_s3: Vec<String>,
    pub lines_backup: Vec<String>,
    pub recommended: Road,
    /// Why, in one sentence.
    pub why: String,
}

/// Says what each road needs, keeps, loses and leaves behind for this table, and recommends
/// one: the backup when the source has LSIs (only a restore keeps them) or both sides are one
/// account (no bucket, no Organization); otherwise S3, which needs no Organization.
pub fn compare_roads(facts: &RoadFacts) -> RoadComparison {
    let (recommended, why) = if facts.lsi_count > 0 {
        (
            Road::Backup,
            format!(
                "the source has {}, which only a restore keeps",
                count(
                    facts.lsi_count,
                    "local secondary index",
                    "local secondary indexes"
                )
            ),
        )
    } else if facts.same_account {
        (
            Road::Backup,
            "both tables are in one account, where a backup and a restore need no bucket and no AWS Organization".to_owned(),
        )
    } else {
        (
            Road::S3,
            "across accounts with no local secondary index, an export and an import lose nothing and need no AWS Organization".to_owned(),
        )
    };
    RoadComparison {
        lines_s3: s3_lines(facts),
        lines_backup: backup_lines(facts),
        recommended,
        why,
    }
}

fn s3_lines(f: &RoadFacts) -> Vec<String> {
    let mut lines = vec![
        "Needs an S3 bucket in the destination account; the source account gets a grant to write one folder of it.".to_owned(),
    ];
    if !f.same_account {
        lines.push("Needs no AWS Organization: any two accounts will do.".to_owned());
    }
    lines.push(if f.lsi_count > 0 {
        format!(
            "An import creates no local secondary indexes: the {} would be lost (they cannot be added to a table later).",
            count(f.lsi_count, "LSI", "LSIs")
        )
    } else {
        "The source has no local secondary index, so the import loses none.".to_owned()
    });
    if f.gsi_count > 0 {
        lines.push(format!(
            "The {} {} created by the import; keys, indexes, billing and encryption can be changed on the way.",
            count(f.gsi_count, "global secondary index", "global secondary indexes"),
            if f.gsi_count == 1 { "is" } else { "are" }
        ));
    } else {
        lines.push("Keys, indexes, billing and encryption can be changed on the way.".to_owned());
    }
    if !f.pitr_on {
        lines.push("An export needs point-in-time recovery: it is turned on for the source during the copy (billed by table size) and off again at the end.".to_owned());
    }
    if f.has_tags {
        lines.push(
            "The source's tags are not copied; the run lists them with the command that adds them."
                .to_owned(),
        );
    }
    lines.push(leaves_behind(
        f,
        "the export files in the bucket",
        1,
        f.prices.as_ref().map(|p| p.s3_gb_month),
        "S3 storage",
    ));
    lines
}

fn backup_lines(f: &RoadFacts) -> Vec<String> {
    let mut lines = vec!["Needs no S3 bucket.".to_owned()];
    lines.push(if f.same_account {
        "Stays in one account: no AWS Organization and no vault policy are needed.".to_owned()
    } else {
        "Both accounts must be in one AWS Organization with cross-account backup turned on, AWS Backup's advanced DynamoDB features on, and a vault in the destination whose policy lets the source account copy into it.".to_owned()
    });
    if !f.same_region {
        lines.push("Across regions, the recovery point is copied into a vault of the destination region before the restore.".to_owned());
    }
    let indexes = match (f.lsi_count, f.gsi_count) {
        (0, 0) => "A restore keeps the source's keys.".to_owned(),
        (l, 0) => format!(
            "A restore keeps the source's keys and its {}.",
            count(l, "LSI", "LSIs")
        ),
        (0, g) => format!(
            "A restore keeps the source's keys and its {}.",
            count(g, "GSI", "GSIs")
        ),
        (l, g) => format!(
            "A restore keeps the source's keys, its {} and its {}.",
            count(l, "LSI", "LSIs"),
            count(g, "GSI", "GSIs")
        ),
    };
    lines.push(format!(
        "{indexes} Only the new table's name and encryption are chosen; keys, indexes and billing stay as in the source."
    ));
    if f.has_tags {
        lines.push("AWS Backup can copy the source's tags onto the restored table.".to_owned());
    }
    let points = if f.same_account && f.same_region {
        1
    } else {
        2
    };
    let what = if points == 1 {
        "the recovery point in the vault"
    } else {
        "the recovery points in both vaults (the backup and its copy)"
    };
    lines.push(leaves_behind(
        f,
        what,
        points,
        f.prices.as_ref().map(|p| p.backup_gb_month),
        "AWS Backup storage",
    ));
    lines
}

/// "Leaves behind X, about 1.2 GB (about $0.03 a month to keep until deleted)."
fn leaves_behind(
    f: &RoadFacts,
    what: &str,
    copies: u64,
    gb_month: Option<f64>,
    priced_as: &str,
) -> String {
    let bytes = u64::try_from(f.table_bytes).unwrap_or(0);
    let each = if copies > 1 { " each" } else { "" };
    let kept = match (gb_month, &f.prices) {
        (Some(price), Some(p)) => {
            let monthly = price * (bytes * copies) as f64 / super::cost::BYTES_PER_GB;
            format!(
                "{} a month to keep until deleted",
                about(monthly, &p.currency)
            )
        }
        _ => format!(
            "priced per GB-month as {priced_as} until deleted (no price known for the region)"
        ),
    };
    format!(
        "Leaves behind {what}, about {}{each} ({} items): {kept}.",
        size(bytes),
        f.item_count.max(0)
    )
}

/// "1 LSI", "3 LSIs".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RoadFacts {
        RoadFacts {
            same_account: false,
            same_region: true,
            lsi_count: 0,
            gsi_count: 2,
            table_bytes: 10 * 1024 * 1024 * 1024,
            item_count: 1_000_000,
            pitr_on: true,
            has_tags: false,
            prices: Some(StoragePrices {
                s3_gb_month: 0.023,
                backup_gb_month: 0.10,
                currency: "USD".into(),
            }),
        }
    }

    fn text(lines: &[String]) -> String {
        lines.join("\n")
    }

    #[test]
    fn across_accounts_without_lsis_the_s3_road_is_recommended() {
        let c = compare_roads(&facts());
        assert_eq!(c.recommended, Road::S3);
        assert!(c.why.contains("no AWS Organization"), "{}", c.why);
        let s3 = text(&c.lines_s3);
        assert!(s3.contains("Needs no AWS Organization"), "{s3}");
        assert!(s3.contains("loses none"), "{s3}");
        assert!(
            s3.contains("The 2 global secondary indexes are created"),
            "{s3}"
        );
        assert!(
            s3.contains("about 10 GB (1000000 items): about $0.23 a month"),
            "{s3}"
        );
        let backup = text(&c.lines_backup);
        assert!(backup.contains("one AWS Organization"), "{backup}");
        assert!(backup.contains("its 2 GSIs"), "{backup}");
        // Two recovery points across accounts: 2 × 10 GB × $0.10.
        assert!(backup.contains("both vaults"), "{backup}");
        assert!(
            backup.contains("about 10 GB each (1000000 items): about $2.00 a month"),
            "{backup}"
        );
    }

    #[test]
    fn lsis_make_the_backup_road_the_one() {
        let c = compare_roads(&RoadFacts {
            lsi_count: 1,
            ..facts()
        });
        assert_eq!(c.recommended, Road::Backup);
        assert_eq!(
            c.why,
            "the source has 1 local secondary index, which only a restore keeps"
        );
        assert!(
            text(&c.lines_s3)
                .contains("An import creates no local secondary indexes: the 1 LSI would be lost"),
            "{:?}",
            c.lines_s3
        );
        assert!(text(&c.lines_backup).contains("its 1 LSI and its 2 GSIs"));
    }

    #[test]
    fn in_one_account_the_backup_road_needs_nothing_more() {
        let c = compare_roads(&RoadFacts {
            same_account: true,
            has_tags: true,
            pitr_on: false,
            ..facts()
        });
        assert_eq!(c.recommended, Road::Backup);
        let backup = text(&c.lines_backup);
        assert!(
            backup.contains("no AWS Organization and no vault policy"),
            "{backup}"
        );
        assert!(backup.contains("copy the source's tags"), "{backup}");
        assert!(
            backup.contains("Leaves behind the recovery point in the vault, about 10 GB ("),
            "{backup}"
        );
        let s3 = text(&c.lines_s3);
        assert!(!s3.contains("Organization"), "{s3}");
        assert!(s3.contains("tags are not copied"), "{s3}");
        assert!(
            s3.contains("point-in-time recovery: it is turned on"),
            "{s3}"
        );
    }

    #[test]
    fn without_prices_nothing_is_invented() {
        let c = compare_roads(&RoadFacts {
            prices: None,
            same_region: false,
            table_bytes: -1,
            ..facts()
        });
        for line in c.lines_s3.iter().chain(&c.lines_backup) {
            assert!(!line.contains('$'), "{line}");
        }
        assert!(text(&c.lines_backup).contains("copied into a vault of the destination region"));
        assert!(text(&c.lines_s3).contains("priced per GB-month as S3 storage"));
    }
}
