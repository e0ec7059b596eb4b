//! A list to pick from, filtered by typing after `/`; a list that allows it also marks
//! several items (Space marks the highlighted one, `*` every one the filter shows).

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, ListState};
use ratatui::Frame;

#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub items: Vec<String>,
    pub filter: String,
    pub filtering: bool,
    pub selected: usize,
    /// Shown items drop this leading text (a folder browser shows names relative to it).
    pub strip: String,
    /// Marked items (kept while the filter changes); drawn as `[x]` when `marking`.
    pub marked: BTreeSet<String>,
    pub marking: bool,
}

/// What a key did to the picker.
#[derive(Debug, PartialEq, Eq)]
pub enum PickerKey {
    /// The key was not for the picker.
    Ignored,
    /// The highlight or the filter changed.
    Moved,
    /// Enter on an item.
    Chosen(String),
}

impl Picker {
    pub fn new(items: Vec<String>) -> Self {
        Self {
            items,
            ..Self::default()
        }
    }

    pub fn set_items(&mut self, items: Vec<String>) {
        self.items = items;
        self.selected = 0;
    }

    /// Items that match the filter (case-insensitive substring).
    pub fn visible(&self) -> Vec<&String> {
        let f = self.filter.to_lowercase();
        self.items
            .iter()
            .filter(|i| f.is_empty() || i.to_lowercase().contains(&f))
            .collect()
    }

    pub fn current(&self) -> Option<&String> {
        self.visible().get(self.selected).copied()
    }

    pub fn select(&mut self, name: &str) {
        if let Some(i) = self.visible().iter().position(|v| *v == name) {
            self.selected = i;
        }
    }

    /// Marks the highlighted item, or unmarks it when marked.
    pub fn toggle_mark(&mut self) {
        if let Some(c) = self.current().cloned() {
            if !self.marked.remove(&c) {
                self.marked.insert(c);
            }
        }
    }

    /// Marks every item the filter shows; when all are marked already, unmarks them.
    pub fn mark_visible(&mut self) {
        let shown: Vec<String> = self.visible().into_iter().cloned().collect();
        if shown.iter().all(|s| self.marked.contains(s)) {
            for s in &shown {
                self.marked.remove(s);
            }
        } else {
            self.marked.extend(shown);
        }
    }

    /// Whether every item the filter shows is marked (so `*` would unmark them).
    pub fn all_visible_marked(&self) -> bool {
        let shown = self.visible();
        !shown.is_empty() && shown.iter().all(|s| self.marked.contains(*s))
    }

    pub fn on_key(&mut self, key: KeyEvent) -> PickerKey {
        let len = self.visible().len();
        if self.filtering {
            match key.code {
                KeyCode::Esc => {
                    self.filtering = false;
                    self.filter.clear();
                }
                KeyCode::Enter => self.filtering = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                KeyCode::Down => self.selected = (self.selected + 1).min(len.saturating_sub(1)),
                KeyCode::Up => self.selected = self.selected.saturating_sub(1),
                _ => return PickerKey::Ignored,
            }
            let len = self.visible().len();
            self.selected = self.selected.min(len.saturating_sub(1));
            return PickerKey::Moved;
        }
        match key.code {
            KeyCode::Char('/') => {
                self.filtering = true;
                PickerKey::Moved
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(len.saturating_sub(1));
                PickerKey::Moved
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                PickerKey::Moved
            }
            KeyCode::PageDown => {
                self.selected = (self.selected + 10).min(len.saturating_sub(1));
                PickerKey::Moved
            }
            KeyCode::PageUp => {
                self.selected = self.selected.saturating_sub(10);
                PickerKey::Moved
            }
            KeyCode::Enter => match self.current() {
                Some(c) => PickerKey::Chosen(c.clone()),
                None => PickerKey::Ignored,
            },
            _ => PickerKey::Ignored,
        }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, title: &str, focused: bool) {
        let visible = self.visible();
        let items: Vec<ListItem> = visible
            .iter()
            .map(|i| {
                let name = i.strip_prefix(self.strip.as_str()).unwrap_or(i.as_str());
                ListItem::new(Line::from(if !self.marking {
                    name.to_owned()
                } else if self.marked.contains(*i) {
                    format!("[x] {name}")
                } else {
                    format!("[ ] {name}")
                }))
            })
            .collect();
        let mut title = if focused {
            format!("▶ {title}")
        } else {
            title.to_owned()
        };
        if self.filtering || !self.filter.is_empty() {
            title = format!("{title} /{}", self.filter);
        }
        if visible.is_empty() {
            title.push_str(" (none)");
        }
        let border = if focused {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let list = List::new(items)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title)
                    .border_style(border),
            )
            .highlight_style(Style::default().add_modifier(Modifier::REVERSED))
            .highlight_symbol("> ");
        let mut state = ListState::default().with_selected(Some(self.selected));
        f.render_stateful_widget(list, area, &mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventKind, KeyEventState, KeyModifiers};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn filtering_narrows_and_enter_chooses() {
        let mut p = Picker::new(vec!["orders".into(), "users".into(), "order-lines".into()]);
        p.on_key(key(KeyCode::Char('/')));
        for c in "line".chars() {
            p.on_key(key(KeyCode::Char(c)));
        }
        p.on_key(key(KeyCode::Enter));
        assert_eq!(p.visible(), [&"order-lines".to_string()]);
        assert_eq!(
            p.on_key(key(KeyCode::Enter)),
            PickerKey::Chosen("order-lines".into())
        );
    }

    #[test]
    fn marks_survive_the_filter_and_star_marks_what_it_shows() {
        let mut p = Picker::new(vec!["orders".into(), "users".into(), "order-lines".into()]);
        p.on_key(key(KeyCode::Down));
        p.toggle_mark();
        assert!(p.marked.contains("users"));
        p.filter = "order".into();
        p.mark_visible();
        assert_eq!(p.marked.len(), 3);
        assert!(p.all_visible_marked());
        p.mark_visible();
        assert_eq!(p.marked.iter().collect::<Vec<_>>(), [&"users".to_string()]);
    }

    #[test]
    fn moving_stays_inside_the_list() {
        let mut p = Picker::new(vec!["a".into(), "b".into()]);
        p.on_key(key(KeyCode::Up));
        assert_eq!(p.selected, 0);
        for _ in 0..5 {
            p.on_key(key(KeyCode::Char('j')));
        }
        assert_eq!(p.selected, 1);
    }
}
