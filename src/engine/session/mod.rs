//! One migration session: the only way anything drives a migration. It is opened from a plan
//! or a journal, holds the migration's lock from open to close, owns the step order and every
//! write of the journal, and stops at each decision a person makes. `ddb-ferry run` drives it
//! with the plan's answers, the wizard with its screens' answers (through `actor`).

pub mod actor;
mod catch_up;
mod decision;
mod open;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where the wizard names it; the steps own it, because the finish step applies it too.
pub use super::steps::NotCarriedFix;
pub use decision::{Answers, Decision};
pub use open::{open_for_person, OpenFailure, OpenFrom};

use super::events::{Event, EventSink, Outcome};
use super::journal::{write_private_atomic, DataFolder, Journal, MigrationState, Step};
use super::leftovers::leftovers;
use super::lock::{LockError, MigrationLock};
use super::migration::{journal_write_failed, Migration, Stop};
use super::plan::{ExportPlan, NewTablePlan, Via};
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::logic::cost::Prices;

/// The steps of the S3 road, in the order they run.
const S3_ORDER: [Step; 9] = [
    Step::Preflight,
    Step::Pitr,
    Step::Bucket,
    Step::Export,
    Step::Locate,
    Step::KeyCheck,
    Step::Import,
    Step::Verify,
    Step::Finish,
];

/// The steps of the backup road. The vault and copy steps do nothing when the backup is
/// restored where it is (same account and region).
const BACKUP_ORDER: [Step; 7] = [
    Step::Preflight,
    Step::Backup,
    Step::Vault,
    Step::Copy,
    Step::Restore,
    Step::Verify,
    Step::Finish,
];

/// The steps of a road, in the order they run: the only copy of each order. Both orders
/// follow the order of `Step` itself, so "an earlier step" means the same on either road.
pub fn steps_of(via: Via) -> &'static [Step] {
    match via {
        Via::S3 => &S3_ORDER,
        Via::Backup => &BACKUP_ORDER,
    }
}

/// How a failure ends a run: its kind's exit code, except writes that could not be made
/// (the rest were), which have their own.
pub(crate) fn outcome_of(failure: &AwsFailure) -> Outcome {
    if failure.code == "writes-failed" {
        return Outcome::WritesFailed;
    }
    match failure.kind {
        FailureKind::BadInput => Outcome::BadInput,
        FailureKind::JobFailed => Outcome::JobFailed,
        FailureKind::AwsRefused | FailureKind::Unreachable => Outcome::AwsRefused,
    }
}

fn next_step(via: Via, step: Step) -> Step {
    let order = steps_of(via);
    order
        .iter()
        .position(|s| *s == step)
        .and_then(|i| order.get(i + 1))
        .copied()
        .unwrap_or(Step::Finish)
}

#[derive(Debug)]
pub struct Session {
    migration: Migration,
    /// Held from open to close; `None` only in a dry run, which writes nothing.
    _lock: Option<MigrationLock>,
    answers: Answers,
    answered: BTreeSet<Decision>,
    /// Steps that ran in this session: a decision is asked only after its step ran here.
    ran_here: BTreeSet<Step>,
    pending: Option<Decision>,
    /// A step the run stops before, for a driver that runs many sessions in phases (a fleet
    /// waits until every table is ready to export before fixing their shared export time).
    hold_before: Option<Step>,
}

impl Session {
    /// Opens a session on `journal` and takes its lock (a dry run takes none: it writes nothing
    /// and starts nothing).
    pub fn open(
        journal: Journal,
        state_dir: &Path,
        events: EventSink,
        dry_run: bool,
        answers: Answers,
    ) -> Result<Session, LockError> {
        let lock = if dry_run {
            None
        } else {
            Some(MigrationLock::acquire(state_dir, &journal.id)?)
        };
        Ok(Session {
            migration: Migration::new(journal, state_dir, events, dry_run),
            _lock: lock,
            answers,
            answered: BTreeSet::new(),
            ran_here: BTreeSet::new(),
            pending: None,
            hold_before: None,
        })
    }

    pub fn journal(&self) -> &Journal {
        &self.migration.journal
    }

    pub fn journal_path(&self) -> PathBuf {
        self.migration.journal_path()
    }

    /// The prices of the cost estimates and of what stays behind (`--prices`); without this,
    /// the built-in prices with the file `DDB_FERRY_PRICES` names.
    pub fn use_prices(&mut self, prices: Prices) {
        self.migration.prices = Some(prices);
    }

    /// Makes the next runs stop (`Outcome::Paused`, no decision pending) before `step`, until
    /// called again with `None`. A step already done is not held.
    pub fn hold_before(&mut self, step: Option<Step>) {
        self.hold_before = step;
    }

    /// Joins the session to its fleet: its jobs count against the fleet's limits and are
    /// watched on the fleet's boards, and its bucket step takes its turn at the shared bucket
    /// policy.
    pub fn join_fleet(&mut self, link: std::sync::Arc<super::fleet::link::FleetLink>) {
        self.migration.job_boards = Some(std::sync::Arc::clone(&link.boards));
        self.migration.fleet = Some(link);
    }

    /// The export time the fleet fixed for all its tables, set before this table's export
    /// starts (a table that already exported keeps the time it used).
    pub fn set_export_time(&mut self, time: &str) -> Result<(), AwsFailure> {
        let m = &mut self.migration;
        if m.journal.export.is_some() || m.journal.plan.export.export_time.as_deref() == Some(time)
        {
            return Ok(());
        }
        m.journal.plan.export.export_time = Some(time.to_owned());
        m.journal.record(
            Step::Export,
            format!("the fleet's export time for every table: {time}"),
            None,
        );
        m.save().map_err(journal_write_failed)
    }

    /// The decision the session waits for, if any.
    pub fn pending(&self) -> Option<Decision> {
        self.pending
    }

    /// The decision that must be made before `step` runs, if the person is asked.
    fn decision_before(&self, step: Step) -> Option<Decision> {
        if self.answers == Answers::FromPlan {
            return None;
        }
        Decision::ALL.into_iter().find(|d| {
            d.needed_by() == step
                && !self.answered.contains(d)
                && self.ran_here.contains(&d.asked_after())
                && !(*d == Decision::ExportSettings && self.migration.journal.export.is_some())
        })
    }

    /// Runs the steps from the journal's current one until a decision is needed (`Paused`,
    /// see `pending`) or the migration ends.
    pub async fn run_until_decision(&mut self) -> Outcome {
        self.pending = None;
        let m = &mut self.migration;
        // The wizard checks the new name as it is typed, and the import step checks it again.
        m.defer_new_table_check =
            self.answers == Answers::AskPerson && !self.answered.contains(&Decision::StartImport);
        let resumed = m.journal.history.iter().any(|h| h.step > Step::Preflight)
            || m.journal.export.is_some();
        m.events.send(Event::Started {
            migration_id: m.journal.id.clone(),
            journal: m.journal_path().display().to_string(),
            resumed,
            dry_run: m.dry_run,
        });
        m.journal.state = MigrationState::Running;
        m.journal.failure = None;
        if let Err(e) = m.save() {
            return self.finish_with(Step::Preflight, Stop::from(e));
        }
        let via = self.migration.journal.plan.via;
        for &step in steps_of(via) {
            // Preflight runs once per session: it connects and checks who each side is (a
            // resumed migration re-checks them). The wizard's later Continues reuse it.
            let done = if step == Step::Preflight {
                self.ran_here.contains(&Step::Preflight)
            } else {
                step < self.migration.journal.step
            };
            if done {
                continue;
            }
            if self.hold_before == Some(step) {
                return Outcome::Paused;
            }
            if step != Step::Preflight {
                if let Some(decision) = self.decision_before(step) {
                    self.pending = Some(decision);
                    self.migration.events.send(Event::Paused {
                        before: step,
                        decision,
                    });
                    return Outcome::Paused;
                }
            }
            let m = &mut self.migration;
            m.events.send(Event::StepStarted {
                step,
                title: step.title(),
            });
            let result = match step {
                Step::Preflight => m.preflight().await,
                Step::Pitr => m.pitr().await,
                Step::Bucket => m.bucket().await,
                Step::Export => m.export().await,
                Step::Locate => m.locate().await,
                Step::KeyCheck => m.key_check().await,
                Step::Import => m.import().await,
                Step::Backup => m.backup().await,
                Step::Vault => m.vault().await,
                Step::Copy => m.copy().await,
                Step::Restore => m.restore().await,
                Step::Verify if via == Via::Backup => m.verify_restore().await,
                Step::Verify => m.verify().await,
                Step::Finish => m.finish().await,
                // Not a step of either road: it runs after them, through `catch_up`.
                Step::CatchUp => Ok(()),
            };
            if let Err(stop) = result {
                return self.finish_with(step, stop);
            }
            self.ran_here.insert(step);
            let m = &mut self.migration;
            if !m.dry_run && step >= m.journal.step {
                m.journal.step = next_step(via, step);
                if let Err(e) = m.save() {
                    return self.finish_with(step, Stop::from(e));
                }
            }
        }
        self.succeed()
    }

    fn succeed(&mut self) -> Outcome {
        let m = &mut self.migration;
        m.journal.state = MigrationState::Succeeded;
        let summary = if m.dry_run {
            None
        } else {
            let prices = m.prices(Step::Finish);
            let left = leftovers(&m.journal, &prices);
            m.events.send(Event::Leftovers {
                items: left.clone(),
            });
            match super::summary::write(&m.journal, &m.state_dir, &left) {
                Ok(p) => Some(p.display().to_string()),
                Err(e) => {
                    m.events.warn(
                        Step::Finish,
                        format!("the summary file could not be written: {e}"),
                    );
                    None
                }
            }
        };
        if let Err(e) = m.save() {
            return self.finish_with(Step::Finish, Stop::from(e));
        }
        let outcome = if m.dry_run {
            Outcome::DryRun
        } else {
            Outcome::Succeeded
        };
        m.events.send(Event::Finished {
            outcome,
            exit_code: outcome.exit_code(),
            summary_file: summary,
        });
        outcome
    }

    fn finish_with(&mut self, step: Step, stop: Stop) -> Outcome {
        let m = &mut self.migration;
        let outcome = match stop {
            Stop::DryRunComplete => Outcome::DryRun,
            Stop::Failed(failure) => {
                let outcome = outcome_of(&failure);
                m.events.send(Event::Failed {
                    step,
                    failure: failure.clone(),
                });
                m.journal.state = MigrationState::Failed;
                m.journal.failure = Some(failure);
                let _ = m.save();
                outcome
            }
        };
        m.events.send(Event::Finished {
            outcome,
            exit_code: outcome.exit_code(),
            summary_file: None,
        });
        outcome
    }

    /// Ends the session. `interrupted`: the process stops while the migration is unfinished
    /// (Ctrl-C, a closed terminal, quitting the wizard); the journal says so, and a running
    /// export or import keeps going in AWS. The lock is released when the session is dropped.
    pub fn close(mut self, interrupted: bool) {
        let m = &mut self.migration;
        if interrupted && !m.dry_run && m.journal.state == MigrationState::Running {
            m.journal.state = MigrationState::Interrupted;
            let _ = m.save();
        }
    }

    /// Records the answer to `decision` and works out the next question, if it is already due.
    fn answered(&mut self, decision: Decision) {
        self.answered.insert(decision);
        self.pending = if self.pending == Some(decision) {
            self.decision_before(decision.needed_by())
        } else {
            self.pending
        };
    }

    /// The export's format, encryption and point in time, before the export starts.
    /// Whether the new table will be caught up after the import (`options.catch_up`): chosen
    /// before the export, since it keeps the source's PITR on until the cutover. Not itself a
    /// decision the session waits for; the wizard sends it with the export settings.
    pub fn set_catch_up(&mut self, on: bool) -> Result<(), AwsFailure> {
        if self.migration.journal.plan.options.catch_up == on {
            return Ok(());
        }
        if self.migration.journal.export.is_some() {
            return Err(too_late("whether to catch up", "the export has started"));
        }
        self.migration.journal.plan.options.catch_up = on;
        self.migration.save().map_err(journal_write_failed)
    }

    pub fn set_export_settings(&mut self, export: ExportPlan) -> Result<(), AwsFailure> {
        if self.migration.journal.export.is_some() {
            return Err(too_late("the export settings", "the export has started"));
        }
        self.migration.journal.plan.export = export;
        self.migration.save().map_err(journal_write_failed)?;
        self.answered(Decision::ExportSettings);
        Ok(())
    }

    /// The data folder the import reads: `None` keeps the one the session found; another
    /// folder (an earlier export in the same bucket) replaces it.
    pub fn choose_data_folder(
        &mut self,
        prefix: Option<String>,
        manifest_item_count: Option<u64>,
    ) -> Result<(), AwsFailure> {
        let journal = &mut self.migration.journal;
        if journal.import.is_some() {
            return Err(too_late("the data folder", "the import has started"));
        }
        if let Some(prefix) = prefix {
            let same = journal
                .data_folder
                .as_ref()
                .is_some_and(|d| d.prefix == prefix);
            if !same {
                journal.data_folder = Some(DataFolder {
                    bucket: journal.plan.destination.bucket.clone(),
                    prefix,
                    data_files: 0,
                    total_bytes: 0,
                    manifest_item_count,
                    found_by: "chosen in the wizard".into(),
                });
                self.migration.save().map_err(journal_write_failed)?;
            }
        }
        self.answered(Decision::DataFolder);
        Ok(())
    }

    /// The new table's settings. Changed after a passed key check, the check runs again.
    pub fn set_new_table(&mut self, table: NewTablePlan) -> Result<(), AwsFailure> {
        let journal = &mut self.migration.journal;
        if journal.import.is_some() {
            return Err(too_late("the new table", "the import has started"));
        }
        if journal.plan.table != table {
            journal.plan.table = table;
            self.answered.remove(&Decision::StartImport);
        }
        if journal.step > Step::KeyCheck {
            journal.step = Step::KeyCheck;
        }
        self.migration.save().map_err(journal_write_failed)?;
        self.answered(Decision::NewTable);
        Ok(())
    }

    /// The person starts the import after the key check passed.
    pub fn confirm_import(&mut self) {
        self.answered(Decision::StartImport);
    }

    /// Applies a setting the import did not carry to the new table, and records it (the same
    /// code the finish step runs for the plan's `options.after_import`).
    pub async fn apply_not_carried(&mut self, fix: &NotCarriedFix) -> Result<(), AwsFailure> {
        self.migration.apply_not_carried(fix).await?;
        let m = &mut self.migration;
        // The summary of a finished migration lists what stays behind: PITR on the new
        // table now belongs there.
        if m.journal.state == MigrationState::Succeeded && !m.dry_run {
            let prices = m.prices(Step::Finish);
            let left = leftovers(&m.journal, &prices);
            if let Err(e) = super::summary::write(&m.journal, &m.state_dir, &left) {
                m.events.warn(
                    Step::Finish,
                    format!("the summary file could not be written: {e}"),
                );
            }
        }
        Ok(())
    }

    /// Saves the new table's TableCreationParameters, formatted, beside the journal.
    pub fn save_creation_parameters(
        &self,
        parameters: &serde_json::Value,
    ) -> Result<PathBuf, String> {
        save_creation_parameters(
            &self.migration.state_dir,
            &self.migration.journal.id,
            parameters,
        )
    }
}

/// Writes `<id>.plan.jsonc` in the state folder (mode 0600): the wizard's choices as a plan
/// `ddb-ferry run` accepts as it is.
pub fn save_plan_file(state_dir: &Path, id: &str, text: &str) -> Result<PathBuf, String> {
    let path = state_dir
        .join("migrations")
        .join(format!("{id}.plan.jsonc"));
    match write_private_atomic(&path, text.as_bytes()) {
        Ok(()) => Ok(path),
        Err(e) => Err(format!("could not save {}: {e}", path.display())),
    }
}

/// Writes `<id>.table-creation-parameters.json` in the state folder (mode 0600).
pub fn save_creation_parameters(
    state_dir: &Path,
    id: &str,
    parameters: &serde_json::Value,
) -> Result<PathBuf, String> {
    let path = state_dir
        .join("migrations")
        .join(format!("{id}.table-creation-parameters.json"));
    let text = serde_json::to_string_pretty(parameters).unwrap_or_default();
    match write_private_atomic(&path, text.as_bytes()) {
        Ok(()) => Ok(path),
        Err(e) => Err(format!("could not save {}: {e}", path.display())),
    }
}

fn too_late(what: &str, because: &str) -> AwsFailure {
    AwsFailure::new(
        "decision-too-late",
        FailureKind::BadInput,
        format!("{what} can no longer change: {because}"),
        "a started AWS job keeps the settings it was started with",
        "start a new migration to use other settings; the running one is left as it is",
    )
}

#[cfg(test)]
mod tests;
