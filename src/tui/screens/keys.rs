//! Keys & new table: the new table's name (checked free as you type, after a pause), its
//! keys prefilled from the source and checked against the export's items, billing and
//! encryption; the TableCreationParameters JSON (savable) and the `aws dynamodb import-table`
//! command.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::engine::cli_equivalent::{import_table, side_args};
use crate::engine::journal::Step;
use crate::engine::plan::{NewTablePlan, Plan};
use crate::engine::session::actor::Request;
use crate::logic::names;
use crate::logic::table::{Billing, GsiSpec, KeySpec, KeyType, SourceTable, TableSpec, TableSse};
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::field::{Field, Look};
use crate::tui::widgets::pane::{pane, render_scrolled, scroll_key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Name,
    PkName,
    PkType,
    SkName,
    SkType,
    Billing,
    Encryption,
    KmsKey,
    /// `read/write` capacity units, with provisioned billing.
    Capacity,
    /// Keep the source's GSIs, or none.
    Gsis,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub name: Field,
    pub pk: Field,
    pub pk_type: Option<KeyType>,
    pub sk: Field,
    pub sk_type: Option<KeyType>,
    pub billing: Option<Billing>,
    /// 0 DynamoDB-owned, 1 AWS-managed, 2 customer-managed.
    pub sse: u8,
    pub kms_key: Field,
    pub gsis: Vec<GsiSpec>,
    /// Create the new table without the source's GSIs.
    pub drop_gsis: bool,
    pub capacity: Field,
    pub name_free: Option<(String, Result<bool, AwsFailure>)>,
    pub check_passed: bool,
    pub saved: Option<String>,
    /// The focused text field takes the keys (it starts so on entering the screen; Esc ends).
    pub typing: bool,
    /// First line of the parameters pane shown.
    pub scroll: u16,
    /// The parameters pane shows the AWS CLI command instead of the JSON.
    pub show_command: bool,
}

fn next_type(t: Option<KeyType>) -> KeyType {
    match t {
        Some(KeyType::S) => KeyType::N,
        Some(KeyType::N) => KeyType::B,
        _ => KeyType::S,
    }
}

impl State {
    pub fn editing(&self) -> bool {
        self.typing && self.on_text()
    }

    fn on_text(&self) -> bool {
        matches!(
            self.focus,
            Focus::Name | Focus::PkName | Focus::SkName | Focus::KmsKey | Focus::Capacity
        )
    }

    fn field_name(&self) -> &'static str {
        match self.focus {
            Focus::Name => "Name",
            Focus::PkName => "Partition key",
            Focus::SkName => "Sort key",
            Focus::KmsKey => "KMS key",
            _ => "capacity",
        }
    }

    /// The fields in Tab order; capacity and the KMS key only when they apply.
    fn order(&self) -> Vec<Focus> {
        let mut order = vec![
            Focus::Name,
            Focus::PkName,
            Focus::PkType,
            Focus::SkName,
            Focus::SkType,
            Focus::Billing,
        ];
        if matches!(self.billing, Some(Billing::Provisioned { .. })) {
            order.push(Focus::Capacity);
        }
        order.push(Focus::Encryption);
        if self.sse == 2 {
            order.push(Focus::KmsKey);
        }
        if !self.gsis.is_empty() {
            order.push(Focus::Gsis);
        }
        order
    }

    /// Provisioned capacity typed as `read/write`.
    fn typed_capacity(&self) -> Option<(i64, i64)> {
        let (r, w) = self.capacity.value().trim().split_once('/')?;
        let (r, w) = (r.trim().parse::<i64>().ok()?, w.trim().parse::<i64>().ok()?);
        (r > 0 && w > 0).then_some((r, w))
    }

    pub fn prefill_from_source(&mut self, t: &SourceTable) {
        self.name = Field::with(&t.name);
        self.pk = Field::with(&t.partition_key.name);
        self.pk_type = Some(t.partition_key.kind);
        self.sk = Field::with(t.sort_key.as_ref().map_or("", |k| k.name.as_str()));
        self.sk_type = t.sort_key.as_ref().map(|k| k.kind);
        self.billing = Some(t.billing);
        if let Billing::Provisioned { read, write } = t.billing {
            self.capacity = Field::with(&format!("{read}/{write}"));
        }
        self.sse = match t.sse {
            TableSse::DynamodbOwned => 0,
            _ => 1,
        };
        self.gsis = t.gsis.clone();
        self.check_passed = false;
    }

    pub fn fill_from_plan(&mut self, plan: &Plan) {
        self.name = Field::with(&plan.table.name);
        if let Some(k) = &plan.table.partition_key {
            self.pk = Field::with(&k.name);
            self.pk_type = Some(k.kind);
        }
        if let Some(k) = &plan.table.sort_key {
            self.sk = Field::with(&k.name);
            self.sk_type = Some(k.kind);
        }
        if let Some(g) = &plan.table.gsis {
            self.gsis = g.clone();
        }
        self.billing = plan.table.billing;
    }

    /// The plan's `table` section; the source's table name until one is typed.
    pub fn table_plan(&self, source_table: &str) -> NewTablePlan {
        let name = self.name.value().trim();
        let pk = self.pk.value().trim();
        let sk = self.sk.value().trim();
        NewTablePlan {
            name: if name.is_empty() {
                source_table.to_owned()
            } else {
                name.to_owned()
            },
            partition_key: (!pk.is_empty()).then(|| KeySpec {
                name: pk.to_owned(),
                kind: self.pk_type.unwrap_or(KeyType::S),
            }),
            sort_key: (!sk.is_empty()).then(|| KeySpec {
                name: sk.to_owned(),
                kind: self.sk_type.unwrap_or(KeyType::S),
            }),
            gsis: Some(if self.drop_gsis {
                Vec::new()
            } else {
                self.gsis.clone()
            }),
            billing: match (self.billing, self.typed_capacity()) {
                (Some(Billing::Provisioned { .. }), Some((read, write))) => {
                    Some(Billing::Provisioned { read, write })
                }
                (b, _) => b,
            },
            encryption: Some(match self.sse {
                0 => TableSse::DynamodbOwned,
                1 => TableSse::AwsManaged,
                _ => TableSse::CustomerManaged {
                    kms_key: self.kms_key.value().trim().to_owned(),
                },
            }),
        }
    }

    fn spec(&self, source_table: &str) -> TableSpec {
        let p = self.table_plan(source_table);
        TableSpec {
            name: p.name,
            partition_key: p.partition_key.unwrap_or(KeySpec {
                name: String::new(),
                kind: KeyType::S,
            }),
            sort_key: p.sort_key,
            gsis: p.gsis.unwrap_or_default(),
            billing: p.billing.unwrap_or(Billing::PayPerRequest),
            sse: p.encryption.unwrap_or(TableSse::DynamodbOwned),
        }
    }

    fn problem(&self) -> Option<String> {
        if let Err(e) = names::table_name("table name", self.name.value().trim()) {
            return Some(e.rule);
        }
        if self.pk.value().trim().is_empty() {
            return Some("the partition key needs a name".into());
        }
        if matches!(self.billing, Some(Billing::Provisioned { .. }))
            && self.typed_capacity().is_none()
        {
            return Some("type the provisioned capacity as read/write units, e.g. 5/5".into());
        }
        match &self.name_free {
            Some((n, Ok(false))) if n == self.name.value().trim() => {
                Some(format!("a table named {n} already exists in the destination: an import always creates a new table"))
            }
            _ => None,
        }
    }
}

/// Entering the screen: check the name at once.
pub fn on_enter(app: &mut App) -> Vec<Cmd> {
    app.keys.check_passed = false;
    app.keys.focus = Focus::Name;
    app.keys.typing = true;
    vec![Cmd::CheckName(app.keys.name.value().trim().to_owned())]
}

pub fn on_name_checked(app: &mut App, name: String, result: Result<bool, AwsFailure>) -> Vec<Cmd> {
    if name == app.keys.name.value().trim() {
        app.keys.name_free = Some((name, result));
    }
    Vec::new()
}

/// The import already started (the screen was reached again with Esc): the new table's
/// settings are fixed.
fn import_started(app: &App) -> bool {
    app.journal.as_ref().is_some_and(|j| j.import.is_some())
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if app.engine_busy {
        return Some(Vec::new());
    }
    if import_started(app) {
        app.keys.typing = false;
        return match key.code {
            KeyCode::Enter => {
                app.go(Screen::ImportProgress);
                Some(Vec::new())
            }
            _ => None,
        };
    }
    if key.code != KeyCode::Enter {
        // Editing after a refused check: the old explanation gives way to the new attempt.
        app.failure = None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('f') {
        return Some(super::full_check::start_or_stop(app));
    }
    if key.code == KeyCode::Esc && super::full_check::dismiss(app) {
        return Some(Vec::new());
    }
    // Any other key closes a finished check's summary: the keys it checked may change now.
    super::full_check::close_summary(app);
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('s') {
        return Some(save_parameters(app));
    }
    let st = &mut app.keys;
    if matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
        let order = st.order();
        let n = order.len();
        let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
        st.focus = order[if key.code == KeyCode::Tab {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
        // Landing on a text field starts editing it.
        st.typing = st.on_text();
        return Some(Vec::new());
    }
    if st.editing() {
        return Some(match key.code {
            // Enter finishes the field and checks the keys (or starts the import).
            KeyCode::Enter => {
                st.typing = false;
                check_or_import(app)
            }
            KeyCode::Esc => {
                st.typing = false;
                Vec::new()
            }
            _ => {
                let changed = match st.focus {
                    Focus::Name => st.name.on_key(key),
                    Focus::PkName => st.pk.on_key(key),
                    Focus::SkName => st.sk.on_key(key),
                    Focus::KmsKey => st.kms_key.on_key(key),
                    _ => st.capacity.on_key(key),
                };
                if changed {
                    st.check_passed = false;
                    if st.focus == Focus::Name
                        && names::table_name("t", st.name.value().trim()).is_ok()
                    {
                        return Some(vec![Cmd::CheckName(st.name.value().trim().to_owned())]);
                    }
                }
                Vec::new()
            }
        });
    }
    match key.code {
        KeyCode::Enter => Some(check_or_import(app)),
        KeyCode::Esc => None,
        KeyCode::Char('e') if st.on_text() => {
            st.typing = true;
            Some(Vec::new())
        }
        KeyCode::Down | KeyCode::Char('j') => {
            let order = st.order();
            let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
            st.focus = order[(i + 1).min(order.len() - 1)];
            Some(Vec::new())
        }
        KeyCode::Up | KeyCode::Char('k') => {
            let order = st.order();
            let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
            st.focus = order[i.saturating_sub(1)];
            Some(Vec::new())
        }
        _ if scroll_key(&mut st.scroll, &key) => Some(Vec::new()),
        KeyCode::Char('v') => {
            st.show_command = !st.show_command;
            st.scroll = 0;
            Some(Vec::new())
        }
        KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
            if matches!(
                st.focus,
                Focus::PkType | Focus::SkType | Focus::Billing | Focus::Encryption | Focus::Gsis
            ) =>
        {
            match st.focus {
                Focus::PkType => st.pk_type = Some(next_type(st.pk_type)),
                Focus::SkType => st.sk_type = Some(next_type(st.sk_type)),
                Focus::Billing => {
                    st.billing = Some(match st.billing {
                        Some(Billing::Provisioned { .. }) => Billing::PayPerRequest,
                        _ => Billing::Provisioned { read: 5, write: 5 },
                    });
                    if st.capacity.value().is_empty() {
                        st.capacity = Field::with("5/5");
                    }
                }
                Focus::Gsis => st.drop_gsis = !st.drop_gsis,
                _ => st.sse = (st.sse + 1) % 3,
            }
            st.check_passed = false;
            Some(Vec::new())
        }
        _ => None,
    }
}

/// The keys of the Keys screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.keys;
    let enter = if st.check_passed {
        "start the import"
    } else {
        "check the keys"
    };
    if app.engine_busy {
        return Bar::commands(vec![hint("q", "quit (the check stops)")]);
    }
    if import_started(app) {
        return Bar::commands(vec![
            hint("Enter", "back to the progress"),
            hint("Esc", "back"),
        ]);
    }
    if st.editing() {
        return Bar::editing(
            st.field_name(),
            vec![
                hint("Enter", enter),
                hint("Esc", "stop editing"),
                hint("Tab", "next field"),
            ],
        );
    }
    let mut hints = vec![hint("Enter", enter)];
    if st.on_text() {
        hints.push(hint("e", "edit this field"));
    } else {
        hints.push(hint("Space", "switch"));
    }
    hints.extend([
        hint("Ctrl-P", "save as a plan"),
        hint("↑↓/Tab", "move"),
        hint("PgUp/PgDn", "scroll"),
        hint(
            "v",
            if st.show_command {
                "JSON"
            } else {
                "CLI command"
            },
        ),
        hint("Ctrl-S", "save the JSON"),
        hint("Ctrl-F", "check every item"),
        hint("Esc", "back"),
    ]);
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "The new table: its name must not exist yet in the destination. Its keys are the attributes every item is found by: the partition key, and optionally a sort key. Key names are case-sensitive and must match the items in the export exactly.",
    "Types: S is text, N a number, B binary. Billing: on-demand (pay per request) or provisioned (a fixed number of read and write units, RCU/WCU). Encryption: a key DynamoDB owns (free), an AWS-managed key, or a customer-managed key of yours in KMS.",
    "GSIs (global secondary indexes: extra ways to query the table) are created again by the import; Space on that line drops them.",
    "Enter checks a sample of the exported items against the keys before anything is created; Enter again starts the import. Ctrl-F reads every item instead (Esc stops it); `ddb-ferry check` does the same from a shell. Ctrl-S saves the parameters as JSON.",
    "Ctrl-P saves all your choices as a plan file, with a comment on every field: `ddb-ferry run FILE` repeats this migration without the wizard.",
];

fn check_or_import(app: &mut App) -> Vec<Cmd> {
    if let Some(p) = app.keys.problem() {
        app.failure = Some(AwsFailure::new(
            "bad-input",
            crate::aws::explain::FailureKind::BadInput,
            p,
            "AWS would refuse this table",
            "fix the field named above: Tab moves between the fields, e edits the one chosen",
        ));
        return Vec::new();
    }
    let Some(journal) = &app.journal else {
        return Vec::new();
    };
    let table = app.keys.table_plan(&journal.plan.source.table);
    if app.keys.check_passed {
        app.progress.reset_for(Step::Import);
        app.go(Screen::ImportProgress);
        app.continue_session(vec![Request::SetNewTable(table), Request::ConfirmImport])
    } else {
        // Changed after a passed check, the session runs the key check again.
        app.continue_session(vec![Request::SetNewTable(table)])
    }
}

fn save_parameters(app: &mut App) -> Vec<Cmd> {
    let source = app.table.chosen.clone().unwrap_or_default();
    let json = app.keys.spec(&source).creation_parameters_json();
    vec![Cmd::Session(Request::SaveCreationParameters(json))]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.keys;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    let block = pane("New table", !st.show_command || st.editing());
    let inner = block.inner(left);
    f.render_widget(block, left);
    let rows = Layout::vertical(
        [Constraint::Length(1); 10]
            .into_iter()
            .chain([Constraint::Min(1)]),
    )
    .split(inner);
    let look = |x: Focus| Look::of(st.focus == x, st.typing);
    let name = st.name.value().trim();
    let name_rule = names::table_name("t", name).err().map(|e| e.rule);
    let name_note = match (&name_rule, &st.name_free) {
        (Some(_), _) => Some("! not allowed".to_owned()),
        (None, Some((n, Ok(true)))) if n == name => Some("✓ free".to_owned()),
        (None, Some((n, Ok(false)))) if n == name => Some("! TAKEN".to_owned()),
        (None, Some((_, Err(e)))) => Some(format!("! {}", e.code)),
        _ => None,
    };
    st.name
        .render(f, rows[0], "Name", look(Focus::Name), name_note.as_deref());
    st.pk
        .render(f, rows[1], "Partition key", look(Focus::PkName), None);
    let mark = |x: Focus| if st.focus == x { "> " } else { "  " };
    let t = |k: Option<KeyType>| match k {
        Some(KeyType::S) => "S (text)",
        Some(KeyType::N) => "N (number)",
        Some(KeyType::B) => "B (binary)",
        None => "-",
    };
    f.render_widget(
        Paragraph::new(format!("{}  type {}", mark(Focus::PkType), t(st.pk_type))),
        rows[2],
    );
    st.sk
        .render(f, rows[3], "Sort key", look(Focus::SkName), None);
    f.render_widget(
        Paragraph::new(if st.sk.value().trim().is_empty() {
            format!("{}  (empty: no sort key)", mark(Focus::SkType))
        } else {
            format!("{}  type {}", mark(Focus::SkType), t(st.sk_type))
        }),
        rows[4],
    );
    if matches!(st.billing, Some(Billing::Provisioned { .. })) {
        let [b, c] =
            Layout::horizontal([Constraint::Length(21), Constraint::Min(10)]).areas(rows[5]);
        f.render_widget(
            Paragraph::new(format!("{}Billing: provisioned", mark(Focus::Billing))),
            b,
        );
        let bad = st.typed_capacity().is_none().then_some("!");
        st.capacity
            .render(f, c, "RCU/WCU", look(Focus::Capacity), bad);
    } else {
        f.render_widget(
            Paragraph::new(format!("{}Billing: on-demand", mark(Focus::Billing))),
            rows[5],
        );
    }
    let sse = [
        "DynamoDB-owned key",
        "AWS-managed key",
        "customer-managed key",
    ][st.sse as usize % 3];
    f.render_widget(
        Paragraph::new(format!("{}Encryption: {sse}", mark(Focus::Encryption))),
        rows[6],
    );
    if st.sse == 2 {
        st.kms_key
            .render(f, rows[7], "KMS key", look(Focus::KmsKey), None);
    }
    f.render_widget(
        Paragraph::new(format!(
            "{}GSIs (extra indexes): {}",
            mark(Focus::Gsis),
            if st.gsis.is_empty() {
                "none".to_owned()
            } else if st.drop_gsis {
                "none (dropped)".to_owned()
            } else {
                st.gsis
                    .iter()
                    .map(|g| g.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        rows[8],
    );
    let mut below = Vec::new();
    if let Some(rule) = name_rule.filter(|_| !name.is_empty()) {
        below.push(Line::from(format!("! Name: {rule}")));
    } else if st.typed_capacity().is_none()
        && matches!(st.billing, Some(Billing::Provisioned { .. }))
    {
        below.push(Line::from("! RCU/WCU: read/write units, like 5/5"));
    }
    if let Some(saved) = &st.saved {
        below.push(Line::from(saved.clone()));
    }
    f.render_widget(
        Paragraph::new(below).wrap(Wrap { trim: true }),
        rows[9].union(rows[10]),
    );

    if let Some(fail) = &app.failure {
        failure::render(f, right, fail);
        return;
    }
    if app.full_check.visible() {
        super::full_check::render(&app.full_check, f, right);
        return;
    }
    let title = if st.show_command {
        "Next, and the CLI command"
    } else {
        "Next, and the parameters"
    };
    render_scrolled(f, right, title, false, next_lines(app), st.scroll);
}

/// The right pane: what Enter does now in words, then the parameters (or the CLI command).
fn next_lines(app: &App) -> Vec<Line<'static>> {
    let st = &app.keys;
    let source = app.table.chosen.clone().unwrap_or_default();
    let spec = st.spec(&source);
    let mut lines: Vec<Line> = Vec::new();
    if import_started(app) {
        lines.push(Line::from(
            "The import has started: the new table's settings can no longer change. Enter: back to the import's progress. Another table needs a new migration (its export can be imported again).",
        ));
        return lines;
    }
    let sample = app
        .journal
        .as_ref()
        .map_or(1000, |j| j.plan.options.key_check_sample);
    if app.engine_busy {
        lines.push(Line::from(format!(
            "Checking up to {sample} exported items for the keys…"
        )));
    } else if st.check_passed {
        let items = app
            .journal
            .as_ref()
            .and_then(|j| j.data_folder.as_ref())
            .and_then(|d| d.manifest_item_count)
            .map_or("its".to_owned(), |n| format!("its {n}"));
        lines.push(Line::from(format!(
            "The keys match the export. Enter starts the import: DynamoDB creates the table {} in the destination account and loads {items} items into it. The new table is usable when the import ends; nothing else changes.",
            spec.name
        )));
        if let Some(j) = &app.journal {
            lines.push(Line::from("What it costs (estimates, not a bill):"));
            let estimate = crate::engine::costs::import_estimate_of(j, &app.prices);
            lines.extend(super::estimate_lines(&estimate).into_iter().map(Line::from));
        }
    } else {
        lines.push(Line::from(format!(
            "Enter checks up to {sample} exported items: each must have the key attributes with these names and types (names are case-sensitive). Nothing is created yet."
        )));
    }
    lines.push(Line::from(""));
    if st.show_command {
        if let Some(j) = &app.journal {
            if let Some(d) = &j.data_folder {
                lines.push(Line::from("The equivalent AWS CLI command:"));
                lines.push(Line::from(import_table(
                    &side_args(
                        j.plan.destination.profile.as_deref(),
                        j.dest_identity.as_ref().map(|i| i.region.as_str()),
                    ),
                    &d.bucket,
                    None,
                    &d.prefix,
                    j.plan.export.format,
                    &spec,
                    "<generated at start>",
                )));
            }
        }
        return lines;
    }
    lines.push(Line::from(
        "TableCreationParameters (PgUp/PgDn scroll; Ctrl-S saves them):",
    ));
    let json = serde_json::to_string_pretty(&spec.creation_parameters_json()).unwrap_or_default();
    lines.extend(json.lines().map(|l| Line::from(l.to_owned())));
    lines
}
