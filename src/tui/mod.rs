//! The wizard: a ratatui face of the engine. The loop `select!`s terminal events, results
//! from tasks and — only while a job runs — a one-second tick, and draws only after one of
//! them arrived. Nothing here awaits the network.

pub mod app;
mod driver;
pub mod key_bar;
pub mod msg;
mod save_plan;
pub mod screens;
pub mod services;
pub mod theme;
pub mod view;
pub mod widgets;

#[cfg(test)]
mod app_tests;
#[cfg(test)]
mod backup_snapshots;
#[cfg(test)]
mod backup_support;
#[cfg(test)]
mod catch_up_snapshots;
#[cfg(test)]
mod catch_up_support;
#[cfg(test)]
mod catch_up_tests;
#[cfg(test)]
mod fleet_snapshots;
#[cfg(test)]
mod fleet_support;
#[cfg(test)]
mod snapshots;
#[cfg(test)]
mod test_support;

use std::io::IsTerminal;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyEventKind};
use tokio::signal::unix::{Signal, SignalKind};
use tokio::sync::mpsc;

use app::App;
use msg::Msg;
use services::Services;

use crate::engine::journal::state_dir;

/// Opens the wizard; returns the exit code.
pub async fn run(endpoint_url: Option<String>) -> i32 {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "The wizard needs a terminal, and this is not one.\n  next: run a plan without a terminal with `ddb-ferry run PLAN` (see `ddb-ferry run --help`)"
        );
        return 2;
    }
    // The prices of the estimates: the list prices, under the person's own file if named
    // (`--prices`, which main checked, or DDB_FERRY_PRICES).
    let prices = match crate::engine::prices::load_prices(None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    install_panic_hook();
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot set up the terminal: {e}");
            return 1;
        }
    };
    let code = event_loop(&mut terminal, endpoint_url, prices).await;
    ratatui::restore();
    code
}

/// Reads the terminal on its own thread (a blocking read costs nothing while idle) and sends
/// keys and resizes into the loop's channel, in order with every other message.
fn spawn_terminal_reader(tx: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || loop {
        let msg = match crossterm::event::read() {
            Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => Msg::Key(key),
            Ok(TermEvent::Resize(..)) => Msg::Resize,
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    });
}

/// Any panic, in the loop or in a background task, first gives the terminal back, then
/// reports, then ends the process: a half-working wizard in a broken terminal helps nobody.
/// The journal is safe: it is only ever replaced whole.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        ratatui::restore();
        previous(info);
        eprintln!("ddb-ferry stopped on an internal error. Running jobs continue in AWS; run ddb-ferry again to reattach.");
        std::process::exit(101);
    }));
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    endpoint_url: Option<String>,
    prices: crate::logic::cost::Prices,
) -> i32 {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    spawn_terminal_reader(tx.clone());
    let mut services = Services::new(tx, state_dir(), endpoint_url.clone());
    let mut app = App::new(state_dir(), endpoint_url);
    app.prices = prices;
    for cmd in app.start() {
        services.run(cmd);
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut minute = tokio::time::interval(Duration::from_secs(60));
    minute.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let code = if terminal.draw(|f| view::render(&app, f)).is_err() {
        1
    } else {
        let mut clocks = Clocks {
            second: &mut tick,
            minute: &mut minute,
        };
        drive(terminal, &mut app, &mut services, &mut rx, &mut clocks).await
    };
    // The session marks an unfinished migration interrupted and releases its lock; a running
    // export or import goes on in AWS.
    services.close_session().await;
    code
}

/// The loop's timers: a second while a clock of seconds is on screen, a minute while only
/// the fleet's elapsed minutes are.
struct Clocks<'a> {
    second: &'a mut tokio::time::Interval,
    minute: &'a mut tokio::time::Interval,
}

/// Messages handled before one drawing at most: a burst (a hundred tables' events) is drawn
/// once, yet keys stay answered.
const BATCH: usize = 256;

async fn drive(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    services: &mut Services,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    clocks: &mut Clocks<'_>,
) -> i32 {
    let mut hangup = signal(SignalKind::hangup());
    let mut terminate = signal(SignalKind::terminate());
    loop {
        let msg = tokio::select! {
            msg = rx.recv() => match msg {
                Some(m) => m,
                None => break,
            },
            _ = clocks.second.tick(), if app.clock_running() => Msg::Tick,
            _ = clocks.minute.tick(), if app.minute_clock_running() && !app.clock_running() => Msg::Tick,
            // A dropped SSH session or a kill: stop as if the person quit.
            _ = recv(&mut hangup) => break,
            _ = recv(&mut terminate) => break,
        };
        let mut changed = handle(app, services, msg);
        for _ in 1..BATCH {
            if app.quit {
                break;
            }
            match rx.try_recv() {
                Ok(msg) => changed |= handle(app, services, msg),
                Err(_) => break,
            }
        }
        if app.quit {
            break;
        }
        if changed && terminal.draw(|f| view::render(app, f)).is_err() {
            return 1;
        }
    }
    0
}

/// Updates the state with one message and runs its commands; true when the screen changed.
fn handle(app: &mut App, services: &mut Services, msg: Msg) -> bool {
    tracing::debug!(msg = msg_name(&msg), "wizard message");
    for cmd in app.update(msg) {
        tracing::debug!(?cmd, "wizard command");
        services.run(cmd);
    }
    !app.quiet
}

fn signal(kind: SignalKind) -> Option<Signal> {
    tokio::signal::unix::signal(kind).ok()
}

async fn recv(signal: &mut Option<Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

fn msg_name(msg: &Msg) -> &'static str {
    match msg {
        Msg::Key(_) => "key",
        Msg::Resize => "resize",
        Msg::Tick => "tick",
        Msg::Session(_) => "session",
        Msg::Watched(_) => "watched",
        Msg::Fleet(_) => "fleet",
        _ => "result",
    }
}
