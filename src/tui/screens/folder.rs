//! Data folder: browse the destination bucket. Exports under `AWSDynamoDB/` are shown with
//! their manifest summary; choosing one selects its `data/` folder. Anything else is explained
//! and refused, since ImportTable fails on manifests and other files.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::engine::session::actor::Request;
use crate::logic::layout::{classify_prefix, PrefixKind};
use crate::logic::units::human_bytes;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::FolderListing;
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::picker::{Picker, PickerKey};

#[derive(Debug, Clone, Default)]
pub struct State {
    pub prefix: String,
    pub listing: Option<Result<FolderListing, AwsFailure>>,
    pub picker: Picker,
    /// The data folder the import will read.
    pub chosen: Option<String>,
    /// The item count of the chosen export's manifest, when it has one.
    pub chosen_item_count: Option<u64>,
    pub message: Option<String>,
}

/// After the engine located the export: show its folder, preselected.
pub fn after_locate(app: &mut App) -> Vec<Cmd> {
    let Some(journal) = &app.journal else {
        return Vec::new();
    };
    let chosen = journal.data_folder.as_ref().map(|d| d.prefix.clone());
    app.folder.chosen = chosen.clone();
    app.folder.chosen_item_count = None;
    let prefix = match chosen.as_deref().map(classify_prefix) {
        Some(PrefixKind::DataFolder { export_root }) => parent(&export_root),
        _ => format!("{}/", journal.export_prefix),
    };
    browse(app, prefix)
}

fn parent(prefix: &str) -> String {
    let trimmed = prefix.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => trimmed[..=i].to_owned(),
        None => String::new(),
    }
}

fn browse(app: &mut App, prefix: String) -> Vec<Cmd> {
    let Some(journal) = &app.journal else {
        return Vec::new();
    };
    let bucket = journal.plan.destination.bucket.clone();
    let region = journal.bucket.region.clone().unwrap_or_default();
    app.folder.prefix = prefix.clone();
    app.folder.listing = None;
    vec![Cmd::Browse {
        bucket,
        region,
        prefix,
    }]
}

pub fn on_listing(app: &mut App, result: Result<FolderListing, AwsFailure>) -> Vec<Cmd> {
    if matches!(&result, Ok(l) if l.prefix != app.folder.prefix) {
        return Vec::new();
    }
    if let Ok(l) = &result {
        let mut items: Vec<String> = l.folders.clone();
        items.extend(l.objects.iter().map(|o| o.key.clone()));
        app.folder.picker.set_items(items);
        app.folder.picker.strip = l.prefix.clone();
        if let Some(c) = &app.folder.chosen {
            if let PrefixKind::DataFolder { export_root } = classify_prefix(c) {
                app.folder.picker.select(&export_root);
            }
        }
    }
    app.folder.listing = Some(result);
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if app.engine_busy {
        return Some(Vec::new());
    }
    match key.code {
        KeyCode::Backspace | KeyCode::Char('u') if !app.folder.picker.filtering => {
            let up = parent(&app.folder.prefix);
            return Some(browse(app, up));
        }
        KeyCode::Char('c') if !app.folder.picker.filtering => return Some(continue_to_keys(app)),
        _ => {}
    }
    match app.folder.picker.on_key(key) {
        PickerKey::Chosen(entry) => Some(choose(app, entry)),
        PickerKey::Moved => Some(Vec::new()),
        PickerKey::Ignored => None,
    }
}

fn choose(app: &mut App, entry: String) -> Vec<Cmd> {
    let data_prefix = match classify_prefix(&entry) {
        PrefixKind::ExportFolder { data_prefix } => Some(data_prefix),
        PrefixKind::DataFolder { .. } if entry.ends_with('/') => Some(entry.clone()),
        _ => None,
    };
    // Enter on the export already chosen moves forward.
    if data_prefix.is_some() && data_prefix == app.folder.chosen {
        return continue_to_keys(app);
    }
    match classify_prefix(&entry) {
        PrefixKind::ExportFolder { data_prefix } => select(app, data_prefix),
        PrefixKind::DataFolder { .. } if entry.ends_with('/') => select(app, entry),
        _ if entry.ends_with('/') => browse(app, entry),
        _ => {
            app.folder.message = Some(format!(
                "{entry} is a file, not an export's data folder. The import reads every object under one folder: choose an export (…/AWSDynamoDB/<id>/) and ddb-ferry uses its data/ folder."
            ));
            Vec::new()
        }
    }
}

fn select(app: &mut App, data_prefix: String) -> Vec<Cmd> {
    let summary = app
        .folder
        .listing
        .as_ref()
        .and_then(|l| l.as_ref().ok())
        .and_then(|l| {
            l.summaries
                .iter()
                .find(|(root, _)| data_prefix.starts_with(root.as_str()))
                .and_then(|(_, s)| s.clone())
        });
    if summary.as_ref().is_some_and(|s| s.is_incremental()) {
        app.folder.message = Some("This is an incremental export: its lines are change records, not items, and an import cannot read them. Choose a full export.".into());
        return Vec::new();
    }
    app.folder.chosen_item_count = summary.and_then(|s| s.item_count);
    app.folder.chosen = Some(data_prefix.clone());
    app.folder.message = Some("Selected. Enter again: continue to the new table.".into());
    Vec::new()
}

fn continue_to_keys(app: &mut App) -> Vec<Cmd> {
    if app.folder.chosen.is_none() {
        app.folder.message =
            Some("Choose an export first (Enter on a folder marked as an export).".into());
        return Vec::new();
    }
    // The session records the folder (if it is not the one it found) and asks the next
    // question: the new table.
    let choose = Request::ChooseDataFolder {
        prefix: app.folder.chosen.clone(),
        manifest_item_count: app.folder.chosen_item_count,
    };
    app.go(Screen::Keys);
    let mut cmds = vec![Cmd::Session(choose)];
    cmds.extend(super::keys::on_enter(app));
    cmds
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.folder;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    if app.engine_busy {
        f.render_widget(
            Paragraph::new("Finding the export's data folder (manifests first, else by listing)…")
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" Data folder "),
                ),
            area,
        );
        return;
    }
    let shown_prefix: String = {
        let chars: Vec<char> = st.prefix.chars().collect();
        let keep = (left.width as usize).saturating_sub(12);
        if chars.len() > keep {
            format!(
                "…{}",
                chars[chars.len() - keep..].iter().collect::<String>()
            )
        } else {
            st.prefix.clone()
        }
    };
    st.picker
        .render(f, left, &format!("s3://{shown_prefix}"), true);
    let mut lines: Vec<Line> = Vec::new();
    match &st.listing {
        None => lines.push(Line::from("Listing…")),
        Some(Err(e)) => lines.extend(failure::lines(e)),
        Some(Ok(l)) => {
            let current = st.picker.current().cloned().unwrap_or_default();
            match l.summaries.iter().find(|(root, _)| *root == current) {
                Some((_, Some(s))) => {
                    lines.push(Line::from(
                        "An export (read from its manifest, the export's table of contents):",
                    ));
                    lines.push(Line::from(format!(
                        "Exported at: {}",
                        s.export_time.as_deref().unwrap_or("-")
                    )));
                    lines.push(Line::from(format!(
                        "Source table: {}",
                        s.table_arn.rsplit('/').next().unwrap_or(&s.table_arn)
                    )));
                    lines.push(Line::from(format!(
                        "Items: {}",
                        s.item_count.map_or("-".into(), |c| c.to_string())
                    )));
                    lines.push(Line::from(format!(
                        "Size: {}",
                        s.billed_size_bytes.map_or("-".into(), human_bytes)
                    )));
                    lines.push(Line::from(format!("Format: {}", s.output_format)));
                    lines.push(Line::from(format!(
                        "Type: {}",
                        if s.is_incremental() {
                            "incremental (cannot be imported)"
                        } else {
                            "full"
                        }
                    )));
                }
                Some((_, None)) => {
                    lines.push(Line::from(
                        "An export without manifests (still running, or written by an emulator). Its data/ folder can be used.",
                    ));
                }
                None if current.ends_with('/') => {
                    lines.push(Line::from("A folder: Enter opens it."))
                }
                None => lines.push(Line::from("A file: not something an import can use.")),
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(match &st.chosen {
        Some(c) => match classify_prefix(c) {
            PrefixKind::DataFolder { export_root } => format!(
                "The import will read the data/ folder of the export {}",
                export_root
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(&export_root)
            ),
            _ => format!("The import will read every file of {c}"),
        },
        None => "Nothing chosen yet: Enter on an export chooses its data/ folder.".to_owned(),
    }));
    if let Some(m) = &st.message {
        lines.push(Line::from(m.clone()));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Export ")),
        right,
    );
}

/// The keys of the Data folder screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.folder;
    if st.picker.filtering {
        return Bar::filtering();
    }
    if app.engine_busy {
        return Bar::commands(Vec::new());
    }
    let current = st.picker.current().cloned().unwrap_or_default();
    let on_chosen = match classify_prefix(&current) {
        PrefixKind::ExportFolder { data_prefix } => Some(data_prefix) == st.chosen,
        _ => false,
    };
    let enter = if on_chosen {
        "continue to the new table"
    } else if current.ends_with('/') {
        "open / choose"
    } else {
        "explain"
    };
    let mut hints = vec![hint("Enter", enter)];
    if st.chosen.is_some() && !on_chosen {
        hints.push(hint("c", "continue with the chosen one"));
    }
    hints.extend([hint("u", "up"), hint("/", "filter"), hint("Esc", "back")]);
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "An export is a folder AWSDynamoDB/<id>/ in the bucket, under the migration's prefix (folder path). It holds manifests (its table of contents) and a data/ folder with the items.",
    "An import must read the export's data/ folder, never the export folder itself: the manifests would break it. Enter on an export chooses its data/ folder; Enter again continues. ddb-ferry has already chosen the export this migration made.",
    "u goes up one folder, / filters the names.",
];
