//! One module per screen: its state, its keys, its messages and its drawing.

pub mod accounts;
pub mod bucket;
pub mod export;
pub mod folder;
pub mod full_check;
pub mod keys;
pub mod pitr;
pub mod progress;
pub mod table;
pub mod verify;

use crossterm::event::KeyEvent;

/// What a screen did with a key: `None` lets the wizard treat it (Esc goes back).
pub type KeyResult = Option<Vec<crate::tui::services::Cmd>>;

/// Whether a key is a plain press of `code`.
pub fn is(key: &KeyEvent, code: crossterm::event::KeyCode) -> bool {
    key.code == code
}
