//! Drawing the backup screen: the list of what can be restored (rows that cannot work here
//! dimmed, with the reason), the fields the highlighted row uses, and the words of what will
//! happen; the review and the vault question in one scrolled pane.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::rows::{self, Row};
use super::{draft, order, started, vault, words, Focus, Stage};
use crate::tui::app::App;
use crate::tui::msg::Side;
use crate::tui::widgets::failure;
use crate::tui::widgets::field::Look;
use crate::tui::widgets::pane::{pane, render_scrolled};

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    if started(app) {
        let text = "The backup has started: these choices can no longer change. Enter: back to the progress. Other choices need a new migration.";
        f.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(pane("Backup & new table", false)),
            area,
        );
        return;
    }
    let st = &app.backup;
    if st.stage != Stage::Form {
        render_scrolled(
            f,
            area,
            "Backup: review",
            true,
            review_lines(app),
            st.scroll,
        );
        return;
    }
    let rows = draft::all_rows(app);
    let fields = order(app).into_iter().filter(|f| *f != Focus::List).count() as u16;
    // A row that cannot work takes a second line for its reason; the words keep at least
    // four lines below the fields.
    let lines: u16 = rows
        .iter()
        .map(|r| if r.blocked.is_some() { 2 } else { 1 })
        .sum();
    let room = area.height.saturating_sub(fields + 6).max(5);
    let list_height = (lines + 2).min(room);
    let [list, form, words_area] = Layout::vertical([
        Constraint::Length(list_height),
        Constraint::Length(fields),
        Constraint::Min(3),
    ])
    .areas(area);
    render_list(app, &rows, f, list);
    render_fields(app, f, form);
    render_scrolled(
        f,
        words_area,
        "What happens",
        false,
        words_pane(app, rows.get(st.selected)),
        st.scroll,
    );
}

fn render_list(app: &App, rows: &[Row], f: &mut Frame, area: Rect) {
    let st = &app.backup;
    let items: Vec<ListItem> = rows
        .iter()
        .map(|r| {
            let label = rows::label(&r.source);
            match &r.blocked {
                Some(why) => {
                    let dim = Style::default().add_modifier(Modifier::DIM);
                    ListItem::new(vec![
                        Line::from(Span::styled(label, dim)),
                        Line::from(Span::styled(format!("  not here: {why}"), dim)),
                    ])
                }
                None => ListItem::new(Line::from(label)),
            }
        })
        .collect();
    let mut title = "What to restore (times in UTC)".to_owned();
    if st.points.is_none() {
        title.push_str(" (listing the table's backups…)");
    } else if !st.list_failures.is_empty() {
        title.push_str(" (some backups could not be listed: see below)");
    }
    let list = List::new(items)
        .block(pane(&title, st.focus == Focus::List))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED))
        .highlight_symbol("> ");
    let mut state = ListState::default().with_selected(Some(st.selected));
    f.render_stateful_widget(list, area, &mut state);
}

/// One line per field the highlighted row uses.
fn render_fields(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.backup;
    let fields: Vec<Focus> = order(app)
        .into_iter()
        .filter(|x| *x != Focus::List)
        .collect();
    let areas = Layout::vertical(vec![Constraint::Length(1); fields.len()]).split(area);
    let look = |x: Focus| Look::of(st.focus == x, st.typing);
    for (field, row) in fields.into_iter().zip(areas.iter().copied()) {
        match field {
            Focus::Time => {
                st.time
                    .render(f, row, "Point in time (empty = latest)", look(field), None)
            }
            Focus::Name => {
                let note = name_note(app);
                st.name
                    .render(f, row, "New table", look(field), Some(&note))
            }
            Focus::Encryption => render_encryption(app, f, row),
            Focus::KmsKey => st.kms_key.render(f, row, "KMS key ARN", look(field), None),
            Focus::Vault => st
                .vault
                .render(f, row, "Destination vault", look(field), None),
            Focus::SourceRole => st
                .source_role
                .render(f, row, "Source role", look(field), None),
            Focus::DestRole => st
                .dest_role
                .render(f, row, "Destination role", look(field), None),
            Focus::CopyTags => {
                let marker = if st.focus == Focus::CopyTags {
                    "> "
                } else {
                    ""
                };
                let on = if st.copy_tags { "[x]" } else { "[ ]" };
                f.render_widget(
                    Paragraph::new(format!(
                        "{marker}Copy tags: {on} the source's tags onto the new table"
                    )),
                    row,
                );
            }
            Focus::List => {}
        }
    }
}

/// Beside the name: whether the destination has it already.
fn name_note(app: &App) -> String {
    let name = app.backup.name.value().trim();
    match &app.backup.name_free {
        Some((n, Ok(true))) if n == name => "free".into(),
        Some((n, Ok(false))) if n == name => "! exists already".into(),
        Some((n, Err(e))) if n == name => format!("(not checked: {})", e.code),
        _ => "checking…".into(),
    }
}

fn render_encryption(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.backup;
    let facts = draft::facts(app);
    let offered = draft::current(app).map_or(3, |r| rows::encryptions(&r.source, &facts).len());
    let marker = if st.focus == Focus::Encryption {
        "> "
    } else {
        ""
    };
    let mut spans = vec![Span::styled(
        format!("{marker}Encryption: "),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    for (i, name) in ["key DynamoDB owns", "AWS-managed key", "your KMS key"]
        .into_iter()
        .enumerate()
    {
        let mark = if st.encryption as usize == i {
            "(*)"
        } else {
            "( )"
        };
        let style = if i < offered {
            Style::default()
        } else {
            Style::default().add_modifier(Modifier::DIM)
        };
        spans.push(Span::styled(format!("{mark} {name}  "), style));
    }
    if offered < 3 {
        spans.push(Span::raw("(this backup gets a key AWS owns)"));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Why the screen cannot go on (first), then the words of the highlighted row.
fn words_pane(app: &App, row: Option<&Row>) -> Vec<Line<'static>> {
    let st = &app.backup;
    let mut lines = Vec::new();
    if let Some(fail) = &app.failure {
        lines.extend(failure::lines(fail));
        lines.push(Line::from(""));
    }
    let problem = st.message.clone().or_else(|| {
        row.and_then(|r| r.blocked.clone())
            .map(|w| format!("This choice cannot work here: {w}."))
    });
    if let Some(p) = problem {
        lines.push(Line::from(Span::styled(
            format!("! {p}"),
            crate::tui::theme::problem(),
        )));
        lines.push(Line::from(""));
    }
    for f in &st.list_failures {
        lines.push(Line::from(format!(
            "Some backups could not be listed: {} — {}",
            f.what, f.next
        )));
    }
    if let Some(row) = row.filter(|r| r.blocked.is_none()) {
        lines.extend(words::lines(app, row).into_iter().map(Line::from));
    }
    lines
}

/// The review: the vault question first when it is asked, then the words, then the vault
/// policy change across accounts.
fn review_lines(app: &App) -> Vec<Line<'static>> {
    let st = &app.backup;
    let mut lines = Vec::new();
    let Some(row) = draft::current(app) else {
        return lines;
    };
    let shape = draft::shape(&row.source, &draft::facts(app));
    let vault_name = st.vault.value().trim().to_owned();
    let dest = app
        .accounts
        .identity(Side::Dest)
        .map(|i| i.account.clone())
        .unwrap_or_default();
    if st.stage == Stage::Confirm {
        lines.push(Line::from(Span::styled(
            format!("Add ddb-ferry's statement (below) to the access policy of the vault {vault_name} in account {dest}?"),
            Style::default().add_modifier(Modifier::BOLD),
        )));
        lines.push(Line::from("  y: yes, add it and start."));
        lines.push(Line::from("  n: no, leave the policy as it is and start: the run then stops in its first checks (vault-policy-missing, with the command to add it yourself) unless the policy lets the source account copy in already."));
        lines.push(Line::from("  Esc: back to the review."));
        lines.push(Line::from(""));
    }
    if let Some(m) = &st.message {
        lines.push(Line::from(Span::styled(
            format!("! {m}"),
            crate::tui::theme::problem(),
        )));
    }
    if st.stage == Stage::Review {
        lines.push(Line::from(
            "Nothing has changed yet: Enter starts what is said below. Esc changes the choices.",
        ));
        lines.push(Line::from(""));
    }
    // The one change to another's resource comes first: it is what is asked about.
    if shape.across_accounts {
        lines.push(Line::from(Span::styled(
            format!("The access policy of the destination vault {vault_name}:"),
            Style::default().add_modifier(Modifier::BOLD),
        )));
        lines.extend(vault::lines(app, st.json));
        lines.push(Line::from(""));
    }
    lines.extend(words::lines(app, &row).into_iter().map(Line::from));
    lines.push(Line::from(""));
    lines.push(Line::from(if st.stage == Stage::Confirm {
        "y: add the statement and start.  n: start without it.  Esc: back."
    } else if shape.across_accounts && vault::preview(app).adds() {
        "Enter: start (you are asked about the vault policy first).  v: the policy as JSON.  Nothing has changed yet."
    } else {
        "Enter: start.  Nothing has changed yet."
    }));
    lines
}
