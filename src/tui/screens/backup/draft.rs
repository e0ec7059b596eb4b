//! The backup screen's choices as a plan: what the run will do, built in one place so the
//! words on screen, the review and the plan the session opens with cannot disagree. Also the
//! rule a typed value breaks, said before anything is asked of AWS.

use crate::engine::plan::{
    BackupFrom, BackupPlan, DestinationPlan, NewTablePlan, Options, Plan, SourcePlan, Via,
};
use crate::engine::steps::backup_route::{needs_copy, uses_aws_backup_at_source};
use crate::logic::restore::RestoreEncryption;
use crate::logic::restore_choice::Restorer;
use crate::logic::{backup_names, names};
use crate::tui::app::App;
use crate::tui::msg::Side;

use super::rows::{self, Facts, Row, Source};

/// The role AWS Backup's console makes in an account the first time it is used.
pub fn default_role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole")
}

/// What the two sides are, from STS and the table's description.
pub fn facts(app: &App) -> Facts {
    let src = app.accounts.identity(Side::Source);
    let dst = app.accounts.identity(Side::Dest);
    let pitr = app
        .table
        .chosen_details()
        .map(|d| d.pitr_status.clone())
        .or_else(|| app.pitr.status.clone());
    Facts {
        same_account: matches!((src, dst), (Some(a), Some(b)) if a.account == b.account),
        same_region: matches!((src, dst), (Some(a), Some(b)) if a.region == b.region),
        pitr_on: pitr.as_deref() == Some("ENABLED"),
        source_account: src.map(|i| i.account.clone()).unwrap_or_default(),
        source_region: src.map(|i| i.region.clone()).unwrap_or_default(),
    }
}

/// Every row of the list as it stands.
pub fn all_rows(app: &App) -> Vec<Row> {
    let points = app.backup.points.as_deref().unwrap_or_default();
    rows::rows(points, &facts(app))
}

/// The highlighted row.
pub fn current(app: &App) -> Option<Row> {
    all_rows(app).into_iter().nth(app.backup.selected)
}

/// What the highlighted row makes the run do: whether it copies, and who acts where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The recovery point is copied into the destination's vault.
    pub copy: bool,
    /// ... of another account: the vault's access policy must let the source copy in.
    pub across_accounts: bool,
    /// AWS Backup works in the source account (its role is needed).
    pub source_role: bool,
    /// AWS Backup restores (the destination's role is needed; tags can be copied).
    pub aws_restores: bool,
}

pub fn shape(source: &Source, facts: &Facts) -> Shape {
    let plan = rows::plan_of(source);
    let copy = needs_copy(&plan, facts.same_account, facts.same_region);
    Shape {
        copy,
        across_accounts: copy && !facts.same_account,
        source_role: uses_aws_backup_at_source(&plan, copy),
        aws_restores: rows::restorer(source) == Restorer::AwsBackup,
    }
}

/// The encryption chosen on screen, among the three.
pub fn encryption(app: &App) -> RestoreEncryption {
    match app.backup.encryption {
        1 => RestoreEncryption::AwsManaged,
        2 => RestoreEncryption::CustomerManaged {
            kms_key_arn: app.backup.kms_key.value().trim().to_owned(),
        },
        _ => RestoreEncryption::Default,
    }
}

/// The plan's `backup` section for the screen as it stands. `add_vault_policy` is true only
/// once the person confirmed the vault policy change.
pub fn backup_plan(app: &App) -> Option<BackupPlan> {
    let st = &app.backup;
    let row = current(app)?;
    let facts = facts(app);
    let shape = shape(&row.source, &facts);
    let mut plan = rows::plan_of(&row.source);
    if plan.from == BackupFrom::PointInTime {
        plan.restore_time = Some(st.time.value().trim().to_owned()).filter(|t| !t.is_empty());
    }
    if let Source::Existing(p) = &row.source {
        if let Some(vault) = &p.vault {
            plan.source_vault = vault.clone();
        }
    }
    if shape.copy {
        plan.dest_vault = st.vault.value().trim().to_owned();
    }
    let role = |f: &crate::tui::widgets::field::Field| Some(f.value().trim().to_owned());
    plan.source_role_arn = role(&st.source_role).filter(|_| shape.source_role);
    plan.dest_role_arn = role(&st.dest_role).filter(|_| shape.aws_restores);
    plan.encryption = encryption(app);
    plan.copy_tags = st.copy_tags;
    plan.add_vault_policy = shape.across_accounts && st.add_vault_policy;
    Some(plan)
}

/// The whole plan the session opens with: the backup road, no bucket, no export, only the
/// new table's name (a restore keeps the source's keys, indexes and billing).
pub fn plan(app: &App) -> Option<Plan> {
    let table = app.table.chosen.clone()?;
    let backup = backup_plan(app)?;
    Some(Plan {
        via: Via::Backup,
        source: SourcePlan {
            profile: app.accounts.source.profile.clone(),
            region: app.accounts.spec(Side::Source, None).region,
            table,
        },
        destination: DestinationPlan {
            profile: app.accounts.dest.profile.clone(),
            region: app.accounts.spec(Side::Dest, None).region,
            bucket: String::new(),
            create_bucket: true,
            bucket_owner: None,
            bucket_region: None,
            prefix: "ddb-ferry".to_owned(),
        },
        backup: Some(backup),
        export: Default::default(),
        table: NewTablePlan {
            name: app.backup.name.value().trim().to_owned(),
            partition_key: None,
            sort_key: None,
            gsis: None,
            billing: None,
            encryption: None,
        },
        options: Options::default(),
    })
}

/// The first rule the screen's values break, in words; `None` when the review can open.
pub fn problem(app: &App) -> Option<String> {
    let st = &app.backup;
    let Some(row) = current(app) else {
        return Some("choose what to restore in the list".into());
    };
    if let Some(why) = &row.blocked {
        return Some(format!("this choice cannot work here: {why}"));
    }
    let facts = facts(app);
    if rows::encryptions(&row.source, &facts).is_empty() {
        return Some("this backup cannot be restored by the service that would restore it".into());
    }
    let shape = shape(&row.source, &facts);
    let time = st.time.value().trim();
    if matches!(row.source, Source::PointInTime) && !time.is_empty() {
        if let Err(e) = backup_names::rfc3339("time", time) {
            return Some(e.rule);
        }
    }
    let name = st.name.value().trim();
    if let Err(e) = names::table_name("table name", name) {
        return Some(e.rule);
    }
    if let Some((n, Ok(false))) = &st.name_free {
        if n == name {
            return Some(format!(
                "a table named {n} already exists in the destination: a restore always creates a new table"
            ));
        }
    }
    if let RestoreEncryption::CustomerManaged { kms_key_arn } = encryption(app) {
        if let Err(e) = backup_names::kms_key_arn("KMS key", &kms_key_arn) {
            return Some(e.rule);
        }
    }
    let checks = [
        (shape.copy, st.vault.value(), "vault"),
        (shape.source_role, st.source_role.value(), "source role"),
        (shape.aws_restores, st.dest_role.value(), "destination role"),
    ];
    for (used, value, what) in checks {
        let value = value.trim();
        let result = match what {
            "vault" => backup_names::vault_name(what, value),
            _ => backup_names::iam_role_arn(what, value),
        };
        if let (true, Err(e)) = (used, result) {
            return Some(format!("{what}: {}", e.rule));
        }
    }
    None
}
