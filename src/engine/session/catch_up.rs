//! The session's way into catch-up: after the migration, increments until stopped (or once),
//! the cutover and the compare. The drivers (`ddb-ferry catch-up`, the wizard's catch-up
//! screen) call this and draw its events; the increments' order, journal writes and waiting
//! live in `engine::catch_up`.

use super::Session;
use crate::engine::catch_up::CatchUpRequest;
use crate::engine::compare::CompareOptions;
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::Step;
use crate::engine::migration::Stop;

const STEP: Step = Step::CatchUp;

impl Session {
    /// Runs catch-up as `request` says: one increment, increments every `every` until the
    /// process stops, or the cutover (increments until the moment writes stopped is covered,
    /// then the full compare). Returns how it ended; `Finished` is sent last.
    pub async fn catch_up(&mut self, request: &CatchUpRequest) -> Outcome {
        let result = self.catch_up_steps(request).await;
        self.end_with(result)
    }

    /// Compares the source and the new table in full (`ddb-ferry compare`, the wizard's last
    /// screen): equal, or the first differences. `Finished` is sent last.
    pub async fn compare(&mut self, options: &CompareOptions) -> Outcome {
        let result = self.compare_steps(options).await;
        self.end_with(result)
    }

    async fn compare_steps(&mut self, options: &CompareOptions) -> Result<Outcome, Stop> {
        self.connect_for(Step::CatchUp).await?;
        let m = &mut self.migration;
        if m.journal.table_spec.is_none() || m.journal.source_table.is_none() {
            return Err(crate::engine::migration::journal_incomplete().into());
        }
        let report = m.compare_tables_now(options).await?;
        if report.equal {
            Ok(Outcome::Succeeded)
        } else {
            let id = m.journal.id.clone();
            Err(crate::engine::catch_up::tables_differ(&id, &report).into())
        }
    }

    /// Announces the run and connects both sides once per session (preflight).
    async fn connect_for(&mut self, step: Step) -> Result<(), Stop> {
        let m = &mut self.migration;
        m.events.send(Event::Started {
            migration_id: m.journal.id.clone(),
            journal: m.journal_path().display().to_string(),
            resumed: true,
            dry_run: false,
        });
        if !self.ran_here.contains(&Step::Preflight) {
            self.migration.preflight().await?;
            self.ran_here.insert(Step::Preflight);
        }
        self.migration.events.send(Event::StepStarted {
            step,
            title: step.title(),
        });
        Ok(())
    }

    /// Sends the failure (if any) and `Finished`; returns the outcome.
    fn end_with(&mut self, result: Result<Outcome, Stop>) -> Outcome {
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(Stop::DryRunComplete) => Outcome::DryRun,
            Err(Stop::Failed(failure)) => {
                let outcome = super::outcome_of(&failure);
                self.migration.events.send(Event::Failed {
                    step: STEP,
                    failure,
                });
                outcome
            }
        };
        self.migration.events.send(Event::Finished {
            outcome,
            exit_code: outcome.exit_code(),
            summary_file: None,
        });
        outcome
    }

    async fn catch_up_steps(&mut self, request: &CatchUpRequest) -> Result<Outcome, Stop> {
        self.migration.check_catch_up_possible()?;
        self.connect_for(STEP).await?;
        let m = &mut self.migration;
        m.check_catch_up_possible()?;
        m.warn_about_destination_readers().await?;
        m.check_destination_guard(STEP).await?;
        if request.cutover {
            m.note_writes_stopped().await?;
        }
        let mut failed = 0;
        loop {
            let report = m.catch_up_round(request).await?;
            failed += report.failed;
            if request.cutover {
                if m.cutover_covered()? {
                    break;
                }
                continue;
            }
            let Some(every) = request.every else { break };
            m.events.info(
                STEP,
                format!(
                    "next increment in {} (Ctrl-C stops between increments; the journal keeps where catch-up stands)",
                    crate::logic::catch_up::short_duration(every)
                ),
            );
            tokio::time::sleep(every).await;
        }
        if !request.cutover {
            return Ok(if failed > 0 {
                Outcome::WritesFailed
            } else {
                Outcome::Succeeded
            });
        }
        let report = m.compare_tables_now(&request.compare).await?;
        if failed > 0 {
            return Ok(Outcome::WritesFailed);
        }
        if !report.equal {
            let id = m.journal.id.clone();
            return Err(crate::engine::catch_up::tables_differ(&id, &report).into());
        }
        m.finish_cutover().await?;
        m.events.send(Event::StepDone {
            step: STEP,
            summary: format!(
                "cutover done: the new table equals the source ({} items)",
                report.source_items
            ),
        });
        Ok(Outcome::Succeeded)
    }
}
