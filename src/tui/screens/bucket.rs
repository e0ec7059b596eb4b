//! Bucket & owner: a destination bucket (existing, or a new name checked as you type), the
//! bucket owner (the destination account), a prefix, and the bucket-policy change shown as a
//! diff against the current policy — applied only when confirmed.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::engine::session::OpenFrom;
use crate::engine::steps::bucket::PolicyPreview;
use crate::logic::names;
use crate::logic::policy::{describe_change, pretty_lines, ExportGrant};
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::Side;
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::field::{Field, Look};
use crate::tui::widgets::pane::{render_scrolled, scroll_key};
use crate::tui::widgets::picker::{Picker, PickerKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    List,
    Name,
    Owner,
    Prefix,
    /// The policy pane: Enter applies what it shows, the arrows scroll it.
    Panel,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub picker: Picker,
    pub name: Field,
    pub owner: Field,
    pub prefix: Field,
    pub preview: Option<Result<PolicyPreview, AwsFailure>>,
    /// The grant the preview was asked for (its words are derived from it).
    pub grant: Option<ExportGrant>,
    /// The policy pane shows the JSON instead of the words.
    pub json: bool,
    pub loading: bool,
    /// First line of the policy panel shown.
    pub scroll: u16,
}

impl State {
    pub fn editing(&self) -> bool {
        matches!(self.focus, Focus::Name | Focus::Owner | Focus::Prefix) || self.picker.filtering
    }

    fn field_name(&self) -> &'static str {
        match self.focus {
            Focus::Owner => "Owner",
            Focus::Prefix => "Prefix",
            _ => "Bucket",
        }
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
    let was_applied = applied(app).is_some();
    let st = &mut app.bucket;
    if matches!(key.code, KeyCode::Tab | KeyCode::BackTab) && !st.picker.filtering {
        let order = [
            Focus::List,
            Focus::Name,
            Focus::Owner,
            Focus::Prefix,
            Focus::Panel,
        ];
        let n = order.len();
        let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
        st.focus = order[if key.code == KeyCode::Tab {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
        return Some(Vec::new());
    }
    if st.editing() && !st.picker.filtering {
        return Some(match key.code {
            // Enter finishes the field and shows what applying would do.
            KeyCode::Enter => {
                // A value AWS would refuse keeps the field, with the rule beside it.
                if st.problem().is_none() {
                    st.focus = Focus::Panel;
                }
                preview(app)
            }
            // Esc leaves the field for the list, where letters are commands again.
            KeyCode::Esc => {
                st.focus = Focus::List;
                Vec::new()
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
                Vec::new()
            }
        });
    }
    if !st.picker.filtering {
        match key.code {
            KeyCode::Char('a') => return Some(forward(app)),
            KeyCode::Char('p') => {
                st.focus = Focus::Panel;
                return Some(preview(app));
            }
            KeyCode::Char('v') => {
                st.json = !st.json;
                st.scroll = 0;
                return Some(Vec::new());
            }
            _ if scroll_key(&mut st.scroll, &key) => return Some(Vec::new()),
            _ => {}
        }
    }
    if st.focus == Focus::Panel {
        return match key.code {
            KeyCode::Enter => Some(forward(app)),
            KeyCode::Down | KeyCode::Char('j') => {
                st.scroll = st.scroll.saturating_add(1);
                Some(Vec::new())
            }
            KeyCode::Up | KeyCode::Char('k') => {
                st.scroll = st.scroll.saturating_sub(1);
                Some(Vec::new())
            }
            _ => None,
        };
    }
    // An empty list: Enter previews the typed name, as in the field.
    if key.code == KeyCode::Enter
        && !st.picker.filtering
        && st.picker.current().is_none()
        && !st.bucket().is_empty()
        && !matches!(st.preview, Some(Ok(_)))
    {
        st.focus = Focus::Panel;
        return Some(preview(app));
    }
    // The list: Enter on the bucket already previewed goes forward; on another, previews it.
    if key.code == KeyCode::Enter
        && !st.picker.filtering
        && st.picker.current().map(String::as_str) == Some(st.bucket())
        && (matches!(st.preview, Some(Ok(_))) || was_applied)
    {
        return Some(forward(app));
    }
    match st.picker.on_key(key) {
        PickerKey::Chosen(name) => {
            st.name = Field::with(&name);
            st.preview = None;
            st.focus = Focus::Panel;
            Some(preview(app))
        }
        PickerKey::Moved => Some(Vec::new()),
        PickerKey::Ignored => None,
    }
}

/// What Enter does once a preview (or an applied bucket) is shown: apply it, or — when it
/// is already applied for these same choices — go on to the export settings.
fn forward(app: &mut App) -> Vec<Cmd> {
    if applied(app).is_some() && app.bucket.preview.is_none() {
        if let Some(step) = app.journal.as_ref().map(|j| j.step) {
            let screen = match app.pending {
                Some(crate::engine::session::Decision::ExportSettings) => Screen::Export,
                _ => Screen::for_step(crate::engine::plan::Via::S3, step),
            };
            app.go(screen);
        }
        return Vec::new();
    }
    apply(app)
}

/// The journal's record of the bucket step, when it ran for the bucket on screen.
pub fn applied(app: &App) -> Option<&crate::engine::journal::BucketRecord> {
    let j = app.journal.as_ref()?;
    (j.bucket.policy_done && j.plan.destination.bucket == app.bucket.bucket()).then_some(&j.bucket)
}

/// The keys of the Bucket screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.bucket;
    if st.picker.filtering {
        return Bar::filtering();
    }
    if st.editing() {
        return Bar::editing(
            st.field_name(),
            vec![
                hint("Enter", "preview the change"),
                hint("Esc", "back to the list"),
                hint("Tab", "next field"),
            ],
        );
    }
    let ready = matches!(st.preview, Some(Ok(_)));
    // An empty list (a new account) has nothing to choose: typing a name is the way on.
    if st.focus == Focus::List && st.picker.current().is_none() && !ready {
        return Bar::commands(if st.bucket().is_empty() {
            vec![hint("Tab", "type a new bucket name"), hint("Esc", "back")]
        } else {
            vec![
                hint("Enter", "preview the change"),
                hint("p", "preview"),
                hint("Tab", "edit the name"),
                hint("Esc", "back"),
            ]
        });
    }
    let enter = if st.focus == Focus::List
        && st.picker.current().map(String::as_str) != Some(st.bucket())
    {
        "preview this bucket"
    } else if applied(app).is_some() && st.preview.is_none() {
        "continue to the export"
    } else if ready && app.fleet.active {
        "continue (changed when the fleet starts)"
    } else if ready {
        "apply and continue"
    } else {
        "preview the change"
    };
    let mut hints = vec![hint("Enter", enter)];
    if ready && !app.fleet.active {
        hints.push(hint("a", "apply"));
    }
    hints.push(hint("p", "preview"));
    hints.push(hint("v", if st.json { "words" } else { "JSON" }));
    hints.push(hint("PgUp/PgDn", "scroll"));
    hints.push(hint("Tab", "type a name"));
    hints.push(hint("Esc", "back"));
    Bar::commands(hints)
}

pub const HELP: &[&str] = &[
    "The export is written into an S3 bucket (a storage container for files) of the destination account, under a prefix (a folder path inside the bucket). Choose a bucket from the list (Enter), or Tab to the Bucket field and type a new name: it is created for you.",
    "Because the export is written by the source account, the bucket's policy (its access rules) must let that account write there. The right pane says in words what would be added; v shows the exact JSON. Existing statements are never changed or removed.",
    "Enter (or a) applies the change and continues; nothing is changed before that. Owner is the account that owns the bucket (normally the destination account).",
];

/// Builds the grant for the current choices and asks for the diff against the bucket.
fn preview(app: &mut App) -> Vec<Cmd> {
    if let Some(p) = app.bucket.problem() {
        app.bucket.preview = Some(Err(AwsFailure::new(
            "bad-input",
            crate::aws::explain::FailureKind::BadInput,
            p,
            "AWS would refuse this value",
            "fix the field: Tab moves between the fields, and typing there changes them",
        )));
        return Vec::new();
    }
    let Some(export_prefix) = grant_folder(app) else {
        return Vec::new();
    };
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
    app.bucket.grant = Some(grant.clone());
    vec![Cmd::PreviewPolicy {
        bucket: grant.bucket.clone(),
        region,
        grant,
    }]
}

/// The folder the policy grants: this migration's, or on the fleet road the fleet's one
/// folder for every table (the fleet id as the first attempt of these choices makes it).
fn grant_folder(app: &App) -> Option<String> {
    if app.fleet.active {
        let plan = super::fleet::plan_draft(app)?;
        let id = crate::engine::fleet::members::fleet_id(&plan, 1);
        return Some(crate::engine::fleet::members::fleet_folder(&plan, &id));
    }
    let plan = app.plan_draft()?;
    Some(crate::engine::export_prefix(
        &plan,
        &crate::engine::migration_id(&plan, 1),
    ))
}

/// Confirmed: the journal is created and the engine runs preflight, PITR and the bucket step
/// (create the bucket if needed, merge the policy). On the fleet road nothing runs yet: every
/// table's own bucket step makes this change once the fleet starts.
fn apply(app: &mut App) -> Vec<Cmd> {
    if !matches!(app.bucket.preview, Some(Ok(_))) {
        return preview(app);
    }
    if app.fleet.active {
        app.go(Screen::Export);
        return Vec::new();
    }
    let Some(plan) = app.plan_draft() else {
        return Vec::new();
    };
    let pitr_enabled_by_us = app.pitr.enabled_by_us;
    // From now on the pane shows the journal's record of what was done, not the preview.
    app.bucket.preview = None;
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
        Look::of(st.focus == Focus::Name, true),
        name_problem.as_ref().map(|_| "!"),
    );
    st.owner.render(
        f,
        rows[1],
        "Owner (account)",
        Look::of(st.focus == Focus::Owner, true),
        None,
    );
    st.prefix.render(
        f,
        rows[2],
        "Prefix (folder)",
        Look::of(st.focus == Focus::Prefix, true),
        None,
    );
    if let Some(rule) = &name_problem {
        f.render_widget(
            Paragraph::new(format!("! {rule}")).wrap(Wrap { trim: true }),
            rows[3],
        );
    }

    if let Some(fail) = app.failure.as_ref().filter(|_| !app.engine_busy) {
        failure::render(f, right, fail);
        return;
    }
    let title = if st.json {
        "Bucket policy (JSON)"
    } else {
        "What will change"
    };
    render_scrolled(
        f,
        right,
        title,
        st.focus == Focus::Panel,
        panel_lines(app),
        st.scroll,
    );
}

/// The policy pane: what applying would do (or did), in words, or the JSON with `v`.
fn panel_lines(app: &App) -> Vec<Line<'static>> {
    let st = &app.bucket;
    match &st.preview {
        None if app.engine_busy => vec![Line::from(
            "Applying: checking both accounts, the bucket and its policy…",
        )],
        None => match applied(app) {
            Some(record) => {
                let mut lines = vec![Line::from(format!(
                    "Done. The bucket {} {}, and its policy lets the source account write the export.",
                    app.bucket.bucket(),
                    if record.created_by_us {
                        "was created by this migration"
                    } else {
                        "already existed"
                    }
                ))];
                if !record.statements_added.is_empty() {
                    lines.push(Line::from(format!(
                        "Statements added: {}.",
                        record.statements_added.join(", ")
                    )));
                }
                lines.push(Line::from(""));
                lines.push(Line::from("Enter: continue to the export."));
                lines
            }
            None => vec![
                Line::from("The source account needs permission to write the export into this bucket."),
                Line::from(""),
                Line::from("ddb-ferry adds the smallest rights that work (only through DynamoDB's export, only under this migration's folder) and never changes or removes what is there."),
                Line::from(""),
                Line::from("Choose a bucket (Enter), or Tab to the Bucket field and type a new name: Enter then shows the change, and nothing changes before you apply it."),
            ],
        },
        Some(Err(e)) => failure::lines(e),
        Some(Ok(p)) => {
            let mut lines: Vec<Line> = p
                .security
                .iter()
                .map(|w| Line::from(Span::styled(format!("! {w}"), crate::tui::theme::problem())))
                .collect();
            if st.json {
                lines.push(Line::from(
                    "The policy's statements after the change (+ added; the others stay as they are):",
                ));
                lines.extend(pretty_lines(&p.diff).into_iter().map(|(added, text)| {
                    if added {
                        Line::from(Span::styled(text, crate::tui::theme::added()))
                    } else {
                        Line::from(text)
                    }
                }));
            } else if let Some(grant) = &st.grant {
                lines.extend(
                    describe_change(grant, &p.diff, p.bucket_exists)
                        .into_iter()
                        .map(Line::from),
                );
            }
            lines.push(Line::from(""));
            lines.push(Line::from(if app.fleet.active && (p.changed || !p.bucket_exists) {
                "Enter: continue to the export settings. Nothing changes yet: the fleet makes this change once, for every table, when you start it.  v: the exact JSON."
            } else if p.changed || !p.bucket_exists {
                "Enter: apply this change and continue.  v: the exact JSON."
            } else {
                "Enter: continue (nothing to change).  v: the JSON."
            }));
            lines
        }
    }
}
