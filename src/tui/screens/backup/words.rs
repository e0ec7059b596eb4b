//! The backup road in plain words, for the choices on screen: what happens next (backup,
//! copy, restore, check), what it costs (the restore per GB, the kept backups per GB-month,
//! from the prices in use), and what stays behind when it is over.

use crate::logic::cost::{Charge, CostLine, Estimate, SizeOf};
use crate::logic::restore::RestoreEncryption;
use crate::tui::app::App;
use crate::tui::msg::Side;

use super::draft::{self, Shape};
use super::rows::{Row, Source};

/// Every paragraph of the words, in order.
pub fn lines(app: &App, row: &Row) -> Vec<String> {
    let facts = draft::facts(app);
    let shape = draft::shape(&row.source, &facts);
    let mut out = vec!["What happens when you start:".to_owned()];
    out.extend(steps(app, row, shape));
    out.push(String::new());
    out.push("What it costs (estimates):".to_owned());
    out.extend(super::super::estimate_lines(&estimate(app, row, shape)));
    out.push(String::new());
    out.push("What stays behind (ddb-ferry deletes nothing):".to_owned());
    out.extend(leftovers(row, shape));
    out
}

fn dest_account(app: &App) -> String {
    app.accounts
        .identity(Side::Dest)
        .map(|i| i.account.clone())
        .unwrap_or_default()
}

fn dest_region(app: &App) -> String {
    app.accounts
        .identity(Side::Dest)
        .map(|i| i.region.clone())
        .unwrap_or_default()
}

/// 1. the backup, 2. the copy, 3. the restore, 4. the check.
fn steps(app: &App, row: &Row, shape: Shape) -> Vec<String> {
    let table = app.table.chosen.clone().unwrap_or_default();
    let st = &app.backup;
    let vault = st.vault.value().trim();
    let backup = match &row.source {
        Source::NewAwsBackup => format!("AWS Backup backs up {table} now, into the vault Default of the source account; the table keeps serving meanwhile."),
        Source::NewDynamodb => format!("DynamoDB makes an on-demand backup of {table} now; the table keeps serving meanwhile."),
        Source::PointInTime => match st.time.value().trim() {
            "" => format!("No backup is made: {table} is restored as it was at the latest moment point-in-time recovery can give (about 5 minutes ago)."),
            t => format!("No backup is made: {table} is restored as it was at {t}."),
        },
        Source::Existing(p) => format!(
            "No backup is made: the chosen backup of {} is restored.",
            p.created.as_deref().unwrap_or("an unknown time")
        ),
    };
    let copy = if shape.across_accounts {
        format!("AWS Backup copies the recovery point into the vault {vault} of account {}, once that vault's access policy lets the source account copy in (the change is shown on the review, and made only if you confirm it).", dest_account(app))
    } else if shape.copy {
        format!(
            "AWS Backup copies the recovery point into the vault {vault} of region {}.",
            dest_region(app)
        )
    } else {
        "No copy is needed: both sides are one account and region.".to_owned()
    };
    let who = if shape.aws_restores {
        "AWS Backup"
    } else {
        "DynamoDB"
    };
    let key = match draft::encryption(app) {
        RestoreEncryption::Default => "a key DynamoDB owns".to_owned(),
        RestoreEncryption::AwsManaged => "the AWS-managed key aws/dynamodb".to_owned(),
        RestoreEncryption::CustomerManaged { kms_key_arn } => format!("your key {kms_key_arn}"),
    };
    let tags = if shape.aws_restores && st.copy_tags {
        ", with the source's tags"
    } else {
        ""
    };
    vec![
        format!("1. {backup}"),
        format!("2. {copy}"),
        format!(
            "3. {who} restores it as the new table {} in account {} ({}), encrypted with {key}{tags}. It keeps the source's keys, indexes (local and global) and billing.",
            st.name.value().trim(),
            dest_account(app),
            dest_region(app)
        ),
        "4. ddb-ferry checks the new table's keys and indexes, counts its items and reads a sample back.".to_owned(),
    ]
}

/// The restore, and the backups kept (each copy of it billed per GB-month).
fn estimate(app: &App, row: &Row, shape: Shape) -> Estimate {
    let facts = draft::facts(app);
    let (bytes, size_of) = match &row.source {
        Source::Existing(p) if p.size_bytes.is_some() => {
            (p.size_bytes.unwrap_or(0).max(0) as u64, SizeOf::BackupSize)
        }
        _ => (
            app.table
                .chosen_details()
                .map_or(0, |d| d.table.size_bytes.max(0) as u64),
            SizeOf::TableSize,
        ),
    };
    let mut restore = CostLine::new(
        &app.prices,
        Charge::Restore,
        &dest_region(app),
        bytes,
        size_of,
    );
    if bytes == 0 {
        restore = restore.with_note(
            "AWS updates the size DescribeTable reports about every six hours, so a table filled since may hold more",
        );
    }
    let mut costs = vec![restore];
    if matches!(row.source, Source::NewAwsBackup | Source::NewDynamodb) {
        costs.push(
            CostLine::new(
                &app.prices,
                Charge::BackupStorage,
                &facts.source_region,
                bytes,
                size_of,
            )
            .with_note("the new backup in the source account, billed while it is kept"),
        );
    }
    if shape.copy {
        costs.push(
            CostLine::new(
                &app.prices,
                Charge::BackupStorage,
                &dest_region(app),
                bytes,
                size_of,
            )
            .with_note("its copy in the destination's vault, billed while it is kept"),
        );
    }
    Estimate { costs }
}

/// What the run leaves, each to be removed by hand once the new table is proven.
fn leftovers(row: &Row, shape: Shape) -> Vec<String> {
    let mut out = Vec::new();
    match &row.source {
        Source::NewAwsBackup => {
            out.push("• The new recovery point in the source account's vault.".to_owned())
        }
        Source::NewDynamodb => {
            out.push("• The new DynamoDB backup of the source table.".to_owned())
        }
        Source::PointInTime | Source::Existing(_) => {}
    }
    if shape.copy {
        out.push("• Its copy in the destination's vault.".to_owned());
    }
    if shape.across_accounts {
        out.push(
            "• ddb-ferry's statement in the destination vault's access policy (if you let it add one)."
                .to_owned(),
        );
    }
    out.push("• The new table, of course. The end of the run lists each thing with the command that removes it.".to_owned());
    out
}
