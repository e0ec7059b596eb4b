//! What a finished migration leaves in AWS, said plainly: each thing, what it costs to keep,
//! and the AWS CLI commands that remove it. ddb-ferry itself deletes nothing (a table, a
//! bucket or an object removed by mistake cannot be brought back), so the person decides,
//! with the commands in hand. Read from the journal alone, so the wizard can list the same.

mod backup;

use serde::Serialize;

use super::cli_equivalent::{
    delete_bucket, delete_bucket_policy, remove_objects, remove_policy_statements, side_args,
    update_pitr,
};
use super::costs::{bucket_region, dest_region, source_region, table_bytes};
use super::journal::Journal;
use crate::logic::cost::{Charge, CostLine, Prices, SizeOf};

/// One thing the migration leaves behind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leftover {
    /// What it is and where, in plain words.
    pub what: String,
    /// What keeping it costs each month; `None` when keeping it costs nothing (an empty
    /// bucket, statements of a bucket policy).
    pub monthly_cost: Option<CostLine>,
    /// The commands that remove it, in order.
    pub remove_commands: Vec<String>,
}

impl Leftover {
    /// What keeping it costs: "about $0.02 a month (estimate: …)", or "nothing".
    pub fn cost_words(&self) -> String {
        match &self.monthly_cost {
            Some(line) => format!("{} {}", line.amount_words(), line.reckoning()),
            None => "nothing".to_owned(),
        }
    }
}

/// Everything the migration of `journal` leaves behind, in the order to remove it: the
/// export's files, ddb-ferry's policy statements, the bucket it created, then PITR.
pub fn leftovers(journal: &Journal, prices: &Prices) -> Vec<Leftover> {
    let plan = &journal.plan;
    let bucket = &plan.destination.bucket;
    let bucket_side = side_args(
        plan.destination.profile.as_deref(),
        Some(&bucket_region(journal)),
    );
    let mut out = Vec::new();

    out.extend(backup::leftovers(journal, prices));

    if journal.export.as_ref().is_some_and(|e| e.arn.is_some()) {
        let folder = format!("{}/", journal.export_prefix.trim_end_matches('/'));
        let (bytes, size_of) = export_files_bytes(journal);
        out.push(Leftover {
            what: format!("The export's files, s3://{bucket}/{folder}"),
            monthly_cost: Some(CostLine::new(
                prices,
                Charge::S3Standard,
                &bucket_region(journal),
                bytes,
                size_of,
            )),
            remove_commands: vec![remove_objects(&bucket_side, bucket, &folder)],
        });
    }

    let sids = &journal.bucket.statements_added;
    if !sids.is_empty() {
        let (what, command) = if journal.bucket.policy_only_ours {
            (
                format!(
                    "ddb-ferry's statements in the policy of bucket {bucket} (Sids {}); they were its only statements, so removing them deletes the policy: first check with `aws s3api get-bucket-policy` that nobody added others since, and wait for any other migration into this bucket to end (it may rely on the same statements)",
                    sids.join(", ")
                ),
                delete_bucket_policy(&bucket_side, bucket),
            )
        } else {
            (
                format!(
                    "ddb-ferry's statements in the policy of bucket {bucket} (Sids {}); the command keeps every other statement of the policy (it needs jq); wait for any other migration into this bucket to end first (it may rely on the same statements)",
                    sids.join(", ")
                ),
                remove_policy_statements(&bucket_side, bucket, sids),
            )
        };
        out.push(Leftover {
            what,
            monthly_cost: None,
            remove_commands: vec![command],
        });
    }

    if journal.bucket.created_by_us {
        out.push(Leftover {
            what: format!(
                "The bucket {bucket}, which ddb-ferry created (S3 deletes it only once it is empty)"
            ),
            monthly_cost: None,
            remove_commands: vec![delete_bucket(&bucket_side, bucket)],
        });
    }

    let pitr = &journal.pitr;
    if pitr.enabled_by_us && !pitr.disabled_after {
        let table = &plan.source.table;
        let region = source_region(journal);
        let why = if plan.options.catch_up && !journal.catch_up.cutover_done {
            format!("catch-up keeps on until the cutover: the later writes are exported from it (`ddb-ferry catch-up {} --cutover` turns it off then, as options.disable_pitr_after says)", journal.id)
        } else {
            "the plan keeps on (options.disable_pitr_after is false)".to_owned()
        };
        out.push(Leftover {
            what: format!(
                "Point-in-time recovery on the source table {table}, which ddb-ferry turned on and {why}"
            ),
            monthly_cost: Some(CostLine::new(
                prices,
                Charge::Pitr,
                &region,
                table_bytes(journal),
                SizeOf::TableSize,
            )),
            remove_commands: vec![update_pitr(
                &side_args(plan.source.profile.as_deref(), Some(&region)),
                table,
                false,
            )],
        });
    }

    if pitr.enabled_on_new_table {
        let table = journal
            .table_spec
            .as_ref()
            .map_or(plan.table.name.as_str(), |t| t.name.as_str());
        let region = dest_region(journal);
        out.push(Leftover {
            what: format!(
                "Point-in-time recovery on the new table {table}, turned on to match the source"
            ),
            monthly_cost: Some(CostLine::new(
                prices,
                Charge::Pitr,
                &region,
                table_bytes(journal),
                SizeOf::TableSize,
            )),
            remove_commands: vec![update_pitr(
                &side_args(plan.destination.profile.as_deref(), Some(&region)),
                table,
                false,
            )],
        });
    }
    out
}

/// What the export's files take in S3: the data folder's listing when it is this export's,
/// else the size AWS billed for the export (uncompressed, so more than the files), else the
/// table's size.
fn export_files_bytes(journal: &Journal) -> (u64, SizeOf) {
    if let Some(stored) = super::costs::stored_bytes(journal) {
        return (stored, SizeOf::ExportFiles);
    }
    match journal.export.as_ref().and_then(|e| e.billed_bytes) {
        Some(b) => (b.max(0) as u64, SizeOf::ExportBilled),
        None => (table_bytes(journal), SizeOf::TableSize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::sts::Identity;
    use crate::engine::journal::{DataFolder, JobRecord};
    use crate::engine::plan::Plan;

    fn identity(account: &str, region: &str) -> Identity {
        Identity {
            account: account.into(),
            arn: format!("arn:aws:iam::{account}:user/u"),
            region: region.into(),
        }
    }

    /// A finished migration from `orders` (1 GB) in eu-west-1 to bucket `bkt` in us-east-1,
    /// with ddb-ferry's own bucket, statements and PITR.
    fn finished() -> Journal {
        let plan = Plan::parse(
            r#"{"source":{"profile":"old-prod","table":"orders"},"destination":{"profile":"new-prod","bucket":"bkt"},"table":{"name":"orders-v2"},"options":{"disable_pitr_after":false}}"#,
            "t",
        )
        .unwrap();
        let mut j =
            crate::engine::new_journal(plan, "orders-to-orders-v2-1a2b3c4d".into(), None, None);
        j.source_identity = Some(identity("111111111111", "eu-west-1"));
        j.dest_identity = Some(identity("222222222222", "us-east-1"));
        j.bucket.region = Some("us-east-1".into());
        j.bucket.created_by_us = true;
        j.bucket.statements_added = vec![
            "DdbFerryExportFromSourceAccount".into(),
            "DdbFerryExportFromSourceAccountList".into(),
        ];
        j.pitr.initially_enabled = Some(false);
        j.pitr.enabled_by_us = true;
        j.export = Some(JobRecord {
            arn: Some("arn:aws:dynamodb:eu-west-1:111111111111:table/orders/export/01".into()),
            billed_bytes: Some(1 << 30),
            ..JobRecord::default()
        });
        j.data_folder = Some(DataFolder {
            bucket: "bkt".into(),
            prefix: "ddb-ferry/orders-to-orders-v2-1a2b3c4d/AWSDynamoDB/01/data/".into(),
            data_files: 4,
            total_bytes: 200 << 20,
            manifest_item_count: Some(2100),
            found_by: "manifest".into(),
        });
        j
    }

    #[test]
    fn everything_left_behind_with_its_cost_and_exact_commands() {
        let items = leftovers(&finished(), &Prices::builtin());
        let whats: Vec<&str> = items.iter().map(|l| l.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "The export's files, s3://bkt/ddb-ferry/orders-to-orders-v2-1a2b3c4d/",
                "ddb-ferry's statements in the policy of bucket bkt (Sids DdbFerryExportFromSourceAccount, DdbFerryExportFromSourceAccountList); the command keeps every other statement of the policy (it needs jq); wait for any other migration into this bucket to end first (it may rely on the same statements)",
                "The bucket bkt, which ddb-ferry created (S3 deletes it only once it is empty)",
                "Point-in-time recovery on the source table orders, which ddb-ferry turned on and the plan keeps on (options.disable_pitr_after is false)",
            ]
        );
        let commands: Vec<&str> = items
            .iter()
            .flat_map(|l| l.remove_commands.iter().map(String::as_str))
            .collect();
        assert_eq!(
            commands,
            [
                "aws s3 rm --profile new-prod --region us-east-1 s3://bkt/ddb-ferry/orders-to-orders-v2-1a2b3c4d/ --recursive",
                r#"aws s3api put-bucket-policy --profile new-prod --region us-east-1 --bucket bkt --policy "$(aws s3api get-bucket-policy --profile new-prod --region us-east-1 --bucket bkt --query Policy --output text | jq -c 'del(.Statement[] | select(.Sid == "DdbFerryExportFromSourceAccount" or .Sid == "DdbFerryExportFromSourceAccountList"))')""#,
                "aws s3api delete-bucket --profile new-prod --region us-east-1 --bucket bkt",
                "aws dynamodb update-continuous-backups --profile old-prod --region eu-west-1 --table-name orders --point-in-time-recovery-specification PointInTimeRecoveryEnabled=false",
            ]
        );
        assert_eq!(
            items[0].cost_words(),
            "less than $0.01 a month (estimate: the export's files 0.20 GB × $0.023 per GB-month, us-east-1 list price of 2026-11)"
        );
        assert_eq!(items[1].cost_words(), "nothing");
        assert_eq!(
            items[3].cost_words(),
            "unknown (no price for eu-west-1 is known; give one in a prices file with --prices FILE or DDB_FERRY_PRICES, see docs/costs.md)",
            "the source's region has no built-in price"
        );
    }

    #[test]
    fn only_what_ddb_ferry_made_or_left_on_is_listed() {
        let mut j = finished();
        j.bucket.created_by_us = false;
        j.bucket.statements_added.clear();
        j.plan.options.disable_pitr_after = true;
        j.pitr.disabled_after = true;
        let items = leftovers(&j, &Prices::builtin());
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(items[0].what.starts_with("The export's files"));

        j.export = None;
        assert!(
            leftovers(&j, &Prices::builtin()).is_empty(),
            "no export, no files"
        );
    }

    #[test]
    fn a_policy_of_ddb_ferrys_statements_alone_is_deleted_and_new_table_pitr_is_listed() {
        let mut j = finished();
        j.bucket.policy_only_ours = true;
        j.pitr.enabled_on_new_table = true;
        let items = leftovers(&j, &Prices::builtin());
        assert_eq!(
            items[1].remove_commands,
            ["aws s3api delete-bucket-policy --profile new-prod --region us-east-1 --bucket bkt"]
        );
        let last = items.last().unwrap();
        assert_eq!(
            last.what,
            "Point-in-time recovery on the new table orders-v2, turned on to match the source"
        );
        assert_eq!(
            last.remove_commands,
            ["aws dynamodb update-continuous-backups --profile new-prod --region us-east-1 --table-name orders-v2 --point-in-time-recovery-specification PointInTimeRecoveryEnabled=false"]
        );
        assert!(
            last.cost_words().starts_with("less than $0.01 a month"),
            "{}",
            last.cost_words()
        );
    }

    #[test]
    fn a_journal_written_before_these_fields_still_loads() {
        let mut v = serde_json::to_value(finished()).unwrap();
        v["bucket"]
            .as_object_mut()
            .unwrap()
            .remove("policy_only_ours");
        v["pitr"]
            .as_object_mut()
            .unwrap()
            .remove("enabled_on_new_table");
        let j: Journal = serde_json::from_value(v).unwrap();
        assert!(!j.bucket.policy_only_ours);
        assert!(!j.pitr.enabled_on_new_table);
    }
}
