//! Backup & new table (the backup road): what to restore — a backup made now, a point in
//! time, or one of the source table's backups — the new table's name (checked free as
//! typed), its encryption, the destination vault and the two AWS Backup roles; then a review
//! in words, the vault policy change confirmed, and the start.

pub mod draft;
mod keys;
mod render;
pub mod rows;
pub mod vault;
pub mod words;

pub use keys::on_key;
pub use render::render;

use crate::aws::explain::AwsFailure;
use crate::engine::plan::{BackupFrom, BackupMaker, Plan};
use crate::logic::restore::RestoreEncryption;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::{RecoveryPoint, Side, VaultLook};
use crate::tui::services::Cmd;
use crate::tui::widgets::field::Field;

use rows::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    /// What to restore.
    #[default]
    List,
    /// The point in time, with the point-in-time row.
    Time,
    Name,
    Encryption,
    KmsKey,
    /// The destination vault, when the backup is copied.
    Vault,
    SourceRole,
    DestRole,
    CopyTags,
}

/// Where the screen stands: the form, its review, or the vault question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    #[default]
    Form,
    Review,
    /// Across accounts: may ddb-ferry add its statement to the vault's access policy?
    Confirm,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    /// The focused text field takes the keys.
    pub typing: bool,
    pub stage: Stage,
    /// The source table's backups; `None` while they are listed.
    pub points: Option<Vec<RecoveryPoint>>,
    /// Listings that failed (AWS Backup's or DynamoDB's).
    pub list_failures: Vec<AwsFailure>,
    /// The highlighted row of the list.
    pub selected: usize,
    /// A reattached plan's recovery point, highlighted once the list arrives.
    pub want_arn: Option<String>,
    pub time: Field,
    pub name: Field,
    pub name_free: Option<(String, Result<bool, AwsFailure>)>,
    /// 0 default, 1 AWS-managed, 2 customer-managed.
    pub encryption: u8,
    pub kms_key: Field,
    pub vault: Field,
    pub source_role: Field,
    pub dest_role: Field,
    pub copy_tags: bool,
    /// The destination vault as last read, and the name it was read for.
    pub vault_look: Option<(String, Result<VaultLook, AwsFailure>)>,
    /// Set only by the person's yes to the vault question.
    pub add_vault_policy: bool,
    /// The review shows the vault policy as JSON.
    pub json: bool,
    pub scroll: u16,
    /// Why the last Enter did not move on.
    pub message: Option<String>,
    /// The table the fields were filled for.
    pub for_table: Option<String>,
}

impl State {
    pub fn editing(&self) -> bool {
        self.typing && self.stage == Stage::Form && self.on_text()
    }

    fn on_text(&self) -> bool {
        matches!(
            self.focus,
            Focus::Time
                | Focus::Name
                | Focus::KmsKey
                | Focus::Vault
                | Focus::SourceRole
                | Focus::DestRole
        )
    }

    fn field_name(&self) -> &'static str {
        match self.focus {
            Focus::Time => "Point in time",
            Focus::Name => "New table",
            Focus::KmsKey => "KMS key",
            Focus::Vault => "Vault",
            Focus::SourceRole => "Source role",
            _ => "Destination role",
        }
    }

    fn field_mut(&mut self) -> Option<&mut Field> {
        Some(match self.focus {
            Focus::Time => &mut self.time,
            Focus::Name => &mut self.name,
            Focus::KmsKey => &mut self.kms_key,
            Focus::Vault => &mut self.vault,
            Focus::SourceRole => &mut self.source_role,
            Focus::DestRole => &mut self.dest_role,
            _ => return None,
        })
    }
}

/// The fields in Tab order for the highlighted row: each only where it is used.
pub fn order(app: &App) -> Vec<Focus> {
    let mut order = vec![Focus::List];
    let Some(row) = draft::current(app) else {
        return order;
    };
    let shape = draft::shape(&row.source, &draft::facts(app));
    if row.source == Source::PointInTime {
        order.push(Focus::Time);
    }
    order.extend([Focus::Name, Focus::Encryption]);
    if app.backup.encryption == 2 {
        order.push(Focus::KmsKey);
    }
    if shape.copy {
        order.push(Focus::Vault);
    }
    if shape.source_role {
        order.push(Focus::SourceRole);
    }
    if shape.aws_restores {
        order.extend([Focus::DestRole, Focus::CopyTags]);
    }
    order
}

/// The migration's backup has started (or was made): the choices are fixed.
pub fn started(app: &App) -> bool {
    app.journal.as_ref().is_some_and(|j| {
        let b = &j.backup;
        b.recovery_point.is_some() || b.backup.is_some() || b.copy.is_some() || b.restore.is_some()
    })
}

/// Enters the screen from Road: fills the fields for this table (once), lists its backups
/// and checks the new name.
pub fn enter(app: &mut App) -> Vec<Cmd> {
    app.go(Screen::BackupSetup);
    let table = app.table.chosen.clone();
    if app.backup.for_table != table {
        prefill(app);
    }
    app.backup.stage = Stage::Form;
    app.backup.message = None;
    let mut cmds = list_points(app);
    cmds.push(Cmd::CheckName(app.backup.name.value().trim().to_owned()));
    cmds
}

/// The fields as a new migration of the chosen table starts them.
fn prefill(app: &mut App) {
    let facts = draft::facts(app);
    let table = app.table.chosen.clone().unwrap_or_default();
    let dest = app
        .accounts
        .identity(Side::Dest)
        .map(|i| i.account.clone())
        .unwrap_or_default();
    let name = if facts.crosses() {
        table.clone()
    } else {
        format!("{table}-restored")
    };
    app.backup = State {
        name: Field::with(&name),
        vault: Field::with("Default"),
        source_role: Field::with(&draft::default_role(&facts.source_account)),
        dest_role: Field::with(&draft::default_role(&dest)),
        copy_tags: true,
        for_table: Some(table),
        ..State::default()
    };
}

/// Fills the fields from a journal's plan (a reattached migration).
pub fn fill_from_plan(app: &mut App, plan: &Plan) {
    let b = plan.backup_or_default();
    app.backup = State {
        name: Field::with(&plan.table.name),
        vault: Field::with(&b.dest_vault),
        source_role: Field::with(b.source_role_arn.as_deref().unwrap_or("")),
        dest_role: Field::with(b.dest_role_arn.as_deref().unwrap_or("")),
        copy_tags: b.copy_tags,
        time: Field::with(b.restore_time.as_deref().unwrap_or("")),
        selected: match (b.from, b.made_by) {
            (BackupFrom::New, BackupMaker::AwsBackup) => 0,
            (BackupFrom::New, BackupMaker::Dynamodb) => 1,
            _ => 2,
        },
        want_arn: b.recovery_point_arn.clone(),
        encryption: match &b.encryption {
            RestoreEncryption::Default => 0,
            RestoreEncryption::AwsManaged => 1,
            RestoreEncryption::CustomerManaged { .. } => 2,
        },
        kms_key: Field::with(match &b.encryption {
            RestoreEncryption::CustomerManaged { kms_key_arn } => kms_key_arn,
            _ => "",
        }),
        add_vault_policy: b.add_vault_policy,
        for_table: Some(plan.source.table.clone()),
        ..State::default()
    };
}

/// Asks for the source table's backups.
fn list_points(app: &mut App) -> Vec<Cmd> {
    let arn = app
        .table
        .chosen_details()
        .map(|d| d.table.arn.clone())
        .or_else(|| {
            let j = app.journal.as_ref()?;
            j.source_table.as_ref().map(|t| t.arn.clone())
        });
    match (app.table.chosen.clone(), arn) {
        (Some(table), Some(table_arn)) => {
            app.backup.points = None;
            vec![Cmd::ListRecoveryPoints { table, table_arn }]
        }
        _ => Vec::new(),
    }
}

pub fn on_points(app: &mut App, points: Vec<RecoveryPoint>, failures: Vec<AwsFailure>) -> Vec<Cmd> {
    let st = &mut app.backup;
    st.points = Some(points);
    st.list_failures = failures;
    if let Some(arn) = st.want_arn.take() {
        if let Some(i) = st.points.iter().flatten().position(|p| p.arn == arn) {
            st.selected = 3 + i;
        }
    }
    let n = draft::all_rows(app).len();
    app.backup.selected = app.backup.selected.min(n.saturating_sub(1));
    Vec::new()
}

pub fn on_name_checked(app: &mut App, name: String, result: Result<bool, AwsFailure>) -> Vec<Cmd> {
    if name == app.backup.name.value().trim() {
        app.backup.name_free = Some((name, result));
    }
    Vec::new()
}

pub fn on_vault(app: &mut App, vault: String, result: Result<VaultLook, AwsFailure>) -> Vec<Cmd> {
    app.backup.vault_look = Some((vault, result));
    Vec::new()
}

/// The keys of the screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.backup;
    if app.engine_busy {
        return Bar::commands(vec![hint("q", "quit")]);
    }
    if started(app) {
        return Bar::commands(vec![
            hint("Enter", "back to the progress"),
            hint("Esc", "back"),
        ]);
    }
    match st.stage {
        Stage::Confirm => Bar::commands(vec![
            hint("y", "yes, add the statement and start"),
            hint("n", "no, start without it"),
            hint("Esc", "back to the review"),
        ]),
        Stage::Review => {
            let mut hints = vec![hint("Enter", "start")];
            if draft::current(app)
                .is_some_and(|row| draft::shape(&row.source, &draft::facts(app)).across_accounts)
            {
                hints.push(hint("v", if st.json { "words" } else { "policy JSON" }));
            }
            hints.push(hint("PgUp/PgDn", "scroll"));
            hints.push(hint("Esc", "change the choices"));
            Bar::commands(hints)
        }
        Stage::Form if st.editing() => Bar::editing(
            st.field_name(),
            vec![
                hint("Enter", "review"),
                hint("Esc", "stop editing"),
                hint("Tab", "next field"),
            ],
        ),
        Stage::Form => {
            let mut hints = vec![hint("Enter", "review")];
            match st.focus {
                Focus::List => hints.push(hint("↑↓", "choose what to restore")),
                Focus::Encryption | Focus::CopyTags => hints.push(hint("Space", "switch")),
                _ => hints.push(hint("e", "edit this field")),
            }
            hints.extend([
                hint("Tab", "next field"),
                hint("PgUp/PgDn", "scroll the words"),
                hint("Esc", "back"),
            ]);
            Bar::commands(hints)
        }
    }
}

pub const HELP: &[&str] = &[
    "The backup road: the table is backed up, the backup is copied into a vault (a store of backups) of the destination account when that is another account or region, and the new table is restored from it. The restore keeps the source's keys, indexes (local ones too) and billing.",
    "The list: make a new backup now (AWS Backup's can be copied to another account; DynamoDB's own stay in their account and region), restore the table as it was at a point in time (same account, with PITR on; empty time = the latest), or one of the table's existing backups, newest first. A dimmed row cannot work between these two accounts, and says why.",
    "The new table's name must be free in the destination (it is checked as you type). Encryption: a key DynamoDB owns (free), the AWS-managed key, or a KMS key of yours (its ARN). The roles are the IAM roles AWS Backup's jobs run as in each account; the ones AWS Backup's console creates are filled in.",
    "Enter shows a review in words with the costs; across accounts it also shows the one statement the destination vault's access policy needs (v: the JSON), and asks before adding it. Nothing changes before you start.",
];

#[cfg(test)]
mod tests;
