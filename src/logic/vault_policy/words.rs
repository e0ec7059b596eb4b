//! The vault-policy change in plain words, for a person to approve before the JSON: which
//! account may do what with the vault, and what stays as it was. Said from the change itself,
//! so the words cannot describe another grant than the one that would be put.

use super::VaultPolicyChange;

/// What the change does to the vault `vault`, one sentence a line.
pub fn describe_vault_change(
    change: &VaultPolicyChange,
    source_account: &str,
    vault: &str,
) -> Vec<String> {
    if change.added_sids.is_empty() {
        return vec![format!(
            "The access policy of the vault {vault} already lets account {source_account} copy recovery points into it: nothing changes."
        )];
    }
    let total = change.policy["Statement"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    let kept = total.saturating_sub(change.added_sids.len());
    let mut lines = vec![format!(
        "Account {source_account} (the whole account: the role its copy job runs with) may copy recovery points into the vault {vault} (the statement {}). It may not read, restore or delete anything there.",
        change.added_sids.join(", ")
    )];
    lines.push(match kept {
        0 => "Nothing else changes: the vault had no access policy, so this statement is its only one.".to_owned(),
        1 => "Nothing else changes; the 1 statement already there is kept exactly as it is.".to_owned(),
        n => format!("Nothing else changes; the {n} statements already there are kept exactly as they are."),
    });
    if change.only_ours {
        lines.push(
            "When the migration is over, removing this statement deletes the vault's access policy, since nothing else is in it."
                .to_owned(),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::merge_copy_grant;
    use super::*;
    use serde_json::json;

    const ME: &str = "111122223333";

    #[test]
    fn a_vault_without_a_policy_gets_one_statement() {
        let change = merge_copy_grant(None, ME, "orders-to-orders-7c67c69d").unwrap();
        let words = describe_vault_change(&change, ME, "Default").join("\n");
        for expected in [
            "Account 111122223333 (the whole account",
            "may copy recovery points into the vault Default",
            "DdbFerryCopyIntoVaultOrdersToOrders7c67c69d",
            "had no access policy",
            "deletes the vault's access policy",
        ] {
            assert!(
                words.contains(expected),
                "missing {expected:?} in:\n{words}"
            );
        }
    }

    #[test]
    fn existing_statements_are_said_to_stay() {
        let current = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*",
             "Action": "backup:DeleteRecoveryPoint", "Resource": "*"},
            {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": "999999999999"},
             "Action": "backup:CopyIntoBackupVault", "Resource": "*"}
        ]})
        .to_string();
        let change = merge_copy_grant(Some(&current), ME, "m-1").unwrap();
        let words = describe_vault_change(&change, ME, "landing");
        assert_eq!(words.len(), 2, "{words:?}");
        assert!(
            words[1].contains("the 2 statements already there are kept"),
            "{words:?}"
        );
    }

    #[test]
    fn an_allowed_copy_says_nothing_changes() {
        let first = merge_copy_grant(None, ME, "m-1").unwrap();
        let again = merge_copy_grant(Some(&first.policy.to_string()), ME, "m-1").unwrap();
        assert_eq!(
            describe_vault_change(&again, ME, "Default"),
            ["The access policy of the vault Default already lets account 111122223333 copy recovery points into it: nothing changes."]
        );
    }
}
