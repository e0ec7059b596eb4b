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
