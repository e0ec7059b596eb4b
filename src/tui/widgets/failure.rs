//! An explained failure: what happened, why it usually happens, what to do now.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::aws::explain::AwsFailure;

pub fn lines(failure: &AwsFailure) -> Vec<Line<'static>> {
    vec![
        Line::from(vec![
            Span::styled("What: ", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(failure.what.clone()),
        ]),
        Line::from(vec![
            Span::styled("Why:  ", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(failure.why.clone()),
        ]),
        Line::from(vec![
            Span::styled("Next: ", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(failure.next.clone()),
        ]),
    ]
}

/// The same three lines with the next step first, for narrow places where the end is cut.
pub fn lines_next_first(failure: &AwsFailure) -> Vec<Line<'static>> {
    let mut l = lines(failure);
    l.rotate_right(1);
    l
}

pub fn render(f: &mut Frame, area: Rect, failure: &AwsFailure) {
    let p = Paragraph::new(lines(failure))
        .wrap(Wrap { trim: true })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(crate::tui::theme::problem())
                .title(format!(" Problem [{}] ", failure.code)),
        );
    f.render_widget(p, area);
}
