//! Bucket & owner: a destination bucket (existing, or a new name checked as you type), the
//! bucket owner (the destination account), a prefix, and the bucket-policy change shown as a
//! diff against the current policy — applied only when confirmed.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::engine::session::OpenFrom;
use crate::engine::steps::bucket::PolicyPreview;
use crate::logic::names;
use crate::logic::policy::{DiffLine, ExportGrant};
use crate::tui::app::{App, Screen};
use crate::tui::msg::Side;
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::field::Field;
use crate::tui::widgets::picker::{Picker, PickerKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    List,
    Name,
    Owner,
    Prefix,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub picker: Picker,
    pub name: Field,
    pub owner: Field,
    pub prefix: Field,
    pub preview: Option<Result<PolicyPreview, AwsFailure>>,
    pub loading: bool,
    /// First line of the policy panel shown (J/K scroll it).
    pub scroll: u16,
}

impl State {
    pub fn editing(&self) -> bool {
        self.focus != Focus::List || self.picker.filtering
    }

    pub fn bucket(&self) -> &str {
        self.name.value().trim()
    }

    /// The rule a typed value breaks, if any.
    pub fn problem(&self) -> Option<String> {
        if self.bucket().is_empty() {
            return Some("choose a bucket or type a new name".into());
        }
        if let Err(e) = names::bucket_name("bucket", self.bucket()) {
            return Some(e.rule);
        }
        if let Err(e) = names::account_id("owner", self.owner.value().trim()) {
            return Some(e.rule);
        }
        names::s3_prefix("prefix", self.prefix.value().trim())
            .err()
            .map(|e| e.rule)
    }
}

/// Enters the screen from PITR: lists the destination's buckets, prefills the owner.
pub fn enter(app: &mut App) -> Vec<Cmd> {
    app.go(Screen::Bucket);
    if app.bucket.owner.value().is_empty() {
        if let Some(id) = app.accounts.identity(Side::Dest) {
            app.bucket.owner = Field::with(&id.account);
        }
    }
    if app.bucket.prefix.value().is_empty() {
        app.bucket.prefix = Field::with("ddb-ferry");
    }
    app.bucket.loading = true;
    vec![Cmd::ListBuckets]
}

pub fn on_buckets(app: &mut App, result: Result<Vec<String>, AwsFailure>) -> Vec<Cmd> {
    app.bucket.loading = false;
    match result {
        Ok(names) => app.bucket.picker.set_items(names),
        Err(f) => app.bucket.preview = Some(Err(f)),
    }
    Vec::new()
}

pub fn on_policy(app: &mut App, result: Result<PolicyPreview, AwsFailure>) -> Vec<Cmd> {
    app.bucket.preview = Some(result);
    app.bucket.scroll = 0;
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let st = &mut app.bucket;
    if matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
        let order = [Focus::List, Focus::Name, Focus::Owner, Focus::Prefix];
        let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
        st.focus = order[if key.code == KeyCode::Tab {
            (i + 1) % 4
        } else {
            (i + 3) % 4
        }];
        return Some(Vec::new());
    }
    if st.focus == Focus::List {
        match key.code {
            KeyCode::Char('a') if !st.picker.filtering => return Some(apply(app)),
            KeyCode::Char('p') if !st.picker.filtering => return Some(preview(app)),
            KeyCode::Char('J') if !st.picker.filtering => {
                st.scroll = st.scroll.saturating_add(3);
                return Some(Vec::new());
            }
            KeyCode::Char('K') if !st.picker.filtering => {
                st.scroll = st.scroll.saturating_sub(3);
                return Some(Vec::new());
            }
            _ => {}
        }
        return match st.picker.on_key(key) {
            PickerKey::Chosen(name) => {
                st.name = Field::with(&name);
                st.preview = None;
                Some(preview(app))
            }
            PickerKey::Moved => Some(Vec::new()),
            PickerKey::Ignored => None,
        };
    }
    match key.code {
        KeyCode::Enter => Some(preview(app)),
        KeyCode::Esc => {
            st.focus = Focus::List;
            Some(Vec::new())
        }
        _ => {
            let field = match st.focus {
                Focus::Name => &mut st.name,
                Focus::Owner => &mut st.owner,
                _ => &mut st.prefix,
            };
            if field.on_key(key) {
                st.preview = None;
            }
            Some(Vec::new())
        }
    }
}

/// Builds the grant for the current choices and asks for the diff against the bucket.
fn preview(app: &mut App) -> Vec<Cmd> {
    if let Some(p) = app.bucket.problem() {
        app.bucket.preview = Some(Err(AwsFailure::new(
            "bad-input",
            crate::aws::explain::FailureKind::BadInput,
            p,
            "AWS would refuse this value",
            "fix the field (Tab moves between fields)",
        )));
        return Vec::new();
    }
    let Some(plan) = app.plan_draft() else {
        return Vec::new();
    };
    let export_prefix = crate::engine::export_prefix(&plan, &crate::engine::migration_id(&plan, 1));
    let plain_http = app
        .endpoint_url
        .as_deref()
        .or(app.accounts.custom_endpoint.as_deref())
        .is_some_and(|e| e.starts_with("http://"));
    let grant = ExportGrant {
        bucket: app.bucket.bucket().to_owned(),
        prefix: format!("{export_prefix}/"),
        source_account: app
            .accounts
            .identity(Side::Source)
            .map(|i| i.account.clone())
            .unwrap_or_default(),
        deny_insecure_transport: !plain_http,
    };
    let region = app
        .accounts
        .identity(Side::Dest)
        .map(|i| i.region.clone())
        .unwrap_or_default();
    app.bucket.preview = None;
    vec![Cmd::PreviewPolicy {
        bucket: grant.bucket.clone(),
        region,
        grant,
    }]
}

/// Confirmed: the journal is created and the engine runs preflight, PITR and the bucket step
/// (create the bucket if needed, merge the policy).
fn apply(app: &mut App) -> Vec<Cmd> {
    if !matches!(app.bucket.preview, Some(Ok(_))) {
        return preview(app);
    }
    let Some(plan) = app.plan_draft() else {
        return Vec::new();
    };
    let pitr_enabled_by_us = app.pitr.enabled_by_us;
    app.open_session(OpenFrom::Plan {
        plan: Box::new(plan),
        pitr_enabled_by_us,
    })
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.bucket;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
    let [list, fields] = Layout::vertical([Constraint::Min(3), Constraint::Length(5)]).areas(left);
    let title = if st.loading {
        "Destination buckets (loading…)"
    } else {
        "Destination buckets"
    };
    st.picker.render(f, list, title, st.focus == Focus::List);
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .split(fields);
    let name_problem = names::bucket_name("bucket", st.bucket())
        .err()
        .map(|e| e.rule)
        .filter(|_| !st.bucket().is_empty());
    st.name.render(
        f,
        rows[0],
        "Bucket",
        st.focus == Focus::Name,
        name_problem.as_ref().map(|_| "!"),
    );
    st.owner
        .render(f, rows[1], "Owner", st.focus == Focus::Owner, None);
    st.prefix
        .render(f, rows[2], "Prefix", st.focus == Focus::Prefix, None);
    let hint = match &name_problem {
        Some(rule) => format!("! {rule}"),
        None => "p: preview policy  a: apply  J/K: scroll".to_owned(),
    };
    f.render_widget(Paragraph::new(hint).wrap(Wrap { trim: true }), rows[3]);

    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Bucket policy change ");
    if let Some(fail) = app.failure.as_ref().filter(|_| !app.engine_busy) {
        failure::render(f, right, fail);
        return;
    }
    let lines: Vec<Line> = match &st.preview {
        None if app.engine_busy => vec![Line::from(
            "Applying: checking both accounts, the bucket and its policy…",
        )],
        None => vec![
            Line::from("The source account needs permission to write the export into this bucket."),
            Line::from(
                "ddb-ferry adds least-privilege statements (only through DynamoDB, only under",
            ),
            Line::from("the migration's prefix) and never changes or drops existing ones."),
            Line::from(""),
            Line::from("Choose a bucket (Enter) or type a new name, then p to preview."),
        ],
        Some(Err(e)) => failure::lines(e),
        Some(Ok(p)) => {
            let mut lines = vec![Line::from(if p.changed || !p.bucket_exists {
                "a: apply this change and continue (J/K scroll)"
            } else {
                "a: continue"
            })];
            lines.extend(
                p.security.iter().map(|w| {
                    Line::from(Span::styled(format!("! {w}"), crate::tui::theme::problem()))
                }),
            );
            lines.push(Line::from(if !p.bucket_exists {
                "The bucket does not exist: it will be created. Statements to add (+):"
            } else if p.changed {
                "Statements after the change, one a line (+ added; the others stay unchanged):"
            } else {
                "The policy already allows the export: nothing to change."
            }));
            for d in &p.diff {
                lines.push(match d {
                    DiffLine::Added(t) => {
                        Line::from(Span::styled(format!("+ {t}"), crate::tui::theme::added()))
                    }
                    DiffLine::Same(t) => Line::from(format!("  {t}")),
                });
            }
            lines
        }
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((st.scroll, 0))
            .block(block),
        right,
    );
}
