//! Drawing: the step bar, the current screen, the key hints, and overlays. Reads the state
//! only. Below 80x24 it asks for a larger window instead of drawing a broken layout.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Overlay, Screen};
use super::key_bar::{hint, Bar, Hint};
use super::screens::{
    accounts, backup, backup_progress, bucket, catch_up, compare, export, fleet, folder, keys,
    pitr, progress, road, table, verify,
};
use super::widgets::step_bar;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn render(app: &App, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "ddb-ferry needs a window of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.\nEnlarge the window (or the tmux pane) to continue. q quits.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [bar, body, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(10),
        Constraint::Length(1),
    ])
    .areas(area);
    step_bar::render(f, bar, app.road_screens(), app.screen, app.reached);
    match app.screen {
        Screen::Accounts => accounts::render(app, f, body),
        Screen::Table => table::render(app, f, body),
        Screen::Road => road::render(app, f, body),
        Screen::Pitr => pitr::render(app, f, body),
        Screen::Bucket => bucket::render(app, f, body),
        Screen::Export => export::render(app, f, body),
        Screen::ExportProgress | Screen::ImportProgress => progress::render(app, f, body),
        Screen::DataFolder => folder::render(app, f, body),
        Screen::Keys => keys::render(app, f, body),
        Screen::BackupSetup => backup::render(app, f, body),
        Screen::BackupProgress => backup_progress::render(app, f, body),
        Screen::Verify => verify::render(app, f, body),
        Screen::CatchUp => catch_up::render(app, f, body),
        Screen::Compare => compare::render(app, f, body),
        Screen::FleetNames => fleet::names::render(app, f, body),
        Screen::FleetSummary => fleet::summary::render(app, f, body),
        Screen::Fleet => fleet::board::render(app, f, body),
    }
    f.render_widget(
        Paragraph::new(hint_line(app, area.width as usize))
            .style(Style::default().add_modifier(Modifier::DIM)),
        hints,
    );
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help(under) => {
            let (title, paragraphs, keys) = help_for(app, under);
            let mut lines: Vec<String> = paragraphs.iter().map(|p| (*p).to_owned()).collect();
            lines.push(String::new());
            let keys: Vec<String> = keys.iter().map(|h| format!("{}: {}", h.key, h.does)).collect();
            lines.push(format!("Keys here — {}.", keys.join(" · ")));
            lines.push(String::new());
            lines.push("Any key closes this help.".to_owned());
            popup(f, area, &format!(" Help: {title} "), &lines);
        }
        Overlay::Notice { title, lines } => popup(f, area, &format!(" {title} "), lines),
        Overlay::ConfirmCutover => popup(
            f,
            area,
            " Cutover ",
            &catch_up::cutover_box_lines(),
        ),
        Overlay::ConfirmQuit if matches!(app.screen, Screen::CatchUp | Screen::Compare) => {
            popup(f, area, " Quit? ", &catch_up::quit_box_lines(app))
        }
        Overlay::ConfirmQuit => popup(
            f,
            area,
            " Quit? ",
            &[
                "A job is running in AWS. It keeps running after you quit, and reopening ddb-ferry offers to reattach to it.".to_owned(),
                String::new(),
                "y: quit    any other key: stay    ?: help".to_owned(),
            ],
        ),
        Overlay::Resume(offers) => {
            let mut lines = vec![
                "An unfinished migration was found:".to_owned(),
                String::new(),
            ];
            lines.extend(
                offers
                    .iter()
                    .take(3)
                    .map(|o| format!("{}  {}", o.id, o.summary)),
            );
            lines.push(String::new());
            if offers.first().is_some_and(|o| o.fleet) {
                lines.push("Enter reattaches to the first: the whole fleet, its moved tables left alone.".into());
            }
            lines.push(
                "Enter: reattach    n: start a new migration    ?: help    q: quit"
                    .into(),
            );
            popup(f, area, " Resume ", &lines);
        }
        Overlay::Held(holder) => {
            let who = match holder.pid {
                Some(pid) => format!("Another ddb-ferry process (pid {pid}) is running"),
                None => "Another ddb-ferry process is running".to_owned(),
            };
            popup(
                f,
                area,
                " In use ",
                &[
                    format!("{who} the migration {}.", holder.id),
                    "Two processes on one migration could start its jobs twice, so this one can only watch: it re-reads the journal as it changes and calls nothing.".into(),
                    String::new(),
                    "w: watch it read-only    Esc: leave    ?: help    q: quit".into(),
                ],
            );
        }
    }
}

/// The screen's keys now, for the bottom line.
pub fn bar(app: &App) -> Bar {
    if let Some(w) = &app.watching {
        let mut bar = Bar::commands(Vec::new());
        bar.hints.push(hint(
            "Read-only",
            match w.pid {
                Some(pid) => format!("process {pid} runs this migration"),
                None => "the process that ran this migration has ended".to_owned(),
            },
        ));
        return bar;
    }
    let on_progress = matches!(
        app.screen,
        Screen::ExportProgress | Screen::ImportProgress | Screen::BackupProgress
    );
    if on_progress && app.failure.is_some() && !app.engine_busy {
        return Bar::commands(vec![hint("Esc", "back (nothing is running)")]);
    }
    match app.screen {
        Screen::Accounts => accounts::bar(app),
        Screen::Table => table::bar(app),
        Screen::Road => road::bar(app),
        Screen::Pitr => pitr::bar(app),
        Screen::Bucket => bucket::bar(app),
        Screen::Export => export::bar(app),
        Screen::ExportProgress | Screen::ImportProgress => progress::bar(app),
        Screen::DataFolder => folder::bar(app),
        Screen::Keys => keys::bar(app),
        Screen::BackupSetup => backup::bar(app),
        Screen::BackupProgress => backup_progress::bar(app),
        Screen::Verify => verify::bar(app),
        Screen::CatchUp => catch_up::bar(app),
        Screen::Compare => compare::bar(app),
        Screen::FleetNames => fleet::names::bar(app),
        Screen::FleetSummary => fleet::summary::bar(app),
        Screen::Fleet => fleet::board::bar(app),
    }
}

fn hint_line(app: &App, width: usize) -> String {
    bar(app).line(width)
}

/// The help box's title, its paragraphs and its keys: of the box it was opened over, or of
/// the screen.
fn help_for(app: &App, under: &Overlay) -> (String, &'static [&'static str], Vec<Hint>) {
    match under {
        Overlay::ConfirmQuit => (
            "Quit".into(),
            &[
                "A job (an export, an import, a backup, a copy or a restore) runs inside AWS, not in this window. Quitting leaves it running; it finishes on its own.",
                "Run ddb-ferry again later: it finds the unfinished migration and reattaches to the same job without starting it twice.",
            ],
            vec![hint("y", "quit"), hint("any other key", "stay")],
        ),
        Overlay::ConfirmCutover => (
            "Cutover".into(),
            catch_up::CUTOVER_HELP,
            vec![
                hint("y", "writes have stopped: start the cutover"),
                hint("any other key", "not yet"),
            ],
        ),
        Overlay::Resume(_) => (
            "Resume".into(),
            &[
                "A migration that did not finish was found in ddb-ferry's journal (its saved state). Reattaching continues it where it stopped: a job still running in AWS is watched again, never started twice.",
                "Starting a new migration leaves the unfinished one as it is; `ddb-ferry status` lists them and `ddb-ferry resume ID` continues one later.",
            ],
            vec![
                hint("Enter", "reattach"),
                hint("n", "start a new migration"),
                hint("q", "quit"),
            ],
        ),
        Overlay::Held(_) => (
            "In use".into(),
            &[
                "Another ddb-ferry process holds this migration (over SSH, in another tmux window, or headless). Only one process may run a migration, so its jobs are never started twice.",
                "Watching shows its progress as it writes its journal, and changes nothing.",
            ],
            vec![
                hint("w", "watch read-only"),
                hint("Esc", "leave"),
                hint("q", "quit"),
            ],
        ),
        _ => {
            let paragraphs: &'static [&'static str] = match app.screen {
                Screen::Accounts => accounts::HELP,
                Screen::Table => table::HELP,
                Screen::Road => road::HELP,
                Screen::Pitr => pitr::HELP,
                Screen::Bucket => bucket::HELP,
                Screen::Export => export::HELP,
                Screen::ExportProgress | Screen::ImportProgress => progress::HELP,
                Screen::DataFolder => folder::HELP,
                Screen::Keys => keys::HELP,
                Screen::BackupSetup => backup::HELP,
                Screen::BackupProgress => backup_progress::HELP,
                Screen::Verify => verify::help(app),
                Screen::CatchUp => catch_up::HELP,
                Screen::Compare => compare::HELP,
                Screen::FleetNames => fleet::names::HELP,
                Screen::FleetSummary => fleet::summary::HELP,
                Screen::Fleet => fleet::board::HELP,
            };
            (app.screen.title().to_owned(), paragraphs, bar(app).all())
        }
    }
}

/// A centred box whose text wraps between words; its height fits the wrapped text, so the
/// last lines (the keys) are never cut.
fn popup(f: &mut Frame, area: Rect, title: &str, lines: &[String]) {
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(20) + 4;
    let width = widest.min(76).min(area.width as usize - 2) as u16;
    let inner = width.saturating_sub(2).max(1) as usize;
    // A line that fits keeps its spacing (the key lines); a longer one wraps between words.
    let wrapped: Vec<String> = lines
        .iter()
        .flat_map(|l| {
            if l.chars().count() <= inner {
                vec![l.clone()]
            } else {
                super::widgets::text::wrap(l, inner)
            }
        })
        .collect();
    let height = (wrapped.len() as u16 + 2).min(area.height);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    f.render_widget(Clear, rect);
    let text: Vec<Line> = wrapped.into_iter().map(Line::from).collect();
    f.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_owned()),
        ),
        rect,
    );
}
