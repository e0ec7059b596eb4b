//! The wizard as a driver of the migration session: opening it (or finding that another
//! process holds it), sending the screens' answers, and following its reports — the engine's
//! events, its journal and the decision it waits for — from screen to screen. Plain code, like
//! the rest of `update`: the session itself runs in the task layer.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Holder, Overlay, ResumeOffer, Screen};
use super::screens::{backup, catch_up, folder, keys, verify};
use super::services::Cmd;
use crate::aws::explain::AwsFailure;
use crate::engine::events::{Event, Outcome};
use crate::engine::journal::{Journal, MigrationState};
use crate::engine::plan::Via;
use crate::engine::session::actor::{Report, Request};
use crate::engine::session::{Decision, OpenFailure, OpenFrom};
use crate::engine::unfinished::{Unfinished, UnfinishedFleet};

impl App {
    /// Unfinished migrations were found: offer to reattach (a fleet first: it is the larger
    /// piece of work, and its tables are not offered one by one).
    pub(super) fn on_unfinished(
        &mut self,
        found: Vec<Unfinished>,
        fleets: Vec<UnfinishedFleet>,
    ) -> Vec<Cmd> {
        let fleet_offers = fleets.into_iter().map(|f| ResumeOffer {
            summary: format!(
                "a fleet of {} tables: {} moved, {:?}",
                f.journal.members.len(),
                f.moved,
                f.journal.state
            ),
            id: f.journal.id,
            path: f.path,
            fleet: true,
        });
        let offers: Vec<ResumeOffer> = fleet_offers
            .chain(found.into_iter().map(|u| ResumeOffer {
                summary: if catch_up::is_open(&u.journal) {
                    format!(
                        "{} -> {}: moved; catch-up until the cutover ({} increments applied)",
                        u.journal.plan.source.table,
                        u.journal.plan.table.name,
                        u.journal
                            .catch_up
                            .increments
                            .iter()
                            .filter(|i| i.applied_at.is_some())
                            .count()
                    )
                } else {
                    format!(
                        "{} -> {}: {:?} at {}{}",
                        u.journal.plan.source.table,
                        u.journal.plan.table.name,
                        u.journal.state,
                        u.journal.step.title(),
                        job_state(&u.journal)
                    )
                },
                id: u.journal.id,
                path: u.path,
                fleet: false,
            }))
            .collect();
        if !offers.is_empty() && self.overlay == Overlay::None && self.journal.is_none() {
            self.overlay = Overlay::Resume(offers);
        }
        Vec::new()
    }

    pub(super) fn on_resume_key(&mut self, key: KeyEvent, offers: &[ResumeOffer]) -> Vec<Cmd> {
        match key.code {
            KeyCode::Enter => {
                self.overlay = Overlay::None;
                let Some(offer) = offers.first() else {
                    return Vec::new();
                };
                if offer.fleet {
                    return super::screens::fleet::board::reattach(self, offer.path.clone());
                }
                self.open_session(OpenFrom::Journal {
                    path: offer.path.clone(),
                })
            }
            KeyCode::Char('n') | KeyCode::Esc => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            KeyCode::Char('q') => {
                self.quit = true;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn on_held_key(&mut self, key: KeyEvent, holder: Holder) -> Vec<Cmd> {
        match key.code {
            KeyCode::Char('w') | KeyCode::Enter => {
                self.overlay = Overlay::None;
                let path = holder.journal.clone();
                self.watching = Some(holder);
                vec![Cmd::Watch { path }]
            }
            KeyCode::Char('q') => {
                self.quit = true;
                Vec::new()
            }
            _ => {
                self.overlay = Overlay::None;
                Vec::new()
            }
        }
    }

    /// Asks the task layer to open a session; its reports come back as `Msg::Session`.
    pub fn open_session(&mut self, from: OpenFrom) -> Vec<Cmd> {
        self.opening_from_plan = matches!(from, OpenFrom::Plan { .. });
        self.engine_busy = true;
        self.failure = None;
        self.pending = None;
        vec![Cmd::OpenSession(Box::new(from))]
    }

    /// Sends `requests` to the session, then asks it to run until the next decision.
    pub fn continue_session(&mut self, requests: Vec<Request>) -> Vec<Cmd> {
        self.engine_busy = true;
        self.failure = None;
        self.pending = None;
        self.progress.engine_started = Some(Instant::now());
        requests
            .into_iter()
            .chain([Request::Continue])
            .map(Cmd::Session)
            .collect()
    }

    /// The session opened: fill the screens from its journal and continue it (reattaching to
    /// a running export or import).
    fn on_opened(&mut self, journal: Box<Journal>) -> Vec<Cmd> {
        let via = journal.plan.via;
        // A backup-road attempt opened again from its screen (after a refused preflight)
        // stays on its progress screen: only a reattach follows the journal's step.
        let fresh = (journal.history.is_empty() && journal.export.is_none())
            || (self.opening_from_plan && via == Via::Backup);
        self.migration_id = Some(journal.id.clone());
        let mut cmds = Vec::new();
        if !fresh && catch_up::is_open(&journal) {
            // Moved, and being caught up: the Catch-up screen, where the person left it. The
            // session runs nothing until asked (it connects on the first increment).
            self.fill_from_journal(&journal);
            cmds.extend(
                self.accounts
                    .connect_cmds(&journal.plan, self.endpoint_url.clone()),
            );
            self.progress.journal_snapshot(&journal);
            self.verify.from_journal(&journal);
            self.verify.done = true;
            self.catch_up.from_journal(&journal);
            self.reached = Screen::CatchUp;
            self.go(Screen::CatchUp);
            self.engine_busy = false;
            self.journal = Some(journal);
            return cmds;
        }
        if !fresh {
            // Reattached from the offer: the screens take the journal's choices.
            let screen = Screen::for_step(via, journal.step);
            self.fill_from_journal(&journal);
            cmds.extend(
                self.accounts
                    .connect_cmds(&journal.plan, self.endpoint_url.clone()),
            );
            self.progress.journal_snapshot(&journal);
            self.reached = screen;
            self.go(screen);
            self.progress.reset_for(journal.step);
        }
        self.journal = Some(journal);
        cmds.extend(self.continue_session(Vec::new()));
        cmds
    }

    /// The screens take a journal's choices: a reattached or watched migration.
    fn fill_from_journal(&mut self, journal: &Journal) {
        self.accounts.fill_from_plan(&journal.plan);
        self.table.chosen = Some(journal.plan.source.table.clone());
        self.road.chosen = Some(journal.plan.via);
        self.road.selected = journal.plan.via;
        match journal.plan.via {
            Via::S3 => self.keys.fill_from_plan(&journal.plan),
            Via::Backup => backup::fill_from_plan(self, &journal.plan),
        }
    }

    fn on_open_failed(&mut self, failure: OpenFailure) -> Vec<Cmd> {
        self.engine_busy = false;
        match failure {
            OpenFailure::Held { id, pid, journal } => {
                self.overlay = Overlay::Held(Holder { id, pid, journal });
            }
            OpenFailure::Refused(f) => self.failure = Some(f),
        }
        Vec::new()
    }

    /// A fresh copy of the journal another process writes.
    pub(super) fn on_watched(&mut self, journal: Box<Journal>) -> Vec<Cmd> {
        let screen = Screen::for_step(journal.plan.via, journal.step);
        if self.journal.is_none() {
            self.fill_from_journal(&journal);
        }
        self.progress.journal_snapshot(&journal);
        self.verify.from_journal(&journal);
        self.verify.done = journal.state == MigrationState::Succeeded;
        self.failure = journal.failure.clone();
        self.reached = self.reached.max(screen);
        self.screen = screen;
        self.journal = Some(journal);
        Vec::new()
    }

    pub(super) fn on_report(&mut self, report: Report) -> Vec<Cmd> {
        match report {
            Report::Opened(journal) => self.on_opened(journal),
            Report::OpenFailed(failure) => self.on_open_failed(failure),
            Report::Event(event) => self.on_engine_event(event),
            Report::State {
                journal,
                pending,
                outcome,
                refused,
            } => self.on_state(journal, pending, outcome, refused),
            Report::ParametersSaved(saved) => {
                self.keys.saved = Some(match saved {
                    Ok(s) | Err(s) => s,
                });
                Vec::new()
            }
            Report::SettingApplied { setting, result } => verify::on_applied(self, setting, result),
        }
    }

    fn on_engine_event(&mut self, event: Event) -> Vec<Cmd> {
        if catch_up::is_its_event(&event) {
            // Catch-up's increments are not the migration's export and import panels. A
            // repeated job status changes nothing on screen: nothing is drawn for it.
            let (before, screen) = (self.catch_up.clone(), self.screen);
            catch_up::on_event(self, &event);
            self.quiet = self.catch_up == before && self.screen == screen;
            return Vec::new();
        }
        let mut cmds = Vec::new();
        match &event {
            Event::Failed { failure, .. } => self.failure = Some(wizard_advice(failure.clone())),
            Event::JobStatus { job: "export", .. } | Event::JobStarted { job: "export", .. }
                if self.progress.should_list_files() =>
            {
                if let Some((bucket, region, prefix)) = self.progress.export_location.clone() {
                    cmds.push(Cmd::ListExportFiles {
                        bucket,
                        region,
                        prefix,
                    });
                }
            }
            // The screen follows the session: finding the data folder, then verifying.
            // A finished job stays on screen, marked complete, until Enter moves on; the
            // migration goes on meanwhile (the data folder is found, the check runs).
            _ => {}
        }
        self.progress.on_event(&event);
        cmds
    }

    /// The session answered a request: its journal, the decision it waits for, and — when
    /// the request ran steps — how the run ended.
    fn on_state(
        &mut self,
        journal: Box<Journal>,
        pending: Option<Decision>,
        outcome: Option<Outcome>,
        refused: Option<AwsFailure>,
    ) -> Vec<Cmd> {
        self.pending = pending;
        if let Some(f) = refused {
            self.failure = Some(f);
        }
        let Some(outcome) = outcome else {
            // A decision was recorded; the screen that sent it already moved on.
            self.journal = Some(journal);
            return Vec::new();
        };
        self.engine_busy = false;
        self.progress.journal_snapshot(&journal);
        self.verify.from_journal(&journal);
        if self.catch_up.running.is_some()
            || matches!(self.screen, Screen::CatchUp | Screen::Compare)
        {
            // Catch-up or the compare ended (or a reattach landed here): the screen stays.
            self.catch_up.from_journal(&journal);
            self.journal = Some(journal);
            return catch_up::on_ended(self, outcome);
        }
        let mut cmds = Vec::new();
        if let Some(i) = &journal.import {
            if i.error_count.unwrap_or(0) > 0 && self.progress.import_error_lines.is_none() {
                if let Some(arn) = &i.arn {
                    cmds.push(Cmd::ImportErrors {
                        import_arn: arn.clone(),
                    });
                }
            }
        }
        self.journal = Some(journal);
        match (outcome, pending) {
            (Outcome::Paused, Some(decision)) => cmds.extend(self.ask(decision)),
            (Outcome::Succeeded, _) => {
                // A finished job's panel stays until Enter; elsewhere the check is shown.
                if !matches!(self.screen, Screen::ImportProgress | Screen::BackupProgress) {
                    self.go(Screen::Verify);
                }
                self.verify.done = true;
            }
            _ => {}
        }
        cmds
    }

    /// Shows the screen where the person makes `decision`.
    fn ask(&mut self, decision: Decision) -> Vec<Cmd> {
        match decision {
            Decision::ExportSettings => {
                self.go(Screen::Export);
                Vec::new()
            }
            // The export's panel says it is complete; Enter there opens the folder.
            Decision::DataFolder if self.screen == Screen::ExportProgress => Vec::new(),
            Decision::DataFolder => {
                self.go(Screen::DataFolder);
                folder::after_locate(self)
            }
            Decision::NewTable => {
                self.go(Screen::Keys);
                keys::on_enter(self)
            }
            Decision::StartImport => {
                self.keys.check_passed = true;
                Vec::new()
            }
        }
    }
}

/// The engine's advice speaks of the plan file; in the wizard the same fix is made on screen.
fn wizard_advice(failure: AwsFailure) -> AwsFailure {
    if let Some(next) = backup_advice(&failure) {
        return failure.with_next(next);
    }
    let next = match failure.code.as_str() {
        "key-mismatch" | "gsi-key-type-mismatch" | "key-type-conflict" => {
            "retype the key names or types on this screen (the right spelling is above) and press Enter to check again; the export is kept"
        }
        "table-exists" => "type another name for the new table on the Keys screen",
        "export-failed" => "fix the cause above, then quit and start a new migration; the failed export is left as it is",
        "import-failed" => "read the import's CloudWatch log (the command is above); the export is kept, so a new migration can import it again under another table name",
        "catch-up-pitr-gap" => "this migration cannot be caught up any more, and nothing was changed: the new table keeps what it has. To keep a table in step, move it again with \"Catch up later\" on (Export screen), which keeps PITR on until the cutover",
        "catch-up-too-early" => "finish the migration first (Esc goes back); catch up once Verify says the new table is ready",
        "catch-up-over" => "nothing to do: c compares both tables again",
        "compare-differs" => "look at the keys listed; make sure nothing writes to the source or to the new table, then cut over again (x on the Catch-up screen: it exports the writes made since) or compare again (c)",
        _ => return failure,
    };
    failure.with_next(next)
}

/// The backup road's prerequisites, fixed on the Backup or Road screen rather than in a
/// plan field; the commands in the advice are kept.
fn backup_advice(failure: &AwsFailure) -> Option<String> {
    let next = &failure.next;
    let on_screen = "(Esc goes back to the Backup screen)";
    Some(match failure.code.as_str() {
        "backup-role-missing" => format!("type the role's ARN on the Backup screen {on_screen}; the role AWS Backup's console creates is arn:aws:iam::ACCOUNT:role/service-role/AWSBackupDefaultServiceRole (AWS Backup console → Settings)"),
        "backup-role-other-account" => format!("type a role of that account on the Backup screen {on_screen}"),
        "backup-vault-missing" => next.replace(
            "or name an existing vault in the plan",
            &format!("or type the name of an existing vault on the Backup screen {on_screen}"),
        ),
        "vault-policy-missing" => next.replace(
            "or set `backup.add_vault_policy` to true",
            &format!("or start again {on_screen} and answer y when asked to add the statement"),
        ),
        "not-in-organization" | "different-organizations" => next.replace(
            "use the S3 road (`\"via\": \"s3\"`)",
            "take the S3 road (Esc twice goes back to the Road screen)",
        ),
        _ => return None,
    })
}

fn job_state(j: &Journal) -> String {
    let b = &j.backup;
    let latest = [
        ("import", &j.import),
        ("restore", &b.restore),
        ("copy", &b.copy),
        ("backup", &b.backup),
        ("export", &j.export),
    ]
    .into_iter()
    .find_map(|(name, record)| record.as_ref().map(|r| (name, r)));
    match latest {
        Some((name, r)) => format!(" ({name} {})", r.status.as_deref().unwrap_or("starting")),
        None => String::new(),
    }
}
