//! The step bar: every step, where you are, and what is done.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::Screen;

pub fn render(f: &mut Frame, area: Rect, current: Screen, reached: Screen) {
    let mut spans = Vec::new();
    let wide = area.width >= 118;
    for (i, s) in Screen::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(if wide { " > " } else { ">" }));
        }
        let label = if wide { s.medium() } else { s.short() };
        let mark = if *s < reached && *s != current {
            "✓"
        } else {
            ""
        };
        let text = format!("{mark}{label}");
        let style = if *s == current {
            crate::tui::theme::current()
        } else if *s <= reached {
            Style::default()
        } else {
            Style::default().add_modifier(Modifier::DIM)
        };
        spans.push(Span::styled(text, style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
