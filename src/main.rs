use clap::Parser;

use ddb_ferry::cli::{self, Cli, Command};
use ddb_ferry::engine::journal::{private_dir, state_dir};
use ddb_ferry::engine::prices::PRICES_ENV;

fn main() {
    let cli = Cli::parse();
    // `ddb-ferry --prices FILE` (the wizard's form) is DDB_FERRY_PRICES=FILE for this process:
    // the sessions the wizard opens read their prices from that variable. It is checked first,
    // and set here, before any thread exists, so no other thread can be reading the environment.
    if let Some(file) = &cli.prices {
        if let Err(code) = cli::run::check_prices(Some(file)) {
            std::process::exit(code);
        }
        std::env::set_var(PRICES_ENV, file);
    }
    let _ = color_eyre::install();
    let _log_guard = init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async {
        match &cli.command {
            None | Some(Command::Wizard) => {
                match cli::run::check_endpoint(cli.endpoint_url.as_deref()) {
                    Ok(()) => ddb_ferry::tui::run(cli.endpoint_url.clone()).await,
                    Err(code) => code,
                }
            }
            Some(Command::Run {
                plan,
                opts,
                dry_run,
                fresh,
            }) => cli::run::run_plan(plan, opts, *dry_run, *fresh).await,
            Some(Command::Resume { id, opts }) => cli::run::resume(id, opts).await,
            Some(Command::Status { json }) => cli::status::status(*json),
            Some(Command::CatchUp {
                id,
                cutover,
                every,
                max_wcu,
                in_flight,
                opts,
            }) => {
                let args = cli::catch_up::CatchUpArgs {
                    cutover: *cutover,
                    every_minutes: *every,
                    max_wcu: *max_wcu,
                    in_flight: *in_flight,
                };
                cli::catch_up::catch_up(id, args, opts).await
            }
            Some(Command::Compare { args }) => cli::compare::compare(args).await,
            Some(Command::Exports { url, opts, json }) => {
                cli::inspect::exports(url, opts, *json).await
            }
            Some(Command::Check {
                url,
                keys,
                gsi,
                opts,
                json,
                show,
                threads,
            }) => cli::inspect::check(url, keys, gsi, opts, *json, *show, *threads).await,
            Some(Command::Validate { plan, json }) => cli::validate::validate(plan, *json),
            Some(Command::Completions { shell }) => cli::install::completions(*shell),
            Some(Command::Man) => cli::install::man(),
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code);
}

/// Logs go to a private file in the state folder, never to the screen.
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    private_dir(&state_dir()).ok()?;
    let dir = state_dir().join("logs");
    private_dir(&dir).ok()?;
    let path = dir.join("ddb-ferry.log");
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // Created 0600, and made 0600 if an older version left it readable by others.
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .ok()?;
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("ddb_ferry=info,warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .init();
    Some(guard)
}
