//! The destination vault's access policy for a cross-account copy.
//!
//! A copy job started in the source account writes the recovery point into a vault of the
//! destination account, which AWS Backup allows only when that vault's access policy lets the
//! source account `backup:CopyIntoBackupVault`. As with the bucket policy ([`super::policy`]),
//! a vault has one policy document: replacing it would silently remove someone else's grant
//! (or a Deny that protects the vault), so we add one statement and keep every other one
//! exactly as it is. A Deny that refuses the copy is reported, never "fixed": it is the vault
//! owner's decision.

mod grants;
mod words;

use std::collections::HashSet;

use serde_json::{json, Value};

use super::policy::document::{self, from_document_error};

pub use words::describe_vault_change;

/// The one action a copy into another account's vault needs.
pub const COPY_ACTION: &str = "backup:CopyIntoBackupVault";
/// Start of every Sid this tool writes in a vault policy; the rest comes from the migration id.
pub const SID_PREFIX: &str = "DdbFerryCopyIntoVault";

/// The Sid of a migration's statement: [`SID_PREFIX`] and the migration id in CamelCase
/// (`orders-to-orders-7c67c69d` → `DdbFerryCopyIntoVaultOrdersToOrders7c67c69d`), letters and
/// digits only, as IAM asks of Sids. One Sid per migration, so removing a migration's grant
/// afterwards never touches another's. Given a Sid it made, it returns it unchanged.
pub fn copy_sid(migration_id: &str) -> String {
    if migration_id.starts_with(SID_PREFIX)
        && migration_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return migration_id.to_owned();
    }
    let mut sid = SID_PREFIX.to_owned();
    for part in migration_id.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            sid.push(first.to_ascii_uppercase());
            sid.extend(chars);
        }
    }
    sid
}

/// The statement that lets `source_account` copy recovery points into the vault: the whole
/// account (the copy job runs with a role of it), that one action, on this vault (`*` in a
/// vault's own policy means the vault). `migration_sid` is the migration id or the Sid
/// [`copy_sid`] made of it; both give the same statement.
pub fn copy_into_vault_statement(source_account: &str, migration_sid: &str) -> Value {
    json!({
        "Sid": copy_sid(migration_sid),
        "Effect": "Allow",
        "Principal": { "AWS": format!("arn:aws:iam::{source_account}:root") },
        "Action": COPY_ACTION,
        "Resource": "*",
    })
}

/// The result of adding the copy grant to a vault's access policy.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultPolicyChange {
    /// The whole policy to put on the vault (`Statement` always a list).
    pub policy: Value,
    /// The Sids of the statements added; empty: nothing to put.
    pub added_sids: Vec<String>,
    /// An existing statement already lets the source account copy into the vault.
    pub already_allowed: bool,
    /// Every statement of `policy` is this migration's (its Sid, or its Sid with a number):
    /// removing ours later would leave an empty policy, which is deleted rather than put.
    pub only_ours: bool,
}

/// Why the copy grant could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultPolicyError {
    #[error(
        "the vault's current access policy is not valid JSON (line {line}, column {column}: \
         {reason}); fix or delete it in the AWS Backup console (Backup vaults → the vault → \
         Access policy), then run this step again"
    )]
    InvalidJson {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error(
        "the vault's current access policy is a JSON {found}, not an object with a \"Statement\" \
         list; fix or delete it in the AWS Backup console, then run this step again"
    )]
    NotAnObject { found: &'static str },
    #[error(
        "the vault access policy's \"Statement\" is a JSON {found}; a statement object or a list \
         of them is expected. Fix the policy in the AWS Backup console, then run this step again"
    )]
    BadStatement { found: &'static str },
    #[error(
        "statement number {number} of the vault's access policy is a JSON {found}, not a \
         statement object; fix the policy in the AWS Backup console, then run this step again"
    )]
    BadStatementEntry { number: usize, found: &'static str },
    #[error(
        "statement {sid} of the vault's access policy denies the source account \
         backup:CopyIntoBackupVault, so the copy would be refused whatever is added; whoever \
         manages the vault must remove or narrow that statement (ddb-ferry never changes \
         another's Deny), then run this step again"
    )]
    DeniedByStatement {
        /// The statement's Sid, or "number N (it has no Sid)".
        sid: String,
    },
}

// The text's faults, told of the vault's access policy.
from_document_error!(VaultPolicyError);

/// Adds the grant letting `source_account` copy into the vault to `existing` (the vault's
/// access policy text, `None` when it has none), under the Sid `sid`.
///
/// Every existing statement and top-level field is kept, in order and unchanged. Ours is added
/// only when no existing Allow already grants the copy (see [`grants::allows_copy`]); when its
/// Sid is taken by another statement it gets the next free one (`…2`, `…3`). A Deny that
/// refuses the copy is an error. Merging the result again adds nothing.
pub fn merge_copy_grant(
    existing: Option<&str>,
    source_account: &str,
    sid: &str,
) -> Result<VaultPolicyChange, VaultPolicyError> {
    let (mut document, mut statements) = document::read(existing)?;
    if let Some((number, denying)) = statements
        .iter()
        .enumerate()
        .find(|(_, s)| grants::denies_copy(s, source_account))
    {
        let sid = match denying.get("Sid").and_then(Value::as_str) {
            Some(sid) => sid.to_owned(),
            None => format!("number {} (it has no Sid)", number + 1),
        };
        return Err(VaultPolicyError::DeniedByStatement { sid });
    }
    let already_allowed = statements
        .iter()
        .any(|s| grants::allows_copy(s, source_account));
    let sid = copy_sid(sid);
    let mut added_sids = Vec::new();
    if !already_allowed {
        let free = free_sid(&sid, &statements);
        let mut ours = copy_into_vault_statement(source_account, &sid);
        ours["Sid"] = Value::String(free.clone());
        statements.push(ours);
        added_sids.push(free);
    }
    let only_ours = !statements.is_empty()
        && statements.iter().all(|s| {
            s.get("Sid")
                .and_then(Value::as_str)
                .and_then(|other| other.strip_prefix(sid.as_str()))
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        });
    document.insert("Statement".into(), Value::Array(statements));
    Ok(VaultPolicyChange {
        policy: Value::Object(document),
        added_sids,
        already_allowed,
        only_ours,
    })
}

/// `base`, or `base` with the first number that makes it unused: Sids are unique in a policy.
fn free_sid(base: &str, statements: &[Value]) -> String {
    let used: HashSet<&str> = statements
        .iter()
        .filter_map(|s| s.get("Sid").and_then(Value::as_str))
        .collect();
    if !used.contains(base) {
        return base.to_owned();
    }
    (2u64..)
        .map(|n| format!("{base}{n}"))
        .find(|candidate| !used.contains(candidate.as_str()))
        .unwrap_or_else(|| format!("{base}X"))
}

#[cfg(test)]
mod tests;
