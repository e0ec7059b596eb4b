//! The backup screen's keys: the form (the list, the fields, Enter to the review), the
//! review (Enter, `v` for the policy's JSON) and the vault question (`y` or `n`), and the
//! start, which opens the session with the plan on screen.

use crossterm::event::{KeyCode, KeyEvent};

use super::{draft, order, started, vault, Focus, Stage};
use crate::engine::journal::Step;
use crate::engine::session::OpenFrom;
use crate::logic::names;
use crate::tui::app::{App, Screen};
use crate::tui::screens::KeyResult;
use crate::tui::services::Cmd;
use crate::tui::widgets::pane::scroll_key;

use super::rows;

pub fn on_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if app.engine_busy {
        return Some(Vec::new());
    }
    if started(app) {
        return match key.code {
            KeyCode::Enter => {
                app.go(Screen::BackupProgress);
                Some(Vec::new())
            }
            _ => None,
        };
    }
    match app.backup.stage {
        Stage::Confirm => on_confirm_key(app, key),
        Stage::Review => on_review_key(app, key),
        Stage::Form => on_form_key(app, key),
    }
}

/// The vault question: `y` adds the statement, `n` leaves the policy as it is.
fn on_confirm_key(app: &mut App, key: KeyEvent) -> Option<Vec<Cmd>> {
    match key.code {
        KeyCode::Char('y') => {
            app.backup.add_vault_policy = true;
            Some(start(app))
        }
        KeyCode::Char('n') => {
            app.backup.add_vault_policy = false;
            Some(start(app))
        }
        KeyCode::Esc => {
            app.backup.stage = Stage::Review;
            app.backup.scroll = 0;
            Some(Vec::new())
        }
        _ => Some(Vec::new()),
    }
}

fn on_review_key(app: &mut App, key: KeyEvent) -> KeyResult {
    let st = &mut app.backup;
    match key.code {
        KeyCode::Enter => Some(forward_from_review(app)),
        KeyCode::Char('v') => {
            st.json = !st.json;
            st.scroll = 0;
            Some(Vec::new())
        }
        KeyCode::Esc => {
            st.stage = Stage::Form;
            st.scroll = 0;
            Some(Vec::new())
        }
        _ if scroll_key(&mut st.scroll, &key) => Some(Vec::new()),
        KeyCode::Down | KeyCode::Char('j') => {
            st.scroll = st.scroll.saturating_add(1);
            Some(Vec::new())
        }
        KeyCode::Up | KeyCode::Char('k') => {
            st.scroll = st.scroll.saturating_sub(1);
            Some(Vec::new())
        }
        _ => None,
    }
}

/// Enter on the review: across accounts the vault question comes first (once the policy
/// was read); otherwise the migration starts.
fn forward_from_review(app: &mut App) -> Vec<Cmd> {
    let across = draft::current(app)
        .is_some_and(|row| draft::shape(&row.source, &draft::facts(app)).across_accounts);
    if !across {
        app.backup.add_vault_policy = false;
        return start(app);
    }
    match vault::preview(app) {
        vault::Preview::Reading => {
            app.backup.message =
                Some("Wait a moment: the vault's access policy is being read.".into());
            Vec::new()
        }
        p if p.adds() => {
            // The question is at the top of the pane: it must be seen whatever was scrolled.
            app.backup.stage = Stage::Confirm;
            app.backup.scroll = 0;
            Vec::new()
        }
        // Nothing to add, or nothing that could be added: the run checks it and explains.
        _ => {
            app.backup.add_vault_policy = false;
            start(app)
        }
    }
}

fn on_form_key(app: &mut App, key: KeyEvent) -> KeyResult {
    if matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
        move_focus(app, key.code == KeyCode::Tab);
        return Some(Vec::new());
    }
    if key.code != KeyCode::Enter {
        app.backup.message = None;
    }
    if app.backup.editing() {
        return Some(match key.code {
            KeyCode::Enter => {
                app.backup.typing = false;
                review(app)
            }
            KeyCode::Esc => {
                app.backup.typing = false;
                Vec::new()
            }
            _ => on_text_key(app, key),
        });
    }
    let focus = app.backup.focus;
    match key.code {
        KeyCode::Enter => Some(review(app)),
        KeyCode::Esc => None,
        KeyCode::Down | KeyCode::Char('j') if focus == Focus::List => {
            let n = draft::all_rows(app).len();
            app.backup.selected = (app.backup.selected + 1).min(n.saturating_sub(1));
            Some(after_row_change(app))
        }
        KeyCode::Up | KeyCode::Char('k') if focus == Focus::List => {
            app.backup.selected = app.backup.selected.saturating_sub(1);
            Some(after_row_change(app))
        }
        KeyCode::Down | KeyCode::Char('j') => Some(step_focus(app, true)),
        KeyCode::Up | KeyCode::Char('k') => Some(step_focus(app, false)),
        KeyCode::Char('e') if app.backup.on_text() => {
            app.backup.typing = true;
            Some(Vec::new())
        }
        KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
            if matches!(focus, Focus::Encryption | Focus::CopyTags) =>
        {
            if focus == Focus::CopyTags {
                app.backup.copy_tags = !app.backup.copy_tags;
            } else {
                next_encryption(app, key.code != KeyCode::Left);
            }
            Some(Vec::new())
        }
        _ if scroll_key(&mut app.backup.scroll, &key) => Some(Vec::new()),
        _ => None,
    }
}

/// A key typed into the focused field; the new name is checked (after a pause, in the task
/// layer) and a new vault name forgets the vault read before.
fn on_text_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let focus = app.backup.focus;
    let Some(field) = app.backup.field_mut() else {
        return Vec::new();
    };
    if !field.on_key(key) {
        return Vec::new();
    }
    match focus {
        Focus::Name => {
            let name = app.backup.name.value().trim().to_owned();
            if names::table_name("t", &name).is_ok() {
                return vec![Cmd::CheckName(name)];
            }
        }
        Focus::Vault => app.backup.add_vault_policy = false,
        _ => {}
    }
    Vec::new()
}

/// Another row: an encryption it does not offer falls back to the default.
fn after_row_change(app: &mut App) -> Vec<Cmd> {
    let facts = draft::facts(app);
    if let Some(row) = draft::current(app) {
        if rows::encryptions(&row.source, &facts).len() <= app.backup.encryption as usize {
            app.backup.encryption = 0;
        }
    }
    app.backup.add_vault_policy = false;
    Vec::new()
}

/// Steps through the encryptions the highlighted row offers.
fn next_encryption(app: &mut App, forward: bool) {
    let facts = draft::facts(app);
    let offered = draft::current(app).map_or(1, |row| rows::encryptions(&row.source, &facts).len());
    let n = offered.max(1) as u8;
    let e = app.backup.encryption.min(n - 1);
    app.backup.encryption = if forward {
        (e + 1) % n
    } else {
        (e + n - 1) % n
    };
}

/// Tab: the next field of the order; landing on a text field starts editing it.
fn move_focus(app: &mut App, forward: bool) {
    let order = order(app);
    let n = order.len();
    let i = order
        .iter()
        .position(|f| *f == app.backup.focus)
        .unwrap_or(0);
    app.backup.focus = order[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
    app.backup.typing = app.backup.on_text();
}

/// ↑↓ outside the list: the neighbouring field, without editing it.
fn step_focus(app: &mut App, forward: bool) -> Vec<Cmd> {
    let order = order(app);
    let i = order
        .iter()
        .position(|f| *f == app.backup.focus)
        .unwrap_or(0);
    let j = if forward {
        (i + 1).min(order.len() - 1)
    } else {
        i.saturating_sub(1)
    };
    app.backup.focus = order[j];
    Vec::new()
}

/// Enter on the form: the review, once every value is one AWS would take; across accounts
/// the vault's policy is read for its preview.
fn review(app: &mut App) -> Vec<Cmd> {
    if let Some(p) = draft::problem(app) {
        app.backup.message = Some(p);
        return Vec::new();
    }
    let st = &mut app.backup;
    st.stage = Stage::Review;
    st.scroll = 0;
    st.message = None;
    let across = draft::current(app)
        .is_some_and(|row| draft::shape(&row.source, &draft::facts(app)).across_accounts);
    let vault = app.backup.vault.value().trim().to_owned();
    if across
        && app
            .backup
            .vault_look
            .as_ref()
            .is_none_or(|(v, _)| *v != vault)
    {
        app.backup.vault_look = None;
        return vec![Cmd::ReadVaultPolicy { vault }];
    }
    Vec::new()
}

/// Opens the migration with the plan on screen and follows it on the progress screen.
fn start(app: &mut App) -> Vec<Cmd> {
    let Some(plan) = draft::plan(app) else {
        return Vec::new();
    };
    if let Err(problems) = plan.validate() {
        app.backup.stage = Stage::Form;
        app.backup.message = problems.first().map(|p| p.message.clone());
        return Vec::new();
    }
    app.backup.stage = Stage::Form;
    app.progress.forget_backup_jobs();
    app.progress.reset_for(Step::Backup);
    app.go(Screen::BackupProgress);
    app.open_session(OpenFrom::Plan {
        plan: Box::new(plan),
        pitr_enabled_by_us: false,
    })
}
