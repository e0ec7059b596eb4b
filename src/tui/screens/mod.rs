//! One module per screen: its state, its keys, its messages and its drawing.

pub mod accounts;
pub mod backup;
pub mod backup_progress;
pub mod bucket;
pub mod catch_up;
pub mod compare;
pub mod export;
pub mod fleet;
pub mod folder;
pub mod full_check;
pub mod keys;
pub mod pitr;
pub mod progress;
pub mod road;
pub mod table;
pub mod verify;

use crossterm::event::KeyEvent;

/// What a screen did with a key: `None` lets the wizard treat it (Esc goes back).
pub type KeyResult = Option<Vec<crate::tui::services::Cmd>>;

/// Whether a key is a plain press of `code`.
pub fn is(key: &KeyEvent, code: crossterm::event::KeyCode) -> bool {
    key.code == code
}

/// An estimate as lines for a screen, each labelled an estimate; when no price at all is
/// known for the region, one line says so instead of one "unknown" per charge.
pub fn estimate_lines(estimate: &crate::logic::cost::Estimate) -> Vec<String> {
    if !estimate.costs.is_empty() && estimate.costs.iter().all(|c| c.price.is_none()) {
        let region = &estimate.costs[0].region;
        return vec![format!(
            "• Unknown: ddb-ferry has no prices for {region}. Give your own in a prices file (--prices FILE, see docs/costs.md) to see an estimate."
        )];
    }
    estimate
        .sentences()
        .into_iter()
        .map(|s| format!("• {s}"))
        .collect()
}
