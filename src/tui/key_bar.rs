//! The keys of the moment: each screen says which keys do what in its current state, and the
//! same list is drawn twice — squeezed into the bottom line, and in full in the help box — so
//! the two never disagree.

/// One key and what it does now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub key: &'static str,
    pub does: String,
}

pub fn hint(key: &'static str, does: impl Into<String>) -> Hint {
    Hint {
        key,
        does: does.into(),
    }
}

/// A screen's keys in its current state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bar {
    /// The text field being edited, if any: then letters are text, and the bar says so first.
    pub editing: Option<&'static str>,
    pub hints: Vec<Hint>,
}

impl Bar {
    pub fn commands(hints: Vec<Hint>) -> Bar {
        Bar {
            editing: None,
            hints,
        }
    }

    pub fn editing(field: &'static str, hints: Vec<Hint>) -> Bar {
        Bar {
            editing: Some(field),
            hints,
        }
    }

    /// A list being filtered: typed letters narrow it.
    pub fn filtering() -> Bar {
        Bar::editing(
            "filter",
            vec![
                hint("Enter", "keep the filter"),
                hint("Esc", "clear it"),
                hint("↑↓", "move"),
            ],
        )
    }

    /// Every hint, with the ones every screen shares at the end.
    pub fn all(&self) -> Vec<Hint> {
        let mut all = self.hints.clone();
        all.push(hint("?", "help"));
        if self.editing.is_none() && !self.hints.iter().any(|h| h.key == "q") {
            all.push(hint("q", "quit"));
        }
        all
    }

    /// The bottom line: the mode first, then as many hints as fit, always ending with help
    /// (and quit) so the way out is never cut.
    pub fn line(&self, width: usize) -> String {
        let all = self.all();
        let tail = if self.editing.is_some() { 1 } else { 2 }.min(all.len());
        let (head, shared) = all.split_at(all.len() - tail);
        let mode = self
            .editing
            .map(|f| format!("EDITING {f}  "))
            .unwrap_or_default();
        let render = |keep: usize| {
            let parts: Vec<String> = head[..keep]
                .iter()
                .chain(shared)
                .map(|h| format!("{}: {}", h.key, h.does))
                .collect();
            format!("{mode}{}", parts.join("  "))
        };
        let mut keep = head.len();
        loop {
            let text = render(keep);
            if text.chars().count() <= width || keep == 0 {
                return text.chars().take(width).collect();
            }
            keep -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_bar_drops_hints_but_keeps_help_and_quit() {
        let bar = Bar::commands(vec![
            hint("Enter", "apply and continue"),
            hint("p", "preview the policy"),
            hint("v", "show the policy as JSON"),
        ]);
        assert_eq!(bar.line(60), "Enter: apply and continue  ?: help  q: quit");
        assert!(bar.line(200).contains("v: show the policy as JSON"));
    }

    #[test]
    fn editing_says_so_first_and_offers_no_quit_letter() {
        let bar = Bar::editing(
            "Bucket",
            vec![hint("Enter", "preview"), hint("Esc", "stop")],
        );
        let line = bar.line(80);
        assert!(line.starts_with("EDITING Bucket  Enter: preview"), "{line}");
        assert!(line.ends_with("?: help"), "{line}");
        assert!(!line.contains("q: quit"), "{line}");
    }
}
