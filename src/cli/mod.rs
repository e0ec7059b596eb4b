//! The command line: `run`, `resume`, `status`, `compare`, `validate`, `exports`, `check`.

pub mod catch_up;
pub mod compare;
pub mod fleet;
pub mod inspect;
pub mod install;
pub mod printer;
pub mod run;
pub mod status;
pub mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes: 0 success (or dry run; for `check`, no problem found), 2 bad input (plan, names, \
credentials, command line; for `check`, problems found in the data), 3 AWS refused a call \
or could not be reached, 4 an export, import, backup, copy or restore job failed or verification found differences, \
5 interrupted by Ctrl-C, a closed terminal or SIGTERM (the AWS job keeps running; run the same \
command again to reattach), 6 a fleet ended with some tables moved and some failed (run the same \
command to retry only those), 7 catch-up ended with writes into the new table that could not be \
made (each is listed with its key), 1 an unexpected internal error.

Journals and summaries live in $DDB_FERRY_STATE_DIR, else $XDG_STATE_HOME/ddb-ferry \
(~/.local/state/ddb-ferry). Logs go to the logs/ folder there, never to the screen.";

#[derive(Debug, Parser)]
#[command(
    name = "ddb-ferry",
    version,
    about = "Move a DynamoDB table to another AWS account or region: through S3 (export, import, verify) or through a backup (back up, copy, restore, verify).",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// With no command, the wizard opens (it needs a terminal).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// For the wizard: send every AWS call (STS AssumeRole included) to this endpoint.
    #[arg(long, value_name = "URL", global = false)]
    pub endpoint_url: Option<String>,
    /// For the wizard: prices for the cost estimates, over ddb-ferry's own (see docs/costs.md;
    /// default: the file DDB_FERRY_PRICES names).
    #[arg(long, value_name = "FILE", global = false)]
    pub prices: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the wizard (the same as no command).
    Wizard,
    /// Run the migration a plan file describes (continues it if it was interrupted).
    Run {
        /// The plan file (JSON; comments allowed). See assets/plan.example.jsonc,
        /// assets/plans/backup-cross-account.jsonc for the backup road, and
        /// assets/plans/fleet.jsonc for many tables at once (a `tables` list; docs/fleets.md).
        plan: PathBuf,
        #[command(flatten)]
        opts: RunOptions,
        /// Print every call that would change something (and the bucket or vault policy) and
        /// change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Start a new attempt even if a journal for this plan exists.
        #[arg(long = "new")]
        fresh: bool,
    },
    /// Continue a migration or a fleet by its id (see `ddb-ferry status`).
    Resume {
        id: String,
        #[command(flatten)]
        opts: RunOptions,
    },
    /// Bring a migrated table up to date with the writes made to the source since its export:
    /// an incremental export of the writes since the last increment, applied to the new table.
    /// Needs PITR on at the source since the export (`options.catch_up: true` keeps it on).
    #[command(
        name = "catch-up",
        after_help = "Exit codes: 0 applied (and, with --cutover, the tables are equal), 2 refused \
(not migrated yet, PITR no longer covers the last increment: code catch-up-pitr-gap), 3 AWS refused or \
could not be reached, 4 the increment's export failed or the compare found differences, 5 interrupted \
(run the same command to continue), 7 some writes could not be made (listed with their keys).\n\n\
AWS exports windows of at least 15 minutes, and the latest restorable time trails now by about five \
minutes: an increment is possible every 15 minutes, and a cutover keeps writes stopped for roughly \
15 to 30 minutes (the wait, then a small export of about ten)."
    )]
    CatchUp {
        /// The migration's id (see `ddb-ferry status`).
        id: String,
        /// Writes to the source have stopped: the last increment covers every write made before
        /// now (AWS's clock), then both tables are compared in full.
        #[arg(long)]
        cutover: bool,
        /// Repeat: another increment this many minutes after the last one was applied, until
        /// Ctrl-C (which stops between increments or leaves a running export to the next run).
        #[arg(long, value_name = "MINUTES", conflicts_with = "cutover")]
        every: Option<u64>,
        /// The highest write rate into the new table, in write capacity units a second (the
        /// writes of its indexes counted), to spare a table already in use.
        #[arg(long, value_name = "WCU")]
        max_wcu: Option<u32>,
        /// Write requests in flight at once.
        #[arg(long, value_name = "N", default_value_t = 16)]
        in_flight: usize,
        #[command(flatten)]
        opts: RunOptions,
    },
    /// List migrations and fleets (with each of their tables) and where each stands.
    Status {
        /// Newline-delimited JSON, one migration a line.
        #[arg(long)]
        json: bool,
    },
    /// Prove a migration's two tables equal, or name their differences.
    ///
    /// Reads the source table and the new table in full (consistent parallel Scans, both at
    /// once, each in its own account) and names every difference: items on one side only, and
    /// the attributes that differ. Items whose TTL has expired are reported apart: DynamoDB
    /// deletes them at its own pace on each side.
    #[command(
        after_help = "Exit codes: 0 the tables are equal (expired items aside), 4 differences found, \
2 a wrong id or command line, 3 AWS refused or could not be reached, 5 interrupted by Ctrl-C, a \
closed terminal or SIGTERM (nothing is written to either table). Each table is read in full once, \
and once more when they differ; a consistent read costs one RCU per 4 KB, and --max-rcu caps the \
rate."
    )]
    Compare {
        #[command(flatten)]
        args: compare::CompareArgs,
    },
    /// Check a plan file without calling AWS: every problem is listed, each with its field.
    #[command(after_help = "Exit codes: 0 the plan is valid, 2 it is not (or cannot be read).")]
    Validate {
        plan: PathBuf,
        /// One JSON document on stdout: `valid`, `problems` (each with `field` and `message`),
        /// and the plan with its defaults filled in when it is valid.
        #[arg(long)]
        json: bool,
    },
    /// Print the shell completion script for bash, zsh or fish (install it where the shell
    /// reads completions, e.g. `ddb-ferry completions bash > ~/.local/share/bash-completion/completions/ddb-ferry`).
    Completions {
        /// The shell: bash, zsh or fish.
        shell: install::Shell,
    },
    /// Print the manual page (roff), made from the same definitions as `--help`
    /// (`ddb-ferry man > ddb-ferry.1; man ./ddb-ferry.1`).
    Man,
    /// List the DynamoDB exports under s3://BUCKET[/PREFIX]: time, table, format, type, items,
    /// size, data files, and whether each can be imported.
    #[command(
        after_help = "Exit codes: 0 listed (even when none is found), 2 a wrong URL or profile, 3 AWS refused or could not be reached."
    )]
    Exports {
        /// s3://BUCKET or s3://BUCKET/PREFIX
        url: String,
        #[command(flatten)]
        opts: InspectOptions,
        /// One JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Read every data file of an export (or of any folder of data files) and report what
    /// would break an import: items without the new table's keys (missing, another type,
    /// another case), index keys of another type, unreadable lines, damaged files, objects
    /// that are not data files, counts that disagree with the manifest.
    #[command(
        after_help = "Exit codes: 0 no problem found, 2 problems found (or a wrong command line), \
3 AWS refused or could not be reached. The total size to download is printed before the download \
starts: outside AWS, S3 bills it as data transfer out."
    )]
    Check {
        /// s3://BUCKET/PREFIX: an export folder (…/AWSDynamoDB/<id>/), its data/ folder, a prefix
        /// holding one export, or any folder of data files.
        url: String,
        /// A key of the new table, NAME:TYPE (S, N or B): the partition key, then the sort key.
        #[arg(long = "key", value_name = "NAME:TYPE", required = true)]
        keys: Vec<String>,
        /// A key of one of the new table's indexes, INDEX:NAME:TYPE (repeat for each).
        #[arg(long = "gsi", value_name = "INDEX:NAME:TYPE")]
        gsi: Vec<String>,
        #[command(flatten)]
        opts: InspectOptions,
        /// One JSON document on stdout (the download notice goes to stderr).
        #[arg(long)]
        json: bool,
        /// Example lines shown per kind of problem (all are counted).
        #[arg(long, value_name = "N", default_value_t = 10)]
        show: usize,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
    },
}

/// Which account reads the bucket, for `exports` and `check`.
#[derive(Debug, clap::Args)]
pub struct InspectOptions {
    /// AWS profile of an account that may read the bucket (default: the default chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region to start from (the bucket's own region is looked up).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint, e.g. a local emulator.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RunOptions {
    /// Newline-delimited JSON events on stdout instead of progress lines.
    #[arg(long)]
    pub json: bool,
    /// Send every AWS call (STS AssumeRole included) to this endpoint, e.g. a local emulator.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Prices for the cost estimates, over ddb-ferry's own (see docs/costs.md; default: the
    /// file DDB_FERRY_PRICES names).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
}
