//! Keys & new table: the new table's name (checked free as you type, after a pause), its
//! keys prefilled from the source and checked against the export's items, billing and
//! encryption; the TableCreationParameters JSON (savable) and the `aws dynamodb import-table`
//! command.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
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
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::field::Field;

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
        matches!(
            self.focus,
            Focus::Name | Focus::PkName | Focus::SkName | Focus::KmsKey | Focus::Capacity
        )
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
    vec![Cmd::CheckName(app.keys.name.value().trim().to_owned())]
}

pub fn on_name_checked(app: &mut App, name: String, result: Result<bool, AwsFailure>) -> Vec<Cmd> {
    if name == app.keys.name.value().trim() {
        app.keys.name_free = Some((name, result));
    }
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if app.engine_busy {
        return Some(Vec::new());
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
    let st = &mut app.keys;
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('s') {
        return Some(save_parameters(app));
    }
    match key.code {
        KeyCode::Tab | KeyCode::BackTab => {
            let order = st.order();
            let n = order.len();
            let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
            st.focus = order[if key.code == KeyCode::Tab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }];
            Some(Vec::new())
        }
        KeyCode::Enter => Some(check_or_import(app)),
        KeyCode::Esc => None,
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
        _ => {
            let changed = match st.focus {
                Focus::Name => st.name.on_key(key),
                Focus::PkName => st.pk.on_key(key),
                Focus::SkName => st.sk.on_key(key),
                Focus::KmsKey => st.kms_key.on_key(key),
                Focus::Capacity => st.capacity.on_key(key),
                _ => return None,
            };
            if changed {
                st.check_passed = false;
                if st.focus == Focus::Name {
                    return Some(vec![Cmd::CheckName(st.name.value().trim().to_owned())]);
                }
            }
            Some(Vec::new())
        }
    }
}

/// Enter: first the key check against the export's items; once it passed, the import.
fn check_or_import(app: &mut App) -> Vec<Cmd> {
    if let Some(p) = app.keys.problem() {
        app.failure = Some(AwsFailure::new(
            "bad-input",
            crate::aws::explain::FailureKind::BadInput,
            p,
            "AWS would refuse this table",
            "fix the field (Tab moves between fields)",
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
    let block = Block::default().borders(Borders::ALL).title(" New table ");
    let inner = block.inner(left);
    f.render_widget(block, left);
    let rows = Layout::vertical(
        [Constraint::Length(1); 10]
            .into_iter()
            .chain([Constraint::Min(1)]),
    )
    .split(inner);
    let name_note = match &st.name_free {
        Some((n, Ok(true))) if n == st.name.value().trim() => Some("✓ free".to_owned()),
        Some((n, Ok(false))) if n == st.name.value().trim() => Some("! TAKEN".to_owned()),
        Some((_, Err(e))) => Some(format!("! {}", e.code)),
        _ => names::table_name("t", st.name.value().trim())
            .err()
            .map(|e| format!("! {}", e.rule)),
    };
    st.name.render(
        f,
        rows[0],
        "Name",
        st.focus == Focus::Name,
        name_note.as_deref(),
    );
    st.pk
        .render(f, rows[1], "Partition key", st.focus == Focus::PkName, None);
    let mark = |x: Focus| if st.focus == x { "> " } else { "  " };
    let t = |k: Option<KeyType>| k.map_or("-", |k| k.as_str());
    f.render_widget(
        Paragraph::new(format!(
            "{}  type {} (Space: S/N/B)",
            mark(Focus::PkType),
            t(st.pk_type)
        )),
        rows[2],
    );
    st.sk.render(
        f,
        rows[3],
        "Sort key (empty = none)",
        st.focus == Focus::SkName,
        None,
    );
    f.render_widget(
        Paragraph::new(format!("{}  type {}", mark(Focus::SkType), t(st.sk_type))),
        rows[4],
    );
    if matches!(st.billing, Some(Billing::Provisioned { .. })) {
        let [b, c] =
            Layout::horizontal([Constraint::Length(24), Constraint::Min(10)]).areas(rows[5]);
        f.render_widget(
            Paragraph::new(format!("{}Billing: provisioned", mark(Focus::Billing))),
            b,
        );
        let bad = st
            .typed_capacity()
            .is_none()
            .then_some("! read/write, e.g. 5/5");
        st.capacity
            .render(f, c, "RCU/WCU", st.focus == Focus::Capacity, bad);
    } else {
        f.render_widget(
            Paragraph::new(format!(
                "{}Billing: on-demand (Space: provisioned)",
                mark(Focus::Billing)
            )),
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
            .render(f, rows[7], "KMS key", st.focus == Focus::KmsKey, None);
    }
    f.render_widget(
        Paragraph::new(format!(
            "{}GSIs: {}",
            mark(Focus::Gsis),
            if st.gsis.is_empty() {
                "none".to_owned()
            } else if st.drop_gsis {
                "none (source's dropped; Space keeps them)".to_owned()
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
    let action = if app.engine_busy {
        "Checking the export's items…".to_owned()
    } else if st.check_passed {
        "Keys match the export. Enter: start the import".to_owned()
    } else {
        "Enter: check the keys against the export".to_owned()
    };
    let mut below = vec![Line::from(action)];
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
    let source = app.table.chosen.clone().unwrap_or_default();
    let spec = st.spec(&source);
    let json = spec.creation_parameters_json().to_string();
    let mut lines: Vec<Line> = Vec::new();
    if let Some(j) = &app.journal {
        if let Some(d) = &j.data_folder {
            lines.push(Line::from("Equivalent command:"));
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
            lines.push(Line::from(""));
        }
    }
    lines.push(Line::from(
        "TableCreationParameters (Ctrl-S saves it, formatted, to a file):",
    ));
    lines.push(Line::from(json));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" Parameters ")),
        right,
    );
}
