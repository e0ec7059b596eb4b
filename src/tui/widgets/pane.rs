//! A bordered pane that shows whether it has the keys: a `▶` before its title and a bold
//! border, so the focus is visible without colour.

use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders};

pub fn pane(title: &str, focused: bool) -> Block<'static> {
    let block = Block::default().borders(Borders::ALL);
    if focused {
        block
            .title(format!("▶ {title} "))
            .border_style(Style::default().add_modifier(Modifier::BOLD))
    } else {
        block.title(format!(" {title} "))
    }
}

/// Whether wrapped `lines` go on below what a pane of `area` (borders included) shows from
/// line `scroll`: the title then says so, because a cut policy or JSON must never look whole.
pub fn more_below(lines: &[ratatui::text::Line], area: ratatui::layout::Rect, scroll: u16) -> bool {
    let width = area.width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            super::text::wrap(&text, width).len()
        })
        .sum();
    rows > area.height.saturating_sub(2) as usize + scroll as usize
}

/// A pane title with "PgDn: more" when its text goes on below.
pub fn title_with_more(title: &str, more: bool) -> String {
    if more {
        format!("{title} (PgDn: more)")
    } else {
        title.to_owned()
    }
}

/// Draws `lines` wrapped in a pane, from line `scroll` on; the title says when more follows.
pub fn render_scrolled(
    f: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    title: &str,
    focused: bool,
    lines: Vec<ratatui::text::Line<'static>>,
    scroll: u16,
) {
    let title = title_with_more(title, more_below(&lines, area, scroll));
    f.render_widget(
        ratatui::widgets::Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((scroll, 0))
            .block(pane(&title, focused)),
        area,
    );
}

/// PgDn/PgUp (and J/K) move a pane's `scroll` five lines; true when the key was one of them.
pub fn scroll_key(scroll: &mut u16, key: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::KeyCode;
    match key.code {
        KeyCode::PageDown | KeyCode::Char('J') => *scroll = scroll.saturating_add(5),
        KeyCode::PageUp | KeyCode::Char('K') => *scroll = scroll.saturating_sub(5),
        _ => return false,
    }
    true
}
