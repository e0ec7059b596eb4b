//! New names: each new table is the source's name between a prefix and a suffix (both empty
//! keeps the names). A live preview shows how three names come out, and warns when two
//! tables would get one name or a name is taken in the destination.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::engine::fleet::plan::RenameRule;
use crate::logic::names;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::services::Cmd;
use crate::tui::widgets::field::{Field, Look};

/// How many new names the preview shows.
const PREVIEW: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Prefix,
    Suffix,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    /// The focused field takes the keys (Tab or ↑↓ onto it starts, Esc ends).
    pub typing: bool,
    pub prefix: Field,
    pub suffix: Field,
    /// The destination's tables, listed once when the fleet road was taken.
    pub dest_tables: Option<Result<Vec<String>, AwsFailure>>,
}

impl State {
    pub fn editing(&self) -> bool {
        self.typing
    }

    pub fn rule(&self) -> RenameRule {
        RenameRule {
            prefix: self.prefix.value().trim().to_owned(),
            suffix: self.suffix.value().trim().to_owned(),
            names: Default::default(),
        }
    }
}

/// What the rename rule does to the marked tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Check {
    /// (source, new name), in the list's order.
    pub names: Vec<(String, String)>,
    /// A new name AWS would refuse, with the rule it breaks.
    pub invalid: Option<(String, String)>,
    /// New names given to more than one table: (the name, its sources).
    pub twice: Vec<(String, Vec<String>)>,
    /// New names that are tables of the destination already.
    pub taken: Vec<String>,
}

impl Check {
    /// Whether the fleet can go on with these names (a taken name fails its own table only).
    pub fn blocks(&self) -> bool {
        self.invalid.is_some() || !self.twice.is_empty()
    }
}

/// Checks the rule over `tables` against the destination's tables, when known.
pub fn check(rule: &RenameRule, tables: &[String], dest: Option<&[String]>) -> Check {
    let names: Vec<(String, String)> = tables
        .iter()
        .map(|t| (t.clone(), rule.new_name(t)))
        .collect();
    let invalid = names.iter().find_map(|(_, new)| {
        names::table_name("name", new)
            .err()
            .map(|e| (new.clone(), e.rule))
    });
    let mut by_name: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (source, new) in &names {
        by_name.entry(new).or_default().push(source.clone());
    }
    let twice = by_name
        .into_iter()
        .filter(|(_, sources)| sources.len() > 1)
        .map(|(name, sources)| (name.to_owned(), sources))
        .collect();
    let taken = match dest {
        Some(dest) => names
            .iter()
            .filter(|(_, new)| dest.contains(new))
            .map(|(_, new)| new.clone())
            .collect(),
        None => Vec::new(),
    };
    Check {
        names,
        invalid,
        twice,
        taken,
    }
}

fn check_of(app: &App) -> Check {
    let dest = match &app.fleet.names.dest_tables {
        Some(Ok(list)) => Some(list.as_slice()),
        _ => None,
    };
    check(&app.fleet.names.rule(), &super::tables(app), dest)
}

/// From the Export screen (its settings are the fleet's).
pub fn enter(app: &mut App) -> Vec<Cmd> {
    app.go(Screen::FleetNames);
    Vec::new()
}

pub fn on_dest_tables(app: &mut App, result: Result<Vec<String>, AwsFailure>) -> Vec<Cmd> {
    app.fleet.names.dest_tables = Some(result);
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let st = &mut app.fleet.names;
    let switch = |st: &mut State| {
        st.focus = match st.focus {
            Focus::Prefix => Focus::Suffix,
            Focus::Suffix => Focus::Prefix,
        };
        st.typing = true;
    };
    match key.code {
        KeyCode::Enter => Some(forward(app)),
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
            // From the list of choices, the first move lands on the focused field.
            if st.typing {
                switch(st);
            } else {
                st.typing = true;
            }
            Some(Vec::new())
        }
        KeyCode::Char('j' | 'k') if !st.typing => {
            st.typing = true;
            Some(Vec::new())
        }
        // Esc leaves the field first; a second Esc goes back to the export settings.
        KeyCode::Esc if st.typing => {
            st.typing = false;
            Some(Vec::new())
        }
        _ if st.typing => {
            let field = match st.focus {
                Focus::Prefix => &mut st.prefix,
                Focus::Suffix => &mut st.suffix,
            };
            field.on_key(key);
            Some(Vec::new())
        }
        _ => None,
    }
}

/// Enter: on to the summary, unless the names would be refused.
fn forward(app: &mut App) -> Vec<Cmd> {
    if check_of(app).blocks() {
        return Vec::new();
    }
    app.fleet.names.typing = false;
    super::summary::enter(app)
}

/// The keys of the New names screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.fleet.names;
    let enter = if check_of(app).blocks() {
        "(fix the names first)"
    } else {
        "see the summary and estimate"
    };
    if st.typing {
        return Bar::editing(
            match st.focus {
                Focus::Prefix => "Prefix",
                Focus::Suffix => "Suffix",
            },
            vec![
                hint("Enter", enter),
                hint("Tab", "other field"),
                hint("Esc", "stop editing"),
            ],
        );
    }
    Bar::commands(vec![
        hint("Enter", enter),
        hint("Tab", "type a prefix or suffix"),
        hint("Ctrl-P", "save as a plan"),
        hint("Esc", "back"),
    ])
}

pub const HELP: &[&str] = &[
    "Each marked table gets a new table in the destination. Its name is the source table's name with the prefix in front and the suffix after it: prefix \"new-\" and suffix \"-v2\" make orders into new-orders-v2. Leave both empty to keep the same names, which is usual when the destination is another account.",
    "The preview shows how the first names come out. Two tables may not get one name; a name that already exists in the destination makes that table fail on its own (the others still move).",
    "Enter reads every table and shows the summary with the estimate; nothing starts before you confirm it there.",
];

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.fleet.names;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", Screen::FleetNames.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [intro, fields, rest] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Min(3),
    ])
    .areas(inner);
    let tables = super::tables(app);
    f.render_widget(
        Paragraph::new(format!(
            "The {} marked tables move together. Each new table is named: prefix + the source table's name + suffix. Leave both empty to keep the names.",
            tables.len()
        ))
        .wrap(Wrap { trim: true }),
        intro,
    );
    let [prefix, suffix, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(fields);
    st.prefix.render(
        f,
        prefix,
        "Prefix",
        Look::of(st.focus == Focus::Prefix, st.typing),
        None,
    );
    st.suffix.render(
        f,
        suffix,
        "Suffix",
        Look::of(st.focus == Focus::Suffix, st.typing),
        None,
    );
    f.render_widget(
        Paragraph::new(preview_lines(app, rest.width as usize)).wrap(Wrap { trim: false }),
        rest,
    );
}

fn preview_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let c = check_of(app);
    let mut lines = vec![Line::from(format!(
        "How the new names come out ({} of {}):",
        c.names.len().min(PREVIEW),
        c.names.len()
    ))];
    let widest = c
        .names
        .iter()
        .take(PREVIEW)
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0)
        .min(width.saturating_sub(8) / 2);
    for (source, new) in c.names.iter().take(PREVIEW) {
        lines.push(Line::from(format!(
            "  {} → {new}",
            super::fit(source, widest)
        )));
    }
    if c.names.len() > PREVIEW {
        lines.push(Line::from(format!(
            "  … and {} more (the summary lists every one)",
            c.names.len() - PREVIEW
        )));
    }
    lines.push(Line::from(""));
    let problem = crate::tui::theme::problem();
    if let Some((name, rule)) = &c.invalid {
        lines.push(Line::from(Span::styled(
            format!("! {name:?} cannot be a table name: {rule}. Change the prefix or suffix."),
            problem,
        )));
    }
    for (name, sources) in &c.twice {
        lines.push(Line::from(Span::styled(
            format!(
                "! {} would all become {name}: two tables cannot get one name. Change the prefix or suffix.",
                sources.join(" and ")
            ),
            problem,
        )));
    }
    match &app.fleet.names.dest_tables {
        _ if !c.taken.is_empty() => lines.push(Line::from(Span::styled(
            format!(
                "! Already a table in the destination: {}. {} would fail on its own (the others still move); change the prefix or suffix to keep it.",
                c.taken.join(", "),
                if c.taken.len() == 1 { "That table" } else { "Those tables" }
            ),
            problem,
        ))),
        Some(Ok(_)) => lines.push(Line::from(
            "No new name is taken in the destination.",
        )),
        Some(Err(e)) => lines.push(Line::from(format!(
            "The destination's tables could not be listed ({}): each table checks its name again when it starts.",
            e.code
        ))),
        None => lines.push(Line::from("Reading the destination's tables…")),
    }
    if !c.blocks() {
        lines.push(Line::from(
            "Next: Enter reads every table and shows the summary and estimate; nothing starts before you confirm it.",
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn the_rule_names_each_table_and_finds_a_name_given_twice() {
        let rule = RenameRule {
            prefix: String::new(),
            suffix: "-v2".into(),
            names: Default::default(),
        };
        let c = check(&rule, &tables(&["orders", "users"]), None);
        assert_eq!(c.names[1], ("users".into(), "users-v2".into()));
        assert!(!c.blocks());
        let dest = tables(&["users-v2"]);
        let c = check(&rule, &tables(&["orders", "users"]), Some(&dest));
        assert_eq!(c.taken, ["users-v2"]);
        assert!(!c.blocks(), "a taken name fails its own table only");
    }

    #[test]
    fn a_prefix_that_breaks_the_names_blocks() {
        let rule = RenameRule {
            prefix: "new copy ".into(),
            suffix: String::new(),
            names: Default::default(),
        };
        let c = check(&rule, &tables(&["orders"]), None);
        assert!(c.invalid.is_some() && c.blocks());
    }

    #[test]
    fn two_tables_with_one_new_name_block() {
        let mut rule = RenameRule::default();
        rule.names.insert("a-1".into(), "b-1".into());
        let c = check(&rule, &tables(&["a-1", "b-1"]), None);
        assert_eq!(c.twice, [("b-1".to_owned(), tables(&["a-1", "b-1"]))]);
        assert!(c.blocks());
    }
}
