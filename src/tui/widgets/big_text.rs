//! Large digits for a number that must be read from across the room (catch-up's lag, the
//! compare's count): a hand-drawn font three rows high, in block characters that every
//! terminal font has. Only digits are drawn large; the words between them ("min", "h",
//! "items") stay small on the bottom row, where they read as units.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The rows of the font.
pub const HEIGHT: u16 = 3;

fn glyph(digit: char) -> [&'static str; 3] {
    match digit {
        '0' => ["█▀█", "█ █", "█▄█"],
        '1' => ["▀█ ", " █ ", "▄█▄"],
        '2' => ["▀▀█", "█▀▀", "█▄▄"],
        '3' => ["▀▀█", " ▀█", "▄▄█"],
        '4' => ["█ █", "▀▀█", "  █"],
        '5' => ["█▀▀", "▀▀█", "▄▄█"],
        '6' => ["█▀▀", "█▀█", "█▄█"],
        '7' => ["▀▀█", "  █", "  █"],
        '8' => ["█▀█", "█▀█", "█▄█"],
        '9' => ["█▀█", "▀▀█", "▄▄█"],
        ',' => ["   ", "   ", " ▄ "],
        _ => ["   ", "   ", "   "],
    }
}

/// `text` as three lines: runs of digits (and the commas between them) large, everything
/// else small on the last row.
pub fn lines(text: &str) -> [String; 3] {
    let mut rows = [String::new(), String::new(), String::new()];
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let in_number = c.is_ascii_digit()
            || (c == ','
                && i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if in_number {
            let g = glyph(c);
            for (row, part) in rows.iter_mut().zip(g) {
                row.push_str(part);
                row.push(' ');
            }
        } else {
            rows[0].push(' ');
            rows[1].push(' ');
            rows[2].push(c);
        }
        i += 1;
    }
    for row in &mut rows {
        let trimmed = row.trim_end().len();
        row.truncate(trimmed);
    }
    rows
}

/// The width `text` takes in large type.
pub fn width(text: &str) -> u16 {
    lines(text)
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as u16
}

/// Draws `text` large at the top left of `area`.
pub fn render(f: &mut Frame, area: Rect, text: &str, style: Style) {
    let text: Vec<Line> = lines(text)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect();
    f.render_widget(Paragraph::new(text), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_large_and_words_stay_small_on_the_last_row() {
        let [top, middle, bottom] = lines("12 min");
        assert_eq!(top, "▀█  ▀▀█");
        assert_eq!(middle, " █  █▀▀");
        assert_eq!(bottom, "▄█▄ █▄▄  min");
        assert_eq!(width("12 min"), 12);
    }

    #[test]
    fn hours_and_minutes_keep_their_units_apart() {
        let [_, _, bottom] = lines("3 h 05 min");
        assert!(bottom.contains(" h "), "{bottom}");
        assert!(bottom.ends_with(" min"), "{bottom}");
    }
}
