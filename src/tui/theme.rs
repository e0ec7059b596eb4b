//! The few colours the wizard uses, and none at all when NO_COLOR is set (no-color.org):
//! every meaning is also carried by text or by bold/reverse, so nothing is lost without them.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

pub fn color_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
}

fn colored(color: Color) -> Style {
    if color_enabled() {
        Style::default().fg(color)
    } else {
        Style::default()
    }
}

/// Where you are (the current step).
pub fn current() -> Style {
    colored(Color::Cyan).add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

/// A problem.
pub fn problem() -> Style {
    colored(Color::Red).add_modifier(Modifier::BOLD)
}

/// Something added (a policy statement).
pub fn added() -> Style {
    colored(Color::Green).add_modifier(Modifier::BOLD)
}
