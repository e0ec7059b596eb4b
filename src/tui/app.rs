//! The wizard's state and its update function: `update(msg) -> commands`, plain code with no
//! I/O. Each screen keeps its own state in its module; this file routes keys and results, and
//! `driver.rs` follows the migration session.

use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::{Msg, Side};
use super::screens::{
    accounts, backup, backup_progress, bucket, catch_up, compare, export, fleet, folder,
    full_check, keys, pitr, progress, road, table, verify,
};
use super::services::Cmd;
use crate::aws::explain::AwsFailure;
use crate::engine::journal::{Journal, Step};
use crate::engine::plan::{DestinationPlan, Options, Plan, SourcePlan, Via};
use crate::engine::session::Decision;

/// The screens. Their order is the order of both roads: each road's screens (see
/// [`Screen::road`]) come in this order, so "further along" means the same on either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Screen {
    Accounts,
    Table,
    /// Which road the table takes: through S3, or through a backup.
    Road,
    Pitr,
    Bucket,
    Export,
    ExportProgress,
    DataFolder,
    Keys,
    ImportProgress,
    /// The backup road: what is restored, the new table, vault and roles, then a review.
    BackupSetup,
    /// The backup road: the backup, copy and restore jobs.
    BackupProgress,
    Verify,
    /// After Verify on the S3 road: the new table kept in step with the source until the
    /// cutover.
    CatchUp,
    /// The full compare of both tables: the wizard's last screen.
    Compare,
    /// The fleet road: the new tables' names (a prefix and a suffix).
    FleetNames,
    /// The fleet road: every table read and priced, before anything starts.
    FleetSummary,
    /// The fleet road: one line per table while the fleet runs.
    Fleet,
}

/// The screens of the S3 road, in order.
const S3_SCREENS: [Screen; 11] = [
    Screen::Accounts,
    Screen::Table,
    Screen::Road,
    Screen::Pitr,
    Screen::Bucket,
    Screen::Export,
    Screen::ExportProgress,
    Screen::DataFolder,
    Screen::Keys,
    Screen::ImportProgress,
    Screen::Verify,
];

/// The S3 road once catch-up was opened: its two screens follow Verify. (Before, the step
/// bar leaves them out: they are a choice after the migration, and the line has no room.)
const S3_CATCH_UP_SCREENS: [Screen; 13] = [
    Screen::Accounts,
    Screen::Table,
    Screen::Road,
    Screen::Pitr,
    Screen::Bucket,
    Screen::Export,
    Screen::ExportProgress,
    Screen::DataFolder,
    Screen::Keys,
    Screen::ImportProgress,
    Screen::Verify,
    Screen::CatchUp,
    Screen::Compare,
];

/// The screens of the backup road, in order.
const BACKUP_SCREENS: [Screen; 6] = [
    Screen::Accounts,
    Screen::Table,
    Screen::Road,
    Screen::BackupSetup,
    Screen::BackupProgress,
    Screen::Verify,
];

/// The screens of a fleet (several tables, through S3), in order.
const FLEET_SCREENS: [Screen; 7] = [
    Screen::Accounts,
    Screen::Table,
    Screen::Bucket,
    Screen::Export,
    Screen::FleetNames,
    Screen::FleetSummary,
    Screen::Fleet,
];

impl Screen {
    /// The screens a migration on `via` passes, in order (the step bar draws them).
    pub fn road(via: Via) -> &'static [Screen] {
        match via {
            Via::S3 => &S3_SCREENS,
            Via::Backup => &BACKUP_SCREENS,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Screen::Accounts => "Accounts",
            Screen::Table => "Table",
            Screen::Road => "Road",
            Screen::Pitr => "Point-in-time recovery",
            Screen::Bucket => "Bucket & owner",
            Screen::Export => "Export",
            Screen::ExportProgress => "Export progress",
            Screen::DataFolder => "Data folder",
            Screen::Keys => "Keys & new table",
            Screen::ImportProgress => "Import progress",
            Screen::BackupSetup => "Backup & new table",
            Screen::BackupProgress => "Backup, copy & restore",
            Screen::Verify => "Verify & finish",
            Screen::CatchUp => "Catch-up",
            Screen::Compare => "Compare",
            Screen::FleetNames => "New table names",
            Screen::FleetSummary => "Fleet summary & estimate",
            Screen::Fleet => "Fleet",
        }
    }

    pub fn medium(self) -> &'static str {
        match self {
            Screen::Accounts => "Accounts",
            Screen::DataFolder => "Data folder",
            Screen::BackupSetup => "Backup setup",
            Screen::FleetNames => "New names",
            other => other.short(),
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Screen::Accounts => "Acct",
            Screen::Table => "Table",
            Screen::Road => "Road",
            Screen::Pitr => "PITR",
            Screen::Bucket => "Bucket",
            Screen::Export => "Export",
            Screen::ExportProgress => "Exporting",
            Screen::DataFolder => "Folder",
            Screen::Keys => "Keys",
            Screen::ImportProgress => "Importing",
            Screen::BackupSetup => "Backup",
            Screen::BackupProgress => "Restoring",
            Screen::Verify => "Verify",
            Screen::CatchUp => "Catch-up",
            Screen::Compare => "Compare",
            Screen::FleetNames => "Names",
            Screen::FleetSummary => "Summary",
            Screen::Fleet => "Fleet",
        }
    }

    /// The screens of a fleet, in order.
    pub fn fleet_road() -> &'static [Screen] {
        &FLEET_SCREENS
    }

    /// The screen before this one on `road` (Accounts stays).
    fn prev_on(self, road: &[Screen]) -> Screen {
        let i = road.iter().position(|s| *s == self).unwrap_or(0);
        road[i.saturating_sub(1)]
    }

    /// The screen that shows a migration on `via` standing at `step`.
    pub fn for_step(via: Via, step: Step) -> Screen {
        match (via, step) {
            (Via::Backup, Step::Preflight | Step::Pitr | Step::Bucket) => Screen::BackupSetup,
            (_, Step::Preflight | Step::Pitr | Step::Bucket) => Screen::Bucket,
            (_, Step::Export) => Screen::ExportProgress,
            (_, Step::Locate) => Screen::DataFolder,
            (_, Step::KeyCheck) => Screen::Keys,
            (_, Step::Import) => Screen::ImportProgress,
            (_, Step::Backup | Step::Vault | Step::Copy | Step::Restore) => Screen::BackupProgress,
            (Via::S3, Step::CatchUp) => Screen::CatchUp,
            (_, Step::Verify | Step::Finish | Step::CatchUp) => Screen::Verify,
        }
    }
}

/// A box over the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    /// The help of the screen, or of the box it was opened over (which comes back on close).
    Help(Box<Overlay>),
    /// `q` while a job runs: quitting leaves the job running in AWS.
    ConfirmQuit,
    /// Unfinished migrations (and fleets) found at start; the wizard offers to reattach.
    Resume(Vec<ResumeOffer>),
    /// The migration is run by another live process: watch it read-only, or leave.
    Held(Holder),
    /// `x` on the Catch-up screen: have writes to the source stopped? `y` starts the cutover.
    ConfirmCutover,
    /// Something to read (where a plan was saved); any key closes it.
    Notice {
        title: String,
        lines: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeOffer {
    pub id: String,
    pub path: PathBuf,
    pub summary: String,
    /// The journal is a fleet's: reattaching runs the whole fleet again.
    pub fleet: bool,
}

/// Another process that runs a migration the wizard wanted to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub id: String,
    pub pid: Option<u32>,
    pub journal: PathBuf,
}

pub struct App {
    pub screen: Screen,
    pub reached: Screen,
    pub overlay: Overlay,
    pub accounts: accounts::State,
    pub table: table::State,
    pub road: road::State,
    pub backup: backup::State,
    pub pitr: pitr::State,
    pub bucket: bucket::State,
    pub export: export::State,
    pub progress: progress::State,
    pub folder: folder::State,
    pub keys: keys::State,
    /// The full check started from the Keys screen.
    pub full_check: full_check::State,
    pub verify: verify::State,
    /// Catch-up and the compare, after Verify.
    pub catch_up: catch_up::State,
    /// The fleet road: several tables moved together.
    pub fleet: fleet::State,
    /// The migration's journal as the session last reported it (read-only: the session is
    /// its only writer).
    pub journal: Option<Box<Journal>>,
    /// The decision the session waits for.
    pub pending: Option<Decision>,
    /// True while the session runs steps (or is being opened).
    pub engine_busy: bool,
    /// Watching, read-only, a migration another process runs.
    pub watching: Option<Holder>,
    /// The last failure, shown on the screen that caused it.
    pub failure: Option<AwsFailure>,
    pub endpoint_url: Option<String>,
    pub state_dir: PathBuf,
    pub quit: bool,
    /// Set at start, for the clock of the panels.
    pub started: Instant,
    /// The session being opened was asked for from the screens' plan (not reattached from
    /// a journal).
    pub opening_from_plan: bool,
    /// The id of the migration the wizard works on, once its journal exists.
    pub migration_id: Option<String>,
    /// The prices of the cost estimates (list prices, or the person's own file).
    pub prices: crate::logic::cost::Prices,
    /// Set by `update` when the message changed nothing on screen: the loop then skips the
    /// drawing (a hundred tables' repeated job statuses cost nothing over SSH).
    pub quiet: bool,
    /// The offset of the person's clock from UTC (the task layer reads it at start): times
    /// of day are said on it.
    pub utc_offset: time::UtcOffset,
}

impl App {
    pub fn new(state_dir: PathBuf, endpoint_url: Option<String>) -> Self {
        Self {
            screen: Screen::Accounts,
            reached: Screen::Accounts,
            overlay: Overlay::None,
            accounts: accounts::State::default(),
            table: table::State::default(),
            road: road::State::default(),
            backup: backup::State::default(),
            pitr: pitr::State::default(),
            bucket: bucket::State::default(),
            export: export::State::default(),
            progress: progress::State::default(),
            folder: folder::State::default(),
            keys: keys::State::default(),
            full_check: full_check::State::default(),
            verify: verify::State::default(),
            catch_up: catch_up::State::default(),
            fleet: fleet::State::default(),
            journal: None,
            pending: None,
            engine_busy: false,
            watching: None,
            failure: None,
            endpoint_url,
            state_dir,
            quit: false,
            started: Instant::now(),
            opening_from_plan: false,
            migration_id: None,
            prices: crate::logic::cost::Prices::builtin(),
            quiet: false,
            utc_offset: time::UtcOffset::UTC,
        }
    }

    /// Commands to run at start: the profiles, and a look for unfinished migrations.
    pub fn start(&mut self) -> Vec<Cmd> {
        vec![Cmd::LoadProfiles, Cmd::FindUnfinished, Cmd::ReadUtcOffset]
    }

    /// A clock is on screen: tick once a second, and only then.
    pub fn clock_running(&self) -> bool {
        self.engine_busy || self.pitr.enabling || self.watching.is_some()
    }

    /// The fleet's dashboard shows elapsed whole minutes: tick once a minute while it runs.
    pub fn minute_clock_running(&self) -> bool {
        (self.fleet.running() && self.screen == Screen::Fleet)
            || (self.screen == Screen::CatchUp && self.catch_up.lag.is_some())
    }

    /// The road of this migration: the opened one's, else the one taken on the Road screen
    /// (S3 until then).
    pub fn via(&self) -> Via {
        match &self.journal {
            Some(j) => j.plan.via,
            None => self.road.chosen.unwrap_or_default(),
        }
    }

    /// The screens the step bar shows: the road's, and on the Road screen the road
    /// highlighted there, so the bar shows where each choice leads.
    pub fn road_screens(&self) -> &'static [Screen] {
        if self.screen == Screen::Road && self.journal.is_none() {
            Screen::road(self.road.selected)
        } else if self.on_fleet_road() {
            Screen::fleet_road()
        } else if self.via() == Via::S3 && matches!(self.reached, Screen::CatchUp | Screen::Compare)
        {
            &S3_CATCH_UP_SCREENS
        } else {
            Screen::road(self.via())
        }
    }

    /// Whether the screens are the fleet's: the fleet road was taken, or (on the Table
    /// screen) two or more tables are marked, so Enter leads there.
    pub fn on_fleet_road(&self) -> bool {
        if self.journal.is_some() {
            return false;
        }
        match self.screen {
            Screen::Accounts => false,
            Screen::Table => self.table.picker.marked.len() >= 2,
            _ => self.fleet.active,
        }
    }

    pub fn go(&mut self, screen: Screen) {
        self.screen = screen;
        if screen > self.reached {
            self.reached = screen;
        }
        self.failure = None;
    }

    /// True while a text field takes the keys (so `q` types a letter); the key bar says so.
    pub fn editing(&self) -> bool {
        match self.screen {
            Screen::Accounts => self.accounts.editing(),
            Screen::Table => self.table.picker.filtering,
            Screen::Bucket => self.bucket.editing(),
            Screen::BackupSetup => self.backup.editing(),
            Screen::Export => self.export.editing(),
            Screen::DataFolder => self.folder.picker.filtering,
            Screen::Keys => self.keys.editing(),
            Screen::FleetNames => self.fleet.names.editing(),
            _ => false,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        self.quiet = false;
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Tick if matches!(self.screen, Screen::CatchUp | Screen::Compare) => {
                // Only the lag's words move here: draw when they changed.
                self.quiet = !catch_up::on_tick(self);
                Vec::new()
            }
            Msg::Resize | Msg::Tick => Vec::new(),
            Msg::CatchUpTimer(timer) => catch_up::on_timer(self, timer),
            Msg::UtcOffset(offset) => {
                self.utc_offset = offset;
                Vec::new()
            }
            Msg::PlanSaved(saved) => super::save_plan::on_saved(self, saved),
            Msg::Profiles(r) => accounts::on_profiles(self, r),
            Msg::Connected {
                side,
                result,
                endpoint,
            } => {
                if side == Side::Dest {
                    self.accounts.custom_endpoint = endpoint;
                }
                accounts::on_connected(self, side, result)
            }
            Msg::Tables(r) => table::on_tables(self, r),
            Msg::TableDetails { name, result } => table::on_details(self, name, result),
            Msg::PitrEnabled(r) => pitr::on_enabled(self, r),
            Msg::PitrProgress(text) => {
                self.pitr.message = Some(text);
                Vec::new()
            }
            Msg::Buckets(r) => bucket::on_buckets(self, r),
            Msg::Policy(r) => bucket::on_policy(self, r),
            Msg::NameChecked { name, result } if self.via() == Via::Backup => {
                backup::on_name_checked(self, name, result)
            }
            Msg::NameChecked { name, result } => keys::on_name_checked(self, name, result),
            Msg::RecoveryPoints { points, failures } => backup::on_points(self, points, failures),
            Msg::VaultPolicy { vault, result } => backup::on_vault(self, vault, result),
            Msg::ExportFiles { files, bytes } => {
                self.progress.export_files = Some((files, bytes));
                Vec::new()
            }
            Msg::Folder(r) => folder::on_listing(self, r),
            Msg::ImportErrors(r) => {
                self.progress.import_error_lines = Some(r);
                Vec::new()
            }
            Msg::CheckProgress(p) => full_check::on_progress(self, p),
            Msg::CheckDone(r) => full_check::on_done(self, r),
            Msg::Unfinished { migrations, fleets } => self.on_unfinished(migrations, fleets),
            Msg::DestTables(r) => fleet::names::on_dest_tables(self, r),
            Msg::FleetSummary(r) => fleet::summary::on_summary(self, r),
            Msg::FleetOpened(r) => fleet::board::on_opened(self, r),
            Msg::Fleet(event) => fleet::board::on_event(self, event),
            Msg::FleetMembers(journals) => fleet::board::on_members(self, journals),
            Msg::FleetEnded(outcome) => fleet::board::on_ended(self, outcome),
            Msg::Session(report) => self.on_report(report),
            Msg::Watched(journal) => self.on_watched(journal),
            Msg::WatchEnded => {
                if let Some(w) = &mut self.watching {
                    w.pid = None;
                }
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return self.ask_quit();
        }
        // `?` and F1 open the help everywhere, over any box, and are never typed.
        let help_key = matches!(key.code, KeyCode::Char('?') | KeyCode::F(1))
            && !key.modifiers.contains(KeyModifiers::CONTROL);
        match &self.overlay {
            Overlay::Help(under) => {
                self.overlay = (**under).clone();
                return Vec::new();
            }
            _ if help_key => {
                let under = std::mem::replace(&mut self.overlay, Overlay::None);
                self.overlay = Overlay::Help(Box::new(under));
                return Vec::new();
            }
            Overlay::Notice { .. } => {
                self.overlay = Overlay::None;
                return Vec::new();
            }
            Overlay::ConfirmCutover => {
                return catch_up::on_cutover_key(self, key);
            }
            Overlay::ConfirmQuit => {
                match key.code {
                    KeyCode::Char('y') | KeyCode::Char('q') => self.quit = true,
                    _ => self.overlay = Overlay::None,
                }
                return Vec::new();
            }
            Overlay::Resume(offers) => {
                let offers = offers.clone();
                return self.on_resume_key(key, &offers);
            }
            Overlay::Held(holder) => {
                let holder = holder.clone();
                return self.on_held_key(key, holder);
            }
            Overlay::None => {}
        }
        if self.watching.is_some() {
            // Read-only: nothing but help and quitting.
            if matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) {
                self.quit = true;
            }
            return Vec::new();
        }
        // Ctrl-P saves the choices as a plan, on any screen once the bucket is applied.
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('p') {
            return super::save_plan::save(self);
        }
        // A field being edited gets every key but help and Ctrl-C: the screen decides what
        // Enter, Esc and Tab do there, and letters are text.
        let editing = self.editing();
        if !editing && key.code == KeyCode::Char('q') {
            return self.ask_quit();
        }
        let cmds = match self.screen {
            Screen::Accounts => accounts::on_key(self, key),
            Screen::Table => table::on_key(self, key),
            Screen::Road => road::on_key(self, key),
            Screen::Pitr => pitr::on_key(self, key),
            Screen::Bucket => bucket::on_key(self, key),
            Screen::Export => export::on_key(self, key),
            Screen::ExportProgress | Screen::ImportProgress => progress::on_key(self, key),
            Screen::DataFolder => folder::on_key(self, key),
            Screen::Keys => keys::on_key(self, key),
            Screen::BackupSetup => backup::on_key(self, key),
            Screen::BackupProgress => backup_progress::on_key(self, key),
            Screen::Verify => verify::on_key(self, key),
            Screen::CatchUp => catch_up::on_key(self, key),
            Screen::Compare => compare::on_key(self, key),
            Screen::FleetNames => fleet::names::on_key(self, key),
            Screen::FleetSummary => fleet::summary::on_key(self, key),
            Screen::Fleet => fleet::board::on_key(self, key),
        };
        match cmds {
            Some(cmds) => cmds,
            // The screen did not use the key: Esc goes back (never while a field is edited:
            // there Esc only leaves the field).
            None if key.code == KeyCode::Esc && !editing => {
                if !self.engine_busy && self.screen != Screen::Accounts {
                    self.screen = self.screen.prev_on(self.road_screens());
                    self.failure = None;
                }
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    fn ask_quit(&mut self) -> Vec<Cmd> {
        if self.engine_busy || self.pitr.enabling || self.fleet.running() || self.catch_up.automatic
        {
            self.overlay = Overlay::ConfirmQuit;
        } else {
            self.quit = true;
        }
        Vec::new()
    }

    /// The plan the screens describe so far; `None` before a table is chosen.
    pub fn plan_draft(&self) -> Option<Plan> {
        let table = self.table.chosen.clone()?;
        let dest = self.accounts.identity(Side::Dest)?;
        let source_region = self.accounts.spec(Side::Source, None).region;
        let dest_region = self.accounts.spec(Side::Dest, None).region;
        let owner = self.bucket.owner.value().trim().to_owned();
        Some(Plan {
            via: Via::S3,
            backup: None,
            source: SourcePlan {
                profile: self.accounts.source.profile.clone(),
                region: source_region,
                table: table.clone(),
            },
            destination: DestinationPlan {
                profile: self.accounts.dest.profile.clone(),
                region: dest_region,
                bucket: self.bucket.bucket().to_owned(),
                create_bucket: true,
                bucket_owner: Some(owner).filter(|o| !o.is_empty() && *o != dest.account),
                bucket_region: None,
                prefix: self.bucket.prefix.value().trim().to_owned(),
            },
            export: self.export.plan(),
            table: self.keys.table_plan(&table),
            options: Options::default(),
        })
    }

    /// Which side a result concerns, as words.
    pub fn side_name(side: Side) -> &'static str {
        match side {
            Side::Source => "source",
            Side::Dest => "destination",
        }
    }
}
