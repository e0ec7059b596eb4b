//! The command line: `run`, `resume`, `status`, `validate`.

pub mod printer;
pub mod run;
pub mod status;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes: 0 success (or dry run), 2 bad input (plan, names, credentials), 3 AWS refused a call \
or could not be reached, 4 an export or import job failed or verification found differences, \
5 interrupted by Ctrl-C, a closed terminal or SIGTERM (the AWS job keeps running; run the same \
command again to reattach), 1 an unexpected internal error.

Journals and summaries live in $DDB_FERRY_STATE_DIR, else $XDG_STATE_HOME/ddb-ferry \
(~/.local/state/ddb-ferry). Logs go to the logs/ folder there, never to the screen.";

#[derive(Debug, Parser)]
#[command(
    name = "ddb-ferry",
    version,
    about = "Move a DynamoDB table to another AWS account or region through S3: export, import, verify.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// With no command, the wizard opens (it needs a terminal).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// For the wizard: send every AWS call (STS AssumeRole included) to this endpoint.
    #[arg(long, value_name = "URL", global = false)]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the wizard (the same as no command).
    Wizard,
    /// Run the migration a plan file describes (continues it if it was interrupted).
    Run {
        /// The plan file (JSON; comments allowed). See assets/plan.example.jsonc.
        plan: PathBuf,
        #[command(flatten)]
        opts: RunOptions,
        /// Print every call that would change something (and the bucket policy) and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Start a new attempt even if a journal for this plan exists.
        #[arg(long = "new")]
        fresh: bool,
    },
    /// Continue a migration by its id (see `ddb-ferry status`).
    Resume {
        id: String,
        #[command(flatten)]
        opts: RunOptions,
    },
    /// List migrations and where each stands.
    Status {
        /// Newline-delimited JSON, one migration a line.
        #[arg(long)]
        json: bool,
    },
    /// Check a plan file without calling AWS.
    Validate { plan: PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct RunOptions {
    /// Newline-delimited JSON events on stdout instead of progress lines.
    #[arg(long)]
    pub json: bool,
    /// Send every AWS call (STS AssumeRole included) to this endpoint, e.g. a local emulator.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}
