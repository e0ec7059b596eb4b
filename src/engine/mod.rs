//! The migration engine: no terminal, no SDK types in its interface. The wizard and the
//! headless `run` are two faces of it.

pub mod catch_up;
pub mod cli_backup;
pub mod cli_equivalent;
pub mod compare;
pub mod costs;
pub mod events;
pub mod fleet;
pub mod inspect;
pub mod jobs;
pub mod journal;
pub mod leftovers;
pub mod lock;
pub mod migration;
pub mod plan;
pub mod poll;
pub mod prices;
pub mod session;
pub mod sides;
pub mod steps;
pub mod summary;
pub mod unfinished;
pub mod watch;
pub mod writer;

use std::path::{Path, PathBuf};

use journal::{
    now_rfc3339, BucketRecord, Journal, MigrationState, PitrRecord, Step, JOURNAL_VERSION,
};
use md5::{Digest, Md5};
use plan::Plan;

/// The stable id of a migration: same plan identity → same id, so running the same plan again
/// finds the journal and continues. `attempt` > 1 names a fresh start (`run --new`). A backup
/// plan's identity adds the road and what is restored, so moving one table through S3 and
/// through a backup are two migrations; an S3 plan's identity is as it always was, so its
/// journals are found again.
pub fn migration_id(plan: &Plan, attempt: u32) -> String {
    let mut identity = format!(
        "{:?}|{:?}|{}|{:?}|{:?}|{}|{}|{}",
        plan.source.profile,
        plan.source.region,
        plan.source.table,
        plan.destination.profile,
        plan.destination.region,
        plan.destination.bucket,
        plan.destination.prefix,
        plan.table.name
    );
    if plan.via == plan::Via::Backup {
        let b = plan.backup_or_default();
        identity.push_str(&format!(
            "|{:?}|{:?}|{:?}|{:?}",
            plan.via, b.from, b.recovery_point_arn, b.restore_time
        ));
    }
    let base = format!(
        "{}-to-{}-{}",
        slug(&plan.source.table),
        slug(&plan.table.name),
        short_digest(&identity)
    );
    with_attempt(base, attempt)
}

/// Eight hex digits that tell one identity from another in an id.
pub(crate) fn short_digest(identity: &str) -> String {
    let digest = Md5::digest(identity.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// `base` for the first attempt, `base-N` for the Nth (`run --new`).
pub(crate) fn with_attempt(base: String, attempt: u32) -> String {
    if attempt > 1 {
        format!("{base}-{attempt}")
    } else {
        base
    }
}

/// A name as a lowercase part of an id, a file name and an S3 folder: letters, digits and
/// `-`, anything else `-`, at most `max` characters.
pub(crate) fn slug_of(name: &str, max: usize) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(max)
        .collect();
    s.trim_matches('-').to_owned()
}

fn slug(name: &str) -> String {
    slug_of(name, 40)
}

/// Where the migration `id` of `plan` exports to: its own folder under the plan's prefix, so
/// the bucket policy can grant that folder alone.
pub fn export_prefix(plan: &Plan, id: &str) -> String {
    if plan.destination.prefix.trim_matches('/').is_empty() {
        id.to_owned()
    } else {
        format!("{}/{id}", plan.destination.prefix.trim_end_matches('/'))
    }
}

/// A new journal for `plan` (not yet saved).
pub fn new_journal(
    plan: Plan,
    id: String,
    plan_file: Option<String>,
    endpoint_url: Option<String>,
) -> Journal {
    let now = now_rfc3339();
    let export_prefix = export_prefix(&plan, &id);
    Journal {
        version: JOURNAL_VERSION,
        id,
        state: MigrationState::Running,
        step: Step::Preflight,
        created_at: now.clone(),
        updated_at: now,
        plan,
        plan_file,
        endpoint_url,
        source_identity: None,
        dest_identity: None,
        source_table: None,
        table_spec: None,
        pitr: PitrRecord::default(),
        bucket: BucketRecord::default(),
        export_prefix,
        export: None,
        data_folder: None,
        key_check: None,
        import: None,
        load: None,
        verify: None,
        backup: Default::default(),
        not_carried: Vec::new(),
        fleet: None,
        catch_up: Default::default(),
        failure: None,
        history: Vec::new(),
    }
}

/// What `run PLAN` found in the state folder.
pub enum Prepared {
    /// A journal to run: new, or an unfinished one to continue.
    Ready {
        journal: Box<Journal>,
        resumed: bool,
    },
    /// This plan's migration already succeeded.
    AlreadyDone {
        journal: Box<Journal>,
        path: PathBuf,
    },
    /// The plan changed since its migration started.
    PlanChanged { path: PathBuf },
}

/// Finds the journal of `plan` or makes a new one. With `fresh`, always a new attempt.
pub fn prepare(
    plan: Plan,
    plan_file: Option<String>,
    endpoint_url: Option<String>,
    state_dir: &Path,
    fresh: bool,
) -> Result<Prepared, journal::JournalError> {
    let mut attempt = 1;
    loop {
        let id = migration_id(&plan, attempt);
        let path = Journal::path_in(state_dir, &id);
        if !path.exists() {
            return Ok(Prepared::Ready {
                journal: Box::new(new_journal(plan, id, plan_file, endpoint_url)),
                resumed: false,
            });
        }
        let existing = Journal::load(&path)?;
        // With --new, skip past every earlier attempt; without it, the newest attempt counts.
        let next = Journal::path_in(state_dir, &migration_id(&plan, attempt + 1));
        if fresh || next.exists() {
            attempt += 1;
            continue;
        }
        if existing.state == MigrationState::Succeeded {
            return Ok(Prepared::AlreadyDone {
                journal: Box::new(existing),
                path,
            });
        }
        let mut journal = existing;
        if journal.plan != plan {
            if !table_settings_changed_before_import(&journal, &plan)
                && !backup_settings_changed_before_any_job(&journal, &plan)
            {
                return Ok(Prepared::PlanChanged { path });
            }
            // A fix of the new table's keys or settings after a refused key check: the export
            // is kept and the run continues with the corrected plan.
            let what = if plan.via == plan::Via::Backup {
                "the plan's backup settings changed before any backup job; continuing with them"
            } else {
                "the plan's table settings changed before the import; continuing with them"
            };
            journal.record(Step::Preflight, what, None);
            journal.plan = plan;
        }
        if endpoint_url.is_some() {
            journal.endpoint_url = endpoint_url;
        }
        return Ok(Prepared::Ready {
            journal: Box::new(journal),
            resumed: true,
        });
    }
}

/// True on the backup road when only the backup's settings (vaults, roles, encryption, who
/// makes it, the vault policy) differ and nothing was backed up, copied or restored yet: a
/// person who fixes a role or a vault after a refused preflight continues the same migration
/// (what is restored is part of the id, so it cannot differ here).
fn backup_settings_changed_before_any_job(journal: &Journal, plan: &Plan) -> bool {
    let old = &journal.plan;
    let road = &journal.backup;
    old.via == plan::Via::Backup
        && plan.via == plan::Via::Backup
        && road.recovery_point.is_none()
        && road.backup.is_none()
        && road.copy.is_none()
        && road.restore.is_none()
        && old.source == plan.source
        && old.destination == plan.destination
        && old.table == plan.table
}

/// True when only the new table's settings or the options differ and no import started yet.
fn table_settings_changed_before_import(journal: &Journal, plan: &Plan) -> bool {
    let old = &journal.plan;
    journal.import.is_none()
        && old.via == plan.via
        && old.backup == plan.backup
        && old.source == plan.source
        && old.destination == plan.destination
        && old.export == plan.export
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan::parse(
            r#"{"source":{"profile":"a","table":"Orders"},"destination":{"profile":"b","bucket":"bkt-one"},"table":{"name":"Orders"}}"#,
            "t",
        )
        .unwrap()
    }

    #[test]
    fn the_id_is_stable_and_readable() {
        let a = migration_id(&plan(), 1);
        assert_eq!(a, migration_id(&plan(), 1));
        assert!(a.starts_with("orders-to-orders-"), "{a}");
        assert!(migration_id(&plan(), 2).ends_with("-2"));
    }

    /// An S3 plan's id is the one it had before the backup road existed, so an unfinished
    /// journal is found again after an upgrade; a backup plan of the same table has another.
    #[test]
    fn an_s3_plan_keeps_its_id_and_a_backup_plan_has_its_own() {
        assert_eq!(migration_id(&plan(), 1), "orders-to-orders-7c67c69d");
        let mut backup = plan();
        backup.via = plan::Via::Backup;
        let id = migration_id(&backup, 1);
        assert!(id.starts_with("orders-to-orders-"), "{id}");
        assert_ne!(id, migration_id(&plan(), 1));
        // What is restored is part of the identity; how it is encrypted is not.
        let mut point = backup.clone();
        point.backup = Some(plan::BackupPlan {
            from: plan::BackupFrom::PointInTime,
            ..Default::default()
        });
        assert_ne!(migration_id(&point, 1), id);
        let mut tagged = backup.clone();
        tagged.backup = Some(plan::BackupPlan {
            copy_tags: false,
            ..Default::default()
        });
        assert_eq!(migration_id(&tagged, 1), id);
    }

    #[test]
    fn prepare_resumes_an_unfinished_journal_and_refuses_a_changed_plan() {
        let dir = tempfile::tempdir().unwrap();
        let Prepared::Ready {
            mut journal,
            resumed,
        } = prepare(plan(), None, None, dir.path(), false).unwrap()
        else {
            panic!("expected a new journal")
        };
        assert!(!resumed);
        journal.save(dir.path()).unwrap();
        let Prepared::Ready { resumed, .. } =
            prepare(plan(), None, None, dir.path(), false).unwrap()
        else {
            panic!("expected to resume")
        };
        assert!(resumed);
        let mut changed = plan();
        changed.export.format = crate::logic::options::ExportFormat::Ion;
        assert!(matches!(
            prepare(changed, None, None, dir.path(), false).unwrap(),
            Prepared::PlanChanged { .. }
        ));
        let mut fixed_keys = plan();
        fixed_keys.options.verify_sample = 7;
        let Prepared::Ready {
            journal: j,
            resumed: true,
        } = prepare(fixed_keys, None, None, dir.path(), false).unwrap()
        else {
            panic!("a table-settings change before the import continues")
        };
        assert_eq!(j.plan.options.verify_sample, 7);
        let Prepared::Ready {
            journal: fresh,
            resumed,
        } = prepare(plan(), None, None, dir.path(), true).unwrap()
        else {
            panic!("expected a fresh attempt")
        };
        assert!(!resumed);
        assert!(fresh.id.ends_with("-2"));
    }

    /// A role or vault fixed after a refused preflight continues the same backup migration;
    /// once a backup job is on record the plan may no longer change.
    #[test]
    fn a_backup_plan_may_change_its_settings_until_a_job_starts() {
        let dir = tempfile::tempdir().unwrap();
        let mut backup = plan();
        backup.via = plan::Via::Backup;
        backup.destination.bucket = String::new();
        backup.backup = Some(plan::BackupPlan::default());
        let Prepared::Ready { mut journal, .. } =
            prepare(backup.clone(), None, None, dir.path(), false).unwrap()
        else {
            panic!("expected a new journal")
        };
        journal.save(dir.path()).unwrap();
        let mut fixed = backup.clone();
        fixed.backup = Some(plan::BackupPlan {
            source_role_arn: Some("arn:aws:iam::123456789012:role/backup".into()),
            ..Default::default()
        });
        let Prepared::Ready {
            journal: mut j,
            resumed: true,
        } = prepare(fixed.clone(), None, None, dir.path(), false).unwrap()
        else {
            panic!("a fixed role before any job continues the migration")
        };
        assert_eq!(j.plan, fixed);
        j.backup.backup = Some(journal::JobRecord::default());
        j.save(dir.path()).unwrap();
        assert!(matches!(
            prepare(backup, None, None, dir.path(), false).unwrap(),
            Prepared::PlanChanged { .. }
        ));
    }
}
