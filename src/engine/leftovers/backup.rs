//! What the backup road leaves behind: the backup it made in the source, the copy in the
//! destination's vault, and its statement in that vault's access policy. ddb-ferry deletes
//! none of them: a recovery point deleted by mistake cannot be brought back.

use super::super::cli_equivalent::{shell_quote, side_args};
use super::super::costs::{dest_region, source_region, table_bytes};
use super::super::journal::{Journal, RecoveryPointRecord};
use super::Leftover;
use crate::logic::cost::{Charge, CostLine, Prices, SizeOf};

pub(super) fn leftovers(journal: &Journal, prices: &Prices) -> Vec<Leftover> {
    let plan = &journal.plan;
    let record = &journal.backup;
    let source_side = side_args(
        plan.source.profile.as_deref(),
        Some(&source_region(journal)),
    );
    let dest_side = side_args(
        plan.destination.profile.as_deref(),
        Some(&dest_region(journal)),
    );
    let mut out = Vec::new();
    let made_here = record
        .recovery_point
        .as_ref()
        .filter(|p| p.found_by == "made now");
    if let Some(point) = made_here {
        out.extend(point_leftover(
            point,
            "The backup ddb-ferry made of the source table",
            &source_side,
            &source_region(journal),
            journal,
            prices,
        ));
    }
    if let Some(copy) = &record.copied {
        out.extend(point_leftover(
            copy,
            "The copy of the backup in the destination's vault",
            &dest_side,
            &dest_region(journal),
            journal,
            prices,
        ));
    }
    if !record.statements_added.is_empty() {
        let vault = plan.backup_or_default().dest_vault;
        let v = shell_quote(&vault);
        let sids = record.statements_added.join(", ");
        let (what, command) = if record.policy_only_ours {
            (
                format!("ddb-ferry's statement in the access policy of the destination vault {vault} (Sid {sids}); it was the policy's only statement, so removing it deletes the policy: first check with `aws backup get-backup-vault-access-policy` that nobody added others since, and that no other migration still copies into this vault"),
                format!("aws backup delete-backup-vault-access-policy{dest_side} --backup-vault-name {v}"),
            )
        } else {
            let test = record
                .statements_added
                .iter()
                .map(|sid| format!(".Sid == {}", serde_json::to_string(sid).unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(" or ");
            let filter = format!("del(.Statement[] | select({test}))");
            (
                format!("ddb-ferry's statement in the access policy of the destination vault {vault} (Sid {sids}); the command keeps every other statement (it needs jq); wait for any other migration into this vault to end first (it may rely on the same statement)"),
                format!(
                    "aws backup put-backup-vault-access-policy{dest_side} --backup-vault-name {v} --policy \"$(aws backup get-backup-vault-access-policy{dest_side} --backup-vault-name {v} --query Policy --output text | jq -c {})\"",
                    shell_quote(&filter)
                ),
            )
        };
        out.push(Leftover {
            what,
            monthly_cost: None,
            remove_commands: vec![command],
        });
    }
    out
}

/// A recovery point (or DynamoDB backup) kept, with its storage price and its removal.
fn point_leftover(
    point: &RecoveryPointRecord,
    what: &str,
    side: &str,
    region: &str,
    journal: &Journal,
    prices: &Prices,
) -> Option<Leftover> {
    let arn = point.arn.as_ref()?;
    let (bytes, size_of) = match point.size_bytes {
        Some(b) => (b.max(0) as u64, SizeOf::BackupSize),
        None => (table_bytes(journal), SizeOf::TableSize),
    };
    let command = match &point.vault {
        Some(vault) => format!(
            "aws backup delete-recovery-point{side} --backup-vault-name {} --recovery-point-arn {}",
            shell_quote(vault),
            shell_quote(arn)
        ),
        None => format!(
            "aws dynamodb delete-backup{side} --backup-arn {}",
            shell_quote(arn)
        ),
    };
    let place = match &point.vault {
        Some(vault) => format!("in vault {vault}"),
        None => "kept by DynamoDB".to_owned(),
    };
    Some(Leftover {
        what: format!("{what}, {arn} ({place}); keep it until the new table is in use and proven"),
        monthly_cost: Some(CostLine::new(
            prices,
            Charge::BackupStorage,
            region,
            bytes,
            size_of,
        )),
        remove_commands: vec![command],
    })
}
