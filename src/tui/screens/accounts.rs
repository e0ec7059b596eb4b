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
use crate::tui::msg::Side;
use crate::tui::services::Cmd;
use crate::tui::widgets::failure;
use crate::tui::widgets::field::Field;
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
            if let Some(p) = app.accounts.dest.profile.clone() {
                app.accounts.dest.picker.select(&p);
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
            KeyCode::Esc => None,
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
            "Both accounts answered. Enter: continue to the table.".to_owned()
        }
    } else {
        "Pick a profile for each side (Enter), optionally a region (Tab to move). Profiles come from your AWS config files.".to_owned()
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
    s.region
        .render(f, region, "Region (empty = profile's)", focus == rf, None);
    let lines: Vec<Line> = match (&s.identity, s.connecting) {
        (_, true) => vec![Line::from("Asking STS who this is…")],
        (Some(Ok(id)), _) => vec![
            Line::from(format!("Account {}  ({})", id.account, id.region)),
            Line::from(id.arn.clone()),
        ],
        (Some(Err(e)), _) => failure::lines_next_first(e),
        (None, _) => vec![Line::from("Not connected yet.")],
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), who);
}
