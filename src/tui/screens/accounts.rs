//! Accounts: the source and destination profiles (from the AWS config files), a region for
//! each, and who STS says each one is.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::KeyResult;
use crate::aws::explain::AwsFailure;
use crate::aws::session::SideSpec;
use crate::aws::sts::Identity;
use crate::engine::plan::Plan;
use crate::tui::app::{App, Screen};
use crate::tui::key_bar::{hint, Bar};
use crate::tui::msg::Side;
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::field::{Field, Look};
use crate::tui::widgets::picker::{Picker, PickerKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    SourceProfile,
    SourceRegion,
    DestProfile,
    DestRegion,
}

#[derive(Debug, Clone, Default)]
pub struct SideState {
    pub picker: Picker,
    pub profile: Option<String>,
    pub region: Field,
    pub identity: Option<Result<Identity, AwsFailure>>,
    pub connecting: bool,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub source: SideState,
    pub dest: SideState,
    pub profiles_error: Option<AwsFailure>,
    /// The destination's non-AWS endpoint (an emulator), if any.
    pub custom_endpoint: Option<String>,
}

impl State {
    pub fn editing(&self) -> bool {
        matches!(self.focus, Focus::SourceRegion | Focus::DestRegion)
            || self.source.picker.filtering
            || self.dest.picker.filtering
    }

    /// The destination list starts on another profile than the source's (the next one), so
    /// Enter, Enter never picks one account twice by accident.
    fn dest_away_from_source(&mut self) {
        if self.dest.profile.is_some() {
            return;
        }
        let source = self
            .source
            .profile
            .clone()
            .or_else(|| self.source.picker.current().cloned());
        let items = &self.dest.picker.items;
        let Some(i) = items.iter().position(|p| Some(p) == source.as_ref()) else {
            return;
        };
        if items.len() > 1 && self.dest.picker.current() == source.as_ref() {
            let next = items[(i + 1) % items.len()].clone();
            self.dest.picker.select(&next);
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut SideState {
        match side {
            Side::Source => &mut self.source,
            Side::Dest => &mut self.dest,
        }
    }

    pub fn identity(&self, side: Side) -> Option<&Identity> {
        let s = match side {
            Side::Source => &self.source,
            Side::Dest => &self.dest,
        };
        s.identity.as_ref().and_then(|r| r.as_ref().ok())
    }

    /// Both sides answered STS.
    pub fn connected(&self) -> bool {
        self.identity(Side::Source).is_some() && self.identity(Side::Dest).is_some()
    }

    pub fn fill_from_plan(&mut self, plan: &Plan) {
        self.source.profile = plan.source.profile.clone();
        self.source.region = Field::with(plan.source.region.as_deref().unwrap_or(""));
        self.dest.profile = plan.destination.profile.clone();
        self.dest.region = Field::with(plan.destination.region.as_deref().unwrap_or(""));
    }

    pub fn spec(&self, side: Side, endpoint: Option<String>) -> SideSpec {
        let s = match side {
            Side::Source => &self.source,
            Side::Dest => &self.dest,
        };
        SideSpec {
            profile: s.profile.clone(),
            region: Some(s.region.value().trim().to_owned()).filter(|r| !r.is_empty()),
            endpoint_url: endpoint,
        }
    }

    /// Reconnects both sides of a journaled plan.
    pub fn connect_cmds(&mut self, plan: &Plan, endpoint: Option<String>) -> Vec<Cmd> {
        self.fill_from_plan(plan);
        self.source.connecting = true;
        self.dest.connecting = true;
        vec![
            Cmd::Connect {
                side: Side::Source,
                spec: self.spec(Side::Source, endpoint.clone()),
            },
            Cmd::Connect {
                side: Side::Dest,
                spec: self.spec(Side::Dest, endpoint),
            },
        ]
    }
}

pub fn on_profiles(app: &mut App, result: Result<Vec<String>, AwsFailure>) -> Vec<Cmd> {
    match result {
        Ok(names) => {
            app.accounts.source.picker.set_items(names.clone());
            app.accounts.dest.picker.set_items(names);
            if let Some(p) = app.accounts.source.profile.clone() {
                app.accounts.source.picker.select(&p);
            }
            match app.accounts.dest.profile.clone() {
                Some(p) => app.accounts.dest.picker.select(&p),
                // The destination starts on another profile than the source, so Enter, Enter
                // never picks one account twice by accident.
                None => app.accounts.dest_away_from_source(),
            }
        }
        Err(f) => app.accounts.profiles_error = Some(f),
    }
    Vec::new()
}

pub fn on_connected(app: &mut App, side: Side, result: Result<Identity, AwsFailure>) -> Vec<Cmd> {
    let s = app.accounts.side_mut(side);
    s.connecting = false;
    let profile = s.profile.clone().unwrap_or_else(|| "default".into());
    s.identity = Some(result.map_err(|f| {
        let next = f.next.replace("NAME", &profile);
        f.with_next(next)
    }));
    Vec::new()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let endpoint = app.endpoint_url.clone();
    let st = &mut app.accounts;
    if key.code == KeyCode::Tab || key.code == KeyCode::BackTab {
        let order = [
            Focus::SourceProfile,
            Focus::SourceRegion,
            Focus::DestProfile,
            Focus::DestRegion,
        ];
        let i = order.iter().position(|f| *f == st.focus).unwrap_or(0);
        let next = if key.code == KeyCode::Tab {
            (i + 1) % 4
        } else {
            (i + 3) % 4
        };
        st.focus = order[next];
        return Some(Vec::new());
    }
    let side = match st.focus {
        Focus::SourceProfile | Focus::SourceRegion => Side::Source,
        Focus::DestProfile | Focus::DestRegion => Side::Dest,
    };
    match st.focus {
        Focus::SourceProfile | Focus::DestProfile => {
            let s = st.side_mut(side);
            match s.picker.on_key(key) {
                PickerKey::Chosen(name) => {
                    let same = s.profile.as_deref() == Some(name.as_str());
                    if same && st.connected() {
                        return Some(next_screen(app));
                    }
                    let s = st.side_mut(side);
                    s.profile = Some(name);
                    s.identity = None;
                    s.connecting = true;
                    // Focus stays in the lists (Tab reaches the region fields), so `?`, `q`
                    // and Enter keep their meaning.
                    if side == Side::Source {
                        st.focus = Focus::DestProfile;
                        st.dest_away_from_source();
                    }
                    let spec = st.spec(side, endpoint);
                    Some(vec![Cmd::Connect { side, spec }])
                }
                PickerKey::Moved => Some(Vec::new()),
                PickerKey::Ignored => None,
            }
        }
        Focus::SourceRegion | Focus::DestRegion => match key.code {
            KeyCode::Enter => {
                if st.connected() && !st.source.connecting && !st.dest.connecting {
                    return Some(next_screen(app));
                }
                let s = st.side_mut(side);
                if s.profile.is_none() {
                    return Some(Vec::new());
                }
                let region = s.region.value().trim().to_owned();
                if !region.is_empty() {
                    if let Err(e) = crate::logic::names::region("region", &region) {
                        s.identity = Some(Err(AwsFailure::new(
                            "bad-region",
                            crate::aws::explain::FailureKind::BadInput,
                            e.to_string(),
                            "AWS regions are written like us-east-1 or eu-west-2",
                            "fix the region, or leave it empty to use the profile's region",
                        )));
                        return Some(Vec::new());
                    }
                }
                s.identity = None;
                s.connecting = true;
                let spec = st.spec(side, endpoint);
                Some(vec![Cmd::Connect { side, spec }])
            }
            // Esc leaves the field for the side's list, where letters are commands again.
            KeyCode::Esc => {
                st.focus = match side {
                    Side::Source => Focus::SourceProfile,
                    Side::Dest => Focus::DestProfile,
                };
                Some(Vec::new())
            }
            _ => {
                let s = st.side_mut(side);
                if s.region.on_key(key) {
                    // Another region is another place: ask STS again before going on.
                    s.identity = None;
                }
                Some(Vec::new())
            }
        },
    }
}

fn next_screen(app: &mut App) -> Vec<Cmd> {
    app.go(Screen::Table);
    app.table.loading = true;
    vec![Cmd::ListTables]
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let st = &app.accounts;
    let [columns, note] = Layout::vertical([Constraint::Min(8), Constraint::Length(3)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(columns);
    render_side(
        f,
        left,
        "Source (has the table)",
        &st.source,
        st.focus,
        Side::Source,
    );
    render_side(
        f,
        right,
        "Destination (gets the copy)",
        &st.dest,
        st.focus,
        Side::Dest,
    );
    let text = if let Some(e) = &st.profiles_error {
        format!("{} — {}", e.what, e.next)
    } else if st.connected() {
        let same = st.identity(Side::Source).map(|i| &i.account)
            == st.identity(Side::Dest).map(|i| &i.account);
        if same {
            "Both profiles are the same account: a copy inside one account (or across regions) works, but check this is what you meant. Enter: continue.".to_owned()
        } else {
            "Both accounts answered: the account numbers and your identities are shown above. Enter: continue to the table.".to_owned()
        }
    } else {
        "A profile is a named sign-in from ~/.aws/config. Enter picks one for the account with the table, then one for the account that gets the copy.".to_owned()
    };
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::TOP)),
        note,
    );
}

fn render_side(f: &mut Frame, area: Rect, title: &str, s: &SideState, focus: Focus, side: Side) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {title} "));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [list, region, who] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(if s.identity.as_ref().is_some_and(|r| r.is_err()) {
            9
        } else {
            4
        }),
    ])
    .areas(inner);
    let (pf, rf) = match side {
        Side::Source => (Focus::SourceProfile, Focus::SourceRegion),
        Side::Dest => (Focus::DestProfile, Focus::DestRegion),
    };
    let title = match &s.profile {
        Some(p) => format!("Profile: {p}"),
        None => "Profile".to_owned(),
    };
    s.picker.render(f, list, &title, focus == pf);
    s.region.render(
        f,
        region,
        "Region (empty = profile's)",
        Look::of(focus == rf, true),
        None,
    );
    let lines: Vec<Line> = match (&s.identity, s.connecting) {
        (_, true) => vec![Line::from(
            "Asking AWS who this is (STS, its identity service)…",
        )],
        (Some(Ok(id)), _) => who_lines(id, who.width as usize),
        (Some(Err(e)), _) => failure::lines_next_first(e),
        (None, _) => vec![Line::from("Not connected yet.")],
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), who);
}

/// The keys of the Accounts screen now.
pub fn bar(app: &App) -> Bar {
    let st = &app.accounts;
    let filtering = st.source.picker.filtering || st.dest.picker.filtering;
    if filtering {
        return Bar::filtering();
    }
    let ready = st.connected() && !st.source.connecting && !st.dest.connecting;
    match st.focus {
        Focus::SourceRegion | Focus::DestRegion => Bar::editing(
            "Region",
            vec![
                hint("Enter", if ready { "continue" } else { "connect" }),
                hint("Esc", "back to the list"),
                hint("Tab", "next field"),
            ],
        ),
        Focus::SourceProfile | Focus::DestProfile => {
            let enter = if ready {
                "continue to the table"
            } else if st.focus == Focus::SourceProfile {
                "use this profile for the source"
            } else {
                "use this profile for the destination"
            };
            Bar::commands(vec![
                hint("Enter", enter),
                hint("↑↓", "move"),
                hint("Tab", "next list or region"),
                hint("/", "filter"),
            ])
        }
    }
}

pub const HELP: &[&str] = &[
    "Choose the AWS profile of the account that has the table (the source) and of the account that gets the copy (the destination). A profile is a named sign-in kept in ~/.aws/config; `aws configure` or `aws configure sso` makes one.",
    "Region: leave it empty to use the profile's own region; type one (like eu-west-1) to use another.",
    "ddb-ferry then asks STS (AWS's who-am-I service) who each profile is, and shows the account number, so you can check you picked the right accounts before anything changes.",
    "An SSO profile whose sign-in expired: run `aws sso login --profile NAME` in another shell, then choose the profile again.",
];

/// Who a profile is, in words that fit: the account, then the user or the role (an ARN
/// split mid-word helps nobody; the full ARN is in the journal and `ddb-ferry status`).
fn who_lines(id: &Identity, width: usize) -> Vec<Line<'static>> {
    let fit = |text: String| -> Line<'static> {
        if text.chars().count() > width {
            let cut: String = text.chars().take(width.saturating_sub(1)).collect();
            Line::from(format!("{cut}…"))
        } else {
            Line::from(text)
        }
    };
    let mut lines = vec![fit(format!("Account {}  ({})", id.account, id.region))];
    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION or arn:aws:iam::ACCOUNT:user/NAME
    let resource = id.arn.splitn(6, ':').nth(5).unwrap_or(&id.arn);
    let parts: Vec<&str> = resource.split('/').collect();
    match parts.as_slice() {
        ["assumed-role", role, session] => {
            lines.push(fit(format!("You: {session}")));
            lines.push(fit(format!("Role: {role}")));
        }
        ["user", .., name] => lines.push(fit(format!("You: user {name}"))),
        _ => lines.push(fit(resource.to_owned())),
    }
    lines
}
