//! Runs the wizard's commands as tokio tasks and sends each result back as a `Msg`. The
//! screens never await anything; they return commands and later receive messages.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::SdkConfig;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::msg::{FleetReady, FolderListing, Msg, Side, TableDetails, VaultLook};
use super::screens::backup::rows::merge_points;
use crate::aws::backup::AwsBackup;
use crate::aws::dynamodb::Dynamo;
use crate::aws::explain::{AwsFailure, FailureKind};
use crate::aws::s3::S3;
use crate::aws::session::{custom_endpoint, load_side, profile_names, NetworkLimits, SideSpec};
use crate::aws::sts::whoami;
use crate::engine::fleet::{prepare_fleet, FleetJournal, FleetPlan, FleetPrepared, FleetRun};
use crate::engine::inspect::{browse_level, check_files, check_target};
use crate::engine::session::actor::{self, Request};
use crate::engine::session::OpenFrom;
use crate::engine::steps::bucket::preview_policy;
use crate::engine::steps::pitr::{enable_pitr_and_wait, PitrWait};
use crate::engine::unfinished::{unfinished, unfinished_fleets};
use crate::engine::watch::{watch_journal, Seen};
use crate::logic::check::{CheckOptions, CheckProgress, CheckReport};
use crate::logic::cost::Prices;
use crate::logic::policy::ExportGrant;

/// Work the wizard asks for.
#[derive(Debug)]
pub enum Cmd {
    LoadProfiles,
    Connect {
        side: Side,
        spec: SideSpec,
    },
    ListTables,
    DescribeTable(String),
    EnablePitr(String),
    ListBuckets,
    PreviewPolicy {
        bucket: String,
        region: String,
        grant: ExportGrant,
    },
    /// The source table's AWS Backup recovery points and DynamoDB backups.
    ListRecoveryPoints {
        table: String,
        table_arn: String,
    },
    /// The destination vault and its access policy (the backup road across accounts).
    ReadVaultPolicy {
        vault: String,
    },
    /// Checks that a destination table name is free, after a pause (typing goes on).
    CheckName(String),
    ListExportFiles {
        bucket: String,
        region: String,
        prefix: String,
    },
    Browse {
        bucket: String,
        region: String,
        prefix: String,
    },
    /// Looks for unfinished migrations in the state folder.
    FindUnfinished,
    /// Writes the wizard's choices as a plan file beside the migration's journal.
    SavePlan {
        id: String,
        text: String,
    },
    /// Opens the migration session (taking its lock); it then serves `Cmd::Session`.
    OpenSession(Box<OpenFrom>),
    /// A request to the open session.
    Session(Request),
    /// Re-reads a journal that another process writes, whenever it changes.
    Watch {
        path: PathBuf,
    },
    /// Reads every item of the data folder against `spec`, reporting progress.
    FullCheck {
        bucket: String,
        region: String,
        prefix: String,
        spec: crate::logic::watch::CheckSpec,
        cancel: Arc<std::sync::atomic::AtomicBool>,
    },
    /// The first lines of an import's error log in CloudWatch.
    ImportErrors {
        import_arn: String,
    },
    /// The destination's tables.
    ListDestTables,
    /// Finds the fleet of `plan` (an unfinished one of the same tables, or a new one) and
    /// reads and prices every table; starts nothing.
    SummarizeFleet {
        plan: Box<FleetPlan>,
        prices: Prices,
    },
    /// Runs the fleet of `journal` to its end; its events come back as `Msg::Fleet`.
    RunFleet {
        journal: Box<FleetJournal>,
        resumed: bool,
        prices: Prices,
    },
    /// Reads the fleet journal at `path` and runs that fleet again (reattaching).
    ReattachFleet {
        path: PathBuf,
        prices: Prices,
    },
    /// Reads the journals of tables of the running fleet: (source table, migration id).
    ReadFleetMembers {
        members: Vec<(String, String)>,
    },
    /// Sends `Msg::CatchUpTimer(timer)` after `after`: the next automatic increment.
    WakeAfter {
        after: Duration,
        timer: u64,
    },
    /// Reads the offset of the local clock from UTC (times of day are said on it).
    ReadUtcOffset,
}

/// Where the fleet to run comes from.
enum FleetFrom {
    Journal(Box<FleetJournal>, bool),
    Path(PathBuf),
}

/// A connected side: its SDK configuration and whether it talks to a custom endpoint.
type Connection = Arc<Mutex<Option<(SdkConfig, bool)>>>;

/// Both sides' SDK configuration once connected, and the channel back to the loop. The
/// connections are a cache of clients for the tasks, not screen state.
pub struct Services {
    tx: UnboundedSender<Msg>,
    source: Connection,
    dest: Connection,
    state_dir: PathBuf,
    endpoint_url: Option<String>,
    /// The open session's requests, and the task that serves them.
    session: Option<(UnboundedSender<Request>, JoinHandle<()>)>,
    /// The running fleet's stop signal, and its task.
    fleet: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl Services {
    pub fn new(tx: UnboundedSender<Msg>, state_dir: PathBuf, endpoint_url: Option<String>) -> Self {
        Self {
            tx,
            source: Connection::default(),
            dest: Connection::default(),
            state_dir,
            endpoint_url,
            session: None,
            fleet: None,
        }
    }

    /// Closes the open session, if any, and waits (briefly) until it has marked an unfinished
    /// journal interrupted and released the lock; a running fleet is stopped the same way
    /// (its jobs go on in AWS, every journal says where its table stands).
    pub async fn close_session(&mut self) {
        if let Some((stop, task)) = self.fleet.take() {
            let _ = stop.send(true);
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        if let Some((requests, task)) = self.session.take() {
            let _ = requests.send(Request::Close);
            drop(requests);
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }

    fn side(&self, side: Side) -> Option<(SdkConfig, bool)> {
        let slot = match side {
            Side::Source => &self.source,
            Side::Dest => &self.dest,
        };
        slot.lock().ok().and_then(|g| g.clone())
    }

    fn dynamo(&self, side: Side) -> Result<Dynamo, AwsFailure> {
        let (config, _) = self.side(side).ok_or_else(not_connected)?;
        Ok(Dynamo::new(&config, side_label(side)))
    }

    fn aws_backup(&self, side: Side) -> Result<AwsBackup, AwsFailure> {
        let (config, _) = self.side(side).ok_or_else(not_connected)?;
        Ok(AwsBackup::new(&config, side_label(side)))
    }

    fn s3(&self, region: &str) -> Result<S3, AwsFailure> {
        let (config, custom) = self.side(Side::Dest).ok_or_else(not_connected)?;
        Ok(S3::new(&config, region, custom, side_label(Side::Dest)))
    }

    /// Starts `cmd`. Connecting is awaited here briefly to keep the configuration; every
    /// network call runs in its own task.
    pub fn run(&mut self, cmd: Cmd) {
        let tx = self.tx.clone();
        match cmd {
            Cmd::LoadProfiles => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::Profiles(profile_names().await));
                });
            }
            Cmd::Connect { side, spec } => {
                let slot = match side {
                    Side::Source => self.source.clone(),
                    Side::Dest => self.dest.clone(),
                };
                tokio::spawn(async move {
                    let result = async {
                        let config = load_side(&spec, NetworkLimits::from_env()).await?;
                        let endpoint = custom_endpoint(&spec).await;
                        let id = whoami(&config, &side_label(side)).await?;
                        Ok::<_, AwsFailure>((config, endpoint, id))
                    }
                    .await
                    .map_err(|f| f.for_profile(spec.profile.as_deref()));
                    let msg = match result {
                        Ok((config, endpoint, id)) => {
                            if let Ok(mut g) = slot.lock() {
                                *g = Some((config, endpoint.is_some()));
                            }
                            Msg::Connected {
                                side,
                                result: Ok(id),
                                endpoint,
                            }
                        }
                        Err(f) => Msg::Connected {
                            side,
                            result: Err(f),
                            endpoint: None,
                        },
                    };
                    let _ = tx.send(msg);
                });
            }
            Cmd::ListTables => match self.dynamo(Side::Source) {
                Ok(d) => {
                    tokio::spawn(async move {
                        let _ = tx.send(Msg::Tables(d.list_tables().await));
                    });
                }
                Err(f) => {
                    let _ = tx.send(Msg::Tables(Err(f)));
                }
            },
            Cmd::DescribeTable(name) => {
                let d = self.dynamo(Side::Source);
                tokio::spawn(async move {
                    let result = async {
                        let d = d?;
                        let table = d.describe_table(&name).await?.ok_or_else(|| {
                            AwsFailure::from_code(
                                "dynamodb:DescribeTable",
                                d.side(),
                                "ResourceNotFoundException",
                                &name,
                            )
                        })?;
                        let pitr = d.pitr_status(&name).await?;
                        let ttl = d.ttl_attribute(&name).await.unwrap_or(None);
                        let tag_count = d.tags(&table.arn).await.map_or(0, |t| t.len());
                        Ok(TableDetails {
                            table,
                            pitr_status: pitr.status,
                            ttl_attribute: ttl,
                            tag_count,
                        })
                    }
                    .await;
                    let _ = tx.send(Msg::TableDetails { name, result });
                });
            }
            Cmd::EnablePitr(table) => {
                let d = self.dynamo(Side::Source);
                tokio::spawn(async move {
                    let result = async {
                        let progress = |wait: PitrWait| {
                            let _ = tx.send(Msg::PitrProgress(wait.to_string()));
                        };
                        enable_pitr_and_wait(&d?, &table, progress)
                            .await
                            .map(|_| ())
                    }
                    .await;
                    let _ = tx.send(Msg::PitrEnabled(result));
                });
            }
            Cmd::ListBuckets => {
                let s3 = self.s3("us-east-1");
                tokio::spawn(async move {
                    let result = match s3 {
                        Ok(s3) => s3.list_buckets().await,
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::Buckets(result));
                });
            }
            Cmd::PreviewPolicy {
                bucket,
                region,
                grant,
            } => {
                let s3 = self.s3(&region);
                tokio::spawn(async move {
                    let result = match s3 {
                        Ok(s3) => preview_policy(&s3, &bucket, &grant).await,
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::Policy(result));
                });
            }
            Cmd::ListRecoveryPoints { table, table_arn } => {
                let backup = self.aws_backup(Side::Source);
                let dynamo = self.dynamo(Side::Source);
                tokio::spawn(async move {
                    let mut failures = Vec::new();
                    let points = match backup {
                        Ok(b) => b.recovery_points_of(&table_arn).await,
                        Err(f) => Err(f),
                    };
                    let backups = match dynamo {
                        Ok(d) => d.list_backups(&table).await,
                        Err(f) => Err(f),
                    };
                    let points = points.unwrap_or_else(|f| {
                        failures.push(f);
                        Vec::new()
                    });
                    let backups = backups.unwrap_or_else(|f| {
                        failures.push(f);
                        Vec::new()
                    });
                    let _ = tx.send(Msg::RecoveryPoints {
                        points: merge_points(points, backups),
                        failures,
                    });
                });
            }
            Cmd::ReadVaultPolicy { vault } => {
                let backup = self.aws_backup(Side::Dest);
                tokio::spawn(async move {
                    let result = async {
                        let b = backup?;
                        if b.vault(&vault).await?.is_none() {
                            return Ok(VaultLook {
                                exists: false,
                                policy: None,
                            });
                        }
                        let policy = b.vault_access_policy(&vault).await?;
                        Ok(VaultLook {
                            exists: true,
                            policy,
                        })
                    }
                    .await;
                    let _ = tx.send(Msg::VaultPolicy { vault, result });
                });
            }
            Cmd::CheckName(name) => {
                let d = self.dynamo(Side::Dest);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    let result = match d {
                        Ok(d) => d.describe_table(&name).await.map(|t| t.is_none()),
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::NameChecked { name, result });
                });
            }
            Cmd::ListExportFiles {
                bucket,
                region,
                prefix,
            } => {
                if let Ok(s3) = self.s3(&region) {
                    tokio::spawn(async move {
                        if let Ok(objects) = s3.list(&bucket, &prefix).await {
                            let data: Vec<_> = objects
                                .iter()
                                .filter(|o| o.key.contains("/data/"))
                                .collect();
                            let _ = tx.send(Msg::ExportFiles {
                                files: data.len(),
                                bytes: data.iter().map(|o| o.size).sum(),
                            });
                        }
                    });
                }
            }
            Cmd::Browse {
                bucket,
                region,
                prefix,
            } => {
                let s3 = self.s3(&region);
                tokio::spawn(async move {
                    let result = match s3 {
                        Ok(s3) => browse_level(&s3, &bucket, &prefix).await,
                        Err(f) => Err(f),
                    };
                    let listing = result.map(|level| FolderListing {
                        prefix,
                        folders: level.folders,
                        objects: level.objects,
                        summaries: level.summaries,
                    });
                    let _ = tx.send(Msg::Folder(listing));
                });
            }
            Cmd::SavePlan { id, text } => {
                let dir = self.state_dir.clone();
                tokio::task::spawn_blocking(move || {
                    let saved = crate::engine::session::save_plan_file(&dir, &id, &text);
                    let _ = tx.send(Msg::PlanSaved(saved));
                });
            }
            Cmd::WakeAfter { after, timer } => {
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Msg::CatchUpTimer(timer));
                });
            }
            Cmd::ReadUtcOffset => {
                tokio::task::spawn_blocking(move || {
                    if let Some(offset) = local_utc_offset() {
                        let _ = tx.send(Msg::UtcOffset(offset));
                    }
                });
            }
            Cmd::FindUnfinished => {
                let dir = self.state_dir.clone();
                tokio::task::spawn_blocking(move || {
                    let mut migrations = unfinished(&dir);
                    // Moved and being caught up: offered again, on the Catch-up screen.
                    migrations.extend(
                        crate::engine::journal::Journal::list(&dir)
                            .into_iter()
                            .filter_map(|(path, j)| j.ok().map(|journal| (path, journal)))
                            .filter(|(_, j)| super::screens::catch_up::is_open(j))
                            .map(|(path, journal)| crate::engine::unfinished::Unfinished {
                                path,
                                journal,
                            }),
                    );
                    let _ = tx.send(Msg::Unfinished {
                        migrations,
                        fleets: unfinished_fleets(&dir),
                    });
                });
            }
            Cmd::ListDestTables => match self.dynamo(Side::Dest) {
                Ok(d) => {
                    tokio::spawn(async move {
                        let _ = tx.send(Msg::DestTables(d.list_tables().await));
                    });
                }
                Err(f) => {
                    let _ = tx.send(Msg::DestTables(Err(f)));
                }
            },
            Cmd::SummarizeFleet { plan, prices } => {
                let dir = self.state_dir.clone();
                let endpoint = self.endpoint_url.clone();
                tokio::spawn(async move {
                    let result = summarize_fleet(*plan, prices, dir, endpoint).await;
                    let _ = tx.send(Msg::FleetSummary(result));
                });
            }
            Cmd::RunFleet {
                journal,
                resumed,
                prices,
            } => self.run_fleet(FleetFrom::Journal(journal, resumed), prices),
            Cmd::ReattachFleet { path, prices } => self.run_fleet(FleetFrom::Path(path), prices),
            Cmd::ReadFleetMembers { members } => {
                let dir = self.state_dir.clone();
                tokio::task::spawn_blocking(move || {
                    let read = crate::engine::fleet::journal::member_journals(&dir, members);
                    let _ = tx.send(Msg::FleetMembers(read));
                });
            }
            Cmd::OpenSession(from) => {
                let (requests, incoming) = tokio::sync::mpsc::unbounded_channel();
                // One session at a time: a replaced one (Bucket applied again after going back)
                // is closed, and its lock released, before the new one opens.
                let previous = self.session.take();
                let state_dir = self.state_dir.clone();
                let endpoint_url = self.endpoint_url.clone();
                let task = tokio::spawn(async move {
                    if let Some((old_requests, old_task)) = previous {
                        let _ = old_requests.send(Request::Close);
                        drop(old_requests);
                        let _ = old_task.await;
                    }
                    actor::serve(*from, state_dir, endpoint_url, incoming, move |report| {
                        let _ = tx.send(Msg::Session(report));
                    })
                    .await;
                });
                self.session = Some((requests, task));
            }
            Cmd::Session(request) => match &self.session {
                Some((requests, _)) => {
                    let _ = requests.send(request);
                }
                None => tracing::warn!(?request, "no session is open"),
            },
            Cmd::Watch { path } => {
                tokio::spawn(watch_journal(path, self.state_dir.clone(), move |seen| {
                    let msg = match seen {
                        Seen::Journal(journal) => Msg::Watched(journal),
                        Seen::HolderEnded => Msg::WatchEnded,
                    };
                    tx.send(msg).is_ok()
                }));
            }
            Cmd::ImportErrors { import_arn } => {
                let config = self.side(Side::Dest).map(|(c, _)| c);
                tokio::spawn(async move {
                    let result = match config {
                        Some(c) => {
                            crate::aws::logs::first_import_errors(
                                &c,
                                &import_arn,
                                5,
                                &side_label(Side::Dest),
                            )
                            .await
                        }
                        None => Err(not_connected()),
                    };
                    let _ = tx.send(Msg::ImportErrors(result));
                });
            }
            Cmd::FullCheck {
                bucket,
                region,
                prefix,
                spec,
                cancel,
            } => {
                let s3 = self.s3(&region);
                tokio::spawn(async move {
                    let progress_tx = tx.clone();
                    let result = async {
                        let s3 = s3?;
                        let target = check_target(&s3, &bucket, &prefix).await?;
                        let options = CheckOptions {
                            cancel,
                            ..CheckOptions::default()
                        };
                        // At most four redraws a second, however fast the check goes.
                        let last = Mutex::new(std::time::Instant::now());
                        let progress = Arc::new(move |p: &CheckProgress| {
                            if let Ok(mut at) = last.lock() {
                                if at.elapsed() >= Duration::from_millis(250) {
                                    *at = std::time::Instant::now();
                                    let _ = progress_tx.send(Msg::CheckProgress(*p));
                                }
                            }
                        });
                        let data = check_files(
                            &s3,
                            &bucket,
                            target.files.clone(),
                            spec.clone(),
                            options,
                            progress,
                        )
                        .await?;
                        Ok(Box::new(CheckReport::new(target.context, spec, data)))
                    }
                    .await;
                    let _ = tx.send(Msg::CheckDone(result));
                });
            }
        }
    }
}

impl Services {
    /// Runs a fleet in a task until it ends; its events come back as `Msg::Fleet`. The stop
    /// signal is kept: the fleet reads a dropped one as an interruption.
    fn run_fleet(&mut self, from: FleetFrom, prices: Prices) {
        if let Some((stop, _)) = self.fleet.take() {
            let _ = stop.send(true);
        }
        let tx = self.tx.clone();
        let state_dir = self.state_dir.clone();
        let endpoint = self.endpoint_url.clone();
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let (journal, resumed) = match from {
                FleetFrom::Journal(journal, resumed) => (*journal, resumed),
                FleetFrom::Path(path) => {
                    let loaded = tokio::task::spawn_blocking(move || {
                        crate::engine::fleet::journal::reopen(&path, endpoint)
                    })
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r);
                    match loaded {
                        Ok(journal) => {
                            let _ = tx.send(Msg::FleetOpened(Ok(Box::new(journal.clone()))));
                            (journal, true)
                        }
                        Err(e) => {
                            let _ = tx.send(Msg::FleetOpened(Err(fleet_journal_unreadable(e))));
                            return;
                        }
                    }
                }
            };
            let (events, mut incoming) = tokio::sync::mpsc::unbounded_channel();
            let forward_tx = tx.clone();
            let forward = tokio::spawn(async move {
                while let Some(event) = incoming.recv().await {
                    if forward_tx.send(Msg::Fleet(event)).is_err() {
                        break;
                    }
                }
            });
            let run = FleetRun {
                state_dir,
                dry_run: false,
                prices,
                events,
                interrupted: stop_rx,
            };
            let outcome = run.run(journal, resumed).await;
            let _ = forward.await;
            let _ = tx.send(Msg::FleetEnded(outcome));
        });
        self.fleet = Some((stop_tx, task));
    }
}

/// The fleet of `plan`: found again (an unfinished one of the same tables continues, as
/// `ddb-ferry run PLAN` would), or new — also when the same fleet already moved every table —
/// then every table read and priced. Nothing is written: the fleet's journal is saved when
/// it starts.
async fn summarize_fleet(
    plan: FleetPlan,
    prices: Prices,
    state_dir: PathBuf,
    endpoint: Option<String>,
) -> Result<Box<FleetReady>, AwsFailure> {
    let dir = state_dir.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let first = prepare_fleet(plan.clone(), None, endpoint.clone(), &dir, false);
        match first {
            Ok(FleetPrepared::AlreadyDone { .. }) => {
                prepare_fleet(plan, None, endpoint, &dir, true)
            }
            other => other,
        }
    })
    .await
    .map_err(|e| fleet_journal_unreadable(e.to_string()))?
    .map_err(|e| fleet_journal_unreadable(e.to_string()))?;
    let (mut journal, resumed) = match prepared {
        FleetPrepared::Ready { journal, resumed } => (*journal, resumed),
        FleetPrepared::PlanChanged { path } => {
            return Err(AwsFailure::new(
                "fleet-plan-changed",
                FailureKind::BadInput,
                format!(
                    "an unfinished fleet of these tables, with this bucket and prefix, has other export settings (journal {})",
                    path.display()
                ),
                "continuing it with other settings would mix two fleets' copies",
                "go back (Esc) and set the export as it was; or quit and reopen ddb-ferry, which offers to reattach to that fleet; another prefix on the Bucket screen starts a separate fleet",
            ))
        }
        FleetPrepared::AlreadyDone { .. } => {
            return Err(fleet_journal_unreadable(
                "no new fleet could be made beside the finished one".into(),
            ))
        }
    };
    let (events, _ignored) = tokio::sync::mpsc::unbounded_channel();
    let (_keep, interrupted) = watch::channel(false);
    let run = FleetRun {
        state_dir,
        // Read only: the fleet's journal is written when it starts.
        dry_run: true,
        prices,
        events,
        interrupted,
    };
    let (survey, limits) = run.summarize(&mut journal).await?;
    Ok(Box::new(FleetReady {
        journal,
        resumed,
        survey,
        limits,
    }))
}

fn fleet_journal_unreadable(message: String) -> AwsFailure {
    AwsFailure::new(
        "fleet-journal-unreadable",
        FailureKind::BadInput,
        message,
        "a fleet journal in the state folder is damaged, or was written by another version of ddb-ferry",
        "move the damaged file in the state folder's fleets/ aside (`ddb-ferry status` lists the fleets), then try again",
    )
}

fn side_label(side: Side) -> String {
    match side {
        Side::Source => "the source account".to_owned(),
        Side::Dest => "the destination account".to_owned(),
    }
}

fn not_connected() -> AwsFailure {
    AwsFailure::new(
        "not-connected",
        crate::aws::explain::FailureKind::BadInput,
        "this account is not connected yet",
        "the Accounts step has not confirmed it",
        "go back to Accounts (Esc) and connect both profiles",
    )
}

/// The local clock's offset from UTC, as `date +%z` says it (TZ and /etc/localtime
/// respected); `None` when it cannot be read (times are then said in UTC).
fn local_utc_offset() -> Option<time::UtcOffset> {
    let out = std::process::Command::new("date")
        .arg("+%z")
        .output()
        .ok()?;
    parse_utc_offset(String::from_utf8_lossy(&out.stdout).trim())
}

/// "+0130" or "-0500" as an offset.
fn parse_utc_offset(text: &str) -> Option<time::UtcOffset> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i8 = digits[..2].parse().ok()?;
    let minutes: i8 = digits[2..].parse().ok()?;
    time::UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

#[cfg(test)]
mod offset_tests {
    use super::parse_utc_offset;

    #[test]
    fn offsets_as_date_prints_them() {
        assert_eq!(parse_utc_offset("+0000"), Some(time::UtcOffset::UTC));
        assert_eq!(
            parse_utc_offset("-0530").map(|o| o.whole_minutes()),
            Some(-330)
        );
        assert_eq!(parse_utc_offset("CET"), None);
    }
}
