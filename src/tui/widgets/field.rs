//! A one-line text field over `tui_input`, with a label and an optional complaint.
//!
//! A field being edited takes printable characters and the editing keys (arrows, Home, End,
//! Backspace, Delete) and nothing else: Enter, Esc, Tab and `?` always keep their meaning, so a
//! command key is never typed into a name by accident.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub struct Field {
    pub input: Input,
}

/// How a field is drawn: being edited (reversed, with the cursor), chosen but not being
/// edited (a `>` marker), or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Editing,
    Selected,
    Idle,
}

impl Look {
    pub fn of(focused: bool, editing: bool) -> Look {
        match (focused, editing) {
            (true, true) => Look::Editing,
            (true, false) => Look::Selected,
            _ => Look::Idle,
        }
    }
}

/// Whether a key belongs to a text being edited: printable characters (but `?`, which
/// always opens the help) and the keys that move or delete inside the text.
pub fn is_text_key(key: &KeyEvent) -> bool {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER)
    {
        return false;
    }
    match key.code {
        KeyCode::Char(c) => c != '?' && !c.is_control(),
        KeyCode::Backspace
        | KeyCode::Delete
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Home
        | KeyCode::End => true,
        _ => false,
    }
}

impl Field {
    pub fn with(value: &str) -> Self {
        Self {
            input: Input::default().with_value(value.to_owned()),
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn set(&mut self, value: &str) {
        self.input = Input::default().with_value(value.to_owned());
    }

    /// Passes a text key to the field (other keys are left alone); true when the text or
    /// the cursor changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        is_text_key(&key) && self.input.handle_event(&Event::Key(key)).is_some()
    }

    /// `label: value` on one line; the cursor is placed while it is edited.
    pub fn render(
        &self,
        f: &mut Frame,
        area: Rect,
        label: &str,
        look: Look,
        problem: Option<&str>,
    ) {
        let marker = if look == Look::Selected { "> " } else { "" };
        let label = format!("{marker}{label}: ");
        let label_width = label.chars().count() as u16;
        let width = area.width.saturating_sub(label_width).max(1) as usize;
        // While edited the text scrolls with the cursor; otherwise it shows from its start,
        // with `…` where it goes on.
        let scroll = if look == Look::Editing {
            self.input.visual_scroll(width)
        } else {
            0
        };
        let mut shown: String = self.value().chars().skip(scroll).take(width).collect();
        if look != Look::Editing && self.value().chars().count() > width {
            shown = shown
                .chars()
                .take(width.saturating_sub(1))
                .collect::<String>()
                + "…";
        }
        let style = match look {
            Look::Editing => Style::default().add_modifier(Modifier::REVERSED),
            _ => Style::default().add_modifier(Modifier::UNDERLINED),
        };
        let mut spans = vec![
            Span::styled(label, Style::default().add_modifier(Modifier::BOLD)),
            Span::styled(
                if shown.is_empty() {
                    " ".to_owned()
                } else {
                    shown
                },
                style,
            ),
        ];
        if let Some(p) = problem {
            spans.push(Span::raw(format!("  {p}")));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        if look == Look::Editing {
            let x =
                area.x + label_width + (self.input.visual_cursor().saturating_sub(scroll)) as u16;
            f.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventKind, KeyEventState};

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn only_text_keys_reach_the_text() {
        let mut f = Field::with("ab");
        assert!(f.on_key(key(KeyCode::Char('c'), KeyModifiers::NONE)));
        assert!(f.on_key(key(KeyCode::Char('D'), KeyModifiers::SHIFT)));
        for ignored in [
            key(KeyCode::Char('?'), KeyModifiers::NONE),
            key(KeyCode::Char('s'), KeyModifiers::CONTROL),
            key(KeyCode::Enter, KeyModifiers::NONE),
            key(KeyCode::Esc, KeyModifiers::NONE),
            key(KeyCode::Tab, KeyModifiers::NONE),
            key(KeyCode::F(1), KeyModifiers::NONE),
        ] {
            assert!(!f.on_key(ignored), "{ignored:?} must not be typed");
        }
        assert_eq!(f.value(), "abcD");
        assert!(f.on_key(key(KeyCode::Backspace, KeyModifiers::NONE)));
        assert_eq!(f.value(), "abc");
    }
}
