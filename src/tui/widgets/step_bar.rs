//! The step bar: the road's steps, where you are, and what is done. When the steps do not
//! fit the line, the finished ones at the start give way first (an ellipsis says so): where
//! you are and what comes next are what the line is for.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::Screen;

pub fn render(f: &mut Frame, area: Rect, road: &[Screen], current: Screen, reached: Screen) {
    let wide = area.width >= 118;
    let sep = if wide { " > " } else { ">" };
    let label = |s: &Screen| {
        let mark = if *s < reached && *s != current {
            "✓"
        } else {
            ""
        };
        format!("{mark}{}", if wide { s.medium() } else { s.short() })
    };
    let width = |from: usize| -> usize {
        let steps: usize = road[from..].iter().map(|s| label(s).chars().count()).sum();
        let seps = sep.chars().count() * road.len().saturating_sub(from + 1);
        steps + seps + if from > 0 { 1 } else { 0 }
    };
    // Drop finished steps from the front (never the current one) until the line fits.
    let here = road.iter().position(|s| *s == current).unwrap_or(0);
    let mut from = 0;
    while from < here && width(from) > area.width as usize {
        from += 1;
    }
    let mut spans = Vec::new();
    if from > 0 {
        spans.push(Span::raw("…"));
    }
    for (i, s) in road.iter().enumerate().skip(from) {
        if i > from {
            spans.push(Span::raw(sep));
        }
        let style = if *s == current {
            crate::tui::theme::current()
        } else if *s <= reached {
            Style::default()
        } else {
            Style::default().add_modifier(Modifier::DIM)
        };
        spans.push(Span::styled(label(s), style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
