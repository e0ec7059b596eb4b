//! The destination vault's access policy change, previewed before anything is changed: the
//! policy as it is now (read by the task layer), merged with the one statement that lets the
//! source account copy in (`merge_copy_grant`, the engine's own merge), said in words
//! (`describe_vault_change`) or, one key away, as the JSON that would be put.

use ratatui::text::{Line, Span};

use crate::logic::vault_policy::{describe_vault_change, merge_copy_grant, VaultPolicyChange};
use crate::tui::app::App;
use crate::tui::msg::Side;

/// What the preview found.
#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    /// The vault policy is being read.
    Reading,
    /// The vault does not exist in the destination account.
    NoVault,
    /// The change, ready to confirm (or nothing to change).
    Change(VaultPolicyChange),
    /// The policy cannot take the grant (a Deny, unreadable JSON) or could not be read.
    Problem(String),
}

impl Preview {
    /// True when confirming would add a statement.
    pub fn adds(&self) -> bool {
        matches!(self, Preview::Change(c) if !c.added_sids.is_empty())
    }
}

/// The source account, and the Sid the run would write (from the migration id, as the
/// engine makes it).
fn grant_of(app: &App) -> Option<(String, String)> {
    let account = app.accounts.identity(Side::Source)?.account.clone();
    let plan = super::draft::plan(app)?;
    Some((account, crate::engine::migration_id(&plan, 1)))
}

/// The preview for the vault on screen.
pub fn preview(app: &App) -> Preview {
    let vault = app.backup.vault.value().trim();
    let Some((read_for, result)) = &app.backup.vault_look else {
        return Preview::Reading;
    };
    if read_for != vault {
        return Preview::Reading;
    }
    let look = match result {
        Ok(look) => look,
        Err(f) => {
            return Preview::Problem(format!(
                "The vault's access policy could not be read: {} ({}). The run checks it again before anything starts.",
                f.what, f.next
            ))
        }
    };
    if !look.exists {
        return Preview::NoVault;
    }
    let Some((account, sid)) = grant_of(app) else {
        return Preview::Reading;
    };
    match merge_copy_grant(look.policy.as_deref(), &account, &sid) {
        Ok(change) => Preview::Change(change),
        Err(e) => Preview::Problem(format!("{e}.")),
    }
}

/// The change in words (or as JSON with `json`), for the review.
pub fn lines(app: &App, json: bool) -> Vec<Line<'static>> {
    let vault = app.backup.vault.value().trim().to_owned();
    let account = app
        .accounts
        .identity(Side::Source)
        .map(|i| i.account.clone())
        .unwrap_or_default();
    match preview(app) {
        Preview::Reading => vec![Line::from(format!(
            "Reading the access policy of the vault {vault} in the destination account…"
        ))],
        Preview::NoVault => vec![Line::from(Span::styled(
            format!("! The destination account has no vault named {vault}. Create it (AWS Backup console → Backup vaults → Create) or type the name of one it has; the run stops in its first checks until it exists."),
            crate::tui::theme::problem(),
        ))],
        Preview::Problem(text) => vec![Line::from(Span::styled(
            format!("! {text}"),
            crate::tui::theme::problem(),
        ))],
        Preview::Change(change) if json => json_lines(&change),
        Preview::Change(change) => describe_vault_change(&change, &account, &vault)
            .into_iter()
            .map(Line::from)
            .collect(),
    }
}

/// The whole policy that would be put, ddb-ferry's statement marked `+`.
fn json_lines(change: &VaultPolicyChange) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(
        "The vault's access policy after the change (+ added; the others stay as they are):",
    )];
    let statements = change.policy["Statement"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for statement in statements {
        let added = statement["Sid"]
            .as_str()
            .is_some_and(|sid| change.added_sids.iter().any(|a| a == sid));
        let text = serde_json::to_string_pretty(&statement).unwrap_or_default();
        for l in text.lines() {
            lines.push(if added {
                Line::from(Span::styled(format!("+ {l}"), crate::tui::theme::added()))
            } else {
                Line::from(format!("  {l}"))
            });
        }
    }
    lines
}
