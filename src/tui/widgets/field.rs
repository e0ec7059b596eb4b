//! A one-line text field over `tui_input`, with a label and an optional complaint.

use crossterm::event::{Event, KeyEvent};
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

    /// Passes a key to the text; true when the text or cursor changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        self.input.handle_event(&Event::Key(key)).is_some()
    }

    /// `label: value` on one line; the cursor is placed when focused.
    pub fn render(
        &self,
        f: &mut Frame,
        area: Rect,
        label: &str,
        focused: bool,
        problem: Option<&str>,
    ) {
        let label_width = label.chars().count() as u16 + 2;
        let width = area.width.saturating_sub(label_width).max(1) as usize;
        let scroll = self.input.visual_scroll(width);
        let shown: String = self.value().chars().skip(scroll).take(width).collect();
        let style = if focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().add_modifier(Modifier::UNDERLINED)
        };
        let mut spans = vec![
            Span::styled(
                format!("{label}: "),
                Style::default().add_modifier(Modifier::BOLD),
            ),
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
        if focused {
            let x =
                area.x + label_width + (self.input.visual_cursor().saturating_sub(scroll)) as u16;
            f.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}
