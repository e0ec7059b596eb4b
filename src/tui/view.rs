//! Drawing: the step bar, the current screen, the key hints, and overlays. Reads the state
//! only. Below 80x24 it asks for a larger window instead of drawing a broken layout.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Overlay, Screen};
use super::screens::{accounts, bucket, export, folder, keys, pitr, progress, table, verify};
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
    step_bar::render(f, bar, app.screen, app.reached);
    match app.screen {
        Screen::Accounts => accounts::render(app, f, body),
        Screen::Table => table::render(app, f, body),
        Screen::Pitr => pitr::render(app, f, body),
        Screen::Bucket => bucket::render(app, f, body),
        Screen::Export => export::render(app, f, body),
        Screen::ExportProgress | Screen::ImportProgress => progress::render(app, f, body),
        Screen::DataFolder => folder::render(app, f, body),
        Screen::Keys => keys::render(app, f, body),
        Screen::Verify => verify::render(app, f, body),
    }
    f.render_widget(
        Paragraph::new(hint_line(app)).style(Style::default().add_modifier(Modifier::DIM)),
        hints,
    );
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => popup(
            f,
            area,
            &format!(" Help: {} ", app.screen.title()),
            help_lines(app.screen),
        ),
        Overlay::ConfirmQuit => popup(
            f,
            area,
            " Quit? ",
            vec![
                "A job is running in AWS. It keeps running after you quit, and".into(),
                "reopening ddb-ferry offers to reattach to it.".into(),
                String::new(),
                "y: quit    any other key: stay".into(),
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
            lines.push(
                "Enter: reattach to the first one    n: start a new migration    q: quit".into(),
            );
            popup(f, area, " Resume ", lines);
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
                vec![
                    format!("{who} the migration {}.", holder.id),
                    "Two processes on one migration could start its jobs twice, so this one".into(),
                    "can only watch: it re-reads the journal as it changes and calls nothing."
                        .into(),
                    String::new(),
                    "w: watch it read-only    Esc: leave    q: quit".into(),
                ],
            );
        }
    }
}

fn hint_line(app: &App) -> String {
    if let Some(w) = &app.watching {
        return match w.pid {
            Some(pid) => format!("Read-only: process {pid} runs this migration.  ?: help  q: quit"),
            None => "Read-only: the process that ran this migration has ended.  q: quit".into(),
        };
    }
    if app.failure.is_some() && !app.engine_busy {
        return "Esc: back  ?: help  q: quit (nothing is running)".into();
    }
    let common = "Tab: next field  Enter: next  Esc: back  /: filter  ?: help  q: quit";
    match app.screen {
        Screen::Bucket => {
            "Tab: fields  Enter: choose  p: preview policy  a: apply  ?: help  q: quit".into()
        }
        Screen::ExportProgress | Screen::ImportProgress => {
            "The job runs in AWS.  ?: help  q: quit (the job keeps running)".into()
        }
        Screen::DataFolder => {
            "Enter: open/choose  u: up  c: continue  /: filter  ?: help  q: quit".into()
        }
        Screen::Keys => {
            "Tab: fields  Space: switch  Enter: check / import  Ctrl-S: save JSON  q: quit".into()
        }
        Screen::Verify => "↑↓: choose  a: apply setting  Enter: quit when done".into(),
        _ => common.into(),
    }
}

fn help_lines(screen: Screen) -> Vec<String> {
    let specific: &[&str] = match screen {
        Screen::Accounts => &[
            "Choose the AWS profile of the account that has the table (source) and of the",
            "account that gets the copy (destination). Profiles come from ~/.aws/config.",
            "Region: leave empty to use the profile's region.",
            "STS then shows each account's ID and who you are.",
            "For an SSO profile whose login expired: aws sso login --profile NAME",
        ],
        Screen::Table => &[
            "The source account's tables. / filters, r reloads.",
            "The details show the keys, indexes, size, billing, PITR, encryption, stream and TTL.",
            "Local secondary indexes (LSI) cannot be created by an import.",
        ],
        Screen::Pitr => &[
            "Exports read from point-in-time recovery. e turns it on; ddb-ferry turns it off",
            "again at the end if it was off. AWS may refuse for a few minutes after a table",
            "is created: ddb-ferry retries.",
        ],
        Screen::Bucket => &[
            "The export is written into a bucket of the destination account.",
            "Choose one (Enter) or type a new name (Tab to the Bucket field). p previews the",
            "bucket-policy change; a applies it (and creates the bucket if needed).",
            "Existing statements are never changed or removed.",
        ],
        Screen::Export => &[
            "Format: DynamoDB JSON (the usual) or Amazon Ion. Point in time: empty for now,",
            "or an ISO 8601 time inside the PITR window. Encryption of the files in S3.",
            "Enter shows the equivalent AWS CLI command; Enter again starts the export.",
        ],
        Screen::ExportProgress | Screen::ImportProgress => &[
            "AWS reports no counters while a job runs: the panel shows the status, the time",
            "elapsed, an estimate from the table size and (export) the files written so far.",
            "You can quit: the job continues in AWS; run ddb-ferry again to reattach.",
        ],
        Screen::DataFolder => &[
            "An import must read an export's data/ folder, never the export folder itself",
            "(its manifests would break the import). Enter on an export chooses its data/.",
            "u goes up one folder; c continues with the chosen folder.",
        ],
        Screen::Keys => &[
            "The new table's name must not exist yet. Key names are case-sensitive and must",
            "match the items in the export: Enter checks them before anything is imported.",
            "Space switches types, billing and encryption. Ctrl-S saves the parameters.",
            "Ctrl-F reads every item of the export, not a sample (a progress bar shows bytes,",
            "rate and time left; Esc stops it). `ddb-ferry check` does the same from a shell.",
        ],
        Screen::Verify => &[
            "Counts and a sample of items are compared. Settings an import does not carry",
            "can be applied here (a) or with the command shown.",
        ],
    };
    let mut lines: Vec<String> = specific.iter().map(|s| (*s).to_owned()).collect();
    lines.push(String::new());
    lines.push(
        "Keys: arrows or hjkl move, Tab next field, Enter next, Esc back, / filter, q quit.".into(),
    );
    lines.push("Any key closes this help.".into());
    lines
}

fn popup(f: &mut Frame, area: Rect, title: &str, lines: Vec<String>) {
    let width =
        (lines.iter().map(|l| l.chars().count()).max().unwrap_or(20) as u16 + 4).min(area.width);
    // Lines wider than the window wrap: count the rows they take, or the last ones (the keys) are cut.
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| l.chars().count().max(1).div_ceil(inner))
        .sum();
    let height = (rows as u16 + 2).min(area.height);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    f.render_widget(Clear, rect);
    let text: Vec<Line> = lines.into_iter().map(Line::from).collect();
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_owned()),
        ),
        rect,
    );
}
